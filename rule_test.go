package svcflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
)

func ruleItem() *svcflow.WorkItem {
	return &svcflow.WorkItem{ID: "INC-1", Version: 3, Kind: svcflow.KindIncident, Impact: 2, Urgency: 2, Priority: svcflow.P3,
		Status: svcflow.StatusInProgress, Category: "network", Created: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Visit: &svcflow.Visit{Step: "investigate", Team: "service-desk"}}
}

func TestRuleMatches(t *testing.T) {
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	ev := svcflow.Event{Item: "INC-1", Version: 3, Type: svcflow.EventStepEntered, Actor: "alice", Time: at}
	base := svcflow.Rule{ID: "r", Name: "R", Enabled: true, On: []svcflow.EventType{svcflow.EventStepEntered}, Then: []svcflow.RuleAction{{Close: true}}}
	for _, c := range []struct {
		name  string
		edit  func(r *svcflow.Rule, e *svcflow.Event)
		title string
		want  bool
	}{
		{"trigger", func(*svcflow.Rule, *svcflow.Event) {}, "", true},
		{"other event", func(_ *svcflow.Rule, e *svcflow.Event) { e.Type = svcflow.EventAssigned }, "", false},
		{"any event", func(r *svcflow.Rule, e *svcflow.Event) {
			r.On = []svcflow.EventType{svcflow.AnyEvent}
			e.Type = svcflow.EventAssigned
		}, "", true},
		{"own kind of actor", func(_ *svcflow.Rule, e *svcflow.Event) { e.Actor = "rule:other" }, "", false},
		{"system acts", func(_ *svcflow.Rule, e *svcflow.Event) { e.Actor = svcflow.SystemActor }, "", true},
		{"condition holds", func(r *svcflow.Rule, _ *svcflow.Event) {
			r.If = `kind == incident and team == service-desk and step == investigate and status == in_progress`
		}, "", true},
		{"condition fails", func(r *svcflow.Rule, _ *svcflow.Event) { r.If = `priority in [P1, P2]` }, "", false},
		{"contains", func(r *svcflow.Rule, _ *svcflow.Event) { r.Text = &svcflow.TextMatch{Contains: "VPN"} }, "the vpn drops", true},
		{"contains not", func(r *svcflow.Rule, _ *svcflow.Event) { r.Text = &svcflow.TextMatch{Contains: "printer"} }, "the vpn drops", false},
		{"regexp", func(r *svcflow.Rule, _ *svcflow.Event) { r.Text = &svcflow.TextMatch{Matches: `\bvpn\b`} }, "VPN drops", true},
		{"regexp not", func(r *svcflow.Rule, _ *svcflow.Event) { r.Text = &svcflow.TextMatch{Matches: `\bvpn\b`} }, "openvpn drops", false},
		{"old enough", func(r *svcflow.Rule, _ *svcflow.Event) { r.OlderThan = svcflow.Duration{Calendar: 3 * time.Hour} }, "", true},
		{"too young", func(r *svcflow.Rule, _ *svcflow.Event) { r.OlderThan = svcflow.Duration{Calendar: 4 * time.Hour} }, "", false},
		{"in business hours", func(r *svcflow.Rule, _ *svcflow.Event) {
			r.BusinessHours = &svcflow.BusinessHours{Calendar: "office", Open: true}
		}, "", true},
		{"out of hours wanted", func(r *svcflow.Rule, _ *svcflow.Event) {
			r.BusinessHours = &svcflow.BusinessHours{Calendar: "office", Open: false}
		}, "", false},
		{"unknown calendar", func(r *svcflow.Rule, _ *svcflow.Event) {
			r.BusinessHours = &svcflow.BusinessHours{Calendar: "night-shift", Open: true}
		}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, e := base, ev
			c.edit(&r, &e)
			if ds := r.Validate(); len(ds) > 0 {
				t.Fatalf("invalid rule: %v", ds)
			}
			office := &svcflow.Calendar{ID: "office", Name: "Office", TimeZone: "UTC", Hours: []svcflow.WorkingHours{{
				Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: "08:00", End: "18:00"}}}
			if err := office.Validate(); err != nil {
				t.Fatal(err)
			}
			cals := func(id string) *svcflow.Calendar {
				if id == office.ID {
					return office
				}
				return nil
			}
			got := r.Matches(svcflow.RuleInput{Event: e, Item: ruleItem(), Title: c.title, Now: at, Calendars: cals})
			if got != c.want {
				t.Errorf("Matches = %v, want %v", got, c.want)
			}
		})
	}
}

func TestRulePlan(t *testing.T) {
	r := svcflow.Rule{ID: "r", Then: []svcflow.RuleAction{
		{Route: "network"}, {Assign: "alice"}, {Set: &svcflow.RuleSet{Priority: svcflow.P1}}, {Set: &svcflow.RuleSet{Priority: svcflow.P5}},
		{Approve: true}, {Close: true}, {LinkKnowledge: true}, {Notify: "chat"},
	}}
	plan := r.Plan(svcflow.RuleInput{Item: ruleItem()}, svcflow.DefaultPriorityMatrix)
	var names []string
	for _, p := range plan {
		names = append(names, p.Action)
	}
	if got := strings.Join(names, ","); got != "route,assign,set,set,approve,close,link_knowledge,notify" {
		t.Fatalf("actions %s", got)
	}
	if c, ok := plan[0].Command.(svcflow.Escalate); !ok || c.Team != "network" || c.Reason != "rule:r" {
		t.Errorf("route %#v", plan[0].Command)
	}
	// P1 from (2, 2): the impact must change too, since (2, u) is never P1.
	if c := plan[2].Command.(svcflow.Update); *c.Impact != 1 || *c.Urgency != 1 {
		t.Errorf("P1 from (2,2): impact %d urgency %d", *c.Impact, *c.Urgency)
	}
	// P5 from (2, 2): (3, 3) is the only P5 cell.
	if c := plan[3].Command.(svcflow.Update); *c.Impact != 3 || *c.Urgency != 3 {
		t.Errorf("P5 from (2,2): impact %d urgency %d", *c.Impact, *c.Urgency)
	}
	if plan[6].Command != nil || plan[7].Command != nil {
		t.Error("knowledge and notify are the engine's to resolve")
	}
}

// TestRuleApprover: a rule decides an approval only where the step lists
// it, and its decision counts under its own name.
func TestRuleApprover(t *testing.T) {
	s := &svcflow.ValueStream{ID: "s", Revision: 1, Steps: []svcflow.Step{
		{ID: "ok", Activity: svcflow.Activity("plan"), Approval: &svcflow.Approval{Approvers: []svcflow.Approver{{Role: "cab"}, {Rule: "low-risk"}}, Quorum: 1, OnReject: svcflow.CancelOnReject},
			Next: []svcflow.Transition{{To: svcflow.End}}},
	}}
	w := &svcflow.WorkItem{ID: "CHG-1", Version: 3, Kind: svcflow.KindChange, Stream: "s", StreamRevision: 1, Status: svcflow.StatusNew,
		Visit: &svcflow.Visit{Step: "ok", State: svcflow.Queued}}
	for _, c := range []struct {
		actor string
		ok    bool
	}{{"rule:low-risk", true}, {"rule:other", false}, {"low-risk", false}} {
		res, err := svcflow.Decide(w, svcflow.Env{Stream: s, Actor: svcflow.Actor{ID: c.actor}}, svcflow.Approve{})
		if (err == nil) != c.ok {
			t.Errorf("%s approves: %v", c.actor, err)
			continue
		}
		if c.ok && (res.Events[0].Data.Other != "rule:low-risk" || res.Events[0].Actor != c.actor || res.Item.Status != svcflow.StatusResolved) {
			t.Errorf("%s: %+v", c.actor, res.Events)
		}
	}
}
