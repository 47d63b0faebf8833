package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

func str(s string) *string { return &s }

// resolve takes a restoration item through registration and a fix at the
// investigate step.
func (f *fixture) resolve(id string) *svcflow.WorkItem {
	f.t.Helper()
	for _, c := range []svcflow.Command{svcflow.Start{}, svcflow.Complete{}, svcflow.Start{}, svcflow.Complete{Outcome: "fixed"}} {
		f.act(f.agent, id, c)
	}
	w, err := f.store.Item(context.Background(), id)
	if err != nil || w.Status != svcflow.StatusResolved {
		f.t.Fatalf("%s not resolved: %+v %v", id, w, err)
	}
	return w
}

func testKnowledgeArticles(t *testing.T, s desk.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a, err := f.desk.CreateArticle(ctx, f.agent, desk.ArticlePatch{Title: str("VPN drops every ten minutes"),
		Symptoms: str("The VPN client disconnects and asks for the token again"), Resolution: str("Update the VPN client to 5.2"),
		Keywords: &[]string{"anyconnect", "remote access"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "KB-1001" || a.Version != 1 || a.Status != svcflow.ArticleDraft || a.Author != "alice" {
		t.Fatalf("new article %+v", a)
	}
	got, err := s.Article(ctx, a.ID)
	if err != nil || got.Title != a.Title || got.Resolution != a.Resolution || !slices.Equal(got.Keywords, a.Keywords) || !got.Created.Equal(t0) {
		t.Fatalf("loaded %+v %v", got, err)
	}
	if _, err := s.Article(ctx, "KB-999"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("missing article: %v, want ErrNotFound", err)
	}

	f.advance(time.Hour)
	b, err := f.desk.UpdateArticle(ctx, f.agent, a.ID, 1, desk.ArticlePatch{Resolution: str("Update the VPN client to 5.3")})
	if err != nil || b.Version != 2 {
		t.Fatalf("update: %+v %v", b, err)
	}
	// A stale version changes nothing, in the desk and in the store.
	if _, err := f.desk.UpdateArticle(ctx, f.agent, a.ID, 1, desk.ArticlePatch{Title: str("x")}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("stale update: %v, want conflict", err)
	}
	stale := *b
	stale.Version = 3
	if err := s.PutArticle(ctx, desk.ArticleWrite{Article: &stale, Expected: 1, Revision: stale.RevisionOf("alice"),
		Event: svcflow.Event{Item: svcflow.KnowledgeSubject, Time: t0, Actor: "alice", Type: svcflow.EventArticleSaved, After: a.ID}}); !errors.Is(err, desk.ErrConflict) {
		t.Errorf("store put at a stale version: %v, want ErrConflict", err)
	}
	revs, err := s.ArticleRevisions(ctx, a.ID)
	if err != nil || len(revs) != 2 || revs[0].Resolution != "Update the VPN client to 5.2" || revs[1].Resolution != "Update the VPN client to 5.3" ||
		revs[0].Revision != 1 || revs[1].Revision != 2 || !revs[1].Time.Equal(t0.Add(time.Hour)) {
		t.Fatalf("revisions %+v %v", revs, err)
	}

	if _, err := f.desk.SetArticleStatus(ctx, f.agent, a.ID, 0, svcflow.ArticlePublished); svcflow.ErrorCodeOf(err) != svcflow.ErrForbidden {
		t.Errorf("an agent outside the knowledge team published: %v", err)
	}
	if _, err := f.desk.SetArticleStatus(ctx, f.admin, a.ID, 2, svcflow.ArticlePublished); err != nil {
		t.Fatal(err)
	}
	// Requesters see published articles only.
	draft, err := f.desk.CreateArticle(ctx, f.agent, desk.ArticlePatch{Title: str("VPN certificate renewal"), Workaround: str("Reconnect after midnight")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Article(ctx, f.user, draft.ID); svcflow.ErrorCodeOf(err) != svcflow.ErrNotFound {
		t.Errorf("requester read a draft: %v", err)
	}
	list, err := f.desk.SearchArticles(ctx, f.user, desk.ArticleFilter{Text: "vpn"})
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("requester search: %v %v", ids(list), err)
	}
	list, _ = f.desk.SearchArticles(ctx, f.agent, desk.ArticleFilter{Text: "vpn"})
	if len(list) != 2 {
		t.Errorf("agent search: %v", ids(list))
	}
	evs, err := s.KnowledgeEvents(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var types []svcflow.EventType
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []svcflow.EventType{svcflow.EventArticleSaved, svcflow.EventArticleSaved, svcflow.EventArticlePublished, svcflow.EventArticleSaved}
	if !slices.Equal(types, want) {
		t.Errorf("knowledge events %v, want %v", types, want)
	}
}

func ids(as []*svcflow.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func testKnowledgeSearch(t *testing.T, s desk.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	svc := &svcflow.Service{ID: "email", Name: "Email", Status: svcflow.ServiceLive}
	if err := f.desk.SaveService(ctx, nil, svc); err != nil {
		t.Fatal(err)
	}
	mk := func(title, symptoms, resolution string, services ...string) string {
		a, err := f.desk.CreateArticle(ctx, nil, desk.ArticlePatch{Title: &title, Symptoms: &symptoms, Resolution: &resolution, Services: &services})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.desk.SetArticleStatus(ctx, nil, a.ID, 0, svcflow.ArticlePublished); err != nil {
			t.Fatal(err)
		}
		f.advance(time.Minute)
		return a.ID
	}
	mailbox := mk("Mailbox full", "Outlook says the mailbox is over its quota", "Archive old mail", "email")
	printer := mk("Printer jammed", "Paper stuck; mention of mailbox in passing", "Open tray 3")
	password := mk("Password expired", "Cannot sign in after 90 days", "Reset it in the portal")

	tests := []struct {
		f    desk.ArticleFilter
		want []string
	}{
		{desk.ArticleFilter{Text: "mailbox"}, []string{mailbox, printer}}, // the title weighs more
		{desk.ArticleFilter{Text: "MAILBOX quota"}, []string{mailbox}},
		{desk.ArticleFilter{Text: "mail"}, []string{mailbox, printer}},                                  // prefixes match
		{desk.ArticleFilter{Text: "mailbox password", Any: true}, []string{mailbox, password, printer}}, // any order: rarer words weigh more
		{desk.ArticleFilter{Text: "mailbox password"}, nil},
		{desk.ArticleFilter{Text: "mailbox", Service: "email"}, []string{mailbox}},
		{desk.ArticleFilter{}, []string{password, printer, mailbox}}, // newest first
		{desk.ArticleFilter{Statuses: []svcflow.ArticleStatus{svcflow.ArticleDraft}}, nil},
	}
	for _, tt := range tests {
		tt.f.Limit = 10
		got, err := s.SearchArticles(ctx, tt.f)
		if err != nil {
			t.Errorf("%+v: %v", tt.f, err)
			continue
		}
		g := ids(got)
		if tt.f.Any {
			slices.Sort(g)
			slices.Sort(tt.want)
		}
		if !slices.Equal(g, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.f, ids(got), tt.want)
		}
	}
	// Query syntax in user text is inert on both engines: no error, and
	// only its words count.
	for _, q := range []string{`"`, `mailbox"`, `mailbox*`, `mailbox OR`, `NEAR(mailbox`, `-mailbox`, `title:mailbox`, `'mailbox'`,
		`mailbox & !printer`, `mailbox | password`, `(mailbox`, `\`, `^mailbox`, `mailbox:*`, `<->`, `*`, `AND`, `{title}: x`} {
		for _, any := range []bool{false, true} {
			if _, err := s.SearchArticles(ctx, desk.ArticleFilter{Text: q, Any: any, Limit: 10}); err != nil {
				t.Errorf("search %q (any %v): %v", q, any, err)
			}
		}
	}
}

func testKnowledgeFromItem(t *testing.T, s desk.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	w := f.open("Cannot reach the wiki", desk.OpenInput{Description: "Timeout from the office network"})
	if _, err := f.desk.ArticleFromItem(ctx, f.agent, w.ID, desk.ArticlePatch{Resolution: str("x")}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("article from an unresolved item: %v, want conflict", err)
	}
	if _, _, err := f.desk.PostComment(ctx, f.agent, w.ID, 0, "Flushed the DNS cache on the proxy", true); err != nil {
		t.Fatal(err)
	}
	w = f.resolve(w.ID)
	a, err := f.desk.ArticleFromItem(ctx, f.agent, w.ID, desk.ArticlePatch{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Cannot reach the wiki" || a.Symptoms != "Timeout from the office network" || a.Resolution != "Flushed the DNS cache on the proxy" || a.SourceItem != w.ID {
		t.Errorf("prefilled article %+v", a)
	}
	got, _ := s.Item(ctx, w.ID)
	if !slices.Contains(got.Links, svcflow.Link{Type: svcflow.LinkKnowledge, Other: a.ID}) || got.Version != w.Version+1 {
		t.Errorf("item links %v at version %d", got.Links, got.Version)
	}
	evs, _ := s.ItemEvents(ctx, w.ID)
	last := evs[len(evs)-1]
	if last.Type != svcflow.EventLinked || last.Data.Link != svcflow.LinkKnowledge || last.Data.Other != a.ID {
		t.Errorf("last item event %+v", last)
	}

	// Atomic: an item change at a stale version fails the whole save.
	n, _ := s.Events(ctx, 0, 1<<20)
	res, err := svcflow.Decide(got, svcflow.Env{Now: t0, Actor: f.agent.Actor(), Stream: mustStream(t, s, got)}, svcflow.AddLink{Type: svcflow.LinkKnowledge, Other: "KB-7"})
	if err != nil {
		t.Fatal(err)
	}
	b := &svcflow.Article{ID: "KB-7", Version: 1, Title: "t", Resolution: "r", Status: svcflow.ArticleDraft, Created: t0, Updated: t0}
	err = s.PutArticle(ctx, desk.ArticleWrite{Article: b, Revision: b.RevisionOf("alice"),
		Event: svcflow.Event{Item: svcflow.KnowledgeSubject, Time: t0, Actor: "alice", Type: svcflow.EventArticleSaved, After: b.ID},
		Items: []*desk.Change{{Item: res.Item, Expected: got.Version - 1, Events: res.Events}}})
	if err == nil {
		t.Fatal("a save with a stale item version succeeded")
	}
	if _, err := s.Article(ctx, "KB-7"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("the article of a failed save exists: %v", err)
	}
	if m, _ := s.Events(ctx, 0, 1<<20); len(m) != len(n) {
		t.Errorf("a failed save wrote %d events", len(m)-len(n))
	}

	// Linking an existing article, and only an existing one.
	w2 := f.open("Wiki slow", desk.OpenInput{})
	if _, err := f.desk.LinkArticle(ctx, f.agent, w2.ID, 0, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Act(ctx, f.agent, w2.ID, 0, svcflow.AddLink{Type: svcflow.LinkKnowledge, Other: "KB-999"}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("link to a missing article: %v, want invalid", err)
	}

	// A known error shows on the problem it documents.
	prb, err := f.desk.Open(ctx, f.agent, desk.OpenInput{Kind: svcflow.KindProblem, Title: "Proxy DNS cache goes stale"})
	if err != nil {
		t.Fatal(err)
	}
	ke, err := f.desk.CreateArticle(ctx, f.agent, desk.ArticlePatch{Title: str("Stale proxy DNS"), Workaround: str("Flush the cache"),
		KnownError: boolp(true), Problems: &[]string{prb.Item.ID}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Item(ctx, prb.Item.ID)
	if !slices.Contains(p.Links, svcflow.Link{Type: svcflow.LinkKnowledge, Other: ke.ID}) {
		t.Errorf("problem links %v, want %s", p.Links, ke.ID)
	}
	if _, err := f.desk.CreateArticle(ctx, f.agent, desk.ArticlePatch{Title: str("x"), Workaround: str("y"),
		KnownError: boolp(true), Problems: &[]string{w2.ID}}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("known error on an incident: %v, want invalid", err)
	}
}

func boolp(b bool) *bool { return &b }

func mustStream(t *testing.T, s desk.Store, w *svcflow.WorkItem) *svcflow.ValueStream {
	st, err := s.StreamRevision(context.Background(), w.Stream, w.StreamRevision)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func testKnowledgeDeflection(t *testing.T, s desk.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a, err := f.desk.CreateArticle(ctx, nil, desk.ArticlePatch{Title: str("Reset your password"), Resolution: str("Use the reset link")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.SetArticleStatus(ctx, nil, a.ID, 0, svcflow.ArticlePublished); err != nil {
		t.Fatal(err)
	}
	suggest := func(p *svcflow.Person) desk.SuggestionSession {
		t.Helper()
		ss, shown, err := f.desk.Suggest(ctx, p, "forgot my password", "")
		if err != nil || ss.ID == "" || len(shown) != 1 || shown[0].ID != a.ID {
			t.Fatalf("suggest: %+v %v %v", ss, ids(shown), err)
		}
		return ss
	}
	// Nothing matching: no session.
	if ss, shown, err := f.desk.Suggest(ctx, f.user, "printer toner", ""); err != nil || ss.ID != "" || len(shown) != 0 {
		t.Errorf("suggest without a match: %+v %v %v", ss, shown, err)
	}
	deflected := suggest(f.user)
	if err := f.desk.Solved(ctx, f.user, deflected.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.Solved(ctx, f.user, deflected.ID, a.ID); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("second solve: %v, want conflict", err)
	}
	if err := f.desk.Solved(ctx, f.other, deflected.ID, a.ID); svcflow.ErrorCodeOf(err) != svcflow.ErrNotFound {
		t.Errorf("someone else's session: %v, want not found", err)
	}
	if err := s.Deflect(ctx, "KS-none", a.ID, t0, svcflow.Event{}); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("deflect a missing session: %v", err)
	}
	submitted := suggest(f.user)
	if _, err := f.desk.Open(ctx, f.user, desk.OpenInput{Kind: svcflow.KindQuery, Title: "Still locked out", SuggestionSession: submitted.ID}); err != nil {
		t.Fatal(err)
	}
	// Solved, then submitted anyway: a submission, not a deflection.
	both := suggest(f.user)
	if err := f.desk.Solved(ctx, f.user, both.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Open(ctx, f.user, desk.OpenInput{Kind: svcflow.KindQuery, Title: "Did not help", SuggestionSession: both.ID}); err != nil {
		t.Fatal(err)
	}
	suggest(f.user) // shown, then left: neither
	if _, err := f.desk.Open(ctx, f.other, desk.OpenInput{Kind: svcflow.KindQuery, Title: "x", SuggestionSession: both.ID}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("opening from someone else's session: %v, want invalid", err)
	}
	agent := suggest(f.agent)
	if err := f.desk.Solved(ctx, f.agent, agent.ID, a.ID); err != nil {
		t.Fatal(err)
	}

	r, err := f.desk.Deflection(ctx, f.admin, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sessions != 4 || r.Deflections != 1 || r.Submissions != 2 || r.Rate == nil || *r.Rate != 1.0/3 || r.AgentSessions != 1 || r.AgentSolved != 1 {
		t.Errorf("report %+v", r)
	}
	r, _ = f.desk.Deflection(ctx, f.admin, t0.Add(time.Hour), time.Time{})
	if r.Sessions != 0 || r.Rate != nil {
		t.Errorf("report of a later window %+v", r)
	}
	if _, err := f.desk.Deflection(ctx, f.agent, time.Time{}, time.Time{}); svcflow.ErrorCodeOf(err) != svcflow.ErrForbidden {
		t.Errorf("agent read deflection: %v", err)
	}
}

// SearchSeeds are search texts full of FTS5 and tsquery syntax, for the
// stores' search fuzzers.
var SearchSeeds = []string{"mailbox", `"`, `mail"box OR NEAR(quota`, `-mailbox title:x`, `a & !b | c:* <-> 'd'`, `{title}: *`, `555-0100`, `Überweisung`, `\'`, `AND OR NOT`}

// SeedArticles writes a few published articles for search tests.
func SeedArticles(tb testing.TB, s desk.Store) {
	tb.Helper()
	ctx := context.Background()
	d := desk.New(desk.Options{Store: s, Now: func() time.Time { return t0 }})
	for _, a := range [][2]string{{"Mailbox full", "Archive old mail"}, {"Überweisung fehlgeschlagen", "Call 555-0100"}, {"VPN and NEAR-field badges", "Re-enrol the badge"}} {
		art, err := d.CreateArticle(ctx, nil, desk.ArticlePatch{Title: &a[0], Resolution: &a[1]})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := d.SetArticleStatus(ctx, nil, art.ID, 0, svcflow.ArticlePublished); err != nil {
			tb.Fatal(err)
		}
	}
}

// CheckArticleSearch searches for text with every word required and with
// any word enough: neither may fail, whatever the text holds, and what
// every word finds, any word finds too. Text the desk refuses before
// searching (invalid UTF-8, NUL) is skipped.
func CheckArticleSearch(t *testing.T, s desk.Store, text string) {
	if !utf8.ValidString(text) || strings.ContainsRune(text, 0) || len(text) > 2000 {
		t.Skip()
	}
	ctx := context.Background()
	all, err := s.SearchArticles(ctx, desk.ArticleFilter{Text: text, Limit: 100})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	any, err := s.SearchArticles(ctx, desk.ArticleFilter{Text: text, Any: true, Limit: 100})
	if err != nil {
		t.Fatalf("search any word of %q: %v", text, err)
	}
	for _, a := range all {
		if !slices.ContainsFunc(any, func(b *svcflow.Article) bool { return b.ID == a.ID }) {
			t.Fatalf("search %q: every word finds %s, any word does not", text, a.ID)
		}
	}
}

// testKnowledgeConcurrentSaves: saves racing from one version leave one
// winner, one revision per version and one event per save that won.
func testKnowledgeConcurrentSaves(t *testing.T, s desk.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a, err := f.desk.CreateArticle(ctx, f.agent, desk.ArticlePatch{Title: str("Disk full"), Resolution: str("Clean the temp folder")})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.desk.UpdateArticle(ctx, f.agent, a.ID, 1, desk.ArticlePatch{Cause: str(fmt.Sprintf("cause %d", i))})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case svcflow.ErrorCodeOf(err) != svcflow.ErrConflict:
			t.Errorf("a losing save: %v, want a conflict", err)
		}
	}
	revs, _ := s.ArticleRevisions(ctx, a.ID)
	evs, _ := s.KnowledgeEvents(ctx, time.Time{})
	if won != 1 || len(revs) != 2 || len(evs) != 2 {
		t.Errorf("%d saves won, %d revisions, %d events; want 1, 2, 2", won, len(revs), len(evs))
	}
}
