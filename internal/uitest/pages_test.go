package uitest

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/demo"
)

// firstLink is the href of the first link in the page matching sel.
func firstLink(p *person, sel string) string {
	p.t.Helper()
	href := eval[string](p, `(document.querySelector('`+sel+`') || {}).getAttribute ? document.querySelector('`+sel+`').getAttribute("href") : ""`)
	if href == "" {
		p.t.Fatalf("no link %s on %s", sel, p.location())
	}
	return href
}

// TestMainPages opens every main page as the role it is for: each answers
// 200 with the policy that stops injected scripts, passes axe-core with no
// serious or critical violation, and is saved as a screenshot.
func TestMainPages(t *testing.T) {
	start(t)
	req := newPerson(t, requesterEmail)
	agent := newPerson(t, agentEmail)
	mgr := newPerson(t, managerEmail)
	admin := newPerson(t, adminEmail)

	req.open("/")
	reqItem := firstLink(req, `main a[href^="/items/"]`)
	mgr.open("/improvements")
	improvement := firstLink(mgr, `main table a[href^="/improvements/"]:not([href$="/new"])`)
	mgr.open("/knowledge")
	article := firstLink(mgr, `main a[href^="/knowledge/"]:not([href$="/new"])`)

	pages := []struct {
		who        *person
		name, path string
	}{
		{req, "10-requester-item", reqItem},
		{req, "11-report-a-problem", "/portal/request/-/problem"},
		{req, "12-knowledge-requester", "/knowledge?q=password"},
		{agent, "13-search", "/search?q=printer"},
		{agent, "14-streams", "/streams"},
		{agent, "15-stream-design", "/streams/restore-live-service/design"},
		{mgr, "16-observed-flow", "/streams/restore-live-service/flow"},
		{agent, "17-live-map-restore", "/streams/restore-live-service"},
		{agent, "18-board-restore", "/streams/restore-live-service/board"},
		{mgr, "19-dashboards", "/dashboards"},
		{mgr, "20-improvements", "/improvements"},
		{mgr, "21-improvement", improvement},
		{mgr, "22-raise-improvement", "/improvements/new"},
		{mgr, "23-knowledge", "/knowledge"},
		{mgr, "24-article", article},
		{mgr, "25-write-article", "/knowledge/new"},
		{mgr, "26-simulate", "/simulate?stream=restore-live-service&days=14"},
		{admin, "27-admin", "/admin"},
		{admin, "28-admin-people", "/admin/people"},
		{admin, "29-admin-teams", "/admin/teams"},
		{admin, "30-admin-organisations", "/admin/organisations"},
		{admin, "31-admin-services", "/admin/services"},
		{admin, "32-admin-service", "/admin/services/laptop"},
		{admin, "33-admin-sla", "/admin/sla"},
		{admin, "34-admin-rules", "/admin/rules"},
		{admin, "35-admin-streams", "/admin/streams"},
		{admin, "36-admin-upload", "/admin/streams/upload"},
	}
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			p := *pg.who
			p.t = t
			p.open(pg.path)
			if st := p.status(); st != http.StatusOK {
				t.Fatalf("%s: %d\n%s", pg.path, st, p.text("main"))
			}
			if !p.inlineScriptBlocked() {
				t.Errorf("%s: a script written into the page ran", pg.path)
			}
			p.accessible(pg.path)
			p.shot(pg.name)
		})
	}

	// A simulation run: the page with its comparison and charts.
	t.Run("37-simulation-run", func(t *testing.T) {
		p := *mgr
		p.t = t
		p.open("/simulate?stream=restore-live-service&days=14")
		if !exists(&p, `form[method=get] button[type=submit]`) {
			t.Fatalf("no form to run on the simulation page")
		}
		team := eval[string](&p, `(document.querySelector('input[name^="people."]') || {name: ""}).name`)
		if team == "" {
			t.Fatalf("the calibrated model shows no team to change:\n%s", p.text("main"))
		}
		eval[bool](&p, `(() => { const i = document.querySelector('input[name="`+team+`"]'); i.value = String(Number(i.value) + 1); return true })()`)
		p.click(`button[name=run]`)
		if st := p.status(); st != http.StatusOK {
			t.Fatalf("run: %d\n%s", st, p.text("main"))
		}
		if n := eval[int](&p, `document.querySelectorAll('svg[role=img]').length`); n == 0 {
			t.Errorf("the run shows no chart")
		}
		p.accessible("simulation run")
		p.shot("37-simulation-run")
	})

	// Every page the server answers, signed in or not, carries the policy;
	// read here with a plain client since a page's own scripts cannot see
	// its headers.
	t.Run("csp-headers", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
		signInClient(t, c, managerEmail)
		for _, pg := range pages {
			res, err := c.Get(baseURL + pg.path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("Content-Security-Policy"); got != csp {
				t.Errorf("%s: CSP %q", pg.path, got)
			}
		}
	})
}

// signInClient signs an HTTP client in through the API.
func signInClient(t *testing.T, c *http.Client, email string) {
	t.Helper()
	password := ""
	for _, cr := range demo.Credentials() {
		if cr.Email == email {
			password = cr.Password
		}
	}
	res, err := c.Post(baseURL+"/api/v1/sessions", "application/json",
		strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("sign in %s: %d", email, res.StatusCode)
	}
}

// TestDarkPhone opens the pages people use most on a phone-sized screen in
// the dark colour scheme: they pass axe-core there too (contrast included)
// and are saved as screenshots.
func TestDarkPhone(t *testing.T) {
	start(t)
	req := newPerson(t, requesterEmail)
	agent := newPerson(t, agentEmail)
	mgr := newPerson(t, managerEmail)
	for _, p := range []*person{req, agent, mgr} {
		p.darkPhone()
	}
	req.open("/")
	reqItem := firstLink(req, `main a[href^="/items/"]`)
	for _, pg := range []struct {
		who        *person
		name, path string
	}{
		{req, "50-dark-phone-home", "/"},
		{req, "51-dark-phone-portal", "/portal"},
		{req, "52-dark-phone-request", "/portal/request/laptop/new-laptop"},
		{req, "53-dark-phone-item", reqItem},
		{agent, "54-dark-phone-queues", "/work"},
		{agent, "55-dark-phone-live-map", "/streams/restore-live-service"},
		{agent, "56-dark-phone-board", "/streams/restore-live-service/board"},
		{mgr, "57-dark-phone-dashboards", "/dashboards"},
		{mgr, "58-dark-phone-improvements", "/improvements"},
	} {
		t.Run(pg.name, func(t *testing.T) {
			p := *pg.who
			p.t = t
			p.open(pg.path)
			if st := p.status(); st != http.StatusOK {
				t.Fatalf("%s: %d", pg.path, st)
			}
			if dark := eval[bool](&p, `matchMedia("(prefers-color-scheme: dark)").matches`); !dark {
				t.Fatal("the dark colour scheme is not in effect")
			}
			if wide := eval[int](&p, `document.documentElement.scrollWidth`); wide > 420 {
				t.Errorf("%s is %d px wide on a 390 px screen: the page scrolls sideways", pg.path, wide)
			}
			p.accessible(pg.path + " (dark, phone)")
			p.shot(pg.name)
		})
	}
}
