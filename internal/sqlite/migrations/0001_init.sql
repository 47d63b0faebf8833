-- The event log: append-only (the triggers refuse UPDATE and DELETE), one
-- global sequence for consumers, and a per-subject version whose
-- uniqueness turns a concurrent write into a conflict, not a lost update.
CREATE TABLE events (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	subject  TEXT    NOT NULL,
	version  INTEGER NOT NULL,
	time_ns  INTEGER NOT NULL,
	actor    TEXT    NOT NULL,
	type     TEXT    NOT NULL,
	step     TEXT    NOT NULL DEFAULT '',
	activity TEXT    NOT NULL DEFAULT '',
	before   TEXT    NOT NULL DEFAULT '',
	after    TEXT    NOT NULL DEFAULT '',
	data     TEXT    NOT NULL DEFAULT '{}',
	UNIQUE (subject, version)
);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);

-- The projection of each work item: columns for lists and queues, and the
-- whole folded state as JSON for loading.
CREATE TABLE items (
	id              TEXT PRIMARY KEY,
	num             INTEGER NOT NULL UNIQUE,
	kind            TEXT    NOT NULL,
	stream          TEXT    NOT NULL,
	stream_revision INTEGER NOT NULL,
	status          TEXT    NOT NULL,
	priority        TEXT    NOT NULL,
	category        TEXT    NOT NULL DEFAULT '',
	service         TEXT    NOT NULL DEFAULT '',
	organisation    TEXT    NOT NULL DEFAULT '',
	requested_by    TEXT    NOT NULL,
	requested_for   TEXT    NOT NULL,
	team            TEXT    NOT NULL DEFAULT '',
	assignee        TEXT    NOT NULL DEFAULT '',
	step            TEXT    NOT NULL DEFAULT '',
	visit_state     TEXT    NOT NULL DEFAULT '',
	created_ns      INTEGER NOT NULL,
	updated_ns      INTEGER NOT NULL,
	version         INTEGER NOT NULL,
	state           TEXT    NOT NULL
);
CREATE INDEX items_team_status ON items (team, status, num);
CREATE INDEX items_requested_by ON items (requested_by, num);
CREATE INDEX items_requested_for ON items (requested_for, num);
CREATE INDEX items_status ON items (status, num);
CREATE INDEX items_service ON items (service, status, updated_ns);

CREATE TABLE item_watchers (
	item   TEXT NOT NULL REFERENCES items (id),
	person TEXT NOT NULL,
	PRIMARY KEY (item, person)
);
CREATE INDEX item_watchers_person ON item_watchers (person);

-- Free text lives here, not in events, so it can be redacted.
CREATE TABLE item_content (
	item        TEXT PRIMARY KEY REFERENCES items (id),
	title       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE comments (
	id         TEXT PRIMARY KEY,
	item       TEXT    NOT NULL REFERENCES items (id),
	author     TEXT    NOT NULL,
	public     INTEGER NOT NULL,
	body       TEXT    NOT NULL,
	created_ns INTEGER NOT NULL
);
CREATE INDEX comments_item ON comments (item, created_ns);

-- Full-text search over titles, descriptions and public comments.
CREATE VIRTUAL TABLE item_search USING fts5 (item UNINDEXED, title, description, comments);

CREATE TABLE streams (
	id            TEXT    NOT NULL,
	revision      INTEGER NOT NULL,
	digest        TEXT    NOT NULL,
	definition    TEXT    NOT NULL,
	registered_ns INTEGER NOT NULL,
	PRIMARY KEY (id, revision)
);

CREATE TABLE organisations (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE teams (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE services (id TEXT PRIMARY KEY, data TEXT NOT NULL);
-- Personal data: erasure rewrites these rows, never the events.
CREATE TABLE people (
	id    TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	data  TEXT NOT NULL
);
