package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// registerFixture raises two improvements through the desk, as the demo
// does, and takes the first through approval (its baseline captured),
// into use and to its evaluation, validated. It returns their ids and the
// incident the first was raised from.
func registerFixture(t *testing.T, e *testEnv) (measured, proposed, incident string) {
	t.Helper()
	ctx := context.Background()
	person := func(id string) *svcflow.Person {
		p, err := e.desk.Person(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	sam := &svcflow.Person{ID: "sam", Name: "Sam Owner", Email: "sam@example.org", Role: svcflow.RoleAgent,
		Teams: []string{"improvement-team"}, Approves: []string{"service-owner"}}
	if err := e.desk.SavePerson(ctx, nil, sam); err != nil {
		t.Fatal(err)
	}
	inc := e.open("ursula", map[string]any{"kind": "incident", "title": "Mail is down again"})
	first, err := e.desk.RaiseImprovement(ctx, person("alice"), desk.RaiseInput{Title: "Faster investigation",
		Description: "From the monthly review of flow metrics.", CostOfDelay: 8, Size: svcflow.MustParseDuration("2d"),
		Register: svcflow.Improvement{ProblemObserved: "Incidents wait hours before anyone looks",
			ProposedAction: "Add a second-line person in the mornings", Stream: "restore-live-service", Step: "investigate",
			Owner: "sam", Sources: []svcflow.Source{{Type: svcflow.SourceItem, Ref: inc.ID}},
			Criterion: svcflow.Criterion{Metric: svcflow.MetricStepWaitP50, Step: "investigate", Direction: svcflow.Decrease,
				Target: 900, Window: svcflow.MustParseDuration("14d")}}})
	if err != nil {
		t.Fatal(err)
	}
	e.at(10)
	second, err := e.desk.RaiseImprovement(ctx, person("max"), desk.RaiseInput{Title: "Fewer reopens",
		Register: svcflow.Improvement{ProblemObserved: "One fix in ten comes back", ProposedAction: "Ask before closing",
			Criterion: svcflow.Criterion{Metric: svcflow.MetricReopenRate, Direction: svcflow.Decrease, Target: 0.05,
				Window: svcflow.MustParseDuration("7d")}}})
	if err != nil {
		t.Fatal(err)
	}
	id := first.Item.ID
	version := func() int {
		v, err := e.desk.Improvement(ctx, desk.System, id)
		if err != nil {
			t.Fatal(err)
		}
		return v.Item.Version
	}
	for _, c := range []svcflow.Command{svcflow.Start{}, svcflow.Complete{}, svcflow.Approve{}} {
		if _, err := e.desk.Act(ctx, sam, id, 0, c); err != nil {
			t.Fatalf("%s: %v", svcflow.CommandName(c), err)
		}
	}
	approved := t0.Add(20 * time.Minute)
	if _, err := e.desk.CaptureBaseline(ctx, id, version(), svcflow.Baseline{From: approved.Add(-14 * 24 * time.Hour), To: approved,
		Values: []float64{1800, 2400}, Mean: 2100, Measured: approved}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []svcflow.Command{svcflow.Start{}, svcflow.Complete{}, svcflow.Start{}, svcflow.Complete{}} {
		if _, err := e.desk.Act(ctx, sam, id, 0, c); err != nil {
			t.Fatalf("%s: %v", svcflow.CommandName(c), err)
		}
	}
	if _, err := e.desk.RecordEvaluation(ctx, id, version(), svcflow.Evaluation{Baseline: 2100, Post: 840, Effect: -1260,
		EffectCI95: &[2]float64{-1500, -1020}, Days: [2]int{2, 14}, PValue: 0.004, MeetsTarget: true, Significant: true,
		Validated: true, Method: "welch", From: approved, To: approved.Add(14 * 24 * time.Hour),
		Measured: approved.Add(15 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return id, second.Item.ID, inc.ID
}

// rowOf returns the table row of the register that links to id.
func rowOf(t *testing.T, page, id string) string {
	t.Helper()
	for _, row := range strings.Split(page, "<tr>") {
		if strings.Contains(row, `href="/improvements/`+id+`"`) {
			return row
		}
	}
	return ""
}

// TestRegisterPages: the register lists the improvements with their
// status, criterion in words, baseline, result and WSJF score, filters
// and sorts them; an entry's page shows its numbers and links to its item
// and sources; requesters are sent home from both.
func TestRegisterPages(t *testing.T) {
	e := newTestEnv(t)
	measured, proposed, inc := registerFixture(t, e)
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")

	res, page := b.do("GET", "/improvements", nil)
	if res.StatusCode != 200 {
		t.Fatalf("register: %d\n%s", res.StatusCode, page)
	}
	for _, tt := range []struct {
		id   string
		want []string
	}{
		{measured, []string{"Faster investigation", "restore-live-service / investigate", "Validated", "Sam Owner",
			"median wait at investigate (restore-live-service) down to 15 min within 14 days", "35 min", "−21 min, p = 0.004", "0.17"}},
		{proposed, []string{"Fewer reopens", "Proposed", "Max Manager", "reopen rate down to 5 % within 7 days", "not yet", "no size"}},
	} {
		row := rowOf(t, page, tt.id)
		for _, w := range tt.want {
			if !strings.Contains(row, w) {
				t.Errorf("the row of %s lacks %q:\n%s", tt.id, w, row)
			}
		}
	}
	if i, j := strings.Index(page, measured+`"`), strings.Index(page, proposed+`"`); i < 0 || j < 0 || j > i {
		t.Errorf("newest first: %s should come before %s", proposed, measured)
	}
	_, page = b.do("GET", "/improvements?sort=wsjf", nil)
	if i, j := strings.Index(page, measured+`"`), strings.Index(page, proposed+`"`); i < 0 || j < 0 || i > j {
		t.Errorf("by WSJF: %s (with a score) should come before %s", measured, proposed)
	}
	for _, tt := range []struct {
		query      string
		has, hasnt string
	}{
		{"status=validated", measured, proposed},
		{"status=proposed", proposed, measured},
		{"stream=restore-live-service", measured, proposed},
	} {
		_, page := b.do("GET", "/improvements?"+tt.query, nil)
		if rowOf(t, page, tt.has) == "" || rowOf(t, page, tt.hasnt) != "" {
			t.Errorf("?%s: want %s and not %s", tt.query, tt.has, tt.hasnt)
		}
	}

	res, page = b.do("GET", "/improvements/"+measured, nil)
	if res.StatusCode != 200 {
		t.Fatalf("entry: %d\n%s", res.StatusCode, page)
	}
	for _, w := range []string{
		"Incidents wait hours before anyone looks", "Add a second-line person in the mornings",
		`href="/items/` + measured + `"`, `href="/items/` + inc + `"`,
		"Mean 35 min over 2 days", "30 min, 40 min", // the baseline and its daily values
		"14 min", "−21 min", "−25 min to −17 min", "0.004", "(significant)", "<strong>Validated</strong>",
		"The criterion is fixed", // captured baseline: no criterion fields
	} {
		if !strings.Contains(page, w) {
			t.Errorf("the entry's page lacks %q", w)
		}
	}
	if strings.Contains(page, `name="criterion.metric"`) {
		t.Errorf("the criterion can be edited after its baseline was captured")
	}
	if res, _ := b.do("GET", "/improvements/"+inc, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("an incident as an improvement: %d, want 404", res.StatusCode)
	}

	u := newBrowser(t, e)
	u.signIn("ursula", "ursula@example.org")
	for _, path := range []string{"/improvements", "/improvements/" + measured, "/improvements/new"} {
		if res, _ := u.do("GET", path, nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("a requester on %s: %d to %q, want 303 home", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestRaiseImprovementForm: the form names what is wrong beside each
// field and keeps what was typed, escaped; a forged form is refused; a
// good one raises the improvement with its created event; only managers
// may draft from the flow.
func TestRaiseImprovementForm(t *testing.T) {
	e := newTestEnv(t)
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")
	res, page := b.do("GET", "/improvements/new", nil)
	if res.StatusCode != 200 || strings.Contains(page, "Draft from its top bottleneck") || !strings.Contains(page, `value="alice"`) {
		t.Fatalf("the form for an agent: %d\n%s", res.StatusCode, page)
	}
	tok := csrf(t, page)
	good := func() url.Values {
		return url.Values{"csrf_token": {tok}, "title": {"Faster <script>alert(1)</script> triage"},
			"problem_observed": {"Calls wait\r\nat the desk"}, "proposed_action": {"Add a morning shift"},
			"stream": {"restore-live-service"}, "step": {"investigate"}, "owner": {"alice"}, "sources": {""},
			"cost_of_delay": {"6"}, "size": {"3d"}, "target_date": {"2026-06-30"},
			"criterion.metric": {"step_wait_p50"}, "criterion.step": {"investigate"}, "criterion.direction": {"decrease"},
			"criterion.target": {"30m"}, "criterion.window": {"14d"}}
	}
	for _, tt := range []struct {
		name, field string
		edit        func(url.Values)
	}{
		{"no proposed action", "proposed_action", func(f url.Values) { f.Set("proposed_action", "") }},
		{"a target that is no time", "c-target", func(f url.Values) { f.Set("criterion.target", "soon") }},
		{"a window in business days", "c-window", func(f url.Values) { f.Set("criterion.window", "10bd") }},
		{"a step the stream lacks", "step", func(f url.Values) { f.Set("step", "triage") }},
		{"an unknown owner", "owner", func(f url.Values) { f.Set("owner", "nobody") }},
		{"an unknown source", "sources", func(f url.Values) { f.Set("sources", "INC-999999") }},
		{"a cost of delay out of range", "cost_of_delay", func(f url.Values) { f.Set("cost_of_delay", "11") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := good()
			tt.edit(f)
			before := e.eventCount()
			res, page := b.do("POST", "/improvements/new", f)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-`+tt.field+`"`) {
				t.Errorf("got %d, want 422 with an error beside %s:\n%s", res.StatusCode, tt.field, page)
			}
			if !strings.Contains(page, `value="Faster &lt;script&gt;alert(1)&lt;/script&gt; triage"`) {
				t.Errorf("the title typed is not kept, escaped")
			}
			if e.eventCount() != before {
				t.Errorf("a refused form wrote events")
			}
		})
	}
	f := good()
	f.Del("csrf_token")
	if res, _ := b.do("POST", "/improvements/new", f); res.StatusCode != http.StatusForbidden {
		t.Errorf("a form without the session's token: %d, want 403", res.StatusCode)
	}

	res, _ = b.do("POST", "/improvements/new", good())
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/improvements/IMP-") {
		t.Fatalf("raise: %d to %q", res.StatusCode, loc)
	}
	id := strings.TrimPrefix(loc, "/improvements/")
	ctx := context.Background()
	v, err := e.desk.Improvement(ctx, desk.System, id)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Register.Criterion
	if v.Item.RequestedBy != "alice" || v.Item.CostOfDelay != 6 || v.Item.Size.Calendar != 72*time.Hour ||
		v.Register.ProblemObserved != "Calls wait\nat the desk" || c.Target != 1800 || c.Stream != "restore-live-service" ||
		v.Register.TargetDate.Format(time.DateOnly) != "2026-06-30" {
		t.Errorf("raised %+v with %+v", v.Item, v.Register)
	}
	events, err := e.desk.Store().ItemEvents(ctx, id)
	if err != nil || len(events) == 0 || events[0].Type != svcflow.EventCreated || events[0].Actor != "alice" {
		t.Errorf("events %+v (%v), want created by alice first", events, err)
	}
	_, page = b.do("GET", loc, nil)
	if !strings.Contains(page, "Faster &lt;script&gt;alert(1)&lt;/script&gt; triage") || strings.Contains(page, "<script>alert") {
		t.Errorf("the title is not escaped on the entry's page")
	}
	if !strings.Contains(page, "median wait at investigate (restore-live-service) down to 30 min within 14 days") {
		t.Errorf("the entry's page does not say the criterion:\n%s", page)
	}

	// Drafting from the flow: agents may not; a manager gets the form
	// filled in, or the reason beside the stream when there is nothing to
	// measure.
	if res, _ := b.do("GET", "/improvements/new?from_bottleneck=restore-live-service", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an agent drafting from the flow: %d, want 403", res.StatusCode)
	}
	m := newBrowser(t, e)
	m.signIn("max", "max@example.org")
	res, page = m.do("GET", "/improvements/new?from_bottleneck=new-service", nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-from_bottleneck"`) {
		t.Errorf("a draft from a stream without work: %d\n%s", res.StatusCode, page)
	}
	for i := range 4 {
		e.at(60 + 30*i)
		w := e.open("ursula", map[string]any{"kind": "incident", "title": "Printer jam"})
		e.action("alice", w.ID, "start", nil)
		e.action("alice", w.ID, "complete", nil)
		e.at(75 + 30*i)
		e.action("alice", w.ID, "start", nil)
	}
	e.at(300)
	res, page = m.do("GET", "/improvements/new?from_bottleneck=restore-live-service", nil)
	if res.StatusCode != 200 || !strings.Contains(page, "Drafted from the top bottleneck") ||
		!regexp.MustCompile(`name="sources" value="[^"]*restore-live-service/`).MatchString(page) {
		t.Errorf("a manager's draft from the flow: %d\n%s", res.StatusCode, page)
	}
}

// TestImprovementEditStale: an entry's form saves at the version it was
// read at, writing register_changed; a form read before that change is
// refused with the entry as it is now, changing nothing; someone who may
// not change the entry is told so.
func TestImprovementEditStale(t *testing.T) {
	e := newTestEnv(t)
	_, proposed, _ := registerFixture(t, e)
	ctx := context.Background()
	b := newBrowser(t, e)
	b.signIn("max", "max@example.org")
	_, page := b.do("GET", "/improvements/"+proposed, nil)
	if !strings.Contains(page, `name="criterion.metric"`) {
		t.Fatalf("no criterion fields before the baseline:\n%s", page)
	}
	form := formValues(t, page, `action="/improvements/`+proposed+`"`)
	if form.Get("version") == "" || form.Get("proposed_action") != "Ask before closing" || form.Get("criterion.target") != "5%" {
		t.Fatalf("the edit form holds %v", form)
	}
	stale := url.Values{}
	for k, v := range form {
		stale[k] = append([]string(nil), v...)
	}

	// Saving it unchanged records nothing.
	before := e.eventCount()
	if res, _ := b.do("POST", "/improvements/"+proposed, form); res.StatusCode != http.StatusSeeOther || e.eventCount() != before {
		t.Errorf("saving an unchanged form: %d, %d events written", res.StatusCode, e.eventCount()-before)
	}
	form.Set("proposed_action", "Ask the requester before closing")
	form.Set("criterion.target", "4%")
	if res, page := b.do("POST", "/improvements/"+proposed, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, page)
	}
	events, _ := e.desk.Store().ItemEvents(ctx, proposed)
	if last := events[len(events)-1]; last.Type != svcflow.EventRegisterChanged || last.Data.Field != "proposed_action,criterion" || last.Actor != "max" {
		t.Errorf("last event %+v, want register_changed of proposed_action and criterion by max", last)
	}
	before = e.eventCount()
	stale.Set("proposed_action", "Something else entirely")
	res, page := b.do("POST", "/improvements/"+proposed, stale)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "Someone changed it meanwhile") ||
		!strings.Contains(page, ">Ask the requester before closing</textarea>") ||
		!strings.Contains(page, `What you typed, not saved`) || !strings.Contains(page, `<dd class="pre">Something else entirely</dd>`) {
		t.Errorf("a stale form: %d\n%s", res.StatusCode, page)
	}
	v, _ := e.desk.Improvement(ctx, desk.System, proposed)
	if e.eventCount() != before || v.Register.ProposedAction != "Ask the requester before closing" || v.Register.Criterion.Target != 0.04 {
		t.Errorf("a stale form changed the entry: %+v", v.Register)
	}

	// A date set, then emptied, is cleared.
	for _, date := range []string{"2030-01-01", ""} {
		_, page = b.do("GET", "/improvements/"+proposed, nil)
		form = formValues(t, page, `action="/improvements/`+proposed+`"`)
		form.Set("target_date", date)
		if res, page := b.do("POST", "/improvements/"+proposed, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("target date %q: %d\n%s", date, res.StatusCode, page)
		}
		v, _ := e.desk.Improvement(ctx, desk.System, proposed)
		if got := v.Register.TargetDate; date == "" && !got.IsZero() || date != "" && got.Format(time.DateOnly) != date {
			t.Errorf("target date %q saved as %v", date, got)
		}
	}

	// Carol is in no team of it, neither its owner nor who raised it.
	c := newBrowser(t, e)
	c.signIn("carol", "carol@example.org")
	_, page = c.do("GET", "/improvements/"+proposed, nil)
	form = formValues(t, page, `action="/improvements/`+proposed+`"`)
	form.Set("proposed_action", "Carol's idea")
	if res, page := c.do("POST", "/improvements/"+proposed, form); res.StatusCode != http.StatusForbidden || !strings.Contains(page, "manager") {
		t.Errorf("a change by someone who may not: %d\n%s", res.StatusCode, page)
	}
}

var (
	formRE     = regexp.MustCompile(`(?s)<form [^>]*>.*?</form>`)
	inputRE    = regexp.MustCompile(`<input [^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*>`)
	textareaRE = regexp.MustCompile(`(?s)<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`)
	selectRE   = regexp.MustCompile(`(?s)<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>`)
	selectedRE = regexp.MustCompile(`<option(?: value="([^"]*)")? selected>([^<]*)<`)
)

// formValues reads the fields of the page's form whose tag contains
// marker, as a browser would post them.
func formValues(t *testing.T, page, marker string) url.Values {
	t.Helper()
	for _, f := range formRE.FindAllString(page, -1) {
		if !strings.Contains(f[:strings.Index(f, ">")], marker) {
			continue
		}
		out := url.Values{}
		for _, m := range inputRE.FindAllStringSubmatch(f, -1) {
			if strings.Contains(m[0], `type="checkbox"`) && !strings.Contains(m[0], " checked") {
				continue // a browser does not send an unticked box
			}
			out.Set(m[1], unescapeHTML(m[2]))
		}
		for _, m := range textareaRE.FindAllStringSubmatch(f, -1) {
			out.Set(m[1], unescapeHTML(m[2]))
		}
		for _, m := range selectRE.FindAllStringSubmatch(f, -1) {
			if s := selectedRE.FindStringSubmatch(m[2]); s != nil {
				v := s[1]
				if v == "" {
					v = s[2]
				}
				out.Set(m[1], unescapeHTML(v))
			} else {
				out.Set(m[1], "")
			}
		}
		return out
	}
	t.Fatalf("no form with %s in\n%s", marker, page)
	return nil
}

func unescapeHTML(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

// TestKnowledgePages: an agent writes a draft through the form (errors
// beside the fields, text escaped, paragraphs kept); requesters neither
// find nor open drafts; only a manager sees publish and retire, which
// need the session's token and change what requesters see; a stale edit
// changes nothing; an article is written from a resolved item.
func TestKnowledgePages(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	a := newBrowser(t, e)
	a.signIn("alice", "alice@example.org")
	u := newBrowser(t, e)
	u.signIn("ursula", "ursula@example.org")
	m := newBrowser(t, e)
	m.signIn("max", "max@example.org")

	if res, _ := u.do("GET", "/knowledge/new", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("a requester writing an article: %d, want 303 home", res.StatusCode)
	}
	_, page := u.do("GET", "/knowledge", nil)
	if strings.Contains(page, "Write an article") {
		t.Errorf("a requester is offered to write an article")
	}
	res, page := a.do("GET", "/knowledge", nil)
	if res.StatusCode != 200 || !strings.Contains(page, `href="/knowledge/new"`) {
		t.Fatalf("knowledge for an agent: %d\n%s", res.StatusCode, page)
	}
	_, page = a.do("GET", "/knowledge/new", nil)
	tok := csrf(t, page)
	form := url.Values{"csrf_token": {tok}, "title": {"VPN <script>alert(1)</script> drops"},
		"symptoms": {"The client asks for the token again.\r\n\r\nEvery <b>ten</b> minutes."}, "keywords": {"vpn, token"}}
	res, page = a.do("POST", "/knowledge/new", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-resolution"`) ||
		!strings.Contains(page, `value="VPN &lt;script&gt;alert(1)&lt;/script&gt; drops"`) {
		t.Fatalf("an article without resolution: %d\n%s", res.StatusCode, page)
	}
	form.Set("services", "no-such-service")
	form.Set("resolution", "Update the client to 5.3")
	if res, page := a.do("POST", "/knowledge/new", form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-services"`) {
		t.Errorf("an unknown service: %d\n%s", res.StatusCode, page)
	}
	form.Del("services")
	res, _ = a.do("POST", "/knowledge/new", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/knowledge/KB-") {
		t.Fatalf("write: %d to %q", res.StatusCode, loc)
	}
	id := strings.TrimPrefix(loc, "/knowledge/")
	_, page = a.do("GET", loc, nil)
	for _, w := range []string{"VPN &lt;script&gt;alert(1)&lt;/script&gt; drops", `<p class="pre">The client asks for the token again.</p>`,
		`<p class="pre">Every &lt;b&gt;ten&lt;/b&gt; minutes.</p>`, "Draft", "Revisions", `href="/knowledge/` + id + `/edit"`} {
		if !strings.Contains(page, w) {
			t.Errorf("the article's page lacks %q", w)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>ten") {
		t.Errorf("the article's text is not escaped")
	}
	if strings.Contains(page, `/publish"`) {
		t.Errorf("an agent outside the knowledge team may publish")
	}

	// A draft is the staff's: requesters neither find nor open it.
	if _, page := u.do("GET", "/knowledge?q=vpn", nil); strings.Contains(page, id) {
		t.Errorf("a requester finds the draft")
	}
	if res, _ := u.do("GET", loc, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("a requester opens the draft: %d, want 404", res.StatusCode)
	}
	if _, page := a.do("GET", "/knowledge?q=token&status=draft", nil); !strings.Contains(page, `href="/knowledge/`+id+`"`) {
		t.Errorf("an agent does not find the draft")
	}

	// Publishing: a manager's form, with the token.
	_, page = m.do("GET", loc, nil)
	pub := formValues(t, page, `action="/knowledge/`+id+`/publish"`)
	if res, _ := m.do("POST", loc+"/publish", url.Values{"version": pub["version"]}); res.StatusCode != http.StatusForbidden {
		t.Errorf("publish without the token: %d, want 403", res.StatusCode)
	}
	if res, _ := m.do("POST", loc+"/publish", pub); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	if res, page := u.do("GET", "/knowledge?q=vpn", nil); res.StatusCode != 200 || !strings.Contains(page, `href="/knowledge/`+id+`"`) {
		t.Errorf("a requester does not find the published article: %d", res.StatusCode)
	}
	if res, page := u.do("GET", loc, nil); res.StatusCode != 200 || strings.Contains(page, "Revisions") || strings.Contains(page, "/edit") {
		t.Errorf("a requester on the published article: %d (revisions or edit shown?)", res.StatusCode)
	}
	if res, _ := u.do("POST", loc+"/retire", url.Values{"csrf_token": {csrf(t, page)}, "version": {"2"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a requester retiring: %d, want 403", res.StatusCode)
	}

	// An edit from a page read before the publication is refused.
	_, page = a.do("GET", loc+"/edit", nil)
	edit := formValues(t, page, `action="/knowledge/`+id+`/edit"`)
	if edit.Get("version") != "2" || edit.Get("keywords") != "vpn, token" {
		t.Fatalf("the edit form holds %v", edit)
	}
	stale := url.Values{}
	for k, v := range edit {
		stale[k] = append([]string(nil), v...)
	}
	edit.Set("cause", "The gateway's idle timeout")
	if res, _ := a.do("POST", loc+"/edit", edit); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	stale.Set("title", "Overwritten")
	res, page = a.do("POST", loc+"/edit", stale)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "Someone changed it meanwhile") || !strings.Contains(page, ">The gateway&#39;s idle timeout</textarea>") ||
		!strings.Contains(page, `<dd class="pre">Overwritten</dd>`) {
		t.Errorf("a stale edit: %d\n%s", res.StatusCode, page)
	}
	got, err := e.desk.Article(ctx, nil, id)
	if err != nil || got.Title != "VPN <script>alert(1)</script> drops" || got.Cause != "The gateway's idle timeout" || got.Version != 3 ||
		got.Status != svcflow.ArticlePublished {
		t.Errorf("after the stale edit: %+v (%v)", got, err)
	}
	// Retiring from a page older than the last save is refused too.
	if res, page := m.do("POST", loc+"/retire", url.Values{"csrf_token": pub["csrf_token"], "version": {"2"}}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(page, "Someone changed it meanwhile") {
		t.Errorf("a stale retire: %d", res.StatusCode)
	}
	_, page = m.do("GET", loc, nil)
	if res, _ := m.do("POST", loc+"/retire", formValues(t, page, `action="/knowledge/`+id+`/retire"`)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire: %d", res.StatusCode)
	}
	if res, _ := u.do("GET", loc, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("a requester opens the retired article: %d, want 404", res.StatusCode)
	}
	revs, _ := e.desk.ArticleRevisions(ctx, &svcflow.Person{ID: "max", Role: svcflow.RoleManager}, id)
	if len(revs) != 4 || revs[3].Status != svcflow.ArticleRetired {
		t.Errorf("revisions %+v, want 4 ending retired", revs)
	}

	// From a resolved item: fields left empty are taken from it.
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Teams calls drop", "description": "Every call ends after a minute"})
	if res, _ := a.do("GET", "/knowledge/new?from="+w.ID, nil); res.StatusCode != http.StatusConflict {
		t.Errorf("writing from an unresolved item: %d, want 409", res.StatusCode)
	}
	e.action("alice", w.ID, "complete", nil)
	e.action("alice", w.ID, "comment", map[string]any{"body": "Switched the client to the new media relay", "public": true})
	e.action("alice", w.ID, "complete", map[string]any{"outcome": "fixed"})
	res, page = a.do("GET", "/knowledge/new?from="+w.ID, nil)
	if res.StatusCode != 200 || !strings.Contains(page, "Teams calls drop") {
		t.Fatalf("the form from an item: %d\n%s", res.StatusCode, page)
	}
	res, _ = a.do("POST", "/knowledge/new", formValues(t, page, `action="/knowledge/new"`))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("write from %s: %d", w.ID, res.StatusCode)
	}
	fromItem, err := e.desk.Article(ctx, nil, strings.TrimPrefix(res.Header.Get("Location"), "/knowledge/"))
	if err != nil || fromItem.Title != "Teams calls drop" || fromItem.Resolution != "Switched the client to the new media relay" || fromItem.SourceItem != w.ID {
		t.Errorf("from the item: %+v (%v)", fromItem, err)
	}
	if _, page := a.do("GET", "/knowledge/"+fromItem.ID, nil); !strings.Contains(page, `Written from <a href="/items/`+w.ID+`">`) {
		t.Errorf("the article does not link the item it was written from")
	}
}
