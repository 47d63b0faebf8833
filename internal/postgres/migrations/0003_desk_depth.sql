-- Attachments: metadata here, the bytes in blobs (SPEC §7: with
-- PostgreSQL the database holds them, so any instance can serve any file),
-- addressed by SHA-256 so identical contents are stored once.
CREATE TABLE attachments (
	id           text   PRIMARY KEY,
	item         text   NOT NULL REFERENCES items (id),
	name         text   NOT NULL,
	content_type text   NOT NULL,
	size         bigint NOT NULL,
	sha256       text   NOT NULL,
	uploaded_by  text   NOT NULL,
	created_ns   bigint NOT NULL
);
CREATE INDEX attachments_item ON attachments (item, created_ns);
CREATE TABLE blobs (
	sha256 text  PRIMARY KEY,
	data   bytea NOT NULL
);

-- Answers to a catalogue entry's request form: free text, so beside the log.
ALTER TABLE item_content ADD COLUMN form text NOT NULL DEFAULT '{}';

-- Configuration items and their typed relationships.
CREATE TABLE cis (id text PRIMARY KEY, data text NOT NULL);
CREATE TABLE ci_relationships (
	from_ci text NOT NULL,
	to_ci   text NOT NULL,
	type    text NOT NULL,
	PRIMARY KEY (from_ci, to_ci, type)
);
CREATE INDEX ci_relationships_to ON ci_relationships (to_ci);
CREATE TABLE item_cis (
	item text NOT NULL REFERENCES items (id),
	ci   text NOT NULL,
	PRIMARY KEY (item, ci)
);
CREATE INDEX item_cis_ci ON item_cis (ci);

-- SLA policies and business calendars (JSON documents), and the SLA
-- events the ticker has written: one per (item, clock, kind, since), so
-- several instances never write the same warning or breach twice.
CREATE TABLE calendars (id text PRIMARY KEY, data text NOT NULL);
CREATE TABLE sla_policies (id text PRIMARY KEY, data text NOT NULL);
CREATE TABLE sla_marks (
	item     text   NOT NULL,
	clock    text   NOT NULL,
	kind     text   NOT NULL,
	since_ns bigint NOT NULL, -- the clock's target took effect then: a new target may be crossed anew
	PRIMARY KEY (item, clock, kind, since_ns)
);
