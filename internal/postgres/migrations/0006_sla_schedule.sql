-- When each item's SLA clocks next need a look (desk.SLASchedule): the
-- ticker reads only items without a schedule for their current version or
-- whose look is due, instead of every open item each tick.
CREATE TABLE sla_schedule (
	item    text PRIMARY KEY,
	version bigint NOT NULL,
	next_ns bigint NOT NULL
);
CREATE INDEX sla_schedule_next ON sla_schedule (next_ns);
-- Items changed lately, for the SLA ticker's second look at closed ones.
CREATE INDEX items_updated ON items (updated_ns);
