-- Outbound notifications (desk.Outbox). A firing is one notification rule
-- firing on one event of one item, recorded exactly once; its deliveries
-- are sent at least once under a stable id, each attempt logged.
CREATE TABLE firings (
	rule       text NOT NULL,
	item       text NOT NULL,
	seq        bigint NOT NULL,
	created_ns bigint NOT NULL,
	PRIMARY KEY (rule, item, seq)
);
CREATE TABLE deliveries (
	id         text PRIMARY KEY,
	rule       text NOT NULL,
	item       text NOT NULL,
	seq        bigint NOT NULL,
	channel    text NOT NULL,
	webhook    text NOT NULL DEFAULT '',
	target     text NOT NULL,
	event_type text NOT NULL,
	payload    bytea NOT NULL,
	status     text NOT NULL,
	attempts   bigint NOT NULL DEFAULT 0,
	next_ns    bigint NOT NULL,
	lease_ns   bigint NOT NULL DEFAULT 0,
	claim      text NOT NULL DEFAULT '',
	last_error text NOT NULL DEFAULT '',
	created_ns bigint NOT NULL,
	updated_ns bigint NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_ns) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook, created_ns);
CREATE TABLE delivery_attempts (
	delivery text NOT NULL REFERENCES deliveries (id),
	n        bigint NOT NULL,
	time_ns  bigint NOT NULL,
	ok       boolean NOT NULL,
	code     bigint NOT NULL DEFAULT 0,
	reply    text NOT NULL DEFAULT '',
	error    text NOT NULL DEFAULT '',
	PRIMARY KEY (delivery, n)
);
CREATE TABLE webhooks (
	id         text PRIMARY KEY,
	url        text NOT NULL,
	secret     text NOT NULL,
	events     text NOT NULL,
	active     boolean NOT NULL,
	created_ns bigint NOT NULL
);
-- Where each consumer of the event log stands.
CREATE TABLE consumer_cursors (
	name text PRIMARY KEY,
	seq  bigint NOT NULL
);
-- Per-installation secrets (the signing key of action links), shared by
-- every instance.
CREATE TABLE secrets (
	name  text PRIMARY KEY,
	value bytea NOT NULL
);
