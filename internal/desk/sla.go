package desk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Configuration events of SLAs.
const (
	EventCalendarSaved  svcflow.EventType = "calendar_saved"
	EventSLAPolicySaved svcflow.EventType = "sla_policy_saved"
)

// SaveCalendar creates or updates a business calendar (admins).
func (d *Desk) SaveCalendar(ctx context.Context, actor *svcflow.Person, c *svcflow.Calendar) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if err := checkID("id", c.ID); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.store.PutCalendar(ctx, c, d.configEvent(actor, EventCalendarSaved, c.ID))
}

// SaveSLAPolicy creates or updates an SLA policy (admins); its calendar must exist.
func (d *Desk) SaveSLAPolicy(ctx context.Context, actor *svcflow.Person, p *svcflow.SLAPolicy, pre ...Precondition) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if err := checkID("id", p.ID); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Calendar != "" {
		cals, err := d.store.Calendars(ctx)
		if err != nil {
			return err
		}
		found := false
		for _, c := range cals {
			found = found || c.ID == p.Calendar
		}
		if !found {
			return svcflow.FieldErrorf("calendar", "no calendar %q", p.Calendar)
		}
	}
	ev := d.configEvent(actor, EventSLAPolicySaved, p.ID)
	return d.putConfig(ctx, ConfigSLAPolicy, p.ID, p, pre, ev, func() error { return d.store.PutSLAPolicy(ctx, p, ev) })
}

// slaContext is what SLA computations share: policies, calendars and the
// organisation tiers, loaded once per call.
type slaContext struct {
	policies  []*svcflow.SLAPolicy
	calendars map[string]*svcflow.Calendar
	tiers     map[string]int
}

func (d *Desk) slaContext(ctx context.Context) (*slaContext, error) {
	ps, err := d.store.SLAPolicies(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := d.store.Calendars(ctx)
	if err != nil {
		return nil, err
	}
	os, err := d.store.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	sc := &slaContext{policies: ps, calendars: map[string]*svcflow.Calendar{}, tiers: map[string]int{}}
	for _, c := range cs {
		sc.calendars[c.ID] = c
	}
	for _, o := range os {
		sc.tiers[o.ID] = o.Tier
	}
	return sc, nil
}

// status computes an item's SLA status as of asOf, or nil when no policy applies.
func (sc *slaContext) status(w *svcflow.WorkItem, events []svcflow.Event, asOf time.Time) *svcflow.SLAStatus {
	p := svcflow.SelectPolicy(sc.policies, w, sc.tiers[w.Organisation])
	if p == nil {
		return nil
	}
	st := p.Compute(sc.calendars[p.Calendar], events, asOf)
	return &st
}

// ItemSLA returns the SLA status of a work item now: a pure function of its
// events, so it agrees with any later recomputation.
func (d *Desk) ItemSLA(ctx context.Context, actor *svcflow.Person, id string) (*svcflow.SLAStatus, error) {
	w, _, err := d.load(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	sc, err := d.slaContext(ctx)
	if err != nil {
		return nil, err
	}
	events, err := d.store.ItemEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	st := sc.status(w, events, d.now())
	if st == nil {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no SLA policy applies to %s", id)
	}
	return st, nil
}

// slaTickLimit bounds the items one tick looks at.
const slaTickLimit = 5000

// slaEventsChunk is how many items' events a tick reads in one query.
const slaEventsChunk = 200

// slaLookback is how far back a tick looks for items that have changed,
// whatever their status: far longer than any gap between ticks.
const slaLookback = 24 * time.Hour

// SLATick records the SLA warnings and breaches that have happened and are
// not yet in the log, as sla_warning and sla_breached events. It is safe to
// run on several instances at once: each crossing is recorded once, the
// losers of a race see a conflict and move on. It returns how many it
// recorded.
func (d *Desk) SLATick(ctx context.Context) (recorded int, err error) {
	// The generation before the policies: if they change in between, the
	// schedules computed here are refused, never saved stale.
	generation, err := d.store.SLAGeneration(ctx)
	if err != nil {
		return 0, err
	}
	sc, err := d.slaContext(ctx)
	if err != nil || len(sc.policies) == 0 {
		return 0, err
	}
	now := d.now()
	// Open items, and any item changed lately (one that breached and was
	// closed between two ticks still gets its breach recorded), except
	// those whose next crossing is known to lie ahead.
	items, err := d.store.SLADue(ctx, now, now.Add(-slaLookback), slaTickLimit)
	if err != nil {
		return 0, err
	}
	var schedules []SLASchedule
	defer func() {
		// Saved even when the tick stops early: the looks done count.
		if len(schedules) > 0 {
			// In item order: two instances saving at once lock the rows
			// in the same order, so they cannot deadlock.
			slices.SortFunc(schedules, func(a, b SLASchedule) int { return strings.Compare(a.Item, b.Item) })
			if serr := d.store.ScheduleSLA(context.WithoutCancel(ctx), generation, schedules); serr != nil && err == nil {
				err = serr
			}
		}
	}()
	// Instances ticking at once start at different places, so that they
	// mostly record different items instead of racing for the same ones.
	rand.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	var events map[string][]svcflow.Event
items:
	for k, w := range items {
		if k%slaEventsChunk == 0 { // events in one query per chunk, not one per item
			ids := make([]string, 0, slaEventsChunk)
			for _, x := range items[k:min(k+slaEventsChunk, len(items))] {
				ids = append(ids, x.ID)
			}
			if events, err = d.store.EventsOfItems(ctx, ids); err != nil {
				return recorded, err
			}
		}
		evs := events[w.ID]
		st := sc.status(w, evs, now)
		if st == nil {
			schedules = append(schedules, SLASchedule{Item: w.ID, Version: w.Version})
			continue
		}
		for _, x := range st.Crossings() {
			clock := st.Response
			if x.Clock == svcflow.SLAResolution {
				clock = st.Resolution
			}
			if alreadyRecorded(evs, x, clock.TargetSince) {
				continue
			}
			mark := &SLAMark{Clock: x.Clock, Kind: x.Kind, Since: clock.TargetSince}
			v, err := d.actWith(ctx, System, w.ID, w.Version, svcflow.RecordSLA{Crossing: x}, func(c *Change) { c.SLAMark = mark })
			if svcflow.ErrorCodeOf(err) == svcflow.ErrConflict {
				continue items // another writer got there first; the next tick sees its result
			}
			if err != nil {
				return recorded, fmt.Errorf("record SLA %s %s on %s: %w", x.Clock, x.Kind, w.ID, err)
			}
			recorded++
			w = v.Item // the version this status holds for: a later one is someone else's
		}
		if next, ok := nextSLALook(st, now); ok {
			schedules = append(schedules, SLASchedule{Item: w.ID, Version: w.Version, Next: next,
				Due: firstDue(st.Response.Due, st.Resolution.Due)})
		}
	}
	return recorded, nil
}

// alreadyRecorded reports whether the log holds this crossing for the
// clock's current target.
func alreadyRecorded(events []svcflow.Event, x svcflow.SLACrossing, since time.Time) bool {
	for _, e := range events {
		if (e.Type == svcflow.EventSLAWarning || e.Type == svcflow.EventSLABreached) && e.Data.Field == x.Clock && e.Data.Reason == x.Kind && !e.Time.Before(since) {
			return true
		}
	}
	return false
}
