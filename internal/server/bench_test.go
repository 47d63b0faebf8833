package server

import (
	"testing"
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
