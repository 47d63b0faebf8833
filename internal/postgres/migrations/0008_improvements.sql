-- The continual improvement register (SPEC §2): one entry per improvement
-- work item, written with the item's events. The entry is JSON: the register
-- is small and read whole.
CREATE TABLE improvements (
	id    TEXT PRIMARY KEY REFERENCES items(id),
	num   BIGINT NOT NULL,
	data  JSONB NOT NULL
);
