-- Outbound notifications (desk.Outbox). A firing is one notification rule
-- firing on one event of one item, recorded exactly once; its deliveries
-- are sent at least once under a stable id, each attempt logged.
CREATE TABLE firings (
	rule       TEXT NOT NULL,
	item       TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	created_ns INTEGER NOT NULL,
	PRIMARY KEY (rule, item, seq)
);
CREATE TABLE deliveries (
	id         TEXT PRIMARY KEY,
	rule       TEXT NOT NULL,
	item       TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	channel    TEXT NOT NULL,
	webhook    TEXT NOT NULL DEFAULT '',
	target     TEXT NOT NULL,
	event_type TEXT NOT NULL,
	payload    BLOB NOT NULL,
	status     TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_ns    INTEGER NOT NULL,
	lease_ns   INTEGER NOT NULL DEFAULT 0,
	claim      TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	created_ns INTEGER NOT NULL,
	updated_ns INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_ns) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook, created_ns);
CREATE TABLE delivery_attempts (
	delivery TEXT NOT NULL REFERENCES deliveries (id),
	n        INTEGER NOT NULL,
	time_ns  INTEGER NOT NULL,
	ok       INTEGER NOT NULL,
	code     INTEGER NOT NULL DEFAULT 0,
	reply    TEXT NOT NULL DEFAULT '',
	error    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (delivery, n)
);
CREATE TABLE webhooks (
	id         TEXT PRIMARY KEY,
	url        TEXT NOT NULL,
	secret     TEXT NOT NULL,
	events     TEXT NOT NULL,
	active     INTEGER NOT NULL,
	created_ns INTEGER NOT NULL
);
-- Where each consumer of the event log stands.
CREATE TABLE consumer_cursors (
	name TEXT PRIMARY KEY,
	seq  INTEGER NOT NULL
);
-- Per-installation secrets (the signing key of action links), shared by
-- every instance.
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
