CREATE TABLE passwords (
	person TEXT PRIMARY KEY REFERENCES people (id),
	hash   TEXT NOT NULL
);

-- Only the SHA-256 of a token is stored; the secret is shown once.
CREATE TABLE tokens (
	hash       TEXT PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	person     TEXT NOT NULL REFERENCES people (id),
	name       TEXT NOT NULL,
	created_ns INTEGER NOT NULL
);

CREATE TABLE sessions (
	hash       TEXT PRIMARY KEY,
	person     TEXT NOT NULL REFERENCES people (id),
	csrf       TEXT NOT NULL,
	created_ns INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_ns);

-- Idempotency keys: status 0 while the first request is in flight.
CREATE TABLE idempotency (
	key          TEXT PRIMARY KEY,
	created_ns   INTEGER NOT NULL,
	status       INTEGER NOT NULL DEFAULT 0,
	content_type TEXT NOT NULL DEFAULT '',
	etag         TEXT NOT NULL DEFAULT '',
	body         BLOB
);
CREATE INDEX idempotency_created ON idempotency (created_ns);
