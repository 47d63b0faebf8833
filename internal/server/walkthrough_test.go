package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func eventTypes(t *testing.T, e *testEnv, id string) string {
	t.Helper()
	var evs eventList
	e.must(200, "max", "GET", "/api/v1/work-items/"+id+"/events", nil).json(t, &evs)
	var out []string
	for _, ev := range evs.Events {
		s := string(ev.Type)
		if ev.Step != "" {
			s += ":" + ev.Step
		}
		if ev.After != "" && ev.Type == "status_changed" {
			s += ":" + ev.After
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

type visitList struct {
	Visits []visitTimes `json:"visits"`
}

// TestWalkthroughRestoration drives an incident through the whole
// restoration stream over HTTP and checks every event, the statuses and
// each visit's wait, cycle and blocked times against the injected clock.
func TestWalkthroughRestoration(t *testing.T) {
	e := newTestEnv(t)
	e.at(0)
	w := e.open("ursula", map[string]any{"kind": "query", "title": "Cannot reach the payroll site", "impact": 2, "urgency": 1})
	if w.Status != "new" || w.Visit.Step != "register" || w.Visit.State != "queued" || w.Priority != "P2" {
		t.Fatalf("after create: %+v %+v", w, w.Visit)
	}
	id := w.ID
	status := func(want string) {
		t.Helper()
		var got workItem
		e.must(200, "ursula", "GET", "/api/v1/work-items/"+id, nil).json(t, &got)
		if string(got.Status) != want {
			t.Errorf("status %s, want %s", got.Status, want)
		}
	}
	e.at(3)
	e.action("alice", id, "start", nil)
	status("in_progress")
	e.at(10)
	e.action("alice", id, "complete", nil) // register: wait 3, cycle 7
	e.at(12)
	e.action("alice", id, "pause", map[string]any{"reason": "awaiting_requester"}) // paused while queued
	status("on_hold")
	e.at(42)
	e.action("alice", id, "resume", nil)
	status("in_progress")
	e.at(45)
	e.action("alice", id, "start", nil)
	e.at(50)
	e.action("alice", id, "reclassify", map[string]any{"kind": "incident"})
	e.at(60)
	w = e.action("alice", id, "complete", map[string]any{"outcome": "not_fixed"}) // investigate: wait 2+3, blocked 30, cycle 15
	if w.Visit.Step != "obtain-fix" || w.Visit.Team != "application-support" || w.Kind != "incident" {
		t.Fatalf("after not_fixed: %+v", w.Visit)
	}
	e.at(80)
	e.action("bob", id, "start", nil)
	e.at(100)
	w = e.action("bob", id, "escalate", map[string]any{"team": "infrastructure-ops", "reason": "needs a server change"})
	if w.Visit.Team != "infrastructure-ops" || w.Visit.State != "queued" || w.Visit.Assignee != "" {
		t.Fatalf("after escalate: %+v", w.Visit)
	}
	e.at(130)
	e.action("carol", id, "start", nil)
	e.at(190)
	e.action("carol", id, "complete", nil) // obtain-fix: wait 20+30, cycle 20+60
	e.at(200)
	e.action("carol", id, "start", nil)
	e.at(230)
	e.action("carol", id, "complete", nil) // deploy-fix: wait 10, cycle 30
	e.at(240)
	e.action("alice", id, "start", nil)
	e.at(250)
	w = e.action("alice", id, "complete", nil) // verify: wait 10, cycle 10 — resolves
	if w.Status != "resolved" || w.FirstResolved == nil || !w.FirstResolved.Equal(t0.Add(250*60e9)) {
		t.Fatalf("after verify: %s %v", w.Status, w.FirstResolved)
	}
	e.at(260)
	e.action("ursula", id, "feedback", map[string]any{"score": 5, "comment": "Thanks, works again"})
	e.action("alice", id, "start", nil)
	e.at(270)
	e.action("alice", id, "complete", nil) // feedback: wait 10, cycle 10
	e.at(300)
	e.action("max", id, "start", nil)
	e.at(360)
	w = e.action("max", id, "complete", nil) // improve: wait 30, cycle 60
	if w.Visit != nil || w.ValueReached == nil || w.Status != "resolved" {
		t.Fatalf("after improve: %+v", w)
	}

	want := "created step_entered:register step_started:register status_changed:in_progress step_completed:register " +
		"step_entered:investigate step_paused:investigate status_changed:on_hold step_resumed:investigate status_changed:in_progress " +
		"step_started:investigate reclassified:investigate step_completed:investigate step_entered:obtain-fix " +
		"step_started:obtain-fix step_requeued:obtain-fix step_started:obtain-fix step_completed:obtain-fix " +
		"step_entered:deploy-fix step_started:deploy-fix step_completed:deploy-fix " +
		"step_entered:verify step_started:verify step_completed:verify status_changed:resolved feedback_requested step_entered:feedback " +
		"feedback_given:feedback step_started:feedback step_completed:feedback " +
		"step_entered:improve step_started:improve step_completed:improve value_reached"
	if got := eventTypes(t, e, id); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}

	var vl visitList
	e.must(200, "ursula", "GET", "/api/v1/work-items/"+id+"/visits", nil).json(t, &vl)
	type times struct{ wait, cycle, blocked float64 }
	wantTimes := []struct {
		step string
		times
	}{
		{"register", times{3, 7, 0}}, {"investigate", times{5, 15, 30}}, {"obtain-fix", times{50, 80, 0}},
		{"deploy-fix", times{10, 30, 0}}, {"verify", times{10, 10, 0}}, {"feedback", times{10, 10, 0}}, {"improve", times{30, 60, 0}},
	}
	if len(vl.Visits) != len(wantTimes) {
		t.Fatalf("%d visits, want %d", len(vl.Visits), len(wantTimes))
	}
	for i, v := range vl.Visits {
		got := times{v.WaitS / 60, v.CycleS / 60, v.BlockedS / 60}
		if v.Step != wantTimes[i].step || got != wantTimes[i].times {
			t.Errorf("visit %d %s: wait/cycle/blocked %v min, want %s %v", i, v.Step, got, wantTimes[i].step, wantTimes[i].times)
		}
		if v.Ended == nil || v.WaitS+v.CycleS+v.BlockedS != v.Ended.Sub(v.Entered).Seconds() {
			t.Errorf("visit %s: wait+cycle+blocked != end − entered", v.Step)
		}
	}
	if fix := vl.Visits[2]; fix.Requeues != 1 || strings.Join(fix.Teams, ",") != "application-support,infrastructure-ops" {
		t.Errorf("obtain-fix: %+v", fix)
	}
}

func TestWalkthroughFixedStraightToValue(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Outlook crashes"})
	e.action("alice", w.ID, "complete", nil)
	e.at(5)
	e.action("alice", w.ID, "start", nil)
	e.at(25)
	w = e.action("alice", w.ID, "complete", map[string]any{"outcome": "fixed"})
	if w.Status != "resolved" || w.Visit != nil || w.ValueReached == nil {
		t.Fatalf("fixed: %+v", w)
	}
	if got := eventTypes(t, e, w.ID); !strings.HasSuffix(got, "step_started:investigate step_completed:investigate value_reached status_changed:resolved feedback_requested") {
		t.Errorf("events: %s", got)
	}
	w = e.action("ursula", w.ID, "close", nil)
	if w.Status != "closed" {
		t.Errorf("close: %s", w.Status)
	}
}

func TestWalkthroughReopen(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "VPN drops"})
	e.action("alice", w.ID, "complete", nil)
	e.at(10)
	w = e.action("alice", w.ID, "resolve", map[string]any{"outcome": "fixed"})
	if w.Status != "resolved" {
		t.Fatalf("resolve: %s", w.Status)
	}
	e.at(100)
	w = e.action("ursula", w.ID, "reopen", map[string]any{"reason": "it dropped again"})
	if w.Status != "in_progress" || w.Visit == nil || w.Visit.Step != "investigate" || w.Reopens != 1 {
		t.Fatalf("reopen: %+v %+v", w, w.Visit)
	}
	if got := eventTypes(t, e, w.ID); !strings.HasSuffix(got, "value_reached status_changed:resolved feedback_requested reopened status_changed:in_progress step_entered:investigate") {
		t.Errorf("events: %s", got)
	}
	var vl visitList
	e.must(200, "alice", "GET", "/api/v1/work-items/"+w.ID+"/visits", nil).json(t, &vl)
	last := vl.Visits[len(vl.Visits)-1]
	if last.Step != "investigate" || last.Ordinal != 2 || last.Ended != nil {
		t.Errorf("the reopen is an open second visit to investigate: %+v", last)
	}
}

// TestAgentsKeepSightOfTheirWork: an item that has reached value stays
// visible to the agents of the teams that worked it.
func TestAgentsKeepSightOfTheirWork(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Keyboard dead"})
	e.action("alice", w.ID, "complete", nil)
	e.action("alice", w.ID, "complete", map[string]any{"outcome": "fixed"})
	e.must(200, "alice", "GET", "/api/v1/work-items/"+w.ID, nil)
	e.must(200, "alice", "POST", "/api/v1/work-items/"+w.ID+"/comment", map[string]any{"body": "follow-up", "public": true})
	e.must(404, "bob", "GET", "/api/v1/work-items/"+w.ID, nil)
}

// TestRequesterSelfService: requesters may take a stream's self-service
// entry point, and no other.
func TestRequesterSelfService(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "service_request", "category": "password-reset", "title": "Forgot my password", "entry": "self_service"})
	if w.Status != "resolved" || w.ValueReached == nil {
		t.Errorf("self-service reset: %s", w.Status)
	}
	e.must(403, "ursula", "POST", "/api/v1/work-items", map[string]any{"kind": "incident", "title": "x", "entry": "monitoring"})
}

// TestAttachmentRoundTrip: a file uploaded comes back byte for byte, with
// its SHA-256 recorded and an event on the item; limits are enforced.
func TestAttachmentRoundTrip(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Screen flickers"})
	content := make([]byte, 300_000)
	for i := range content {
		content[i] = byte(i*7 + i/251)
	}
	var a struct {
		ID, SHA256, Name string
		ContentType      string `json:"content_type"`
		Size             int64
	}
	e.must(201, "ursula", "POST", "/api/v1/work-items/"+w.ID+"/attachments?name=../../etc/screen.png", content, "Content-Type", "image/png").json(t, &a)
	sum := sha256.Sum256(content)
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(content)) || a.Name != "screen.png" || a.ContentType != "image/png" {
		t.Errorf("metadata %+v", a)
	}
	r := e.must(200, "alice", "GET", "/api/v1/attachments/"+a.ID, nil)
	if !bytes.Equal(r.body, content) {
		t.Errorf("download differs from upload (%d bytes, want %d)", len(r.body), len(content))
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	e.must(404, "victor", "GET", "/api/v1/attachments/"+a.ID, nil)
	e.must(422, "ursula", "POST", "/api/v1/work-items/"+w.ID+"/attachments?name=run.exe", []byte("MZ"), "Content-Type", "application/x-msdownload")
	e.must(422, "ursula", "POST", "/api/v1/work-items/"+w.ID+"/attachments", []byte("x"), "Content-Type", "text/plain")
	if got := eventTypes(t, e, w.ID); !strings.Contains(got, "attachment_added") {
		t.Errorf("no attachment event: %s", got)
	}
}

// TestReclassifyLinkMode: over the API, link mode opens the incident with
// the query's creation time, text and current visit, and ends the query.
func TestReclassifyLinkMode(t *testing.T) {
	e := newTestEnv(t)
	q := e.open("ursula", map[string]any{"kind": "query", "title": "Is the VPN down?"})
	e.at(5)
	e.action("alice", q.ID, "complete", nil)
	e.at(8)
	e.action("alice", q.ID, "start", nil)
	e.at(15)
	q = e.action("alice", q.ID, "reclassify", map[string]any{"kind": "incident", "mode": "link"})
	if q.Status != "cancelled" || len(q.Links) != 1 || q.Links[0].Type != "reclassified-to" {
		t.Fatalf("query after link-mode reclassification: %+v", q)
	}
	var inc workItem
	e.must(200, "ursula", "GET", "/api/v1/work-items/"+q.Links[0].Other, nil).json(t, &inc)
	if inc.Kind != "incident" || inc.Title != "Is the VPN down?" || !inc.Created.Equal(t0) || inc.Visit == nil ||
		inc.Visit.Step != "investigate" || inc.Visit.State != "active" || inc.Status != "in_progress" {
		t.Errorf("incident %+v %+v", inc, inc.Visit)
	}
	e.must(422, "alice", "POST", "/api/v1/work-items/"+inc.ID+"/reclassify", map[string]any{"kind": "query", "mode": "copy"})
}

// TestMetrics: /metrics carries the HTTP series of this instance and the
// database-wide work item counts.
func TestMetrics(t *testing.T) {
	e := newTestEnv(t)
	e.open("ursula", map[string]any{"kind": "incident", "title": "Counted"})
	r := e.must(200, "", "GET", "/metrics", nil)
	for _, want := range []string{`svcflow_work_items{status="new"} 1`, `svcflow_store_up 1`, `svcflow_http_requests_total{code="201",route="POST /api/v1/work-items"} 1`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
