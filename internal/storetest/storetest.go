// Package storetest is the conformance suite every desk.Store passes: the
// same tests run against SQLite and PostgreSQL, so the engines cannot drift.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
)

// Opener returns a new, empty, migrated store; the suite closes it.
type Opener func(t *testing.T) desk.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		f    func(*testing.T, desk.Store)
	}{
		{"AppendAndLoad", testAppendAndLoad},
		{"StaleVersionConflicts", testStaleVersionConflicts},
		{"AppendIsAtomic", testAppendIsAtomic},
		{"EventCursor", testEventCursor},
		{"Streams", testStreams},
		{"Directory", testDirectory},
		{"CommentsAndSearch", testCommentsAndSearch},
		{"ListFilters", testListFilters},
		{"ProjectionEqualsReplay", testProjectionEqualsReplay},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Attachments", testAttachments},
		{"CMDB", testCMDB},
		{"Import", testImport},
		{"Erase", testErase},
		{"PasswordEndsSessions", testPasswordEndsSessions},
		{"ConfigPreconditions", testConfigPreconditions},
		{"PersonWithPassword", testPersonWithPassword},
		{"SLAMarks", testSLAMarks},
		{"CalendarsAndPolicies", testCalendarsAndPolicies},
		{"IdempotencyKeys", testIdempotencyKeys},
		{"SLASchedule", testSLASchedule},
		{"ItemContents", testItemContents},
		{"Improvements", testImprovements},
		{"Feedback", testFeedback},
		{"Scale", testScale},
		{"KnowledgeArticles", testKnowledgeArticles},
		{"KnowledgeSearch", testKnowledgeSearch},
		{"KnowledgeFromItem", testKnowledgeFromItem},
		{"KnowledgeDeflection", testKnowledgeDeflection},
		{"KnowledgeConcurrentSaves", testKnowledgeConcurrentSaves},
		{"FiringsOnce", testFiringsOnce},
		{"DeliveryClaims", testDeliveryClaims},
		{"WebhooksAndSecrets", testWebhooksAndSecrets},
		{"NotifyExactlyOnce", testNotifyExactlyOnce},
		{"ErasureRedactsMail", testErasureRedactsMail},
		{"ChangeApprovals", testChangeApprovals},
		{"RulesFireOnce", testRulesFireOnce},
		{"AutoClose", testAutoClose},
		{"ProblemFromIncidents", testProblemFromIncidents},
		{"RuleLinksKnowledge", testRuleLinksKnowledge},
		{"RuleStore", testRuleStore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tt.f(t, s)
		})
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fixture is a desk over the store with the library registered and a few
// people, driven by a clock the test moves.
type fixture struct {
	t     *testing.T
	store desk.Store
	desk  *desk.Desk
	now   time.Time
	mu    sync.Mutex
	admin *svcflow.Person
	agent *svcflow.Person
	user  *svcflow.Person
	other *svcflow.Person
}

func newFixture(t *testing.T, s desk.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, store: s, now: t0}
	f.desk = desk.New(desk.Options{Store: s, Now: f.clock})
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.desk.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	f.admin = &svcflow.Person{ID: "ada", Name: "Ada Admin", Email: "ada@example.org", Role: svcflow.RoleAdmin}
	f.agent = &svcflow.Person{ID: "alice", Name: "Alice Agent", Email: "alice@example.org", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}}
	f.user = &svcflow.Person{ID: "ursula", Name: "Ursula User", Email: "ursula@example.org", Role: svcflow.RoleRequester}
	f.other = &svcflow.Person{ID: "victor", Name: "Victor Viewer", Email: "victor@example.org", Role: svcflow.RoleRequester}
	for _, p := range []*svcflow.Person{f.admin, f.agent, f.user, f.other} {
		if err := f.desk.SavePerson(ctx, nil, p); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fixture) open(title string, in desk.OpenInput) *svcflow.WorkItem {
	f.t.Helper()
	in.Title = title
	if in.Kind == "" {
		in.Kind = svcflow.KindIncident
	}
	v, err := f.desk.Open(context.Background(), f.user, in)
	if err != nil {
		f.t.Fatalf("open %q: %v", title, err)
	}
	return v.Item
}

func (f *fixture) act(actor *svcflow.Person, id string, cmd svcflow.Command) *svcflow.WorkItem {
	f.t.Helper()
	v, err := f.desk.Act(context.Background(), actor, id, 0, cmd)
	if err != nil {
		f.t.Fatalf("%s on %s: %v", svcflow.CommandName(cmd), id, err)
	}
	return v.Item
}

func testAppendAndLoad(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Printer on floor 2 is jammed", desk.OpenInput{Description: "Paper stuck in tray 3"})
	got, err := s.Item(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("loaded item differs:\n got %+v\nwant %+v", got, w)
	}
	c, err := s.ItemContent(ctx, w.ID)
	if err != nil || c.Title != "Printer on floor 2 is jammed" || c.Description != "Paper stuck in tray 3" {
		t.Errorf("content %+v %v", c, err)
	}
	evs, err := s.ItemEvents(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Version != i+1 || e.Item != w.ID || (i > 0 && e.Seq <= evs[i-1].Seq) {
			t.Errorf("event %d: version %d seq %d", i, e.Version, e.Seq)
		}
		if !e.Time.Equal(t0) {
			t.Errorf("event %d time %v, want %v", i, e.Time, t0)
		}
	}
	if _, err := s.Item(ctx, "INC-999999"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("missing item: %v", err)
	}
	st, err := s.Stats(ctx)
	all, _ := s.Events(ctx, 0, 1<<20)
	if err != nil || st.ItemsByStatus[svcflow.StatusNew] != 1 || st.LastSeq != all[len(all)-1].Seq {
		t.Errorf("stats %+v %v, want 1 new item and last seq %d", st, err, all[len(all)-1].Seq)
	}
}

func testStaleVersionConflicts(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Cannot log in", desk.OpenInput{})
	// Two decisions on the same version: the second must fail.
	env := func() svcflow.Env {
		st, _ := s.StreamRevision(ctx, w.Stream, w.StreamRevision)
		return svcflow.Env{Now: t0, Actor: f.agent.Actor(), Stream: st}
	}
	a, err := svcflow.Decide(w, env(), svcflow.Start{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svcflow.Decide(w, env(), svcflow.Cancel{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, &desk.Change{Item: a.Item, Expected: w.Version, Events: a.Events}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, &desk.Change{Item: b.Item, Expected: w.Version, Events: b.Events}); !errors.Is(err, desk.ErrConflict) {
		t.Errorf("second writer on a stale version: %v, want ErrConflict", err)
	}
	got, _ := s.Item(ctx, w.ID)
	if got.Status != svcflow.StatusInProgress || got.Version != a.Item.Version {
		t.Errorf("the loser changed the item: %s v%d", got.Status, got.Version)
	}
	// Through the desk with If-Match.
	if _, err := f.desk.Act(ctx, f.agent, w.ID, w.Version, svcflow.Pause{Reason: "x"}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("If-Match on an old version: %v", err)
	}
}

func testAppendIsAtomic(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w1 := f.open("One", desk.OpenInput{})
	w2 := f.open("Two", desk.OpenInput{})
	st, _ := s.StreamRevision(ctx, w1.Stream, w1.StreamRevision)
	env := svcflow.Env{Now: t0, Actor: f.agent.Actor(), Stream: st}
	r1, _ := svcflow.Decide(w1, env, svcflow.Start{})
	r2, _ := svcflow.Decide(w2, env, svcflow.Start{})
	f.act(f.agent, w2.ID, svcflow.AddComment{ID: "c-1"}) // another writer moves w2 on: r2 is now stale
	before, _ := s.Events(ctx, 0, 10000)
	err := s.Append(ctx,
		&desk.Change{Item: r1.Item, Expected: w1.Version, Events: r1.Events},
		&desk.Change{Item: r2.Item, Expected: w2.Version, Events: r2.Events})
	if !errors.Is(err, desk.ErrConflict) {
		t.Fatalf("append with one stale change: %v", err)
	}
	after, _ := s.Events(ctx, 0, 10000)
	if len(after) != len(before) {
		t.Errorf("a failed append wrote %d events", len(after)-len(before))
	}
	if got, _ := s.Item(ctx, w1.ID); got.Version != w1.Version {
		t.Errorf("a failed append changed %s to version %d", w1.ID, got.Version)
	}
}

func testEventCursor(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	for i := range 5 {
		f.open(fmt.Sprintf("Item %d", i), desk.OpenInput{})
	}
	all, err := s.Events(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var paged []svcflow.Event
	var after int64
	for {
		page, err := s.Events(ctx, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].Seq
	}
	if len(paged) != len(all) {
		t.Fatalf("paging gave %d events, one read %d", len(paged), len(all))
	}
	for i := range all {
		if all[i].Seq != paged[i].Seq || (i > 0 && all[i].Seq <= all[i-1].Seq) {
			t.Fatalf("event %d: seq %d / %d", i, all[i].Seq, paged[i].Seq)
		}
	}
	var config int
	for _, e := range all {
		if e.Item == desk.ConfigSubject {
			config++
		}
	}
	if config < 13+4 {
		t.Errorf("%d configuration events; streams and people registered should each write one", config)
	}
}

func testStreams(t *testing.T, s desk.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	streams, _ := library.Load()
	// Registering the same definitions again changes nothing.
	before, _ := s.Events(ctx, 0, 100000)
	if err := f.desk.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	after, _ := s.Events(ctx, 0, 100000)
	if len(after) != len(before) {
		t.Errorf("re-registering wrote %d events", len(after)-len(before))
	}
	// Changed content under the same revision is refused.
	changed := *library.ByID(streams, "password-reset")
	changed.Name = "Changed name"
	err := f.desk.RegisterStreams(ctx, svcflow.SystemActor, []*svcflow.ValueStream{&changed})
	if svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("changed content under an unchanged revision: %v", err)
	}
	// A new revision is stored; the old one stays for running items.
	w := f.open("Forgot my password", desk.OpenInput{Kind: svcflow.KindServiceRequest, Category: "password-reset"})
	changed.Revision++
	if err := f.desk.RegisterStreams(ctx, svcflow.SystemActor, []*svcflow.ValueStream{&changed}); err != nil {
		t.Fatal(err)
	}
	latest, _ := s.LatestStreams(ctx)
	for _, l := range latest {
		if l.ID == "password-reset" && (l.Revision != changed.Revision || l.Name != "Changed name") {
			t.Errorf("latest password-reset: revision %d %q", l.Revision, l.Name)
		}
	}
	old, err := s.StreamRevision(ctx, "password-reset", w.StreamRevision)
	if err != nil || old.Name == "Changed name" {
		t.Errorf("old revision: %v %v", old, err)
	}
	got := f.act(f.agent, w.ID, svcflow.Start{})
	if got.StreamRevision != w.StreamRevision {
		t.Errorf("a running item moved to revision %d", got.StreamRevision)
	}
	if _, err := s.StreamRevision(ctx, "nope", 1); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("missing stream: %v", err)
	}
}

func testDirectory(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	p, err := s.PersonByEmail(ctx, "ALICE@example.org")
	if err != nil || p.ID != "alice" || !slices.Equal(p.Teams, []string{"service-desk"}) {
		t.Errorf("by email: %+v %v", p, err)
	}
	dup := &svcflow.Person{ID: "alice2", Name: "Another", Email: "alice@example.org", Role: svcflow.RoleAgent}
	if err := f.desk.SavePerson(ctx, nil, dup); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("duplicate email: %v", err)
	}
	if err := f.desk.SavePerson(ctx, f.agent, &svcflow.Person{ID: "x", Name: "X", Email: "x@example.org", Role: svcflow.RoleAgent}); svcflow.ErrorCodeOf(err) != svcflow.ErrForbidden {
		t.Errorf("an agent saving people: %v", err)
	}
	if err := f.desk.SaveTeam(ctx, f.admin, &svcflow.Team{ID: "service-desk", Name: "Service desk", QueuePolicy: "priority"}); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.SaveOrganisation(ctx, f.admin, &svcflow.Organisation{ID: "acme", Name: "ACME", Tier: 1}); err != nil {
		t.Fatal(err)
	}
	svc := &svcflow.Service{ID: "email", Name: "Email", Catalogue: []svcflow.CatalogueEntry{{ID: "new-mailbox", Name: "New shared mailbox", Kind: svcflow.KindServiceRequest}}}
	if err := f.desk.SaveService(ctx, f.admin, svc); err != nil {
		t.Fatal(err)
	}
	teams, _ := s.Teams(ctx)
	orgs, _ := s.Organisations(ctx)
	svcs, _ := s.Services(ctx)
	people, _ := s.People(ctx)
	if len(teams) != 1 || len(orgs) != 1 || len(svcs) != 1 || len(svcs[0].Catalogue) != 1 || len(people) != 4 {
		t.Errorf("teams %d orgs %d services %d people %d", len(teams), len(orgs), len(svcs), len(people))
	}
}

func testCommentsAndSearch(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("VPN drops every hour", desk.OpenInput{Description: "Since the client update"})
	f.open("Printer jam", desk.OpenInput{})
	if _, _, err := f.desk.PostComment(ctx, f.agent, w.ID, 0, "Looks like the keepalive setting", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.desk.PostComment(ctx, f.agent, w.ID, 0, "secretword internal note", false); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Comments(ctx, w.ID, true)
	public, _ := s.Comments(ctx, w.ID, false)
	if len(all) != 2 || len(public) != 1 || public[0].Body != "Looks like the keepalive setting" {
		t.Errorf("comments: all %d public %d", len(all), len(public))
	}
	for _, tt := range []struct {
		text string
		want int
	}{{"vpn", 1}, {"client upd", 1}, {"keepalive", 1}, {"secretword", 0}, {"printer", 1}, {`"unbalanced (quote`, 0}} {
		got, err := s.ListItems(ctx, desk.ItemFilter{Text: tt.text})
		if err != nil || len(got) != tt.want {
			t.Errorf("search %q: %d results, %v; want %d", tt.text, len(got), err, tt.want)
		}
	}
}

func testListFilters(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	var ids []string
	for i := range 12 {
		w := f.open(fmt.Sprintf("Item %d", i), desk.OpenInput{})
		ids = append(ids, w.ID)
	}
	watched, err := f.desk.Open(ctx, f.other, desk.OpenInput{Kind: svcflow.KindIncident, Title: "Victor's item", Watchers: []string{"ursula"}})
	if err != nil {
		t.Fatal(err)
	}
	f.act(f.agent, ids[0], svcflow.Cancel{})
	// Keyset paging, newest first.
	var seen []string
	var before int64
	for {
		page, err := s.ListItems(ctx, desk.ItemFilter{Person: "ursula", Limit: 5, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, w := range page {
			seen = append(seen, w.ID)
		}
		var n int64
		fmt.Sscanf(page[len(page)-1].ID[4:], "%d", &n)
		before = n
	}
	if len(seen) != 13 || seen[0] != watched.Item.ID {
		t.Errorf("ursula's items (own and watched): %d, first %v", len(seen), seen[:min(1, len(seen))])
	}
	cancelled, _ := s.ListItems(ctx, desk.ItemFilter{Statuses: []svcflow.Status{svcflow.StatusCancelled}})
	if len(cancelled) != 1 || cancelled[0].ID != ids[0] {
		t.Errorf("cancelled: %v", cancelled)
	}
	queue, _ := s.ListItems(ctx, desk.ItemFilter{Teams: []string{"service-desk"}, Statuses: []svcflow.Status{svcflow.StatusNew}})
	if len(queue) != 12 {
		t.Errorf("service desk queue: %d items, want 12", len(queue))
	}
	// Requesters see only their own items through the desk.
	vs, _ := f.desk.List(ctx, f.other, desk.ItemFilter{})
	if len(vs) != 1 || vs[0].ID != watched.Item.ID {
		t.Errorf("victor sees %d items", len(vs))
	}
	if _, err := f.desk.Item(ctx, f.other, ids[1]); svcflow.ErrorCodeOf(err) != svcflow.ErrNotFound {
		t.Errorf("victor reading ursula's item: %v, want not found", err)
	}
}

// testProjectionEqualsReplay: after a busy life, the stored state of each
// item equals the fold of its stored events.
func testProjectionEqualsReplay(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Email down", desk.OpenInput{Impact: 1, Urgency: 2})
	steps := []svcflow.Command{
		svcflow.Start{}, svcflow.Complete{}, svcflow.Pause{Reason: svcflow.HoldAwaitingRequester}, svcflow.Resume{},
		svcflow.Start{}, svcflow.Swarm{Person: "bob"}, svcflow.Complete{Outcome: "not_fixed"},
		svcflow.Escalate{Team: "infrastructure-ops"}, svcflow.Start{}, svcflow.Complete{}, svcflow.Complete{}, svcflow.Complete{},
	}
	for _, c := range steps {
		f.advance(7 * time.Minute)
		f.act(f.admin, w.ID, c)
	}
	f.act(f.user, w.ID, svcflow.Reopen{Reason: "again"})
	items, _ := s.ListItems(ctx, desk.ItemFilter{Limit: 200})
	for _, it := range items {
		evs, err := s.ItemEvents(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		replayed, err := svcflow.Replay(evs)
		if err != nil {
			t.Fatalf("replay %s: %v", it.ID, err)
		}
		if !reflect.DeepEqual(replayed, it) {
			t.Errorf("%s: stored state differs from the replay:\nstored %+v\nreplay %+v", it.ID, it, replayed)
		}
		for _, v := range svcflow.Visits(evs, time.Time{}) {
			if !v.IsOpen() && v.Lead() != v.Ended.Sub(v.Entered) {
				t.Errorf("%s %s: wait+cycle+blocked %v != %v", it.ID, v.Step, v.Lead(), v.Ended.Sub(v.Entered))
			}
		}
	}
}

// testConcurrentWriters: many goroutines act on the same items without
// If-Match; every acknowledged command lands exactly once and the stored
// state equals the replay.
func testConcurrentWriters(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	var ids []string
	for i := range 4 {
		ids = append(ids, f.open(fmt.Sprintf("Busy %d", i), desk.OpenInput{}).ID)
	}
	const workers, perWorker = 16, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]int{}
	for g := range workers {
		wg.Go(func() {
			for i := range perWorker {
				id := ids[(g+i)%len(ids)]
				_, _, err := f.desk.PostComment(ctx, f.agent, id, 0, fmt.Sprintf("note %d-%d", g, i), g%2 == 0)
				if err == nil {
					mu.Lock()
					acked[id]++
					mu.Unlock()
				} else if svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
					t.Errorf("comment: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		evs, _ := s.ItemEvents(ctx, id)
		n := 0
		for _, e := range evs {
			if e.Type == svcflow.EventCommented {
				n++
			}
		}
		if n != acked[id] {
			t.Errorf("%s: %d comment events, %d acknowledged", id, n, acked[id])
		}
		comments, _ := s.Comments(ctx, id, true)
		if len(comments) != n {
			t.Errorf("%s: %d comment rows for %d events", id, len(comments), n)
		}
		stored, _ := s.Item(ctx, id)
		replayed, _ := svcflow.Replay(evs)
		if !reflect.DeepEqual(stored, replayed) {
			t.Errorf("%s: stored state differs from replay", id)
		}
	}
}
