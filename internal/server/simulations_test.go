package server

import (
	"os"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/report"
)

func TestSimulations(t *testing.T) {
	e := newTestEnv(t)
	b, err := os.ReadFile("../../examples/scenarios/access-request-baseline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A shorter run than the example's, and a what-if that holds the same
	// model plus one change.
	base := strings.Replace(string(b), "replications: 10", "replications: 3", 1)
	future := base + "\nchanges:\n  - {kind: automate, step: provisioning, duration: 1m}\n"
	var doc report.SimDocument
	e.must(200, "max", "POST", "/api/v1/simulations", map[string]any{"scenarios": []string{base, future}}).json(t, &doc)
	if len(doc.Scenarios) != 2 || len(doc.Comparisons) != 1 || doc.Scenarios[0].Report.Replications != 3 {
		t.Fatalf("%d scenarios, %d comparisons", len(doc.Scenarios), len(doc.Comparisons))
	}
	a, f := doc.Scenarios[0].Report, doc.Scenarios[1].Report
	if a.Seed != f.Seed || f.TimeToResolve.Mean >= a.TimeToResolve.Mean {
		t.Errorf("seeds %d and %d; time to resolve %v then %v: automating provisioning should shorten it", a.Seed, f.Seed, a.TimeToResolve.Mean, f.TimeToResolve.Mean)
	}

	e.must(403, "alice", "POST", "/api/v1/simulations", map[string]any{"scenarios": []string{base}})
	for _, tc := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{}, "at least one"},
		{map[string]any{"scenarios": []string{"schema: svcflow/scenario/v1\nname: x\nteams: [\n"}}, "scenarios[0]"},
		{map[string]any{"scenarios": []string{"schema: svcflow/scenario/v1\nbaseline: other.yaml\n"}}, "baseline"},
		{map[string]any{"scenarios": []string{base}, "replications": 500}, "replications"},
		{map[string]any{"scenarios": []string{strings.Replace(base, "horizon: 365d", "horizon: 3650d", 1)}, "replications": 30}, "items"},
	} {
		r := e.must(422, "max", "POST", "/api/v1/simulations", tc.body)
		if !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%v: %s, want %q", tc.body, r.body, tc.want)
		}
	}
}
