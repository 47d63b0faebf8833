package server

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/flow"
)

var ursula = &svcflow.Person{ID: "ursula", Role: svcflow.RoleRequester}

func strp(s string) *string { return &s }

// publishedArticle writes and publishes an article as the system.
func (e *testEnv) publishedArticle(title string) *svcflow.Article {
	e.t.Helper()
	ctx := context.Background()
	a, err := e.desk.CreateArticle(ctx, nil, desk.ArticlePatch{Title: strp(title), Resolution: strp("Restart it")})
	if err != nil {
		e.t.Fatal(err)
	}
	if a, err = e.desk.SetArticleStatus(ctx, nil, a.ID, 0, svcflow.ArticlePublished); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// checked sends a request, fails unless the status matches, and checks
// both bodies against the OpenAPI document.
func (e *testEnv) checked(doc map[string]any, status int, who, method, path string, body any, headers ...string) response {
	e.t.Helper()
	if body != nil {
		validateRequest(e.t, doc, method, path, body)
	}
	r := e.must(status, who, method, path, body, headers...)
	validateResponse(e.t, doc, method, strings.SplitN(path, "?", 2)[0], r.status, r.body)
	return r
}

func TestKnowledgeArticlesAPI(t *testing.T) {
	e := newTestEnv(t)
	doc := loadDoc(t, e)
	var a svcflow.Article
	r := e.checked(doc, 201, "alice", "POST", "/api/v1/knowledge/articles", map[string]any{
		"title": "Outlook asks for the password again and again", "symptoms": "A password prompt every few minutes",
		"resolution": "Remove the cached credentials in the credential manager", "keywords": []string{"outlook", "credentials"}})
	r.json(t, &a)
	if a.ID == "" || a.Status != svcflow.ArticleDraft || r.header.Get("ETag") != `"v1"` || r.header.Get("Location") != "/api/v1/knowledge/articles/"+a.ID {
		t.Fatalf("created %+v, headers %v", a, r.header)
	}
	path := "/api/v1/knowledge/articles/" + a.ID

	// Requesters do not see drafts.
	e.must(404, "ursula", "GET", path, nil)
	var list articleList
	e.checked(doc, 200, "ursula", "GET", "/api/v1/knowledge/articles?q=outlook", nil).json(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("requester found a draft: %+v", list.Items)
	}

	// PATCH needs If-Match, and the current one.
	e.must(428, "alice", "PATCH", path, map[string]any{"cause": "An expired token"})
	e.checked(doc, 200, "alice", "PATCH", path, map[string]any{"cause": "An expired token"}, "If-Match", `"v1"`).json(t, &a)
	e.must(412, "alice", "PATCH", path, map[string]any{"cause": "x"}, "If-Match", `"v1"`)
	if a.Version != 2 || a.Cause != "An expired token" {
		t.Errorf("patched %+v", a)
	}

	// Publishing is for managers, admins and the knowledge team.
	e.must(403, "alice", "POST", path+"/publish", nil)
	e.checked(doc, 200, "max", "POST", path+"/publish", nil, "If-Match", `"v2"`).json(t, &a)
	e.must(409, "max", "POST", path+"/publish", nil)
	e.checked(doc, 200, "ursula", "GET", path, nil)
	e.checked(doc, 200, "ursula", "GET", "/api/v1/knowledge/articles?q=PASSWORD+prompt", nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != a.ID {
		t.Errorf("requester search: %+v", list.Items)
	}
	var revs revisionList
	e.checked(doc, 200, "alice", "GET", path+"/revisions", nil).json(t, &revs)
	if len(revs.Items) != 3 || revs.Items[0].Cause != "" || revs.Items[1].Cause != "An expired token" || revs.Items[2].Status != svcflow.ArticlePublished {
		t.Errorf("revisions %+v", revs.Items)
	}
	e.must(403, "ursula", "GET", path+"/revisions", nil)

	// Bad input names every wrong field.
	r = e.must(422, "alice", "POST", "/api/v1/knowledge/articles", map[string]any{"title": "", "services": []string{"No Such"}})
	for _, f := range []string{`"title"`, `"resolution"`, `"services"`} {
		if !strings.Contains(string(r.body), `"field":`+f) {
			t.Errorf("no error on %s: %s", f, r.body)
		}
	}
	e.must(422, "alice", "GET", "/api/v1/knowledge/articles?status=live", nil)

	e.checked(doc, 200, "ada", "POST", path+"/retire", nil)
	e.must(404, "ursula", "GET", path, nil)
}

// TestArticleFromResolvedItem writes an article from what solved an item,
// prefilled from it, and the item shows the link.
func TestArticleFromResolvedItem(t *testing.T) {
	e := newTestEnv(t)
	doc := loadDoc(t, e)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Teams calls drop", "description": "Every call ends after a minute"})
	e.must(409, "alice", "POST", "/api/v1/work-items/"+w.ID+"/articles", nil)
	e.action("alice", w.ID, "complete", nil)
	e.action("alice", w.ID, "comment", map[string]any{"body": "Switched the client to the new media relay", "public": true})
	e.action("alice", w.ID, "complete", map[string]any{"outcome": "fixed"})
	e.must(403, "ursula", "POST", "/api/v1/work-items/"+w.ID+"/articles", nil)
	e.must(404, "bob", "POST", "/api/v1/work-items/"+w.ID+"/articles", nil)
	var a svcflow.Article
	e.checked(doc, 201, "alice", "POST", "/api/v1/work-items/"+w.ID+"/articles", map[string]any{"keywords": []string{"teams"}}).json(t, &a)
	if a.Title != "Teams calls drop" || a.Symptoms != "Every call ends after a minute" || a.Resolution != "Switched the client to the new media relay" || a.SourceItem != w.ID {
		t.Errorf("article %+v", a)
	}
	var got workItem
	e.must(200, "alice", "GET", "/api/v1/work-items/"+w.ID, nil).json(t, &got)
	if !slices.Contains(got.Links, svcflow.Link{Type: svcflow.LinkKnowledge, Other: a.ID}) {
		t.Errorf("item links %v", got.Links)
	}
	// The generic link action takes knowledge links, to existing articles only.
	v := e.open("ursula", map[string]any{"kind": "incident", "title": "Teams again"})
	e.action("alice", v.ID, "link", map[string]any{"type": "knowledge", "other": a.ID})
	e.must(422, "alice", "POST", "/api/v1/work-items/"+v.ID+"/link", map[string]any{"type": "knowledge", "other": "KB-9"})
}

// TestDeflectionAPI follows SPEC §3: a portal session marked solved with
// no item submitted is a deflection; one an item is opened from is a
// submission, even after it was marked solved.
func TestDeflectionAPI(t *testing.T) {
	e := newTestEnv(t)
	doc := loadDoc(t, e)
	a := e.publishedArticle("Reset a forgotten password")
	draft, err := e.desk.CreateArticle(context.Background(), nil, desk.ArticlePatch{Title: strp("Password policy draft"), Resolution: strp("x")})
	if err != nil {
		t.Fatal(err)
	}
	suggest := func(who string) string {
		t.Helper()
		var res suggestionResult
		e.checked(doc, 200, who, "POST", "/api/v1/knowledge/suggestions", map[string]any{"text": "I forgot my password"}).json(t, &res)
		if res.Session == "" || len(res.Articles) != 1 || res.Articles[0].ID != a.ID {
			t.Fatalf("suggestions %+v (the draft %s must not be offered)", res, draft.ID)
		}
		return res.Session
	}
	solved := func(status int, who, session, article string) {
		t.Helper()
		e.checked(doc, status, who, "POST", "/api/v1/knowledge/suggestions/"+session+"/solved", map[string]any{"article": article})
	}
	var none suggestionResult
	e.checked(doc, 200, "ursula", "POST", "/api/v1/knowledge/suggestions", map[string]any{"text": "printer toner"}).json(t, &none)
	if none.Session != "" || len(none.Articles) != 0 {
		t.Errorf("suggestions without a match: %+v", none)
	}
	e.must(422, "ursula", "POST", "/api/v1/knowledge/suggestions", map[string]any{"text": " "})

	s1 := suggest("ursula")
	e.must(422, "ursula", "POST", "/api/v1/knowledge/suggestions/"+s1+"/solved", map[string]any{"article": draft.ID})
	e.must(404, "victor", "POST", "/api/v1/knowledge/suggestions/"+s1+"/solved", map[string]any{"article": a.ID})
	solved(200, "ursula", s1, a.ID)
	e.must(409, "ursula", "POST", "/api/v1/knowledge/suggestions/"+s1+"/solved", map[string]any{"article": a.ID})
	events := e.eventCount()
	s2 := suggest("ursula")
	e.open("ursula", map[string]any{"kind": "query", "title": "Still locked out", "suggestion_session": s2})
	e.must(422, "victor", "POST", "/api/v1/work-items", map[string]any{"kind": "query", "title": "x", "suggestion_session": s2})
	s3 := suggest("victor")
	solved(200, "victor", s3, a.ID)
	e.open("victor", map[string]any{"kind": "query", "title": "It did not help", "suggestion_session": s3})
	suggest("victor") // shown and left: neither
	if n := e.eventCount(); n <= events {
		t.Errorf("no events recorded: %d, %d", events, n)
	}

	var rep desk.DeflectionReport
	e.must(403, "alice", "GET", "/api/v1/knowledge/deflection", nil)
	e.checked(doc, 200, "max", "GET", "/api/v1/knowledge/deflection?from=2026-03-01&to=2026-03-03", nil).json(t, &rep)
	if rep.Sessions != 4 || rep.Deflections != 1 || rep.Submissions != 2 || rep.Rate == nil || *rep.Rate != 1.0/3 {
		t.Errorf("deflection %+v", rep)
	}
	e.checked(doc, 200, "max", "GET", "/api/v1/knowledge/deflection?from=2026-03-03", nil).json(t, &rep)
	if rep.Sessions != 0 || rep.Rate != nil {
		t.Errorf("deflection of a later window %+v", rep)
	}
	e.must(422, "max", "GET", "/api/v1/knowledge/deflection?from=yesterday", nil)

	// Suggestion sessions are not work items: the flow analytics do not
	// count them.
	var fl flow.Analysis
	e.must(200, "max", "GET", "/api/v1/analytics/flow", nil).json(t, &fl)
	if fl.Cases != 2 {
		t.Errorf("analytics count %d cases, want the 2 items", fl.Cases)
	}
}

// TestLinkedArticleRaisesFCR is the acceptance of SPEC §3 FCR with
// knowledge: an agent who links an article and resolves a query at step 2
// (investigate, outcome fixed) adds one first-contact resolution, measured
// from the store's event log by the flow analytics.
func TestLinkedArticleRaisesFCR(t *testing.T) {
	e := newTestEnv(t)
	fcr := func() flow.Share {
		t.Helper()
		var a flow.Analysis
		e.must(200, "max", "GET", "/api/v1/analytics/flow?stream=restore-live-service", nil).json(t, &a)
		return a.Outcome.FCR
	}
	// A resolution after an escalation: not first contact.
	x := e.open("ursula", map[string]any{"kind": "incident", "title": "CRM is slow"})
	e.action("alice", x.ID, "complete", nil)
	e.action("alice", x.ID, "escalate", map[string]any{"team": "application-support"})
	e.action("bob", x.ID, "start", nil)
	e.action("bob", x.ID, "complete", map[string]any{"outcome": "fixed"})
	before := fcr()
	if before.Count != 0 || before.Of != 1 {
		t.Fatalf("FCR before %+v, want 0 of 1", before)
	}

	kb := e.publishedArticle("Clear the Teams cache")
	q := e.open("ursula", map[string]any{"kind": "query", "title": "Teams shows an old status"})
	if q.Stream != "restore-live-service" {
		t.Fatalf("query routed to %s", q.Stream)
	}
	e.action("alice", q.ID, "complete", nil) // step 1, register
	e.action("alice", q.ID, "link", map[string]any{"type": "knowledge", "other": kb.ID})
	e.action("alice", q.ID, "start", nil)
	w := e.action("alice", q.ID, "complete", map[string]any{"outcome": "fixed"}) // step 2, investigate
	if w.Status != svcflow.StatusResolved || !slices.Contains(w.Links, svcflow.Link{Type: svcflow.LinkKnowledge, Other: kb.ID}) {
		t.Fatalf("item %s %v", w.Status, w.Links)
	}
	after := fcr()
	if after.Count != before.Count+1 || after.Of != before.Of+1 || after.Rate == nil || *after.Rate != 0.5 {
		t.Errorf("FCR after %+v, want one more of one more (rate 0.5)", after)
	}
}

// TestKnowledgeIdempotencyKey: a repeated POST with the same key writes one
// article and records one deflection.
func TestKnowledgeIdempotencyKey(t *testing.T) {
	e := newTestEnv(t)
	body := map[string]any{"title": "Monitor flickers", "resolution": "Replace the cable"}
	r1 := e.must(201, "alice", "POST", "/api/v1/knowledge/articles", body, "Idempotency-Key", "kb-1")
	r2 := e.must(201, "alice", "POST", "/api/v1/knowledge/articles", body, "Idempotency-Key", "kb-1")
	if string(r1.body) != string(r2.body) || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the repeat did not return the original answer:\n%s\n%s", r1.body, r2.body)
	}
	var list articleList
	e.must(200, "alice", "GET", "/api/v1/knowledge/articles", nil).json(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("%d articles after a repeated POST, want 1", len(list.Items))
	}
	a := e.publishedArticle("Monitor stays black")
	var res suggestionResult
	e.must(200, "ursula", "POST", "/api/v1/knowledge/suggestions", map[string]any{"text": "black monitor"}).json(t, &res)
	path := "/api/v1/knowledge/suggestions/" + res.Session + "/solved"
	e.must(200, "ursula", "POST", path, map[string]any{"article": a.ID}, "Idempotency-Key", "kb-2")
	e.must(200, "ursula", "POST", path, map[string]any{"article": a.ID}, "Idempotency-Key", "kb-2")
	var rep desk.DeflectionReport
	e.must(200, "max", "GET", "/api/v1/knowledge/deflection", nil).json(t, &rep)
	if rep.Deflections != 1 || rep.Sessions != 1 {
		t.Errorf("deflection %+v", rep)
	}
}
