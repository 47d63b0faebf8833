-- The item an Idempotency-Key changed, recorded by the append that changed
-- it, so a retry whose first answer was lost can be answered from the item.
ALTER TABLE idempotency ADD COLUMN item text NOT NULL DEFAULT '';
