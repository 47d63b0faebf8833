package svcflow_test

import (
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

func TestActivities(t *testing.T) {
	acts := svcflow.Activities()
	if len(acts) != 6 {
		t.Fatalf("got %d activities, want 6", len(acts))
	}
	want := []svcflow.Activity{"plan", "improve", "engage", "design_transition", "obtain_build", "deliver_support"}
	for i, a := range acts {
		if a.ID != want[i] {
			t.Errorf("activity %d: got %q, want %q", i, a.ID, want[i])
		}
		if !a.ID.IsValid() || a.Name == "" || a.Purpose == "" {
			t.Errorf("activity %q is incomplete: %+v", a.ID, a)
		}
	}
	if svcflow.Activity("deliver_suport").IsValid() {
		t.Error("a misspelt activity is valid")
	}
}

func TestPractices(t *testing.T) {
	counts := map[svcflow.PracticeGroup]int{}
	seen := map[string]bool{}
	for _, p := range svcflow.Practices() {
		counts[p.Group]++
		if seen[p.ID] {
			t.Errorf("practice %q listed twice", p.ID)
		}
		seen[p.ID] = true
		// The id is the kebab-case form of the name.
		if want := strings.ReplaceAll(strings.ToLower(p.Name), " ", "-"); p.ID != want {
			t.Errorf("practice %q: id does not match its name %q (want %q)", p.ID, p.Name, want)
		}
		if p.Purpose == "" || strings.Count(p.Purpose, ".") != 1 || !strings.HasSuffix(p.Purpose, ".") {
			t.Errorf("practice %q: purpose should be one sentence, got %q", p.ID, p.Purpose)
		}
		if got, ok := svcflow.PracticeByID(p.ID); !ok || got != p {
			t.Errorf("PracticeByID(%q) = %+v, %v", p.ID, got, ok)
		}
	}
	for group, want := range map[svcflow.PracticeGroup]int{svcflow.GeneralManagement: 14, svcflow.ServiceManagement: 17, svcflow.TechnicalManagement: 3} {
		if counts[group] != want {
			t.Errorf("%s management practices: got %d, want %d", group, counts[group], want)
		}
	}
	if len(seen) != 34 {
		t.Errorf("got %d practices, want 34", len(seen))
	}
	for _, id := range []string{"incident-management", "service-desk", "change-enablement", "it-asset-management", "organizational-change-management"} {
		if !seen[id] {
			t.Errorf("practice %q missing", id)
		}
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		word    string
		options []string
		want    string
	}{
		{"deliver_suport", svcflow.ActivityIDs(), "deliver_support"},
		{"incident-managment", svcflow.PracticeIDs(), "incident-management"},
		{"servicedesk", svcflow.PracticeIDs(), "service-desk"},
		{"banana", svcflow.ActivityIDs(), ""},
		{"plan", svcflow.ActivityIDs(), ""}, // an exact match needs no suggestion
		{"x", nil, ""},
	}
	for _, tt := range tests {
		if got := svcflow.Suggest(tt.word, tt.options); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
