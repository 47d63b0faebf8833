package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

// TestQueueAndPull: the service desk's queue is ranked by priority, and a
// pull into a step at its WIP limit is refused, naming the full step.
func TestQueueAndPull(t *testing.T) {
	e := newTestEnv(t)
	low := e.open("ursula", map[string]any{"kind": "incident", "title": "Low", "impact": 3, "urgency": 3})
	e.at(10)
	high := e.open("ursula", map[string]any{"kind": "incident", "title": "High", "impact": 1, "urgency": 1})
	var q struct {
		Policy  string
		Entries []struct {
			Item, Why string
		}
	}
	e.must(200, "alice", "GET", "/api/v1/teams/service-desk/queue", nil).json(t, &q)
	if q.Policy != "priority" || len(q.Entries) != 2 || q.Entries[0].Item != high.ID || q.Entries[1].Item != low.ID {
		t.Fatalf("queue %+v", q)
	}
	var p pullResult
	e.must(200, "alice", "POST", "/api/v1/teams/service-desk/pull", nil).json(t, &p)
	if p.Item.ID != high.ID || p.Item.Visit.State != "active" || p.Item.Visit.Assignee != "alice" {
		t.Errorf("pulled %s (%v)", p.Item.ID, p.Item.Visit)
	}

	// Three major incidents reach the swarm step, whose WIP limit is 2.
	var majors []string
	for i := range 3 {
		w := e.open("alice", map[string]any{"kind": "incident", "category": "major", "title": "Major " + string(rune('A'+i)), "requested_for": "ursula"})
		e.action("alice", w.ID, "complete", nil)
		majors = append(majors, w.ID)
	}
	e.must(200, "bob", "POST", "/api/v1/teams/application-support/pull", nil)
	e.must(200, "bob", "POST", "/api/v1/teams/application-support/pull", nil)
	r := e.must(409, "bob", "POST", "/api/v1/teams/application-support/pull", nil)
	if !strings.Contains(string(r.body), "step swarm is full: 2 of 2 in progress") {
		t.Errorf("third pull: %s", r.body)
	}
	e.must(403, "bob", "GET", "/api/v1/teams/service-desk/queue", nil)
}

// TestQueueShowsSLADue: with an SLA policy, queue entries carry the SLA due
// time the priority policy ranks by.
func TestQueueShowsSLADue(t *testing.T) {
	e := newTestEnv(t)
	e.must(201, "ada", "POST", "/api/v1/sla-policies", map[string]any{"id": "std", "name": "Standard",
		"targets": []map[string]any{{"priority": "P5", "response": "4h", "resolution": "2d"}}})
	e.open("ursula", map[string]any{"kind": "incident", "title": "Low"})
	var q struct {
		Entries []struct {
			Item   string     `json:"item"`
			SLADue *time.Time `json:"sla_due"`
		}
	}
	e.must(200, "alice", "GET", "/api/v1/teams/service-desk/queue", nil).json(t, &q)
	if len(q.Entries) != 1 || q.Entries[0].SLADue == nil || !q.Entries[0].SLADue.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("entries %+v, want the response due at t0+4h", q.Entries)
	}
}

// TestQueueDueFromSLASchedule: the SLA ticker saves each item version's due
// time, and an instance that has just started ranks its queue with it
// instead of reading the events.
func TestQueueDueFromSLASchedule(t *testing.T) {
	e := newTestEnv(t)
	e.must(201, "ada", "POST", "/api/v1/sla-policies", map[string]any{"id": "std", "name": "Standard",
		"targets": []map[string]any{{"priority": "P5", "response": "4h", "resolution": "2d"}}})
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Low"})
	if _, err := e.desk.SLATick(context.Background()); err != nil {
		t.Fatal(err)
	}
	saved, err := e.store.SLASchedules(context.Background(), []string{w.ID})
	if err != nil || !saved[w.ID].Due.Equal(t0.Add(4*time.Hour)) {
		t.Fatalf("schedule saved by the tick: %+v %v, want the response due at t0+4h", saved, err)
	}
	// A marker due time for the same version shows the view reads the
	// schedule rather than the events.
	g, err := e.store.SLAGeneration(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	marker := saved[w.ID]
	marker.Due = t0.Add(time.Hour)
	if err := e.store.ScheduleSLA(context.Background(), g, []desk.SLASchedule{marker}); err != nil {
		t.Fatal(err)
	}
	fresh := desk.New(desk.Options{Store: e.store, Now: e.clock}) // another instance, nothing cached
	alice, err := fresh.Person(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	q, err := fresh.Queue(context.Background(), alice, "service-desk")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Entries) != 1 || !q.Entries[0].SLADue.Equal(marker.Due) {
		t.Errorf("entries %+v, want the saved due time %v", q.Entries, marker.Due)
	}
}
