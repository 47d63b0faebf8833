package flow

import (
	"github.com/svcflow/svcflow/internal/eventlog"
)

// visits holds every visit of a log column by column, so that measuring a
// million of them allocates a few arrays rather than a million objects. The
// visits of case c are [off[c], off[c+1]), in the order they began.
//
// In completion timing the columns that a visit shares with its event are
// the log's own slices (a visit per event), and the columns completion
// timing cannot fill are nil.
type visits struct {
	off    []uint32 // per case, len cases+1
	act    []uint32 // activity, as a string index of the log
	person []uint32 // who worked it last (0 unknown)
	team   []uint32 // the team that worked it (0 unknown)

	entered []int64 // eventlog.NoTime when unknown (a case's first event in completion timing)
	started []int64 // first start; NoTime if never started; nil in completion timing
	ended   []int64 // NoTime while open at AsOf

	// Time in each state, nanoseconds; an open visit is measured up to AsOf.
	// Nil in completion timing.
	wait, cycle, blocked []int64
	state                []int8  // the state a visit ended in (open visits: at AsOf); nil in completion timing
	requeueHandoffs      []uint8 // requeues after which another person took the visit; nil unless lifecycle

	seg segments // the state intervals of every visit; empty in completion timing
}

// segments are the intervals a visit spends in one state, ended by the
// event that changed the state (or AsOf for an open visit).
type segments struct {
	visit    []uint32
	from, to []int64
	state    []int8
	person   []uint32 // the worker during an active segment
}

func (s *segments) add(v int, from, to int64, state int8, person uint32) {
	s.visit = append(s.visit, uint32(v))
	s.from = append(s.from, from)
	s.to = append(s.to, to)
	s.state = append(s.state, state)
	s.person = append(s.person, person)
}

func (v *visits) len() int { return len(v.act) }

// hasStates reports whether visits know wait, cycle and blocked.
func (v *visits) hasStates() bool { return v.wait != nil }

// lead returns the lead time of a visit that has ended, or false.
func (v *visits) lead(i int) (int64, bool) {
	if v.entered[i] == eventlog.NoTime || v.ended[i] == eventlog.NoTime {
		return 0, false
	}
	return v.ended[i] - v.entered[i], true
}

// end returns when visit i ends, or asOf while open.
func (v *visits) end(i int, asOf int64) int64 {
	if e := v.ended[i]; e != eventlog.NoTime {
		return e
	}
	return asOf
}

// completionVisits makes a visit of each event: it completes its activity
// and began with the previous event of its case. The first event of a case
// is a visit with an unknown entry: it counts as a visit and a departure,
// and has no lead time.
func completionVisits(r *run) *visits {
	l := r.l
	v := &visits{
		off:    l.Offsets,
		act:    l.Activity,
		person: l.Resource,
		team:   r.teamPerEvent(),
		ended:  l.Time,
	}
	v.entered = make([]int64, l.Events())
	for c := range l.CaseID {
		from, to := l.Case(c)
		if from == to {
			continue
		}
		v.entered[from] = eventlog.NoTime
		copy(v.entered[from+1:to], l.Time[from:to-1])
	}
	return v
}

// builder appends visits one by one for lifecycle and state timing.
type builder struct {
	v    *visits
	asOf int64
}

func newBuilder(r *run, capacity int) *builder {
	n := r.l.Cases()
	return &builder{asOf: r.asOf, v: &visits{
		off:     make([]uint32, n+1),
		act:     make([]uint32, 0, capacity),
		person:  make([]uint32, 0, capacity),
		team:    make([]uint32, 0, capacity),
		entered: make([]int64, 0, capacity),
		started: make([]int64, 0, capacity),
		ended:   make([]int64, 0, capacity),
		wait:    make([]int64, 0, capacity),
		cycle:   make([]int64, 0, capacity),
		blocked: make([]int64, 0, capacity),
		state:   make([]int8, 0, capacity),
	}}
}

func (b *builder) open(act, team uint32, entered int64) int {
	v := b.v
	v.act = append(v.act, act)
	v.person = append(v.person, 0)
	v.team = append(v.team, team)
	v.entered = append(v.entered, entered)
	v.started = append(v.started, eventlog.NoTime)
	v.ended = append(v.ended, eventlog.NoTime)
	v.wait = append(v.wait, 0)
	v.cycle = append(v.cycle, 0)
	v.blocked = append(v.blocked, 0)
	v.state = append(v.state, stQueued)
	return len(v.act) - 1
}

// charge adds the time [from, to) in state to visit i.
func (b *builder) charge(i int, from, to int64, state int8, person uint32) {
	if to <= from {
		return
	}
	d := to - from
	switch state {
	case stQueued:
		b.v.wait[i] += d
	case stActive:
		b.v.cycle[i] += d
	case stBlocked:
		b.v.blocked[i] += d
	}
	if state != stActive {
		person = 0
	}
	b.v.seg.add(i, from, to, state, person)
}

// stateVisits reads a state-timed log: each event enters the state its
// activity names, and the state lasts until the next event of the case.
// Consecutive events in the same state by the same resource (or by none)
// are one visit, so a log that records every update of a ticket does not
// multiply visits; a new resource in the same state is a new visit (a
// reassignment). A done state ends the case and is not a visit; the state
// of a case's last event, unless done, is a visit still open at AsOf.
func stateVisits(r *run, cls []int8) *visits {
	l := r.l
	b := newBuilder(r, l.Events())
	team := r.teamPerEvent()
	for c := range l.CaseID {
		from, to := l.Case(c)
		for i := from; i < to; {
			a, res := l.Activity[i], l.Resource[i]
			j := i + 1
			for j < to && l.Activity[j] == a && (l.Resource[j] == 0 || res == 0 || l.Resource[j] == res) {
				if res == 0 {
					res = l.Resource[j]
				}
				j++
			}
			if st := cls[a]; st != stDone {
				k := b.open(a, team[i], l.Time[i])
				if st != stQueued {
					b.v.started[k] = l.Time[i]
				}
				b.v.person[k] = res
				end := b.asOf
				if j < to {
					end = l.Time[j]
					b.v.ended[k] = end
				}
				b.v.state[k] = st
				b.charge(k, l.Time[i], end, st, res)
			}
			i = j
		}
		b.v.off[c+1] = uint32(b.v.len())
	}
	return b.v
}

// startVisits reads a log with a start and an end time on each row: each
// row is a visit that started at Start and completed at Time, entered when
// the latest earlier row of its case completed (at or before the start),
// or at its start when there is none: the first visit of a case waits 0. A
// row without a start time is a visit that was never started, all wait.
func startVisits(r *run) *visits {
	l := r.l
	b := newBuilder(r, l.Events())
	team := r.teamPerEvent()
	for c := range l.CaseID {
		from, to := l.Case(c)
		for i := from; i < to; i++ {
			start, end := l.Start[i], l.Time[i]
			if start != eventlog.NoTime && start > end {
				start = end // a start after the end is a data error; the visit is taken as instant
			}
			at := start
			if at == eventlog.NoTime {
				at = end
			}
			entered := at
			for j := i - 1; j >= from; j-- {
				if l.Time[j] <= at {
					entered = l.Time[j]
					break
				}
			}
			k := b.open(l.Activity[i], team[i], entered)
			b.v.person[k] = l.Resource[i]
			b.charge(k, entered, at, stQueued, 0)
			if start != eventlog.NoTime {
				b.v.started[k] = start
				b.charge(k, start, end, stActive, l.Resource[i])
				b.v.state[k] = stActive
			}
			b.v.ended[k] = end
		}
		b.v.off[c+1] = uint32(b.v.len())
	}
	return b.v
}

// openVisit is a visit of the case being read that has not ended.
type openVisit struct {
	i          int    // visit index
	act, inst  uint32 // activity and concept:instance (0 none)
	state      int8
	pausedFrom int8
	since      int64  // when the current state began
	worker     uint32 // who works it while active
	requeuedBy uint32 // the worker before a requeue, until the next start
	requeued   bool
	ever       bool // started at least once
}

// lifecycleVisits reads XES lifecycle transitions (SPEC §3): schedule and
// assign enter a visit (an assign on a visit not yet started only assigns
// it), start starts it, suspend and resume block and unblock it, reassign
// requeues it, complete completes it, and ate_abort, pi_abort and withdraw
// end it without completing. Events without a lifecycle transition (and
// the skips and unknown) are not visit events.
//
// An event finds its visit by concept:instance when it has one, else by
// its activity, oldest first (first in, first out), preferring a visit in
// the state the transition leaves: start takes a queued visit, complete an
// active one, then a blocked one, then a queued one. A start with no
// visit to take enters one at the previous completion in the case, or at
// the start itself for the first (it waited 0); a complete with no visit
// is a visit that entered at the previous completion and was never
// started. A visit completed without being started was queued all along,
// as svcflow's own visits are.
func lifecycleVisits(r *run) *visits {
	l := r.l
	if l.Phase == nil {
		return startVisits(r)
	}
	var inst []uint32
	if col := l.EventAttr("concept:instance"); col != nil {
		inst = col.Values
	}
	ends := 0
	for _, p := range l.Phase {
		if p == eventlog.PhaseComplete || p == eventlog.PhaseATEAbort || p == eventlog.PhasePIAbort || p == eventlog.PhaseWithdraw {
			ends++
		}
	}
	b := newBuilder(r, ends+ends/8)
	team := r.teamPerEvent()
	var opens []openVisit
	b.v.requeueHandoffs = []uint8{}

	// find returns the oldest open visit of act in the first of states
	// that has one (-1: any state), the visit with instance in first.
	find := func(act, in uint32, states ...int8) int {
		if in != 0 {
			for _, st := range states {
				for k := range opens {
					if o := &opens[k]; o.act == act && o.inst == in && (st < 0 || o.state == st) {
						return k
					}
				}
			}
		}
		for _, st := range states {
			for k := range opens {
				if o := &opens[k]; o.act == act && (in == 0 || o.inst == 0) && (st < 0 || o.state == st) {
					if in != 0 {
						o.inst = in
					}
					return k
				}
			}
		}
		return -1
	}
	advance := func(o *openVisit, t int64) {
		b.charge(o.i, o.since, t, o.state, o.worker)
		if t > o.since {
			o.since = t
		}
	}
	for c := range l.CaseID {
		from, to := l.Case(c)
		opens = opens[:0]
		lastEnd := int64(eventlog.NoTime)
		enterAt := func(t int64) int64 {
			if lastEnd != eventlog.NoTime && lastEnd <= t {
				return lastEnd
			}
			return t
		}
		newVisit := func(i int, entered int64) *openVisit {
			var in uint32
			if inst != nil {
				in = inst[i]
			}
			k := b.open(l.Activity[i], team[i], entered)
			b.v.requeueHandoffs = append(b.v.requeueHandoffs, 0)
			opens = append(opens, openVisit{i: k, act: l.Activity[i], inst: in, since: entered})
			return &opens[len(opens)-1]
		}
		closeVisit := func(k int, t int64) {
			o := &opens[k]
			advance(o, t)
			b.v.ended[o.i] = t
			b.v.state[o.i] = o.state
			if lastEnd == eventlog.NoTime || t > lastEnd {
				lastEnd = t
			}
			opens = append(opens[:k], opens[k+1:]...)
		}
		for i := from; i < to; i++ {
			t, a, res := l.Time[i], l.Activity[i], l.Resource[i]
			var in uint32
			if inst != nil {
				in = inst[i]
			}
			k := -1
			switch l.Phase[i] {
			case eventlog.PhaseSchedule:
				newVisit(i, t)
				continue
			case eventlog.PhaseAssign:
				if k = find(a, in, stQueued); k >= 0 {
					if res != 0 && !opens[k].ever {
						b.v.person[opens[k].i] = res
					}
				} else {
					o := newVisit(i, t)
					b.v.person[o.i] = res
					continue
				}
			case eventlog.PhaseReassign:
				if k = find(a, in, stActive, stBlocked, stQueued); k >= 0 {
					o := &opens[k]
					advance(o, t)
					o.requeuedBy, o.requeued = o.worker, true
					o.state, o.worker = stQueued, 0
				}
			case eventlog.PhaseStart:
				if k = find(a, in, stQueued); k < 0 {
					newVisit(i, enterAt(t))
					k = len(opens) - 1
				}
				o := &opens[k]
				advance(o, t)
				o.state, o.worker, o.ever = stActive, res, true
				if b.v.started[o.i] == eventlog.NoTime {
					b.v.started[o.i] = t
				}
				if o.requeued {
					if res != 0 && o.requeuedBy != 0 && res != o.requeuedBy && b.v.requeueHandoffs[o.i] < 255 {
						b.v.requeueHandoffs[o.i]++
					}
					o.requeued = false
				}
				if res != 0 {
					b.v.person[o.i] = res
				}
			case eventlog.PhaseSuspend:
				if k = find(a, in, stActive, stQueued); k >= 0 {
					o := &opens[k]
					advance(o, t)
					o.pausedFrom, o.state = o.state, stBlocked
				}
			case eventlog.PhaseResume:
				if k = find(a, in, stBlocked); k >= 0 {
					o := &opens[k]
					advance(o, t)
					o.state = o.pausedFrom
					if o.state == stActive && res != 0 {
						o.worker = res
					}
				}
			case eventlog.PhaseComplete:
				if k = find(a, in, stActive, stBlocked, stQueued); k < 0 {
					newVisit(i, enterAt(t))
					k = len(opens) - 1
				}
				if b.v.person[opens[k].i] == 0 {
					b.v.person[opens[k].i] = res
				}
				if team[i] != 0 {
					b.v.team[opens[k].i] = team[i]
				}
				if opens[k].state == stBlocked {
					opens[k].state = opens[k].pausedFrom // completing a paused visit resumes it at once
				}
				closeVisit(k, t)
				k = -1
			case eventlog.PhaseATEAbort, eventlog.PhasePIAbort, eventlog.PhaseWithdraw:
				if k = find(a, in, -1); k >= 0 {
					if team[i] != 0 {
						b.v.team[opens[k].i] = team[i]
					}
					closeVisit(k, t)
				}
				k = -1
			}
			if k >= 0 && team[i] != 0 {
				b.v.team[opens[k].i] = team[i]
			}
		}
		for k := range opens {
			o := &opens[k]
			advance(o, b.asOf)
			b.v.state[o.i] = o.state
		}
		b.v.off[c+1] = uint32(b.v.len())
	}
	return b.v
}
