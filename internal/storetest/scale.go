package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/scale"
)

// testScale: a generated history written by BulkLoad is what the engine
// writes (every sampled item replays to its stored state), the list
// queries that must stay fast at scale return exactly what a brute-force
// filter over all items returns, page by page through the keyset cursor,
// and normal use carries on after the load with new numbers.
func testScale(t *testing.T, s desk.Store) {
	if _, ok := s.(desk.BulkLoader); !ok {
		t.Skip("the store cannot bulk load")
	}
	ctx := context.Background()
	end := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	// Two months of history, so that a good share of the items is still
	// open and the queues have something in them.
	sum, err := scale.Generate(ctx, s, scale.Options{Items: 2000, Seed: 11, End: end, Span: 60 * 24 * time.Hour, People: 300, Batch: 700})
	if err != nil {
		t.Fatal(err)
	}
	all := allItems(t, s)
	if len(all) != sum.Items || sum.Items < 2000 {
		t.Fatalf("%d items listed, %d generated", len(all), sum.Items)
	}
	res, err := scale.Check(ctx, s, scale.CheckOptions{Sample: 0.05, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checked < 90 || len(res.Mismatches) > 0 {
		t.Errorf("replay check: %d checked, mismatches: %v", res.Checked, res.Mismatches)
	}

	var ids []string
	for i := 0; i < len(all); i += 7 {
		ids = append(ids, all[i].ID)
	}
	events, err := s.EventsOfItems(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		for _, e := range events[id] {
			if e.Type == svcflow.EventCommented && num(e.Data.Comment) > sum.LastComment {
				t.Errorf("%s: comment %s after the last one generated, C-%d", id, e.Data.Comment, sum.LastComment)
			}
		}
		if i%5 == 0 {
			one, err := s.ItemEvents(ctx, id)
			if err != nil || len(one) == 0 || !reflect.DeepEqual(one, events[id]) {
				t.Errorf("%s: events loaded together differ from ItemEvents (%v)", id, err)
			}
		}
	}

	checkScaleQueues(t, s, all, end)
	rng := rand.New(rand.NewPCG(5, 5))
	// A requester's items: own, on their behalf, or watched.
	var persons []string
	for _, w := range all {
		persons = append(persons, w.RequestedBy, w.RequestedFor)
		persons = append(persons, w.Watchers...)
	}
	slices.Sort(persons)
	persons = slices.Compact(persons)
	watchers := 0
	for _, p := range pickN(rng, persons, 25) {
		want := filterItems(all, func(w *svcflow.WorkItem) bool { return w.CanSee(p) })
		checkPages(t, s, desk.ItemFilter{Person: p, Limit: 7}, want)
		closed := filterItems(want, func(w *svcflow.WorkItem) bool { return w.Status == svcflow.StatusClosed })
		checkPages(t, s, desk.ItemFilter{Person: p, Statuses: []svcflow.Status{svcflow.StatusClosed}, Limit: 5}, closed)
		for _, w := range want {
			if slices.Contains(w.Watchers, p) {
				watchers++
			}
		}
	}
	if watchers == 0 {
		t.Error("no requester checked watches an item; the watched branch went untested")
	}
	// A service's items in some statuses, changed since a time.
	var services []string
	for _, w := range all {
		services = append(services, w.Service)
	}
	slices.Sort(services)
	services = slices.Compact(services)
	open := []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold}
	for _, svc := range pickN(rng, services, 8) {
		for _, statuses := range [][]svcflow.Status{{svcflow.StatusClosed}, open, {svcflow.StatusResolved, svcflow.StatusCancelled}} {
			for _, since := range []time.Time{{}, end.Add(-20 * 24 * time.Hour)} {
				want := filterItems(all, func(w *svcflow.WorkItem) bool {
					return w.Service == svc && slices.Contains(statuses, w.Status) && !w.Updated.Before(since)
				})
				checkPages(t, s, desk.ItemFilter{Service: svc, Statuses: statuses, Updated: since, Limit: 6}, want)
			}
		}
	}

	// Normal use goes on: new numbers, and events after the loaded ones.
	stats, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.NextNumber(ctx, "comment"); err != nil || n <= sum.LastComment {
		t.Errorf("next comment number %d (%v); the load used up to %d", n, err, sum.LastComment)
	}
	d := desk.New(desk.Options{Store: s, Now: func() time.Time { return end }})
	people, err := s.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(people, func(p *svcflow.Person) bool { return p.Role == svcflow.RoleRequester })
	v, err := d.Open(ctx, people[i], desk.OpenInput{Kind: svcflow.KindIncident, Title: "After the load"})
	if err != nil {
		t.Fatal(err)
	}
	if num(v.Item.ID) <= sum.Last {
		t.Errorf("new item %s; the load used numbers up to %d", v.Item.ID, sum.Last)
	}
	after, err := s.Events(ctx, stats.LastSeq, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != v.Item.Version || after[0].Item != v.Item.ID {
		t.Errorf("events after the load: %d, want the %d of %s", len(after), v.Item.Version, v.Item.ID)
	}
}

// checkScaleQueues compares every team's queue with the items queued for
// the team, and each entry's SLA due time with the item's own SLA, twice:
// the second view reuses what the first computed.
func checkScaleQueues(t *testing.T, s desk.Store, all []*svcflow.WorkItem, now time.Time) {
	t.Helper()
	ctx := context.Background()
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	teams, err := s.Teams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(desk.Options{Store: s, Now: func() time.Time { return now }})
	manager := &svcflow.Person{ID: "storetest-manager", Role: svcflow.RoleManager}
	queued := 0
	for _, team := range teams {
		var want []string
		for _, w := range all {
			v := w.Visit
			if v == nil || v.State != svcflow.Queued || v.Team != team.ID || w.Status == svcflow.StatusOnHold {
				continue
			}
			if library.ByID(streams, w.Stream).Step(v.Step).Approval == nil {
				want = append(want, w.ID)
			}
		}
		slices.Sort(want)
		queued += len(want)
		var views [2]*desk.QueueView
		for i := range views {
			if views[i], err = d.Queue(ctx, manager, team.ID); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(views[0], views[1]) {
			t.Errorf("queue of %s: a second view differs from the first", team.ID)
		}
		var got []string
		for _, e := range views[0].Entries {
			got = append(got, e.Item)
			sla, err := d.ItemSLA(ctx, manager, e.Item)
			if err != nil {
				t.Fatalf("SLA of %s: %v", e.Item, err)
			}
			due := sla.Response.Due
			if r := sla.Resolution.Due; due.IsZero() || !r.IsZero() && r.Before(due) {
				due = r
			}
			if !e.SLADue.Equal(due) {
				t.Errorf("queue of %s: %s due %v, its SLA says %v", team.ID, e.Item, e.SLADue, due)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("queue of %s: %d entries %v, want %d %v", team.ID, len(got), got, len(want), want)
		}
	}
	if queued < 20 {
		t.Errorf("only %d queued items in all queues; the generated history should leave more", queued)
	}
}

// checkPages reads every page of f through the cursor and compares the
// whole with want, newest first: nothing twice, nothing left out.
func checkPages(t *testing.T, s desk.Store, f desk.ItemFilter, want []*svcflow.WorkItem) {
	t.Helper()
	var got []string
	for range len(want)/max(1, f.Limit) + 2 {
		page, err := s.ListItems(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > f.Limit {
			t.Fatalf("%+v: a page of %d items, limit %d", f, len(page), f.Limit)
		}
		for _, w := range page {
			got = append(got, w.ID)
		}
		if len(page) < f.Limit {
			break
		}
		f.Before = num(page[len(page)-1].ID)
	}
	wantIDs := make([]string, len(want))
	for i, w := range want {
		wantIDs[i] = w.ID
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("%+v: pages give %d items %v, want %d %v", f, len(got), got, len(wantIDs), wantIDs)
	}
}

// allItems lists every item, newest first.
func allItems(t *testing.T, s desk.Store) []*svcflow.WorkItem {
	t.Helper()
	var out []*svcflow.WorkItem
	f := desk.ItemFilter{Limit: 500}
	for {
		page, err := s.ListItems(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out
		}
		f.Before = num(page[len(page)-1].ID)
	}
}

// filterItems keeps the items f accepts, in order.
func filterItems(items []*svcflow.WorkItem, f func(*svcflow.WorkItem) bool) []*svcflow.WorkItem {
	var out []*svcflow.WorkItem
	for _, w := range items {
		if f(w) {
			out = append(out, w)
		}
	}
	return out
}

// pickN draws n distinct values (all of them when there are fewer).
func pickN(rng *rand.Rand, xs []string, n int) []string {
	xs = slices.Clone(xs)
	rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	return xs[:min(n, len(xs))]
}

// num is the number of an id (INC-1042 → 1042, C-7 → 7).
func num(id string) int64 {
	n, err := strconv.ParseInt(id[strings.LastIndexByte(id, '-')+1:], 10, 64)
	if err != nil {
		panic(fmt.Sprintf("id %q has no number", id))
	}
	return n
}
