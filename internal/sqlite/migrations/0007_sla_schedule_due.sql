-- The first SLA due time of each scheduled item version (0: none), so that a
-- queue view can rank items unchanged since the last SLA tick without
-- reading their events, even on an instance that has just started.
ALTER TABLE sla_schedule ADD COLUMN due_ns INTEGER NOT NULL DEFAULT 0;
-- The SLA generation (see desk.SLASchedules) starts at 0; its row exists so that
-- saving schedules can lock it against a concurrent change of SLA inputs.
INSERT INTO counters (name, value) VALUES ('sla_generation', 0) ON CONFLICT (name) DO NOTHING;
