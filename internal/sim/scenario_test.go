package sim

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/svcflow/svcflow/internal/golden"
)

func readTestScenario(t *testing.T, path string) *Scenario {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, ds := ParseScenario(filepath.Base(path), b)
	if len(ds) > 0 {
		t.Fatalf("parse %s:\n%v", path, DiagnosticsError(ds))
	}
	return s
}

func TestParseScenarioFull(t *testing.T) {
	s := readTestScenario(t, "testdata/scenario/full.yaml")
	m := s.Model
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", m.Name, "Service desk, every feature"},
		{"note line 2", strings.Split(m.Note, "\n")[1], `Two lines, the second with "quotes" and a colon: here.`},
		{"horizon", m.Horizon, 30 * 86400.0},
		{"warm-up", m.WarmUp, 1.5 * 86400},
		{"replications", m.Replications, 5},
		{"seed", m.Seed, uint64(math.MaxUint64)},
		{"SLA", m.SLA, map[string]float64{"P1": 4 * 3600, "P2": 8 * 3600, "": 3 * 86400}},
		{"team policy", m.Teams[0].Policy, "priority+aging=4h"},
		{"shift 0", m.Teams[0].Shifts[0], Shift{Days: []int{1, 2, 3, 4, 5}, Start: 8 * 3600, End: 16 * 3600, People: 3}},
		{"shift 1 days", m.Teams[0].Shifts[1].Days, []int{1, 2, 3, 4, 5, 0}},
		{"shift 1 end", m.Teams[0].Shifts[1].End, 86400.0},
		{"shift 2 without people has the team", m.Teams[0].Shifts[2], Shift{Days: []int{6}, Start: 9*3600 + 30*60, End: 12*3600 + 15*60 + 30, People: 4}},
		{"team without people", m.Teams[2].People, 1},
		{"profile length", len(m.Work[0].Arrivals.Profile), 168},
		{"profile Monday 09:00", m.Work[0].Arrivals.Profile[9], 6.0 / 3600},
		{"priority", m.Work[0].Priority[3], PriorityShare{"P4", 0.2}},
		{"normal", m.Work[0].Steps[1].Duration, Dist{Kind: DistNormal, Mean: 45 * 60, SD: 20 * 60, Min: 5 * 60, Max: 4 * 3600}},
		{"routes", m.Work[0].Steps[1].Next, []Route{{"fix", 0.9, "found"}, {"investigate", 0.1, "more"}}},
		{"single route", m.Work[0].Steps[2].Next, []Route{{"verify", 1, ""}}},
		{"no next goes to value", m.Work[0].Steps[3].Next, []Route{{Value, 1, ""}}},
		{"plain duration is fixed", m.Work[0].Steps[3].Duration, Dist{Kind: DistFixed, Mean: 1800}},
		{"empirical", m.Work[0].Steps[2].Duration.Samples, []float64{600, 1500, 3600, 0, 9000}},
		{"entry defaults to the first step", m.Work[1].Entry, "approve"},
		{"gaussian", m.Work[1].Arrivals, Arrivals{Kind: ArrivalGaussian, Mean: 1200, SD: 300}},
		{"pareto", m.Work[2].Arrivals, Arrivals{Kind: ArrivalPareto, Scale: 7200, Shape: 2.5}},
		{"empirical arrivals", m.Work[3].Arrivals, Arrivals{Kind: ArrivalEmpirical, Samples: []float64{3600, 9000, 2700}, Bootstrap: true}},
		{"automated", m.Work[1].Steps[1].Automated, true},
		{"auto-approve", m.Work[1].Steps[0].AutoApprove, 0.25},
		{"changes", len(s.Changes), 10},
		{"change 0", s.Changes[0], Change{Kind: ChangeAddPeople, Name: "One more analyst", Team: "l2", People: 1}},
		{"change 5", s.Changes[5], Change{Kind: ChangeArrivalRate, Class: "incident", Rate: 3.0 / 3600}},
		{"change 2 duration", *s.Changes[2].Duration, Dist{Kind: DistExponential, Mean: 20}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if _, err := s.Resolve(); err != nil {
		t.Errorf("the changes do not apply: %v", err)
	}
}

// roundTrip writes s, reads it back and checks the model and changes are
// equal, and that writing again gives the same bytes.
func roundTrip(t *testing.T, s *Scenario) []byte {
	t.Helper()
	var first bytes.Buffer
	if err := WriteScenario(&first, s); err != nil {
		t.Fatalf("write: %v", err)
	}
	back, ds := ParseScenario("written.yaml", first.Bytes())
	if len(ds) > 0 {
		t.Fatalf("the written file does not read back:\n%v\n%s", DiagnosticsError(ds), first.Bytes())
	}
	if !reflect.DeepEqual(back.Model, s.Model) {
		t.Fatalf("the model read back differs:\ngot  %#v\nwant %#v\n%s", back.Model, s.Model, first.Bytes())
	}
	if !reflect.DeepEqual(back.Changes, s.Changes) || back.Baseline != s.Baseline {
		t.Fatalf("the changes read back differ:\ngot  %#v\nwant %#v", back.Changes, s.Changes)
	}
	var second bytes.Buffer
	if err := WriteScenario(&second, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatalf("writing twice differs:\n%s\n---\n%s", first.Bytes(), second.Bytes())
	}
	return first.Bytes()
}

func TestWriteScenarioRoundTrip(t *testing.T) {
	for _, path := range []string{
		"testdata/scenario/full.yaml",
		"../../examples/scenarios/access-request-baseline.yaml",
		"../../examples/scenarios/access-request-future.yaml",
	} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			roundTrip(t, readTestScenario(t, path))
		})
	}
}

func TestWriteScenarioGolden(t *testing.T) {
	s := readTestScenario(t, "testdata/scenario/full.yaml")
	golden.Check(t, "scenario/full.golden", roundTrip(t, s))
	// The resolved model, as calibration writes a model of its own.
	m, err := s.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "scenario/full-resolved.golden", roundTrip(t, &Scenario{Model: m}))
}

func TestWriteScenarioRefusesWhatItCannotReadBack(t *testing.T) {
	base := readTestScenario(t, "testdata/scenario/full.yaml").Model
	tests := []struct {
		name   string
		edit   func(s *Scenario)
		wantIn string
	}{
		{"nothing", func(s *Scenario) { s.Model = nil }, "no model and no baseline"},
		{"a field the kind does not take", func(s *Scenario) { s.Model.Work[1].Steps[0].Duration.Mode = 3 }, `"mode" does not apply`},
		{"NaN", func(s *Scenario) { s.Model.Horizon = math.NaN() }, "horizon"},
		{"fractional shift", func(s *Scenario) { s.Model.Teams[0].Shifts[0].Start = 0.5 }, "whole seconds"},
		{"name with space around", func(s *Scenario) { s.Model.Name = " x" }, "surrounding space"},
		{"bad change", func(s *Scenario) { s.Changes = []Change{{Kind: "hire"}} }, "unknown kind of change"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Scenario{Model: cloneSimModel(base)}
			tc.edit(s)
			err := WriteScenario(&bytes.Buffer{}, s)
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantIn)
			}
		})
	}
}

func TestParseScenarioBroken(t *testing.T) {
	b, err := os.ReadFile("testdata/scenario/broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, ds := ParseScenario("broken.yaml", b)
	if s != nil {
		t.Error("got a scenario from a broken file, want nil")
	}
	var out strings.Builder
	for _, d := range ds {
		out.WriteString(d.String() + "\n")
	}
	golden.Check(t, "scenario/broken.golden", []byte(out.String()))
}

func TestParseScenarioErrors(t *testing.T) {
	const head = "schema: svcflow/scenario/v1\nhorizon: 1d\n"
	const teams = "teams: [{id: desk}]\n"
	const work = "work:\n  - id: c\n    arrivals: {kind: poisson, rate: 1/h}\n    steps:\n"
	tests := []struct {
		name, file string
		want       []string // FILE:LINE:COLUMN: … substrings, one per diagnostic
	}{
		{"empty", "", []string{"f.yaml:1:1: error: : empty file"}},
		{"syntax", "schema: [", []string{"f.yaml:1:1: error: : YAML syntax"}},
		{"two documents", head + "---\nx: 1\n", []string{"f.yaml:3:1: error: : a second YAML document"}},
		{"not a mapping", "- 1\n", []string{"f.yaml:1:1: error: : expected a scenario (a mapping of fields), got a list"}},
		{"wrong schema", "schema: svcflow/stream/v1\nhorizon: 1d\n" + work + "      - {id: s, duration: 1m}\n",
			[]string{`f.yaml:1:9: error: schema: unknown schema "svcflow/stream/v1"`}},
		{"missing horizon and work", "schema: svcflow/scenario/v1\n",
			[]string{`f.yaml:1:1: error: horizon: missing field "horizon"`, `f.yaml:1:1: error: work: missing field "work"`}},
		{"unknown field with a suggestion", head + "replicatons: 3\n" + work + "      - {id: s, duration: 1m}\n",
			[]string{`f.yaml:3:1: error: replicatons: unknown field "replicatons" in a scenario; expected one of`, `(did you mean "replications"?)`}},
		{"duplicate field", head + "horizon: 2d\n" + work + "      - {id: s, duration: 1m}\n", []string{`f.yaml:3:1: error: horizon: field "horizon" given twice`}},
		{"wrong kind of value", head + "work: 3\n", []string{"f.yaml:3:7: error: work: expected a list of work classes, got the number 3"}},
		{"duration without unit", head + work + "      - {id: s, duration: 120}\n", []string{`f.yaml:7:27: error: work[0].steps[0].duration: "120": expected a unit`}},
		{"negative duration", head + work + "      - {id: s, duration: {kind: exponential, mean: -2m}}\n", []string{`f.yaml:7:53: error: work[0].steps[0].duration.mean: "-2m" is negative`}},
		{"zero exponential", head + work + "      - {id: s, duration: {kind: exponential, mean: 0}}\n", []string{`work[0].steps[0].duration.mean: duration is 0; expected a positive duration`}},
		{"business days", head + work + "      - {id: s, duration: 2bd}\n", []string{`"2bd" is in business days`}},
		{"bad rate", head + "work:\n  - id: c\n    arrivals: {kind: poisson, rate: 3/fortnight}\n    steps: [{id: s, duration: 1m}]\n",
			[]string{`f.yaml:5:37: error: work[0].arrivals.rate: "3/fortnight" is not a rate`}},
		{"zero rate", head + "work:\n  - id: c\n    arrivals: {kind: poisson, rate: 0}\n    steps: [{id: s, duration: 1m}]\n",
			[]string{`work[0].arrivals.rate: rate 0 per second; expected a finite rate above 0`}},
		{"probabilities", head + work + "      - {id: s, duration: 1m, next: [{to: value, probability: 0.5}, {to: s, probability: 0.4}]}\n",
			[]string{`f.yaml:7:37: error: work[0].steps[0].next: probabilities of step "s" sum to 0.9; expected 1`}},
		{"several routes need probabilities", head + work + "      - {id: s, duration: 1m, next: [{to: value}, {to: s, probability: 0.4}]}\n",
			[]string{`f.yaml:7:38: error: work[0].steps[0].next[0].probability: missing field "probability"`}},
		{"share outside [0, 1]", head + work + "      - {id: s, duration: 1m, auto_approve: 80}\n",
			[]string{`f.yaml:7:45: error: work[0].steps[0].auto_approve: share 80 is outside [0, 1]`}},
		{"unknown team", head + teams + work + "      - {id: s, team: dek, duration: 1m}\n",
			[]string{`f.yaml:8:23: error: work[0].steps[0].team: unknown team "dek"; expected one of the teams: desk (did you mean "desk"?)`}},
		{"automated with a team", head + teams + work + "      - {id: s, team: desk, automated: true, duration: 1m}\n",
			[]string{`work[0].steps[0].team: an automated step uses no team`}},
		{"unknown route target", head + work + "      - {id: s, duration: 1m, next: [{to: t}]}\n",
			[]string{`f.yaml:7:43: error: work[0].steps[0].next[0].to: route to unknown step "t"`}},
		{"no way out", head + work + "      - {id: s, duration: 1m, next: [{to: s}]}\n",
			[]string{`work[0].steps: no route from entry "s" reaches "value"`}},
		{"unknown entry", head + "work:\n  - id: c\n    arrivals: {kind: poisson, rate: 1/h}\n    entry: x\n    steps: [{id: s, duration: 1m}]\n",
			[]string{`f.yaml:6:12: error: work[0].entry: entry "x" is not a step`}},
		{"unknown duration kind", head + work + "      - {id: s, duration: {kind: expo, mean: 1m}}\n",
			[]string{`f.yaml:7:34: error: work[0].steps[0].duration.kind: unknown duration kind "expo"`}},
		{"bad id", head + work + "      - {id: 'a b', duration: 1m}\n", []string{`"a b" is not an id`}},
		{"bad policy", head + "teams: [{id: desk, policy: fife}]\n" + work + "      - {id: s, duration: 1m}\n",
			[]string{`f.yaml:3:28: error: teams[0].policy: unknown queue order "fife"`}},
		{"delay-only WIP limit", head + "delay_only: true\n" + work + "      - {id: s, duration: 1m, wip_limit: 2}\n",
			[]string{`work[0].steps[0].wip_limit: a WIP limit in a delay-only model`}},
		{"a change that does not fit", head + work + "      - {id: s, duration: 1m}\nchanges:\n  - {kind: automate, step: t, duration: 1m}\n",
			[]string{`f.yaml:9:28: error: changes[0].step: no step "t" in any work class`}},
		{"a capacity change on a delay-only model", head + "delay_only: true\n" + teams + work + "      - {id: s, team: desk, duration: 1m}\nchanges:\n  - {kind: add_people, team: desk, people: 1}\n",
			[]string{`f.yaml:11:5: error: changes[0]: a delay-only model (calibrated from completion times) has no queues or capacity`}},
		{"a baseline file with a model", "schema: svcflow/scenario/v1\nbaseline: b.yaml\nhorizon: 1d\n",
			[]string{`f.yaml:3:10: error: horizon: field "horizon" in a scenario built on baseline "b.yaml"`}},
		{"alias bomb", "schema: svcflow/scenario/v1\nhorizon: 1d\nx: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n", []string{`unknown field "x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ds := ParseScenario("f.yaml", []byte(tc.file))
			if s != nil {
				t.Errorf("got a scenario, want nil with diagnostics")
			}
			var all []string
			for _, d := range ds {
				all = append(all, d.String())
			}
			joined := strings.Join(all, "\n")
			for _, w := range tc.want {
				if !strings.Contains(joined, w) {
					t.Errorf("got diagnostics\n%s\nwant one containing %q", joined, w)
				}
			}
		})
	}
}

func TestReadScenarioBaseline(t *testing.T) {
	const base = "schema: svcflow/scenario/v1\nhorizon: 1d\nteams: [{id: desk}]\nwork:\n  - id: c\n    arrivals: {kind: poisson, rate: 1/h}\n    steps: [{id: s, team: desk, duration: 1m}]\n"
	fsys := fstest.MapFS{
		"base.yaml":       {Data: []byte(base)},
		"dir/future.yaml": {Data: []byte("schema: svcflow/scenario/v1\nname: Future\nbaseline: ../../base.yaml\nchanges: [{kind: add_people, team: desk, people: 2}]\n")},
		"future.yaml":     {Data: []byte("schema: svcflow/scenario/v1\nname: Future\nbaseline: base.yaml\nchanges: [{kind: add_people, team: desk, people: 2}]\n")},
		"further.yaml":    {Data: []byte("schema: svcflow/scenario/v1\nbaseline: future.yaml\nchanges:\n  - {kind: queue_policy, team: desk, policy: lifo}\n")},
		"misfit.yaml":     {Data: []byte("schema: svcflow/scenario/v1\nbaseline: base.yaml\nchanges:\n  - {kind: add_people, team: dsk, people: 2}\n")},
		"loop-a.yaml":     {Data: []byte("schema: svcflow/scenario/v1\nbaseline: loop-b.yaml\n")},
		"loop-b.yaml":     {Data: []byte("schema: svcflow/scenario/v1\nbaseline: loop-a.yaml\n")},
		"missing.yaml":    {Data: []byte("schema: svcflow/scenario/v1\nbaseline: nowhere.yaml\n")},
	}
	s, ds := ReadScenario(fsys, "further.yaml")
	if len(ds) > 0 {
		t.Fatal(DiagnosticsError(ds))
	}
	if s.Model.Teams[0].People != 3 || s.Model.Name != "Future" {
		t.Errorf("got the baseline model %+v, want the future's: 3 people, named Future", s.Model)
	}
	m, err := s.Resolve()
	if err != nil || m.Teams[0].Policy != "lifo" || m.Teams[0].People != 3 {
		t.Errorf("got %+v, %v; want 3 people and lifo", m, err)
	}
	// Parsing alone leaves the baseline to load.
	p, _ := ParseScenario("future.yaml", fsys["future.yaml"].Data)
	if p.Model != nil || p.Baseline != "base.yaml" {
		t.Errorf("got model %v, baseline %q; want no model and base.yaml", p.Model, p.Baseline)
	}
	if _, err := p.Resolve(); err == nil {
		t.Error("resolving without the baseline succeeded")
	}
	for name, want := range map[string]string{
		"dir/future.yaml": `dir/future.yaml:3:11: error: baseline: baseline "../../base.yaml" is outside the scenario's directory`,
		"misfit.yaml":     `misfit.yaml:4:30: error: changes[0].team: unknown team "dsk"; expected one of desk (did you mean "desk"?)`,
		"loop-a.yaml":     `baseline "loop-a.yaml" builds on this file again: loop-a.yaml → loop-b.yaml → loop-a.yaml`,
		"missing.yaml":    `nowhere.yaml:1:1: error: : read scenario: open nowhere.yaml`,
	} {
		s, ds := ReadScenario(fsys, name)
		if s != nil || len(ds) == 0 || !strings.Contains(ds[0].String(), want) {
			t.Errorf("%s: got %v, want a diagnostic containing %q", name, DiagnosticsError(ds), want)
		}
	}
}

func TestSimDurations(t *testing.T) {
	tests := []struct {
		in    string
		sec   float64
		write string
	}{
		{"2m", 120, "2m"},
		{"2.5h", 9000, "2.5h"},
		{"1d", 86400, "1d"},
		{"1h30m", 5400, "1.5h"},
		{"90s", 90, "1.5m"},
		{"100s", 100, "100s"},
		{"0", 0, "0s"},
		{"0.5d", 43200, "12h"},
		{"1w", 604800, "7d"},
		{"0.001s", 0.001, "0.001s"},
		{"365d", 365 * 86400, "365d"},
		{"1.2345h", 4444.2, "74.07m"},
	}
	for _, tc := range tests {
		got, err := parseSimDuration(tc.in)
		if err != nil || got != tc.sec {
			t.Errorf("parseSimDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.sec)
		}
		if w := formatSimDuration(tc.sec); w != tc.write {
			t.Errorf("formatSimDuration(%v) = %q, want %q", tc.sec, w, tc.write)
		}
	}
	for _, bad := range []string{"", "m", "2", "2x", "1m1h", "1h1h", "-1m", "3bd", "1e3s", "200000d"} {
		if v, err := parseSimDuration(bad); err == nil {
			t.Errorf("parseSimDuration(%q) = %v, want an error", bad, v)
		}
	}
	for _, r := range []float64{0.5 / 3600, 2.7 / 3600, 1.0 / 7, 3e-9, 12.0 / 86400} {
		s := formatSimRate(r)
		back, err := parseSimRate(s)
		if err != nil || back != r {
			t.Errorf("rate %v written %q reads back %v, %v", r, s, back, err)
		}
	}
	if got := formatSimRate(0.5 / 3600); got != "0.5/h" {
		t.Errorf("formatSimRate(0.5/h) = %q, want 0.5/h", got)
	}
}
