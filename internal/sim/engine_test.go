package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/golden"
)

const (
	minute = 60.0
	hour   = 3600.0
	day    = 24 * hour
)

// restoration is a service-restoration stream like the library's: seven
// steps, five teams, a branch to value when investigation fixes the
// incident, a rework loop from verification back to obtaining the fix, a
// pure delay for the requester's feedback, a WIP limit on deployment and a
// priority-ordered second line. The teams run at 50–75 % utilization.
func restoration(horizon float64, replications int, seed uint64) *Model {
	return &Model{
		Name: "restoration",
		Teams: []Team{
			{ID: "service-desk", People: 2},
			{ID: "second-line", People: 6, Policy: "priority"},
			{ID: "specialists", People: 9},
			{ID: "platform", People: 3},
			{ID: "problem", People: 4},
		},
		Work: []Class{{
			ID: "incident", Stream: "restore-service",
			Arrivals: Arrivals{Kind: ArrivalPoisson, Rate: 1 / (5 * minute)},
			Priority: []PriorityShare{{"P1", 0.05}, {"P2", 0.15}, {"P3", 0.5}, {"P4", 0.3}},
			Entry:    "register",
			Steps: []Step{
				{ID: "register", Team: "service-desk", Duration: Dist{Kind: DistExponential, Mean: 4 * minute},
					Next: []Route{{To: "investigate", Probability: 1}}},
				{ID: "investigate", Team: "second-line", Duration: Dist{Kind: DistLognormal, Mean: 20 * minute, SD: 15 * minute},
					Next: []Route{{To: Value, Probability: 0.6, Outcome: "fixed"}, {To: "obtain-fix", Probability: 0.4, Outcome: "not_fixed"}}},
				{ID: "obtain-fix", Team: "specialists", Duration: Dist{Kind: DistTriangular, Min: 30 * minute, Mode: hour, Max: 2 * hour},
					Next: []Route{{To: "deploy-fix", Probability: 1}}},
				{ID: "deploy-fix", Team: "platform", WIPLimit: 2, Duration: Dist{Kind: DistNormal, Mean: 15 * minute, SD: 5 * minute, Min: minute},
					Next: []Route{{To: "verify", Probability: 1}}},
				{ID: "verify", Team: "service-desk", Resolves: true, Duration: Dist{Kind: DistExponential, Mean: 5 * minute},
					Next: []Route{{To: "feedback", Probability: 0.85, Outcome: "confirmed"}, {To: "obtain-fix", Probability: 0.15, Outcome: "rework"}}},
				{ID: "feedback", Duration: Dist{Kind: DistExponential, Mean: day},
					Next: []Route{{To: "improve", Probability: 0.1}, {To: Value, Probability: 0.9}}},
				{ID: "improve", Team: "problem", Duration: Dist{Kind: DistFixed, Mean: 2 * hour},
					Next: []Route{{To: Value, Probability: 1}}},
			},
		}},
		Horizon: horizon, WarmUp: 5 * day, Replications: replications, Seed: seed,
		SLA: map[string]float64{"P1": 4 * hour, "P2": 8 * hour, "": 3 * day},
	}
}

func mustRun(t testing.TB, m *Model, opt RunOptions) *Report {
	t.Helper()
	r, err := Run(context.Background(), m, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func jsonOf(t testing.TB, r *Report) []byte {
	t.Helper()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestLittlesLawHolds(t *testing.T) {
	r := mustRun(t, restoration(60*day, 4, 7), RunOptions{})
	check := func(what string, ratio float64) {
		t.Helper()
		if math.IsNaN(ratio) || math.Abs(ratio-1) > 0.01 {
			t.Errorf("%s: L ÷ (λW) = %v, want 1 within 1 %%", what, ratio)
		}
	}
	for _, rep := range r.Runs {
		check("replication "+strconv.Itoa(rep.Index)+" overall", rep.System.Ratio)
		for s, st := range rep.Steps {
			check("replication "+strconv.Itoa(rep.Index)+" step "+r.Steps[s].Step, st.Little.Ratio)
		}
	}
	check("merged overall", *r.Little.Ratio)
	for _, st := range r.Steps {
		check("merged step "+st.Step, *st.Little.Ratio)
		if st.Little.QueueRatio != nil {
			check("merged queue ratio "+st.Step, *st.Little.QueueRatio)
		}
		// SPEC §3: lead = wait + cycle, and WIP = queue + in progress.
		if d := math.Abs(st.MeanLead - st.MeanWait - st.MeanCycle); d > 1e-6*st.MeanLead {
			t.Errorf("step %s: mean lead %v ≠ wait %v + cycle %v", st.Step, st.MeanLead, st.MeanWait, st.MeanCycle)
		}
		if d := math.Abs(st.MeanWIP - st.MeanQueue - st.MeanInProgress); d > 1e-6*st.MeanWIP {
			t.Errorf("step %s: mean WIP %v ≠ queue %v + in progress %v", st.Step, st.MeanWIP, st.MeanQueue, st.MeanInProgress)
		}
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	m := restoration(20*day, 4, 11)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	one := jsonOf(t, mustRun(t, m, RunOptions{}))
	runtime.GOMAXPROCS(2)
	two := jsonOf(t, mustRun(t, m, RunOptions{}))
	again := jsonOf(t, mustRun(t, m, RunOptions{Parallel: 4}))
	if !bytes.Equal(one, two) || !bytes.Equal(two, again) {
		t.Fatal("the same seed gave different reports")
	}
	m.Seed = 12
	if other := jsonOf(t, mustRun(t, m, RunOptions{})); bytes.Equal(one, other) {
		t.Fatal("seeds 11 and 12 gave the same report")
	}
	golden.Check(t, "engine/restoration.json", one)
}

// Common random numbers: a stream's draws do not depend on other streams,
// so slowing one step leaves the arrivals and priorities as they were.
func TestStreamsAreIndependent(t *testing.T) {
	a := restoration(5*day, 1, 3)
	b := restoration(5*day, 1, 3)
	b.Work[0].Steps[2].Duration.Max = 3 * hour
	ra, rb := mustRun(t, a, RunOptions{}), mustRun(t, b, RunOptions{})
	ia, ib := ra.Runs[0].Items, rb.Runs[0].Items
	if len(ia) != len(ib) || len(ia) == 0 {
		t.Fatalf("%d and %d items, want the same number", len(ia), len(ib))
	}
	differ := false
	for i := range ia {
		if ia[i].Arrival != ib[i].Arrival || ia[i].Priority != ib[i].Priority {
			t.Fatalf("item %d: arrival %v %s, then %v %s after changing a duration", i, ia[i].Arrival, ia[i].Priority, ib[i].Arrival, ib[i].Priority)
		}
		differ = differ || ia[i].ResolvedAt != ib[i].ResolvedAt
	}
	if !differ {
		t.Error("a slower step changed no resolve time")
	}
}

// oneStep is a model of one class flowing through the given steps, entered
// at the first.
func oneStep(rate float64, teams []Team, steps ...Step) *Model {
	return &Model{
		Teams: teams,
		Work: []Class{{ID: "work", Arrivals: Arrivals{Kind: ArrivalPoisson, Rate: rate},
			Entry: steps[0].ID, Steps: steps}},
		Horizon: 20 * day, WarmUp: day, Replications: 2, Seed: 5,
	}
}

func TestPureDelayNeverQueues(t *testing.T) {
	m := oneStep(1/minute, []Team{{ID: "desk", People: 1}},
		Step{ID: "approval", Duration: Dist{Kind: DistExponential, Mean: hour}, Next: []Route{{To: "work", Probability: 1}}},
		Step{ID: "work", Team: "desk", Duration: Dist{Kind: DistFixed, Mean: 50}, Next: []Route{{To: Value, Probability: 1}}},
	)
	m.Work[0].Steps = append(m.Work[0].Steps, Step{ID: "robot", Team: "desk", Automated: true,
		Duration: Dist{Kind: DistFixed, Mean: hour}, Next: []Route{{To: Value, Probability: 1}}})
	m.Work[0].Steps[1].Next = []Route{{To: "robot", Probability: 1}}
	r := mustRun(t, m, RunOptions{})
	for _, s := range []StepReport{r.Steps[0], r.Steps[2]} {
		if s.MaxQueue != 0 || s.MeanWait != 0 || s.MeanQueue != 0 {
			t.Errorf("%s: max queue %d, mean wait %v, mean queue %v; want none", s.Step, s.MaxQueue, s.MeanWait, s.MeanQueue)
		}
		if s.MaxInProgress < 30 || math.Abs(s.MeanCycle-hour)/hour > 0.05 {
			t.Errorf("%s: max in progress %d, mean cycle %v; want many at once taking an hour", s.Step, s.MaxInProgress, s.MeanCycle)
		}
	}
	if r.Steps[1].MaxQueue == 0 {
		t.Error("the desk's step never queued at 83 % utilization")
	}
}

func TestWIPLimitCapsInProgress(t *testing.T) {
	m := oneStep(1/(10*minute), []Team{{ID: "team", People: 3}},
		Step{ID: "limited", Team: "team", WIPLimit: 1, Duration: Dist{Kind: DistExponential, Mean: 7 * minute},
			Next: []Route{{To: "free", Probability: 1}}},
		Step{ID: "free", Team: "team", Duration: Dist{Kind: DistExponential, Mean: 15 * minute},
			Next: []Route{{To: Value, Probability: 1}}},
	)
	r := mustRun(t, m, RunOptions{})
	limited, free := r.Steps[0], r.Steps[1]
	if limited.MaxInProgress != 1 {
		t.Errorf("limited step: max in progress %d, want 1", limited.MaxInProgress)
	}
	if limited.MaxQueue == 0 || limited.MeanWait == 0 {
		t.Error("the limited step never queued, so the limit was not tested")
	}
	// The team's other step goes on while the limited one is full: the
	// engine skips entries of a full step, as Pull does.
	if free.MaxInProgress < 2 {
		t.Errorf("free step: max in progress %d, want more than 1", free.MaxInProgress)
	}
}

func TestAutoApproveShare(t *testing.T) {
	m := oneStep(1/minute, nil,
		Step{ID: "approve", AutoApprove: 0.3, Duration: Dist{Kind: DistFixed, Mean: hour}, Next: []Route{{To: Value, Probability: 1}}})
	m.WarmUp, m.Horizon, m.Replications = 0, 10*day, 1
	r := mustRun(t, m, RunOptions{})
	approved, n := 0, 0
	for _, it := range r.Runs[0].Items {
		if !it.Done {
			continue
		}
		n++
		if it.DoneAt == it.Arrival {
			approved++
		} else if math.Abs(it.DoneAt-it.Arrival-hour) > 1e-6 {
			t.Fatalf("item took %v, want 0 or an hour", it.DoneAt-it.Arrival)
		}
	}
	// 14 400 items: the share's standard error is 0.004.
	if share := float64(approved) / float64(n); math.Abs(share-0.3) > 0.015 {
		t.Errorf("auto-approved share %v of %d, want 0.3", share, n)
	}
}

func TestReworkLoopProbability(t *testing.T) {
	m := oneStep(1/(10*minute), []Team{{ID: "t", People: 5}},
		Step{ID: "build", Team: "t", Duration: Dist{Kind: DistExponential, Mean: 10 * minute}, Next: []Route{{To: "test", Probability: 1}}},
		Step{ID: "test", Duration: Dist{Kind: DistFixed, Mean: minute},
			Next: []Route{{To: "build", Probability: 0.25, Outcome: "failed"}, {To: Value, Probability: 0.75, Outcome: "passed"}}},
	)
	m.Horizon = 100 * day
	r := mustRun(t, m, RunOptions{})
	done := r.Little.Lambda * r.Horizon * float64(r.Replications)
	// Visits per item: geometric, 1 ÷ (1 − 0.25).
	if got := float64(r.Steps[1].Visits) / done; math.Abs(got-4.0/3)/(4.0/3) > 0.02 {
		t.Errorf("test visits per item %v, want 4/3", got)
	}
}

// With fixed service times and one person, an item started at its
// resolution time less the service time; under the priority policy no P3
// starts while a P1 that arrived earlier is still waiting, and under fifo
// some do, which shows the check has teeth.
func TestPriorityPolicyServesP1First(t *testing.T) {
	violations := func(policy string) (int, int) {
		m := oneStep(1/(9*minute), []Team{{ID: "desk", People: 1, Policy: policy}},
			Step{ID: "work", Team: "desk", Resolves: true, Duration: Dist{Kind: DistFixed, Mean: 8 * minute}, Next: []Route{{To: Value, Probability: 1}}})
		m.Work[0].Priority = []PriorityShare{{"P1", 0.2}, {"P3", 0.8}}
		m.WarmUp, m.Horizon, m.Replications = 0, 3*day, 1
		items := mustRun(t, m, RunOptions{}).Runs[0].Items
		bad, waited := 0, 0
		for _, j := range items {
			if j.Priority != svcflow.P3 || !j.Resolved {
				continue
			}
			start := j.ResolvedAt - 8*minute
			for _, i := range items {
				if i.Priority == svcflow.P1 && i.Arrival < start && (!i.Resolved || i.ResolvedAt-8*minute > start) {
					bad++
				}
				if i.Priority == svcflow.P1 && j.Arrival < i.Arrival && i.Arrival < start {
					waited++ // both waited at once
				}
			}
		}
		return bad, waited
	}
	if bad, waited := violations("priority"); bad != 0 || waited == 0 {
		t.Errorf("priority: %d P3 items started while an earlier P1 waited (%d overlaps); want 0 of some", bad, waited)
	}
	if bad, _ := violations("fifo"); bad == 0 {
		t.Error("fifo: no P3 item started before a waiting P1, so the test cannot tell the policies apart")
	}
}

func TestShiftsStartWorkOnlyInShift(t *testing.T) {
	m := oneStep(1/(45*minute), []Team{{ID: "day", People: 5, Shifts: []Shift{
		{Days: []int{1, 2, 3, 4, 5}, Start: 9 * hour, End: 17 * hour, People: 2},
		{Days: []int{6}, Start: 10 * hour, End: 12 * hour},
	}}},
		Step{ID: "work", Team: "day", Resolves: true, Duration: Dist{Kind: DistFixed, Mean: 20 * minute}, Next: []Route{{To: Value, Probability: 1}}})
	m.WarmUp, m.Horizon, m.Replications = 0, 28*day, 1
	r := mustRun(t, m, RunOptions{})
	started := 0
	for _, it := range r.Runs[0].Items {
		if !it.Resolved {
			continue
		}
		started++
		s := it.ResolvedAt - 20*minute
		d := int(s / day)
		wd := (d + 1) % 7 // day 0 is a Monday
		tod := s - float64(d)*day
		weekday := wd >= 1 && wd <= 5 && tod >= 9*hour && tod < 17*hour
		saturday := wd == 6 && tod >= 10*hour && tod < 12*hour
		if !weekday && !saturday {
			t.Fatalf("work started on weekday %d at %.0f s after midnight, outside every shift", wd, tod)
		}
	}
	if started < 600 {
		t.Errorf("%d items served in four weeks, want over 600", started)
	}
	// Available person-time: 2 people × 8 h × 5 days + 5 × 2 h per week.
	if u := r.Teams[0].Utilization; u < 0.5 || u > 1 {
		t.Errorf("utilization %v, want a busy team below 1", u)
	}
}

func TestPriorityMixAndSLA(t *testing.T) {
	m := restoration(30*day, 2, 9)
	r := mustRun(t, m, RunOptions{})
	counts := map[svcflow.Priority]int{}
	met, resolved := map[svcflow.Priority]int{}, map[svcflow.Priority]int{}
	n := 0
	for _, rep := range r.Runs {
		for _, it := range rep.Items {
			n++
			counts[it.Priority]++
			if it.Arrival < m.WarmUp || !it.Resolved {
				continue
			}
			tgt := m.SLA[string(it.Priority)]
			if tgt == 0 {
				tgt = m.SLA[""]
			}
			resolved[it.Priority]++
			if it.ResolvedAt-it.Arrival <= tgt {
				met[it.Priority]++
			}
		}
	}
	for _, ps := range m.Work[0].Priority {
		if got := float64(counts[svcflow.Priority(ps.Priority)]) / float64(n); math.Abs(got-ps.Share) > 0.02 {
			t.Errorf("%s share %v, want %v", ps.Priority, got, ps.Share)
		}
	}
	if len(r.SLA) != 4 {
		t.Fatalf("SLA for %d priorities, want 4: %+v", len(r.SLA), r.SLA)
	}
	for _, s := range r.SLA {
		p := svcflow.Priority(s.Priority)
		if s.Resolved != int64(resolved[p]) || s.Met != int64(met[p]) {
			t.Errorf("%s: %d of %d met, the items say %d of %d", p, s.Met, s.Resolved, met[p], resolved[p])
		}
	}
	if r.TimeToResolve.Count != int64(resolved[svcflow.P1]+resolved[svcflow.P2]+resolved[svcflow.P3]+resolved[svcflow.P4]) {
		t.Errorf("time_to_resolve count %d, the items say otherwise", r.TimeToResolve.Count)
	}
	if !(r.TimeToResolve.P50 <= r.TimeToResolve.P85 && r.TimeToResolve.P85 <= r.TimeToResolve.P95) {
		t.Errorf("percentiles out of order: %+v", r.TimeToResolve)
	}
}

func TestValidationNamesThePath(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(m *Model)
		want   string
	}{
		{"routes", func(m *Model) { m.Work[0].Steps[1].Next[1].Probability = 0.3 }, "work[0].steps[1].next: probabilities sum to 0.9, want 1"},
		{"unknown step", func(m *Model) { m.Work[0].Steps[2].Next[0].To = "deploy" }, `work[0].steps[2].next[0].to: unknown step "deploy"`},
		{"unknown team", func(m *Model) { m.Work[0].Steps[3].Team = "ops" }, `work[0].steps[3].team: unknown team "ops"`},
		{"entry", func(m *Model) { m.Work[0].Entry = "triage" }, `work[0].entry: unknown step "triage"`},
		{"dist", func(m *Model) { m.Work[0].Steps[0].Duration = Dist{Kind: "gamma", Mean: 1} }, `work[0].steps[0].duration: unknown distribution kind "gamma"`},
		{"triangular", func(m *Model) { m.Work[0].Steps[2].Duration.Mode = 0 }, "work[0].steps[2].duration: triangular min 1800, mode 0, max 7200"},
		{"arrivals", func(m *Model) { m.Work[0].Arrivals.Rate = 0 }, "work[0].arrivals: poisson rate 0, want > 0"},
		{"profile", func(m *Model) { m.Work[0].Arrivals = Arrivals{Kind: ArrivalProfile, Profile: make([]float64, 24)} }, "work[0].arrivals: profile has 24 rates, want 168"},
		{"priority", func(m *Model) { m.Work[0].Priority[0].Priority = "P0" }, `work[0].priority[0]: priority "P0", want P1 to P5`},
		{"shares", func(m *Model) { m.Work[0].Priority[0].Share = 0.5 }, "work[0].priority: shares sum to 1.45, want 1"},
		{"policy", func(m *Model) { m.Teams[1].Policy = "prority" }, `teams[1].policy: unknown queue order "prority"`},
		{"people", func(m *Model) { m.Teams[2].People = 0 }, "teams[2].people: team specialists works steps but has no people"},
		{"wip on a delay", func(m *Model) { m.Work[0].Steps[5].WIPLimit = 3 }, "work[0].steps[5].wip_limit: a WIP limit needs a step worked by a team"},
		{"loop", func(m *Model) {
			m.Work[0].Steps[4].Next = []Route{{To: "obtain-fix", Probability: 1}}
		}, "work[0].steps[2]: step obtain-fix never reaches \"value\""},
		{"shift", func(m *Model) { m.Teams[0].Shifts = []Shift{{Days: []int{7}, Start: 0, End: hour}} }, "teams[0].shifts[0].days: day 7, want 0 (Sunday) to 6"},
		{"sla", func(m *Model) { m.SLA["P9"] = hour }, `sla["P9"]: unknown priority`},
		{"horizon", func(m *Model) { m.Horizon = 0 }, "horizon: 0, want a time > 0"},
		{"duplicate step", func(m *Model) { m.Work[0].Steps[6].ID = "verify" }, `work[0].steps[6].id: step "verify" is declared twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := restoration(day, 1, 1)
			tc.change(m)
			_, err := Run(context.Background(), m, RunOptions{})
			var e *svcflow.Error
			if err == nil || !errors.As(err, &e) || e.Code != svcflow.ErrInvalid || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want an invalid-input error starting %q", err, tc.want)
			}
		})
	}
}

func TestMaxEventsAndCancel(t *testing.T) {
	if _, err := Run(context.Background(), restoration(10*day, 2, 1), RunOptions{MaxEvents: 1000}); err == nil || !strings.Contains(err.Error(), "1000 events") {
		t.Errorf("MaxEvents 1000: %v, want an error saying where it stopped", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, restoration(100*day, 2, 1), RunOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// BenchmarkEngine runs the restoration stream for a year, one replication,
// and reports calendar events (pops) and items completed per second. Run
// it on one core: go test -bench Engine -cpu 1.
func BenchmarkEngine(b *testing.B) {
	m := restoration(365*day, 1, 1)
	m.WarmUp = 0
	var events, items int64
	for b.Loop() {
		r, err := Run(context.Background(), m, RunOptions{SkipItems: true})
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
		items += r.Runs[0].System.deps
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/s, "events/s")
	b.ReportMetric(float64(items)/s, "items/s")
}

// The simulator's queues start work in the order the work engine would:
// RankQueue, then Pull skipping entries of a full step. Forty items of
// mixed priorities, classes and steps wait; they are taken one by one while
// step a is full for a while.
func TestQueuesRankAsTheWorkEngine(t *testing.T) {
	for _, policy := range []string{"fifo", "lifo", "priority", "shortest_first", "wsjf", "entitlement",
		"priority+aging=30m", "fifo+aging=1h", "lifo+aging=20m", "wsjf+aging=2h"} {
		t.Run(policy, func(t *testing.T) {
			m := &Model{
				Teams: []Team{{ID: "t", People: 1, Policy: policy}},
				Work: []Class{
					{ID: "c", Arrivals: Arrivals{Kind: ArrivalPoisson, Rate: 1}, Entry: "a",
						Priority: []PriorityShare{{"P1", 0.2}, {"P2", 0.3}, {"P4", 0.5}},
						Steps: []Step{
							{ID: "a", Team: "t", WIPLimit: 2, Duration: Dist{Kind: DistExponential, Mean: 10 * minute}, Next: []Route{{To: "b", Probability: 1}}},
							{ID: "b", Team: "t", Duration: Dist{Kind: DistFixed, Mean: 50 * minute}, Next: []Route{{To: Value, Probability: 1}}},
						}},
					{ID: "d", Arrivals: Arrivals{Kind: ArrivalPoisson, Rate: 1}, Entry: "x",
						Steps: []Step{{ID: "x", Team: "t", Duration: Dist{Kind: DistLognormal, Mean: 2 * minute, SD: minute}, Next: []Route{{To: Value, Probability: 1}}}}},
				},
				Horizon: day, Seed: 1,
				SLA: map[string]float64{"P1": hour, "": 8 * hour},
			}
			c, err := compile(m)
			if err != nil {
				t.Fatal(err)
			}
			r := newRun(c, 0, RunOptions{})
			g := newRNG(42, 0, streamRouting, 0)
			for k := range 40 {
				r.now = float64(k)*97 + g.float64()*50
				i := int32(len(r.items))
				step := int32(g.intN(3))
				r.items = append(r.items, item{arrival: r.now - g.float64()*3*hour, entered: r.now, step: step,
					class: c.steps[step].class, prio: uint8(1 + g.intN(5)), seq: int64(k + 1), res: -1})
				r.join(0, i)
			}
			r.now = 5 * hour
			for n := 0; r.teams[0].head < len(r.teams[0].queue); n++ {
				r.steps[0].inProgress = 0
				if n >= 5 && n < 15 {
					r.steps[0].inProgress = 2 // step a is full
				}
				var entries []svcflow.QueueEntry
				for _, q := range r.teams[0].queue[r.teams[0].head:] {
					e := r.queueEntry(q.item)
					e.Item = itemID(r.items[q.item].seq)
					entries = append(entries, e)
				}
				ranked := svcflow.RankQueue(c.teams[0].policy, entries, r.clock())
				want, _ := svcflow.Pull(ranked, map[string]svcflow.StepCapacity{"a": {WIPLimit: 2, InProgress: r.steps[0].inProgress}})
				k := r.pick(0)
				if want == nil {
					if k >= 0 {
						t.Fatalf("take %d: picked an item while every step is full", n)
					}
					break
				}
				if k < 0 {
					t.Fatalf("take %d: picked none, want %s", n, want.Item)
				}
				if got := itemID(r.items[r.take(0, k)].seq); got != want.Item {
					t.Fatalf("take %d: picked %s, want %s (%s)", n, got, want.Item, want.Why)
				}
				r.now += 7 * minute
			}
		})
	}
}
