package cli

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

type movable struct {
	mu  sync.Mutex
	now time.Time
}

func (m *movable) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

func (m *movable) set(t time.Time) {
	m.mu.Lock()
	m.now = t
	m.mu.Unlock()
}

// TestSLALiveEqualsRecomputed runs the SLA ticker hour by hour over the demo
// history, as a live server would have, and then recomputes every item's
// SLA from its events: the warnings and breaches recorded live are exactly
// those the recomputation finds, at the same instants, each once.
func TestSLALiveEqualsRecomputed(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: s, Now: clock.Now})
	if err := demo.SLAs(ctx, d); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 3, 25, 15, 0, 0, 0, time.UTC)
	if _, err := demo.Seed(ctx, d, clock, demo.Options{Days: 6, Seed: 5, End: end}); err != nil {
		t.Fatal(err)
	}
	live := &movable{}
	ld := desk.New(desk.Options{Store: s, Now: live.Now})
	recorded := 0
	for tick := end.AddDate(0, 0, -7); !tick.After(end); tick = tick.Add(time.Hour) {
		live.set(tick)
		n, err := ld.SLATick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		recorded += n
	}
	if recorded == 0 {
		t.Fatal("the ticker recorded no SLA crossing over the demo history")
	}
	// A second run at the end records nothing new: each crossing once.
	if n, err := ld.SLATick(ctx); err != nil || n != 0 {
		t.Errorf("a repeated tick recorded %d more (%v)", n, err)
	}

	policies, _ := s.SLAPolicies(ctx)
	cals, _ := s.Calendars(ctx)
	orgs, _ := s.Organisations(ctx)
	tier := map[string]int{}
	for _, o := range orgs {
		tier[o.ID] = o.Tier
	}
	calendar := map[string]*svcflow.Calendar{}
	for _, c := range cals {
		calendar[c.ID] = c
	}
	items, _ := s.ListItems(ctx, desk.ItemFilter{Limit: 100000})
	var want, got []string
	for _, w := range items {
		evs, err := s.ItemEvents(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		p := svcflow.SelectPolicy(policies, w, tier[w.Organisation])
		if p == nil {
			continue
		}
		for _, x := range p.Compute(calendar[p.Calendar], evs, end).Crossings() {
			want = append(want, fmt.Sprintf("%s %s %s %s", w.ID, x.Clock, x.Kind, x.At.UTC().Format(time.RFC3339Nano)))
		}
		for _, e := range evs {
			if e.Type == svcflow.EventSLAWarning || e.Type == svcflow.EventSLABreached {
				got = append(got, fmt.Sprintf("%s %s %s %s", w.ID, e.Data.Field, e.Data.Reason, e.After))
			}
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(want, got) {
		t.Errorf("recorded live and recomputed differ: %d recorded, %d recomputed", len(got), len(want))
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("recorded, not recomputed: %s", g)
			}
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("recomputed, not recorded: %s", w)
			}
		}
	}
	t.Logf("%d SLA crossings recorded live over the demo history", recorded)
}
