package sim

import (
	"context"
	"testing"
)

// TestCompareReports: a second server halves utilization and cuts the
// time to resolve, both significantly; throughput stays what arrives.
func TestCompareReports(t *testing.T) {
	run := func(servers int) *Report {
		t.Helper()
		m := QueueModel(QueueOptions{Servers: servers, ArrivalRate: 0.8, ServiceRate: 1, Horizon: 20000, WarmUp: 1000, Replications: 8, Seed: 5})
		r, err := Run(context.Background(), m, RunOptions{SkipItems: true})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	got := map[string]Comparison{}
	for _, c := range CompareReports(run(1), run(2)) {
		got[c.Metric] = c
	}
	ttr, thr := got["time_to_resolve_mean_hours"], got["throughput_per_hour"]
	if !ttr.Significant || ttr.Difference >= 0 {
		t.Errorf("time to resolve: %+v, want a significant drop", ttr)
	}
	if thr.Significant {
		t.Errorf("throughput: %+v, want no significant change (it is what arrives)", thr)
	}
	var util *Comparison
	for k, c := range got {
		if len(k) > len("utilization_") && k[:len("utilization_")] == "utilization_" {
			util = &c
		}
	}
	if util == nil || !util.Significant || util.Difference > -0.3 {
		t.Errorf("utilization: %+v, want it to fall from 0.8 to 0.4", util)
	}
}
