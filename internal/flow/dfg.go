package flow

import (
	"cmp"
	"iter"
	"slices"
	"strings"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// DFG is the observed process map of a log: its directly-follows graph with
// frequencies and transition times, where cases start and end, and every
// variant. Durations are float64 seconds rounded to 9 significant digits.
//
// A DFG counts activity instances (see caseInstances): every event of a
// completion or state log, and only the events that end an instance in a
// lifecycle log. Cases without any instance are left out of every figure
// and counted in CasesWithoutInstances.
type DFG struct {
	Cases                 int             `json:"cases"`
	CasesWithoutInstances int             `json:"cases_without_instances,omitempty"`
	Instances             int             `json:"instances"`
	Pairs                 int             `json:"pairs"` // directly-follows pairs, Σ edge frequency
	Activities            []DFGActivity   `json:"activities"`
	Edges                 []DFGEdge       `json:"edges"`
	StartActivities       []ActivityCount `json:"start_activities"`
	EndActivities         []ActivityCount `json:"end_activities"`
	Variants              []Variant       `json:"variants"`
}

// DFGActivity is one activity of a DFG: how many instances of it the log
// holds and in how many cases.
type DFGActivity struct {
	Name      string `json:"name"`
	Frequency int    `json:"frequency"`
	Cases     int    `json:"cases"`
}

// DFGEdge is one directly-follows relation: From is immediately followed by
// To in a case, Frequency times over Cases cases. The transition time is
// the time between the two events.
type DFGEdge struct {
	From          string  `json:"from"`
	To            string  `json:"to"`
	Frequency     int     `json:"frequency"`
	Cases         int     `json:"cases"`
	MeanSeconds   float64 `json:"mean_seconds"`
	MedianSeconds float64 `json:"median_seconds"`
}

// ActivityCount is a start or end activity and how many cases start or end
// with it.
type ActivityCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Activity returns the activity called name, or nil.
func (d *DFG) Activity(name string) *DFGActivity {
	for i := range d.Activities {
		if d.Activities[i].Name == name {
			return &d.Activities[i]
		}
	}
	return nil
}

// Edge returns the edge from → to, or nil.
func (d *DFG) Edge(from, to string) *DFGEdge {
	for i := range d.Edges {
		if d.Edges[i].From == from && d.Edges[i].To == to {
			return &d.Edges[i]
		}
	}
	return nil
}

// caseInstances yields each case with the indexes of its events that are
// activity instances, in order; the slice is reused from case to case.
//
// Every event of a completion or state log is an instance. In a lifecycle
// log (Log.Phase set) only the events that end an instance count: complete,
// ate_abort, pi_abort and withdraw. Counting starts, suspends and resumes
// too would put "A start → A complete" edges into every map; process-mining
// tools filter on the completing transition the same way. The DFG, the
// variants and conformance all read the log through this one function so
// they agree on what a case's sequence is.
func caseInstances(l *eventlog.Log) iter.Seq2[int, []uint32] {
	return func(yield func(int, []uint32) bool) {
		var buf []uint32
		for c := range l.Cases() {
			from, to := l.Case(c)
			buf = buf[:0]
			for i := from; i < to; i++ {
				if l.Phase == nil || endsInstance(l.Phase[i]) {
					buf = append(buf, uint32(i))
				}
			}
			if !yield(c, buf) {
				return
			}
		}
	}
}

func endsInstance(p eventlog.Phase) bool {
	switch p {
	case eventlog.PhaseComplete, eventlog.PhaseATEAbort, eventlog.PhasePIAbort, eventlog.PhaseWithdraw:
		return true
	}
	return false
}

// flatEdgeLimit is the most activities for which edges are found in a flat
// n×n table; beyond it a map keeps memory proportional to the edges seen.
const flatEdgeLimit = 512

// edgeTable gives every directly-follows pair of dense activity ids its own
// dense edge id, in the order pairs are first added.
type edgeTable struct {
	n     int
	flat  []int32 // n*n entries, -1 for no edge; nil when n > flatEdgeLimit
	byKey map[uint64]int32
	from  []int32
	to    []int32
}

func newEdgeTable(n int) *edgeTable {
	t := &edgeTable{n: n}
	if n <= flatEdgeLimit {
		t.flat = make([]int32, n*n)
		for i := range t.flat {
			t.flat[i] = -1
		}
	} else {
		t.byKey = map[uint64]int32{}
	}
	return t
}

// add returns the id of the edge a → b, creating it if new.
func (t *edgeTable) add(a, b int32) int32 {
	if e := t.lookup(a, b); e >= 0 {
		return e
	}
	e := int32(len(t.from))
	t.from = append(t.from, a)
	t.to = append(t.to, b)
	if t.flat != nil {
		t.flat[int(a)*t.n+int(b)] = e
	} else {
		t.byKey[uint64(a)<<32|uint64(b)] = e
	}
	return e
}

func (t *edgeTable) lookup(a, b int32) int32 {
	if t.flat != nil {
		return t.flat[int(a)*t.n+int(b)]
	}
	if e, ok := t.byKey[uint64(a)<<32|uint64(b)]; ok {
		return e
	}
	return -1
}

// Discover computes the directly-follows graph of l with its frequencies,
// transition times, start and end activities and variants.
//
// It works on dense ids: variants are found first (one pass over the
// cases, hashing each sequence), and frequencies, case counts, edges and
// start and end activities then follow from the variants alone, weighted
// by their counts. A second pass over the cases collects the transition
// time of every pair and the duration of every case into flat arrays sized
// exactly from those counts, one segment per edge and per variant, whose
// medians are found by selection rather than a full sort.
func Discover(l *eventlog.Log) *DFG {
	vs := collectVariants(l)
	n := len(vs.names)
	nv := vs.len()
	d := &DFG{Cases: vs.cases, CasesWithoutInstances: l.Cases() - vs.cases}

	actFreq := make([]int, n)
	actCases := make([]int, n)
	actStamp := make([]int32, n) // last variant+1 that counted the activity's cases
	starts := make([]int, n)
	ends := make([]int, n)
	edges := newEdgeTable(n)
	var edgeFreq, edgeCases []int
	var edgeStamp []int32
	for v := range nv {
		seq, cnt := vs.seq(v), int(vs.count[v])
		starts[seq[0]] += cnt
		ends[seq[len(seq)-1]] += cnt
		for i, a := range seq {
			actFreq[a] += cnt
			if actStamp[a] != int32(v)+1 {
				actStamp[a] = int32(v) + 1
				actCases[a] += cnt
			}
			if i == 0 {
				continue
			}
			e := edges.add(seq[i-1], a)
			if int(e) == len(edgeFreq) {
				edgeFreq = append(edgeFreq, 0)
				edgeCases = append(edgeCases, 0)
				edgeStamp = append(edgeStamp, 0)
			}
			edgeFreq[e] += cnt
			if edgeStamp[e] != int32(v)+1 {
				edgeStamp[e] = int32(v) + 1
				edgeCases[e] += cnt
			}
		}
	}

	// Segments: the transition times of edge e go to dts[edgeOff[e]:], the
	// case durations of variant v to durs[varOff[v]:].
	ne := len(edgeFreq)
	edgeOff := make([]int, ne+1)
	for e, f := range edgeFreq {
		edgeOff[e+1] = edgeOff[e] + f
	}
	varOff := make([]int, nv+1)
	for v := range nv {
		varOff[v+1] = varOff[v] + int(vs.count[v])
	}
	dts := make([]int64, edgeOff[ne])
	durs := make([]int64, varOff[nv])
	edgeFill := slices.Clone(edgeOff[:ne])
	varFill := slices.Clone(varOff[:nv])
	edgeSum := make([]float64, ne)
	varSum := make([]float64, nv)
	examples := newExampleIDs(vs.count)
	for c, evs := range caseInstances(l) {
		if len(evs) == 0 {
			continue
		}
		v := vs.caseVar[c]
		examples.add(v, l.CaseID[c])
		from, to := l.Case(c)
		dur := l.Time[to-1] - l.Time[from]
		durs[varFill[v]] = dur
		varFill[v]++
		varSum[v] += float64(dur)
		prev := vs.dense[l.Activity[evs[0]]]
		prevT := l.Time[evs[0]]
		for _, i := range evs[1:] {
			a := vs.dense[l.Activity[i]]
			e := edges.lookup(prev, a)
			dt := l.Time[i] - prevT
			dts[edgeFill[e]] = dt
			edgeFill[e]++
			edgeSum[e] += float64(dt)
			prev, prevT = a, l.Time[i]
		}
		d.Instances += len(evs)
	}
	d.Pairs = len(dts)

	d.Activities = make([]DFGActivity, n)
	for a := range n {
		d.Activities[a] = DFGActivity{Name: vs.names[a], Frequency: actFreq[a], Cases: actCases[a]}
	}
	slices.SortFunc(d.Activities, func(x, y DFGActivity) int {
		return cmp.Or(cmp.Compare(y.Frequency, x.Frequency), strings.Compare(x.Name, y.Name))
	})
	d.Edges = make([]DFGEdge, ne)
	for e := range ne {
		seg := dts[edgeOff[e]:edgeOff[e+1]]
		d.Edges[e] = DFGEdge{
			From:          vs.names[edges.from[e]],
			To:            vs.names[edges.to[e]],
			Frequency:     edgeFreq[e],
			Cases:         edgeCases[e],
			MeanSeconds:   round9(edgeSum[e] / float64(len(seg)) / 1e9),
			MedianSeconds: round9(selectMedian(seg) / 1e9),
		}
	}
	slices.SortFunc(d.Edges, func(x, y DFGEdge) int {
		return cmp.Or(cmp.Compare(y.Frequency, x.Frequency), strings.Compare(x.From, y.From), strings.Compare(x.To, y.To))
	})
	d.StartActivities = activityCounts(vs.names, starts)
	d.EndActivities = activityCounts(vs.names, ends)

	d.Variants = make([]Variant, 0, nv)
	paths := make([]string, len(vs.arena))
	for _, v := range vs.order() {
		seq := vs.seq(v)
		path := paths[vs.off[v]:vs.off[v+1]:vs.off[v+1]]
		for i, a := range seq {
			path[i] = vs.names[a]
		}
		seg := durs[varOff[v]:varOff[v+1]]
		d.Variants = append(d.Variants, Variant{
			Path:                      path,
			Count:                     int(vs.count[v]),
			Share:                     round9(float64(vs.count[v]) / float64(vs.cases)),
			Cases:                     examples.of(l, v),
			MeanCaseDurationSeconds:   round9(varSum[v] / float64(len(seg)) / 1e9),
			MedianCaseDurationSeconds: round9(selectMedian(seg) / 1e9),
		})
	}
	return d
}

// activityCounts lists the activities with a non-zero count, most first,
// then by name.
func activityCounts(names []string, counts []int) []ActivityCount {
	out := []ActivityCount{}
	for a, c := range counts {
		if c > 0 {
			out = append(out, ActivityCount{Name: names[a], Count: c})
		}
	}
	slices.SortFunc(out, func(x, y ActivityCount) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Name, y.Name))
	})
	return out
}

// selectMedian returns the median of s (the mean of the two middle values
// for an even length), reordering s. It selects instead of sorting: linear
// time on average, which matters when one edge holds most of a million
// pairs. An empty s has median 0.
func selectMedian(s []int64) float64 {
	n := len(s)
	if n == 0 {
		return 0
	}
	k := n / 2
	selectNth(s, k)
	hi := s[k]
	if n%2 == 1 {
		return float64(hi)
	}
	// After selection every value left of k is at most s[k].
	lo := slices.Max(s[:k])
	return (float64(lo) + float64(hi)) / 2
}
