package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimQueue(t *testing.T) {
	code, stdout, stderr := run(t, "sim", "queue", "--servers", "2", "--arrival-rate", "1", "--service-rate", "1",
		"--horizon", "20000", "--replications", "5", "--seed", "3", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mean_wait", "mean_wait_ci95", "mean_in_system", "mean_in_system_ci95", "throughput", "throughput_ci95", "utilization", "utilization_ci95"} {
		if _, ok := r[k].(float64); !ok {
			t.Errorf("%s is %v, want a number", k, r[k])
		}
	}
	// M/M/2 with ρ = 0.5: Wq = 1/3, L = 4/3 (Erlang C); utilization 0.5.
	if u := r["utilization"].(float64); math.Abs(u-0.5) > 0.02 {
		t.Errorf("utilization %v, want about 0.5", u)
	}
	if w := r["mean_wait"].(float64); math.Abs(w-1.0/3) > 0.05 {
		t.Errorf("mean wait %v, want about 1/3", w)
	}
	_, again, _ := run(t, "sim", "queue", "--servers", "2", "--arrival-rate", "1", "--service-rate", "1",
		"--horizon", "20000", "--replications", "5", "--seed", "3", "--format", "json")
	if again != stdout {
		t.Error("the same seed gave a different report")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sim", "queue", "--arrival-rate", "1"}, "--service-rate"},
		{[]string{"sim", "queue", "--arrival-rate", "1", "--service-rate", "1", "--horizon", "10", "--format", "xml"}, "--format"},
		{[]string{"sim", "queu"}, `did you mean "queue"`},
		{[]string{"sim"}, "missing sim subcommand"},
	} {
		if code, out, errOut := run(t, tc.args...); code != ExitUsage || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q: %s%s", tc.args, code, tc.want, out, errOut)
		}
	}
}

// TestSimAccessRequest runs the shipped example scenarios through the
// command line: the baseline's access requests take 3.6 to 4.6 hours to
// resolve on average, the future's under an hour, and compare calls the
// difference significant.
func TestSimAccessRequest(t *testing.T) {
	code, stdout, stderr := run(t, "sim", "compare", "../../examples/scenarios/access-request-baseline.yaml",
		"../../examples/scenarios/access-request-future.yaml", "--json", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Scenarios []struct {
			Name   string
			Report struct {
				Classes []struct {
					Class         string
					TimeToResolve struct{ Mean float64 } `json:"time_to_resolve"`
				}
			}
		}
		Comparisons []struct {
			Metrics []struct {
				Metric      string
				Significant bool
				Difference  float64
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	mean := func(i int) float64 {
		for _, c := range doc.Scenarios[i].Report.Classes {
			if c.Class == "access-request" {
				return c.TimeToResolve.Mean / 3600
			}
		}
		t.Fatalf("scenario %d has no access-request class", i)
		return 0
	}
	if len(doc.Scenarios) != 2 || len(doc.Comparisons) != 1 {
		t.Fatalf("%d scenarios, %d comparisons", len(doc.Scenarios), len(doc.Comparisons))
	}
	if b := mean(0); b < 3.6 || b > 4.6 {
		t.Errorf("baseline mean time_to_resolve %.2f h, want 3.6 to 4.6", b)
	}
	if f := mean(1); f >= 1 {
		t.Errorf("future mean time_to_resolve %.2f h, want under 1", f)
	}
	found := false
	for _, m := range doc.Comparisons[0].Metrics {
		if m.Metric == "time_to_resolve_mean_hours_access-request" {
			found = true
			if !m.Significant || m.Difference >= 0 {
				t.Errorf("access-request difference %v, significant %v", m.Difference, m.Significant)
			}
		}
	}
	if !found {
		t.Error("no per-class comparison")
	}
}

// TestSimCalibrateThenWhatIf calibrates a baseline from the demo's XES
// export, simulates it, and compares a what-if built on it.
func TestSimCalibrateThenWhatIf(t *testing.T) {
	xes := demoXES(t, 7)
	dir := t.TempDir()
	base := filepath.Join(dir, "base.yaml")
	code, _, stderr := run(t, "sim", "calibrate", xes, "--stream", "restore-live-service", "--resolved-activity", "resolved", "--output", base)
	if code != ExitOK {
		t.Fatalf("calibrate: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "calibrated from") {
		t.Errorf("calibrate said: %s", stderr)
	}
	b, _ := os.ReadFile(base)
	if !strings.Contains(string(b), "schema: svcflow/scenario/v1") {
		t.Fatalf("not a scenario:\n%.400s", b)
	}
	future := filepath.Join(dir, "future.yaml")
	if err := os.WriteFile(future, []byte("schema: svcflow/scenario/v1\nname: one more at the desk\nbaseline: base.yaml\nchanges:\n"+
		"  - {kind: add_people, team: service-desk, people: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "sim", "compare", base, future, "--replications", "3", "--html", filepath.Join(dir, "c.html"))
	if code != ExitOK {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "one more at the desk compared with") || !strings.Contains(stdout, "utilization_service-desk") {
		t.Errorf("compare output:\n%s", stdout)
	}
	if h, err := os.ReadFile(filepath.Join(dir, "c.html")); err != nil || !strings.Contains(string(h), `id="sim-ttr"`) {
		t.Errorf("HTML report: %v", err)
	}
	// A change that does not fit the baseline is reported at its line.
	if err := os.WriteFile(future, []byte("schema: svcflow/scenario/v1\nbaseline: base.yaml\nchanges:\n  - {kind: add_people, team: nobody, people: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "sim", "run", future); code != ExitFailure || !strings.Contains(stderr, "future.yaml:4:") {
		t.Errorf("bad change: exit %d: %s", code, stderr)
	}
}
