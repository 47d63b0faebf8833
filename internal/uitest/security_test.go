package uitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiClient is an HTTP client signed in through the API, for setting up
// what a test then looks at in the browser.
type apiClient struct {
	t *testing.T
	c *http.Client
}

func newAPIClient(t *testing.T, email string) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	signInClient(t, c, email)
	return &apiClient{t: t, c: c}
}

// open opens a work item through the API and returns its id.
func (a *apiClient) open(body string) string {
	a.t.Helper()
	res, err := a.c.Post(baseURL+"/api/v1/work-items", "application/json", strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		a.t.Fatalf("open %s: %d %v", body, res.StatusCode, err)
	}
	return out.ID
}

// get reads a JSON answer of the API.
func (a *apiClient) get(path string, v any) {
	a.t.Helper()
	res, err := a.c.Get(baseURL + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
}

// TestOthersItemIsNotFound: a requester who opens another person's item
// gets the not-found page, which tells nothing about the item.
func TestOthersItemIsNotFound(t *testing.T) {
	start(t)
	id := newAPIClient(t, agentEmail).open(`{"kind":"incident","title":"Sam's own printer jam","description":"Private to Sam"}`)
	req := newPerson(t, requesterEmail)
	req.open("/items/" + id)
	if st := req.status(); st != http.StatusNotFound {
		t.Errorf("another person's item: %d, want 404", st)
	}
	if h := req.text("h1"); h != "Not found" {
		t.Errorf("heading %q, want Not found", h)
	}
	if body := req.text("main"); strings.Contains(body, "printer") || strings.Contains(body, id) {
		t.Errorf("the not-found page tells of the item: %q", body)
	}
	req.accessible("not found")
	req.shot("38-not-found")
}

// TestForgedPostsRefused: a form posted from another site is refused by
// the cross-origin check, and a form of our own site without its
// synchronizer token is refused by the token check; neither changes
// anything.
func TestForgedPostsRefused(t *testing.T) {
	start(t)
	req := newPerson(t, requesterEmail)
	id := newAPIClient(t, requesterEmail).open(`{"kind":"incident","title":"Headset crackles on calls"}`)

	// Another site: a page on another loopback origin (localhost is another
	// site than 127.0.0.1) whose form posts a comment to the item.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><title>Win a prize</title><form method="post" action="%s/items/%s/comment">
<input type="hidden" name="csrf_token" value="guessed"><input type="hidden" name="body" value="forged from another site">
<button type="submit">Claim</button></form>`, baseURL, id)
	}))
	defer evil.Close()
	req.do("open the other site", chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)))
	req.click("button[type=submit]")
	if st := req.status(); st != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", st)
	}
	if body := req.text("main"); !strings.Contains(body, "another site") {
		t.Errorf("cross-site refusal says %q", body)
	}
	req.shot("39-cross-site-refused")

	// Our own page, its token removed.
	req.open("/items/" + id)
	eval[bool](req, `(() => { const f = document.querySelector('form[action$="/comment"]'); f.querySelector("input[name=csrf_token]").remove(); f.querySelector("textarea[name=body]").value = "forged without a token"; return true })()`)
	req.click(`form[action$="/comment"] button[type=submit]`)
	if st := req.status(); st != http.StatusForbidden {
		t.Errorf("same-site POST without the token: %d, want 403", st)
	}
	req.accessible("refused form")
	req.shot("40-token-refused")

	req.open("/items/" + id)
	if txt := req.text("main"); strings.Contains(txt, "forged") {
		t.Errorf("a forged comment was recorded:\n%s", txt)
	}
}

// payload is typed into every text field: markup that would run, or show
// as markup, if any page failed to escape it.
const payload = `<script>window.__xss=1</script><img src="x" onerror="window.__xss=1"><b id="xss">bold</b>`

// inert tells whether the page shows no trace of the payload as markup.
func inert(p *person) bool {
	p.t.Helper()
	return eval[bool](p, `document.getElementById("xss") === null && window.__xss === undefined && document.querySelectorAll('img[src="x"]').length === 0`)
}

// TestScriptInEveryTextField types markup into every text field of every
// form on the main pages, one form at a time, and sends it (browser
// validation off, so the server sees it): every answer, and every page
// that shows the stored text afterwards, shows it as text.
func TestScriptInEveryTextField(t *testing.T) {
	start(t)
	req := newPerson(t, requesterEmail)
	agent := newPerson(t, agentEmail)
	mgr := newPerson(t, managerEmail)
	admin := newPerson(t, adminEmail)
	mine := newAPIClient(t, requesterEmail).open(`{"kind":"incident","title":"Docking station drops the screen"}`)
	staff := newAPIClient(t, requesterEmail).open(`{"kind":"incident","title":"Scanner shows an error"}`)
	mgr.open("/improvements")
	improvement := firstLink(mgr, `main table a[href^="/improvements/"]:not([href$="/new"])`)
	mgr.open("/knowledge")
	article := firstLink(mgr, `main a[href^="/knowledge/"]:not([href$="/new"])`)

	pages := []struct {
		who  *person
		path string
	}{
		{req, "/portal/request/laptop/new-laptop"}, {req, "/portal/request/-/problem"}, {req, "/items/" + mine},
		{req, "/knowledge"},
		{agent, "/items/" + staff}, {agent, "/search"}, {agent, "/work"},
		{mgr, "/improvements/new"}, {mgr, improvement}, {mgr, "/knowledge/new"}, {mgr, article + "/edit"},
		{mgr, "/dashboards"}, {mgr, "/simulate?stream=restore-live-service&days=14"},
		{admin, "/admin/organisations"}, {admin, "/admin/teams"}, {admin, "/admin/people"}, {admin, "/admin/services"},
		{admin, "/admin/services/laptop"}, {admin, "/admin/services/laptop/entries/new"}, {admin, "/admin/sla"},
		{admin, "/admin/rules/new"}, {admin, "/admin/streams/upload"},
	}
	// The check itself sees markup that got through.
	req.open("/")
	eval[bool](req, `(() => { const b = document.createElement("b"); b.id = "xss"; document.body.append(b); return true })()`)
	if inert(req) {
		t.Fatal("the inertness check misses a live element")
	}
	fields := 0
	for _, pg := range pages {
		pg.who.open(pg.path)
		forms := eval[int](pg.who, `document.querySelectorAll("main form").length`)
		for i := range forms {
			pg.who.open(pg.path)
			n := eval[int](pg.who, fmt.Sprintf(`(() => {
  const f = document.querySelectorAll("main form")[%d];
  if (!f) return -1;
  let n = 0;
  f.querySelectorAll('input:not([type]), input[type=text], input[type=search], textarea').forEach(el => { el.value = %q; n++ });
  return n;
})()`, i, payload))
			if n <= 0 {
				continue
			}
			fields += n
			eval[bool](pg.who, fmt.Sprintf(`(() => {
  const f = document.querySelectorAll("main form")[%d];
  f.noValidate = true;
  const b = f.querySelector('button[type=submit], button:not([type])');
  b ? f.requestSubmit(b) : f.requestSubmit();
  return true;
})()`, i))
			pg.who.do("wait for the answer", chromedp.Sleep(300*time.Millisecond), chromedp.WaitReady("body"))
			if !inert(pg.who) {
				t.Errorf("%s, form %d: the answer (%s) holds live markup from a text field", pg.path, i, pg.who.location())
			}
		}
	}
	if fields < 40 {
		t.Errorf("only %d text fields filled; the sweep missed forms", fields)
	}
	t.Logf("%d text fields over %d pages", fields, len(pages))

	// Where the stored text shows: the items, their lists, the directory.
	for _, pg := range []struct {
		who  *person
		path string
	}{{req, "/"}, {req, "/items/" + mine}, {agent, "/items/" + staff}, {agent, "/search?q=script"}, {mgr, "/improvements"},
		{mgr, "/knowledge"}, {admin, "/admin/organisations"}, {admin, "/admin/teams"}, {admin, "/admin/people"}, {admin, "/admin/services"}} {
		pg.who.open(pg.path)
		if !inert(pg.who) {
			t.Errorf("%s holds live markup from a text field", pg.path)
		}
	}
	req.open("/items/" + mine)
	if !strings.Contains(req.text("main"), `<b id="xss">bold</b>`) {
		t.Errorf("the requester's comment is not shown as text on %s", mine)
	}
}
