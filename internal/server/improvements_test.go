package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
)

// TestImprovementRegisterAPI raises, reads and changes register entries
// through the API: bad entries name the field, an entry is raised from
// the item that motivated it, the criterion is fixed once the baseline is
// captured, and a stream without work cannot draft from its bottleneck.
func TestImprovementRegisterAPI(t *testing.T) {
	e := newTestEnv(t)
	inc := e.open("ursula", map[string]any{"kind": "incident", "title": "Mail is down again"})
	criterion := map[string]any{"metric": "step_wait_p50", "step": "investigate", "direction": "decrease", "target": 900, "window": "14d"}
	good := func() map[string]any {
		return map[string]any{"title": "Faster investigation", "problem_observed": "Incidents wait hours before anyone looks",
			"proposed_action": "Add a second-line person in the mornings", "stream": "restore-live-service", "step": "investigate",
			"criterion": criterion, "sources": []map[string]any{{"type": "item", "ref": inc.ID}}}
	}
	for _, tt := range []struct {
		name, field string
		edit        func(map[string]any)
	}{
		{"no proposed action", "proposed_action", func(b map[string]any) { delete(b, "proposed_action") }},
		{"unknown metric", "criterion.metric", func(b map[string]any) {
			b["criterion"] = map[string]any{"metric": "happiness", "direction": "increase", "window": "14d"}
		}},
		{"a window in business days", "criterion.window", func(b map[string]any) {
			b["criterion"] = map[string]any{"metric": "reopen_rate", "direction": "decrease", "window": "10bd"}
		}},
		{"a step the stream lacks", "step", func(b map[string]any) { b["step"] = "triage" }},
		{"an unknown source item", "sources[0].ref", func(b map[string]any) {
			b["sources"] = []map[string]any{{"type": "item", "ref": "INC-999999"}}
		}},
		{"an unknown owner", "owner", func(b map[string]any) { b["owner"] = "nobody" }},
		{"an empty stream to draft from", "from_bottleneck", func(b map[string]any) {
			delete(b, "criterion")
			b["stream"], b["step"], b["from_bottleneck"] = "", "", "new-service"
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := good()
			tt.edit(b)
			who := "alice"
			if _, ok := b["from_bottleneck"]; ok {
				who = "max"
			}
			before := e.eventCount()
			r := e.do(who, "POST", "/api/v1/improvements", b)
			var p problem
			r.json(t, &p)
			if r.status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != tt.field {
				t.Errorf("got %d %+v, want 422 naming %s", r.status, p, tt.field)
			}
			if e.eventCount() != before {
				t.Errorf("a refused entry wrote events")
			}
		})
	}

	var imp improvement
	e.must(201, "alice", "POST", "/api/v1/improvements", good()).json(t, &imp)
	id := imp.Item.ID
	if imp.Item.Kind != svcflow.KindImprovement || imp.Item.Stream != "continual-improvement" || imp.Item.Visit.Step != "proposed" {
		t.Errorf("raised %s in %s at %+v, want an improvement at proposed", imp.Item.Kind, imp.Item.Stream, imp.Item.Visit)
	}
	if imp.Register.Owner != "alice" || imp.Register.Criterion.Stream != "restore-live-service" || len(imp.Item.Links) != 1 ||
		imp.Item.Links[0] != (svcflow.Link{Type: svcflow.LinkRaisedFrom, Other: inc.ID}) {
		t.Errorf("register %+v, links %v: want alice as owner, the criterion scoped to the stream, raised from %s", imp.Register, imp.Item.Links, inc.ID)
	}
	e.must(404, "ursula", "GET", "/api/v1/improvements/"+id, nil)
	e.must(404, "alice", "GET", "/api/v1/improvements/"+inc.ID, nil)
	var list improvementList
	e.must(200, "bob", "GET", "/api/v1/improvements?stream=restore-live-service", nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].Item.ID != id {
		t.Errorf("register %+v, want %s", list.Items, id)
	}

	// The criterion may change until the baseline is captured.
	r := e.must(200, "alice", "PATCH", "/api/v1/improvements/"+id, map[string]any{"criterion": map[string]any{
		"metric": "step_wait_mean", "step": "investigate", "stream": "restore-live-service", "direction": "decrease", "target": 600, "window": "14d"}},
		"If-Match", etag(imp.Item.Version))
	r.json(t, &imp)
	if imp.Register.Criterion.Metric != svcflow.MetricStepWaitMean {
		t.Errorf("criterion %+v after the change", imp.Register.Criterion)
	}
	e.must(412, "alice", "PATCH", "/api/v1/improvements/"+id, map[string]any{"proposed_action": "x"}, "If-Match", etag(imp.Item.Version-1))
	e.must(428, "alice", "PATCH", "/api/v1/improvements/"+id, map[string]any{"proposed_action": "x"})

	// The incident is worked, so that the step has a visit to measure;
	// then approval, and the register's job captures the baseline.
	e.action("alice", inc.ID, "start", nil)
	e.action("alice", inc.ID, "complete", nil)
	e.at(30)
	e.action("alice", inc.ID, "start", nil)
	e.action("alice", inc.ID, "complete", map[string]any{"outcome": "fixed"})
	e.at(60)
	ctx := context.Background()
	owner := &svcflow.Person{ID: "sam", Name: "Sam Owner", Email: "sam@example.org", Role: svcflow.RoleAgent,
		Teams: []string{"improvement-team"}, Approves: []string{"service-owner"}}
	if err := e.desk.SavePerson(ctx, nil, owner); err != nil {
		t.Fatal(err)
	}
	for _, c := range []svcflow.Command{svcflow.Start{}, svcflow.Complete{}, svcflow.Approve{}} {
		if _, err := e.desk.Act(ctx, owner, id, 0, c); err != nil {
			t.Fatalf("%s: %v", svcflow.CommandName(c), err)
		}
	}
	e.must(403, "alice", "POST", "/api/v1/improvements/evaluate", nil)
	var pass struct{ Baselines, Evaluations, Problems []string }
	e.must(200, "max", "POST", "/api/v1/improvements/evaluate", nil).json(t, &pass)
	if len(pass.Baselines) != 1 || len(pass.Problems) != 0 {
		t.Fatalf("the job did %+v, want the baseline of %s", pass, id)
	}
	e.must(200, "bob", "GET", "/api/v1/improvements/"+id, nil).json(t, &imp)
	if b := imp.Register.Baseline; b == nil || len(b.Values) != 1 || b.Values[0] != 30*60 || !b.To.Equal(t0.Add(time.Hour)) {
		t.Fatalf("baseline %+v, want one day with the 30 minute wait, to the approval", b)
	}
	r = e.do("alice", "PATCH", "/api/v1/improvements/"+id, map[string]any{"criterion": criterion}, "If-Match", etag(imp.Item.Version))
	var p problem
	r.json(t, &p)
	if r.status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != "criterion" || !strings.Contains(p.Detail, "baseline") {
		t.Errorf("changing the criterion after the baseline: %d %+v, want 422 on criterion", r.status, p)
	}
	e.must(403, "bob", "PATCH", "/api/v1/improvements/"+id, map[string]any{"proposed_action": "x"}, "If-Match", etag(imp.Item.Version))
	e.must(200, "alice", "PATCH", "/api/v1/improvements/"+id, map[string]any{"proposed_action": "Two second-line people in the mornings"},
		"If-Match", etag(imp.Item.Version)).json(t, &imp)
	evs := e.desk.Store()
	events, err := evs.ItemEvents(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Type != svcflow.EventRegisterChanged || last.Data.Field != "proposed_action" || last.Actor != "alice" {
		t.Errorf("last event %+v, want register_changed of proposed_action by alice", last)
	}
	e.must(200, "max", "POST", "/api/v1/improvements/evaluate", nil).json(t, &pass)
	if len(pass.Baselines)+len(pass.Evaluations) != 0 {
		t.Errorf("a second run did %+v, want nothing", pass)
	}
}
