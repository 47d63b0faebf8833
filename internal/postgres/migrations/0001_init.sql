-- The event log: append-only (a trigger refuses UPDATE, DELETE and
-- TRUNCATE), one global sequence for consumers, and a per-subject version
-- whose uniqueness turns a concurrent write into a conflict, not a lost
-- update. Times are int64 nanoseconds, as in the SQLite store, so both
-- engines hold the same values.
CREATE TABLE events (
	seq      bigserial PRIMARY KEY,
	subject  text   NOT NULL,
	version  bigint NOT NULL,
	time_ns  bigint NOT NULL,
	actor    text   NOT NULL,
	type     text   NOT NULL,
	step     text   NOT NULL DEFAULT '',
	activity text   NOT NULL DEFAULT '',
	before   text   NOT NULL DEFAULT '',
	after    text   NOT NULL DEFAULT '',
	data     text   NOT NULL DEFAULT '{}',
	UNIQUE (subject, version)
);
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the event log is append-only';
END
$$;
CREATE TRIGGER events_append_only_row BEFORE UPDATE OR DELETE ON events
	FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
	FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

CREATE TABLE counters (
	name  text PRIMARY KEY,
	value bigint NOT NULL
);

-- The projection of each work item: columns for lists and queues, and the
-- whole folded state as JSON for loading. JSON documents are text, not
-- jsonb, so they read back byte for byte as written (jsonb also refuses
-- \u0000, which user text may carry).
CREATE TABLE items (
	id              text PRIMARY KEY,
	num             bigint NOT NULL UNIQUE,
	kind            text   NOT NULL,
	stream          text   NOT NULL,
	stream_revision bigint NOT NULL,
	status          text   NOT NULL,
	priority        text   NOT NULL,
	category        text   NOT NULL DEFAULT '',
	service         text   NOT NULL DEFAULT '',
	organisation    text   NOT NULL DEFAULT '',
	requested_by    text   NOT NULL,
	requested_for   text   NOT NULL,
	team            text   NOT NULL DEFAULT '',
	assignee        text   NOT NULL DEFAULT '',
	step            text   NOT NULL DEFAULT '',
	visit_state     text   NOT NULL DEFAULT '',
	created_ns      bigint NOT NULL,
	updated_ns      bigint NOT NULL,
	version         bigint NOT NULL,
	state           text   NOT NULL
);
CREATE INDEX items_team_status ON items (team, status, num);
CREATE INDEX items_requested_by ON items (requested_by, num);
CREATE INDEX items_requested_for ON items (requested_for, num);
CREATE INDEX items_status ON items (status, num);
CREATE INDEX items_service ON items (service, status, updated_ns);

CREATE TABLE item_watchers (
	item   text NOT NULL REFERENCES items (id),
	person text NOT NULL,
	PRIMARY KEY (item, person)
);
CREATE INDEX item_watchers_person ON item_watchers (person);

-- Free text lives here, not in events, so it can be redacted.
CREATE TABLE item_content (
	item        text PRIMARY KEY REFERENCES items (id),
	title       text NOT NULL,
	description text NOT NULL DEFAULT ''
);

CREATE TABLE comments (
	id         text PRIMARY KEY,
	item       text    NOT NULL REFERENCES items (id),
	author     text    NOT NULL,
	public     boolean NOT NULL,
	body       text    NOT NULL,
	created_ns bigint  NOT NULL
);
CREATE INDEX comments_item ON comments (item, created_ns);

-- Full-text search over titles, descriptions and public comments. The
-- document is tokenised like SQLite's FTS5 unicode61: punctuation, symbols
-- and spaces separate words, which are lower-cased and not stemmed
-- ('simple'), so both engines find the same items for the same words. The
-- classes are punctuation rather than [:alnum:], which a database in the C
-- locale limits to ASCII, splitting words like "Überweisung".
CREATE TABLE item_search (
	item        text PRIMARY KEY REFERENCES items (id),
	title       text NOT NULL DEFAULT '',
	description text NOT NULL DEFAULT '',
	comments    text NOT NULL DEFAULT '',
	doc tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig,
		regexp_replace(title || ' ' || description || ' ' || comments, '[[:punct:][:space:][:cntrl:]]+', ' ', 'g'))) STORED
);
CREATE INDEX item_search_doc ON item_search USING gin (doc);

CREATE TABLE streams (
	id            text   NOT NULL,
	revision      bigint NOT NULL,
	digest        text   NOT NULL,
	definition    text   NOT NULL,
	registered_ns bigint NOT NULL,
	PRIMARY KEY (id, revision)
);

CREATE TABLE organisations (id text PRIMARY KEY, data text NOT NULL);
CREATE TABLE teams (id text PRIMARY KEY, data text NOT NULL);
CREATE TABLE services (id text PRIMARY KEY, data text NOT NULL);
-- Personal data: erasure rewrites these rows, never the events. Emails
-- are unique ignoring case (SQLite: COLLATE NOCASE).
CREATE TABLE people (
	id    text PRIMARY KEY,
	email text NOT NULL,
	data  text NOT NULL
);
CREATE UNIQUE INDEX people_email ON people (lower(email));
