-- Automation rules (desk.Rules), each stored as its JSON definition. Their
-- firings go to the firings table, unique by (rule, item, seq).
CREATE TABLE rules (
	id         TEXT PRIMARY KEY,
	definition TEXT NOT NULL
);
CREATE INDEX items_kind_created ON items (kind, created_ns);
-- The shipped rules installed so far: each is installed once, so an
-- admin's deletion stands.
CREATE TABLE default_rules (
	id TEXT PRIMARY KEY
);
