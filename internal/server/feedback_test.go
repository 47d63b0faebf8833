package server

import (
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

// TestFeedbackAPI: the requester rates a resolved item, an agent leaves
// remarks on the work, both are kept centrally and listed for managers,
// and an improvement cites the agent's remarks.
func TestFeedbackAPI(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Printer offline"})
	e.must(409, "ursula", "POST", "/api/v1/work-items/"+w.ID+"/feedback", map[string]any{"score": 4})
	e.action("alice", w.ID, "start", nil)
	e.action("alice", w.ID, "complete", nil)
	e.action("alice", w.ID, "start", nil)
	w = e.action("alice", w.ID, "complete", map[string]any{"outcome": "fixed"})
	if w.Status != svcflow.StatusResolved {
		t.Fatalf("status %s", w.Status)
	}
	r := e.do("ursula", "POST", "/api/v1/work-items/"+w.ID+"/feedback", map[string]any{"comment": "no score"})
	var p problem
	r.json(t, &p)
	if r.status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != "score" {
		t.Errorf("requester feedback without a score: %d %+v", r.status, p)
	}
	w = e.action("ursula", w.ID, "feedback", map[string]any{"score": 2, "comment": "Took three calls"})
	if w.Feedback != 2 {
		t.Errorf("score %d", w.Feedback)
	}
	e.action("alice", w.ID, "feedback", map[string]any{"comment": "Triage had no printer model; we asked twice"})

	var list feedbackList
	e.must(200, "max", "GET", "/api/v1/feedback?stream=restore-live-service", nil).json(t, &list)
	if len(list.Items) != 2 || list.Items[0].Role != "agent" || list.Items[1].Role != "requester" || list.Items[1].Score != 2 ||
		list.Items[1].Comment != "Took three calls" {
		t.Fatalf("feedback %+v", list.Items)
	}
	e.must(403, "alice", "GET", "/api/v1/feedback", nil)
	e.must(200, "alice", "GET", "/api/v1/feedback?item="+w.ID, nil)
	e.must(404, "bob", "GET", "/api/v1/feedback?item="+w.ID, nil)
	e.must(422, "max", "GET", "/api/v1/feedback?role=boss", nil)

	body := map[string]any{"title": "Ask for the printer model at triage", "problem_observed": "Agents ask requesters twice",
		"proposed_action": "Add the model to the printer request form",
		"criterion":       map[string]any{"metric": "satisfaction_mean", "direction": "increase", "target": 4, "window": "4w"},
		"sources":         []map[string]any{{"type": "feedback", "ref": list.Items[0].ID}}}
	var imp improvement
	e.must(201, "max", "POST", "/api/v1/improvements", body).json(t, &imp)
	if imp.Register.Sources[0].Ref != list.Items[0].ID {
		t.Errorf("sources %+v", imp.Register.Sources)
	}
	body["sources"] = []map[string]any{{"type": "feedback", "ref": "FB-999"}}
	r = e.do("max", "POST", "/api/v1/improvements", body)
	r.json(t, &p)
	if r.status != 422 || p.Errors[0].Field != "sources[0].ref" {
		t.Errorf("an unknown feedback source: %d %+v", r.status, p)
	}
}

// TestRerouteAPI: an agent moves a query to the request stream; the
// requester cannot.
func TestRerouteAPI(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "query", "title": "I need a CRM licence"})
	e.must(403, "ursula", "POST", "/api/v1/work-items/"+w.ID+"/reroute", map[string]any{"stream": "request-fulfilment"})
	r := e.do("alice", "POST", "/api/v1/work-items/"+w.ID+"/reroute", map[string]any{"stream": "request-fulfillment"})
	var p problem
	r.json(t, &p)
	if r.status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != "stream" {
		t.Errorf("a misspelt stream: %d %+v", r.status, p)
	}
	w = e.action("alice", w.ID, "reroute", map[string]any{"stream": "request-fulfilment", "reason": "a request, not a fault"})
	if w.Stream != "request-fulfilment" || w.Visit == nil {
		t.Fatalf("after the reroute: %s at %+v", w.Stream, w.Visit)
	}
	if got := eventTypes(t, e, w.ID); !strings.Contains(got, "step_exited:register rerouted step_entered:") {
		t.Errorf("events: %s", got)
	}
}
