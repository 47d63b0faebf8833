package demo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
)

// TestRuleDryRunOverDemoWeek dry-runs two rules over the last week of a
// demo history and checks their firings against counts made straight from
// the log: a rule that routes urgent incidents and raises them to P1 fires
// on every urgent incident created in the week, and is accepted in full
// where the incident is P2 and not with that team already;
// an auto-close rule fires on every resolved item that then stayed quiet
// for two days, the quiet period ending in the week. Nothing is written.
func TestRuleDryRunOverDemoWeek(t *testing.T) {
	_, st := seed(t, demo.Options{Days: 14, Seed: 11, End: end})
	ctx := context.Background()
	d := desk.New(desk.Options{Store: st, Now: func() time.Time { return end }})
	manager := &svcflow.Person{ID: "m", Role: svcflow.RoleManager}
	all, err := st.Events(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	from := end.Add(-7 * 24 * time.Hour)
	byItem := map[string][]svcflow.Event{}
	for _, e := range all {
		if e.Item != desk.ConfigSubject {
			byItem[e.Item] = append(byItem[e.Item], e)
		}
	}
	inWeek := func(t time.Time) bool { return !t.Before(from) && !t.After(end) }

	route := &svcflow.Rule{ID: "urgent-incidents-to-infra", Name: "Urgent incidents to infrastructure", Enabled: true,
		On: []svcflow.EventType{svcflow.EventCreated}, If: `kind == incident and priority in [P1, P2]`,
		Then: []svcflow.RuleAction{{Route: "infrastructure-ops"}, {Set: &svcflow.RuleSet{Priority: svcflow.P1}}}}
	wantFired, wantAccepted := 0, 0
	for _, h := range byItem {
		c := h[0]
		if c.Type != svcflow.EventCreated || !inWeek(c.Time) || c.Data.Kind != svcflow.KindIncident ||
			(c.Data.Priority != svcflow.P1 && c.Data.Priority != svcflow.P2) {
			continue
		}
		wantFired++
		team := ""
		for _, x := range h[1:] { // the rest of the command that opened it
			if !x.Time.Equal(c.Time) || x.Actor != c.Actor {
				break
			}
			if x.Type == svcflow.EventStepEntered {
				team = x.Data.Team
			}
		}
		// Routing is refused where the item is with the team already,
		// raising to P1 where it is P1 already.
		if team != "infrastructure-ops" && c.Data.Priority == svcflow.P2 {
			wantAccepted++
		}
	}
	if wantFired == 0 || wantAccepted == wantFired {
		t.Fatalf("the demo week has %d urgent incidents, %d of them accepted: pick a seed that tests both", wantFired, wantAccepted)
	}
	rep, err := d.DryRunRule(ctx, manager, route, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Firings) != wantFired || rep.Accepted() != wantAccepted {
		t.Errorf("routing rule: %d firings, %d accepted; want %d, %d", len(rep.Firings), rep.Accepted(), wantFired, wantAccepted)
	}
	for _, f := range rep.Firings {
		if a := f.Actions[0]; a.Accepted && !slices.Equal(a.Events, []svcflow.EventType{svcflow.EventStepRequeued}) || !a.Accepted && a.Note == "" {
			t.Errorf("firing on %s: %+v", f.Item, a)
		}
		if a := f.Actions[1]; !a.Accepted && a.Note == "" {
			t.Errorf("firing on %s: %+v", f.Item, a)
		}
	}
	t.Logf("routing rule: %d firings, %d accepted, over %d events", len(rep.Firings), rep.Accepted(), rep.Events)

	closeRule := &svcflow.Rule{ID: "auto-close-resolved", Name: "Close resolved items", Enabled: true,
		On: []svcflow.EventType{svcflow.AnyEvent}, If: `status == resolved`, After: svcflow.Duration{Calendar: 48 * time.Hour},
		Then: []svcflow.RuleAction{{Close: true}}}
	wantClose := 0
	quiet := 48 * time.Hour
	for _, h := range byItem {
		status := svcflow.StatusNew
		for i, x := range h {
			if x.Type == svcflow.EventStatusChanged {
				status = svcflow.Status(x.After)
			}
			last := i == len(h)-1
			if !inWeek(x.Time.Add(quiet)) || status != svcflow.StatusResolved {
				continue
			}
			if last || h[i+1].Time.After(x.Time.Add(quiet)) {
				wantClose++
			}
		}
	}
	if wantClose == 0 {
		t.Fatal("no item of the demo week stayed resolved and quiet for two days")
	}
	rep, err = d.DryRunRule(ctx, manager, closeRule, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Firings) != wantClose || rep.Accepted() != wantClose {
		t.Errorf("auto-close: %d firings, %d accepted; want %d each", len(rep.Firings), rep.Accepted(), wantClose)
	}
	t.Logf("auto-close: %d firings", len(rep.Firings))
	after, err := st.Events(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(all) {
		t.Errorf("the dry-runs wrote %d events", len(after)-len(all))
	}
}
