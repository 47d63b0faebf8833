package sim

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
)

// Calibration turns an observed log into a baseline model of one value
// stream: the stream says which steps there are, which team works each and
// where work may go next; the log says how often work arrives, how long
// each step takes, where work actually went, and how many people each
// team had. A baseline is only as useful as its likeness to what was
// observed, so each choice below is made for that likeness and says what
// it gives up.

// CalibrateOptions say what to calibrate and how to read the log.
type CalibrateOptions struct {
	// Stream is the designed stream the model follows: its steps, their
	// teams, what resolves, and the transitions work may take. Required.
	Stream *svcflow.ValueStream
	// Mapping maps log activities to steps; nil maps an activity to the
	// step with its id or name, as flow.Conform does.
	Mapping *flow.Mapping
	// Flow says how to read the log, as for analyze: the timing kind,
	// the states of a state-timed log, the team attribute, the time zone
	// (for hours of the week), the SLA targets.
	Flow flow.Options
	// Replications and Seed go into the model; 0 means 10 and 1.
	Replications int
	Seed         uint64
}

// Calibration constants, the thresholds of the rules documented on
// Calibrate.
const (
	// calEmpiricalMin is how many observations a step needs for its
	// distribution to be the observations themselves.
	calEmpiricalMin = 30
	// calMaxSamples caps an empirical distribution: a larger sample is
	// thinned to this many evenly spaced order statistics, which keeps its
	// quantiles and the model file small.
	calMaxSamples = 2000
	// calProfileMinCases and calProfileMinRatio decide when arrivals get an
	// hour-of-week profile: enough cases, and a busiest hour of the day
	// at least this many times as busy as the quietest.
	calProfileMinCases = 100
	calProfileMinRatio = 3
	// calOnShare is how busy an hour of the day (or a day of the week) must be,
	// as a share of the team's average working hour (day), to be part of
	// its shift.
	calOnShare = 0.25
	// calMinHorizon is the shortest horizon a calibrated model gets.
	calMinHorizon = 30 * 24 * 3600.0
	calWeek       = 7 * 24 * 3600.0
)

// Calibrate fits a Model of opt.Stream to the log l. The model has one
// class (the stream) and one team per team named by its steps.
//
// Arrivals are Poisson at the observed rate: cases with a visit of a
// stream step ÷ the span from the first to the last event. When there are
// at least 100 such cases and the busiest hour of the day (pooled over the
// week, in opt.Flow.Location) has at least 3 times the rate of the
// quietest, they follow a profile instead: the rate of each of the 168
// hours of the week is the cases created in it ÷ the hours of that kind in
// the span. The priority mix is the share of each value of the case
// attribute "priority" (or the event attribute, first value in the case).
//
// Routes are counted from the log: of the ended visits of step A, the share
// followed by a visit of step B (the next visit of a mapped activity in the
// case) or by the end (no further visit, or a reopen after the
// resolution: a reopen is a new demand, not a route). Only transitions the
// stream has, and rework (a return to A or an earlier step), are kept;
// others are dropped before the shares are taken. A step whose visits were
// never seen to end keeps the stream's design probabilities. When cases
// start at more than one step, a pure-delay step "entry" of no duration
// sends each arrival to a first step with the observed shares.
//
// Durations, with lifecycle or state timing (what each visit spent queued,
// active and blocked is known):
//   - A team step's service time is the part of its observed active
//     (cycle) time inside the team's shifts (below): the time someone
//     worked on it. Active time across a night is work left in progress,
//     not work; the simulated team finishes the work in hand after its
//     shift ends, and the next step then queues until the morning, which is
//     where the night comes back. A team without shifts, and a visit
//     worked wholly outside them (an urgent call at night), keep the whole
//     active time.
//   - Wait is not put into the model where queues can explain it: the
//     time a visit waited while its team was off shift, or had every
//     person busy, comes from the simulated queues. The rest of the wait
//     (someone was free and at work, yet the visit waited: pick-up delay,
//     work on other streams the model does not have) cannot come from the
//     queues, so it precedes the step as a pure delay, together with the
//     visit's blocked time (on hold, awaiting a requester or a vendor,
//     which uses no one): a step "ID-delay" with no team, whose duration
//     is drawn per visit as the sum of the two, so a visit that both
//     waited and was on hold keeps both. The delay step is left out when
//     no visit of the step has any. (Queues and shifts alone give the
//     demo's restore-live-service about half its observed time to
//     resolve: its people pick work up some time after it arrives, free
//     or not.)
//   - A step without a team, or automated, takes the whole visit (entry to
//     end) as its duration.
//
// With completion timing (each event only completes its activity) nothing
// says which part of a step's lead time was queueing, so every step is a
// pure delay with the observed step lead time, the model is DelayOnly and
// has no teams; a step whose visits all open their cases (no lead time is
// known) takes no time, as the item's time starts there.
//
// Each duration distribution is the observations themselves (empirical,
// thinned to 2,000 order statistics) when there are at least 30; below
// that it is fixed when they are all equal, exponential with their mean
// when their coefficient of variation is within 0.8–1.2, and lognormal
// with their mean and standard deviation otherwise. A step with no
// observation takes its target lead time, else the stream's, as the mean
// of an exponential; with neither it is an error naming the step.
//
// A team's people are the most visits of its steps ever active at the
// same instant: a team of c people that is ever saturated shows c; one
// whose people juggle several items shows more, which is what its
// throughput needed, and a model with fewer people would queue work the
// log never queued. A team works shifts when its work starts (visits
// started or resumed, at least 50 of them) only in some hours of the day
// or days of the week, in opt.Flow.Location: its days are those with at
// least a quarter of the starts of its average working day; its hours are
// the day less its longest run of hours with under a quarter of the starts
// of its average working hour (so a quiet lunch hour stays in), the same
// on every working day, with all the team's people (two shifts when the
// hours run past midnight). The policy is fifo.
//
// The horizon is the observed span, at least 30 days; the warm-up a week,
// or a tenth of the horizon when longer. SLA targets of opt.Flow keyed by
// priority become the model's. Note says in words how it was calibrated.
//
// Errors: the log is empty or has no visit of a stream step; the stream is
// missing or has no steps; the mapping names a step the stream lacks; a
// step has neither observations nor a target; the log cannot be read
// with opt.Flow (see flow.VisitsOf).
func Calibrate(l *eventlog.Log, opt CalibrateOptions) (*Model, error) {
	if l == nil || l.Events() == 0 {
		return nil, errors.New("calibrate: the log has no events")
	}
	s := opt.Stream
	if s == nil || len(s.Steps) == 0 {
		return nil, errors.New("calibrate: a value stream with steps is required")
	}
	vt, err := flow.VisitsOf(l, opt.Flow)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	stepOfAct, err := flow.StepsOf(l, s, opt.Mapping)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	c := &calibration{l: l, s: s, opt: opt, vt: vt, loc: opt.Flow.Location}
	if c.loc == nil {
		c.loc = time.UTC
	}
	c.index = map[string]int{}
	for i, st := range s.Steps {
		c.index[st.ID] = i
	}
	c.step = make([]int, vt.Len())
	for i := range c.step {
		c.step[i] = -1
		if id := stepOfAct[vt.Activity[i]]; id != "" {
			c.step[i] = c.index[id]
		}
	}
	return c.fit()
}

// calibration holds what the fitting steps share.
type calibration struct {
	l     *eventlog.Log
	s     *svcflow.ValueStream
	opt   CalibrateOptions
	vt    *flow.VisitTable
	loc   *time.Location
	index map[string]int // step id → index in s.Steps
	step  []int          // per visit: its step, -1 unmapped

	delayOnly   bool
	first, last int64 // the log's span
	cases       []int // cases with a visit of a stream step
	teams       map[string]*teamFit
	teamOrder   []string

	segOff, segIdx []int // the segments of each visit: segIdx[segOff[v]:segOff[v+1]]
}

// teamFit is what the log says about one team.
type teamFit struct {
	people int
	on     *calWeekHours // nil: always at work
	// When the number of active visits of its steps changed, whether it
	// was then at capacity, and the working time at capacity before each
	// change: the share of a wait the queues explain.
	changes []int64
	atCap   []bool  // after each change
	capCum  []int64 // on-shift at-capacity time before each change
}

func (c *calibration) fit() (*Model, error) {
	l, vt, s := c.l, c.vt, c.s
	c.delayOnly = vt.Timing == flow.TimingCompletion
	c.first, c.last = l.Time[0], l.Time[0]
	for _, t := range l.Time {
		c.first, c.last = min(c.first, t), max(c.last, t)
	}
	for cs := range l.Cases() {
		for k := vt.Offsets[cs]; k < vt.Offsets[cs+1]; k++ {
			if c.step[k] >= 0 {
				c.cases = append(c.cases, cs)
				break
			}
		}
	}
	if len(c.cases) == 0 {
		return nil, fmt.Errorf("calibrate: no activity of the log maps to a step of stream %s", s.ID)
	}
	span := float64(c.last-c.first) / 1e9
	if span <= 0 {
		return nil, fmt.Errorf("calibrate: the log spans no time (all %d events at one instant)", l.Events())
	}

	m := &Model{
		Name:         s.ID,
		Replications: cmp.Or(c.opt.Replications, 10),
		Seed:         cmp.Or(c.opt.Seed, 1),
		Horizon:      max(span, calMinHorizon),
		DelayOnly:    c.delayOnly,
	}
	m.WarmUp = max(calWeek, m.Horizon/10)
	if !c.delayOnly {
		c.fitTeams()
		for _, id := range c.teamOrder {
			t := c.teams[id]
			team := Team{ID: id, People: t.people, Policy: "fifo"}
			if t.on != nil {
				team.Shifts = t.on.shifts(t.people)
			}
			m.Teams = append(m.Teams, team)
		}
	}
	class := Class{ID: s.ID, Stream: s.ID, Arrivals: c.arrivals(span), Priority: c.priorities()}
	steps, entry, err := c.steps()
	if err != nil {
		return nil, err
	}
	class.Steps, class.Entry = steps, entry
	m.Work = []Class{class}
	m.SLA = c.sla()
	m.Note = c.note(m)
	return m, nil
}

// arrivals fits the class's arrival process.
func (c *calibration) arrivals(span float64) Arrivals {
	n := len(c.cases)
	a := Arrivals{Kind: ArrivalPoisson, Rate: float64(n) / span}
	if n < calProfileMinCases {
		return a
	}
	var count [168]float64
	var byHour [24]float64
	for _, cs := range c.cases {
		from, _ := c.l.Case(cs)
		h := calHourOfWeek(c.l.Time[from], c.loc)
		count[h]++
		byHour[h%24]++
	}
	lo, hi := slices.Min(byHour[:]), slices.Max(byHour[:])
	if hi < calProfileMinRatio*lo {
		return a
	}
	// Exposure: how many hours of each kind the span holds, counted an
	// hour at a time (a span of years is still only tens of thousands).
	var hours [168]float64
	for t := c.first; t < c.last; {
		h := calHourOfWeek(t, c.loc)
		next := min(t+int64(time.Hour)-(calLocalNanos(t, c.loc)%int64(time.Hour)), c.last)
		hours[h] += float64(next-t) / float64(time.Hour)
		t = next
	}
	a.Kind, a.Rate = ArrivalProfile, 0
	a.Profile = make([]float64, 168)
	for h := range a.Profile {
		if hours[h] > 0 {
			a.Profile[h] = count[h] / (hours[h] * 3600)
		}
	}
	return a
}

// priorities returns the mix of the "priority" attribute, most common
// first, or nil when the log has none.
func (c *calibration) priorities() []PriorityShare {
	vals := calCaseAttr(c.l, eventlog.AttrPriority)
	if vals == nil {
		return nil
	}
	counts := map[string]int{}
	total := 0
	for _, cs := range c.cases {
		if v := vals[cs]; v != 0 {
			counts[c.l.Str(v)]++
			total++
		}
	}
	var mix []PriorityShare
	for p, n := range counts {
		mix = append(mix, PriorityShare{Priority: p, Share: float64(n) / float64(total)})
	}
	slices.SortFunc(mix, func(a, b PriorityShare) int { return cmp.Compare(a.Priority, b.Priority) })
	return mix
}

// calCaseAttr returns a case attribute, or an event attribute's first value
// in each case; nil if the log has neither.
func calCaseAttr(l *eventlog.Log, name string) []uint32 {
	if col := l.CaseAttr(name); col != nil {
		return col.Values
	}
	col := l.EventAttr(name)
	if col == nil {
		return nil
	}
	out := make([]uint32, l.Cases())
	for cs := range out {
		from, to := l.Case(cs)
		for i := from; i < to; i++ {
			if v := col.Values[i]; v != 0 {
				out[cs] = v
				break
			}
		}
	}
	return out
}

// sla takes the Flow options' resolution targets when they are keyed by
// priority.
func (c *calibration) sla() map[string]float64 {
	f := c.opt.Flow
	if len(f.SLATargets) == 0 || f.SLAAttr != eventlog.AttrPriority && f.SLAAttr != "" {
		return nil
	}
	out := map[string]float64{}
	for k, d := range f.SLATargets {
		out[k] = d.Seconds()
	}
	return out
}

// teamOf returns the team that works stream step i in the model, "" for a
// pure delay.
func (c *calibration) teamOf(i int) string {
	st := &c.s.Steps[i]
	if st.Automated {
		return ""
	}
	return st.Team
}

// fitTeams estimates people and shifts for every team of the stream's
// steps, and the times each team was at capacity.
func (c *calibration) fitTeams() {
	c.teams = map[string]*teamFit{}
	for i := range c.s.Steps {
		if id := c.teamOf(i); id != "" && c.teams[id] == nil {
			c.teams[id] = &teamFit{people: 1}
			c.teamOrder = append(c.teamOrder, id)
		}
	}
	type edge struct {
		at    int64
		delta int
	}
	edges := map[string][]edge{}
	var starts = map[string][]int64{}
	seg := &c.vt.Segments
	for k, v := range seg.Visit {
		if seg.State[k] != flow.StateActive || c.step[v] < 0 {
			continue
		}
		id := c.teamOf(c.step[v])
		if id == "" {
			continue
		}
		starts[id] = append(starts[id], seg.From[k])
		if seg.To[k] > seg.From[k] {
			edges[id] = append(edges[id], edge{seg.From[k], 1}, edge{seg.To[k], -1})
		}
	}
	for _, id := range c.teamOrder {
		t := c.teams[id]
		t.on = calFitWeekHours(starts[id], c.loc)
		es := edges[id]
		// Ends before starts at one instant: a visit handed on at the
		// moment another begins does not need a second person.
		slices.SortFunc(es, func(a, b edge) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.delta, b.delta)) })
		n, peak := 0, 0
		for _, e := range es {
			n += e.delta
			peak = max(peak, n)
		}
		if peak > 0 {
			t.people = peak
		}
		n = 0
		var cum int64
		for j, e := range es {
			if j > 0 && t.atCap[j-1] {
				cum += t.onTime(es[j-1].at, e.at, c.loc)
			}
			n += e.delta
			t.changes = append(t.changes, e.at)
			t.atCap = append(t.atCap, n >= t.people)
			t.capCum = append(t.capCum, cum)
		}
	}
}

// onTime returns how much of [a, b) the team was at work.
func (t *teamFit) onTime(a, b int64, loc *time.Location) int64 {
	if b <= a {
		return 0
	}
	if t.on == nil {
		return b - a
	}
	return t.on.between(a, b, loc)
}

// capTime returns how much of [a, b) the team was at work with every
// person busy.
func (t *teamFit) capTime(a, b int64, loc *time.Location) int64 {
	if b <= a {
		return 0
	}
	// upTo is the at-capacity working time before x: the sum up to the
	// last change at or before x, plus the time since it if at capacity.
	upTo := func(x int64) int64 {
		j := sort.Search(len(t.changes), func(k int) bool { return t.changes[k] > x }) - 1
		switch {
		case j < 0:
			return 0
		case t.atCap[j]:
			return t.capCum[j] + t.onTime(t.changes[j], x, loc)
		}
		return t.capCum[j]
	}
	return upTo(b) - upTo(a)
}

// steps builds the model's steps and the entry step.
func (c *calibration) steps() ([]Step, string, error) {
	s, vt := c.s, c.vt
	n := len(s.Steps)
	service := make([][]float64, n)
	delay := make([][]float64, n)
	delayed := make([]bool, n)
	firstOnly := make([]bool, n) // completion timing: observed, but only as the case's first event
	for i := range firstOnly {
		firstOnly[i] = true
	}
	seen := make([]bool, n)
	for v := range vt.Len() {
		st := c.step[v]
		if st < 0 || vt.Ended[v] == eventlog.NoTime {
			continue
		}
		seen[st] = true
		team := ""
		if !c.delayOnly {
			team = c.teamOf(st)
		}
		if team == "" {
			if lead, ok := vt.Lead(v); ok {
				service[st] = append(service[st], float64(lead)/1e9)
				firstOnly[st] = false
			}
			continue
		}
		t := c.teams[team]
		if vt.Started[v] != eventlog.NoTime {
			service[st] = append(service[st], float64(c.serviceTime(v, t))/1e9)
		}
		d := c.unexplainedWait(v, t) + vt.Blocked[v]
		delay[st] = append(delay[st], float64(d)/1e9)
		delayed[st] = delayed[st] || d > 0
	}

	routes, entries := c.routes()
	out := make([]Step, 0, n)
	ids := map[string]bool{}
	for _, st := range s.Steps {
		ids[st.ID] = true
	}
	delayID := make([]string, n)
	for i := range s.Steps {
		if delayed[i] {
			delayID[i] = calUnique(ids, s.Steps[i].ID+"-delay")
		}
	}
	target := func(id string) string {
		if i, ok := c.index[id]; ok && delayID[i] != "" {
			return delayID[i]
		}
		return id
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		var d Dist
		switch {
		case len(service[i]) > 0:
			d = calFitDist(service[i])
		case c.delayOnly && seen[i] && firstOnly[i]:
			d = Dist{Kind: DistFixed}
		default:
			mean := st.TargetLeadTime.Estimate()
			if mean <= 0 {
				mean = s.TargetLeadTime.Estimate()
			}
			if mean <= 0 {
				return nil, "", fmt.Errorf("calibrate: step %s of stream %s: the log has no completed visit of it and neither the step nor the stream has a target lead time", st.ID, s.ID)
			}
			d = Dist{Kind: DistExponential, Mean: mean.Seconds()}
		}
		if delayID[i] != "" {
			out = append(out, Step{ID: delayID[i], Duration: calFitDist(delay[i]),
				Next: []Route{{To: st.ID, Probability: 1}}})
		}
		step := Step{ID: st.ID, Duration: d, Resolves: st.Resolves, Automated: st.Automated, WIPLimit: st.WIPLimit}
		if !c.delayOnly {
			step.Team = c.teamOf(i)
		}
		for _, r := range routes[i] {
			r.To = target(r.To)
			step.Next = append(step.Next, r)
		}
		out = append(out, step)
	}
	var entry string
	switch len(entries) {
	case 0:
		first, _ := s.Entry("")
		entry = target(first.ID)
	case 1:
		entry = target(entries[0].To)
	default:
		entry = calUnique(ids, "entry")
		e := Step{ID: entry, Duration: Dist{Kind: DistFixed}}
		for _, r := range entries {
			r.To = target(r.To)
			e.Next = append(e.Next, r)
		}
		out = append([]Step{e}, out...)
	}
	return out, entry, nil
}

// calUnique returns id, or id with a number, not yet in ids, and adds it.
func calUnique(ids map[string]bool, id string) string {
	out := id
	for k := 2; ids[out]; k++ {
		out = fmt.Sprintf("%s%d", id, k)
	}
	ids[out] = true
	return out
}

// serviceTime is a visit's active time inside the team's shifts, or its
// whole active time when the team has no shifts or the visit was worked
// wholly outside them.
func (c *calibration) serviceTime(v int, t *teamFit) int64 {
	if t.on == nil {
		return c.vt.Cycle[v]
	}
	var on int64
	seg := &c.vt.Segments
	for k := range c.segmentsOf(v) {
		if seg.State[k] == flow.StateActive {
			on += t.onTime(seg.From[k], seg.To[k], c.loc)
		}
	}
	if on == 0 {
		return c.vt.Cycle[v]
	}
	return on
}

// unexplainedWait is the part of a visit's wait during which its team was
// at work and had a person free: wait the queues cannot produce.
func (c *calibration) unexplainedWait(v int, t *teamFit) int64 {
	var d int64
	seg := &c.vt.Segments
	for k := range c.segmentsOf(v) {
		if seg.State[k] == flow.StateQueued {
			a, b := seg.From[k], seg.To[k]
			d += t.onTime(a, b, c.loc) - t.capTime(a, b, c.loc)
		}
	}
	return max(d, 0)
}

// segmentsOf yields the segment indexes of visit v. Segments are recorded
// visit by visit in lifecycle timing but may interleave across a case's
// open visits, so the index is built once.
func (c *calibration) segmentsOf(v int) func(yield func(int) bool) {
	if c.segIdx == nil {
		seg := &c.vt.Segments
		c.segOff = make([]int, c.vt.Len()+1)
		for _, sv := range seg.Visit {
			c.segOff[sv+1]++
		}
		for i := 1; i < len(c.segOff); i++ {
			c.segOff[i] += c.segOff[i-1]
		}
		c.segIdx = make([]int, len(seg.Visit))
		next := slices.Clone(c.segOff)
		for k, sv := range seg.Visit {
			c.segIdx[next[sv]] = k
			next[sv]++
		}
	}
	return func(yield func(int) bool) {
		for _, k := range c.segIdx[c.segOff[v]:c.segOff[v+1]] {
			if !yield(k) {
				return
			}
		}
	}
}

// routes counts the observed transitions out of each step and the first
// steps of cases, as routes with probabilities.
func (c *calibration) routes() ([][]Route, []Route) {
	l, vt, s := c.l, c.vt, c.s
	n := len(s.Steps)
	const end = -1
	counts := make([]map[int]int, n)
	for i := range counts {
		counts[i] = map[int]int{}
	}
	entries := map[int]int{}
	reopen := make([]bool, len(l.Strings))
	for i, str := range l.Strings {
		reopen[i] = str == eventlog.ActivityReopened
	}
	allowed := func(from, to int) bool {
		if to == end {
			for _, t := range s.Steps[from].Next {
				if t.To == svcflow.End {
					return true
				}
			}
			return false
		}
		return to <= from || slices.Contains(s.Steps[from].Successors(), s.Steps[to].ID)
	}
	for _, cs := range c.cases {
		prev := -1
		for v := int(vt.Offsets[cs]); v < int(vt.Offsets[cs+1]); v++ {
			if c.step[v] < 0 {
				continue
			}
			if prev < 0 {
				entries[c.step[v]]++
			} else if vt.Ended[prev] != eventlog.NoTime {
				to := c.step[v]
				if calReopenedBetween(l, reopen, cs, vt.Ended[prev], vt.Entered[v]) {
					to = end
				}
				counts[c.step[prev]][to]++
			}
			prev = v
		}
		if prev >= 0 && vt.Ended[prev] != eventlog.NoTime {
			counts[c.step[prev]][end]++
		}
	}
	out := make([][]Route, n)
	for i := range s.Steps {
		st := &s.Steps[i]
		total := 0
		for to, k := range counts[i] {
			if allowed(i, to) {
				total += k
			}
		}
		if total == 0 {
			out[i] = calDesignRoutes(st)
			continue
		}
		for to, k := range counts[i] {
			if !allowed(i, to) {
				continue
			}
			r := Route{To: svcflow.End, Probability: float64(k) / float64(total)}
			if to != end {
				r.To = s.Steps[to].ID
			}
			for _, t := range st.Next {
				if t.To == r.To {
					r.Outcome = t.When
					break
				}
			}
			if r.Outcome == svcflow.Otherwise {
				r.Outcome = ""
			}
			out[i] = append(out[i], r)
		}
		slices.SortFunc(out[i], func(a, b Route) int { return cmp.Compare(c.order(a.To), c.order(b.To)) })
	}
	var ent []Route
	total := 0
	for _, k := range entries {
		total += k
	}
	for st, k := range entries {
		ent = append(ent, Route{To: s.Steps[st].ID, Probability: float64(k) / float64(total)})
	}
	slices.SortFunc(ent, func(a, b Route) int { return cmp.Compare(c.order(a.To), c.order(b.To)) })
	return out, ent
}

// order sorts route targets in stream order, value last.
func (c *calibration) order(id string) int {
	if i, ok := c.index[id]; ok {
		return i
	}
	return len(c.s.Steps)
}

// calReopenedBetween reports whether case cs has a reopen event in [from, to].
func calReopenedBetween(l *eventlog.Log, reopen []bool, cs int, from, to int64) bool {
	a, b := l.Case(cs)
	for i := a; i < b; i++ {
		if reopen[l.Activity[i]] && l.Time[i] >= from && (to == eventlog.NoTime || l.Time[i] <= to) {
			return true
		}
	}
	return false
}

// calDesignRoutes are a step's transitions with the stream's probabilities;
// when they give none, its transitions share equally.
func calDesignRoutes(st *svcflow.Step) []Route {
	var out []Route
	total := 0.0
	for _, t := range st.Next {
		total += t.Probability
	}
	for _, t := range st.Next {
		p := t.Probability
		if total <= 0 {
			p = 1 / float64(len(st.Next))
		} else {
			p /= total
		}
		when := t.When
		if when == svcflow.Otherwise {
			when = ""
		}
		if p > 0 {
			out = append(out, Route{To: t.To, Probability: p, Outcome: when})
		}
	}
	if len(out) == 0 {
		out = []Route{{To: svcflow.End, Probability: 1}}
	}
	return out
}

// calFitDist picks a distribution for durations in seconds (see Calibrate).
func calFitDist(x []float64) Dist {
	if len(x) == 0 {
		return Dist{Kind: DistFixed}
	}
	mean, sd := calMeanSD(x)
	switch {
	case sd == 0:
		return Dist{Kind: DistFixed, Mean: mean}
	case len(x) >= calEmpiricalMin:
		return Dist{Kind: DistEmpirical, Samples: calThin(x)}
	case mean > 0 && math.Abs(sd/mean-1) <= 0.2:
		return Dist{Kind: DistExponential, Mean: mean}
	}
	return Dist{Kind: DistLognormal, Mean: mean, SD: sd}
}

func calMeanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// calThin returns x sorted, or, when longer than calMaxSamples, calMaxSamples of its
// order statistics evenly spaced from the smallest to the largest.
func calThin(x []float64) []float64 {
	x = slices.Clone(x)
	slices.Sort(x)
	if len(x) <= calMaxSamples {
		return x
	}
	out := make([]float64, calMaxSamples)
	for i := range out {
		out[i] = x[i*(len(x)-1)/(calMaxSamples-1)]
	}
	return out
}

// note says in words how the model was calibrated and from what.
func (c *calibration) note(m *Model) string {
	day := func(ns int64) string { return time.Unix(0, ns).In(c.loc).Format("2006-01-02") }
	var b strings.Builder
	fmt.Fprintf(&b, "calibrated from %d items of stream %s, %s to %s; ", len(c.cases), c.s.ID, day(c.first), day(c.last))
	a := m.Work[0].Arrivals
	if a.Kind == ArrivalProfile {
		b.WriteString("arrivals follow the observed rate of each hour of the week; ")
	} else {
		fmt.Fprintf(&b, "arrivals Poisson at %.3g an hour; ", a.Rate*3600)
	}
	if c.delayOnly {
		b.WriteString("completion-only log: each step is modelled as a delay with no queue (its observed step lead time); capacity what-ifs are refused")
		return b.String()
	}
	fmt.Fprintf(&b, "%s timing: step service times are observed cycle times (their part within the team's hours), "+
		"waits come from the simulated queues and shifts, except wait while the team was at work with someone free, and time on hold, which precede each step as a delay; "+
		"people per team = the most visits active at once", c.vt.Timing)
	var teams []string
	for _, t := range m.Teams {
		s := fmt.Sprintf("%s %d", t.ID, t.People)
		if tf := c.teams[t.ID]; tf.on != nil {
			s += " (" + tf.on.String() + ")"
		}
		teams = append(teams, s)
	}
	if len(teams) > 0 {
		b.WriteString(" (" + strings.Join(teams, ", ") + ")")
	}
	b.WriteString("; shifts from the hours work started; routes from the observed transitions")
	return b.String()
}

// Hours of the week.

// calMondayEpoch is the first Monday after the Unix epoch, 1970-01-05, in
// nanoseconds: weeks are counted from it.
const (
	calMondayEpoch = 4 * 24 * int64(time.Hour)
	calHourNs      = int64(time.Hour)
	calWeekNs      = 168 * calHourNs
	// calMinStarts is how many starts of work a team needs before its
	// hours are read from them.
	calMinStarts = 50
)

// calLocalNanos returns t as nanoseconds of wall-clock time in loc.
func calLocalNanos(t int64, loc *time.Location) int64 {
	_, off := time.Unix(0, t).In(loc).Zone()
	return t + int64(off)*int64(time.Second)
}

// calHourOfWeek returns the hour of the week of t in loc, Monday 00:00 first.
func calHourOfWeek(t int64, loc *time.Location) int {
	lt := time.Unix(0, t).In(loc)
	return (int(lt.Weekday())+6)%7*24 + lt.Hour()
}

// calWeekHours is when a team works: the same hours on each of its days.
type calWeekHours struct {
	days       [7]bool // by time.Weekday
	start, end int     // hours of the day [start, end); end < start wraps past midnight
	on         [168]bool
	pre        [169]int64 // on-time before each hour of the week, ns
}

// calFitWeekHours reads a team's hours from when its work started (see
// Calibrate): nil when it works around the clock every day, or when there
// are too few starts to tell.
func calFitWeekHours(starts []int64, loc *time.Location) *calWeekHours {
	if len(starts) < calMinStarts {
		return nil
	}
	var byDay [7]float64
	var byHour [24]float64
	for _, t := range starts {
		lt := time.Unix(0, t).In(loc)
		byDay[lt.Weekday()]++
		byHour[lt.Hour()]++
	}
	on := func(x []float64) []bool {
		sum, k := 0.0, 0
		for _, v := range x {
			if v > 0 {
				sum += v
				k++
			}
		}
		out := make([]bool, len(x))
		for i, v := range x {
			out[i] = v > 0 && v >= calOnShare*sum/float64(k)
		}
		return out
	}
	days, hours := on(byDay[:]), on(byHour[:])
	// The working hours are the day less its longest run of idle hours
	// (counted round midnight), so a quiet lunch hour stays at work.
	bestLen, bestAt := 0, 0
	for i := range 24 {
		n := 0
		for n < 24 && !hours[(i+n)%24] {
			n++
		}
		if n > bestLen {
			bestLen, bestAt = n, i
		}
	}
	w := &calWeekHours{start: (bestAt + bestLen) % 24, end: bestAt}
	allDays := !slices.Contains(days, false)
	if bestLen == 0 && allDays {
		return nil
	}
	copy(w.days[:], days)
	for h := range 168 {
		wd := time.Weekday((h/24 + 1) % 7)
		hr := h % 24
		in := bestLen == 0 || (w.start < w.end && hr >= w.start && hr < w.end) ||
			(w.start >= w.end && (hr >= w.start || hr < w.end))
		w.on[h] = w.days[wd] && in
		w.pre[h+1] = w.pre[h]
		if w.on[h] {
			w.pre[h+1] += calHourNs
		}
	}
	if bestLen == 0 {
		w.start, w.end = 0, 24
	}
	return w
}

// cum returns the on-time from the Monday epoch to local time x.
func (w *calWeekHours) cum(x int64) int64 {
	r := x - calMondayEpoch
	k := r / calWeekNs
	if r < 0 && r%calWeekNs != 0 {
		k--
	}
	r -= k * calWeekNs
	h := r / calHourNs
	out := k*w.pre[168] + w.pre[h]
	if w.on[h] {
		out += r - h*calHourNs
	}
	return out
}

// between returns how much of [a, b) is working time.
func (w *calWeekHours) between(a, b int64, loc *time.Location) int64 {
	d := w.cum(calLocalNanos(b, loc)) - w.cum(calLocalNanos(a, loc))
	return min(max(d, 0), b-a)
}

// shifts returns the hours as model shifts with people at work.
func (w *calWeekHours) shifts(people int) []Shift {
	var days []int
	for d, on := range w.days {
		if on {
			days = append(days, d)
		}
	}
	hour := func(h int) float64 { return float64(h) * 3600 }
	if w.start < w.end {
		return []Shift{{Days: days, Start: hour(w.start), End: hour(w.end), People: people}}
	}
	// Round midnight: the evening and the morning of each working day.
	var out []Shift
	if w.start < 24 {
		out = append(out, Shift{Days: days, Start: hour(w.start), End: hour(24), People: people})
	}
	if w.end > 0 {
		out = append(out, Shift{Days: slices.Clone(days), Start: 0, End: hour(w.end), People: people})
	}
	return out
}

// String gives the hours as "Mon-Fri 08:00-18:00".
func (w *calWeekHours) String() string {
	var days []time.Weekday
	for d, on := range w.days {
		if on {
			days = append(days, time.Weekday(d))
		}
	}
	if w.start < w.end {
		return (&flow.BusinessHours{Days: days, Start: time.Duration(w.start) * time.Hour, End: time.Duration(w.end) * time.Hour}).String()
	}
	return (&flow.BusinessHours{Days: days, Start: time.Duration(w.start) * time.Hour, End: 24 * time.Hour}).String() +
		" and " + fmt.Sprintf("%02d:00-%02d:00", 0, w.end)
}
