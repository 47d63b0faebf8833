package cli

import (
	"encoding/json"
	"math"
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
