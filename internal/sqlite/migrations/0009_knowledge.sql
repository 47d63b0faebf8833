-- Knowledge articles: the current text as JSON, with the columns that
-- filter and order lists beside it.
CREATE TABLE articles (
	id         TEXT    PRIMARY KEY,
	num        INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	status     TEXT    NOT NULL,
	updated_ns INTEGER NOT NULL,
	data       TEXT    NOT NULL
);
CREATE TABLE article_services (
	article TEXT NOT NULL REFERENCES articles (id),
	service TEXT NOT NULL,
	PRIMARY KEY (article, service)
);
CREATE TABLE article_cis (
	article TEXT NOT NULL REFERENCES articles (id),
	ci      TEXT NOT NULL,
	PRIMARY KEY (article, ci)
);
-- Every save keeps the text it left, so earlier versions stay readable.
CREATE TABLE article_revisions (
	article  TEXT    NOT NULL REFERENCES articles (id),
	revision INTEGER NOT NULL,
	data     TEXT    NOT NULL,
	PRIMARY KEY (article, revision)
);
-- Full-text search over the article's text; bm25 weights the columns.
CREATE VIRTUAL TABLE article_search USING fts5 (article UNINDEXED, title, keywords, symptoms, cause, resolution, workaround);

-- Suggestion sessions: who was shown which articles, and which one solved
-- it (once). What the person typed is not kept.
CREATE TABLE suggestion_sessions (
	id         TEXT    PRIMARY KEY,
	actor      TEXT    NOT NULL,
	created_ns INTEGER NOT NULL,
	deflected  TEXT    NOT NULL DEFAULT '',
	data       TEXT    NOT NULL
);
-- The events deflection reads: those of the knowledge subject, and the
-- creation of items opened from a suggestion session.
CREATE INDEX events_knowledge ON events (time_ns) WHERE subject = 'knowledge';
CREATE INDEX events_sessions ON events (time_ns) WHERE type = 'created' AND json_extract(data, '$.session') IS NOT NULL;
