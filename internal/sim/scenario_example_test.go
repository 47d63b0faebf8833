package sim

import (
	"context"
	"math"
	"os"
	"reflect"
	"testing"
)

// The shipped access request example (issue: what-if simulation): the
// future file is the baseline plus exactly 004's three improvements, and
// the simulated lead times are the ones 004 reports and promises.

const exampleDir = "../../examples/scenarios"

func readExamples(t *testing.T) (baseline, future *Scenario) {
	t.Helper()
	fsys := os.DirFS(exampleDir)
	baseline, ds := ReadScenario(fsys, "access-request-baseline.yaml")
	if len(ds) > 0 {
		t.Fatal(DiagnosticsError(ds))
	}
	future, ds = ReadScenario(fsys, "access-request-future.yaml")
	if len(ds) > 0 {
		t.Fatal(DiagnosticsError(ds))
	}
	return baseline, future
}

func TestExampleFutureIsBaselinePlusThreeChanges(t *testing.T) {
	baseline, future := readExamples(t)
	if baseline.Baseline != "" || len(baseline.Changes) != 0 {
		t.Fatalf("the baseline builds on %q with %d changes, want a model of its own and no changes", baseline.Baseline, len(baseline.Changes))
	}
	// A file on a baseline can hold nothing but its name, note, baseline and
	// changes (ParseScenario refuses anything else), so what differs is
	// exactly the changes.
	if future.Baseline != "access-request-baseline.yaml" {
		t.Fatalf("the future builds on %q, want access-request-baseline.yaml", future.Baseline)
	}
	want := []Change{
		{Kind: ChangeAutoApprove, Name: "Approve low-risk roles at once", Step: "approval", Share: 0.8},
		{Kind: ChangeReworkShare, Name: "A form that cannot be sent incomplete", Step: "approval", To: "requester-fix", Share: 0.01},
		{Kind: ChangeAutomate, Name: "Provision by script", Step: "provisioning", Duration: &Dist{Kind: DistFixed, Mean: 60}},
	}
	if !reflect.DeepEqual(future.Changes, want) {
		t.Fatalf("got changes %#v, want %#v", future.Changes, want)
	}
	if !reflect.DeepEqual(future.Model, baseline.Model) {
		t.Fatal("the future's base model is not the baseline's model")
	}
	got, err := future.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	// What the three changes do, step by step, and nothing else.
	expect := cloneSimModel(baseline.Model)
	expect.Name, expect.Note = future.Name, future.Note
	steps := expect.Work[0].Steps
	steps[1].AutoApprove = 0.8
	steps[1].Next = []Route{{"provisioning", 0.99, "approved"}, {"requester-fix", 0.01, "incomplete"}}
	steps[3].Automated, steps[3].Team, steps[3].Duration = true, "", Dist{Kind: DistFixed, Mean: 60}
	if !reflect.DeepEqual(got, expect) {
		t.Errorf("the future model differs from the baseline with the three changes made:\ngot  %#v\nwant %#v", got, expect)
	}
	if baseline.Model.Work[0].Steps[1].AutoApprove != 0 {
		t.Error("resolving the future changed the baseline")
	}
}

// classMeanResolve is the mean over replications of each replication's mean
// time to resolve of one class, in hours, over items arriving after the
// warm-up.
func classMeanResolve(t *testing.T, r *Report, warmUp float64, class string) float64 {
	t.Helper()
	sum, n := 0.0, 0
	for _, run := range r.Runs {
		rs, rn := 0.0, 0
		for _, it := range run.Items {
			if it.Class == class && it.Resolved && it.Arrival >= warmUp {
				rs += it.ResolvedAt - it.Arrival
				rn++
			}
		}
		if rn == 0 {
			t.Fatalf("replication %d resolved no %s", run.Index, class)
		}
		sum += rs / float64(rn) / 3600
		n++
	}
	return sum / float64(n)
}

func TestExampleLeadTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates two years of work ten times")
	}
	baseline, future := readExamples(t)
	means := map[string]float64{}
	for name, s := range map[string]*Scenario{"baseline": baseline, "future": future} {
		m, err := s.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(context.Background(), m, RunOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var reported float64
		for _, c := range r.Classes {
			if c.Class == "access-request" {
				reported = c.TimeToResolve.Mean / 3600
			}
		}
		// The report's figure, checked against the items themselves.
		if own := classMeanResolve(t, r, m.WarmUp, "access-request"); math.Abs(reported-own) > 1e-6*own {
			t.Errorf("%s: the report's mean time to resolve of access requests is %v h, the items' %v h", name, reported, own)
		}
		means[name] = reported
	}
	// 004: about 4 hours today (M/M/1 and the loop give 4.1 h: logging
	// 2 min, approval 2.5 h, rework 5 % of a loop, provisioning 1.25 h at
	// ρ = 0.8, validation 10 min); under an hour with the three changes.
	if b := means["baseline"]; b < 3.6 || b > 4.6 {
		t.Errorf("baseline mean time to resolve %.3f h, want 3.6–4.6 h", b)
	}
	if f := means["future"]; f >= 1 {
		t.Errorf("future mean time to resolve %.3f h, want under 1 h", f)
	}
	t.Logf("mean time to resolve: baseline %.3f h, future %.3f h", means["baseline"], means["future"])
}
