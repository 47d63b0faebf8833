-- Lists at scale (a million items). A team's queue reads only queued
-- visits, a small share of all items, in keyset order.
CREATE INDEX items_queued ON items (team, num) WHERE visit_state = 'queued';
-- A service's items by status, newest first: the keyset order follows the
-- equality columns, and updated_ns rides along so a time filter is checked
-- in the index before any row is read.
CREATE INDEX items_service_num ON items (service, status, num, updated_ns);
