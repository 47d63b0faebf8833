package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/postgres"
)

// TestBatchIsolatesAFailedAppend: appends that share one pipelined group
// commit succeed or fail on their own. A stale append in the middle of a
// batch fails with ErrConflict and leaves no trace, and the appends sent
// after it in the same pipeline are written once, with their sequence
// numbers.
func TestBatchIsolatesAFailedAppend(t *testing.T) {
	url := testDB(t)
	ctx := context.Background()
	gate := make(chan struct{})
	var blockOnce sync.Once
	blocking := make(chan struct{})
	var armed sync.Mutex
	armed.Lock() // unlocked when the test wants the next commit held
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: freshSchema(t, url), BeforeCommit: func() {
		if armed.TryLock() {
			blockOnce.Do(func() { close(blocking); <-gate })
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	agent := &svcflow.Person{ID: "alice", Name: "Alice", Email: "alice@example.org", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}}
	if err := d.SavePerson(ctx, nil, agent); err != nil {
		t.Fatal(err)
	}
	var items []*svcflow.WorkItem
	for _, title := range []string{"held", "first", "stale", "last"} {
		v, err := d.Open(ctx, agent, desk.OpenInput{Kind: svcflow.KindIncident, Title: title})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, v.Item)
	}
	decide := func(w *svcflow.WorkItem, cmd svcflow.Command) *desk.Change {
		st, err := s.StreamRevision(ctx, w.Stream, w.StreamRevision)
		if err != nil {
			t.Fatal(err)
		}
		res, err := svcflow.Decide(w, svcflow.Env{Now: time.Now(), Actor: agent.Actor(), Stream: st}, cmd)
		if err != nil {
			t.Fatal(err)
		}
		return &desk.Change{Item: res.Item, Expected: w.Version, Events: res.Events}
	}
	// The stale change: decided on a version that another change replaces.
	stale := decide(items[2], svcflow.Cancel{Reason: "stale"})
	if _, err := d.Act(ctx, agent, items[2].ID, 0, svcflow.Start{}); err != nil {
		t.Fatal(err)
	}

	// Hold one commit, so that the next three appends queue up behind it
	// and share the following batch, in this order.
	armed.Unlock()
	held := make(chan error, 1)
	go func() { held <- s.Append(ctx, decide(items[0], svcflow.Start{})) }()
	<-blocking
	changes := []*desk.Change{decide(items[1], svcflow.Start{}), stale, decide(items[3], svcflow.Start{})}
	errs := make([]error, len(changes))
	var wg sync.WaitGroup
	for i, c := range changes {
		wg.Go(func() { errs[i] = s.Append(ctx, c) })
		time.Sleep(20 * time.Millisecond) // queue them in order (an aid to ordering, not an assertion)
	}
	close(gate)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatalf("held append: %v", err)
	}
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], desk.ErrConflict) {
		t.Fatalf("results %v, want nil, ErrConflict, nil", errs)
	}
	for _, i := range []int{0, 2} {
		c := changes[i]
		got, err := s.ItemEvents(ctx, c.Item.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := got[len(got)-1]
		if len(got) != c.Item.Version || last.Seq != c.Events[len(c.Events)-1].Seq || last.Seq == 0 {
			t.Errorf("%s: %d events, last seq %d; want %d events ending at the acknowledged seq %d",
				c.Item.ID, len(got), last.Seq, c.Item.Version, c.Events[len(c.Events)-1].Seq)
		}
	}
	w, err := s.Item(ctx, items[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != svcflow.StatusInProgress {
		t.Errorf("the stale cancel left its mark: %s is %s", w.ID, w.Status)
	}
	all, err := s.Events(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("event log out of order at %d: %d after %d", i, all[i].Seq, all[i-1].Seq)
		}
	}
	for _, e := range all {
		if e.Item == items[2].ID && e.Type == svcflow.EventStatusChanged && e.After == string(svcflow.StatusCancelled) {
			t.Errorf("the stale cancel's event is in the log: %+v", e)
		}
	}
}
