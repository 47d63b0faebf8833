package flow

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/dataset"
	"github.com/svcflow/svcflow/internal/eventlog"
)

// dfgEvent is one event of a hand-made log: a case, an activity, minutes
// after a fixed instant, and optionally a lifecycle transition.
type dfgEvent struct {
	c, a  string
	min   float64
	phase eventlog.Phase
}

var dfgBase = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC).UnixNano()

// dfgLog builds a log from events given in any order; the builder sorts
// them by case, then time.
func dfgLog(t testing.TB, events []dfgEvent) *eventlog.Log {
	t.Helper()
	b := eventlog.NewBuilder()
	for _, e := range events {
		c := b.Case(b.InternString(e.c))
		b.Add(eventlog.Event{Case: c, Activity: b.InternString(e.a), Time: dfgBase + int64(e.min*float64(time.Minute)), Phase: e.phase})
	}
	l, _ := b.Build()
	return l
}

// handLog is the log every hand-computed figure below refers to.
//
//	c1: A@0  B@10 C@30 D@40        A B C D   40 min
//	c2: A@0  C@60 D@80             A C D     80 min
//	c3: A@0  B@30 C@40 D@100       A B C D   100 min
//	c4: B@0  B@5  D@20             B B D     20 min
//	c5: A@0  B@20 C@25 D@25        A B C D   25 min
//
// Cases c3 and c5 are given out of order and interleaved, to check that
// the builder's order is what counts.
func handLog(t testing.TB) *eventlog.Log {
	return dfgLog(t, []dfgEvent{
		{c: "c1", a: "A", min: 0}, {c: "c1", a: "B", min: 10}, {c: "c1", a: "C", min: 30}, {c: "c1", a: "D", min: 40},
		{c: "c2", a: "A", min: 0}, {c: "c2", a: "C", min: 60}, {c: "c2", a: "D", min: 80},
		{c: "c3", a: "D", min: 100}, {c: "c5", a: "A", min: 0}, {c: "c3", a: "A", min: 0}, {c: "c3", a: "C", min: 40}, {c: "c3", a: "B", min: 30},
		{c: "c4", a: "B", min: 0}, {c: "c4", a: "B", min: 5}, {c: "c4", a: "D", min: 20},
		{c: "c5", a: "B", min: 20}, {c: "c5", a: "C", min: 25}, {c: "c5", a: "D", min: 25},
	})
}

func TestDiscoverHandLog(t *testing.T) {
	d := Discover(handLog(t))
	if d.Cases != 5 || d.Instances != 18 || d.CasesWithoutInstances != 0 {
		t.Errorf("got %d cases, %d instances, %d without; want 5, 18, 0", d.Cases, d.Instances, d.CasesWithoutInstances)
	}
	// Pairs: one fewer than the events of each case, 3+2+3+2+3.
	if d.Pairs != 13 {
		t.Errorf("got %d pairs, want 13", d.Pairs)
	}
	// B: 3 in c1, c3, c5 and 2 in c4; D once in each case; A and C in every
	// case but c4. Most frequent first, then by name.
	wantActs := []DFGActivity{{"B", 5, 4}, {"D", 5, 5}, {"A", 4, 4}, {"C", 4, 4}}
	if !reflect.DeepEqual(d.Activities, wantActs) {
		t.Errorf("activities:\ngot  %v\nwant %v", d.Activities, wantActs)
	}
	// Transition times in minutes, then seconds:
	//   C→D: c1 10, c2 20, c3 60, c5 0 → mean 22.5 min = 1350 s; sorted 0 10 20 60 → median 15 min = 900 s
	//   A→B: c1 10, c3 30, c5 20 → mean 20 min = 1200 s, median 20 min
	//   B→C: c1 20, c3 10, c5 5 → mean 35/3 min = 700 s, median 10 min = 600 s
	//   A→C: c2 60 min; B→B: c4 5 min; B→D: c4 15 min
	wantEdges := []DFGEdge{
		{"C", "D", 4, 4, 1350, 900},
		{"A", "B", 3, 3, 1200, 1200},
		{"B", "C", 3, 3, 700, 600},
		{"A", "C", 1, 1, 3600, 3600},
		{"B", "B", 1, 1, 300, 300},
		{"B", "D", 1, 1, 900, 900},
	}
	if !reflect.DeepEqual(d.Edges, wantEdges) {
		t.Errorf("edges:\ngot  %v\nwant %v", d.Edges, wantEdges)
	}
	if want := []ActivityCount{{"A", 4}, {"B", 1}}; !reflect.DeepEqual(d.StartActivities, want) {
		t.Errorf("start activities %v, want %v", d.StartActivities, want)
	}
	if want := []ActivityCount{{"D", 5}}; !reflect.DeepEqual(d.EndActivities, want) {
		t.Errorf("end activities %v, want %v", d.EndActivities, want)
	}
	// A B C D: c1 40, c3 100, c5 25 min → mean 55 min = 3300 s, median 40 min
	// = 2400 s. A C D and B B D tie on one case each; "A" < "B" puts A C D
	// first.
	wantVariants := []Variant{
		{Path: []string{"A", "B", "C", "D"}, Count: 3, Share: 0.6, Cases: []string{"c1", "c3", "c5"}, MeanCaseDurationSeconds: 3300, MedianCaseDurationSeconds: 2400},
		{Path: []string{"A", "C", "D"}, Count: 1, Share: 0.2, Cases: []string{"c2"}, MeanCaseDurationSeconds: 4800, MedianCaseDurationSeconds: 4800},
		{Path: []string{"B", "B", "D"}, Count: 1, Share: 0.2, Cases: []string{"c4"}, MeanCaseDurationSeconds: 1200, MedianCaseDurationSeconds: 1200},
	}
	if !reflect.DeepEqual(d.Variants, wantVariants) {
		t.Errorf("variants:\ngot  %+v\nwant %+v", d.Variants, wantVariants)
	}
	if e := d.Edge("B", "C"); e == nil || e.Frequency != 3 {
		t.Errorf("Edge(B, C) = %v", e)
	}
	if d.Edge("D", "A") != nil || d.Activity("Z") != nil {
		t.Errorf("found an edge or activity that is not there")
	}
}

func TestDiscoverJSON(t *testing.T) {
	l := dfgLog(t, []dfgEvent{{c: "x", a: "Log", min: 0}, {c: "x", a: "Fix", min: 1.5}})
	b, err := json.Marshal(Discover(l))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"cases":1,"instances":2,"pairs":1,` +
		`"activities":[{"name":"Fix","frequency":1,"cases":1},{"name":"Log","frequency":1,"cases":1}],` +
		`"edges":[{"from":"Log","to":"Fix","frequency":1,"cases":1,"mean_seconds":90,"median_seconds":90}],` +
		`"start_activities":[{"name":"Log","count":1}],"end_activities":[{"name":"Fix","count":1}],` +
		`"variants":[{"path":["Log","Fix"],"count":1,"share":1,"cases":["x"],"mean_case_duration_seconds":90,"median_case_duration_seconds":90}]}`
	if string(b) != want {
		t.Errorf("JSON:\ngot  %s\nwant %s", b, want)
	}
}

func TestDiscoverEmpty(t *testing.T) {
	d := Discover(dfgLog(t, nil))
	b, _ := json.Marshal(d)
	want := `{"cases":0,"instances":0,"pairs":0,"activities":[],"edges":[],"start_activities":[],"end_activities":[],"variants":[]}`
	if string(b) != want {
		t.Errorf("JSON of an empty log:\ngot  %s\nwant %s", b, want)
	}
}

// In a lifecycle log only the events that end an instance count: starts,
// suspends and resumes are left out, aborts and withdrawals count.
func TestDiscoverLifecycleCountsCompletions(t *testing.T) {
	P := struct{ start, suspend, resume, complete, abort, withdraw, schedule eventlog.Phase }{
		eventlog.PhaseStart, eventlog.PhaseSuspend, eventlog.PhaseResume, eventlog.PhaseComplete,
		eventlog.PhaseATEAbort, eventlog.PhaseWithdraw, eventlog.PhaseSchedule}
	l := dfgLog(t, []dfgEvent{
		// A completes at 5, B at 20 (after a pause): A→B takes 15 min.
		{c: "k1", a: "A", min: 0, phase: P.start}, {c: "k1", a: "A", min: 5, phase: P.complete},
		{c: "k1", a: "B", min: 6, phase: P.start}, {c: "k1", a: "B", min: 8, phase: P.suspend},
		{c: "k1", a: "B", min: 10, phase: P.resume}, {c: "k1", a: "B", min: 20, phase: P.complete},
		// An aborted B and a withdrawn C end their instances too.
		{c: "k2", a: "A", min: 0, phase: P.complete}, {c: "k2", a: "B", min: 1, phase: P.start},
		{c: "k2", a: "B", min: 3, phase: P.abort}, {c: "k2", a: "C", min: 4, phase: P.schedule}, {c: "k2", a: "C", min: 9, phase: P.withdraw},
		// A case still running: no instance has ended.
		{c: "k3", a: "A", min: 0, phase: P.start},
	})
	d := Discover(l)
	if d.Cases != 2 || d.CasesWithoutInstances != 1 || d.Instances != 5 || d.Pairs != 3 {
		t.Fatalf("got %d cases (%d without instances), %d instances, %d pairs; want 2 (1), 5, 3", d.Cases, d.CasesWithoutInstances, d.Instances, d.Pairs)
	}
	// A→B: k1 15 min, k2 3 min → mean 9 min = 540 s, median 540 s.
	if e := d.Edge("A", "B"); e == nil || e.Frequency != 2 || e.MeanSeconds != 540 || e.MedianSeconds != 540 {
		t.Errorf("edge A→B = %+v, want frequency 2, mean and median 540 s", e)
	}
	if e := d.Edge("B", "C"); e == nil || e.MeanSeconds != 360 {
		t.Errorf("edge B→C = %+v, want mean 360 s", e)
	}
	// Case durations run from the first event of the case (a start) to its
	// last: k1 20 min, k2 9 min.
	for _, v := range d.Variants {
		want := map[string]float64{"A B": 1200, "A B C": 540}[strings.Join(v.Path, " ")]
		if v.MeanCaseDurationSeconds != want {
			t.Errorf("variant %v: mean case duration %v, want %v", v.Path, v.MeanCaseDurationSeconds, want)
		}
	}
}

// With more activities than the flat edge table takes, edges live in a map.
func TestDiscoverManyActivities(t *testing.T) {
	var events []dfgEvent
	n := flatEdgeLimit + 40
	for i := range n {
		events = append(events, dfgEvent{c: "long", a: fmt.Sprintf("act %04d", i), min: float64(i)})
		events = append(events, dfgEvent{c: "short", a: fmt.Sprintf("act %04d", n-1-i), min: float64(i)})
	}
	d := Discover(dfgLog(t, events))
	if len(d.Activities) != n || len(d.Edges) != 2*(n-1) || d.Pairs != 2*(n-1) || len(d.Variants) != 2 {
		t.Fatalf("got %d activities, %d edges, %d pairs, %d variants; want %d, %d, %d, 2", len(d.Activities), len(d.Edges), d.Pairs, len(d.Variants), n, 2*(n-1), 2*(n-1))
	}
	if e := d.Edge("act 0007", "act 0008"); e == nil || e.MedianSeconds != 60 {
		t.Errorf("edge act 0007 → act 0008 = %+v, want median 60 s", e)
	}
}

// TestDiscoverMatchesNaive compares Discover on random logs with a plain
// computation over strings and maps.
func TestDiscoverMatchesNaive(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		acts := 1 + r.IntN(8)
		var events []dfgEvent
		for c := range 1 + r.IntN(60) {
			at := float64(r.IntN(100))
			for range 1 + r.IntN(6) {
				at += float64(r.IntN(4)) // ties are common
				events = append(events, dfgEvent{c: fmt.Sprintf("case %d", c), a: string(rune('A' + r.IntN(acts))), min: at})
			}
		}
		r.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		l := dfgLog(t, events)
		got := Discover(l)
		want := naiveDFG(l)
		if !reflect.DeepEqual(got, want) {
			gb, _ := json.MarshalIndent(got, "", " ")
			wb, _ := json.MarshalIndent(want, "", " ")
			t.Fatalf("seed %d: Discover differs from the naive computation:\ngot  %s\nwant %s", seed, gb, wb)
		}
	}
}

// naiveDFG is Discover written the obvious way, for completion logs.
func naiveDFG(l *eventlog.Log) *DFG {
	d := &DFG{Cases: l.Cases(), Activities: []DFGActivity{}, Edges: []DFGEdge{}}
	freq, actCases := map[string]int{}, map[string]int{}
	type pair struct{ a, b string }
	dts := map[pair][]int64{}
	edgeCases := map[pair]int{}
	starts, ends := map[string]int{}, map[string]int{}
	byPath := map[string]*Variant{}
	var paths []string
	durs := map[string][]int64{}
	for c := range l.Cases() {
		from, to := l.Case(c)
		var path []string
		seenA, seenE := map[string]bool{}, map[pair]bool{}
		for i := from; i < to; i++ {
			a := l.Str(l.Activity[i])
			path = append(path, a)
			freq[a]++
			if !seenA[a] {
				seenA[a] = true
				actCases[a]++
			}
			if i > from {
				p := pair{l.Str(l.Activity[i-1]), a}
				dts[p] = append(dts[p], l.Time[i]-l.Time[i-1])
				if !seenE[p] {
					seenE[p] = true
					edgeCases[p]++
				}
			}
		}
		d.Instances += len(path)
		starts[path[0]]++
		ends[path[len(path)-1]]++
		k := strings.Join(path, "\x00")
		if byPath[k] == nil {
			byPath[k] = &Variant{Path: path}
			paths = append(paths, k)
		}
		v := byPath[k]
		v.Count++
		if len(v.Cases) < 5 {
			v.Cases = append(v.Cases, l.Str(l.CaseID[c]))
		}
		durs[k] = append(durs[k], l.Time[to-1]-l.Time[from])
	}
	median := func(s []int64) float64 {
		s = slices.Clone(s)
		slices.Sort(s)
		if len(s)%2 == 1 {
			return float64(s[len(s)/2])
		}
		return (float64(s[len(s)/2-1]) + float64(s[len(s)/2])) / 2
	}
	mean := func(s []int64) float64 {
		sum := 0.0
		for _, x := range s {
			sum += float64(x)
		}
		return sum / float64(len(s))
	}
	for a, f := range freq {
		d.Activities = append(d.Activities, DFGActivity{a, f, actCases[a]})
	}
	slices.SortFunc(d.Activities, func(x, y DFGActivity) int {
		return cmp.Or(y.Frequency-x.Frequency, strings.Compare(x.Name, y.Name))
	})
	for p, s := range dts {
		d.Pairs += len(s)
		d.Edges = append(d.Edges, DFGEdge{p.a, p.b, len(s), edgeCases[p], round9(mean(s) / 1e9), round9(median(s) / 1e9)})
	}
	slices.SortFunc(d.Edges, func(x, y DFGEdge) int {
		return cmp.Or(y.Frequency-x.Frequency, strings.Compare(x.From, y.From), strings.Compare(x.To, y.To))
	})
	d.StartActivities = activityCounts(sortedKeys(starts), countsOf(starts))
	d.EndActivities = activityCounts(sortedKeys(ends), countsOf(ends))
	for _, k := range paths {
		v := byPath[k]
		v.Share = round9(float64(v.Count) / float64(d.Cases))
		v.MeanCaseDurationSeconds = round9(mean(durs[k]) / 1e9)
		v.MedianCaseDurationSeconds = round9(median(durs[k]) / 1e9)
		d.Variants = append(d.Variants, *v)
	}
	slices.SortFunc(d.Variants, func(x, y Variant) int {
		return cmp.Or(y.Count-x.Count, slices.Compare(x.Path, y.Path))
	})
	return d
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func countsOf(m map[string]int) []int {
	var out []int
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func TestSelectMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		for _, spread := range []int64{1, 3, 1000, 1 << 40} {
			s := make([]int64, n)
			for i := range s {
				s[i] = r.Int64N(spread)
			}
			if n%7 == 0 {
				slices.Sort(s) // sorted input must not hurt
			}
			sorted := slices.Clone(s)
			slices.Sort(sorted)
			var want float64
			if n > 0 {
				want = float64(sorted[n/2])
				if n%2 == 0 {
					want = (float64(sorted[n/2-1]) + float64(sorted[n/2])) / 2
				}
			}
			if got := selectMedian(s); got != want {
				t.Fatalf("n=%d spread=%d: median %v, want %v", n, spread, got, want)
			}
		}
	}
}

// helpdeskLog reads the Helpdesk CSV with a loader just for this test (the
// package's CSV reader is tested on its own): columns Case ID, Activity,
// Resource and Complete Timestamp, times zone-less and so UTC.
func helpdeskLog(t testing.TB) *eventlog.Log {
	t.Helper()
	f, err := os.Open(dataset.Path(t, "helpdesk/helpdesk.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	b := eventlog.NewBuilder()
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ts, err := time.Parse("2006/01/02 15:04:05.000", rec[col["Complete Timestamp"]])
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		c := b.Case(b.InternString(rec[col["Case ID"]]))
		b.Add(eventlog.Event{Case: c, Activity: b.InternString(rec[col["Activity"]]), Resource: b.InternString(rec[col["Resource"]]), Time: ts.UnixNano()})
	}
	l, _ := b.Build()
	return l
}

// The expected figures are the data set's published counts. The variant
// count and the start activities were also derived again from the raw file
// with awk, independently of this code. The rows are grouped by case and in
// time order within a case (ties in file order, as here), so joining each
// case's activities and counting the distinct results,
//
//	tail -n +2 helpdesk.csv | awk -F, '$1!=c{if(c!="")print p; c=$1; p=$2; next}{p=p">"$2}END{print p}' | sort -u | wc -l
//
// prints 226, and printing the first activity of each case,
//
//	tail -n +2 helpdesk.csv | awk -F, '$1!=c{c=$1; print $2}' | sort | uniq -c | sort -rn
//
// prints Assign seriousness 4384, Insert ticket 118, Take in charge ticket
// 74, Resolve ticket 2, Wait 1, Create SW anomaly 1.
func TestDiscoverHelpdesk(t *testing.T) {
	l := helpdeskLog(t)
	d := Discover(l)
	if d.Cases != 4580 || d.Instances != 21348 {
		t.Errorf("got %d cases and %d events, want 4580 and 21348", d.Cases, d.Instances)
	}
	if len(d.Variants) != 226 {
		t.Errorf("got %d variants, want 226", len(d.Variants))
	}
	if len(d.Edges) != 55 || d.Pairs != 16768 {
		t.Errorf("got %d edges and %d pairs, want 55 and 16768", len(d.Edges), d.Pairs)
	}
	if len(d.Activities) != 14 {
		t.Errorf("got %d activities, want 14", len(d.Activities))
	}
	wantStart := []ActivityCount{{"Assign seriousness", 4384}, {"Insert ticket", 118}, {"Take in charge ticket", 74}}
	if len(d.StartActivities) < 3 || !reflect.DeepEqual(d.StartActivities[:3], wantStart) {
		t.Errorf("start activities %v, want %v first", d.StartActivities, wantStart)
	}
	wantEnd := []ActivityCount{{"Closed", 4557}, {"Resolve ticket", 10}, {"Wait", 8}}
	if len(d.EndActivities) < 3 || !reflect.DeepEqual(d.EndActivities[:3], wantEnd) {
		t.Errorf("end activities %v, want %v first", d.EndActivities, wantEnd)
	}
	others := 0
	for _, s := range d.StartActivities[3:] {
		others += s.Count
	}
	if others != 4 {
		t.Errorf("%d cases start with another activity, want 4", others)
	}
	want := []struct {
		from, to string
		n        int
	}{
		{"Resolve ticket", "Closed", 4558},
		{"Assign seriousness", "Take in charge ticket", 4160},
		{"Take in charge ticket", "Resolve ticket", 3563},
		{"Take in charge ticket", "Wait", 1265},
	}
	for i, w := range want {
		if e := d.Edges[i]; e.From != w.from || e.To != w.to || e.Frequency != w.n {
			t.Errorf("edge %d: %s → %s %d, want %s → %s %d", i, e.From, e.To, e.Frequency, w.from, w.to, w.n)
		}
	}
	if a := d.Activity("Take in charge ticket"); a == nil || a.Frequency != 5060 {
		t.Errorf("Take in charge ticket: %+v, want frequency 5060", a)
	}
	total := 0
	for _, v := range d.Variants {
		total += v.Count
	}
	if total != 4580 {
		t.Errorf("variants hold %d cases, want 4580", total)
	}
}

// benchLog builds a log of about a million events: cases of about ten
// events over ten activities, walked through a fixed random transition
// table (so there are common paths and a long tail), with the cases
// interleaved in time as they are in a real export.
func benchLog(b testing.TB, cases int) *eventlog.Log {
	r := rand.New(rand.NewPCG(2025, 11))
	const acts = 10
	var next [acts][acts]float64
	for i := range next {
		sum := 0.0
		for j := range next[i] {
			w := r.Float64()
			w *= w * w // a few likely successors per activity
			next[i][j] = w
			sum += w
		}
		for j := range next[i] {
			next[i][j] /= sum
		}
	}
	bl := eventlog.NewBuilder()
	names := make([]uint32, acts)
	for i := range names {
		names[i] = bl.InternString(fmt.Sprintf("Activity %d", i))
	}
	type open struct {
		c    uint32
		at   int64
		act  int
		left int
	}
	var running []open
	now := dfgBase
	for id := 0; id < cases || len(running) > 0; {
		if id < cases && (len(running) < 500 || r.IntN(2) == 0) {
			running = append(running, open{c: bl.Case(bl.InternString(fmt.Sprintf("case %d", id))), at: now, act: r.IntN(3), left: 6 + r.IntN(9)})
			id++
		}
		k := r.IntN(len(running))
		o := &running[k]
		now += int64(r.IntN(600)) * int64(time.Second)
		bl.Add(eventlog.Event{Case: o.c, Activity: names[o.act], Time: now})
		o.left--
		p := r.Float64()
		j := 0
		for ; j < acts-1 && p > next[o.act][j]; j++ {
			p -= next[o.act][j]
		}
		o.act = j
		if o.left == 0 {
			running[k] = running[len(running)-1]
			running = running[:len(running)-1]
		}
	}
	l, _ := bl.Build()
	return l
}

func BenchmarkDiscover1M(b *testing.B) {
	l := benchLog(b, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	var d *DFG
	for b.Loop() {
		d = Discover(l)
	}
	b.ReportMetric(float64(l.Events()), "events")
	b.ReportMetric(float64(len(d.Variants)), "variants")
}
