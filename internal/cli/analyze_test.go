package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/dataset"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/flow"
	"github.com/svcflow/svcflow/internal/golden"
)

// helpdeskReport is the part of analyze --json the Helpdesk test reads.
type helpdeskReport struct {
	Cases         *int   `json:"cases"`
	Events        *int   `json:"events"`
	DuplicateRows *int   `json:"duplicate_rows"`
	Activities    int    `json:"activities"`
	Timing        string `json:"timing"`
	ItemTime      struct {
		Measure string  `json:"measure"`
		Mean    float64 `json:"mean"`
		P50     float64 `json:"p50"`
	} `json:"item_time"`
	Map struct {
		Pairs           int `json:"pairs"`
		StartActivities []struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"start_activities"`
		EndActivities []struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"end_activities"`
	} `json:"map"`
	Variants []struct {
		Path  []string `json:"path"`
		Count int      `json:"count"`
	} `json:"variants"`
}

// TestAnalyzeHelpdesk runs analyze on the real Helpdesk log. Every expected
// number was derived from the raw file without svcflow, with awk and sort
// (header skipped; the rows of a case are in time order in the file):
//
//	cases        awk -F, 'NR>1{print $1}' helpdesk.csv | sort -u | wc -l                        → 4580
//	events       awk 'NR>1' helpdesk.csv | wc -l                                                 → 21348
//	duplicates   awk 'NR>1' helpdesk.csv | sort | uniq -c | awk '$1>1{s+=$1-1}END{print s}'     → 127
//	activities   awk -F, 'NR>1{print $2}' helpdesk.csv | sort -u | wc -l                         → 14
//	variants     awk -F, 'NR>1{if($1!=c){if(c!="")print v;c=$1;v=$2}else v=v">"$2}END{print v}' helpdesk.csv | sort -u | wc -l → 226
//	start/end    the first (last) activity of each case, counted with sort | uniq -c
//	durations    TZ=UTC awk with mktime on each case's first and last timestamp, in whole seconds,
//	             then sort -n: mean 3530166.421 s (980.602 h), median 3443836.5 s (956.621 h)
func TestAnalyzeHelpdesk(t *testing.T) {
	path := dataset.Path(t, "helpdesk/helpdesk.csv")
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, stderr := run(t, "analyze", path, "--json", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "cases 4,580, events 21,348, duplicate rows 127") || !strings.Contains(stdout, "variants: 226 ") {
		t.Errorf("summary:\n%s", stdout)
	}
	if !strings.Contains(stderr, `"Variant"`) {
		t.Errorf("no warning about the repeated Variant column: %s", stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r helpdeskReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Cases == nil || *r.Cases != 4580 || r.Events == nil || *r.Events != 21348 || r.DuplicateRows == nil || *r.DuplicateRows != 127 {
		t.Fatalf("cases %v events %v duplicate_rows %v", r.Cases, r.Events, r.DuplicateRows)
	}
	if r.Activities != 14 || r.Timing != "completion" || r.ItemTime.Measure != "case_duration" {
		t.Errorf("activities %d timing %s measure %s", r.Activities, r.Timing, r.ItemTime.Measure)
	}
	if math.Abs(r.ItemTime.Mean-3530166.421) > 0.01 || r.ItemTime.P50 != 3443836.5 {
		t.Errorf("case duration mean %v s, median %v s; want 3530166.421 and 3443836.5", r.ItemTime.Mean, r.ItemTime.P50)
	}
	if len(r.Variants) != 226 {
		t.Fatalf("%d variants, want 226 (the JSON lists every one)", len(r.Variants))
	}
	total := 0
	for i, v := range r.Variants {
		total += v.Count
		if i > 0 && v.Count > r.Variants[i-1].Count {
			t.Errorf("variant %d (%d cases) after one with %d: not ordered by count", i, v.Count, r.Variants[i-1].Count)
		}
	}
	if total != 4580 {
		t.Errorf("variants cover %d cases, want 4580", total)
	}
	if top := strings.Join(r.Variants[0].Path, ">"); top != "Assign seriousness>Take in charge ticket>Resolve ticket>Closed" || r.Variants[0].Count != 2366 {
		t.Errorf("top variant %s × %d", top, r.Variants[0].Count)
	}
	counts := func(list []struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}) map[string]int {
		m := map[string]int{}
		for _, a := range list {
			m[a.Name] = a.Count
		}
		return m
	}
	wantStart := map[string]int{"Assign seriousness": 4384, "Insert ticket": 118, "Take in charge ticket": 74, "Resolve ticket": 2, "Wait": 1, "Create SW anomaly": 1}
	wantEnd := map[string]int{"Closed": 4557, "Resolve ticket": 10, "Wait": 8, "Require upgrade": 3, "VERIFIED": 1, "Take in charge ticket": 1}
	if got := counts(r.Map.StartActivities); !equalCounts(got, wantStart) {
		t.Errorf("start activities %v, want %v", got, wantStart)
	}
	if got := counts(r.Map.EndActivities); !equalCounts(got, wantEnd) {
		t.Errorf("end activities %v, want %v", got, wantEnd)
	}
	// Directly-follows pairs: events minus cases, 21348 − 4580.
	if r.Map.Pairs != 16768 {
		t.Errorf("pairs %d, want 16768", r.Map.Pairs)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestAnalyzeBPIC2013Lifecycle: the lifecycle column of the BPIC 2013
// incidents holds VINST sub-statuses, which are not XES lifecycle
// transitions; analyze says so and measures with completion timing.
func TestAnalyzeBPIC2013Lifecycle(t *testing.T) {
	for _, file := range []string{"bpic2013_incidents/bpic2013_incidents.csv", "bpic2013_incidents/BPI_Challenge_2013_incidents.xes.gz"} {
		path := dataset.Path(t, file)
		out := filepath.Join(t.TempDir(), "out.json")
		code, _, stderr := run(t, "analyze", path, "--json", out)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", file, code, stderr)
		}
		if !strings.Contains(stderr, "not standard XES lifecycle transitions") || !strings.Contains(stderr, `"Awaiting Assignment"`) {
			t.Errorf("%s: no warning about the lifecycle column: %s", file, stderr)
		}
		var r struct {
			Cases, Events int
			Timing        string
			Source        struct {
				Warnings []string `json:"warnings"`
			} `json:"source"`
		}
		b, _ := os.ReadFile(out)
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Cases != 7554 || r.Events != 65533 || r.Timing != "completion" || len(r.Source.Warnings) != 1 {
			t.Errorf("%s: cases %d events %d timing %s warnings %v", file, r.Cases, r.Events, r.Timing, r.Source.Warnings)
		}
	}
}

// TestAnalyzeSmall checks the summary and every output on a small
// hand-made lifecycle log, with a stream to conform with.
func TestAnalyzeSmall(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"json": "a.json", "html": "a.html", "svg": "a.svg", "dot": "a.dot"}
	args := []string{"analyze", "testdata/analyze/small.csv", "--resolved-activity", "Fix", "--stream", "restore-live-service",
		"--map", "testdata/analyze/mapping.yaml", "--sla-target", "P2=3h", "--sla-target", "P3=4h", "--sla-attr", "priority"}
	for flag, name := range files {
		args = append(args, "--"+flag, filepath.Join(dir, name))
	}
	code, stdout, stderr := run(t, args...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden.Check(t, "analyze/small.txt", []byte(stdout))
	for flag, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("--%s wrote nothing: %v", flag, err)
		}
		if fi, _ := os.Stat(filepath.Join(dir, name)); fi != nil && fi.Mode().Perm() != 0o644 {
			t.Errorf("--%s: mode %v, want 0644", flag, fi.Mode().Perm())
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "a.html"))
	for _, want := range []string{"<svg", `id="chart-item-time"`, `id="chart-throughput"`, `id="chart-wip"`, `id="chart-steps"`, `aria-labelledby="observed-map-title`, "Conformance with restore-live-service"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("HTML report lacks %s", want)
		}
	}
	if strings.Contains(string(html), "<script") || strings.Contains(string(html), "http://") && !strings.Contains(string(html), "http://www.w3.org/2000/svg") {
		t.Errorf("the HTML report is not self-contained")
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"analyze", "testdata/analyze/ragged.csv"}, ExitOK, "line 3"},
		{[]string{"analyze", "testdata/analyze/ragged.csv", "--strict"}, ExitFailure, "line 3"},
		{[]string{"analyze", "testdata/analyze/badtime.csv", "--strict"}, ExitFailure, "line 3"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--case", "ticket"}, ExitFailure, `"ticket"`},
		{[]string{"analyze", "testdata/analyze/missing.csv"}, ExitFailure, "missing.csv"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--resolved-activity", "Closed"}, ExitFailure, "Closed"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--stream", "nope"}, ExitUsage, "no such value stream"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--stream", "testdata/broken.yaml"}, ExitFailure, "broken.yaml:"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--stream", "../library/streams/restore-live-service.yaml"}, ExitOK, "conformance with restore-live-service"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--timing", "state"}, ExitUsage, "--states"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--window", "year"}, ExitUsage, "--window"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--sla-target", "soon"}, ExitUsage, "--sla-target"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--tz", "Mars/Olympus"}, ExitUsage, "--tz"},
		{[]string{"analyze", "testdata/analyze/small.csv", "--map", "testdata/analyze/mapping.yaml"}, ExitUsage, "--map needs --stream"},
		{[]string{"analyze"}, ExitUsage, "one log file"},
		{[]string{"analyze", "a.csv", "--store"}, ExitUsage, "not both"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s%s", tc.args, code, tc.code, tc.want, stdout, stderr)
		}
	}
}

func TestGenerateLog(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	for _, p := range []string{a, b} {
		if code, _, stderr := run(t, "generate-log", "--cases", "300", "--seed", "7", "--output", p); code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	x, _ := os.ReadFile(a)
	y, _ := os.ReadFile(b)
	if len(x) == 0 || string(x) != string(y) {
		t.Fatalf("the same seed wrote different logs (%d and %d bytes)", len(x), len(y))
	}
	if !strings.HasPrefix(string(x), "case_id,activity,timestamp,resource\n") {
		t.Errorf("header: %.60s", x)
	}
	code, stdout, stderr := run(t, "analyze", a)
	if code != ExitOK || !strings.Contains(stdout, "cases 300,") {
		t.Errorf("analyze of the generated log: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestAnalyzeStore reads the store's own log: the wait and cycle analyze
// finds per step are the ones the domain measures for every visit
// (svcflow.Visits), so imported and live figures share one definition.
func TestAnalyzeStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := seededStore(t, dir, demo.Options{Days: 3, Seed: 11, End: time.Date(2026, 3, 25, 15, 0, 0, 0, time.UTC)})
	ids, err := itemIDs(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	type sums struct {
		n           int
		wait, cycle float64
	}
	want := map[string]*sums{}
	scored, valued := 0, 0
	for _, id := range ids {
		evs, err := s.ItemEvents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		score, value := false, false
		for _, e := range evs {
			score = score || e.Type == svcflow.EventFeedback && e.Data.Score > 0
			value = value || e.Type == svcflow.EventValueReached
		}
		if score {
			scored++
		}
		if value {
			valued++
		}
		for _, v := range svcflow.Visits(evs, time.Time{}) {
			if v.IsOpen() {
				continue
			}
			if want[v.Step] == nil {
				want[v.Step] = &sums{}
			}
			w := want[v.Step]
			w.n++
			w.wait += v.Wait.Seconds()
			w.cycle += v.Cycle.Seconds()
		}
	}
	s.Close()

	out := filepath.Join(t.TempDir(), "store.json")
	code, _, stderr := run(t, "analyze", "--store", "--data", dir, "--json", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var a flow.Analysis
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Cases != len(ids) || a.Timing != flow.TimingLifecycle || a.ItemTime.Measure != flow.MeasureTimeToResolve {
		t.Fatalf("cases %d (want %d), timing %s, measure %s", a.Cases, len(ids), a.Timing, a.ItemTime.Measure)
	}
	if len(want) == 0 || scored == 0 || valued == 0 {
		t.Fatalf("the demo history has %d steps with ended visits, %d scored items, %d items at value", len(want), scored, valued)
	}
	if sat := a.Outcome.Satisfaction; sat == nil || sat.Responses != scored {
		t.Errorf("satisfaction %+v, want %d responses", sat, scored)
	}
	if s := a.ItemTimes.StreamLeadTime; s == nil || s.Count != valued {
		t.Errorf("stream_lead_time %+v, want %d items", s, valued)
	}
	for _, st := range a.Steps {
		w := want[st.Activity]
		if w == nil && st.Wait != nil && st.Wait.Count == 0 {
			continue // only open visits so far
		}
		if w == nil || st.Wait == nil || st.Cycle == nil {
			t.Errorf("step %s: analyze has wait %v cycle %v, the domain %+v", st.Activity, st.Wait, st.Cycle, w)
			continue
		}
		gotWait, gotCycle := float64(st.Wait.Count)**st.Wait.Mean, float64(st.Cycle.Count)**st.Cycle.Mean
		if st.Wait.Count != w.n || math.Abs(gotWait-w.wait) > 1e-6*w.wait+1 || math.Abs(gotCycle-w.cycle) > 1e-6*w.cycle+1 {
			t.Errorf("step %s: %d visits, wait %.0f s, cycle %.0f s; the domain measures %d, %.0f s, %.0f s",
				st.Activity, st.Wait.Count, gotWait, gotCycle, w.n, w.wait, w.cycle)
		}
		delete(want, st.Activity)
	}
	for step := range want {
		t.Errorf("step %s has ended visits but no metrics", step)
	}
}

// TestExportLogFile converts a CSV log to XES and back: the summary of
// each is the same.
func TestExportLogFile(t *testing.T) {
	dir := t.TempDir()
	xes, csv := filepath.Join(dir, "small.xes"), filepath.Join(dir, "small.csv")
	if code, _, stderr := run(t, "export", "testdata/analyze/small.csv", "--format", "xes", "--output", xes); code != ExitOK {
		t.Fatalf("to XES: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, "export", xes, "--format", "csv", "--output", csv); code != ExitOK {
		t.Fatalf("back to CSV: exit %d: %s", code, stderr)
	}
	_, want, _ := run(t, "analyze", "testdata/analyze/small.csv")
	for _, p := range []string{xes, csv} {
		_, got, _ := run(t, "analyze", p)
		// The first line names the file; the rest must match.
		_, g, _ := strings.Cut(got, "\n")
		_, w, _ := strings.Cut(want, "\n")
		if g != w {
			t.Errorf("%s analyses differently:\n%s\nwant\n%s", filepath.Base(p), g, w)
		}
	}
	if code, _, stderr := run(t, "export", "a.csv", "b.csv"); code != ExitUsage {
		t.Errorf("two logs: exit %d: %s", code, stderr)
	}
}

// TestAnalyzeGolden reads small hand-made logs of each timing kind from
// files and checks the JSON against golden files, and the numbers that
// matter against values worked out by hand.
func TestAnalyzeGolden(t *testing.T) {
	step := func(a *flow.Analysis, name string) *flow.StepMetrics {
		for i := range a.Steps {
			if a.Steps[i].Activity == name {
				return &a.Steps[i]
			}
		}
		t.Fatalf("no step %s", name)
		return nil
	}
	mean := func(s *flow.Stats) any {
		if s == nil || s.Mean == nil {
			return nil
		}
		return *s.Mean
	}
	for _, tc := range []struct {
		name  string
		args  []string
		check func(t *testing.T, a *flow.Analysis)
	}{
		{"lifecycle", []string{"testdata/analyze/lifecycle.xes"}, func(t *testing.T, a *flow.Analysis) {
			// A: Register scheduled 09:00, started 09:10, completed 09:30 (+01:00); Fix
			// scheduled 09:30, started 10:00, suspended 10:20, resumed 10:50, completed
			// 11:10. B: Register started and completed 08:00–08:15 UTC (wait 0: no
			// schedule, first visit); Fix started 08:45 (entered at 08:15, the previous
			// completion), completed 09:45.
			reg, fix := step(a, "Register"), step(a, "Fix")
			got := []any{mean(reg.Wait), mean(reg.Cycle), mean(fix.Wait), mean(fix.Cycle), mean(fix.Blocked)}
			want := []any{300.0, 1050.0, 1800.0, 3000.0, 900.0} // (10+0)/2, (20+15)/2, (30+30)/2, (40+60)/2, (30+0)/2 min
			if fmt.Sprint(got) != fmt.Sprint(want) || a.Timing != flow.TimingLifecycle {
				t.Errorf("timing %s; Register wait, cycle, Fix wait, cycle, blocked (s) = %v, want %v", a.Timing, got, want)
			}
		}},
		{"state", []string{"testdata/analyze/state.csv", "--states", "testdata/analyze/states.yaml", "--resolved-activity", "Resolved"}, func(t *testing.T, a *flow.Analysis) {
			// New 09:00–09:30 queued, In Progress 09:30–10:00 active, On Hold
			// 10:00–11:00 blocked, In Progress 11:00–11:30 active, Resolved at 11:30.
			// Active 60 of 150 minutes: flow efficiency 0.4.
			if a.Timing != flow.TimingState || a.Flow.Efficiency == nil || *a.Flow.Efficiency != 0.4 || *a.ItemTime.Mean != 9000 {
				t.Errorf("timing %s, efficiency %v, time_to_resolve %v; want state, 0.4, 9000 s", a.Timing, a.Flow.Efficiency, a.ItemTime.Mean)
			}
			if got := []any{mean(step(a, "New").Wait), mean(step(a, "On Hold").Blocked)}; fmt.Sprint(got) != "[1800 3600]" {
				t.Errorf("New wait, On Hold blocked = %v, want 1800 and 3600 s", got)
			}
		}},
		{"completion", []string{"testdata/analyze/completion.csv"}, func(t *testing.T, a *flow.Analysis) {
			// b: 10 min after a; c: 30 min after b, and 30 min after a in d.
			if got := []any{mean(step(a, "b").Lead), mean(step(a, "c").Lead), step(a, "c").Wait, a.Flow.Efficiency}; fmt.Sprint(got) != "[600 1800 <nil> <nil>]" {
				t.Errorf("b lead, c lead, c wait, efficiency = %v; want 600, 1800 and unknowns", got)
			}
			// The items' window starts and ends empty: L ÷ (λW) is exactly 1.
			if r := a.Little.Stream.Ratio; r == nil || *r != 1 {
				t.Errorf("Little's Law ratio %v, want exactly 1", r)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"analyze", "--json", "-"}, tc.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden.Check(t, "analyze/"+tc.name+".json", []byte(stdout))
			var a flow.Analysis
			if err := json.Unmarshal([]byte(stdout), &a); err != nil {
				t.Fatal(err)
			}
			tc.check(t, &a)
		})
	}
}

// TestProgressPrinter: in a pipe, a line per tenth of the file; on a
// terminal, one line redrawn in place.
func TestProgressPrinter(t *testing.T) {
	var b strings.Builder
	p := progressPrinter(&b, false)
	for read := int64(0); read <= 1000; read += 50 {
		p(read, 1000)
	}
	if got := strings.Count(b.String(), "\n"); got != 11 || !strings.Contains(b.String(), "reading 100%") {
		t.Errorf("pipe output, %d lines:\n%s", got, b.String())
	}
	b.Reset()
	p = progressPrinter(&b, true)
	p(500, 1000)
	p(1000, 1000)
	if out := b.String(); strings.Contains(out, "\n") || !strings.HasPrefix(out, "\rreading ") || !strings.Contains(out, "100.0%") {
		t.Errorf("terminal output %q", out)
	}
}
