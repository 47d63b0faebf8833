package flow

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/golden"
)

// mBase is day 0 of the hand-made logs: Monday 2 March 2026, UTC.
var mBase = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// mAt parses "HH:MM" or "Nd HH:MM" (N days after mBase) in loc.
func mAt(t testing.TB, s string, loc *time.Location) int64 {
	t.Helper()
	if loc == nil {
		loc = time.UTC
	}
	days := 0
	if d, rest, ok := strings.Cut(s, "d "); ok {
		if _, err := fmt.Sscanf(d, "%d", &days); err != nil {
			t.Fatalf("bad day in %q", s)
		}
		s = rest
	}
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return time.Date(mBase.Year(), mBase.Month(), mBase.Day()+days, h, m, 0, 0, loc).UnixNano()
}

// metricsLog builds a log from rows "case, activity, resource, time[,
// phase[, name=value…]]", fields separated by commas so activity names may
// hold spaces. A phase of "" or "-" is none; an attribute written
// @name=value is a case attribute.
func metricsLog(t testing.TB, loc *time.Location, rows ...string) *eventlog.Log {
	t.Helper()
	if loc == nil {
		loc = time.UTC
	}
	b := eventlog.NewBuilder()
	for _, row := range rows {
		f := strings.Split(row, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) < 4 {
			t.Fatalf("row %q: want case, activity, resource, time", row)
		}
		c := b.Case(b.InternString(f[0]))
		e := eventlog.Event{Case: c, Activity: b.InternString(f[1]), Resource: b.InternString(f[2]), Time: mAt(t, f[3], loc)}
		if len(f) > 4 && f[4] != "" && f[4] != "-" {
			p, ok := eventlog.PhaseOf(f[4])
			if !ok {
				t.Fatalf("row %q: bad phase %q", row, f[4])
			}
			e.Phase = p
		}
		for _, kv := range f[min(5, len(f)):] {
			k, v, _ := strings.Cut(kv, "=")
			if name, ok := strings.CutPrefix(k, "@"); ok {
				b.SetCaseAttr(c, b.CaseColumn(name), b.InternString(v))
				continue
			}
			col := b.EventColumn(k)
			for len(e.Attrs) <= col {
				e.Attrs = append(e.Attrs, 0)
			}
			e.Attrs[col] = b.InternString(v)
		}
		b.Add(e)
	}
	l, notes := b.Build()
	if len(notes) > 0 {
		t.Fatalf("build notes: %v", notes)
	}
	return l
}

func mustMeasure(t testing.TB, l *eventlog.Log, opt Options) *Metrics {
	t.Helper()
	m, err := Measure(l, opt)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	return m
}

func metricsJSON(t testing.TB, m *Metrics) []byte {
	t.Helper()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func stepOf(t testing.TB, m *Metrics, activity string) StepMetrics {
	t.Helper()
	for _, s := range m.Steps {
		if s.Activity == activity {
			return s
		}
	}
	t.Fatalf("no step %q", activity)
	return StepMetrics{}
}

// eq compares a rounded number with a hand-computed value.
func eq(t testing.TB, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got null, want %v", what, want)
		return
	}
	if *got != round9(want) {
		t.Errorf("%s: got %v, want %v", what, *got, round9(want))
	}
}

func isNull(t testing.TB, what string, got any) {
	t.Helper()
	switch g := got.(type) {
	case *float64:
		if g != nil {
			t.Errorf("%s: got %v, want null", what, *g)
		}
	case *Stats:
		if g != nil {
			t.Errorf("%s: got %+v, want null", what, *g)
		}
	case *int:
		if g != nil {
			t.Errorf("%s: got %v, want null", what, *g)
		}
	default:
		t.Fatalf("isNull: %T", got)
	}
}

func min2s(m float64) float64 { return m * 60 }

// lifecycleRows is the hand-made lifecycle log (Monday, UTC). The visits,
// worked out by hand (minutes):
//
//	case activity  entered started ended  wait cycle blocked lead
//	c1   triage    09:00   09:10   09:30  10   20    0       30   schedule
//	c1   fix       09:30   10:00   11:20  30   50    30      110  no schedule: entered at the previous completion; suspend 10:30, resume 11:00
//	c2   triage    09:00   09:00   09:15  0    15    0       15   first visit without schedule: waits 0
//	c2   fix #1    09:15   09:20   10:10  5    50    0       55   paired by concept:instance
//	c2   fix #2    09:15   09:25   09:40  10   15    0       25   (FIFO would pair 09:40 with #1)
//	c3   triage    10:00   10:05   11:00  35   25    0       60   requeued 10:15 (alice), restarted 10:45 (carol)
//	c3   fix       11:00   -       open   20 so far at as_of 11:20
//	c4   triage    11:00   11:00   11:10  0    10    0       10
var lifecycleRows = []string{
	"c1, triage, , 09:00, schedule",
	"c1, triage, alice, 09:10, start",
	"c1, triage, alice, 09:30, complete",
	"c1, fix, bob, 10:00, start",
	"c1, fix, bob, 10:30, suspend",
	"c1, fix, bob, 11:00, resume",
	"c1, fix, bob, 11:20, complete",
	"c1, resolved, , 11:20, -",
	"c2, triage, carol, 09:00, start",
	"c2, triage, carol, 09:15, complete",
	"c2, fix, bob, 09:20, start, concept:instance=1",
	"c2, fix, dave, 09:25, start, concept:instance=2",
	"c2, fix, dave, 09:40, complete, concept:instance=2",
	"c2, fix, bob, 10:10, complete, concept:instance=1",
	"c2, resolved, , 10:10, -",
	"c3, triage, , 10:00, schedule",
	"c3, triage, alice, 10:05, start",
	"c3, triage, , 10:15, reassign",
	"c3, triage, carol, 10:45, start",
	"c3, triage, carol, 11:00, complete",
	"c3, fix, , 11:00, schedule",
	"c4, triage, alice, 11:00, start",
	"c4, triage, alice, 11:10, complete",
	"c4, resolved, , 11:10, -",
}

func TestMeasureLifecycle(t *testing.T) {
	l := metricsLog(t, nil, lifecycleRows...)
	m := mustMeasure(t, l, Options{ResolvedActivities: []string{"resolved"}})
	if m.Timing != TimingLifecycle {
		t.Fatalf("got timing %q, want lifecycle", m.Timing)
	}
	triage, fix := stepOf(t, m, "triage"), stepOf(t, m, "fix")
	for _, c := range []struct {
		what string
		got  *float64
		want float64
	}{
		// triage leads 30, 15, 60, 10 → sorted 10, 15, 30, 60 (minutes).
		{"triage lead mean", triage.Lead.Mean, min2s(28.75)},
		{"triage lead p50", triage.Lead.P50, min2s(22.5)},     // h = 1.5
		{"triage lead p85", triage.Lead.P85, min2s(46.5)},     // h = 2.55: 30 + .55×30
		{"triage lead p95", triage.Lead.P95, min2s(55.5)},     // h = 2.85
		{"triage wait mean", triage.Wait.Mean, min2s(11.25)},  // (10+0+35+0)/4
		{"triage cycle mean", triage.Cycle.Mean, min2s(17.5)}, // (20+15+25+10)/4
		{"triage flow efficiency", triage.FlowEfficiency, 70.0 / 115},
		// fix ended visits: leads 110, 55, 25; waits 30, 5, 10; cycles 50, 50, 15; blocked 30, 0, 0.
		{"fix lead mean", fix.Lead.Mean, min2s(190.0 / 3)},
		{"fix wait mean", fix.Wait.Mean, min2s(15)},
		{"fix cycle mean", fix.Cycle.Mean, min2s(115.0 / 3)},
		{"fix blocked max", fix.Blocked.Max, min2s(30)},
		{"fix blocked mean", fix.Blocked.Mean, min2s(10)},
		{"fix flow efficiency", fix.FlowEfficiency, 115.0 / 190},
		// Span 09:00–11:20 = 140 min; fix WIP time 110+55+25+20 = 210.
		{"fix mean wip", fix.MeanWIP, 210.0 / 140},
		{"fix mean queue", fix.MeanQueue, 65.0 / 140},
	} {
		eq(t, c.what, c.got, c.want)
	}
	if fix.Visits != 4 || fix.Departures != 3 || *fix.WIP != 1 || *fix.Queue != 1 || *fix.InProgress != 0 {
		t.Errorf("fix: got visits %d departures %d wip %d queue %d in progress %d, want 4 3 1 1 0",
			fix.Visits, fix.Departures, *fix.WIP, *fix.Queue, *fix.InProgress)
	}
	if m.ItemTime.Measure != MeasureTimeToResolve || m.ItemTime.Count != 3 || m.ItemTime.Unresolved != 1 {
		t.Errorf("item time: got %s count %d unresolved %d, want time_to_resolve 3 1", m.ItemTime.Measure, m.ItemTime.Count, m.ItemTime.Unresolved)
	}
	eq(t, "item time mean", m.ItemTime.Mean, min2s((140.0+70+10)/3))
	golden.Check(t, "metrics/lifecycle.json", metricsJSON(t, m))
}

// TestLifecycleVisitSplit checks the wait/cycle/blocked split of every
// visit of the lifecycle log against the table above.
func TestLifecycleVisitSplit(t *testing.T) {
	l := metricsLog(t, nil, lifecycleRows...)
	r := newTestRun(t, l, Options{})
	v := lifecycleVisits(r)
	type split struct {
		act                          string
		entered, ended               string // "" open
		wait, cycle, blocked, handed int
	}
	want := []split{
		{"triage", "09:00", "09:30", 10, 20, 0, 0},
		{"fix", "09:30", "11:20", 30, 50, 30, 0},
		{"triage", "09:00", "09:15", 0, 15, 0, 0},
		{"fix", "09:15", "10:10", 5, 50, 0, 0},
		{"fix", "09:15", "09:40", 10, 15, 0, 0},
		{"triage", "10:00", "11:00", 35, 25, 0, 1},
		{"fix", "11:00", "", 20, 0, 0, 0},
		{"triage", "11:00", "11:10", 0, 10, 0, 0},
	}
	if v.len() != len(want) {
		t.Fatalf("got %d visits, want %d", v.len(), len(want))
	}
	for i, w := range want {
		got := split{l.Strings[v.act[i]], clock(v.entered[i]), clock(v.ended[i]),
			int(v.wait[i] / int64(time.Minute)), int(v.cycle[i] / int64(time.Minute)), int(v.blocked[i] / int64(time.Minute)), int(v.requeueHandoffs[i])}
		if got != w {
			t.Errorf("visit %d: got %+v, want %+v", i, got, w)
		}
	}
	checkLeadIdentity(t, v, r.asOf)
}

func clock(ns int64) string {
	if ns == eventlog.NoTime {
		return ""
	}
	return time.Unix(0, ns).UTC().Format("15:04")
}

// checkLeadIdentity asserts lead = wait + cycle + blocked = end − entered
// for every visit (open ones measured to asOf).
func checkLeadIdentity(t testing.TB, v *visits, asOf int64) {
	t.Helper()
	for i := range v.len() {
		end := v.end(i, asOf)
		if sum := v.wait[i] + v.cycle[i] + v.blocked[i]; sum != end-v.entered[i] {
			t.Errorf("visit %d: wait+cycle+blocked = %v, end−entered = %v", i, time.Duration(sum), time.Duration(end-v.entered[i]))
		}
	}
}

func newTestRun(t testing.TB, l *eventlog.Log, opt Options) *run {
	t.Helper()
	r := &run{l: l, opt: opt, loc: time.UTC}
	r.first, r.last = l.Time[0], l.Time[0]
	for _, x := range l.Time {
		r.first, r.last = min(r.first, x), max(r.last, x)
	}
	r.asOf = max(opt.AsOf, r.last)
	r.indexActivities()
	return r
}

// stateRows is a ServiceNow-like state log; with testdata/metrics/states.yaml:
//
//	c1 New [09:00, 09:30) wait 30; In Progress (alice) [09:30, 10:00) cycle 30;
//	   On Hold [10:00, 11:00) blocked 60; In Progress (alice) [11:00, 11:30)
//	   cycle 30, rework; Resolved 11:30 (time_to_resolve 2.5 h); Closed 12:00.
//	c2 New [09:00, 10:00) wait 60; In Progress (bob) [10:00, 10:15) cycle 15;
//	   In Progress (carol) from 10:15, two events, one visit, open at 12:00.
var stateRows = []string{
	"c1, New, , 09:00",
	"c1, In Progress, alice, 09:30",
	"c1, On Hold, alice, 10:00",
	"c1, In Progress, alice, 11:00",
	"c1, Resolved, alice, 11:30",
	"c1, Closed, , 12:00",
	"c2, New, , 09:00",
	"c2, In Progress, bob, 10:00",
	"c2, In Progress, carol, 10:15",
	"c2, In Progress, carol, 10:30",
}

func readStates(t testing.TB, name string) map[string]StateClass {
	t.Helper()
	f := strings.NewReader(string(mustRead(t, "testdata/metrics/"+name)))
	s, err := ParseStates(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMeasureState(t *testing.T) {
	l := metricsLog(t, nil, stateRows...)
	m := mustMeasure(t, l, Options{Timing: TimingState, States: readStates(t, "states.yaml"), ResolvedActivities: []string{"Resolved"}})
	inProgress := stepOf(t, m, "In Progress")
	if inProgress.Visits != 4 || inProgress.Departures != 3 || inProgress.ReworkVisits != 1 || *inProgress.WIP != 1 || *inProgress.InProgress != 1 {
		t.Errorf("In Progress: got %+v", inProgress)
	}
	eq(t, "In Progress cycle mean", inProgress.Cycle.Mean, min2s(25)) // (30+30+15)/3 over ended visits
	eq(t, "On Hold blocked", stepOf(t, m, "On Hold").Blocked.Max, min2s(60))
	eq(t, "New wait mean", stepOf(t, m, "New").Wait.Mean, min2s(45))
	eq(t, "time_to_resolve", m.ItemTime.Mean, 2.5*3600)
	if m.Handoffs.Count != 1 {
		t.Errorf("handoffs: got %d, want 1 (bob → carol)", m.Handoffs.Count)
	}
	if b := m.Outcome.Backlog; b == nil || b.Open != 1 || b.Buckets[0].Count != 1 {
		t.Errorf("backlog: got %+v, want one case under a day old", b)
	}
	// Utilization over 09:00–12:00 (10 800 s): alice 60 min, bob 15, carol 105.
	u := map[string]*float64{}
	for _, p := range m.Utilization.Persons {
		u[p.Person] = p.Utilization
	}
	eq(t, "alice", u["alice"], 3600.0/10800)
	eq(t, "bob", u["bob"], 900.0/10800)
	eq(t, "carol", u["carol"], 6300.0/10800)

	// New has no worker: it is scored with everyone's utilization,
	// (3600 + 900 + 6300) ÷ (3 × 10 800), times its wait share 1.
	if b := m.Bottlenecks.Steps[0]; b.Activity != "New" {
		t.Errorf("bottleneck: got %s first, want New", b.Activity)
	} else {
		eq(t, "New utilization", b.Utilization, 1.0/3)
		eq(t, "New score", b.Score, 1.0/3)
	}

	r := newTestRun(t, l, Options{})
	cls, err := stateClasses(l, readStates(t, "states.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checkLeadIdentity(t, stateVisits(r, cls), r.asOf)
	golden.Check(t, "metrics/state.json", metricsJSON(t, m))
}

func TestMeasureStateUnmapped(t *testing.T) {
	l := metricsLog(t, nil, append(stateRows, "c3, Awaiting Vendor, , 09:00", "c3, Triage, , 09:10")...)
	_, err := Measure(l, Options{Timing: TimingState, States: readStates(t, "states.yaml")})
	if err == nil || !strings.Contains(err.Error(), `"Awaiting Vendor", "Triage"`) {
		t.Errorf("got %v, want an error listing both unmapped states", err)
	}
	if _, err := Measure(l, Options{Timing: TimingState}); err == nil {
		t.Error("state timing without a mapping: got no error")
	}
}

// completionRows: each event completes its activity.
//
//	c1 A 09:00 (no lead), B 10:00 (lead 60), C 12:00 (lead 120); case_duration 3 h
//	c2 A 09:30, C 10:30 (lead 60); case_duration 1 h
//	c3 A 11:00; case_duration 0
var completionRows = []string{
	"c1, A, alice, 09:00, , @priority=P1, @kind=incident",
	"c1, B, bob, 10:00",
	"c1, C, carol, 12:00",
	"c2, A, alice, 09:30, , @priority=P2, @kind=request",
	"c2, C, carol, 10:30",
	"c3, A, bob, 11:00, , @priority=P1, @kind=incident",
}

func TestMeasureCompletion(t *testing.T) {
	l := metricsLog(t, nil, completionRows...)
	m := mustMeasure(t, l, Options{
		GroupBy:    []string{"priority"},
		SLAAttr:    "priority",
		SLATargets: map[string]time.Duration{"P1": 2 * time.Hour, "": 90 * time.Minute},
	})
	if m.Timing != TimingCompletion {
		t.Fatalf("got timing %q", m.Timing)
	}
	for _, s := range m.Steps {
		isNull(t, s.Activity+" wait", s.Wait)
		isNull(t, s.Activity+" cycle", s.Cycle)
		isNull(t, s.Activity+" blocked", s.Blocked)
		isNull(t, s.Activity+" flow efficiency", s.FlowEfficiency)
		isNull(t, s.Activity+" wip", s.WIP)
	}
	if a := stepOf(t, m, "A"); a.Visits != 3 || a.Lead.Count != 0 || a.Lead.Mean != nil {
		t.Errorf("A: got %d visits, lead %+v; want 3 visits and no lead", a.Visits, a.Lead)
	}
	eq(t, "C lead mean", stepOf(t, m, "C").Lead.Mean, min2s(90))
	if m.ItemTime.Measure != MeasureCaseDuration || m.ItemTime.Count != 3 {
		t.Errorf("item time: got %+v", m.ItemTime)
	}
	eq(t, "case_duration p50", m.ItemTime.P50, 3600)
	if m.Handoffs.Count != 3 {
		t.Errorf("handoffs: got %d, want 3 (alice→bob→carol, alice→carol)", m.Handoffs.Count)
	}
	isNull(t, "utilization", (*float64)(nil))
	if m.Utilization != nil || m.Outcome.Backlog != nil || m.Flow.Efficiency != nil {
		t.Error("completion timing: want null utilization, backlog and flow efficiency")
	}
	if m.Bottlenecks.Basis != BasisLead {
		t.Errorf("bottleneck basis: got %q, want lead", m.Bottlenecks.Basis)
	}
	// SLA: P1 target 2 h (c1 3 h breached, c3 0 met), P2 by the default 90 min (c2 1 h met).
	if s := m.SLA; s.Overall.Met != 2 || s.Overall.Breached != 1 {
		t.Errorf("SLA: got %+v", s.Overall)
	}
	eq(t, "SLA attainment", m.SLA.Overall.Attainment, 2.0/3)
	golden.Check(t, "metrics/completion.json", metricsJSON(t, m))
	b := metricsJSON(t, m)
	for _, key := range []string{`"wait": null`, `"cycle": null`, `"blocked": null`, `"flow_efficiency": null`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestMeasureErrors(t *testing.T) {
	l := metricsLog(t, nil, completionRows...)
	for _, opt := range []Options{
		{Timing: "guess"},
		{Window: "fortnight"},
		{Timing: TimingLifecycle},
		{ResolvedActivities: []string{"nope"}},
		{SLATargets: map[string]time.Duration{"": -time.Hour}},
		{BusinessHours: &BusinessHours{Start: 10 * time.Hour, End: 9 * time.Hour}},
	} {
		if _, err := Measure(l, opt); err == nil {
			t.Errorf("%+v: got no error", opt)
		}
	}
	if _, err := Measure(&eventlog.Log{Offsets: []uint32{0}}, Options{}); err == nil {
		t.Error("empty log: got no error")
	}
}

func TestMeasureDeterministic(t *testing.T) {
	l := mLargeLog(t, 2000, 3)
	a := metricsJSON(t, mustMeasure(t, l, Options{}))
	for range 3 {
		if b := metricsJSON(t, mustMeasure(t, l, Options{})); string(a) != string(b) {
			t.Fatal("two runs differ")
		}
	}
}

// mLargeLog builds a completion log of cases with about ten events each,
// over 10 activities and 50 resources, cases interleaved in time.
func mLargeLog(t testing.TB, cases int, seed uint64) *eventlog.Log {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := eventlog.NewBuilder()
	acts := make([]uint32, 10)
	for i := range acts {
		acts[i] = b.InternString(fmt.Sprintf("activity %02d", i))
	}
	res := make([]uint32, 50)
	for i := range res {
		res[i] = b.InternString(fmt.Sprintf("person %02d", i))
	}
	start := mBase.UnixNano()
	for c := range cases {
		id := b.Case(b.InternString(fmt.Sprintf("case-%06d", c)))
		// Cases arrive about every 5 minutes, so about a year of work.
		t0 := start + int64(c)*int64(5*time.Minute) + rng.Int64N(int64(5*time.Minute))
		n := 5 + rng.IntN(11)
		for k := range n {
			b.Add(eventlog.Event{Case: id, Activity: acts[(k+rng.IntN(3))%10], Resource: res[rng.IntN(50)], Time: t0})
			t0 += rng.Int64N(int64(8 * time.Hour))
		}
	}
	l, _ := b.Build()
	return l
}

// BenchmarkMeasure1M measures a 1 000 000-event, 100 000-case completion
// log with 10 activities and 50 resources.
func BenchmarkMeasure1M(b *testing.B) {
	l := mLargeLog(b, 100_000, 1)
	if n := l.Events(); n < 950_000 || n > 1_050_000 {
		b.Fatalf("got %d events", n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Measure(l, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ExampleMeasure() {
	b := eventlog.NewBuilder()
	add := func(id, activity string, minute int) {
		b.Add(eventlog.Event{Case: b.Case(b.InternString(id)), Activity: b.InternString(activity),
			Time: mBase.Add(time.Duration(minute) * time.Minute).UnixNano()})
	}
	add("INC-1", "logged", 0)
	add("INC-1", "resolved", 90)
	add("INC-2", "logged", 30)
	add("INC-2", "resolved", 60)
	l, _ := b.Build()
	m, err := Measure(l, Options{ResolvedActivities: []string{"resolved"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Timing, m.ItemTime.Measure, *m.ItemTime.Mean, m.Steps[1].Wait == nil)
	// Output: completion time_to_resolve 3600 true
}
