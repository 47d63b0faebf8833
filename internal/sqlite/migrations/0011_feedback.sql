-- Feedback entries (SPEC §2): a requester's satisfaction after resolution,
-- or an agent's remarks on the work, each written with its event. The
-- comment is free text, redacted when its author is erased.
CREATE TABLE feedback (
	id         TEXT PRIMARY KEY,
	num        INTEGER NOT NULL,
	item       TEXT NOT NULL REFERENCES items(id),
	stream     TEXT NOT NULL,
	person     TEXT NOT NULL,
	role       TEXT NOT NULL,
	score      INTEGER NOT NULL,
	comment    TEXT NOT NULL,
	created_ns INTEGER NOT NULL
);
CREATE INDEX feedback_item ON feedback (item, num);
CREATE INDEX feedback_created ON feedback (created_ns);
