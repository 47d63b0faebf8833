package server

import (
	"context"
	"testing"

	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
)

// BenchmarkTransition measures one step transition through the whole HTTP
// stack (token, load, decide, append, answer) on SQLite.
func BenchmarkTransition(b *testing.B) {
	t := &testing.T{}
	e := newTestEnv(t)
	e.t = t
	var ids []string
	for range 200 {
		ids = append(ids, e.open("alice", map[string]any{"kind": "incident", "title": "bench", "entry": "monitoring"}).ID)
	}
	active := make([]bool, len(ids))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(ids)
		action := "start"
		if active[k] {
			action = "requeue"
		}
		r := e.do("alice", "POST", "/api/v1/work-items/"+ids[k]+"/"+action, nil)
		if r.status != 200 {
			b.Fatalf("%s: %d %s", action, r.status, r.body)
		}
		active[k] = !active[k]
	}
}

// BenchmarkCreate measures opening a work item through the HTTP stack.
func BenchmarkCreate(b *testing.B) {
	t := &testing.T{}
	e := newTestEnv(t)
	e.t = t
	for b.Loop() {
		e.open("alice", map[string]any{"kind": "incident", "title": "bench", "entry": "monitoring"})
	}
}

// BenchmarkAnalyticsFlow measures GET /api/v1/analytics/flow over 30 days
// of demo history: when nothing changed since the last request (the log
// is reused) and when an item was opened before each request (the log is
// read again).
func BenchmarkAnalyticsFlow(b *testing.B) {
	t := &testing.T{}
	e := newTestEnv(t)
	e.t = t
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: e.store, Now: clock.Now})
	if _, err := demo.Seed(context.Background(), d, clock, demo.Options{Days: 30, Seed: 1, End: t0}); err != nil {
		b.Fatal(err)
	}
	get := func() {
		if r := e.do("ada", "GET", "/api/v1/analytics/flow?stream=restore-live-service", nil); r.status != 200 {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		get()
		for b.Loop() {
			get()
		}
	})
	b.Run("after-a-change", func(b *testing.B) {
		for b.Loop() {
			e.open("alice", map[string]any{"kind": "incident", "title": "bench", "entry": "monitoring"})
			get()
		}
	})
}
