-- Knowledge articles: the current text as JSON, with the columns that
-- filter and order lists beside it.
CREATE TABLE articles (
	id         text   PRIMARY KEY,
	num        bigint NOT NULL,
	version    bigint NOT NULL,
	status     text   NOT NULL,
	updated_ns bigint NOT NULL,
	data       text   NOT NULL
);
CREATE TABLE article_services (
	article text NOT NULL REFERENCES articles (id),
	service text NOT NULL,
	PRIMARY KEY (article, service)
);
CREATE TABLE article_cis (
	article text NOT NULL REFERENCES articles (id),
	ci      text NOT NULL,
	PRIMARY KEY (article, ci)
);
-- Every save keeps the text it left, so earlier versions stay readable.
CREATE TABLE article_revisions (
	article  text   NOT NULL REFERENCES articles (id),
	revision bigint NOT NULL,
	data     text   NOT NULL,
	PRIMARY KEY (article, revision)
);
-- Full-text search, tokenised as item_search is (so both engines find the
-- same articles for the same words), with the title and keywords weighing
-- most, then the symptoms, then the rest.
CREATE TABLE article_search (
	article    text PRIMARY KEY REFERENCES articles (id),
	title      text NOT NULL DEFAULT '',
	keywords   text NOT NULL DEFAULT '',
	symptoms   text NOT NULL DEFAULT '',
	cause      text NOT NULL DEFAULT '',
	resolution text NOT NULL DEFAULT '',
	workaround text NOT NULL DEFAULT '',
	doc tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('simple'::regconfig, regexp_replace(title || ' ' || keywords, '[[:punct:][:space:][:cntrl:]]+', ' ', 'g')), 'A') ||
		setweight(to_tsvector('simple'::regconfig, regexp_replace(symptoms, '[[:punct:][:space:][:cntrl:]]+', ' ', 'g')), 'B') ||
		setweight(to_tsvector('simple'::regconfig, regexp_replace(cause || ' ' || resolution || ' ' || workaround, '[[:punct:][:space:][:cntrl:]]+', ' ', 'g')), 'C')) STORED
);
CREATE INDEX article_search_doc ON article_search USING gin (doc);

-- Suggestion sessions: who was shown which articles, and which one solved
-- it (once). What the person typed is not kept.
CREATE TABLE suggestion_sessions (
	id         text   PRIMARY KEY,
	actor      text   NOT NULL,
	created_ns bigint NOT NULL,
	deflected  text   NOT NULL DEFAULT '',
	data       text   NOT NULL
);
-- The events deflection reads: those of the knowledge subject, and the
-- creation of items opened from a suggestion session.
CREATE INDEX events_knowledge ON events (time_ns) WHERE subject = 'knowledge';
CREATE INDEX events_sessions ON events (time_ns) WHERE type = 'created' AND data LIKE '%"session":%';
