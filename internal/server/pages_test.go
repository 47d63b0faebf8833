package server

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/streamdef"
)

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see each 303.
type browser struct {
	t *testing.T
	c *http.Client
	e *testEnv
}

func newBrowser(t *testing.T, e *testEnv) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.http.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	return res, string(page)
}

// csrf reads the synchronizer token of the page's form.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfFieldRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token field in\n%s", page)
	}
	return m[1]
}

// TestSignInPages: an anonymous visitor is sent to the sign-in page; its
// form carries a synchronizer token; a wrong password or a missing token
// is refused; signing in sets an HttpOnly, SameSite session cookie and
// leads home, whose navigation and list fit the role; signing out needs
// the session's token; every page sends the CSP.
func TestSignInPages(t *testing.T) {
	e := newTestEnv(t)
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.desk.SetPassword(context.Background(), nil, "ursula", hash); err != nil {
		t.Fatal(err)
	}
	mine := e.open("ursula", map[string]any{"kind": "incident", "title": "My <script>alert(1)</script> printer"})
	e.open("victor", map[string]any{"kind": "incident", "title": "Victor's laptop"})

	b := newBrowser(t, e)
	res, _ := b.do("GET", "/", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("anonymous /: %d to %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	res, page := b.do("GET", "/login", nil)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
		strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Fatalf("/login: %d, CSP %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	tok := csrf(t, page)

	form := url.Values{"email": {"ursula@example.org"}, "password": {"correct horse battery"}}
	if res, _ := b.do("POST", "/login", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the token: %d, want 403", res.StatusCode)
	}
	_, page = b.do("GET", "/login", nil)
	tok = csrf(t, page)
	wrong := url.Values{"email": {"ursula@example.org"}, "password": {"nope"}, "csrf_token": {tok}}
	res, page = b.do("POST", "/login", wrong)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Wrong email or password") || strings.Contains(res.Header.Get("Set-Cookie"), "svcflow_session") {
		t.Errorf("a wrong password: %d, cookies %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	form.Set("csrf_token", csrf(t, page))
	if res, _ := b.do("POST", "/login", form, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site sign-in: %d, want 403", res.StatusCode)
	}
	res, _ = b.do("POST", "/login", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == e.srv.sessionCookie() {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over http", session)
	}

	res, page = b.do("GET", "/", nil)
	if res.StatusCode != 200 || !strings.Contains(page, "Your requests") || !strings.Contains(page, mine.ID) {
		t.Fatalf("home: %d\n%s", res.StatusCode, page)
	}
	if strings.Contains(page, "Victor's laptop") || strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("home shows another requester's item, or the title unescaped:\n%s", page)
	}
	if res, _ := b.do("GET", "/login", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("/login when signed in: %d, want 303 home", res.StatusCode)
	}

	if res, _ := b.do("POST", "/logout", url.Values{"csrf_token": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %d, want 403", res.StatusCode)
	}
	res, _ = b.do("POST", "/logout", url.Values{"csrf_token": {csrf(t, page)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("sign-out: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := b.do("GET", "/", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("/ after signing out: %d, want 303", res.StatusCode)
	}
}

// signIn sets a password for the person and signs the browser in.
func (b *browser) signIn(person, email string) {
	b.t.Helper()
	hash, err := auth.HashPassword("pages test password")
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.e.desk.SetPassword(context.Background(), nil, person, hash); err != nil {
		b.t.Fatal(err)
	}
	_, page := b.do("GET", "/login", nil)
	res, _ := b.do("POST", "/login", url.Values{"email": {email}, "password": {"pages test password"}, "csrf_token": {csrf(b.t, page)}})
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d", person, res.StatusCode)
	}
}

// TestPortalRequest: a requester picks a catalogue entry, is told which
// required answer is missing, sends the request, lands on its page with
// its history in plain words, and comments there; another requester gets
// a not-found page for it.
func TestPortalRequest(t *testing.T) {
	e := newTestEnv(t)
	svc := &svcflow.Service{ID: "laptops", Name: "Laptops", Status: svcflow.ServiceLive, Catalogue: []svcflow.CatalogueEntry{
		{ID: "new-laptop", Name: "New laptop", Kind: svcflow.KindServiceRequest, Category: "hardware",
			Fields: []svcflow.FormField{{ID: "model", Label: "Which model", Type: "choice", Required: true, Choices: []string{"13-inch", "15-inch"}}}}}}
	if err := e.desk.SaveService(context.Background(), nil, svc); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.signIn("ursula", "ursula@example.org")
	res, page := b.do("GET", "/portal", nil)
	if res.StatusCode != 200 || !strings.Contains(page, `href="/portal/request/laptops/new-laptop"`) {
		t.Fatalf("portal: %d\n%s", res.StatusCode, page)
	}
	_, page = b.do("GET", "/portal/request/laptops/new-laptop", nil)
	tok := csrf(t, page)
	form := url.Values{"csrf_token": {tok}, "title": {"A laptop for <script>alert(1)</script>"}, "description": {"For the new starter"}}
	res, page = b.do("POST", "/portal/request/laptops/new-laptop", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Which model") {
		t.Fatalf("without the required answer: %d\n%s", res.StatusCode, page)
	}
	if !strings.Contains(page, `value="A laptop for &lt;script&gt;`) {
		t.Errorf("the form does not keep what was typed, escaped:\n%s", page)
	}
	form.Set("form.model", "13-inch")
	if res, _ := b.do("POST", "/portal/request/laptops/new-laptop", url.Values{"title": {"x"}, "form.model": {"13-inch"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a request without the session's token: %d, want 403", res.StatusCode)
	}
	res, _ = b.do("POST", "/portal/request/laptops/new-laptop", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/items/REQ-") {
		t.Fatalf("send: %d to %q", res.StatusCode, loc)
	}
	res, page = b.do("GET", loc, nil)
	if res.StatusCode != 200 || !strings.Contains(page, "Ursula User opened it.") || !strings.Contains(page, "&lt;script&gt;") || strings.Contains(page, "<script>alert") {
		t.Fatalf("item page: %d\n%s", res.StatusCode, page)
	}
	res, _ = b.do("POST", loc+"/comment", url.Values{"csrf_token": {csrf(t, page)}, "body": {"Any <b>news</b>?"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment: %d", res.StatusCode)
	}
	_, page = b.do("GET", loc, nil)
	if !strings.Contains(page, "Ursula User wrote:") || !strings.Contains(page, "Any &lt;b&gt;news&lt;/b&gt;?") {
		t.Errorf("the comment is not on the page, escaped:\n%s", page)
	}

	other := newBrowser(t, e)
	other.signIn("victor", "victor@example.org")
	if res, page := other.do("GET", loc, nil); res.StatusCode != http.StatusNotFound || !strings.Contains(page, "nothing here you may see") {
		t.Errorf("another requester on the item: %d", res.StatusCode)
	}
	if res, _ := other.do("GET", "/portal/request/laptops/old-laptop", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown entry: %d", res.StatusCode)
	}
}

// TestRequesterConfirmsReopensRates: on a resolved item's page its
// requester rates it, reopens it with a reason, and once it is resolved
// again confirms it, which closes it; nobody else sees those buttons.
func TestRequesterConfirmsReopensRates(t *testing.T) {
	e := newTestEnv(t)
	resolve := func(id string, first bool) {
		if first {
			e.action("alice", id, "start", nil)
			e.action("alice", id, "complete", nil)
		}
		e.action("alice", id, "start", nil)
		e.action("alice", id, "complete", map[string]any{"outcome": "fixed"})
	}
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Printer jams"})
	resolve(w.ID, true)
	b := newBrowser(t, e)
	b.signIn("ursula", "ursula@example.org")
	path := "/items/" + w.ID
	_, page := b.do("GET", path, nil)
	if !strings.Contains(page, "Is it fixed?") {
		t.Fatalf("no confirm, reopen or rate on the resolved item's page:\n%s", page)
	}
	tok := csrf(t, page)
	if res, _ := b.do("POST", path+"/act", url.Values{"csrf_token": {tok}, "action": {"feedback"}, "score": {"4"}, "comment": {"Quick"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rate: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", path+"/act", url.Values{"csrf_token": {tok}, "action": {"reopen"}, "reason": {"It jams again"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopen: %d", res.StatusCode)
	}
	var got workItem
	e.must(200, "ursula", "GET", "/api/v1/work-items/"+w.ID, nil).json(t, &got)
	if got.Feedback != 4 || got.Status != "in_progress" || got.Reopens != 1 {
		t.Fatalf("after rating and reopening: feedback %d, status %s, reopens %d", got.Feedback, got.Status, got.Reopens)
	}
	resolve(w.ID, false)
	if res, _ := b.do("POST", path+"/act", url.Values{"csrf_token": {"forged"}, "action": {"close"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("confirm with a forged token: %d, want 403", res.StatusCode)
	}
	if res, _ := b.do("POST", path+"/act", url.Values{"csrf_token": {tok}, "action": {"close"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	_, page = b.do("GET", path, nil)
	if !strings.Contains(page, "It was closed.") || !strings.Contains(page, "Ursula User rated it 4 of 5.") || strings.Contains(page, "Is it fixed?") {
		t.Errorf("after confirming:\n%s", page)
	}
	agent := newBrowser(t, e)
	agent.signIn("alice", "alice@example.org")
	w2 := e.open("ursula", map[string]any{"kind": "incident", "title": "Scanner"})
	resolve(w2.ID, true)
	if _, page := agent.do("GET", "/items/"+w2.ID, nil); strings.Contains(page, "Is it fixed?") {
		t.Errorf("an agent is offered the requester's buttons")
	}
}

// TestPortalSuggestions: reporting a problem, the requester first looks for
// an answer; "This solved it" records a deflection and opens nothing;
// sending after seeing suggestions counts as a submission.
func TestPortalSuggestions(t *testing.T) {
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
	b := newBrowser(t, e)
	b.signIn("ursula", "ursula@example.org")
	const form = "/portal/request/-/problem"
	_, page := b.do("GET", form, nil)
	tok := csrf(t, page)
	items := func() int {
		var l itemList
		e.must(200, "ada", "GET", "/api/v1/work-items", nil).json(t, &l)
		return len(l.Items)
	}
	before := items()

	r, page := b.do("POST", form, url.Values{"csrf_token": {tok}, "step": {"suggest"}, "title": {"the printer jams"}})
	if r.StatusCode != 200 || !strings.Contains(page, title) || !strings.Contains(page, "This solved it") {
		t.Fatalf("suggestions: %d\n%s", r.StatusCode, page)
	}
	session := regexp.MustCompile(`name="session" value="([^"]+)"`).FindStringSubmatch(page)
	if session == nil {
		t.Fatalf("no session in\n%s", page)
	}
	r, page = b.do("POST", "/portal/solved", url.Values{"csrf_token": {tok}, "session": {session[1]}, "article": {a.ID}})
	if r.StatusCode != 200 || !strings.Contains(page, "Nothing was sent") || items() != before {
		t.Fatalf("this solved it: %d, %d items (was %d)\n%s", r.StatusCode, items(), before, page)
	}

	_, page = b.do("POST", form, url.Values{"csrf_token": {tok}, "step": {"suggest"}, "title": {"printer jams again"}})
	second := regexp.MustCompile(`name="suggestion_session" value="([^"]+)"`).FindStringSubmatch(page)
	if second == nil {
		t.Fatalf("the form does not carry its suggestion session:\n%s", page)
	}
	r, _ = b.do("POST", form, url.Values{"csrf_token": {tok}, "step": {"send"}, "title": {"printer jams again"}, "suggestion_session": {second[1]}})
	if r.StatusCode != http.StatusSeeOther || items() != before+1 {
		t.Fatalf("send after suggestions: %d, %d items", r.StatusCode, items())
	}
	var rep struct{ Deflections, Submissions int }
	e.must(200, "max", "GET", "/api/v1/knowledge/deflection", nil).json(t, &rep)
	if rep.Deflections != 1 || rep.Submissions != 1 {
		t.Errorf("deflection report %+v, want 1 deflection and 1 submission", rep)
	}
}

// TestAgentWorkspace: an agent sees the team's queue in its order, pulls
// the best item, and works its steps from the item's page to resolution;
// an empty queue says so; requesters have no workspace.
func TestAgentWorkspace(t *testing.T) {
	e := newTestEnv(t)
	low := e.open("ursula", map[string]any{"kind": "incident", "title": "Wallpaper is ugly", "impact": 3, "urgency": 3})
	high := e.open("victor", map[string]any{"kind": "incident", "title": "Tills are down", "impact": 1, "urgency": 2})
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")
	res, page := b.do("GET", "/work", nil)
	if res.StatusCode != 200 || !strings.Contains(page, "service-desk") {
		t.Fatalf("workspace: %d\n%s", res.StatusCode, page)
	}
	if i, j := strings.Index(page, high.ID), strings.Index(page, low.ID); i < 0 || j < 0 || i > j {
		t.Errorf("the P2 %s should rank above the P5 %s:\n%s", high.ID, low.ID, page)
	}
	tok := csrf(t, page)
	res, _ = b.do("POST", "/work/service-desk/pull", url.Values{"csrf_token": {tok}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/items/"+high.ID {
		t.Fatalf("pull: %d to %q, want %s", res.StatusCode, res.Header.Get("Location"), high.ID)
	}
	work := func(action string, extra ...string) {
		t.Helper()
		form := url.Values{"csrf_token": {tok}, "action": {action}, "version": {itemVersion(t, e, high.ID)}}
		for i := 0; i+1 < len(extra); i += 2 {
			form.Set(extra[i], extra[i+1])
		}
		if res, page := b.do("POST", "/items/"+high.ID+"/staff", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", action, res.StatusCode, page)
		}
	}
	_, page = b.do("GET", "/items/"+high.ID, nil)
	if !strings.Contains(page, ">Complete</button>") {
		t.Fatalf("no Complete on the started step:\n%s", page)
	}
	work("complete")
	_, page = b.do("GET", "/items/"+high.ID, nil)
	if !strings.Contains(page, ">Start</button>") || !strings.Contains(page, "Escalate") {
		t.Fatalf("no Start or Escalate on the queued step:\n%s", page)
	}
	work("start")
	_, page = b.do("GET", "/items/"+high.ID, nil)
	if !strings.Contains(page, "Complete: fixed") || !strings.Contains(page, "Complete: not_fixed") {
		t.Fatalf("no outcomes on the active step:\n%s", page)
	}
	work("complete", "outcome", "fixed")
	var got workItem
	e.must(200, "alice", "GET", "/api/v1/work-items/"+high.ID, nil).json(t, &got)
	if got.Status != "resolved" {
		t.Errorf("after completing as fixed: %s", got.Status)
	}
	// The low item is next; after it is pulled and put on hold, the queue
	// is empty and pulling says so.
	b.do("POST", "/work/service-desk/pull", url.Values{"csrf_token": {tok}})
	if res, page := b.do("POST", "/items/"+low.ID+"/staff", url.Values{"csrf_token": {tok}, "action": {"escalate"}, "team": {"application-support"}, "version": {itemVersion(t, e, low.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("escalate: %d\n%s", res.StatusCode, page)
	}
	res, page = b.do("POST", "/work/service-desk/pull", url.Values{"csrf_token": {tok}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "role=\"alert\"") {
		t.Errorf("pulling an empty queue: %d\n%s", res.StatusCode, page)
	}
	// An internal comment stays among staff.
	if res, _ := b.do("POST", "/items/"+high.ID+"/comment", url.Values{"csrf_token": {tok}, "body": {"Vendor says the firmware is at fault"}, "internal": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("internal comment: %d", res.StatusCode)
	}
	if _, page := b.do("GET", "/items/"+high.ID, nil); !strings.Contains(page, "firmware is at fault") || !strings.Contains(page, "Internal: only staff") {
		t.Errorf("the agent does not see the internal comment, or the checkbox")
	}
	victor := newBrowser(t, e)
	victor.signIn("victor", "victor@example.org")
	if _, page := victor.do("GET", "/items/"+high.ID, nil); strings.Contains(page, "firmware") || strings.Contains(page, "Internal: only staff") {
		t.Errorf("the requester sees the internal comment or its checkbox:\n%s", page)
	}
	req := newBrowser(t, e)
	req.signIn("ursula", "ursula@example.org")
	if res, _ := req.do("GET", "/work", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a requester's workspace: %d, want 303 home", res.StatusCode)
	}
	if _, page := req.do("GET", "/", nil); strings.Contains(page, "Team queues") {
		t.Errorf("a requester is offered team queues")
	}
}

// TestKanbanBoard: a stream's board shows each step's queued and in
// progress cards with its WIP limit; pulling a card into a full step is
// refused with the reason, and the in-progress count follows each pull.
func TestKanbanBoard(t *testing.T) {
	e := newTestEnv(t)
	registerKanban(t, e)
	first := e.open("ursula", map[string]any{"kind": "incident", "title": "First card", "category": "kanban"})
	second := e.open("ursula", map[string]any{"kind": "incident", "title": "Second card", "category": "kanban"})
	if first.Stream != "kanban" {
		t.Fatalf("routed to %s", first.Stream)
	}
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")
	res, page := b.do("GET", "/streams/kanban/board", nil)
	if res.StatusCode != 200 || !strings.Contains(page, "Queued (2)") || !strings.Contains(page, "in progress 0 of 1") {
		t.Fatalf("board: %d\n%s", res.StatusCode, page)
	}
	tok := csrf(t, page)
	if res, _ := b.do("POST", "/streams/kanban/board/pull", url.Values{"csrf_token": {tok}, "item": {first.ID}, "version": {itemVersion(t, e, first.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pull the first card: %d", res.StatusCode)
	}
	_, page = b.do("GET", "/streams/kanban/board", nil)
	if !strings.Contains(page, "in progress 1 of 1 (full)") || !strings.Contains(page, "In progress (1)") {
		t.Errorf("after the first pull:\n%s", page)
	}
	res, page = b.do("POST", "/streams/kanban/board/pull", url.Values{"csrf_token": {tok}, "item": {second.ID}, "version": {itemVersion(t, e, second.ID)}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "at its WIP limit (1 of 1 in progress)") {
		t.Errorf("pulling into the full step: %d\n%s", res.StatusCode, page)
	}
	var got workItem
	e.must(200, "alice", "GET", "/api/v1/work-items/"+second.ID, nil).json(t, &got)
	if got.Visit == nil || got.Visit.State != "queued" {
		t.Errorf("the refused card is %+v, want still queued", got.Visit)
	}
	// Starting it from its page is the same pull, refused the same way.
	if res, _ := b.do("POST", "/items/"+second.ID+"/staff", url.Values{"csrf_token": {tok}, "action": {"start"}, "version": {itemVersion(t, e, second.ID)}}); res.StatusCode != http.StatusConflict {
		t.Errorf("start from the item's page into the full step: %d, want 409", res.StatusCode)
	}
	req := newBrowser(t, e)
	req.signIn("ursula", "ursula@example.org")
	if res, _ := req.do("GET", "/streams/kanban/board", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a requester's board: %d, want 303 home", res.StatusCode)
	}
}

// TestApprovalFromItemPage: a change at its authorization step offers
// approve and reject instead of start; the change manager approves it
// from the page, it moves on, and its history says who decided.
func TestApprovalFromItemPage(t *testing.T) {
	e := newTestEnv(t)
	ch := e.open("cm", map[string]any{"kind": "change", "title": "Patch the mail gateway", "category": "normal"})
	e.action("cm", ch.ID, "start", nil)
	ch = e.action("cm", ch.ID, "complete", nil)
	if ch.Visit == nil || ch.Visit.Step != "authorize" {
		t.Fatalf("the change is at %+v, want authorize", ch.Visit)
	}
	b := newBrowser(t, e)
	b.signIn("cm", "cm@example.org")
	_, page := b.do("GET", "/items/"+ch.ID, nil)
	if !strings.Contains(page, ">Approve</button>") || !strings.Contains(page, ">Reject</button>") || strings.Contains(page, ">Start</button>") {
		t.Fatalf("the approval step's page:\n%s", page)
	}
	tok := csrf(t, page)
	if res, _ := b.do("POST", "/items/"+ch.ID+"/staff", url.Values{"csrf_token": {tok}, "action": {"approve"}, "version": {itemVersion(t, e, ch.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	var got workItem
	e.must(200, "cm", "GET", "/api/v1/work-items/"+ch.ID, nil).json(t, &got)
	if got.Visit == nil || got.Visit.Step != "schedule" {
		t.Errorf("after approval the change is at %+v, want schedule", got.Visit)
	}
	_, page = b.do("GET", "/items/"+ch.ID, nil)
	if !strings.Contains(page, "Chris Change decided: approve.") {
		t.Errorf("the history does not tell the approval:\n%s", page)
	}
}

// kanbanStream is a one-step stream whose step takes one item at a time.
const kanbanStream = `schema: svcflow/stream/v1
id: kanban
revision: 1
name: Kanban trial
reopen_to: fix
applies_to: {categories: [kanban]}
steps:
  - id: fix
    name: Fix it
    activity: deliver_support
    team: service-desk
    wip_limit: 1
    raci: {accountable: lead}
    resolves: true
    next: [{to: value}]
`

// registerKanban adds kanbanStream to the test server's streams.
func registerKanban(t *testing.T, e *testEnv) {
	t.Helper()
	streams, diags := streamdef.Load(map[string][]byte{"kanban.yaml": []byte(kanbanStream)})
	if streamdef.HasErrors(diags) {
		t.Fatal(diags)
	}
	if err := e.desk.RegisterStreams(context.Background(), svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
}

// itemVersion is the item's version now, as its page's forms carry it.
func itemVersion(t *testing.T, e *testEnv, id string) string {
	t.Helper()
	var w workItem
	e.must(200, "ada", "GET", "/api/v1/work-items/"+id, nil).json(t, &w)
	return strconv.Itoa(w.Version)
}
