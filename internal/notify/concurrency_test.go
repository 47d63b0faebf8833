package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/notify"
)

// TestConcurrentConsumersAndWorkers runs two consumers and two workers at
// once, as two instances would (run it with -race): every event becomes
// one delivery, and every delivery reaches the receiver once.
func TestConcurrentConsumersAndWorkers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("Idempotency-Key")]++
		mu.Unlock()
	}))
	defer rcv.Close()
	if _, err := e.desk.CreateWebhook(ctx, e.admin, desk.WebhookInput{ID: "all", URL: rcv.URL, Events: []string{"created"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	const items = 30
	for range items {
		e.open("Concurrent")
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			c := &notify.Consumer{Store: e.store, Now: e.clock, Batch: 4}
			if _, err := c.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for range 2 {
		wg.Go(func() {
			w := &notify.Worker{Store: e.store, Now: e.clock, Batch: 3}
			for {
				n, err := w.Pass(ctx)
				if err != nil {
					t.Error(err)
				}
				if n == 0 || err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != items {
		t.Errorf("receiver saw %d deliveries, want %d", len(seen), items)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s sent %d times", id, n)
		}
	}
	ds, _ := e.store.Deliveries(ctx, desk.DeliveryFilter{Webhook: "all", Limit: 1000})
	for _, d := range ds {
		if d.Status != desk.DeliveryDelivered || d.Attempts != 1 {
			t.Errorf("delivery %s: %s after %d attempts", d.ID, d.Status, d.Attempts)
		}
	}
}

// TestWorkerStopsBeforeItsLeaseRunsOut: a pass whose sends are slow
// starts no attempt after half its lease; the rest wait for the lease to
// run out and are then claimed again, so no attempt can overlap another
// worker's.
func TestWorkerStopsBeforeItsLeaseRunsOut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.advance(40 * time.Second) // a slow receiver
	}))
	defer rcv.Close()
	if _, err := e.desk.CreateWebhook(ctx, e.admin, desk.WebhookInput{ID: "slow", URL: rcv.URL, Events: []string{"created"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		e.open("Slow")
	}
	if _, err := (&notify.Consumer{Store: e.store, Now: e.clock}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{Store: e.store, Now: e.clock, Lease: 2 * time.Minute}
	steps := []struct {
		name string
		at   time.Duration // since t0, before the pass
		sent int
	}{
		{"attempts at 0s and 40s, none at 80s", 0, 2},
		{"the rest are still leased", 80 * time.Second, 0},
		{"after the lease", 121 * time.Second, 2},
		{"the last one, after the second lease", 242 * time.Second, 1},
	}
	for _, s := range steps {
		e.mu.Lock()
		e.now = t0.Add(s.at)
		e.mu.Unlock()
		if n, err := w.Pass(ctx); n != s.sent || err != nil {
			t.Fatalf("%s: sent %d (%v), want %d", s.name, n, err, s.sent)
		}
	}
}
