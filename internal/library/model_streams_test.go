package library_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/library"
)

type wantStep struct {
	id        string
	number    int
	activity  svcflow.Activity
	practices []string // the practices 003 lists under the step, sorted
}

// modelStreams transcribes the two model value streams of 003 §4.2: the steps
// in order and, per step, the practices the book lists as contributing to it.
var modelStreams = []struct {
	id      string
	name    string
	section string
	steps   []wantStep
}{
	{
		id:      "new-service",
		name:    "Development of a new service",
		section: "003 §4.2.1",
		steps: []wantStep{
			{"requirements", 1, svcflow.Activity("engage"), []string{
				"business-analysis",
				"portfolio-management",
				"relationship-management",
				"service-configuration-management",
				"service-level-management",
			}},
			{"invest-decision", 2, svcflow.Activity("plan"), []string{
				"business-analysis",
				"infrastructure-and-platform-management",
				"portfolio-management",
				"problem-management",
				"project-management",
				"risk-management",
				"service-configuration-management",
				"service-design",
				"service-desk",
				"service-financial-management",
				"service-level-management",
				"software-development-and-management",
			}},
			{"design", 3, svcflow.Activity("design_transition"), []string{
				"architecture-management",
				"availability-management",
				"business-analysis",
				"capacity-and-performance-management",
				"information-security-management",
				"infrastructure-and-platform-management",
				"project-management",
				"service-configuration-management",
				"service-continuity-management",
				"service-design",
				"service-level-management",
				"software-development-and-management",
				"supplier-management",
			}},
			{"build", 4, svcflow.Activity("obtain_build"), []string{
				"infrastructure-and-platform-management",
				"portfolio-management",
				"project-management",
				"release-management",
				"risk-management",
				"service-configuration-management",
				"service-validation-and-testing",
				"software-development-and-management",
				"supplier-management",
			}},
			{"deploy", 5, svcflow.Activity("design_transition"), []string{
				"change-enablement",
				"deployment-management",
				"incident-management",
				"knowledge-management",
				"problem-management",
				"project-management",
				"release-management",
				"service-configuration-management",
				"service-desk",
				"supplier-management",
			}},
			{"release", 6, svcflow.Activity("deliver_support"), []string{
				"incident-management",
				"infrastructure-and-platform-management",
				"problem-management",
				"project-management",
				"relationship-management",
				"release-management",
				"service-configuration-management",
				"service-desk",
				"software-development-and-management",
				"supplier-management",
			}},
		},
	},
	{
		id:      "restore-live-service",
		name:    "Restoration of a live service",
		section: "003 §4.2.2",
		steps: []wantStep{
			{"register", 1, svcflow.Activity("engage"), []string{
				"service-catalogue-management",
				"service-desk",
			}},
			{"investigate", 2, svcflow.Activity("deliver_support"), []string{
				"incident-management",
				"knowledge-management",
				"monitoring-and-event-management",
				"service-configuration-management",
				"service-desk",
				"service-level-management",
			}},
			{"obtain-fix", 3, svcflow.Activity("obtain_build"), []string{
				"incident-management",
				"infrastructure-and-platform-management",
				"knowledge-management",
				"service-configuration-management",
				"service-desk",
				"service-financial-management",
				"service-validation-and-testing",
				"software-development-and-management",
				"supplier-management",
			}},
			{"deploy-fix", 4, svcflow.Activity("design_transition"), []string{
				"deployment-management",
				"incident-management",
				"infrastructure-and-platform-management",
				"knowledge-management",
				"service-configuration-management",
				"service-desk",
				"service-financial-management",
				"software-development-and-management",
				"supplier-management",
			}},
			{"verify", 5, svcflow.Activity("deliver_support"), []string{
				"incident-management",
				"knowledge-management",
				"service-configuration-management",
				"service-desk",
				"service-level-management",
			}},
			{"feedback", 6, svcflow.Activity("engage"), []string{
				"continual-improvement",
				"infrastructure-and-platform-management",
				"service-desk",
				"software-development-and-management",
				"supplier-management",
			}},
			{"improve", 7, svcflow.Activity("improve"), []string{
				"continual-improvement",
				"deployment-management",
				"incident-management",
				"infrastructure-and-platform-management",
				"knowledge-management",
				"monitoring-and-event-management",
				"problem-management",
				"risk-management",
				"service-configuration-management",
				"service-desk",
				"service-financial-management",
				"service-level-management",
				"service-validation-and-testing",
				"software-development-and-management",
				"supplier-management",
			}},
		},
	},
}

func loadStream(t *testing.T, id string) *svcflow.ValueStream {
	t.Helper()
	streams, err := library.Load()
	if err != nil {
		t.Fatalf("library.Load: %v", err)
	}
	s := library.ByID(streams, id)
	if s == nil {
		t.Fatalf("library has no stream %q", id)
	}
	return s
}

func TestModelStreams(t *testing.T) {
	for _, tc := range modelStreams {
		t.Run(tc.id, func(t *testing.T) {
			s := loadStream(t, tc.id)
			if s.Name != tc.name {
				t.Errorf("name: got %q, want %q", s.Name, tc.name)
			}
			var gotIDs, wantIDs []string
			for _, st := range s.Steps {
				gotIDs = append(gotIDs, st.ID)
			}
			for _, w := range tc.steps {
				wantIDs = append(wantIDs, w.id)
			}
			if !slices.Equal(gotIDs, wantIDs) {
				t.Fatalf("steps: got %v, want %v", gotIDs, wantIDs)
			}
			for i, w := range tc.steps {
				st := s.Steps[i]
				if st.Number != w.number {
					t.Errorf("step %s: number: got %d, want %d", w.id, st.Number, w.number)
				}
				if st.Activity != w.activity {
					t.Errorf("step %s: activity: got %s, want %s", w.id, st.Activity, w.activity)
				}
				if !slices.IsSorted(w.practices) {
					t.Errorf("step %s: the wanted practices are not sorted: %v", w.id, w.practices)
				}
				var got []string
				for _, p := range st.Practices {
					got = append(got, p.Practice)
				}
				slices.Sort(got)
				if !slices.Equal(got, w.practices) {
					t.Errorf("step %s: practices:\n got %v\nwant %v\nmissing %v, unexpected %v",
						w.id, got, w.practices, minus(w.practices, got), minus(got, w.practices))
				}
				source := fmt.Sprintf("%s step %d", tc.section, w.number)
				for _, p := range st.Practices {
					if p.Source != source {
						t.Errorf("step %s: practice %s: source: got %q, want %q", w.id, p.Practice, p.Source, source)
					}
					if c := strings.TrimSpace(p.Contribution); c == "" {
						t.Errorf("step %s: practice %s: contribution: got empty, want one sentence", w.id, p.Practice)
					} else if n := strings.Count(c, ". "); n > 0 {
						t.Errorf("step %s: practice %s: contribution: got %d sentences, want one: %q", w.id, p.Practice, n+1, c)
					}
				}
				if st.RACI.Accountable == "" {
					t.Errorf("step %s: raci.accountable: got empty, want one name", w.id)
				}
				if st.TargetLeadTime.IsZero() {
					t.Errorf("step %s: target_lead_time: got none, want a duration", w.id)
				}
				if st.Team == "" {
					t.Errorf("step %s: team: got empty, want a team id", w.id)
				}
			}
			if s.TargetLeadTime.IsZero() {
				t.Errorf("target_lead_time: got none, want a duration")
			}
			if !s.Default {
				t.Errorf("default: got false, want true")
			}
		})
	}
}

// TestServiceConfigurationManagement checks the (stream, step) pairs where
// service configuration management contributes: those of 003 Table 4.5
// (new-service steps 1-5, restore-live-service steps 2, 4, 5 and 7) plus the
// two the step lists add (new-service step 6, restore-live-service step 3).
func TestServiceConfigurationManagement(t *testing.T) {
	want := map[string][]int{
		"new-service":          {1, 2, 3, 4, 5, 6},
		"restore-live-service": {2, 3, 4, 5, 7},
	}
	for id, numbers := range want {
		s := loadStream(t, id)
		var got []int
		for _, st := range s.Steps {
			for _, p := range st.Practices {
				if p.Practice == "service-configuration-management" {
					got = append(got, st.Number)
				}
			}
		}
		if !slices.Equal(got, numbers) {
			t.Errorf("%s: steps with service-configuration-management: got %v, want %v", id, got, numbers)
		}
	}
}

func TestRestoreLiveServiceBranch(t *testing.T) {
	s := loadStream(t, "restore-live-service")

	inv := s.Step("investigate")
	if inv == nil {
		t.Fatal("step investigate: got none, want step 2")
	}
	if inv.Number != 2 {
		t.Errorf("investigate: number: got %d, want 2", inv.Number)
	}
	if want := []string{"fixed", "not_fixed"}; !slices.Equal(inv.Outcomes, want) {
		t.Errorf("investigate: outcomes: got %v, want %v", inv.Outcomes, want)
	}
	if tr, ok := inv.Follow("fixed"); !ok || tr.To != "value" {
		t.Errorf("investigate: fixed leads to: got %q (found %v), want %q", tr.To, ok, "value")
	}
	if tr, ok := inv.Follow("not_fixed"); !ok || tr.To != "obtain-fix" {
		t.Errorf("investigate: not_fixed leads to: got %q (found %v), want %q", tr.To, ok, "obtain-fix")
	}
	if inv.Resolves {
		t.Errorf("investigate: resolves: got true, want false (the transition to value resolves a fixed item)")
	}

	verify := s.Step("verify")
	if verify == nil {
		t.Fatal("step verify: got none, want step 5")
	}
	if verify.Number != 5 {
		t.Errorf("verify: number: got %d, want 5", verify.Number)
	}
	if !verify.Resolves {
		t.Errorf("verify: resolves: got false, want true")
	}
	for _, st := range s.Steps {
		if st.Resolves && st.ID != "verify" {
			t.Errorf("step %s: resolves: got true, want only verify to resolve", st.ID)
		}
	}

	wantEntries := map[string]string{"user": "register", "monitoring": "investigate"}
	for name, id := range wantEntries {
		st, ok := s.Entry(name)
		if !ok || st.ID != id {
			got := "none"
			if st != nil {
				got = st.ID
			}
			t.Errorf("entry point %s: got %s, want %s", name, got, id)
		}
	}
	if s.ReopenTo != "investigate" {
		t.Errorf("reopen_to: got %q, want %q", s.ReopenTo, "investigate")
	}
	if want := []svcflow.Kind{"query", "incident"}; !slices.Equal(s.AppliesTo.Kinds, want) {
		t.Errorf("applies_to.kinds: got %v, want %v", s.AppliesTo.Kinds, want)
	}
}

func TestNewServiceInvestmentDecision(t *testing.T) {
	s := loadStream(t, "new-service")
	st := s.Step("invest-decision")
	if st == nil {
		t.Fatal("step invest-decision: got none, want step 2")
	}
	if st.Activity != svcflow.Activity("plan") {
		t.Errorf("invest-decision: activity: got %s, want %s", st.Activity, svcflow.Activity("plan"))
	}
	if st.Approval == nil {
		t.Fatal("invest-decision: approval: got none, want an approval step")
	}
	if len(st.Approval.Approvers) == 0 {
		t.Errorf("invest-decision: approvers: got none, want at least one")
	}
	if st.Approval.OnReject != "cancel" {
		t.Errorf("invest-decision: on_reject: got %q, want %q", st.Approval.OnReject, "cancel")
	}
	if tr, ok := st.Follow("approved"); !ok || tr.To != "design" {
		t.Errorf("invest-decision: approved leads to: got %q (found %v), want %q", tr.To, ok, "design")
	}
	if want := []svcflow.Kind{"demand"}; !slices.Equal(s.AppliesTo.Kinds, want) {
		t.Errorf("applies_to.kinds: got %v, want %v", s.AppliesTo.Kinds, want)
	}
}

// minus returns the elements of a that are not in b.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
