package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/postgres"
)

// TestCursorNeverSkips: 8 writers on two store instances (as two servers
// would be) commit with random delays between writing their events and
// committing, while a consumer follows the global cursor (Events after its
// last seq). Having seen sequence N, it has seen every event up to N: at
// the end it has seen every event, in order.
func TestCursorNeverSkips(t *testing.T) {
	url := testDB(t)
	ctx := context.Background()
	schema := freshSchema(t, url)
	opts := postgres.Options{Schema: schema, BeforeCommit: func() {
		time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
	}}
	s, err := postgres.Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s2, err := postgres.Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	d := desk.New(desk.Options{Store: s})
	d2 := desk.New(desk.Options{Store: s2})
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

	var seen []int64
	done := make(chan struct{})
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		var after int64
		final := false
		for {
			evs, err := s.Events(ctx, after, 200)
			if err != nil {
				t.Error(err)
				return
			}
			for _, e := range evs {
				seen = append(seen, e.Seq)
				after = e.Seq
			}
			if len(evs) == 0 {
				if final {
					return
				}
				select {
				case <-done:
					final = true // one more read after the writers stop
				default:
					time.Sleep(time.Millisecond)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			d := d
			if g%2 == 1 {
				d = d2
			}
			for i := range 12 {
				v, err := d.Open(ctx, agent, desk.OpenInput{Kind: svcflow.KindIncident, Title: fmt.Sprintf("w%d-%d", g, i), Entry: "monitoring"})
				if err != nil {
					t.Error(err)
					return
				}
				if _, _, err := d.PostComment(ctx, agent, v.Item.ID, 0, "note", false); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	<-consumed
	all, err := s.Events(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(all) {
		t.Fatalf("the consumer saw %d events of %d: some committed behind its cursor", len(seen), len(all))
	}
	for i := range all {
		if seen[i] != all[i].Seq {
			t.Fatalf("event %d: seen seq %d, log has %d", i, seen[i], all[i].Seq)
		}
	}
}
