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

// BenchmarkPages measures the server time of every page over 30 days of
// demo history with the demo's SLA policies, each as the role it is for:
// the demo requester with the most items, the lead of the service desk,
// a manager and an admin.
func BenchmarkPages(b *testing.B) {
	t := &testing.T{}
	e := demoEnv(b, t)
	ctx := context.Background()
	people, err := e.store.People(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var requester, agent *svcflow.Person
	most := 0
	for _, p := range people {
		switch {
		case p.Role == svcflow.RoleRequester:
			items, _ := e.store.ListItems(ctx, desk.ItemFilter{Person: p.ID, Limit: 200})
			if len(items) > most {
				requester, most = p, len(items)
			}
		case agent == nil && p.Role == svcflow.RoleAgent && slices.Contains(p.Teams, "service-desk"):
			agent = p
		}
	}
	as := func(p *svcflow.Person) *browser {
		br := newBrowser(t, e)
		br.signIn(p.ID, p.Email)
		return br
	}
	req, staff := as(requester), as(agent)
	mgr, admin := newBrowser(t, e), newBrowser(t, e)
	mgr.signIn("max", "max@example.org")
	admin.signIn("ada", "ada@example.org")
	mine, _ := e.store.ListItems(ctx, desk.ItemFilter{Person: requester.ID, Limit: 1})
	open, _ := e.store.ListItems(ctx, desk.ItemFilter{Teams: []string{"service-desk"}, Statuses: []svcflow.Status{svcflow.StatusInProgress}, Limit: 1})
	imps, _ := e.desk.Register(ctx, desk.System)
	arts, _ := e.desk.SearchArticles(ctx, desk.System, desk.ArticleFilter{})
	if len(mine) == 0 || len(open) == 0 || len(imps) == 0 || len(arts) == 0 {
		b.Fatal("the demo history lacks an item, an improvement or an article")
	}
	pages := []struct {
		name string
		who  *browser
		path string
	}{
		{"login", newBrowser(t, e), "/login"},
		{"home", req, "/"},
		{"portal", req, "/portal"},
		{"request-form", req, "/portal/request/laptop/new-laptop"},
		{"item-requester", req, "/items/" + mine[0].ID},
		{"knowledge", req, "/knowledge?q=password"},
		{"team-queues", staff, "/work"},
		{"item-agent", staff, "/items/" + open[0].ID},
		{"search", staff, "/search?q=printer"},
		{"streams", staff, "/streams"},
		{"live-map", staff, "/streams/restore-live-service"},
		{"board", staff, "/streams/restore-live-service/board"},
		{"stream-design", staff, "/streams/restore-live-service/design"},
		{"observed-flow", mgr, "/streams/restore-live-service/flow"},
		{"improvements", staff, "/improvements"},
		{"improvement", staff, "/improvements/" + imps[0].Item.ID},
		{"article", staff, "/knowledge/" + arts[0].ID},
		{"dashboards", mgr, "/dashboards"},
		{"simulate-calibrate", mgr, "/simulate?stream=restore-live-service&days=30"},
		{"simulate-run", mgr, "/simulate?stream=restore-live-service&days=30&for=restore-live-service&arrivals=120&run=1"},
		{"admin", admin, "/admin"},
		{"admin-people", admin, "/admin/people"},
		{"admin-sla", admin, "/admin/sla"},
		{"admin-rules", admin, "/admin/rules"},
		{"admin-streams", admin, "/admin/streams"},
		{"admin-upload", admin, "/admin/streams/upload"},
	}
	for _, pg := range pages {
		b.Run(pg.name, func(b *testing.B) {
			for b.Loop() {
				if res, page := pg.who.do("GET", pg.path, nil); res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d %.300s", pg.path, res.StatusCode, page)
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
	if err := demo.SLAs(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), d, clock, demo.Options{Days: 30, Seed: 1, End: t0}); err != nil {
		b.Fatal(err)
	}
	return e
}
