package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/svcflow/svcflow"
)

// dueCache remembers the SLA due time of items by version, so that a queue
// view computes it only for items that changed since the last view. Queue
// ranking needs every queued item's due time; computing it means reading
// the item's events, which for a team with hundreds of waiting items is
// most of a view's cost.
//
// A due time is a function of the item's events and of the SLA context
// (policies, calendars, organisation tiers), not of the instant it is
// computed at: a running clock is due when its runs add up to the target,
// a stopped or paused clock has no due time (svcflow.Clock.Due). So an
// entry holds while the item keeps its version and the context its key;
// only items whose every event lies before the computing instant are
// remembered, since later events would still count. The cache lives in
// one instance's memory; instances need not agree on it, only on the
// values, which they compute alike.
type dueCache struct {
	mu      sync.Mutex
	context string // the SLA context the entries hold under
	entries map[string]dueEntry
}

type dueEntry struct {
	version int
	due     time.Time
}

// maxDueEntries bounds the cache; beyond it, it starts afresh.
const maxDueEntries = 200_000

// SLADues returns the SLA due time of each item as of now (zero where no
// SLA clock runs), for views that show SLA state beside work, such as a
// Kanban board's cards. The caller has already been allowed to see the items.
func (d *Desk) SLADues(ctx context.Context, items []*svcflow.WorkItem) ([]time.Time, error) {
	if len(items) == 0 {
		return nil, nil
	}
	sc, err := d.slaContext(ctx)
	if err != nil {
		return nil, err
	}
	if len(sc.policies) == 0 {
		return make([]time.Time, len(items)), nil
	}
	return d.slaDues(ctx, sc, items, d.Now())
}

// slaDues returns the SLA due time of each item as of now (zero without
// one), reading the events of the items not cached in one query.
func (d *Desk) slaDues(ctx context.Context, sc *slaContext, items []*svcflow.WorkItem, now time.Time) ([]time.Time, error) {
	key, err := sc.key()
	if err != nil {
		return nil, err
	}
	dues := make([]time.Time, len(items))
	miss := make([]bool, len(items))
	var missing []string
	c := &d.dues
	c.mu.Lock()
	if c.context != key || len(c.entries) > maxDueEntries {
		c.context, c.entries = key, map[string]dueEntry{}
	}
	for i, w := range items {
		if e, ok := c.entries[w.ID]; ok && e.version == w.Version {
			dues[i] = e.due
		} else {
			miss[i] = true
			missing = append(missing, w.ID)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return dues, nil
	}
	// The SLA ticker saves each item version's due time with its
	// schedule: items unchanged since its last look need no events, even
	// on an instance that has just started.
	fresh := map[string]dueEntry{}
	saved, err := d.store.SLASchedules(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("SLA due times of %d items: %w", len(missing), err)
	}
	missing = missing[:0]
	for i, w := range items {
		if !miss[i] {
			continue
		}
		if sc, ok := saved[w.ID]; ok && sc.Version == w.Version {
			dues[i], miss[i] = sc.Due, false
			fresh[w.ID] = dueEntry{version: w.Version, due: sc.Due}
			continue
		}
		missing = append(missing, w.ID)
	}
	var events map[string][]svcflow.Event
	if len(missing) > 0 {
		if events, err = d.store.EventsOfItems(ctx, missing); err != nil {
			return nil, fmt.Errorf("SLA due times of %d items: %w", len(missing), err)
		}
	}
	for i, w := range items {
		if !miss[i] {
			continue
		}
		evs := events[w.ID]
		if sla := sc.status(w, evs, now); sla != nil {
			dues[i] = firstDue(sla.Response.Due, sla.Resolution.Due)
		}
		if len(evs) == w.Version && !w.Updated.After(now) {
			fresh[w.ID] = dueEntry{version: w.Version, due: dues[i]}
		}
	}
	c.mu.Lock()
	if c.context == key {
		for id, e := range fresh {
			c.entries[id] = e
		}
	}
	c.mu.Unlock()
	return dues, nil
}

// key identifies the SLA context's content: when a policy, calendar or
// tier changes, so does the key.
func (sc *slaContext) key() (string, error) {
	b, err := json.Marshal(struct {
		P []*svcflow.SLAPolicy
		C map[string]*svcflow.Calendar
		T map[string]int
	}{sc.policies, sc.calendars, sc.tiers})
	if err != nil {
		return "", fmt.Errorf("SLA context: %w", err)
	}
	return string(b), nil
}
