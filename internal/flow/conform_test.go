package flow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/golden"
)

// fixStream is a small restoration stream:
//
//	Register → Investigate ─fixed→ value
//	                 └not_fixed→ Obtain fix → Verify ─restored→ value
//	                 ↑                               │
//	                 └───────── not_restored ────────┘
//
// The shortest complete path is Register, Investigate: 2 steps.
func fixStream() *svcflow.ValueStream {
	return &svcflow.ValueStream{
		ID: "fix", Name: "Fix things",
		Steps: []svcflow.Step{
			{ID: "register", Name: "Register", Next: []svcflow.Transition{{To: "investigate", Probability: 1}}},
			{ID: "investigate", Name: "Investigate", Outcomes: []string{"fixed", "not_fixed"},
				Next: []svcflow.Transition{{When: "fixed", To: svcflow.End, Probability: 0.7}, {When: "not_fixed", To: "obtain-fix", Probability: 0.3}}},
			{ID: "obtain-fix", Name: "Obtain a fix", Next: []svcflow.Transition{{To: "verify", Probability: 1}}},
			{ID: "verify", Name: "Verify", Outcomes: []string{"restored", "not_restored"},
				Next: []svcflow.Transition{{When: "restored", To: svcflow.End, Probability: 0.9}, {When: "not_restored", To: "investigate", Probability: 0.1}}},
		},
	}
}

// conformCases are cases of fixStream with their fitness by hand:
// 1 − moves ÷ (events + 2).
var conformCases = []struct {
	id      string
	path    []string
	fitness float64
	why     string
}{
	{"perfect", []string{"Register", "Investigate"}, 1, "the shortest path"},
	{"perfect long", []string{"register", "Investigate", "Obtain fix", "Verify"}, 1, "the branch; names match without case or hyphens"},
	{"skip", []string{"Register", "Obtain fix", "Verify"}, 1 - 1.0/5, "Investigate skipped: 1 model move"},
	{"unexpected", []string{"Register", "Call the user", "Investigate"}, 1 - 1.0/5, "an activity no step matches: 1 log move"},
	{"loop", []string{"Register", "Investigate", "Obtain fix", "Verify", "Investigate", "Obtain fix", "Verify"}, 1, "the designed loop back from Verify"},
	{"repeat", []string{"Register", "Investigate", "Investigate"}, 1 - 1.0/5, "no transition from Investigate to itself: the repeat is 1 log move (going round the loop would cost 2)"},
	{"short", []string{"Register"}, 1 - 1.0/3, "stops before Investigate: 1 model move"},
	{"perfect again", []string{"Register", "Investigate"}, 1, "same variant as perfect"},
}

func conformLog(t *testing.T) []dfgEvent {
	var events []dfgEvent
	for _, c := range conformCases {
		for i, a := range c.path {
			events = append(events, dfgEvent{c: c.id, a: a, min: float64(i)})
		}
	}
	return events
}

func TestConform(t *testing.T) {
	l := dfgLog(t, conformLog(t))
	res, err := Conform(l, fixStream(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.PerCase) != len(conformCases) {
		t.Fatalf("got %d cases, want %d", len(res.PerCase), len(conformCases))
	}
	sum, fit := 0.0, 0
	for i, c := range conformCases {
		got := res.PerCase[i]
		if got.Case != c.id || math.Abs(got.Fitness-c.fitness) > 1e-9 {
			t.Errorf("case %s (%s): fitness %v, want %v", got.Case, c.why, got.Fitness, c.fitness)
		}
		sum += c.fitness
		if c.fitness == 1 {
			fit++
		}
	}
	// (1 + 1 + 0.8 + 0.8 + 1 + 0.8 + 2/3 + 1) / 8 = 7.0666… / 8
	if want := round9(sum / 8); res.Fitness != want || math.Abs(want-0.883333333) > 1e-9 {
		t.Errorf("fitness %v, want %v", res.Fitness, want)
	}
	if res.Cases != 8 || res.CasesFit != fit || fit != 4 || res.ShareFit != 0.5 {
		t.Errorf("cases %d, fit %d, share %v; want 8, 4, 0.5", res.Cases, res.CasesFit, res.ShareFit)
	}
	if res.ShortestPath != 2 {
		t.Errorf("shortest path %d steps, want 2", res.ShortestPath)
	}
	wantDevs := []Deviation{
		{Kind: ModelMove, Step: "investigate", Count: 2, Cases: []string{"skip", "short"}},
		{Kind: LogMove, Activity: "Call the user", Reason: ReasonUnmapped, Count: 1, Cases: []string{"unexpected"}},
		{Kind: LogMove, Activity: "Investigate", Step: "investigate", Reason: ReasonRepeat, Count: 1, Cases: []string{"repeat"}},
	}
	if !reflect.DeepEqual(res.Deviations, wantDevs) {
		t.Errorf("deviations:\ngot  %+v\nwant %+v", res.Deviations, wantDevs)
	}
	if want := []string{"Call the user"}; !reflect.DeepEqual(res.Unmapped, want) {
		t.Errorf("unmapped %v, want %v", res.Unmapped, want)
	}
	wantMapping := []ActivityMapping{
		{"Investigate", "investigate", "id"}, {"Obtain fix", "obtain-fix", "id"},
		{"Register", "register", "id"}, {"Verify", "verify", "id"}, {"register", "register", "id"},
	}
	if !reflect.DeepEqual(res.Mapping, wantMapping) {
		t.Errorf("mapping:\ngot  %v\nwant %v", res.Mapping, wantMapping)
	}
	// Variants in DFG order: the one variant with two cases first.
	v := res.Variants[0]
	if v.Count != 2 || v.Fitness != 1 || !reflect.DeepEqual(v.Cases, []string{"perfect", "perfect again"}) {
		t.Errorf("first variant %+v, want the perfect one with 2 cases", v)
	}
	for _, v := range res.Variants {
		if strings.Join(v.Path, ",") == "Register,Obtain fix,Verify" && (v.ModelMoves != 1 || v.LogMoves != 0 || v.Fitness != 0.8) {
			t.Errorf("variant %v: %d model and %d log moves, fitness %v; want 1, 0, 0.8", v.Path, v.ModelMoves, v.LogMoves, v.Fitness)
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"cases_fit":4`, `"fitness":0.883333333`, `"kind":"model_move","step":"investigate","count":2,"cases":["skip","short"]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "per_case") || strings.Contains(string(b), "PerCase") {
		t.Errorf("JSON holds the per-case list")
	}
}

// A mapping file sends activities to steps; activities it does not name
// still match by id or name.
func TestConformWithMapping(t *testing.T) {
	m, err := ParseMapping(strings.NewReader("Call the user: investigate\nObtain fix: obtain-fix\n"), "fix.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := dfgLog(t, []dfgEvent{{c: "a", a: "Register", min: 0}, {c: "a", a: "Call the user", min: 1}, {c: "a", a: "Investigate", min: 2}})
	res, err := Conform(l, fixStream(), m)
	if err != nil {
		t.Fatal(err)
	}
	// Register, investigate, investigate: the second is a repeat, 1 log move.
	if res.Fitness != 0.8 || len(res.Unmapped) != 0 {
		t.Errorf("fitness %v, unmapped %v; want 0.8 and none", res.Fitness, res.Unmapped)
	}
	want := []ActivityMapping{{"Call the user", "investigate", "map"}, {"Investigate", "investigate", "id"}, {"Register", "register", "id"}}
	if !reflect.DeepEqual(res.Mapping, want) {
		t.Errorf("mapping %v, want %v", res.Mapping, want)
	}
	if d := res.Deviations; len(d) != 1 || d[0].Activity != "Investigate" || d[0].Reason != ReasonRepeat {
		t.Errorf("deviations %+v, want one repeat of Investigate", d)
	}
}

// Entry points are where a case may start; names match a step's name when
// no id does.
func TestConformEntryPointsAndNames(t *testing.T) {
	s := fixStream()
	s.EntryPoints = map[string]string{"monitoring": "investigate"}
	s.Steps[2].ID = "step-3"
	s.Steps[1].Next[1].To = "step-3"
	l := dfgLog(t, []dfgEvent{
		{c: "alert", a: "Investigate", min: 0},
		{c: "user", a: "Register", min: 0}, {c: "user", a: "investigate", min: 1},
		{c: "named", a: "  OBTAIN a_fix ", min: 0}, {c: "named", a: "Verify", min: 1},
	})
	res, err := Conform(l, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Shortest: enter at Investigate, fixed → value: 1 step. The named case
	// enters at Investigate and skips it: 1 − 1/(2+1).
	if res.ShortestPath != 1 {
		t.Errorf("shortest path %d, want 1", res.ShortestPath)
	}
	want := map[string]float64{"alert": 1, "user": 1, "named": round9(1 - 1.0/3)}
	for _, c := range res.PerCase {
		if c.Fitness != want[c.Case] {
			t.Errorf("case %s: fitness %v, want %v", c.Case, c.Fitness, want[c.Case])
		}
	}
	found := false
	for _, m := range res.Mapping {
		found = found || m.Activity == "  OBTAIN a_fix " && m.Step == "step-3" && m.By == "name"
	}
	if !found {
		t.Errorf("activity %q did not match step step-3 by name: %v", "  OBTAIN a_fix ", res.Mapping)
	}
}

// A repeat the stream can explain by going round its loop costs the steps
// skipped on the way, when that is cheaper than log moves.
func TestConformLoopWithSkip(t *testing.T) {
	// Register, Investigate, Obtain fix, Investigate, Obtain fix, Verify:
	// after the first Obtain fix the case skips Verify (1 model move) and
	// loops back; treating the second Investigate and Obtain fix as log
	// moves would cost 2. Fitness 1 − 1/(6+2) = 0.875.
	l := dfgLog(t, []dfgEvent{
		{c: "x", a: "Register", min: 0}, {c: "x", a: "Investigate", min: 1}, {c: "x", a: "Obtain fix", min: 2},
		{c: "x", a: "Investigate", min: 3}, {c: "x", a: "Obtain fix", min: 4}, {c: "x", a: "Verify", min: 5},
	})
	res, err := Conform(l, fixStream(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fitness != 0.875 || len(res.Deviations) != 1 || res.Deviations[0].Kind != ModelMove || res.Deviations[0].Step != "verify" {
		t.Errorf("fitness %v, deviations %+v; want 0.875 and one model move of verify", res.Fitness, res.Deviations)
	}
}

func TestConformErrors(t *testing.T) {
	l := dfgLog(t, []dfgEvent{{c: "x", a: "Register", min: 0}})
	m, err := ParseMapping(strings.NewReader("Register: register\nFix: nowhere\n"), "bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	noEnd := fixStream()
	noEnd.Steps[1].Next = []svcflow.Transition{{To: "obtain-fix", Probability: 1}}
	noEnd.Steps[3].Next = []svcflow.Transition{{To: "investigate", Probability: 1}}
	tests := []struct {
		name   string
		stream *svcflow.ValueStream
		m      *Mapping
		want   string
	}{
		{"unknown step in the mapping", fixStream(), m, `bad.yaml:2: activity "Fix" maps to step "nowhere", which stream fix does not have`},
		{"no way to value", noEnd, nil, "no path from an entry step to value"},
		{"no steps", &svcflow.ValueStream{ID: "empty"}, nil, "has no steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Conform(l, tt.stream, tt.m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// Alignment is optimal: on generated cases its cost equals a cheapest path
// found by plain relaxation over the same moves, never exceeds the bound of
// every event a log move plus the shortest path as model moves, and
// fitness stays in [0, 1].
func TestConformBounds(t *testing.T) {
	acts := []string{"Register", "Investigate", "Obtain fix", "Verify", "Other"}
	var events []dfgEvent
	for c := range 300 {
		n := 1 + (c*7)%9
		for i := range n {
			events = append(events, dfgEvent{c: string(rune('A'+c%26)) + strings.Repeat("x", c/26), a: acts[(c*31+i*i*17+i)%len(acts)], min: float64(i)})
		}
	}
	l := dfgLog(t, events)
	res, err := Conform(l, fixStream(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.PerCase {
		if c.Fitness < 0 || c.Fitness > 1 {
			t.Errorf("case %s: fitness %v out of [0, 1]", c.Case, c.Fitness)
		}
	}
	for _, v := range res.Variants {
		cost := v.LogMoves + v.ModelMoves
		if cost > len(v.Path)+2 {
			t.Errorf("variant %v: cost %d above the bound %d", v.Path, cost, len(v.Path)+2)
		}
		if want := round9(1 - float64(cost)/float64(len(v.Path)+2)); v.Fitness != want {
			t.Errorf("variant %v: fitness %v, want %v from its moves", v.Path, v.Fitness, want)
		}
		if want := relaxedCost(t, fixStream(), v.Path); cost != want {
			t.Errorf("variant %v: cost %d, want the optimum %d", v.Path, cost, want)
		}
	}
}

// relaxedCost is the cheapest alignment cost by Bellman-Ford style
// relaxation until nothing changes.
func relaxedCost(t *testing.T, s *svcflow.ValueStream, path []string) int {
	g, err := newStreamGraph(s)
	if err != nil {
		t.Fatal(err)
	}
	nodes, n := len(g.ids), len(path)
	steps := make([]int32, n)
	for i, a := range path {
		steps[i], _ = g.match(a, nil)
	}
	const inf = 1 << 30
	dist := make([][]int, n+1)
	for i := range dist {
		dist[i] = make([]int, nodes)
		for u := range dist[i] {
			dist[i][u] = inf
		}
	}
	dist[0][0] = 0
	for changed := true; changed; {
		changed = false
		set := func(i int, u int32, d int) {
			if d < dist[i][u] {
				dist[i][u] = d
				changed = true
			}
		}
		for i := range n + 1 {
			for u := range int32(nodes) {
				d := dist[i][u]
				if d == inf {
					continue
				}
				if i < n {
					set(i+1, u, d+1)
				}
				if u == g.end() {
					continue
				}
				for _, v := range g.succ[u] {
					switch {
					case v == g.end():
						set(i, v, d)
					default:
						set(i, v, d+1)
						if i < n && steps[i] == v {
							set(i+1, v, d)
						}
					}
				}
			}
		}
	}
	return dist[n][g.end()]
}

// helpdeskStream is the restoration of a live service cut to what the
// Helpdesk log records.
func helpdeskStream() *svcflow.ValueStream {
	return &svcflow.ValueStream{
		ID: "helpdesk-restore", Name: "Restore a service (Helpdesk)",
		Steps: []svcflow.Step{
			{ID: "register", Name: "Register the ticket", Next: []svcflow.Transition{{To: "investigate", Probability: 1}}},
			{ID: "investigate", Name: "Investigate", Outcomes: []string{"fixed", "not_fixed"},
				Next: []svcflow.Transition{{When: "fixed", To: "verify", Probability: 0.8}, {When: "not_fixed", To: "obtain-fix", Probability: 0.2}}},
			{ID: "obtain-fix", Name: "Obtain a fix", Next: []svcflow.Transition{{To: "deploy-fix", Probability: 1}}},
			{ID: "deploy-fix", Name: "Deploy the fix", Next: []svcflow.Transition{{To: "verify", Probability: 1}}},
			{ID: "verify", Name: "Verify", Outcomes: []string{"restored", "not_restored"}, Resolves: true,
				Next: []svcflow.Transition{{When: "restored", To: "feedback", Probability: 0.9}, {When: "not_restored", To: "investigate", Probability: 0.1}}},
			{ID: "feedback", Name: "Close with feedback", Next: []svcflow.Transition{{To: svcflow.End, Probability: 1}}},
		},
	}
}

// On the real Helpdesk log with the mapping in testdata: every variant's
// alignment is optimal, the figures add up, and the summary matches the
// golden file.
func TestConformHelpdesk(t *testing.T) {
	l := helpdeskLog(t)
	data, err := os.ReadFile(filepath.Join("testdata", "map", "helpdesk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMapping(bytes.NewReader(data), "helpdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := helpdeskStream()
	res, err := Conform(l, s, m)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cases != 4580 || len(res.Variants) != 226 || len(res.PerCase) != 4580 {
		t.Fatalf("got %d cases, %d variants, %d per case; want 4580, 226, 4580", res.Cases, len(res.Variants), len(res.PerCase))
	}
	// Register, investigate, verify, feedback.
	if res.ShortestPath != 4 {
		t.Errorf("shortest path %d, want 4", res.ShortestPath)
	}
	cases, fit, sum := 0, 0, 0.0
	for _, v := range res.Variants {
		cases += v.Count
		cost := v.LogMoves + v.ModelMoves
		if want := relaxedCost(t, s, mappedPath(res, v.Path)); cost != want {
			t.Errorf("variant %v: cost %d, want the optimum %d", v.Path, cost, want)
		}
		if cost == 0 {
			fit += v.Count
		}
		sum += float64(v.Count) * (1 - float64(cost)/float64(len(v.Path)+4))
	}
	if cases != 4580 || fit != res.CasesFit || res.Fitness != round9(sum/4580) {
		t.Errorf("variants hold %d cases, %d fit, fitness %v; the result says %d fit, fitness %v", cases, fit, round9(sum/4580), res.CasesFit, res.Fitness)
	}
	summary := *res
	summary.Variants = summary.Variants[:10]
	if len(summary.Deviations) > 10 {
		summary.Deviations = summary.Deviations[:10]
	}
	out, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "conform/helpdesk.json", append(out, '\n'))
}

// mappedPath rewrites a path's activities as the step ids they mapped to,
// so relaxedCost (which matches by id) sees what Conform saw; unmapped
// activities stay as they are and match nothing.
func mappedPath(res *Conformance, path []string) []string {
	step := map[string]string{}
	for _, m := range res.Mapping {
		step[m.Activity] = m.Step
	}
	out := make([]string, len(path))
	for i, a := range path {
		out[i] = a
		if s, ok := step[a]; ok {
			out[i] = s
		} else {
			out[i] = "\x00" + a // no step id starts with NUL
		}
	}
	return out
}

// BenchmarkConform1M aligns the million-event benchmark log with a ten-step
// stream in which each step may follow the one before, skip one, or loop
// back to the start.
func BenchmarkConform1M(b *testing.B) {
	l := benchLog(b, 100_000)
	s := &svcflow.ValueStream{ID: "bench", Name: "Bench"}
	for i := range 10 {
		st := svcflow.Step{ID: fmt.Sprintf("activity-%d", i), Name: fmt.Sprintf("Step %d", i)}
		for _, j := range []int{i + 1, i + 2, 0} {
			to := fmt.Sprintf("activity-%d", j)
			if j >= 10 {
				to = svcflow.End
			}
			st.Next = append(st.Next, svcflow.Transition{To: to, Probability: 1.0 / 3})
		}
		s.Steps = append(s.Steps, st)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var res *Conformance
	for b.Loop() {
		var err error
		if res, err = Conform(l, s, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.Fitness, "fitness")
}
