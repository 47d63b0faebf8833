package server

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/svcflow/svcflow"
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
	e := demoEnv(b, t)
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

// BenchmarkPages measures the server time of each page over 30 days of
// demo history, signed in as the demo requester with the most items.
func BenchmarkPages(b *testing.B) {
	t := &testing.T{}
	e := demoEnv(b, t)
	people, err := e.store.People(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var who *svcflow.Person
	most := 0
	for _, p := range people {
		if p.Role != svcflow.RoleRequester {
			continue
		}
		items, _ := e.store.ListItems(context.Background(), desk.ItemFilter{Person: p.ID, Limit: 200})
		if len(items) > most {
			who, most = p, len(items)
		}
	}
	br := newBrowser(t, e)
	br.signIn(who.ID, who.Email)
	items, _ := e.store.ListItems(context.Background(), desk.ItemFilter{Person: who.ID, Limit: 1})
	for _, pg := range []struct{ name, path string }{{"login", "/login"}, {"home", "/"}, {"portal", "/portal"},
		{"request-form", "/portal/request/laptop/new-laptop"}, {"item", "/items/" + items[0].ID}, {"streams", "/streams"},
		{"team-queues", "/work"}} {
		page, client := pg.path, br
		if page == "/work" {
			// The service desk's lead, who sees its queue.
			client = newBrowser(t, e)
			for _, p := range people {
				if p.Role == svcflow.RoleAgent && slices.Contains(p.Teams, "service-desk") {
					client.signIn(p.ID, p.Email)
					break
				}
			}
		}
		b.Run(pg.name, func(b *testing.B) {
			for b.Loop() {
				if res, _ := client.do("GET", page, nil); res.StatusCode != 200 && res.StatusCode != http.StatusSeeOther {
					b.Fatalf("%s: %d", page, res.StatusCode)
				}
			}
		})
	}
}

// demoEnv is a test server over 30 days of demo history.
func demoEnv(b *testing.B, t *testing.T) *testEnv {
	e := newTestEnv(t)
	e.t = t
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: e.store, Now: clock.Now})
	if _, err := demo.Seed(context.Background(), d, clock, demo.Options{Days: 30, Seed: 1, End: t0}); err != nil {
		b.Fatal(err)
	}
	return e
}
