package flow

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
)

// Conformance compares a log with a designed value stream (SPEC §3). Each
// case is aligned with the stream graph at least cost; its fitness is
// 1 − (log moves + model moves) ÷ (events in the case + steps on the
// shortest complete path). Fitness is the mean over the cases, CasesFit the
// cases with fitness 1.
//
// Variants holds the fitness of every variant (identical sequences align
// identically), in DFG order; PerCase has it per case for callers that need
// it and is left out of JSON, where 100,000 entries would drown the rest.
type Conformance struct {
	Stream       string            `json:"stream"`
	Cases        int               `json:"cases"`
	Fitness      float64           `json:"fitness"`
	CasesFit     int               `json:"cases_fit"`
	ShareFit     float64           `json:"share_fit"`
	ShortestPath int               `json:"shortest_path"` // steps on the shortest complete path
	Mapping      []ActivityMapping `json:"mapping"`
	Unmapped     []string          `json:"unmapped"` // activities matching no step: each instance is a log move
	Variants     []VariantFitness  `json:"variants"`
	Deviations   []Deviation       `json:"deviations"`
	PerCase      []CaseFitness     `json:"-"`
}

// ActivityMapping tells which step a log activity was taken for and why:
// By is "map" (the mapping file), "id" (the activity is a step id) or
// "name" (the activity is a step name).
type ActivityMapping struct {
	Activity string `json:"activity"`
	Step     string `json:"step"`
	By       string `json:"by"`
}

// VariantFitness is the alignment of one variant.
type VariantFitness struct {
	Path       []string `json:"path"`
	Count      int      `json:"count"`
	Fitness    float64  `json:"fitness"`
	LogMoves   int      `json:"log_moves"`
	ModelMoves int      `json:"model_moves"`
	Cases      []string `json:"cases,omitempty"`
}

// Deviation kinds.
const (
	LogMove   = "log_move"   // an event the stream cannot explain there
	ModelMove = "model_move" // a step the stream needs that the case skipped
)

// Reasons for a log move.
const (
	ReasonUnmapped   = "unmapped"   // the activity matches no step
	ReasonRepeat     = "repeat"     // its step came earlier in the case and the stream has no way back to it
	ReasonUnexpected = "unexpected" // its step cannot follow what came before
)

// Deviation is one kind of move off the stream, summed over the log: Count
// moves, the first few of whose cases are listed.
type Deviation struct {
	Kind     string   `json:"kind"`
	Activity string   `json:"activity,omitempty"` // for a log move
	Step     string   `json:"step,omitempty"`     // the skipped step, or the step a log move's activity maps to
	Reason   string   `json:"reason,omitempty"`   // for a log move
	Count    int      `json:"count"`
	Cases    []string `json:"cases"`
}

// CaseFitness is the fitness of one case.
type CaseFitness struct {
	Case    string  `json:"case"`
	Fitness float64 `json:"fitness"`
}

// Conform aligns every case of l with the value stream s. Activities map to
// steps through m when it names them, else by step id or step name,
// compared without regard to case, surrounding space, hyphens, underscores
// and spaces ("Obtain fix" finds the step obtain-fix); an activity matching
// no step is unmapped. m may be nil. Cases are read as activity instances
// (see caseInstances); a case without any is left out.
//
// The stream graph has the steps as nodes and the transitions (and
// approval rejections back to a step) as edges; a case enters at any entry
// step (the first step or an entry point) and ends by a transition to
// value. An optimal alignment is a cheapest path through (events consumed)
// × (current step), by 0-1 breadth-first search:
//   - a synchronous move follows a transition into the step the next event
//     maps to and consumes the event: cost 0;
//   - a model move follows a transition without consuming an event (the
//     case skipped that step): cost 1;
//   - a log move consumes an event without moving (the stream does not
//     expect it here): cost 1.
//
// Loops are charged by the graph itself, which is how SPEC's "an extra
// loop when it repeats an earlier step" is read here: returning to a step is
// synchronous exactly when the stream has a transition that leads back
// there (rework it designed, with any steps skipped on the way charged as
// model moves); a repeat the stream has no transition for can only be a log
// move, reported with reason "repeat". Tracking the steps already visited
// in the search state instead would make a designed loop cost something and
// the search exponential in the number of steps.
//
// Conform returns an error when the mapping names a step the stream does
// not have, or when no entry step leads to value.
func Conform(l *eventlog.Log, s *svcflow.ValueStream, m *Mapping) (*Conformance, error) {
	g, err := newStreamGraph(s)
	if err != nil {
		return nil, err
	}
	for _, a := range m.Activities() {
		step, line, _ := m.Step(a)
		if _, ok := g.index[step]; !ok {
			return nil, fmt.Errorf("%s:%d: activity %q maps to step %q, which stream %s does not have", m.Name(), line, a, step, s.ID)
		}
	}
	vs := collectVariants(l)
	res := &Conformance{
		Stream:       s.ID,
		Cases:        vs.cases,
		ShortestPath: g.shortest,
		Mapping:      []ActivityMapping{},
		Unmapped:     []string{},
		Deviations:   []Deviation{},
	}

	// stepOf: dense activity id → node of its step, -1 when unmapped.
	stepOf := make([]int32, len(vs.names))
	for a, name := range vs.names {
		node, by := g.match(name, m)
		stepOf[a] = node
		if node < 0 {
			res.Unmapped = append(res.Unmapped, name)
			continue
		}
		res.Mapping = append(res.Mapping, ActivityMapping{Activity: name, Step: g.ids[node], By: by})
	}
	slices.SortFunc(res.Mapping, func(x, y ActivityMapping) int { return strings.Compare(x.Activity, y.Activity) })
	slices.Sort(res.Unmapped)

	// Align each variant once; variants whose activities map to the same
	// steps share one alignment too.
	type deviationKey struct {
		kind, activity, step, reason string
	}
	devIndex := map[deviationKey]int32{}
	var devs []deviationKey
	var devCount []int
	memo := map[string]alignment{}
	aligned := make([]alignment, vs.len())
	varDevs := make([][]int32, vs.len()) // per variant: its distinct deviations
	var key []byte
	var steps []int32
	for v := range vs.len() {
		seq := vs.seq(v)
		steps = steps[:0]
		key = key[:0]
		for _, a := range seq {
			steps = append(steps, stepOf[a])
			key = binary.LittleEndian.AppendUint32(key, uint32(stepOf[a]))
		}
		al, ok := memo[string(key)]
		if !ok {
			al = g.align(steps)
			memo[string(key)] = al
		}
		aligned[v] = al
		for _, mv := range al.moves {
			var k deviationKey
			if mv.model {
				k = deviationKey{kind: ModelMove, step: g.ids[mv.node]}
			} else {
				a := seq[mv.event]
				k = deviationKey{kind: LogMove, activity: vs.names[a], reason: mv.reason}
				if node := stepOf[a]; node >= 0 {
					k.step = g.ids[node]
				}
			}
			d, ok := devIndex[k]
			if !ok {
				d = int32(len(devs))
				devIndex[k] = d
				devs = append(devs, k)
				devCount = append(devCount, 0)
			}
			devCount[d] += int(vs.count[v])
			if !slices.Contains(varDevs[v], d) { // a case is an example once per deviation
				varDevs[v] = append(varDevs[v], d)
			}
		}
	}

	// Per case: fitness, and example cases for variants and deviations in
	// log order.
	varExamples := newExampleIDs(vs.count)
	devExamples := newExampleIDs(devCount)
	res.PerCase = make([]CaseFitness, 0, vs.cases)
	sum := 0.0
	for c, v := range vs.caseVar {
		if v < 0 {
			continue
		}
		al := aligned[v]
		f := al.fitness(len(vs.seq(int(v))), g.shortest)
		res.PerCase = append(res.PerCase, CaseFitness{Case: l.Str(l.CaseID[c]), Fitness: round9(f)})
		sum += f
		if al.cost == 0 {
			res.CasesFit++
		}
		varExamples.add(v, l.CaseID[c])
		for _, d := range varDevs[v] {
			devExamples.add(d, l.CaseID[c])
		}
	}
	if vs.cases > 0 {
		res.Fitness = round9(sum / float64(vs.cases))
		res.ShareFit = round9(float64(res.CasesFit) / float64(vs.cases))
	}
	res.Variants = make([]VariantFitness, 0, vs.len())
	paths := make([]string, len(vs.arena))
	for _, v := range vs.order() {
		seq := vs.seq(v)
		path := paths[vs.off[v]:vs.off[v+1]:vs.off[v+1]]
		for i, a := range seq {
			path[i] = vs.names[a]
		}
		al := aligned[v]
		vf := VariantFitness{Path: path, Count: int(vs.count[v]), Fitness: round9(al.fitness(len(seq), g.shortest)), Cases: varExamples.of(l, v)}
		for _, mv := range al.moves {
			if mv.model {
				vf.ModelMoves++
			} else {
				vf.LogMoves++
			}
		}
		res.Variants = append(res.Variants, vf)
	}
	for d, k := range devs {
		res.Deviations = append(res.Deviations, Deviation{
			Kind: k.kind, Activity: k.activity, Step: k.step, Reason: k.reason,
			Count: devCount[d], Cases: devExamples.of(l, d),
		})
	}
	slices.SortFunc(res.Deviations, func(x, y Deviation) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Kind, y.Kind),
			strings.Compare(x.Activity, y.Activity), strings.Compare(x.Step, y.Step), strings.Compare(x.Reason, y.Reason))
	})
	return res, nil
}

// streamGraph is a value stream as a graph for alignment: node 0 is the
// start, nodes 1..len(steps) the steps in stream order, and the last node
// the end (value).
type streamGraph struct {
	ids      []string // per node; "" for start and end
	index    map[string]int32
	succ     [][]int32
	shortest int // steps on the shortest path from start to end
	byKey    map[string]int32
	byName   map[string]int32

	// Search buffers, reused from one alignment to the next.
	dist, pred  []int32
	via         []uint8
	done        []bool
	front, back []int32
}

func (g *streamGraph) end() int32 { return int32(len(g.ids) - 1) }

func newStreamGraph(s *svcflow.ValueStream) (*streamGraph, error) {
	if len(s.Steps) == 0 {
		return nil, fmt.Errorf("flow: stream %s has no steps", s.ID)
	}
	k := len(s.Steps)
	g := &streamGraph{
		ids:    make([]string, k+2),
		index:  map[string]int32{},
		succ:   make([][]int32, k+2),
		byKey:  map[string]int32{},
		byName: map[string]int32{},
	}
	for i, st := range s.Steps {
		g.ids[i+1] = st.ID
		g.index[st.ID] = int32(i + 1)
	}
	for _, id := range s.EntrySteps() {
		g.succ[0] = append(g.succ[0], g.index[id])
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		for _, t := range st.Next {
			if t.To == svcflow.End {
				g.succ[i+1] = appendNode(g.succ[i+1], g.end())
			}
		}
		for _, to := range st.Successors() {
			if n, ok := g.index[to]; ok {
				g.succ[i+1] = appendNode(g.succ[i+1], n)
			} else if to != svcflow.End {
				return nil, fmt.Errorf("flow: stream %s: step %s leads to unknown step %q", s.ID, st.ID, to)
			}
		}
	}
	// Step names match after ids, in stream order, so the first wins.
	for i := len(s.Steps) - 1; i >= 0; i-- {
		g.byName[matchKey(s.Steps[i].Name)] = int32(i + 1)
		g.byKey[matchKey(s.Steps[i].ID)] = int32(i + 1)
	}
	// Breadth-first from the start: the fewest steps to reach value.
	dist := make([]int, len(g.ids))
	for i := range dist {
		dist[i] = -1
	}
	dist[0] = 0
	queue := []int32{0}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range g.succ[u] {
			if dist[v] < 0 {
				dist[v] = dist[u] + 1
				queue = append(queue, v)
			}
		}
	}
	if dist[g.end()] < 0 {
		return nil, fmt.Errorf("flow: stream %s has no path from an entry step to %s", s.ID, svcflow.End)
	}
	g.shortest = dist[g.end()] - 1 // the hop into value is not a step
	return g, nil
}

func appendNode(s []int32, v int32) []int32 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// matchKey is how activities are compared with step ids and names: lower
// case, without spaces, hyphens and underscores.
func matchKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '_':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// match returns the node of the step an activity maps to and how it was
// found, or -1.
func (g *streamGraph) match(activity string, m *Mapping) (int32, string) {
	if step, _, ok := m.Step(activity); ok {
		return g.index[step], "map"
	}
	k := matchKey(activity)
	if n, ok := g.byKey[k]; ok && k != "" {
		return n, "id"
	}
	if n, ok := g.byName[k]; ok && k != "" {
		return n, "name"
	}
	return -1, ""
}

// alignment is an optimal alignment of one sequence: its cost and its
// moves off the stream, in order.
type alignment struct {
	cost  int
	moves []alignMove
}

type alignMove struct {
	model  bool
	node   int32  // model move: the skipped step
	event  int    // log move: the position in the sequence
	reason string // log move
}

func (a alignment) fitness(events, shortest int) float64 {
	den := events + shortest
	if den == 0 {
		return 1
	}
	return 1 - float64(a.cost)/float64(den)
}

// Kinds of the last move into a search state.
const (
	viaNone uint8 = iota
	viaSync
	viaModel
	viaLog
	viaEnd
)

// align finds a cheapest alignment of steps (the node of each event's step,
// -1 for an unmapped activity) by 0-1 breadth-first search over states
// (events consumed, node). Among alignments of equal cost it keeps the one
// found first, which syncs as early as it can: a repeated activity is the
// later of the two events, not the earlier.
func (g *streamGraph) align(steps []int32) alignment {
	nodes := len(g.ids)
	n := len(steps)
	states := (n + 1) * nodes
	const inf = int32(1 << 30)
	if cap(g.dist) < states {
		g.dist, g.pred = make([]int32, states), make([]int32, states)
		g.via, g.done = make([]uint8, states), make([]bool, states)
	}
	dist, pred, via, done := g.dist[:states], g.pred[:states], g.via[:states], g.done[:states]
	for i := range dist {
		dist[i] = inf
	}
	clear(done)
	end := g.end()
	// A deque as a ring would do; two stacks are simpler: front holds cost
	// d states, back cost d+1.
	front, back := append(g.front[:0], 0), g.back[:0]
	defer func() { g.front, g.back = front[:0], back[:0] }()
	dist[0] = 0
	relax := func(from, to int32, cost int32, kind uint8) {
		if d := dist[from] + cost; d < dist[to] {
			dist[to], pred[to], via[to] = d, from, kind
			if cost == 0 {
				front = append(front, to)
			} else {
				back = append(back, to)
			}
		}
	}
	goal := int32(n*nodes) + end
	for {
		if len(front) == 0 {
			if len(back) == 0 {
				break
			}
			// Reverse so states are expanded in the order they were found.
			slices.Reverse(back)
			front, back = back, front[:0]
		}
		st := front[len(front)-1]
		front = front[:len(front)-1]
		if done[st] {
			continue
		}
		done[st] = true
		if st == goal {
			break
		}
		i, u := int(st)/nodes, int32(int(st)%nodes)
		base := int32(i * nodes)
		// Tried in reverse of preference: the stack pops the last pushed.
		if i < n {
			relax(st, st+int32(nodes), 1, viaLog)
		}
		if u != end {
			succ := g.succ[u]
			for j := len(succ) - 1; j >= 0; j-- {
				if v := succ[j]; v != end {
					relax(st, base+v, 1, viaModel)
				}
			}
			for j := len(succ) - 1; j >= 0; j-- {
				v := succ[j]
				switch {
				case v == end:
					relax(st, base+end, 0, viaEnd)
				case i < n && steps[i] == v:
					relax(st, base+int32(nodes)+v, 0, viaSync)
				}
			}
		}
	}
	al := alignment{cost: int(dist[goal])}
	for st := goal; st != 0; st = pred[st] {
		i, u := int(st)/nodes, int32(int(st)%nodes)
		switch via[st] {
		case viaModel:
			al.moves = append(al.moves, alignMove{model: true, node: u})
		case viaLog:
			ev := i - 1
			al.moves = append(al.moves, alignMove{event: ev, reason: logReason(steps, ev)})
		}
	}
	slices.Reverse(al.moves)
	return al
}

// logReason says why an event became a log move.
func logReason(steps []int32, ev int) string {
	switch {
	case steps[ev] < 0:
		return ReasonUnmapped
	case slices.Contains(steps[:ev], steps[ev]):
		return ReasonRepeat
	}
	return ReasonUnexpected
}
