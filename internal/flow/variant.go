package flow

import (
	"cmp"
	"slices"
	"strings"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// Variant is one distinct sequence of activities and the cases that follow
// it. Share is Count over the cases with at least one activity instance;
// Cases holds the ids of up to five of them, in log order. The case
// durations run from the first to the last event of each case
// (case_duration, SPEC §3), in seconds.
type Variant struct {
	Path                      []string `json:"path"`
	Count                     int      `json:"count"`
	Share                     float64  `json:"share"`
	Cases                     []string `json:"cases,omitempty"`
	MeanCaseDurationSeconds   float64  `json:"mean_case_duration_seconds"`
	MedianCaseDurationSeconds float64  `json:"median_case_duration_seconds"`
}

// maxExamples is how many example case ids a variant or a deviation keeps.
const maxExamples = 5

// variantSet is every case of a log reduced to a sequence of dense activity
// ids, grouped into variants.
type variantSet struct {
	dense   []int32  // per interned string: dense activity id, -1 for none
	names   []string // per dense id: the activity name, in order of first appearance
	arena   []int32  // the sequences of all variants, one after another
	off     []int32  // variant v is arena[off[v]:off[v+1]]
	count   []int32  // per variant: cases
	caseVar []int32  // per case: its variant, -1 for a case without instances
	cases   int      // cases with at least one instance
}

func (vs *variantSet) len() int          { return len(vs.count) }
func (vs *variantSet) seq(v int) []int32 { return vs.arena[vs.off[v]:vs.off[v+1]] }

// collectVariants reads every case once. Each sequence is hashed as it is
// read; the hash finds the candidate variants in a map and the sequences are
// compared, so a hash collision costs a comparison and never merges two
// variants.
func collectVariants(l *eventlog.Log) *variantSet {
	// Sized for the worst case, every case its own variant, so that the
	// appends below never copy.
	vs := &variantSet{
		dense:   make([]int32, len(l.Strings)),
		arena:   make([]int32, 0, l.Events()),
		off:     make([]int32, 1, l.Cases()+1),
		count:   make([]int32, 0, l.Cases()),
		caseVar: make([]int32, l.Cases()),
	}
	for i := range vs.dense {
		vs.dense[i] = -1
	}
	byHash := map[uint64]int32{}        // hash → first variant with it
	next := make([]int32, 0, l.Cases()) // per variant: the next one with the same hash, -1 for none
	var seq []int32
	for c, evs := range caseInstances(l) {
		if len(evs) == 0 {
			vs.caseVar[c] = -1
			continue
		}
		vs.cases++
		seq = seq[:0]
		h := uint64(14695981039346656037) // FNV-1a offset basis, one step per id
		for _, i := range evs {
			s := l.Activity[i]
			a := vs.dense[s]
			if a < 0 {
				a = int32(len(vs.names))
				vs.dense[s] = a
				vs.names = append(vs.names, l.Str(s))
			}
			seq = append(seq, a)
			h = (h ^ uint64(a)) * 1099511628211
		}
		v, ok := byHash[h]
		for ok && v >= 0 && !slices.Equal(vs.seq(int(v)), seq) {
			v = next[v]
		}
		if !ok || v < 0 {
			v = int32(len(vs.count))
			vs.arena = append(vs.arena, seq...)
			vs.off = append(vs.off, int32(len(vs.arena)))
			vs.count = append(vs.count, 0)
			first, had := byHash[h]
			if !had {
				first = -1
			}
			next = append(next, first)
			byHash[h] = v
		}
		vs.count[v]++
		vs.caseVar[c] = v
	}
	return vs
}

// order returns the variants most frequent first, ties broken by path:
// activity names compared element by element, a prefix first. Each path is
// turned into a string of fixed-width big-endian name ranks, which compares
// the same way with a plain string comparison, so the sort needs no
// indirection per element.
func (vs *variantSet) order() []int {
	byName := make([]int, len(vs.names))
	for i := range byName {
		byName[i] = i
	}
	slices.SortFunc(byName, func(a, b int) int { return strings.Compare(vs.names[a], vs.names[b]) })
	width := 1
	for n := len(vs.names) - 1; n > 0xff; n >>= 8 {
		width++
	}
	rank := make([]uint32, len(vs.names))
	for r, a := range byName {
		rank[a] = uint32(r)
	}
	buf := make([]byte, 0, len(vs.arena)*width)
	for _, a := range vs.arena {
		for k := width - 1; k >= 0; k-- {
			buf = append(buf, byte(rank[a]>>(8*k)))
		}
	}
	all := string(buf)
	type sortKey struct {
		count int32
		v     int32
		path  string
	}
	keys := make([]sortKey, vs.len())
	for v := range keys {
		keys[v] = sortKey{vs.count[v], int32(v), all[int(vs.off[v])*width : int(vs.off[v+1])*width]}
	}
	slices.SortFunc(keys, func(x, y sortKey) int {
		if x.count != y.count {
			return cmp.Compare(y.count, x.count)
		}
		return strings.Compare(x.path, y.path)
	})
	order := make([]int, len(keys))
	for i, k := range keys {
		order[i] = int(k.v)
	}
	return order
}

// exampleIDs keeps the first few case ids of each group (a variant, a
// deviation) in one backing array.
type exampleIDs struct {
	ids  []uint32 // maxExamples per group
	n    []uint8
	strs []string // the ids as strings, allocated once
	used int      // of strs
}

func newExampleIDs[T int | int32](counts []T) *exampleIDs {
	return &exampleIDs{ids: make([]uint32, maxExamples*len(counts)), n: make([]uint8, len(counts))}
}

func (x *exampleIDs) add(g int32, caseID uint32) {
	if k := x.n[g]; k < maxExamples {
		x.ids[int(g)*maxExamples+int(k)] = caseID
		x.n[g]++
	}
}

// of returns the examples of group g as strings. All of them share one
// array, sized on the first call.
func (x *exampleIDs) of(l *eventlog.Log, g int) []string {
	if x.strs == nil {
		total := 0
		for _, k := range x.n {
			total += int(k)
		}
		x.strs = make([]string, total)
	}
	k := int(x.n[g])
	out := x.strs[x.used : x.used+k : x.used+k]
	x.used += k
	for i := range out {
		out[i] = l.Str(x.ids[g*maxExamples+i])
	}
	return out
}
