package flow

import (
	"errors"
	"fmt"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
)

// VisitTable is every visit of a log, column by column, as Measure reads
// them (SPEC §3), for packages that fit models to a log rather than report
// on it. The visits of case c are [Offsets[c], Offsets[c+1]), in the order
// they began; activities, resources and teams are string indexes of the log
// (0: unknown).
//
// Times are nanoseconds since the Unix epoch, eventlog.NoTime when unknown;
// Ended is NoTime for a visit still open at AsOf. Wait, Cycle and Blocked
// are nanoseconds (an open visit measured up to AsOf), and -1 in completion
// timing, which cannot tell them apart.
type VisitTable struct {
	Timing  Timing
	AsOf    int64
	Offsets []uint32 // per case, len cases+1

	Case     []uint32
	Activity []uint32
	Resource []uint32 // who worked it last
	Team     []uint32

	Entered, Started, Ended []int64
	Wait, Cycle, Blocked    []int64

	// Segments are the intervals each visit spent in one state, in the
	// order they were recorded; empty in completion timing.
	Segments Segments
}

// Segments are state intervals of visits, column by column.
type Segments struct {
	Visit    []uint32 // index in the VisitTable
	From, To []int64
	State    []StateClass // queued, active or blocked
	Person   []uint32     // the worker during an active segment (0 otherwise)
}

// Len returns the number of visits.
func (t *VisitTable) Len() int { return len(t.Activity) }

// Lead returns the lead time of visit i (end − entered) and whether it is
// known: the visit ended and its entry is known.
func (t *VisitTable) Lead(i int) (int64, bool) {
	if t.Entered[i] == eventlog.NoTime || t.Ended[i] == eventlog.NoTime {
		return 0, false
	}
	return t.Ended[i] - t.Entered[i], true
}

// VisitsOf returns the visits of l read with the timing, team attribute,
// states and as-of time of opt, exactly the visits Measure measures. It
// fails when the options are invalid, the log is empty, the log lacks what
// the timing needs, or the states mapping misses a state of a state-timed
// log.
func VisitsOf(l *eventlog.Log, opt Options) (*VisitTable, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if l.Events() == 0 {
		return nil, errors.New("the log has no events")
	}
	r := &run{l: l, opt: opt}
	var err error
	if r.timing, err = chooseTiming(l, opt.Timing); err != nil {
		return nil, err
	}
	r.last = l.Time[0]
	for _, t := range l.Time {
		r.last = max(r.last, t)
	}
	r.asOf = max(opt.AsOf, r.last)
	switch r.timing {
	case TimingCompletion:
		r.v = completionVisits(r)
	case TimingLifecycle:
		r.v = lifecycleVisits(r)
	case TimingState:
		if r.stateCls, err = stateClasses(l, opt.States); err != nil {
			return nil, err
		}
		r.v = stateVisits(r, r.stateCls)
	}
	v := r.v
	n := v.len()
	t := &VisitTable{
		Timing: r.timing, AsOf: r.asOf, Offsets: v.off,
		Case: make([]uint32, n), Activity: v.act, Resource: v.person, Team: v.team,
		Entered: v.entered, Ended: v.ended,
	}
	for c := range len(v.off) - 1 {
		for k := v.off[c]; k < v.off[c+1]; k++ {
			t.Case[k] = uint32(c)
		}
	}
	if v.hasStates() {
		t.Started, t.Wait, t.Cycle, t.Blocked = v.started, v.wait, v.cycle, v.blocked
		s := &v.seg
		t.Segments = Segments{Visit: s.visit, From: s.from, To: s.to, Person: s.person, State: make([]StateClass, len(s.state))}
		for i, st := range s.state {
			t.Segments.State[i] = stateClassOf(st)
		}
	} else {
		unknown := make([]int64, n)
		for i := range unknown {
			unknown[i] = -1
		}
		notime := make([]int64, n)
		for i := range notime {
			notime[i] = eventlog.NoTime
		}
		t.Started, t.Wait, t.Cycle, t.Blocked = notime, unknown, unknown, unknown
	}
	return t, nil
}

func stateClassOf(st int8) StateClass {
	switch st {
	case stQueued:
		return StateQueued
	case stActive:
		return StateActive
	case stBlocked:
		return StateBlocked
	}
	return StateDone
}

// StepsOf returns the stream step each activity of l is an instance of,
// indexed by string index of l ("" where unmapped), matched as Conform
// matches them: by the mapping, else by step id, else by step name (case,
// spaces, hyphens and underscores ignored). It fails when the mapping names
// a step the stream does not have, or the stream has no path to value.
func StepsOf(l *eventlog.Log, s *svcflow.ValueStream, m *Mapping) ([]string, error) {
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
	out := make([]string, len(l.Strings))
	used := make([]bool, len(l.Strings))
	for _, a := range l.Activity {
		used[a] = true
	}
	for i, name := range l.Strings {
		if !used[i] {
			continue
		}
		if node, _ := g.match(name, m); node > 0 {
			out[i] = g.ids[node]
		}
	}
	return out, nil
}
