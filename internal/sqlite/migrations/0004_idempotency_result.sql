-- What a keyed request made or changed (an item or an attachment),
-- recorded by its append, so a retry whose first answer was lost can be
-- answered from it.
ALTER TABLE idempotency ADD COLUMN result TEXT NOT NULL DEFAULT '';
