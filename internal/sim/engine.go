package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/svcflow/svcflow"
)

// RunOptions bound and shape a run; the zero value runs the model as it is.
type RunOptions struct {
	// MaxEvents stops a replication with an error after this many calendar
	// events; 0: no bound.
	MaxEvents int64
	// Parallel is how many replications run at once; 0: GOMAXPROCS. The
	// report is the same whatever it is.
	Parallel int
	// SkipItems keeps no per-item results (Replication.Items), which long
	// runs would otherwise hold in memory.
	SkipItems bool
	// Trace keeps, for every item, its visits with what the run sampled
	// for them (ItemResult.Visits): enough to replay the run elsewhere, as
	// a test does through the work engine. It costs memory per visit, and
	// nothing when off; with SkipItems it keeps nothing.
	Trace bool
}

// Run validates m and simulates its replications, in parallel, merging
// them in replication order: the same model and seed give the same report.
// Errors are svcflow.ErrInvalid naming the model's field at fault
// ("work[1].steps[2].next: probabilities sum to 0.9, want 1"), the
// context's error, or an error when a replication exceeds MaxEvents.
func Run(ctx context.Context, m *Model, opt RunOptions) (*Report, error) {
	c, err := compile(m)
	if err != nil {
		return nil, err
	}
	n := max(m.Replications, 1)
	reps := make([]*Replication, n)
	errs := make([]error, n)
	par := opt.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			reps[i], errs[i] = newRun(c, i, opt).simulate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("replication %d: %w", i, err)
		}
	}
	return merge(c, reps), nil
}

// compiled is a validated model flattened for the engine: steps of every
// class in one slice, names resolved to indices. Replications share it and
// do not change it.
type compiled struct {
	m          *Model
	teams      []cteam
	classes    []cclass
	steps      []cstep
	sla        [7]float64 // by priority rank (1–5, 6 unknown); < 0: no target
	hasSLA     bool
	start, end float64 // the observation window
}

type cteam struct {
	id       string
	people   int
	policy   svcflow.QueuePolicy
	kind     uint8     // qFIFO, qLIFO, qSorted or qScan
	limited  bool      // some step of the team has a WIP limit
	segments []segment // the week's availability, from Monday 00:00; nil: always People
}

// Queue disciplines. Fifo and lifo without aging rank by age alone, which
// the order of joining keeps (join places items of the same age). Without
// aging, the other orders rank two waiting items the same way whenever they
// are compared, so the queue is kept sorted as items join. With aging,
// ranks move with the clock and the queue is scanned when a person is free.
const (
	qFIFO uint8 = iota
	qLIFO
	qSorted
	qScan
)

// segment is a stretch of the week with a number of people available.
type segment struct {
	from   float64 // seconds since Monday 00:00
	people int
}

const week = 7 * 24 * 3600

type cclass struct {
	id     string
	arr    arrivals
	prios  []svcflow.Priority
	cum    []float64 // cumulative shares of prios
	entry  int32
	stepAt int // index of the class's first step in compiled.steps
}

type cstep struct {
	id       string
	class    int32
	team     int32 // -1: no queue (pure delay, automated, or delay-only model)
	dur      sampler
	wip      int
	approve  float64
	resolves bool
	cum      []float64 // cumulative route probabilities
	to       []int32   // route targets, -1 for value
	outcome  []string  // route outcomes, for traces
	expected time.Duration
}

// run is one replication in progress.
type run struct {
	c     *compiled
	rep   int
	opt   RunOptions
	cal   calendar
	now   float64
	items []item
	free  []int32

	teams []teamState
	steps []stepState
	arr   []arrivals

	arrRNG, prioRNG              []*rng // per class
	durRNG, routeRNG, approveRNG []*rng // per step

	inSystem    int
	areaSystem  float64
	lastSystem  float64
	valueDeps   int64
	valueLead   float64
	resolvedWin int64
	arrivedWin  int64
	ttr         []float64
	ttrClass    []int32 // the class of each ttr entry
	slaMet      [7]int64
	slaCount    [7]int64
	results     []ItemResult
	events      int64
	seq         int64
}

type item struct {
	arrival, entered, started float64
	class, step               int32
	res                       int32 // index in results; -1: not kept
	prio                      uint8 // rank 1–5
	resolved, observed        bool
	working                   bool  // holds a person of the step's team
	seq                       int64 // arrival number, which names the item
}

type teamState struct {
	avail, busy         int
	queue               []qentry
	head                int // fifo: queue[head:] is waiting
	areaBusy, areaAvail float64
	last                float64
	segment             int
	weekStart           float64
}

// qentry is one waiting item and, for static policies, its score; in a
// queue that is not kept sorted, the time it joined.
type qentry struct {
	item  int32
	score float64
}

type stepState struct {
	queue, inProgress   int
	maxQueue, maxInProg int
	areaQueue, areaIP   float64
	last                float64
	visits              int64
	wait, cycle, lead   float64
}

func newRun(c *compiled, rep int, opt RunOptions) *run {
	r := &run{c: c, rep: rep, opt: opt}
	seed := c.m.Seed
	r.teams = make([]teamState, len(c.teams))
	r.steps = make([]stepState, len(c.steps))
	r.arr = make([]arrivals, len(c.classes))
	for i := range c.classes {
		r.arr[i] = c.classes[i].arr
		r.arrRNG = append(r.arrRNG, newRNG(seed, rep, streamArrivals, i))
		r.prioRNG = append(r.prioRNG, newRNG(seed, rep, streamPriority, i))
	}
	for i := range c.steps {
		r.durRNG = append(r.durRNG, newRNG(seed, rep, streamDuration, i))
		r.routeRNG = append(r.routeRNG, newRNG(seed, rep, streamRouting, i))
		r.approveRNG = append(r.approveRNG, newRNG(seed, rep, streamApprove, i))
	}
	return r
}

// simulate runs the replication to the end of the window.
func (r *run) simulate(ctx context.Context) (*Replication, error) {
	c := r.c
	for i := range c.teams {
		t, ts := &c.teams[i], &r.teams[i]
		ts.avail = t.people
		if len(t.segments) > 0 {
			ts.avail = t.segments[0].people
			if len(t.segments) > 1 {
				r.cal.schedule(t.segments[1].from, evShift, int32(i))
			}
		}
	}
	// Size the per-item buffers for the expected arrivals, so that they do
	// not grow by copying during the run; capped, as a guess can be wild.
	var all, observed float64
	for i := range c.classes {
		all += r.arr[i].expected(c.end)
		observed += r.arr[i].expected(c.end - c.start)
		if t := r.arr[i].after(0, r.arrRNG[i]); t <= c.end {
			r.cal.schedule(t, evArrival, int32(i))
		}
	}
	const maxPresize = 1 << 22
	r.ttr = make([]float64, 0, int(min(observed*1.05, maxPresize)))
	r.ttrClass = make([]int32, 0, cap(r.ttr))
	if !r.opt.SkipItems {
		r.results = make([]ItemResult, 0, int(min(all*1.05, maxPresize)))
	}
	maxEvents := r.opt.MaxEvents
	for r.cal.len() > 0 && r.cal.peek() <= c.end {
		e := r.cal.pop()
		r.now = e.at
		r.events++
		switch e.kind {
		case evDone:
			r.done(e.ref)
		case evArrival:
			r.arrive(e.ref)
		case evShift:
			r.shift(e.ref)
		}
		if r.events&0x3fff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if maxEvents > 0 && r.events >= maxEvents {
			return nil, fmt.Errorf("stopped after %d events (the bound set by RunOptions.MaxEvents)", r.events)
		}
	}
	r.now = c.end
	return r.summary(), nil
}

// clip is the part of [from, to] inside the observation window; events
// past the window are never run, so to ≤ end.
func (r *run) clip(from, to float64) float64 {
	s := r.c.start
	return max(to, s) - max(from, s)
}

func (r *run) stepCount(s int32, dq, dip int) {
	st := &r.steps[s]
	if d := r.clip(st.last, r.now); d > 0 {
		st.areaQueue += float64(st.queue) * d
		st.areaIP += float64(st.inProgress) * d
	}
	st.last = r.now
	st.queue += dq
	st.inProgress += dip
	if r.now >= r.c.start {
		st.maxQueue = max(st.maxQueue, st.queue)
		st.maxInProg = max(st.maxInProg, st.inProgress)
	}
}

func (r *run) teamCount(t int32, dbusy int, avail int) {
	ts := &r.teams[t]
	if d := r.clip(ts.last, r.now); d > 0 {
		ts.areaBusy += float64(ts.busy) * d
		ts.areaAvail += float64(ts.avail) * d
	}
	ts.last = r.now
	ts.busy += dbusy
	ts.avail = avail
}

func (r *run) systemCount(d int) {
	if x := r.clip(r.lastSystem, r.now); x > 0 {
		r.areaSystem += float64(r.inSystem) * x
	}
	r.lastSystem = r.now
	r.inSystem += d
}

// arrive creates the next item of class k and schedules the one after.
func (r *run) arrive(k int32) {
	c := r.c
	cl := &c.classes[k]
	if t := r.arr[k].after(r.now, r.arrRNG[k]); t <= c.end {
		r.cal.schedule(t, evArrival, k)
	}
	prio := uint8(3)
	if len(cl.prios) > 0 {
		u := r.prioRNG[k].float64()
		j := 0
		for j < len(cl.cum)-1 && u >= cl.cum[j] {
			j++
		}
		prio = uint8(cl.prios[j].Rank())
	}
	var i int32
	if n := len(r.free); n > 0 {
		i = r.free[n-1]
		r.free = r.free[:n-1]
	} else {
		r.items = append(r.items, item{})
		i = int32(len(r.items) - 1)
	}
	r.seq++
	it := &r.items[i]
	*it = item{arrival: r.now, class: k, prio: prio, res: -1, seq: r.seq, observed: r.now >= c.start}
	if it.observed {
		r.arrivedWin++
	}
	if !r.opt.SkipItems {
		it.res = int32(len(r.results))
		r.results = append(r.results, ItemResult{Class: cl.id, Priority: priorities[prio], Arrival: r.now})
	}
	r.systemCount(1)
	r.enter(i, cl.entry)
}

// enter starts a visit of item i to step s: queued for the step's team,
// or straight into its duration when it has none or is auto-approved.
func (r *run) enter(i int32, s int32) {
	it := &r.items[i]
	it.step, it.entered = s, r.now
	st := &r.c.steps[s]
	approved := st.approve > 0 && r.approveRNG[s].float64() < st.approve
	if r.opt.Trace && it.res >= 0 {
		res := &r.results[it.res]
		res.Visits = append(res.Visits, Visit{Step: st.id, Entered: r.now, Started: -1})
	}
	if st.team < 0 || approved {
		it.started = r.now
		r.stepCount(s, 0, 1)
		d := 0.0
		if !approved {
			d = st.dur.draw(r.durRNG[s])
		}
		if r.opt.Trace {
			r.traceStart(it, d)
		}
		r.cal.schedule(r.now+d, evDone, i)
		return
	}
	r.stepCount(s, 1, 0)
	r.join(st.team, i)
	r.dispatch(st.team)
}

// join puts item i into team t's queue. A fifo or lifo queue keeps the
// order of joining, but items that join at the same instant (an arrival
// as another item's visit ends) tie on age, and the work engine breaks
// the tie by name: arrival order, first first under both orders. Such
// items are few, at the tail, so placing one among them is a short walk;
// the entries hold their joining time, so the common case reads no item.
func (r *run) join(t int32, i int32) {
	kind := r.c.teams[t].kind
	if kind == qSorted {
		r.insertSorted(t, i)
		return
	}
	ts := &r.teams[t]
	q := append(ts.queue, qentry{item: i, score: r.now})
	if kind != qScan {
		seq := r.items[i].seq
		k := len(q) - 1
		for ; k > ts.head && q[k-1].score == r.now; k-- {
			// Fifo takes from the head, lifo from the tail.
			if o := r.items[q[k-1].item].seq; kind == qFIFO && o < seq || kind == qLIFO && o > seq {
				break
			}
			q[k] = q[k-1]
		}
		q[k] = qentry{item: i, score: r.now}
	}
	ts.queue = q
}

// done ends item i's current visit and routes it on.
func (r *run) done(i int32) {
	c := r.c
	it := &r.items[i]
	s := it.step
	st := &c.steps[s]
	r.stepCount(s, 0, -1)
	team := int32(-1)
	if it.working {
		it.working = false
		team = st.team
		r.teamCount(team, -1, r.teams[team].avail)
	}
	if r.now >= c.start {
		ss := &r.steps[s]
		ss.visits++
		ss.wait += it.started - it.entered
		ss.cycle += r.now - it.started
		ss.lead += r.now - it.entered
	}
	if st.resolves && !it.resolved {
		r.resolve(it)
	}
	j := 0
	if len(st.to) > 1 {
		u := r.routeRNG[s].float64()
		for j < len(st.cum)-1 && u >= st.cum[j] {
			j++
		}
	}
	to := st.to[j]
	if r.opt.Trace && it.res >= 0 {
		v := r.results[it.res].Visits
		last := &v[len(v)-1]
		last.Ended, last.To, last.Outcome = r.now, Value, st.outcome[j]
		if to >= 0 {
			last.To = c.steps[to].id
		}
	}
	if to >= 0 {
		r.enter(i, to)
	} else {
		if !it.resolved {
			r.resolve(it)
		}
		if r.now >= c.start {
			r.valueDeps++
			r.valueLead += r.now - it.arrival
		}
		if it.res >= 0 {
			res := &r.results[it.res]
			res.Done, res.DoneAt = true, r.now
		}
		r.systemCount(-1)
		r.free = append(r.free, i)
	}
	if team >= 0 {
		r.dispatch(team)
	}
}

func (r *run) resolve(it *item) {
	it.resolved = true
	if r.now >= r.c.start {
		r.resolvedWin++
	}
	ttr := r.now - it.arrival
	if it.observed {
		r.ttr = append(r.ttr, ttr)
		r.ttrClass = append(r.ttrClass, it.class)
		if tgt := r.c.slaTarget(it.prio); tgt >= 0 {
			r.slaCount[it.prio]++
			if ttr <= tgt {
				r.slaMet[it.prio]++
			}
		}
	}
	if it.res >= 0 {
		res := &r.results[it.res]
		res.Resolved, res.ResolvedAt = true, r.now
	}
}

// slaTarget is the resolution target of a priority rank, < 0 for none.
func (c *compiled) slaTarget(rank uint8) float64 { return c.sla[rank] }

// dispatch starts queued work of team t while a person is free and some
// queued item's step has room.
func (r *run) dispatch(t int32) {
	ts := &r.teams[t]
	for ts.busy < ts.avail && ts.head < len(ts.queue) {
		k := r.pick(t)
		if k < 0 {
			return
		}
		i := r.take(t, k)
		it := &r.items[i]
		s := it.step
		it.started, it.working = r.now, true
		r.stepCount(s, -1, 1)
		r.teamCount(t, 1, ts.avail)
		st := &r.c.steps[s]
		d := st.dur.draw(r.durRNG[s])
		if r.opt.Trace {
			r.traceStart(it, d)
		}
		r.cal.schedule(r.now+d, evDone, i)
	}
}

// traceStart records that item it's current visit starts now and lasts d.
func (r *run) traceStart(it *item, d float64) {
	if it.res < 0 {
		return
	}
	v := r.results[it.res].Visits
	last := &v[len(v)-1]
	last.Started, last.Duration = r.now, d
}

// take removes entry k of team t's queue and returns its item.
func (r *run) take(t int32, k int) int32 {
	ts := &r.teams[t]
	i := ts.queue[k].item
	// The head moves in the common case, else the tail closes up.
	switch {
	case k == ts.head:
		ts.head++
		if ts.head == len(ts.queue) {
			ts.queue, ts.head = ts.queue[:0], 0
		} else if ts.head >= 1024 && ts.head*2 >= len(ts.queue) {
			n := copy(ts.queue, ts.queue[ts.head:])
			ts.queue, ts.head = ts.queue[:n], 0
		}
	case r.c.teams[t].kind == qScan:
		// A scanned queue's order does not matter.
		last := len(ts.queue) - 1
		ts.queue[k] = ts.queue[last]
		ts.queue = ts.queue[:last]
	default:
		ts.queue = append(ts.queue[:k], ts.queue[k+1:]...)
	}
	return i
}

// hasRoom reports whether item i's step may start one more visit.
func (r *run) hasRoom(i int32) bool {
	s := r.items[i].step
	w := r.c.steps[s].wip
	return w <= 0 || r.steps[s].inProgress < w
}

// pick returns the index in the team's queue of the item to start, the
// work engine's pull: the best-ranked item whose step has room; -1: none.
func (r *run) pick(t int32) int {
	ct := &r.c.teams[t]
	ts := &r.teams[t]
	q := ts.queue
	switch ct.kind {
	case qFIFO:
		if !ct.limited {
			return ts.head
		}
		for k := ts.head; k < len(q); k++ {
			if r.hasRoom(q[k].item) {
				return k
			}
		}
		return -1
	case qLIFO:
		for k := len(q) - 1; k >= ts.head; k-- {
			if !ct.limited || r.hasRoom(q[k].item) {
				return k
			}
		}
		return -1
	case qSorted:
		for k := ts.head; k < len(q); k++ {
			if !ct.limited || r.hasRoom(q[k].item) {
				return k
			}
		}
		return -1
	}
	now := r.clock()
	best := -1
	var bestE svcflow.RankedEntry
	var bestSeq int64
	for k := ts.head; k < len(q); k++ {
		i := q[k].item
		if ct.limited && !r.hasRoom(i) {
			continue
		}
		e := svcflow.RankedEntry{QueueEntry: r.queueEntry(i)}
		e.Score = svcflow.QueueScore(ct.policy, e.QueueEntry, now, 1)
		seq := r.items[i].seq
		if best < 0 || compareQueued(ct.policy.Order, &e, &bestE, seq, bestSeq) < 0 {
			best, bestE, bestSeq = k, e, seq
		}
	}
	return best
}

// insertSorted puts item i into team t's sorted queue after every entry
// that ranks before it, found by binary search.
func (r *run) insertSorted(t int32, i int32) {
	ct := &r.c.teams[t]
	ts := &r.teams[t]
	now := r.clock()
	e := svcflow.RankedEntry{QueueEntry: r.queueEntry(i)}
	e.Score = svcflow.QueueScore(ct.policy, e.QueueEntry, now, 1)
	seq := r.items[i].seq
	lo, hi := ts.head, len(ts.queue)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		o := ts.queue[mid]
		oe := svcflow.RankedEntry{QueueEntry: r.queueEntry(o.item), Score: o.score}
		if compareQueued(ct.policy.Order, &oe, &e, r.items[o.item].seq, seq) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	ts.queue = append(ts.queue, qentry{})
	copy(ts.queue[lo+1:], ts.queue[lo:])
	ts.queue[lo] = qentry{item: i, score: e.Score}
}

// compareQueued is svcflow.CompareQueued on two waiting items whose
// arrival numbers are sa and sb. The work engine breaks the last ties by
// item name; the simulator names items by arrival number, zero-padded so
// that names sort as numbers do, and writes the names only when they
// could matter (both joined at the same instant), which spares a string
// per item.
func compareQueued(order string, a, b *svcflow.RankedEntry, sa, sb int64) int {
	if a.Entered.Equal(b.Entered) {
		a.Item, b.Item = itemID(sa), itemID(sb)
	}
	return svcflow.CompareQueued(order, *a, *b)
}

// epoch is simulated time 0, a Monday at midnight, for the queue rules,
// which read time.Time; only differences matter to them.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(t float64) time.Time { return epoch.Add(time.Duration(math.Round(t * 1e9))) }

func (r *run) clock() time.Time { return at(r.now) }

// queueEntry describes item i, waiting in its step, as the work engine's
// ranking sees it. The simulator knows no organisations (every tier is
// unknown), no costs of delay (defaulted from the priority) and no sizes
// (the step's mean duration); the class is the category.
func (r *run) queueEntry(i int32) svcflow.QueueEntry {
	it := &r.items[i]
	st := &r.c.steps[it.step]
	e := svcflow.QueueEntry{
		Priority:      priorities[it.prio],
		Entered:       at(it.entered),
		Created:       at(it.arrival),
		Category:      r.c.classes[it.class].id,
		ExpectedCycle: st.expected,
		Step:          st.id,
	}
	if tgt := r.c.slaTarget(it.prio); tgt >= 0 {
		e.SLADue = at(it.arrival + tgt)
	}
	return e
}

var priorities = [7]svcflow.Priority{"", svcflow.P1, svcflow.P2, svcflow.P3, svcflow.P4, svcflow.P5, ""}

// itemID names an item by its arrival number, zero-padded so that names
// sort as the numbers do.
func itemID(seq int64) string {
	var b [12]byte
	for k := len(b) - 1; k >= 0; k-- {
		b[k] = byte('0' + seq%10)
		seq /= 10
	}
	return string(b[:])
}

// shift moves team t to its next stretch of availability.
func (r *run) shift(t int32) {
	segs := r.c.teams[t].segments
	ts := &r.teams[t]
	ts.segment++
	if ts.segment == len(segs) {
		ts.segment = 0
		ts.weekStart += week
	}
	r.teamCount(t, 0, segs[ts.segment].people)
	next := ts.weekStart + week
	if ts.segment+1 < len(segs) {
		next = ts.weekStart + segs[ts.segment+1].from
	}
	r.cal.schedule(next, evShift, t)
	r.dispatch(t)
}

// compile validates m and flattens it. Errors are svcflow.ErrInvalid on the
// path of the field at fault, with indices from 0: "work[1].steps[2].next".
func compile(m *Model) (*compiled, error) {
	bad := svcflow.FieldErrorf
	if m == nil {
		return nil, bad("model", "no model")
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(m.Horizon > 0) || !finite(m.Horizon):
		return nil, bad("horizon", "%v, want a time > 0", m.Horizon)
	case m.WarmUp < 0 || !finite(m.WarmUp):
		return nil, bad("warm_up", "%v, want a time ≥ 0", m.WarmUp)
	case m.Replications < 0:
		return nil, bad("replications", "%d, want ≥ 1 (0 runs one)", m.Replications)
	case len(m.Work) == 0:
		return nil, bad("work", "no work classes; want at least one")
	}
	c := &compiled{m: m, start: m.WarmUp, end: m.WarmUp + m.Horizon}

	teamAt := map[string]int32{}
	for i, t := range m.Teams {
		path := fmt.Sprintf("teams[%d]", i)
		if t.ID == "" {
			return nil, bad(path+".id", "missing team id")
		}
		if _, dup := teamAt[t.ID]; dup {
			return nil, bad(path+".id", "team %q is declared twice", t.ID)
		}
		if t.People < 0 {
			return nil, bad(path+".people", "%d, want ≥ 0", t.People)
		}
		teamAt[t.ID] = int32(i)
		ct := cteam{id: t.ID, people: t.People}
		policy := t.Policy
		if policy == "" {
			policy = svcflow.DefaultQueuePolicy // as the engine orders it
		}
		p, err := svcflow.ParseQueuePolicy(policy)
		if err != nil {
			var e *svcflow.Error
			msg := err.Error()
			if errors.As(err, &e) {
				msg = e.Message
			}
			return nil, bad(path+".policy", "%s", msg)
		}
		ct.policy = p
		switch {
		case p.Order == svcflow.OrderFIFO && p.Aging <= 0:
			ct.kind = qFIFO
		case p.Order == svcflow.OrderLIFO && p.Aging <= 0:
			ct.kind = qLIFO
		default:
			ct.kind = qSorted
			if p.Aging > 0 {
				ct.kind = qScan
			}
		}
		segs, err := weekSegments(path, t)
		if err != nil {
			return nil, err
		}
		ct.segments = segs
		c.teams = append(c.teams, ct)
	}
	used := make([]bool, len(m.Teams))

	for k, cl := range m.Work {
		path := fmt.Sprintf("work[%d]", k)
		if cl.ID == "" {
			return nil, bad(path+".id", "missing class id")
		}
		for _, o := range m.Work[:k] {
			if o.ID == cl.ID {
				return nil, bad(path+".id", "class %q is declared twice", cl.ID)
			}
		}
		arr, err := compileArrivals(path+".arrivals", cl.Arrivals)
		if err != nil {
			return nil, err
		}
		cc := cclass{id: cl.ID, arr: arr, stepAt: len(c.steps)}
		sum := 0.0
		for j, ps := range cl.Priority {
			pp := fmt.Sprintf("%s.priority[%d]", path, j)
			if !svcflow.Priority(ps.Priority).IsValid() {
				return nil, bad(pp, "priority %q, want P1 to P5", ps.Priority)
			}
			if ps.Share < 0 || !finite(ps.Share) {
				return nil, bad(pp, "share %v, want ≥ 0", ps.Share)
			}
			sum += ps.Share
			cc.prios = append(cc.prios, svcflow.Priority(ps.Priority))
			cc.cum = append(cc.cum, sum)
		}
		if len(cl.Priority) > 0 && math.Abs(sum-1) > 1e-9 {
			return nil, bad(path+".priority", "shares sum to %v, want 1", round9(sum))
		}
		if len(cl.Steps) == 0 {
			return nil, bad(path+".steps", "no steps; want at least one")
		}
		stepAt := map[string]int32{}
		for j, s := range cl.Steps {
			sp := fmt.Sprintf("%s.steps[%d]", path, j)
			if s.ID == "" || s.ID == Value {
				return nil, bad(sp+".id", "step id %q, want a name other than %q", s.ID, Value)
			}
			if _, dup := stepAt[s.ID]; dup {
				return nil, bad(sp+".id", "step %q is declared twice", s.ID)
			}
			stepAt[s.ID] = int32(len(c.steps) + j)
		}
		entry, ok := stepAt[cl.Entry]
		if !ok {
			return nil, bad(path+".entry", "unknown step %q", cl.Entry)
		}
		cc.entry = entry
		for j, s := range cl.Steps {
			sp := fmt.Sprintf("%s.steps[%d]", path, j)
			cs := cstep{id: s.ID, class: int32(k), team: -1, wip: s.WIPLimit, approve: s.AutoApprove, resolves: s.Resolves}
			if s.Team != "" {
				t, ok := teamAt[s.Team]
				if !ok {
					return nil, bad(sp+".team", "unknown team %q", s.Team)
				}
				if !s.Automated && !m.DelayOnly {
					cs.team = t
					used[t] = true
					if s.WIPLimit > 0 {
						c.teams[t].limited = true
					}
				}
			}
			if s.WIPLimit < 0 {
				return nil, bad(sp+".wip_limit", "%d, want ≥ 0 (0: no limit)", s.WIPLimit)
			}
			if s.WIPLimit > 0 && cs.team < 0 {
				return nil, bad(sp+".wip_limit", "a WIP limit needs a step worked by a team; this one is a delay")
			}
			if s.AutoApprove < 0 || s.AutoApprove > 1 || !finite(s.AutoApprove) {
				return nil, bad(sp+".auto_approve", "%v, want a share from 0 to 1", s.AutoApprove)
			}
			d, err := compileDist(sp+".duration", s.Duration)
			if err != nil {
				return nil, err
			}
			cs.dur = d
			cs.expected = time.Duration(d.mean() * 1e9)
			if len(s.Next) == 0 {
				return nil, bad(sp+".next", "no transitions; want at least one, to a step or %q", Value)
			}
			sum := 0.0
			for r, rt := range s.Next {
				rp := fmt.Sprintf("%s.next[%d]", sp, r)
				to := int32(-1)
				if rt.To != Value {
					t, ok := stepAt[rt.To]
					if !ok {
						return nil, bad(rp+".to", "unknown step %q; want a step of %s or %q", rt.To, cl.ID, Value)
					}
					to = t
				}
				if rt.Probability < 0 || !finite(rt.Probability) {
					return nil, bad(rp+".probability", "%v, want ≥ 0", rt.Probability)
				}
				if len(s.Next) == 1 && rt.Probability == 0 {
					rt.Probability = 1 // a single transition is certain
				}
				sum += rt.Probability
				cs.cum = append(cs.cum, sum)
				cs.to = append(cs.to, to)
				cs.outcome = append(cs.outcome, rt.Outcome)
			}
			if math.Abs(sum-1) > 1e-9 {
				return nil, bad(sp+".next", "probabilities sum to %v, want 1", round9(sum))
			}
			c.steps = append(c.steps, cs)
		}
		if err := reachesValue(path, cl, c.steps[cc.stepAt:], cc.entry-int32(cc.stepAt), int32(cc.stepAt)); err != nil {
			return nil, err
		}
		c.classes = append(c.classes, cc)
	}
	for i, t := range c.teams {
		if used[i] && t.people == 0 && len(t.segments) == 0 {
			return nil, bad(fmt.Sprintf("teams[%d].people", i), "team %s works steps but has no people", t.id)
		}
	}

	for i := range c.sla {
		c.sla[i] = -1
	}
	if len(m.SLA) > 0 {
		c.hasSLA = true
		fallback, hasFallback := m.SLA[""]
		for p, v := range m.SLA {
			if p != "" && !svcflow.Priority(p).IsValid() {
				return nil, bad(fmt.Sprintf("sla[%q]", p), "unknown priority; want P1 to P5, or \"\" for the rest")
			}
			if !(v > 0) || !finite(v) {
				return nil, bad(fmt.Sprintf("sla[%q]", p), "target %v, want a time > 0", v)
			}
		}
		for rank := 1; rank <= 5; rank++ {
			if v, ok := m.SLA[string(priorities[rank])]; ok {
				c.sla[rank] = v
			} else if hasFallback {
				c.sla[rank] = fallback
			}
		}
	}
	return c, nil
}

// reachesValue checks every step reachable from the class's entry can
// reach value: otherwise items would circle for ever.
func reachesValue(path string, cl Class, steps []cstep, entry, offset int32) error {
	n := len(steps)
	// good[j]: step j reaches value; found by fixed point over the routes.
	good := make([]bool, n)
	for changed := true; changed; {
		changed = false
		for j, s := range steps {
			if good[j] {
				continue
			}
			for r, to := range s.to {
				p := s.cum[r]
				if r > 0 {
					p -= s.cum[r-1]
				}
				if p > 0 && (to < 0 || good[to-offset]) {
					good[j], changed = true, true
					break
				}
			}
		}
	}
	seen := make([]bool, n)
	stack := []int32{entry}
	seen[entry] = true
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !good[j] {
			return svcflow.FieldErrorf(fmt.Sprintf("%s.steps[%d]", path, j), "step %s never reaches %q from here", cl.Steps[j].ID, Value)
		}
		for _, to := range steps[j].to {
			if to >= 0 && !seen[to-offset] {
				seen[to-offset] = true
				stack = append(stack, to-offset)
			}
		}
	}
	return nil
}

// weekSegments turns a team's shifts into the week's stretches of equal
// availability, from Monday 00:00; nil when the team has no shifts.
func weekSegments(path string, t Team) ([]segment, error) {
	if len(t.Shifts) == 0 {
		return nil, nil
	}
	type span struct {
		from, to float64
		people   int
	}
	var spans []span
	cuts := []float64{0, week}
	for i, s := range t.Shifts {
		sp := fmt.Sprintf("%s.shifts[%d]", path, i)
		if !(s.Start >= 0 && s.Start < s.End && s.End <= 86400) {
			return nil, svcflow.FieldErrorf(sp, "from %v to %v seconds after midnight, want 0 ≤ start < end ≤ 86400", s.Start, s.End)
		}
		if s.People < 0 {
			return nil, svcflow.FieldErrorf(sp+".people", "%d, want ≥ 0 (0: the team's people)", s.People)
		}
		if len(s.Days) == 0 {
			return nil, svcflow.FieldErrorf(sp+".days", "no days; want weekdays 0 (Sunday) to 6")
		}
		people := s.People
		if people == 0 {
			people = t.People
		}
		for _, d := range s.Days {
			if d < 0 || d > 6 {
				return nil, svcflow.FieldErrorf(sp+".days", "day %d, want 0 (Sunday) to 6", d)
			}
			// Day 0 of the simulation is a Monday.
			off := float64((d+6)%7) * 86400
			spans = append(spans, span{off + s.Start, off + s.End, people})
			cuts = append(cuts, off+s.Start, off+s.End)
		}
	}
	slices.Sort(cuts)
	var segs []segment
	for k := 0; k+1 < len(cuts); k++ {
		from, to := cuts[k], cuts[k+1]
		if to <= from {
			continue
		}
		mid := (from + to) / 2
		people := 0
		for _, s := range spans {
			if s.from <= mid && mid < s.to {
				people += s.people
			}
		}
		if len(segs) > 0 && segs[len(segs)-1].people == people {
			continue
		}
		segs = append(segs, segment{from: from, people: people})
	}
	return segs, nil
}
