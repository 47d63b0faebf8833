-- Feedback entries (SPEC §2): a requester's satisfaction after resolution,
-- or an agent's remarks on the work, each written with its event. The
-- comment is free text, redacted when its author is erased.
CREATE TABLE feedback (
	id         text PRIMARY KEY,
	num        bigint NOT NULL,
	item       text NOT NULL REFERENCES items(id),
	stream     text NOT NULL,
	person     text NOT NULL,
	role       text NOT NULL,
	score      bigint NOT NULL,
	comment    text NOT NULL,
	created_ns bigint NOT NULL
);
CREATE INDEX feedback_item ON feedback (item, num);
CREATE INDEX feedback_created ON feedback (created_ns);
