CREATE TABLE passwords (
	person text PRIMARY KEY REFERENCES people (id),
	hash   text NOT NULL
);

-- Only the SHA-256 of a token is stored; the secret is shown once.
CREATE TABLE tokens (
	hash       text   PRIMARY KEY,
	id         text   NOT NULL UNIQUE,
	person     text   NOT NULL REFERENCES people (id),
	name       text   NOT NULL,
	created_ns bigint NOT NULL
);

CREATE TABLE sessions (
	hash       text   PRIMARY KEY,
	person     text   NOT NULL REFERENCES people (id),
	csrf       text   NOT NULL,
	created_ns bigint NOT NULL,
	expires_ns bigint NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_ns);

-- Idempotency keys: status 0 while the first request is in flight.
CREATE TABLE idempotency (
	key          text    PRIMARY KEY,
	created_ns   bigint  NOT NULL,
	status       integer NOT NULL DEFAULT 0,
	content_type text    NOT NULL DEFAULT '',
	etag         text    NOT NULL DEFAULT '',
	body         bytea
);
CREATE INDEX idempotency_created ON idempotency (created_ns);
