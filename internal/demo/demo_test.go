package demo_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// end is a Wednesday afternoon, when queues hold the most work.
var end = time.Date(2026, 3, 25, 15, 30, 0, 0, time.UTC)

// seed writes a demo history into a new SQLite store in a temp dir.
func seed(t *testing.T, opt demo.Options) (demo.Summary, desk.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: st, Now: clock.Now})
	sum, err := demo.Seed(ctx, d, clock, opt)
	if err != nil {
		t.Fatal(err)
	}
	if now := clock.Now(); time.Since(now) > time.Minute || time.Until(now) > time.Minute {
		t.Errorf("after Seed the clock says %v; want the wall clock", now)
	}
	return sum, st
}

func TestSeed(t *testing.T) {
	t.Parallel()
	sum, st := seed(t, demo.Options{Seed: 1, End: end})
	ctx := context.Background()
	t.Logf("seeded in %v: %d items, %d events, %d commands, %d open, %d people, %d teams",
		sum.Took, sum.Items, sum.Events, sum.Commands, sum.Open, sum.People, sum.Teams)
	t.Logf("by status %v", sum.ByStatus)
	t.Logf("by stream %v", sum.ByStream)
	t.Logf("by kind %v", sum.ByKind)

	if sum.Items < 600 || sum.Items > 1200 {
		t.Errorf("got %d items, want 600 to 1200", sum.Items)
	}
	if sum.Open < 20 || sum.Open > sum.Items/5 {
		t.Errorf("got %d open items, want a backlog of 20 to %d", sum.Open, sum.Items/5)
	}
	if sum.People < 50 || sum.Teams != 17 {
		t.Errorf("got %d people and %d teams, want at least 50 and 17", sum.People, sum.Teams)
	}
	for _, s := range []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold, svcflow.StatusResolved, svcflow.StatusClosed, svcflow.StatusCancelled} {
		if sum.ByStatus[s] == 0 {
			t.Errorf("no item is %s", s)
		}
	}
	for _, s := range []string{"restore-live-service", "request-fulfilment", "password-reset", "hr-app-access", "service-change",
		"problem-fix", "new-service", "continual-improvement", "incident-resolution", "new-hire-onboarding"} {
		if sum.ByStream[s] == 0 {
			t.Errorf("no item in stream %s", s)
		}
	}

	items, err := st.ListItems(ctx, desk.ItemFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != sum.Items {
		t.Fatalf("store lists %d items, summary says %d", len(items), sum.Items)
	}
	events, types := 0, map[svcflow.EventType]int{}
	backlog := map[string]int{}
	var first, last time.Time
	for _, w := range items {
		evs, err := st.ItemEvents(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		events += len(evs)
		replayed, err := svcflow.Replay(evs)
		if err != nil {
			t.Fatalf("replay %s: %v", w.ID, err)
		}
		if !reflect.DeepEqual(replayed, w) {
			t.Errorf("%s: stored state differs from the replay of its events:\nstored %+v\nreplay %+v", w.ID, w, replayed)
		}
		for i, e := range evs {
			types[e.Type]++
			if i > 0 && e.Time.Before(evs[i-1].Time) {
				t.Errorf("%s: event %d at %v is before event %d at %v", w.ID, e.Version, e.Time, evs[i-1].Version, evs[i-1].Time)
			}
			if e.Time.After(end) {
				t.Errorf("%s: event %d at %v is after the end of the history %v", w.ID, e.Version, e.Time, end)
			}
			if first.IsZero() || e.Time.Before(first) {
				first = e.Time
			}
			if e.Time.After(last) {
				last = e.Time
			}
		}
		for _, v := range svcflow.Visits(evs, end) {
			if v.IsOpen() {
				continue
			}
			if got, want := v.Wait+v.Cycle+v.Blocked, v.Ended.Sub(v.Entered); got != want {
				t.Errorf("%s visit %d of %s: wait %v + cycle %v + blocked %v = %v, want end − entered = %v",
					w.ID, v.Ordinal, v.Step, v.Wait, v.Cycle, v.Blocked, got, want)
			}
		}
		if v := w.Visit; v != nil && !w.Status.IsFinal() {
			backlog[fmt.Sprintf("%s/%s/%s", w.Stream, v.Step, v.State)]++
		}
	}
	if events != sum.Events {
		t.Errorf("store holds %d item events, summary says %d", events, sum.Events)
	}
	if days := end.Sub(first).Hours() / 24; days < 29 || days > 31 {
		t.Errorf("history starts %v, %.1f days before the end; want about 30", first, days)
	}
	if end.Sub(last) > 24*time.Hour {
		t.Errorf("last event at %v, long before the end %v", last, end)
	}
	for _, ty := range []svcflow.EventType{svcflow.EventStepPaused, svcflow.EventStepRequeued, svcflow.EventSwarmJoined,
		svcflow.EventCommented, svcflow.EventFeedback, svcflow.EventReopened, svcflow.EventReclassified, svcflow.EventApprovalGiven,
		svcflow.EventSpawned, svcflow.EventTaskDone, svcflow.EventLinked, svcflow.EventValueReached} {
		if types[ty] == 0 {
			t.Errorf("no %s event in the history", ty)
		}
	}
	t.Logf("event types %v", types)
	var keys []string
	for k := range backlog {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-55s %d", k, backlog[k])
	}
	t.Logf("open visits at the end:%s", b.String())
	if len(backlog) < 8 {
		t.Errorf("open work sits in %d stream/step/state places; want a backlog spread over several steps", len(backlog))
	}

	// Requester and agent views: the demo logins see work.
	for _, c := range demo.Credentials() {
		p, err := st.PersonByEmail(ctx, c.Email)
		if err != nil {
			t.Errorf("credential %s: %v", c.Email, err)
			continue
		}
		if p.ID != c.Person || p.Role != c.Role {
			t.Errorf("credential %s: person %s role %s, want %s %s", c.Email, p.ID, p.Role, c.Person, c.Role)
		}
	}
}

// TestSeedIsRepeatable: the same seed and end give the same history, event
// for event. A shorter history keeps the test quick; nothing in the
// generator depends on the length.
func TestSeedIsRepeatable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opt := demo.Options{Seed: 7, End: end, Days: 5}
	logs := make([][]svcflow.Event, 2)
	for i := range logs {
		_, st := seed(t, opt)
		evs, err := st.Events(ctx, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		logs[i] = evs
	}
	if len(logs[0]) != len(logs[1]) {
		t.Fatalf("got %d and %d events from the same seed", len(logs[0]), len(logs[1]))
	}
	for i := range logs[0] {
		a, b := logs[0][i], logs[1][i]
		if a.Type == desk.EventPersonSaved || a.Type == desk.EventStreamRegistered {
			continue // same content; nothing random
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("event %d differs between runs:\n%+v\n%+v", i, a, b)
		}
	}
}

func TestSeedRefusesAStoreWithWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: st, Now: clock.Now})
	opt := demo.Options{Seed: 1, End: end, Days: 2}
	if _, err := demo.Seed(ctx, d, clock, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, d, clock, opt); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("second Seed into the same store: %v, want a conflict", err)
	}
}

// BenchmarkSeed measures a 30-day history on SQLite, the figure that
// decides how soon a fresh demo answers /readyz.
func BenchmarkSeed(b *testing.B) {
	ctx := context.Background()
	var sum demo.Summary
	for b.Loop() {
		st, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		clock := new(demo.Clock)
		d := desk.New(desk.Options{Store: st, Now: clock.Now})
		if sum, err = demo.Seed(ctx, d, clock, demo.Options{Seed: 1, End: end}); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	b.ReportMetric(float64(sum.Items), "items")
	b.ReportMetric(float64(sum.Events), "events")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(sum.Commands), "µs/command")
}
