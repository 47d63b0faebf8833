-- Attachments: metadata here, bytes in the blob store (a directory beside
-- the database, addressed by SHA-256).
CREATE TABLE attachments (
	id           TEXT PRIMARY KEY,
	item         TEXT    NOT NULL REFERENCES items (id),
	name         TEXT    NOT NULL,
	content_type TEXT    NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT    NOT NULL,
	uploaded_by  TEXT    NOT NULL,
	created_ns   INTEGER NOT NULL
);
CREATE INDEX attachments_item ON attachments (item, created_ns);

-- Answers to a catalogue entry's request form: free text, so beside the log.
ALTER TABLE item_content ADD COLUMN form TEXT NOT NULL DEFAULT '{}';

-- Configuration items and their typed relationships.
CREATE TABLE cis (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE ci_relationships (
	from_ci TEXT NOT NULL,
	to_ci   TEXT NOT NULL,
	type    TEXT NOT NULL,
	PRIMARY KEY (from_ci, to_ci, type)
);
CREATE INDEX ci_relationships_to ON ci_relationships (to_ci);
CREATE TABLE item_cis (
	item TEXT NOT NULL REFERENCES items (id),
	ci   TEXT NOT NULL,
	PRIMARY KEY (item, ci)
);
CREATE INDEX item_cis_ci ON item_cis (ci);

-- SLA policies and business calendars (JSON documents), and the SLA
-- events the ticker has written: one per (item, clock, kind), so several
-- instances never write the same warning or breach twice.
CREATE TABLE calendars (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE sla_policies (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE sla_marks (
	item     TEXT    NOT NULL,
	clock    TEXT    NOT NULL,
	kind     TEXT    NOT NULL,
	since_ns INTEGER NOT NULL, -- the clock's target took effect then: a new target may be crossed anew
	PRIMARY KEY (item, clock, kind, since_ns)
);
