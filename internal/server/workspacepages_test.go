package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// eventTypes returns the types of an item's events after the first n.
func (e *testEnv) eventTypes(id string, n int) []svcflow.EventType {
	e.t.Helper()
	var l eventList
	e.must(200, "alice", "GET", "/api/v1/work-items/"+id+"/events", nil).json(e.t, &l)
	var out []svcflow.EventType
	for _, ev := range l.Events[min(n, len(l.Events)):] {
		out = append(out, ev.Type)
	}
	return out
}

// item reads an item through the API as an admin.
func (e *testEnv) item(id string) workItem {
	e.t.Helper()
	var w workItem
	e.must(200, "ada", "GET", "/api/v1/work-items/"+id, nil).json(e.t, &w)
	return w
}

// workspaceFixture is a configuration item chain (payroll-app depends on
// payroll-db and runs on payroll-vm; the payroll service depends on the
// app) and a published article about the database.
func workspaceFixture(e *testEnv) *svcflow.Article {
	for _, ci := range []map[string]any{
		{"id": "payroll-db", "name": "Payroll database", "class": "database"},
		{"id": "payroll-vm", "name": "Payroll VM", "class": "virtual_machine"},
		{"id": "payroll-app", "name": "Payroll application", "class": "application",
			"relationships": []map[string]any{{"to": "payroll-db", "type": "depends_on"}, {"to": "payroll-vm", "type": "runs_on"}}},
		{"id": "payroll", "name": "Payroll", "class": "business_service",
			"relationships": []map[string]any{{"to": "payroll-app", "type": "depends_on"}}},
	} {
		e.must(201, "ada", "POST", "/api/v1/cis", ci)
	}
	return e.publishedArticle("Payroll database is slow")
}

// TestItemWorkspaceActions: every staff action of an item's page goes
// through the desk and writes its event; the page shows the step's
// checklist, the swarm, related items, configuration items with their
// impact, knowledge and watchers; the history tells each event in words.
func TestItemWorkspaceActions(t *testing.T) {
	e := newTestEnv(t)
	art := workspaceFixture(e)
	other := e.open("alice", map[string]any{"kind": "incident", "title": "Payroll VM down"})
	w := e.open("alice", map[string]any{"kind": "query", "title": "Payroll database slow", "description": "Payslips time out",
		"requested_for": "ursula", "cis": []string{"payroll-db"}})
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")
	path := "/items/" + w.ID
	res, page := b.do("GET", path, nil)
	if res.StatusCode != 200 {
		t.Fatalf("item page: %d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{`name="version" value="` + strconv.Itoa(w.Version) + `"`, "Record who is affected, the service and the symptoms",
		"To do", "Payroll database", "payroll-app", "<strong>payroll</strong>", "payroll-db → payroll-app", ">Suggest articles</button>",
		"Reclassify as", `<option value="incident">`, "Alice Agent opened it: query, priority"} {
		if !strings.Contains(page, want) {
			t.Errorf("the item's page lacks %q", want)
		}
	}
	tok := csrf(t, page)
	task := svcflow.Slug("Record who is affected, the service and the symptoms", "-")
	steps := []struct {
		name   string
		form   url.Values
		want   svcflow.EventType
		check  func(workItem) bool
		say    string // the history's words for it
		status int    // 303 unless set
	}{
		{"start", url.Values{"action": {"start"}}, svcflow.EventStepStarted,
			func(w workItem) bool { return w.Visit.State == "active" }, "Alice Agent started on", 0},
		{"tick a task", url.Values{"action": {"task"}, "task": {task}}, svcflow.EventTaskDone,
			func(w workItem) bool { return slices.Contains(w.Visit.TasksDone, task) }, "Alice Agent ticked “Record who is affected", 0},
		{"hand to a team", url.Values{"action": {"assign"}, "team": {"application-support"}}, svcflow.EventAssigned,
			func(w workItem) bool { return w.Visit.Team == "application-support" && w.Visit.Assignee == "" }, "Alice Agent handed it to application-support.", 0},
		{"assign to a person", url.Values{"action": {"assign"}, "person": {"bob"}}, svcflow.EventAssigned,
			func(w workItem) bool { return w.Visit.Assignee == "bob" }, "Alice Agent assigned it to Bob Builder.", 0},
		{"join the swarm", url.Values{"action": {"swarm"}}, svcflow.EventSwarmJoined,
			func(w workItem) bool { return slices.Contains(w.Visit.Swarm, "alice") }, "Alice Agent joined the swarm.", 0},
		{"leave the swarm", url.Values{"action": {"swarm"}, "leave": {"1"}}, svcflow.EventSwarmLeft,
			func(w workItem) bool { return !slices.Contains(w.Visit.Swarm, "alice") }, "Alice Agent left the swarm.", 0},
		{"reclassify", url.Values{"action": {"reclassify"}, "kind": {"incident"}, "mode": {"in_place"}}, svcflow.EventReclassified,
			func(w workItem) bool { return w.Kind == "incident" }, "Alice Agent reclassified it from query to incident.", 0},
		{"link a cause", url.Values{"action": {"link"}, "type": {"caused-by"}, "other": {other.ID}}, svcflow.EventLinked,
			func(w workItem) bool {
				return slices.Contains(w.Links, svcflow.Link{Type: "caused-by", Other: other.ID})
			}, "linked it: caused by " + other.ID, 0},
		{"link a vendor ticket", url.Values{"action": {"link"}, "type": {"vendor-ticket"}, "other": {"<script>alert(1)</script>"}}, svcflow.EventLinked,
			func(w workItem) bool { return len(w.Links) == 3 }, "vendor ticket &lt;script&gt;alert(1)&lt;/script&gt;", 0},
		{"link a configuration item", url.Values{"action": {"link"}, "type": {"ci"}, "other": {"payroll-vm"}}, svcflow.EventLinked,
			func(w workItem) bool { return slices.Contains(w.Links, svcflow.Link{Type: "ci", Other: "payroll-vm"}) }, "linked it: configuration item payroll-vm", 0},
		{"watch by email", url.Values{"action": {"watch"}, "person": {"victor@example.org"}}, svcflow.EventWatcherAdded,
			func(w workItem) bool { return slices.Contains(w.Watchers, "victor") }, "Alice Agent added Victor Visitor as a watcher.", 0},
		{"link the article", url.Values{"action": {"article"}, "article": {art.ID}}, svcflow.EventLinked,
			func(w workItem) bool { return slices.Contains(w.Links, svcflow.Link{Type: "knowledge", Other: art.ID}) }, "linked it: knowledge article " + art.ID, 0},
		{"pause", url.Values{"action": {"pause"}, "reason": {"awaiting_vendor"}}, svcflow.EventStepPaused,
			func(w workItem) bool { return w.Status == "on_hold" }, "Work paused: awaiting vendor.", 0},
		{"resume", url.Values{"action": {"resume"}}, svcflow.EventStepResumed,
			func(w workItem) bool { return w.Status == "in_progress" }, "Work resumed.", 0},
		{"resolve where it does not resolve", url.Values{"action": {"resolve"}}, "",
			func(w workItem) bool { return w.Visit.Step == "register" }, "", http.StatusConflict},
		{"complete", url.Values{"action": {"complete"}}, svcflow.EventStepCompleted,
			func(w workItem) bool { return w.Visit.Step == "investigate" }, "completed “Acknowledge and register the user query”.", 0},
		{"start the next step", url.Values{"action": {"start"}}, svcflow.EventStepStarted,
			func(w workItem) bool { return w.Visit.State == "active" }, "", 0},
		{"resolve", url.Values{"action": {"resolve"}, "outcome": {"fixed"}}, svcflow.EventStepCompleted,
			func(w workItem) bool { return w.Status == "resolved" }, "It was resolved.", 0},
	}
	for _, st := range steps {
		before := e.item(w.ID)
		n := before.Version
		st.form.Set("csrf_token", tok)
		st.form.Set("version", strconv.Itoa(before.Version))
		res, page := b.do("POST", path+"/staff", st.form)
		want := st.status
		if want == 0 {
			want = http.StatusSeeOther
		}
		if res.StatusCode != want {
			t.Fatalf("%s: status %d, want %d\n%s", st.name, res.StatusCode, want, page)
		}
		types := e.eventTypes(w.ID, n)
		if st.want == "" && len(types) != 0 {
			t.Errorf("%s was refused yet wrote %v", st.name, types)
		}
		if st.want != "" && !slices.Contains(types, st.want) {
			t.Errorf("%s wrote %v, want a %s event", st.name, types, st.want)
		}
		if got := e.item(w.ID); !st.check(got) {
			t.Errorf("after %s the item is %+v (visit %+v)", st.name, got, got.Visit)
		}
		if st.say != "" {
			if _, page := b.do("GET", path, nil); !strings.Contains(page, st.say) {
				t.Errorf("after %s the history does not say %q", st.name, st.say)
			}
		}
	}
	_, page = b.do("GET", path, nil)
	if strings.Contains(page, "<script>alert") {
		t.Errorf("a link's text is not escaped")
	}
	for _, want := range []string{"Victor Visitor", "Payroll VM", "Payroll VM down", `href="/items/` + other.ID + `"`, "Payroll database is slow"} {
		if !strings.Contains(page, want) {
			t.Errorf("the resolved item's page lacks %q", want)
		}
	}

	// Knowledge suggestions over the title, on request.
	res, page = b.do("POST", "/items/"+other.ID+"/staff", url.Values{"csrf_token": {tok}, "action": {"suggest"}, "version": {itemVersion(t, e, other.ID)}})
	if res.StatusCode != 200 || !strings.Contains(page, "Suggested articles") || !strings.Contains(page, "Payroll database is slow") || !strings.Contains(page, ">Link this article</button>") {
		t.Errorf("suggestions for %s: %d\n%s", other.ID, res.StatusCode, page)
	}

	// Marking a duplicate links it and cancels it.
	dup := e.open("alice", map[string]any{"kind": "incident", "title": "Payroll VM unreachable"})
	res, _ = b.do("POST", "/items/"+dup.ID+"/staff", url.Values{"csrf_token": {tok}, "action": {"duplicate"}, "of": {other.ID}, "version": {strconv.Itoa(dup.Version)}})
	if got := e.item(dup.ID); res.StatusCode != http.StatusSeeOther || got.Status != "cancelled" || !slices.Contains(got.Links, svcflow.Link{Type: "duplicate-of", Other: other.ID}) {
		t.Errorf("duplicate: %d, item %+v", res.StatusCode, got)
	}
	if _, page := b.do("GET", "/items/"+dup.ID, nil); !strings.Contains(page, "duplicate of <a href=\"/items/"+other.ID+"\">") || strings.Contains(page, "Mark as duplicate") {
		t.Errorf("the duplicate's page:\n%s", page)
	}
	// A watcher who does not exist is named on the page, and nothing changes.
	v := e.item(other.ID).Version
	res, page = b.do("POST", "/items/"+other.ID+"/staff", url.Values{"csrf_token": {tok}, "action": {"watch"}, "person": {"nobody@example.org"}, "version": {strconv.Itoa(v)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "no person") || e.item(other.ID).Version != v {
		t.Errorf("an unknown watcher: %d\n%s", res.StatusCode, page)
	}
}

// TestItemWorkspaceStaleAndForbidden: a form made from an older version
// changes nothing and says the item changed meanwhile; a requester may post
// no staff action and sees neither internal comments nor the staff panel;
// a forged form is refused.
func TestItemWorkspaceStaleAndForbidden(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Mail bounces"})
	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")
	_, page := b.do("GET", "/items/"+w.ID, nil)
	tok := csrf(t, page)
	old := strconv.Itoa(w.Version)
	// Someone else acts meanwhile.
	e.action("alice", w.ID, "watch", map[string]any{"person": "max"})
	for _, form := range []url.Values{
		{"action": {"start"}}, {"action": {"assign"}, "team": {"application-support"}}, {"action": {"swarm"}},
		{"action": {"reclassify"}, "kind": {"problem"}}, {"action": {"watch"}, "person": {"victor"}},
		{"action": {"link"}, "type": {"vendor-ticket"}, "other": {"V-1"}}, {"action": {"pause"}, "reason": {"awaiting_vendor"}},
	} {
		before := e.item(w.ID).Version
		form.Set("csrf_token", tok)
		form.Set("version", old)
		res, page := b.do("POST", "/items/"+w.ID+"/staff", form)
		if res.StatusCode != http.StatusConflict || !strings.Contains(page, "It changed meanwhile") || !strings.Contains(page, `role="alert"`) {
			t.Errorf("stale %s: %d\n%s", form.Get("action"), res.StatusCode, page)
		}
		if after := e.item(w.ID).Version; after != before {
			t.Errorf("stale %s changed the item: version %d → %d", form.Get("action"), before, after)
		}
	}
	// A forged form (no token) changes nothing.
	if res, _ := b.do("POST", "/items/"+w.ID+"/staff", url.Values{"action": {"swarm"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a form without the token: %d, want 403", res.StatusCode)
	}
	// An internal comment, and a public one with markup.
	b.do("POST", "/items/"+w.ID+"/comment", url.Values{"csrf_token": {tok}, "body": {"Relay quota zanzibar exceeded"}, "internal": {"1"}})
	b.do("POST", "/items/"+w.ID+"/comment", url.Values{"csrf_token": {tok}, "body": {"Try again <script>alert(2)</script>"}})
	_, page = b.do("GET", "/items/"+w.ID, nil)
	if !strings.Contains(page, "Alice Agent wrote, for staff only:") || !strings.Contains(page, "zanzibar") ||
		!strings.Contains(page, "&lt;script&gt;alert(2)") || strings.Contains(page, "<script>alert") {
		t.Errorf("the staff history:\n%s", page)
	}

	req := newBrowser(t, e)
	req.signIn("ursula", "ursula@example.org")
	res, page := req.do("GET", "/items/"+w.ID, nil)
	if res.StatusCode != 200 {
		t.Fatalf("the requester's page: %d", res.StatusCode)
	}
	for _, hidden := range []string{"zanzibar", "for staff only", "Work on it", "Related items", "/staff\"", `name="version"`, "Internal: only staff"} {
		if strings.Contains(page, hidden) {
			t.Errorf("the requester sees %q", hidden)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(2)") {
		t.Errorf("the requester does not see the public comment")
	}
	rtok := csrf(t, page)
	before := e.item(w.ID).Version
	for _, action := range []string{"start", "complete", "resolve", "pause", "resume", "escalate", "approve", "reject", "assign",
		"swarm", "reclassify", "task", "link", "duplicate", "watch", "article", "suggest"} {
		res, page := req.do("POST", "/items/"+w.ID+"/staff", url.Values{"csrf_token": {rtok}, "action": {action}, "version": {strconv.Itoa(before)},
			"person": {"ursula"}, "team": {"service-desk"}, "kind": {"problem"}, "type": {"vendor-ticket"}, "other": {"V-2"}, "reason": {"awaiting_vendor"}})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "page is for agents") {
			t.Errorf("a requester's %s: %d, want the 403 page", action, res.StatusCode)
		}
	}
	if after := e.item(w.ID).Version; after != before {
		t.Errorf("the requester's posts changed the item: version %d → %d", before, after)
	}
}

// TestSearchPage: search finds an item by a word of its description, not
// by a word of an internal comment; filters narrow the results; without
// words it lists recent open items; a full page links to the next one;
// titles stay escaped; requesters are sent home.
func TestSearchPage(t *testing.T) {
	e := newTestEnv(t)
	printer := e.open("alice", map[string]any{"kind": "incident", "title": "Printer <script>jams</script>", "description": "Paper stuck in tray seven"})
	laptop := e.open("alice", map[string]any{"kind": "query", "title": "Laptop slow", "description": "Takes ages to boot"})
	e.action("alice", laptop.ID, "comment", map[string]any{"body": "Vendor code zanzibar", "public": false})
	e.action("alice", laptop.ID, "comment", map[string]any{"body": "Maybe the disk is quokka", "public": true})
	done := e.open("alice", map[string]any{"kind": "incident", "title": "Old trouble with the tray", "description": "tray again"})
	e.action("alice", done.ID, "cancel", map[string]any{"reason": "duplicate"})

	b := newBrowser(t, e)
	b.signIn("alice", "alice@example.org")
	rows := func(query string) string {
		t.Helper()
		res, page := b.do("GET", "/search"+query, nil)
		if res.StatusCode != 200 {
			t.Fatalf("search %s: %d\n%s", query, res.StatusCode, page)
		}
		if strings.Contains(page, "<script>jams") {
			t.Errorf("a title is not escaped")
		}
		return page
	}
	cases := []struct {
		query     string
		want, not []string
	}{
		{"?q=tray", []string{printer.ID, done.ID}, []string{laptop.ID}},
		{"?q=zanzibar", nil, []string{laptop.ID}},
		{"?q=quokka", []string{laptop.ID}, []string{printer.ID}},
		{"", []string{printer.ID, laptop.ID, "Recent open items"}, []string{done.ID}},
		{"?q=tray&status=open", []string{printer.ID}, []string{done.ID}},
		{"?status=cancelled", []string{done.ID}, []string{printer.ID, laptop.ID}},
		{"?status=any&kind=query", []string{laptop.ID}, []string{printer.ID, done.ID}},
		{"?team=service-desk&stream=restore-live-service", []string{printer.ID, laptop.ID}, nil},
		{"?team=application-support", nil, []string{printer.ID, laptop.ID}},
	}
	for _, c := range cases {
		page := rows(c.query)
		for _, id := range c.want {
			if !strings.Contains(page, id) {
				t.Errorf("search %q lacks %s", c.query, id)
			}
		}
		for _, id := range c.not {
			if strings.Contains(page, ">"+id+"<") {
				t.Errorf("search %q lists %s", c.query, id)
			}
		}
	}
	if page := rows("?q=tray&kind=incident"); !strings.Contains(page, `<option value="incident" selected>`) || !strings.Contains(page, `value="tray"`) {
		t.Errorf("the form does not keep the query and filters")
	}
	res, _ := b.do("GET", "/search?kind=nonsense", nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an unknown kind: %d, want 422", res.StatusCode)
	}

	// A full page links to the next, which goes on below it.
	ctx := context.Background()
	alice, err := e.desk.Store().Person(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := range searchPageSize {
		e.at(i + 1)
		if _, err := e.desk.Open(ctx, alice, desk.OpenInput{Kind: svcflow.KindIncident, Title: "Batch item " + strconv.Itoa(i), Impact: 3, Urgency: 3}); err != nil {
			t.Fatal(err)
		}
	}
	page := rows("?q=batch")
	i := strings.Index(page, `rel="next"`)
	if i < 0 || strings.Count(page, "Batch item") != searchPageSize {
		t.Fatalf("a full page: %d rows, next link at %d", strings.Count(page, "Batch item"), i)
	}
	start := strings.LastIndex(page[:i], `href="`) + len(`href="`)
	next := strings.ReplaceAll(page[start:strings.Index(page[start:], `"`)+start], "&amp;", "&")
	if !strings.Contains(next, "q=batch") || !strings.Contains(next, "cursor=") {
		t.Fatalf("next link %q", next)
	}
	page = rows(strings.TrimPrefix(next, "/search"))
	if strings.Contains(page, `rel="next"`) || strings.Count(page, "Batch item") != 0 || !strings.Contains(page, "Nothing matches") {
		t.Errorf("the page after the last batch item:\n%s", page)
	}

	req := newBrowser(t, e)
	req.signIn("ursula", "ursula@example.org")
	if res, _ := req.do("GET", "/search?q=tray", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a requester's search: %d, want 303 home", res.StatusCode)
	}
}

// TestStaffTimelineWords: the staff history tells every event type in
// words of its own, never by its type's name.
func TestStaffTimelineWords(t *testing.T) {
	types := []svcflow.EventType{svcflow.EventCreated, svcflow.EventStepEntered, svcflow.EventStepStarted, svcflow.EventStepPaused,
		svcflow.EventStepResumed, svcflow.EventStepRequeued, svcflow.EventStepCompleted, svcflow.EventStepExited, svcflow.EventValueReached,
		svcflow.EventStatusChanged, svcflow.EventAssigned, svcflow.EventSwarmJoined, svcflow.EventSwarmLeft, svcflow.EventTaskDone,
		svcflow.EventApprovalAsked, svcflow.EventApprovalGiven, svcflow.EventCommented, svcflow.EventReclassified, svcflow.EventRerouted,
		svcflow.EventLinked, svcflow.EventSpawned, svcflow.EventFieldChanged, svcflow.EventWatcherAdded, svcflow.EventFeedback,
		svcflow.EventFeedbackRequested, svcflow.EventAgentFeedback, svcflow.EventReopened, svcflow.EventAttached, svcflow.EventSLAWarning,
		svcflow.EventSLABreached, svcflow.EventBaselineCaptured, svcflow.EventImprovementEvaluated, svcflow.EventRegisterChanged}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, typ := range types {
		ev := svcflow.Event{Type: typ, Time: at, Actor: "alice", Step: "register", Before: "new", After: "on_hold",
			Data: svcflow.EventData{Kind: svcflow.KindIncident, Priority: "P3", Person: "bob", Team: "service-desk", Reason: "awaiting_vendor",
				Outcome: "fixed", Task: "t", Comment: "C-1", Link: "caused-by", Other: "INC-1", Field: "impact", Score: 4, Decision: "approve"}}
		got := timeline([]svcflow.Event{ev}, []desk.Comment{{ID: "C-1", Body: "hello"}}, map[string]string{"alice": "Alice", "bob": "Bob"}, nil, true)
		if len(got) != 1 {
			t.Errorf("%s: %d lines", typ, len(got))
			continue
		}
		if got[0].Text == "Alice: "+strings.ReplaceAll(string(typ), "_", " ")+"." || strings.Contains(got[0].Text, string(typ)+".") {
			t.Errorf("%s is told by its name: %q", typ, got[0].Text)
		}
	}
}
