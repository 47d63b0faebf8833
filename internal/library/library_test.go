package library_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/streamdef"
)

// The ids SPEC §4 fixes: routing, scenarios and tests name them.
var wantIDs = []string{
	"new-service", "restore-live-service",
	"product-delivery", "service-change", "release-deployment", "incident-resolution",
	"request-fulfilment", "problem-fix", "knowledge-enablement", "continual-improvement",
	"hr-app-access", "password-reset", "new-hire-onboarding",
}

// TestLibraryValid loads every built-in definition and demands no errors and
// no warnings: the library is what users copy, so it must be exemplary.
func TestLibraryValid(t *testing.T) {
	streams, diags := streamdef.Load(library.Files())
	for _, d := range diags {
		t.Errorf("%s", d)
	}
	var ids []string
	for _, s := range streams {
		ids = append(ids, s.ID)
	}
	for _, id := range wantIDs {
		if !slices.Contains(ids, id) {
			t.Errorf("built-in stream %q missing", id)
		}
	}
	for name := range library.Files() {
		id := strings.TrimSuffix(strings.TrimPrefix(name, "streams/"), ".yaml")
		if !slices.Contains(ids, id) && len(diags) == 0 {
			t.Errorf("%s holds a stream whose id is not %q", name, id)
		}
	}
}

// TestLibraryContributions checks what every library stream promises its
// readers: each practice contribution is one sentence and cites a source.
func TestLibraryContributions(t *testing.T) {
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		for _, st := range s.Steps {
			for _, pc := range st.Practices {
				where := s.ID + "/" + st.ID + "/" + pc.Practice
				if pc.Source == "" {
					t.Errorf("%s: no source", where)
				}
				c := strings.TrimSpace(pc.Contribution)
				if !strings.HasSuffix(c, ".") || strings.Count(strings.TrimSuffix(c, "."), ". ") > 0 {
					t.Errorf("%s: contribution should be one sentence: %q", where, c)
				}
			}
		}
	}
}

// TestLibraryRouting checks the library defaults of SPEC §4.
func TestLibraryRouting(t *testing.T) {
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind     svcflow.Kind
		category string
		want     string
	}{
		{svcflow.KindQuery, "", "restore-live-service"},
		{svcflow.KindIncident, "", "restore-live-service"},
		{svcflow.KindServiceRequest, "", "request-fulfilment"},
		{svcflow.KindDemand, "", "new-service"},
		{svcflow.KindImprovement, "", "continual-improvement"},
		{svcflow.KindChange, "", "service-change"},
		{svcflow.KindProblem, "", "problem-fix"},
		{svcflow.KindServiceRequest, "password-reset", "password-reset"},
	}
	for _, tt := range tests {
		got, err := svcflow.Route(streams, tt.kind, tt.category, "")
		if err != nil || got.ID != tt.want {
			t.Errorf("Route(%s, %q) = %v, %v; want %s", tt.kind, tt.category, got, err, tt.want)
		}
	}
}
