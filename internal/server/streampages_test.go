package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/auth"
)

// liveCount reads a step's count ("queue" or "in-progress") from the live
// map's SVG.
func liveCount(t *testing.T, page, step, what string) string {
	t.Helper()
	re := regexp.MustCompile(`data-step="` + step + `"[^>]*data-queue="(\d+)" data-in-progress="(\d+)"`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no live counts of step %s in\n%s", step, page)
	}
	if what == "queue" {
		return m[1]
	}
	return m[2]
}

// TestLiveStreamMap: a stream's live map counts the queue and the work in
// progress at each step from the items there now, and follows a pull; it
// updates itself; the design page shows every step's template; the
// observed-flow page compares finished items with the design; requesters
// are sent home.
func TestLiveStreamMap(t *testing.T) {
	e := newTestEnv(t)
	registerKanban(t, e)
	first := e.open("ursula", map[string]any{"kind": "incident", "title": "First <script>alert(1)</script>", "category": "kanban"})
	e.open("ursula", map[string]any{"kind": "incident", "title": "Second card", "category": "kanban"})
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")

	res, page := b.do("GET", "/streams/kanban", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("live map: %d\n%s", res.StatusCode, page)
	}
	if q, p := liveCount(t, page, "fix", "queue"), liveCount(t, page, "fix", "in-progress"); q != "2" || p != "0" {
		t.Errorf("before the pull: queue %s, in progress %s; want 2 and 0", q, p)
	}
	if !strings.Contains(page, `data-live-every="30"`) || !strings.Contains(page, `<script src="/static/live.js" defer></script>`) || !strings.Contains(page, `id="live-map" data-live`) {
		t.Error("the live map does not update itself")
	}
	if !strings.Contains(page, `class="lane"`) {
		t.Error("the live map has no swim lanes")
	}
	if _, board := b.do("GET", "/streams/kanban/board", nil); strings.Contains(board, "<script>alert") || !strings.Contains(board, "First &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the card's title is not shown escaped on the board:\n%s", board)
	}
	tok := csrf(t, page)
	if res, _ := b.do("POST", "/streams/kanban/board/pull", url.Values{"csrf_token": {tok}, "item": {first.ID}, "version": {itemVersion(t, e, first.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pull: %d", res.StatusCode)
	}
	_, page = b.do("GET", "/streams/kanban", nil)
	if q, p := liveCount(t, page, "fix", "queue"), liveCount(t, page, "fix", "in-progress"); q != "1" || p != "1" {
		t.Errorf("after the pull: queue %s, in progress %s; want 1 and 1", q, p)
	}
	if !strings.Contains(page, `<td data-in-progress="1">1 of 1 <span class="flag">full</span>`) {
		t.Errorf("the step table does not show the full step:\n%s", page)
	}

	// Finish the first item: the observed flow has one finished item that
	// followed the design.
	e.action("alice", first.ID, "resolve", nil)
	e.action("ursula", first.ID, "close", nil)
	if res, _ := b.do("GET", "/streams/kanban/flow", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an agent's observed flow, which names items of every team: %d, want 403", res.StatusCode)
	}
	mgr := newBrowser(t, e)
	mgr.signIn("max", "max@example.org")
	_, page = mgr.do("GET", "/streams/kanban/flow", nil)
	if !strings.Contains(page, "<dd>1 of 1</dd>") || !strings.Contains(page, "Every finished item followed the design.") {
		t.Errorf("observed flow:\n%s", page)
	}
	_, page = b.do("GET", "/streams/kanban/design", nil)
	if !strings.Contains(page, `Fix it</h2>`) || !strings.Contains(page, "service-desk") {
		t.Errorf("design page has no step template:\n%s", page)
	}
	_, page = b.do("GET", "/streams", nil)
	if !strings.Contains(page, `href="/streams/kanban"`) || !strings.Contains(page, `href="/streams/kanban/board"`) {
		t.Errorf("stream list:\n%s", page)
	}

	req := newBrowser(t, e)
	req.signIn("ursula", "ursula@example.org")
	for _, path := range []string{"/streams", "/streams/kanban", "/streams/kanban/design"} {
		if res, _ := req.do("GET", path, nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a requester's %s: %d, want 303 home", path, res.StatusCode)
		}
	}
	if res, _ := req.do("GET", "/streams/kanban/flow", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a requester's observed flow: %d, want 403", res.StatusCode)
	}
	if res, page := b.do("GET", "/streams/nope", nil); res.StatusCode != http.StatusNotFound || !strings.Contains(page, "Not found") {
		t.Errorf("unknown stream: %d\n%s", res.StatusCode, page)
	}
}

// TestStaffFormsNeedTheirVersion: an item's staff form or a board card
// posted without the version it was read at is refused and changes
// nothing; a requester's post to a staff route is refused, not sent home.
func TestStaffFormsNeedTheirVersion(t *testing.T) {
	e := newTestEnv(t)
	registerKanban(t, e)
	item := e.open("ursula", map[string]any{"kind": "incident", "title": "A card", "category": "kanban"})
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")
	_, page := b.do("GET", "/streams/kanban/board", nil)
	tok := csrf(t, page)
	before := itemVersion(t, e, item.ID)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/items/" + item.ID + "/staff", url.Values{"csrf_token": {tok}, "action": {"start"}}},
		{"/items/" + item.ID + "/staff", url.Values{"csrf_token": {tok}, "action": {"start"}, "version": {"0"}}},
		{"/streams/kanban/board/pull", url.Values{"csrf_token": {tok}, "item": {item.ID}}},
		{"/streams/kanban/board/pull", url.Values{"csrf_token": {tok}, "item": {item.ID}, "version": {"x"}}},
	} {
		if res, _ := b.do("POST", tc.path, tc.form); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s %v: %d, want 422", tc.path, tc.form, res.StatusCode)
		}
	}
	if res, _ := b.do("POST", "/streams/kanban/board/pull", url.Values{"csrf_token": {tok}, "item": {item.ID}, "version": {"99"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("a stale card: %d, want 409", res.StatusCode)
	}
	if got := itemVersion(t, e, item.ID); got != before {
		t.Errorf("refused forms changed the item: version %s, was %s", got, before)
	}
	req := newBrowser(t, e)
	req.signIn("ursula", "ursula@example.org")
	_, page = req.do("GET", "/", nil)
	if res, _ := req.do("POST", "/work/service-desk/pull", url.Values{"csrf_token": {csrf(t, page)}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a requester pulling: %d, want 403", res.StatusCode)
	}
}

func TestSLACountdown(t *testing.T) {
	now := t0
	for _, tc := range []struct {
		due         time.Duration
		text, state string
	}{
		{23*time.Hour + 17*time.Minute + 40*time.Second, "due in 23 h 18 min", "ok"},
		{45 * time.Minute, "due in 45 min", "warning"},
		{-(26*time.Hour + 5*time.Minute), "overdue by 1 d 2 h", "breached"},
		{50 * time.Hour, "due in 2 d 2 h", "ok"},
	} {
		text, state := slaCountdown(now.Add(tc.due), now)
		if text != tc.text || state != tc.state {
			t.Errorf("due in %v: %q %q, want %q %q", tc.due, text, state, tc.text, tc.state)
		}
	}
	if text, state := slaCountdown(time.Time{}, now); text != "" || state != "" {
		t.Errorf("no SLA: %q %q", text, state)
	}
}

// TestSecureCookies: behind an https public URL (SecureCookies), signing in
// on the page sets a Secure, HttpOnly, SameSite session cookie under the
// __Host- prefix, and the sign-in form's own token cookie is Secure too.
func TestSecureCookies(t *testing.T) {
	e := newTestEnv(t)
	srv, err := New(Options{Desk: e.desk, SecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetReady()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	hash, err := auth.HashPassword("a secure password")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.desk.SetPassword(context.Background(), nil, "ursula", hash); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(hs.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var login *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == loginCookie {
			login = ck
		}
	}
	if login == nil || !login.Secure || !login.HttpOnly || login.SameSite != http.SameSiteStrictMode {
		t.Errorf("sign-in form cookie %+v: want Secure, HttpOnly, SameSite=Strict", login)
	}
	form := url.Values{"email": {"ursula@example.org"}, "password": {"a secure password"}, "csrf_token": {csrf(t, string(page))}}
	req, _ := http.NewRequest("POST", hs.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: loginCookie, Value: login.Value})
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-svcflow_session" {
			session = ck
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Errorf("sign in: %d, session cookie %+v; want __Host-svcflow_session, Secure, HttpOnly, SameSite=Lax, Path=/", res.StatusCode, session)
	}
}

// TestHomePages: home lists a requester's items 25 at a time, newest
// first, with a link to the older ones, which lists the rest.
func TestHomePages(t *testing.T) {
	e := newTestEnv(t)
	for i := range 30 {
		e.open("ursula", map[string]any{"kind": "incident", "title": fmt.Sprintf("Problem number %02d", i)})
	}
	b := newBrowser(t, e)
	b.signIn("ursula", "ursula@example.org")
	_, page := b.do("GET", "/", nil)
	if n := strings.Count(page, `<tr><td><a href="/items/`); n != 25 || !strings.Contains(page, "Problem number 29") || strings.Contains(page, "Problem number 04<") {
		t.Errorf("the first page lists %d items:\n%s", n, page)
	}
	m := regexp.MustCompile(`<a href="(/\?before=\d+)">Older items</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no link to older items:\n%s", page)
	}
	_, page = b.do("GET", m[1], nil)
	if n := strings.Count(page, `<tr><td><a href="/items/`); n != 5 || !strings.Contains(page, "Problem number 00") || strings.Contains(page, "Older items") {
		t.Errorf("the second page lists %d items:\n%s", n, page)
	}
}
