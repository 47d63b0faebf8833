package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// TestSuggestionsAsTheyType: the part the portal's script shows as a
// requester types lists matching published articles and records nothing;
// "This solved it" from it records one session with its deflection, and
// sending the form after seeing suggestions counts as a submission.
func TestSuggestionsAsTheyType(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	admin := &svcflow.Person{ID: "ada", Role: svcflow.RoleAdmin}
	title, res := "Printer jams on every page", "Open tray 2 and remove the torn sheet behind the roller."
	a, err := e.desk.CreateArticle(ctx, admin, desk.ArticlePatch{Title: &title, Resolution: &res})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.SetArticleStatus(ctx, admin, a.ID, a.Version, svcflow.ArticlePublished); err != nil {
		t.Fatal(err)
	}
	draftTitle := "Printer drafts nobody may read yet"
	if _, err := e.desk.CreateArticle(ctx, admin, desk.ArticlePatch{Title: &draftTitle, Resolution: &res}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.signIn("ursula", "ursula@example.org")
	_, form := b.do("GET", "/portal/request/-/problem", nil)
	if !strings.Contains(form, `<script src="/static/suggest.js" defer></script>`) || !strings.Contains(form, `id="typed-suggestions"`) {
		t.Fatalf("the problem form does not load its script:\n%s", form)
	}
	tok := csrf(t, form)
	events := e.eventCount()

	for _, tc := range []struct {
		q           string
		want, not   string
		cannotSolve bool
	}{
		{q: "printer jams", want: title, not: draftTitle},
		{q: "<script> printer jam", want: title, not: "<script>"},
		{q: "pr", want: "No article matches yet", cannotSolve: true},
		{q: "printer jams " + strings.Repeat("and then it happened again ", 200), want: title},
		{q: "unrelated words entirely", want: "No article matches yet", cannotSolve: true},
	} {
		res, part := b.do("GET", "/portal/suggestions?q="+url.QueryEscape(tc.q), nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(part, tc.want) || tc.not != "" && strings.Contains(part, tc.not) {
			t.Errorf("suggestions for %q: %d\n%s", tc.q, res.StatusCode, part)
		}
		if strings.Contains(part, "<html") {
			t.Errorf("suggestions for %q come inside a whole page", tc.q)
		}
		if solvable := strings.Contains(part, "This solved it"); solvable == tc.cannotSolve {
			t.Errorf("suggestions for %q: offers to solve %v", tc.q, solvable)
		}
	}
	if n := e.eventCount(); n != events {
		t.Errorf("looking up suggestions wrote %d events", n-events)
	}

	r, page := b.do("POST", "/portal/solved", url.Values{"csrf_token": {tok}, "text": {"printer jams"}, "article": {a.ID}})
	if r.StatusCode != http.StatusOK || !strings.Contains(page, "Nothing was sent") {
		t.Fatalf("this solved it: %d\n%s", r.StatusCode, page)
	}
	r, _ = b.do("POST", "/portal/request/-/problem", url.Values{"csrf_token": {tok}, "step": {"send"}, "title": {"printer jams still"}, "suggestions_seen": {"1"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("send after seeing suggestions: %d", r.StatusCode)
	}
	r, _ = b.do("POST", "/portal/request/-/problem", url.Values{"csrf_token": {tok}, "step": {"send"}, "title": {"my chair squeaks"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("send without suggestions: %d", r.StatusCode)
	}
	var rep struct{ Sessions, Deflections, Submissions int }
	e.must(200, "max", "GET", "/api/v1/knowledge/deflection", nil).json(t, &rep)
	if rep.Sessions != 2 || rep.Deflections != 1 || rep.Submissions != 1 {
		t.Errorf("deflection report %+v, want 2 sessions: 1 deflection and 1 submission", rep)
	}
	if r, _ := b.do("POST", "/portal/solved", url.Values{"text": {"printer jams"}, "article": {a.ID}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("solved without the token: %d, want 403", r.StatusCode)
	}
}
