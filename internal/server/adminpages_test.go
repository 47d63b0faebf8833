package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/streamdef"
)

// adminBrowser signs ada, the admin, in and returns the browser with the
// session's synchronizer token.
func adminBrowser(t *testing.T, e *testEnv) (*browser, string) {
	t.Helper()
	b := newBrowser(t, e)
	b.signIn("ada", "ada@example.org")
	_, page := b.do("GET", "/admin", nil)
	return b, csrf(t, page)
}

// multipart posts a multipart form with an optional file in the field "file".
func (b *browser) multipart(path string, fields map[string]string, fileName, file string) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			b.t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			b.t.Fatal(err)
		}
		io.WriteString(fw, file)
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.e.http.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	return res, string(page)
}

// configEvents returns the configuration events of a type.
func configEvents(t *testing.T, e *testEnv, typ svcflow.EventType) []svcflow.Event {
	t.Helper()
	all, err := e.store.ItemEvents(context.Background(), desk.ConfigSubject)
	if err != nil {
		t.Fatal(err)
	}
	var out []svcflow.Event
	for _, ev := range all {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// libraryStream returns a built-in stream's definition.
func libraryStream(t *testing.T, id string) string {
	t.Helper()
	for name, b := range library.Files() {
		if strings.HasSuffix(name, "/"+id+".yaml") {
			return string(b)
		}
	}
	t.Fatalf("no library stream %s", id)
	return ""
}

func latestRevision(t *testing.T, e *testEnv, id string) int {
	t.Helper()
	all, err := e.store.LatestStreams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.ID == id {
			return s.Revision
		}
	}
	return 0
}

// lineOfText returns the 1-based line of the first line of src holding s.
func lineOfText(t *testing.T, src, s string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no line holds %q", s)
	return 0
}

// underLine returns the part of a page between source line n and line n+1.
func underLine(t *testing.T, page string, n int) string {
	t.Helper()
	start := strings.Index(page, fmt.Sprintf(`id="L%d"`, n))
	if start < 0 {
		t.Fatalf("no source line %d on the page", n)
	}
	rest := page[start:]
	if end := strings.Index(rest, fmt.Sprintf(`id="L%d"`, n+1)); end >= 0 {
		return rest[:end]
	}
	return rest
}

// TestAdminStreamUpload: a definition with errors is refused with 422, each
// error shown under its source line and listed at the top, and nothing is
// stored; a valid one (pasted or as a file) is stored as a new revision by
// the admin and leads to the stream's page; the same content again stores
// nothing; content under an old revision is refused at the revision line;
// a form without the session's token, or over the size cap, is refused.
func TestAdminStreamUpload(t *testing.T) {
	e := newTestEnv(t)
	b, tok := adminBrowser(t, e)
	orig := libraryStream(t, "password-reset")
	before := len(configEvents(t, e, desk.EventStreamRegistered))
	rev := latestRevision(t, e, "password-reset")

	bad := strings.Replace(orig, "activity: engage\n", "activity: engagement\n", 1)
	bad = strings.Replace(bad, "    target_lead_time: 10m\n    team: service-desk\n    raci:\n      accountable: service-desk-lead",
		"    target_lead_time: soon\n    team: service-desk\n    raci:\n      accountable: service-desk-lead", 1)
	bad = strings.Replace(bad, "      - to: desk-reset\n", "      - to: nowhere\n", 1)
	bad = strings.Replace(bad, fmt.Sprintf("revision: %d", rev), fmt.Sprintf("revision: %d", rev+1), 1)
	res, page := b.multipart("/admin/streams/upload", map[string]string{"csrf_token": tok, "source": bad}, "", "")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid upload: got %d, want 422\n%s", res.StatusCode, page)
	}
	for _, c := range []struct{ line, want string }{
		{"activity: engagement", `unknown activity &#34;engagement&#34;`},
		{"target_lead_time: soon", "expected a positive duration"},
		{"- to: nowhere", `unknown step &#34;nowhere&#34;`},
	} {
		n := lineOfText(t, bad, c.line)
		if got := underLine(t, page, n); !strings.Contains(got, c.want) {
			t.Errorf("under line %d (%s): got\n%s\nwant %q", n, c.line, got, c.want)
		}
		if !regexp.MustCompile(fmt.Sprintf(`<a href="#L%d">line %d, column \d+</a>: [^<]*%s`, n, n, regexp.QuoteMeta(c.want))).MatchString(page) {
			t.Errorf("the list at the top has no entry for line %d: %q", n, c.want)
		}
	}
	if !strings.Contains(page, "3 problems") {
		t.Errorf("the page does not say 3 problems")
	}
	if got := latestRevision(t, e, "password-reset"); got != rev {
		t.Errorf("after an invalid upload: revision %d, want %d", got, rev)
	}
	if got := len(configEvents(t, e, desk.EventStreamRegistered)); got != before {
		t.Errorf("after an invalid upload: %d registrations, want %d", got, before)
	}

	// The revision must be raised for changed content.
	stale := strings.Replace(orig, "name: Password reset", "name: Password reset (changed)", 1)
	res, page = b.multipart("/admin/streams/upload", map[string]string{"csrf_token": tok, "source": stale}, "", "")
	if n := lineOfText(t, stale, "revision:"); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(underLine(t, page, n), "raise the revision") {
		t.Errorf("changed content under the stored revision: got %d, want 422 with the problem under line %d", res.StatusCode, n)
	}
	// The same content as stored is no new revision.
	res, page = b.multipart("/admin/streams/upload", map[string]string{"csrf_token": tok, "source": orig}, "", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "stored already") {
		t.Errorf("same content again: got %d, want 200 saying it is stored already", res.StatusCode)
	}

	good := strings.Replace(stale, fmt.Sprintf("revision: %d", rev), fmt.Sprintf("revision: %d", rev+1), 1)
	res, page = b.multipart("/admin/streams/upload", map[string]string{"csrf_token": tok, "source": good}, "", "")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/streams/password-reset" {
		t.Fatalf("valid upload: got %d to %q, want 303 to /streams/password-reset\n%s", res.StatusCode, res.Header.Get("Location"), page)
	}
	if got := latestRevision(t, e, "password-reset"); got != rev+1 {
		t.Errorf("after a valid upload: revision %d, want %d", got, rev+1)
	}
	evs := configEvents(t, e, desk.EventStreamRegistered)
	if last := evs[len(evs)-1]; len(evs) != before+1 || last.Actor != "ada" || last.Data.StreamRevision != rev+1 {
		t.Errorf("after a valid upload: %d registrations, the last %+v; want %d, by ada, of revision %d", len(evs), last, before+1, rev+1)
	}

	// A file wins over the text box.
	file := strings.Replace(good, fmt.Sprintf("revision: %d", rev+1), fmt.Sprintf("revision: %d", rev+2), 1)
	file = strings.Replace(file, "(changed)", "(from a file)", 1)
	res, _ = b.multipart("/admin/streams/upload", map[string]string{"csrf_token": tok, "source": "ignored"}, "password-reset.yaml", file)
	if res.StatusCode != http.StatusSeeOther || latestRevision(t, e, "password-reset") != rev+2 {
		t.Errorf("file upload: got %d and revision %d, want 303 and revision %d", res.StatusCode, latestRevision(t, e, "password-reset"), rev+2)
	}
	_, page = b.do("GET", "/admin/streams", nil)
	if !strings.Contains(page, "Password reset (from a file)") || !strings.Contains(page, fmt.Sprintf("%d <span class=\"muted\">· ", rev+2)) {
		t.Errorf("the streams page does not list the new revision")
	}

	next := strings.Replace(file, fmt.Sprintf("revision: %d", rev+2), fmt.Sprintf("revision: %d", rev+3), 1)
	for _, c := range []struct {
		name   string
		fields map[string]string
		file   string
		want   int
	}{
		{"no token", map[string]string{"source": next}, "", http.StatusForbidden},
		{"a forged token", map[string]string{"source": next, "csrf_token": "forged"}, "", http.StatusForbidden},
		{"over the cap", map[string]string{"csrf_token": tok}, next + "\n#" + strings.Repeat("x", 1<<20), http.StatusRequestEntityTooLarge},
	} {
		name := ""
		if c.file != "" {
			name = "big.yaml"
		}
		res, _ := b.multipart("/admin/streams/upload", c.fields, name, c.file)
		if res.StatusCode != c.want {
			t.Errorf("%s: got %d, want %d", c.name, res.StatusCode, c.want)
		}
	}
	if got := latestRevision(t, e, "password-reset"); got != rev+2 {
		t.Errorf("after refused uploads: revision %d, want %d", got, rev+2)
	}
}

// TestAdminPagesForbidden: every admin route answers 403 to managers,
// agents and requesters, even with the session's token; anonymous visitors
// are sent to sign in.
func TestAdminPagesForbidden(t *testing.T) {
	e := newTestEnv(t)
	routes := e.srv.adminRoutes()
	if len(routes) < 20 {
		t.Fatalf("only %d admin routes", len(routes))
	}
	pathOf := func(p string) string {
		return strings.NewReplacer("{id}", "x", "{entry}", "y").Replace(p)
	}
	for _, who := range []struct{ id, email string }{{"max", "max@example.org"}, {"alice", "alice@example.org"}, {"ursula", "ursula@example.org"}} {
		b := newBrowser(t, e)
		b.signIn(who.id, who.email)
		_, home := b.do("GET", "/", nil)
		tok := csrf(t, home)
		for _, rt := range routes {
			var form url.Values
			if rt.method == "POST" {
				form = url.Values{"csrf_token": {tok}, "id": {"sneaky"}, "name": {"Sneaky"}}
			}
			res, _ := b.do(rt.method, pathOf(rt.path), form)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %s %s: got %d, want 403", who.id, rt.method, rt.path, res.StatusCode)
			}
		}
	}
	anon := newBrowser(t, e)
	for _, rt := range routes {
		if res, _ := anon.do(rt.method, pathOf(rt.path), url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("anonymous %s %s: got %d, want 303 to /login", rt.method, rt.path, res.StatusCode)
		}
	}
	teams, _ := e.store.Teams(context.Background())
	if find(teams, "sneaky", func(x *svcflow.Team) string { return x.ID }) != nil {
		t.Errorf("a refused post created a team")
	}
}

// TestAdminForms: the forms add and edit organisations, teams, people,
// services, catalogue entries and SLA policies through the desk, each
// with its configuration event; what is typed comes back escaped; a bad
// field is named by the form; a form without the token, or opened before
// someone else's save, changes nothing.
func TestAdminForms(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	b, tok := adminBrowser(t, e)
	post := func(path string, v url.Values) (*http.Response, string) {
		t.Helper()
		if _, ok := v["csrf_token"]; !ok {
			v.Set("csrf_token", tok)
		}
		return b.do("POST", path, v)
	}

	for _, c := range []struct {
		name, path string
		form       url.Values
		event      svcflow.EventType
		id, list   string
	}{
		{"organisation", "/admin/organisations", url.Values{"id": {"acme"}, "name": {"Acme <script>alert(1)</script>"}, "tier": {"1"}},
			desk.EventOrgSaved, "acme", "/admin/organisations"},
		{"team", "/admin/teams", url.Values{"id": {"night-shift"}, "name": {"Night <script>x</script> shift"}, "queue_policy": {"fifo"}},
			desk.EventTeamSaved, "night-shift", "/admin/teams"},
		{"person", "/admin/people", url.Values{"id": {"nina"}, "name": {"Nina <script>alert(2)</script>"}, "email": {"nina@example.org"},
			"role": {"agent"}, "teams": {"night-shift"}, "organisation": {"acme"}, "password": {"a long enough password"}},
			desk.EventPersonSaved, "nina", "/admin/people"},
		{"service", "/admin/services", url.Values{"id": {"laptops"}, "name": {"Laptops <script>"}, "status": {"live"}},
			desk.EventServiceSaved, "laptops", "/admin/services"},
		{"SLA policy", "/admin/sla", url.Values{"id": {"gold"}, "name": {"Gold <script>"}, "P1.response": {"15m"}, "P1.resolution": {"4h"},
			"P3.resolution": {"2bd"}, "tiers": {"1"}, "services": {"laptops"}}, desk.EventSLAPolicySaved, "gold", "/admin/sla"},
	} {
		before := len(configEvents(t, e, c.event))
		res, page := post(c.path, c.form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add %s: got %d, want 303\n%s", c.name, res.StatusCode, page)
		}
		evs := configEvents(t, e, c.event)
		if len(evs) != before+1 || evs[len(evs)-1].After != c.id || evs[len(evs)-1].Actor != "ada" {
			t.Errorf("add %s: %d %s events (want %d), the last %+v", c.name, len(evs), c.event, before+1, evs[len(evs)-1])
		}
		_, page = b.do("GET", c.list, nil)
		if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
			t.Errorf("%s list: the typed <script> is not escaped", c.name)
		}
		// The same id again is refused by the form.
		if res, _ := post(c.path, c.form); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("add %s twice: got %d, want 422", c.name, res.StatusCode)
		}
	}

	nina, err := e.desk.Person(ctx, "nina")
	if err != nil || nina.Role != svcflow.RoleAgent || nina.Organisation != "acme" || len(nina.Teams) != 1 || nina.Teams[0] != "night-shift" {
		t.Errorf("nina: %+v, %v", nina, err)
	}
	if _, hash, err := e.desk.Login(ctx, "nina@example.org"); err != nil || hash == "" {
		t.Errorf("nina has no password: %v", err)
	}
	_, page := b.do("GET", "/admin/people/nina", nil)
	if strings.Contains(page, "argon2") {
		t.Errorf("the person form shows a password hash")
	}
	pols, _ := e.store.SLAPolicies(ctx)
	gold := find(pols, "gold", func(x *svcflow.SLAPolicy) string { return x.ID })
	if gold == nil || len(gold.Targets) != 2 || gold.Targets[0].Response.String() != "15m" || gold.Targets[1].Priority != svcflow.P3 {
		t.Errorf("gold policy: %+v", gold)
	}

	// Field problems are named by the form and nothing is saved.
	for _, c := range []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"a bad id", "/admin/teams", url.Values{"id": {"Not An Id"}}, "is not a valid id"},
		{"a bad email", "/admin/people", url.Values{"id": {"olga"}, "name": {"Olga"}, "email": {"nope"}, "role": {"agent"}}, "is not an email address"},
		{"a bad duration", "/admin/sla", url.Values{"id": {"silver"}, "P2.response": {"soonish"}}, "is not a duration"},
		{"no targets", "/admin/sla", url.Values{"id": {"bronze"}}, "no targets"},
		{"a bad tier", "/admin/organisations", url.Values{"id": {"initech"}, "name": {"Initech"}, "tier": {"first"}}, "expected a whole number"},
	} {
		res, page := post(c.path, c.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error"`) || !strings.Contains(page, c.want) {
			t.Errorf("%s: got %d, want 422 with a field error saying %q", c.name, res.StatusCode, c.want)
		}
	}
	if _, err := e.store.Person(ctx, "olga"); err == nil {
		t.Errorf("a refused person form saved olga")
	}

	// Edit: a fresh form saves; a stale one changes nothing.
	_, page = b.do("GET", "/admin/teams/night-shift", nil)
	version := regexp.MustCompile(`name="version" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if version == nil {
		t.Fatalf("the team form has no version")
	}
	if res, _ := post("/admin/teams/night-shift", url.Values{"version": {version[1]}, "name": {"Nights"}, "queue_policy": {"priority"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit the team: got %d, want 303", res.StatusCode)
	}
	res, page := post("/admin/teams/night-shift", url.Values{"version": {version[1]}, "name": {"Stale name"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "Someone else changed this") {
		t.Errorf("stale team form: got %d, want 409 saying so", res.StatusCode)
	}
	teams, _ := e.store.Teams(ctx)
	if got := find(teams, "night-shift", func(x *svcflow.Team) string { return x.ID }); got.Name != "Nights" || got.QueuePolicy != "priority" {
		t.Errorf("night-shift after a fresh and a stale edit: %+v, want Nights, priority", got)
	}

	// An admin cannot demote themself.
	_, page = b.do("GET", "/admin/people/ada", nil)
	version = regexp.MustCompile(`name="version" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	res, _ = post("/admin/people/ada", url.Values{"version": {version[1]}, "name": {"Ada Admin"}, "email": {"ada@example.org"}, "role": {"agent"}})
	if ada, _ := e.desk.Person(ctx, "ada"); res.StatusCode != http.StatusUnprocessableEntity || ada.Role != svcflow.RoleAdmin {
		t.Errorf("ada demoting herself: got %d and role %s, want 422 and admin", res.StatusCode, ada.Role)
	}

	// A form without the session's token is refused.
	if res, _ := b.do("POST", "/admin/teams", url.Values{"id": {"forged"}, "name": {"Forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("team form without a token: got %d, want 403", res.StatusCode)
	}
	if res, _ := post("/admin/people", url.Values{"csrf_token": {"forged"}, "id": {"forged"}, "name": {"F"}, "email": {"f@example.org"}, "role": {"agent"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("person form with a forged token: got %d, want 403", res.StatusCode)
	}
	teams, _ = e.store.Teams(ctx)
	if _, err := e.store.Person(ctx, "forged"); err == nil || find(teams, "forged", func(x *svcflow.Team) string { return x.ID }) != nil {
		t.Errorf("a forged form saved something")
	}
}

// TestAdminCatalogueEntry: an entry's questions are edited one a line;
// a problem is shown under its line and nothing is saved; a valid entry is
// saved and its questions are what the portal's form asks.
func TestAdminCatalogueEntry(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	b, tok := adminBrowser(t, e)
	if res, _ := b.do("POST", "/admin/services", url.Values{"csrf_token": {tok}, "id": {"laptops"}, "name": {"Laptops"}, "status": {"live"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add a service: %d", res.StatusCode)
	}
	questions := "# what to ask\nmodel | Which model? | choice | required | choices: Standard, Performance\nwhen | Needed by | dated\nwhy | Why <b>now</b>? | text | max: 200\n"
	res, page := b.do("POST", "/admin/services/laptops/entries/new", url.Values{"csrf_token": {tok}, "id": {"new-laptop"},
		"name": {"A new laptop"}, "kind": {"service_request"}, "questions": {questions}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(underLine(t, page, 3), `unknown type &#34;dated&#34;`) {
		t.Fatalf("a bad question type: got %d, want 422 with the problem under line 3\n%s", res.StatusCode, page)
	}
	ss, _ := e.store.Services(ctx)
	if sv := find(ss, "laptops", func(x *svcflow.Service) string { return x.ID }); len(sv.Catalogue) != 0 {
		t.Errorf("a refused entry was saved")
	}
	questions = strings.Replace(questions, "dated", "date", 1)
	res, page = b.do("POST", "/admin/services/laptops/entries/new", url.Values{"csrf_token": {tok}, "id": {"new-laptop"},
		"name": {"A new laptop"}, "kind": {"service_request"}, "questions": {questions}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a valid entry: got %d, want 303\n%s", res.StatusCode, page)
	}
	ss, _ = e.store.Services(ctx)
	sv := find(ss, "laptops", func(x *svcflow.Service) string { return x.ID })
	want := []svcflow.FormField{
		{ID: "model", Label: "Which model?", Type: "choice", Required: true, Choices: []string{"Standard", "Performance"}},
		{ID: "when", Label: "Needed by", Type: "date"},
		{ID: "why", Label: "Why <b>now</b>?", Type: "text", MaxLength: 200},
	}
	if len(sv.Catalogue) != 1 || fmt.Sprint(sv.Catalogue[0].Fields) != fmt.Sprint(want) {
		t.Fatalf("saved entry: %+v, want fields %+v", sv.Catalogue, want)
	}
	_, page = b.do("GET", "/admin/services/laptops", nil)
	if !strings.Contains(page, "Why &lt;b&gt;now&lt;/b&gt;?") || !strings.Contains(page, "Standard, Performance") {
		t.Errorf("the service page does not show the questions, escaped")
	}
	_, page = b.do("GET", "/admin/services/laptops/entries/new-laptop", nil)
	if !strings.Contains(page, "model | Which model? | choice | required | choices: Standard, Performance") {
		t.Errorf("the entry form does not show the questions one a line")
	}
}

// TestAdminRules: a rule file with a problem is refused with the problem
// under its line; a valid one is saved; the list switches it on and off;
// a dry-run reports without changing anything.
func TestAdminRules(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	b, tok := adminBrowser(t, e)
	rule := "schema: svcflow/rule/v1\nid: p1-to-ops\nname: P1 to ops\nenabled: false\non: [created]\nif: priority == P1\nthen:\n  - route: infrastructure-ops\n  - explode: true\n"
	res, page := b.do("POST", "/admin/rules/new", url.Values{"csrf_token": {tok}, "yaml": {rule}, "do": {"save"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(underLine(t, page, 9), "explode") {
		t.Fatalf("a bad action: got %d, want 422 with the problem under line 9\n%s", res.StatusCode, page)
	}
	if _, err := e.desk.Rule(ctx, testPeople[0], "p1-to-ops"); err == nil {
		t.Fatalf("a refused rule was saved")
	}
	rule = strings.Replace(rule, "  - explode: true\n", "", 1)
	if res, page := b.do("POST", "/admin/rules/new", url.Values{"csrf_token": {tok}, "yaml": {rule}, "do": {"dry-run"}}); res.StatusCode != http.StatusOK || !strings.Contains(page, "Dry-run of p1-to-ops") {
		t.Errorf("dry-run of a new rule: got %d, want 200 with a report\n%s", res.StatusCode, page)
	}
	if _, err := e.desk.Rule(ctx, testPeople[0], "p1-to-ops"); err == nil {
		t.Fatalf("a dry-run saved the rule")
	}
	if res, _ := b.do("POST", "/admin/rules/new", url.Values{"csrf_token": {tok}, "yaml": {rule}, "do": {"save"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save a valid rule: got %d, want 303", res.StatusCode)
	}
	for _, c := range []struct {
		path string
		on   bool
	}{{"/admin/rules/p1-to-ops/enable", true}, {"/admin/rules/p1-to-ops/disable", false}} {
		if res, _ := b.do("POST", c.path, url.Values{"csrf_token": {tok}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: got %d, want 303", c.path, res.StatusCode)
		}
		if r, err := e.desk.Rule(ctx, testPeople[0], "p1-to-ops"); err != nil || r.Enabled != c.on {
			t.Errorf("after %s: enabled %v, want %v (%v)", c.path, r.Enabled, c.on, err)
		}
	}
	// The editor shows the saved rule as a file that reads back the same.
	_, page = b.do("GET", "/admin/rules/p1-to-ops", nil)
	if !strings.Contains(page, "schema: svcflow/rule/v1") || !strings.Contains(page, "route: infrastructure-ops") {
		t.Errorf("the editor does not show the rule as YAML:\n%s", page)
	}
	if res, page := b.do("GET", "/admin/rules/p1-to-ops/dry-run?days=3", nil); res.StatusCode != http.StatusOK || !strings.Contains(page, "Nothing was changed") {
		t.Errorf("dry-run of a saved rule: got %d, want 200 with a report", res.StatusCode)
	}
	_, page = b.do("GET", "/admin/rules", nil)
	if !strings.Contains(page, "P1 to ops") || !strings.Contains(page, "Switch on") {
		t.Errorf("the rules list does not show the rule, off")
	}
}

// TestAdminOverview counts what is configured.
func TestAdminOverview(t *testing.T) {
	e := newTestEnv(t)
	b, _ := adminBrowser(t, e)
	res, page := b.do("GET", "/admin", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d", res.StatusCode)
	}
	streams, _ := e.store.LatestStreams(context.Background())
	for _, want := range []string{
		fmt.Sprintf(`<a href="/admin/people">People</a></td><td class="num">%d</td>`, len(testPeople)),
		fmt.Sprintf(`<a href="/admin/streams">Value streams</a></td><td class="num">%d</td>`, len(streams)),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("overview lacks %s", want)
		}
	}
}

// TestRuleYAMLRoundTrip: the editor's YAML of every shipped rule reads
// back as the same rule, and a new rule's starting text is a valid rule.
func TestRuleYAMLRoundTrip(t *testing.T) {
	rules, err := library.Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		text, err := ruleYAML(r)
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		back, diags := streamdef.ParseRules("rule.yaml", []byte(text))
		if streamdef.HasErrors(diags) || len(back) != 1 {
			t.Fatalf("%s: the editor's YAML does not read back: %v\n%s", r.ID, diags, text)
		}
		want, _ := json.Marshal(r)
		got, _ := json.Marshal(back[0])
		if !bytes.Equal(got, want) {
			t.Errorf("%s: read back as\n%s\nwant\n%s", r.ID, got, want)
		}
	}
	if _, diags := streamdef.ParseRules("new.yaml", []byte(newRuleTemplate)); streamdef.HasErrors(diags) {
		t.Errorf("the new rule's starting text is invalid: %v", diags)
	}
}

// TestQuestionsRoundTrip: a catalogue entry's questions, written out for
// the editor and read back, are the same, whatever their labels and
// choices hold.
func TestQuestionsRoundTrip(t *testing.T) {
	fields := []svcflow.FormField{
		{ID: "cost-centre", Label: "Cost | centre", Type: "text", Required: true, MaxLength: 40},
		{ID: "approval", Label: "Approval, if any", Type: "choice", Choices: []string{"Yes, with approval", "No", `back\slash`, "a|b"}},
		{ID: "when", Label: `C:\temp\`, Type: "date"},
	}
	text := formatQuestions(fields)
	got, _, problems := parseQuestions(text)
	if len(problems) > 0 {
		t.Fatalf("%v reading back\n%s", problems, text)
	}
	if !reflect.DeepEqual(got, fields) {
		t.Errorf("read back\n%+v\nwant\n%+v\nfrom\n%s", got, fields, text)
	}
}
