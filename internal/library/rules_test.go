package library_test

import (
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/library"
)

func TestDefaultRules(t *testing.T) {
	rules, err := library.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("%d default rules, want 2", len(rules))
	}
	ac, pr := rules[0], rules[1]
	if ac.ID != "auto-close-resolved" || !ac.Enabled || ac.After.Calendar != 7*24*time.Hour || !ac.Then[0].Close {
		t.Errorf("auto-close rule %+v", ac)
	}
	if pr.ID != "problem-from-repeated-incidents" || pr.Enabled || pr.Then[0].OpenProblem == nil || pr.Then[0].OpenProblem.Threshold != 3 {
		t.Errorf("problem rule %+v", pr)
	}
}

// The shipped auto-close closes quiet resolved work but not improvements,
// which wait resolved at measuring for the register's evaluation.
func TestAutoCloseLeavesImprovementsAlone(t *testing.T) {
	rules, err := library.Rules()
	if err != nil {
		t.Fatal(err)
	}
	ac := rules[0]
	now := time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		kind svcflow.Kind
		want bool
	}{{svcflow.KindIncident, true}, {svcflow.KindServiceRequest, true}, {svcflow.KindImprovement, false}} {
		w := &svcflow.WorkItem{ID: "X-1", Kind: tt.kind, Status: svcflow.StatusResolved}
		ev := svcflow.Event{Item: w.ID, Type: svcflow.EventStatusChanged, After: string(svcflow.StatusResolved), Actor: "alice", Time: now}
		if got := ac.Matches(svcflow.RuleInput{Event: ev, Item: w, Now: now}); got != tt.want {
			t.Errorf("auto-close on a resolved %s: %v, want %v", tt.kind, got, tt.want)
		}
	}
}
