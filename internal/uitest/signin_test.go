package uitest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
)

// csp is the Content-Security-Policy every page must send (SPEC §8).
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// TestSignIn: an anonymous visitor to / lands on the sign-in form; signing
// in sets a session cookie the page's scripts cannot read, limited to
// same-site requests (not Secure: the server is plain http); home fits
// the role.
func TestSignIn(t *testing.T) {
	start(t)
	anon := newPerson(t, "")
	anon.open("/")
	if got := anon.location(); !strings.HasSuffix(got, "/login") {
		t.Fatalf("anonymous / went to %s, want /login", got)
	}
	if got := anon.status(); got != http.StatusOK {
		t.Errorf("sign-in page: %d", got)
	}
	if !anon.inlineScriptBlocked() {
		t.Error("a script written into the sign-in page ran: the CSP does not hold")
	}
	if n := eval[int](anon, `document.querySelectorAll('form[action="/login"] input[type=hidden][name=csrf_token]').length`); n != 1 {
		t.Errorf("%d csrf_token fields on the sign-in form", n)
	}
	anon.accessible("sign-in")
	anon.shot("01-sign-in")

	req := newPerson(t, "olivia.hart@demo.svcflow.test")
	if h := req.text("h1"); !strings.Contains(h, "Olivia") {
		t.Errorf("requester's home heading %q", h)
	}
	if got := req.text("main h2"); got != "Your requests" {
		t.Errorf("requester's home lists %q", got)
	}
	var session *network.Cookie
	for _, c := range req.cookies() {
		if c.Name == "svcflow_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("no session cookie among %v", req.cookies())
	}
	if !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax || session.Secure {
		t.Errorf("session cookie HttpOnly %v SameSite %q Secure %v; want HttpOnly, Lax, not Secure over http", session.HTTPOnly, session.SameSite, session.Secure)
	}
	if got := eval[string](req, `document.cookie`); strings.Contains(got, "svcflow_session") {
		t.Errorf("the page's scripts can read the session cookie: %q", got)
	}
	req.accessible("requester home")
	req.shot("02-requester-home")
}

// TestAxeCatchesViolations: the accessibility check finds what it is for,
// so a page that passes it passed a real check.
func TestAxeCatchesViolations(t *testing.T) {
	start(t)
	p := newPerson(t, "")
	p.open("/login")
	eval[bool](p, `(() => { const i = document.createElement("img"); i.src = "/static/nothing.png"; document.body.append(i); document.getElementById("email").removeAttribute("id"); return true })()`)
	found := map[string]bool{}
	for _, v := range p.violations("a broken sign-in page") {
		found[v.ID] = true
	}
	for _, want := range []string{"image-alt", "label"} {
		if !found[want] {
			t.Errorf("axe missed %s; found %v", want, found)
		}
	}
}
