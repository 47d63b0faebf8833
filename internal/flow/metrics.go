package flow

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// Metrics is what Measure finds in a log, in the JSON shape that
// `svcflow analyze --json` writes. Every duration is in seconds, every
// time RFC 3339, and a number the log's timing kind cannot give is null,
// never 0. Lists are sorted so that the same log gives the same bytes.
type Metrics struct {
	Timing        Timing `json:"timing"`
	Cases         int    `json:"cases"`
	Events        int    `json:"events"`
	DuplicateRows int    `json:"duplicate_rows"`
	Activities    int    `json:"activities"` // distinct activities in the log
	Resources     int    `json:"resources"`  // distinct resources in the log
	FirstEvent    string `json:"first_event"`
	LastEvent     string `json:"last_event"`
	AsOf          string `json:"as_of"`

	ItemTime    ItemTime      `json:"item_time"`
	ItemTimes   ItemTimes     `json:"item_times"`
	Steps       []StepMetrics `json:"steps"`
	Windows     Windows       `json:"windows"`
	Little      Little        `json:"little"`
	Handoffs    Handoffs      `json:"handoffs"`
	Rework      Rework        `json:"rework"`
	Utilization *Utilization  `json:"utilization"` // null unless active time is known
	Bottlenecks Bottlenecks   `json:"bottlenecks"`
	SLA         *SLA          `json:"sla"` // null without SLA targets
	Outcome     Outcome       `json:"outcome"`
	Flow        FlowView      `json:"flow"`
}

// ItemTime is the item-level time of the finished cases: time_to_resolve
// (created → first resolution) when the log's resolution point is known,
// else case_duration (first → last event), measured over cases that ended.
type ItemTime struct {
	Measure string `json:"measure"` // "time_to_resolve" or "case_duration"
	Stats
	// Unresolved counts cases without an item time: never resolved, or
	// for case_duration, still open at as_of.
	Unresolved int `json:"unresolved"`
	// Histogram counts the cases with an item time by its length.
	Histogram *Histogram `json:"histogram"`
}

// The item time measures.
const (
	MeasureTimeToResolve = "time_to_resolve"
	MeasureCaseDuration  = "case_duration"
)

// StepMetrics are the metrics of one activity (a step of the stream)
// over its visits. Lead, wait, cycle and blocked count visits that ended;
// WIP, in_progress and queue are counts at as_of, and the means are time
// averages over the log's span (first event to as_of).
type StepMetrics struct {
	Activity string `json:"activity"`
	// Team is the team most of its visits were worked by ("" unknown).
	Team       string `json:"team,omitempty"`
	Visits     int    `json:"visits"`
	Arrivals   int    `json:"arrivals"`   // visits with a known entry
	Departures int    `json:"departures"` // visits that ended, every way
	Lead       *Stats `json:"lead"`
	Wait       *Stats `json:"wait"`
	Cycle      *Stats `json:"cycle"`
	Blocked    *Stats `json:"blocked"`
	// FlowEfficiency is Σ cycle ÷ Σ lead over the visits that ended.
	FlowEfficiency *float64 `json:"flow_efficiency"`
	ReworkVisits   int      `json:"rework_visits"`
	WIP            *int     `json:"wip"`
	InProgress     *int     `json:"in_progress"`
	Queue          *int     `json:"queue"`
	MeanWIP        *float64 `json:"mean_wip"`
	MeanInProgress *float64 `json:"mean_in_progress"`
	MeanQueue      *float64 `json:"mean_queue"`
}

// FlowView is the Flow Framework view of the items.
type FlowView struct {
	// Velocity is the mean number of items finished per window; the
	// windows' throughput is the series.
	Velocity *float64 `json:"velocity"`
	// Time is the item time (the same numbers as item_time).
	Time Stats `json:"time"`
	// Load is the time-average number of items in progress over the span.
	Load *float64 `json:"load"`
	// Efficiency is the mean over finished items of the length of the
	// union of their active intervals ÷ their item time; null without
	// active time.
	Efficiency *float64 `json:"efficiency"`
	// Distribution is the share of items of each kind; null when the log
	// has no kind attribute.
	Distribution []KindShare `json:"distribution"`
}

// KindShare is one kind of work in the flow distribution.
type KindShare struct {
	Kind  string  `json:"kind"`
	Items int     `json:"items"`
	Share float64 `json:"share"`
}

// run holds what the analyses of one Measure call share.
type run struct {
	l      *eventlog.Log
	opt    Options
	timing Timing
	loc    *time.Location
	asOf   int64
	first  int64 // first event
	last   int64 // last event

	acts  []uint32 // activity string index per dense activity, by name
	actOf []int32  // string index → dense activity, -1 for none

	resolvedAct []bool   // string index → resolves a case; nil without a resolution point
	stateCls    []int8   // string index → state class, state timing only
	teamEv      []uint32 // team per event (string index)

	v *visits

	// Per case.
	start    []int64 // first event
	lastEv   []int64 // last event
	resolve  []int64 // first resolution, NoTime if none
	itemEnd  []int64 // resolution (or end for case_duration), NoTime if none
	wipEnd   []int64 // when the item leaves WIP: itemEnd, else as_of while open, else its last event
	open     []bool  // open at as_of, nil when unknowable (completion timing without a resolution point)
	reopened []uint16
	flow     caseFlow
}

// newRun reads l's visits and item times under opt: what every analysis
// of Measure starts from.
func newRun(l *eventlog.Log, opt Options) (*run, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if l.Events() == 0 {
		return nil, errors.New("the log has no events")
	}
	r := &run{l: l, opt: opt, loc: opt.Location}
	if r.loc == nil {
		r.loc = time.UTC
	}
	var err error
	if r.timing, err = chooseTiming(l, opt.Timing); err != nil {
		return nil, err
	}
	r.first, r.last = l.Time[0], l.Time[0]
	for _, t := range l.Time {
		r.first, r.last = min(r.first, t), max(r.last, t)
	}
	r.asOf = max(opt.AsOf, r.last)
	r.indexActivities()
	if len(opt.ResolvedActivities) > 0 {
		r.resolvedAct = make([]bool, len(l.Strings))
		found := false
		for i, s := range l.Strings {
			if i > 0 && slices.Contains(opt.ResolvedActivities, s) {
				r.resolvedAct[i], found = true, true
			}
		}
		if !found && !opt.ResolvedOptional {
			return nil, fmt.Errorf("no event has a resolved activity (%q)", opt.ResolvedActivities)
		}
	}
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
	r.caseTimes()
	return r, nil
}

// Measure computes the SPEC §3 metrics of l. It fails when the options are
// invalid, the log is empty, or the states mapping misses a state of a
// state-timed log.
func Measure(l *eventlog.Log, opt Options) (*Metrics, error) {
	r, err := newRun(l, opt)
	if err != nil {
		return nil, err
	}
	m := &Metrics{
		Timing:        r.timing,
		Cases:         l.Cases(),
		Events:        l.Events(),
		DuplicateRows: l.DuplicateRows,
		Activities:    len(r.acts),
		Resources:     countDistinct(l.Resource, len(l.Strings)),
		FirstEvent:    utc(r.first),
		LastEvent:     utc(r.last),
		AsOf:          utc(r.asOf),
	}
	// The per-step statistics are the heaviest part; they run beside the
	// item-level analyses, each writing its own fields of m.
	var wg sync.WaitGroup
	var steps []stepAcc
	wg.Go(func() { steps = r.stepMetrics(m) })
	var win *windowSeries
	var werr error
	func() {
		m.ItemTime = r.itemTime()
		m.ItemTimes = r.itemTimes()
		win, werr = r.windows()
		if werr != nil {
			return
		}
		m.Handoffs, m.Rework = r.handoffsRework()
		m.Outcome = r.outcome(m.Rework)
		m.Outcome.Satisfaction = r.satisfaction()
		m.SLA = r.sla()
	}()
	wg.Wait()
	if werr != nil {
		return nil, werr
	}
	m.Windows = win.json(r)
	m.Little = r.little()
	util := r.utilization()
	m.Utilization = util.json(r)
	m.Bottlenecks = r.bottlenecks(steps, util, win)
	m.Flow = r.flowView(m, win)
	return m, nil
}

func utc(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

func countDistinct(xs []uint32, n int) int {
	seen := make([]bool, n)
	k := 0
	for _, x := range xs {
		if x != 0 && !seen[x] {
			seen[x] = true
			k++
		}
	}
	return k
}

// indexActivities numbers the log's activities densely, by name.
func (r *run) indexActivities() {
	l := r.l
	r.actOf = make([]int32, len(l.Strings))
	for _, a := range l.Activity {
		r.actOf[a] = 1
	}
	for i, seen := range r.actOf {
		if seen == 1 {
			r.acts = append(r.acts, uint32(i))
		}
	}
	slices.SortFunc(r.acts, func(a, b uint32) int { return cmp.Compare(l.Strings[a], l.Strings[b]) })
	for i := range r.actOf {
		r.actOf[i] = -1
	}
	for d, a := range r.acts {
		r.actOf[a] = int32(d)
	}
}

// teamPerEvent returns the team of each event: the team attribute (an
// event column, or a case column repeated), else the resource itself.
func (r *run) teamPerEvent() []uint32 {
	if r.teamEv != nil {
		return r.teamEv
	}
	l := r.l
	name := r.opt.TeamAttr
	if name == "" {
		name = "org:group"
	}
	switch {
	case l.EventAttr(name) != nil:
		r.teamEv = l.EventAttr(name).Values
	case l.CaseAttr(name) != nil:
		col := l.CaseAttr(name).Values
		r.teamEv = make([]uint32, l.Events())
		for c := range l.CaseID {
			from, to := l.Case(c)
			for i := from; i < to; i++ {
				r.teamEv[i] = col[c]
			}
		}
	default:
		r.teamEv = l.Resource
	}
	return r.teamEv
}

// caseAttr returns the value per case of a case attribute, or of an event
// attribute at the first event of the case that has one; nil if the log
// has neither.
func (r *run) caseAttr(name string) []uint32 {
	l := r.l
	if col := l.CaseAttr(name); col != nil {
		return col.Values
	}
	col := l.EventAttr(name)
	if col == nil {
		return nil
	}
	out := make([]uint32, l.Cases())
	for c := range l.CaseID {
		from, to := l.Case(c)
		for i := from; i < to; i++ {
			if v := col.Values[i]; v != 0 {
				out[c] = v
				break
			}
		}
	}
	return out
}

// caseTimes finds each case's start, resolution, end and whether it is
// open at as_of.
//
// The resolution is the first event of a resolved activity (in lifecycle
// timing, its complete, or an event without a transition); a later one
// after some other event is a reopen. A case is open at as_of when it is
// not resolved and, in state timing, its last state is not done; in
// lifecycle timing without a resolution point, when it has a visit still
// open. Completion timing without a resolution point cannot tell an open
// case from a finished one: every case counts as finished at its last
// event, and the backlog is unknown.
func (r *run) caseTimes() {
	l, v := r.l, r.v
	n := l.Cases()
	r.start, r.lastEv = make([]int64, n), make([]int64, n)
	r.resolve, r.itemEnd, r.wipEnd = make([]int64, n), make([]int64, n), make([]int64, n)
	r.reopened = make([]uint16, n)
	knowOpen := r.resolvedAct != nil || r.timing != TimingCompletion
	if knowOpen {
		r.open = make([]bool, n)
	}
	for c := range n {
		from, to := l.Case(c)
		r.start[c], r.lastEv[c] = l.Time[from], l.Time[to-1]
		res := int64(eventlog.NoTime)
		if r.resolvedAct != nil {
			other := false
			for i := from; i < to; i++ {
				a := l.Activity[i]
				if !r.resolvedAct[a] {
					other = true
					continue
				}
				if l.Phase != nil && r.timing == TimingLifecycle {
					if p := l.Phase[i]; p != eventlog.PhaseComplete && p != eventlog.PhaseNone {
						continue
					}
				}
				if res == eventlog.NoTime {
					res = l.Time[i]
				} else if other && r.reopened[c] < 65535 {
					r.reopened[c]++
				}
				other = false
			}
		}
		r.resolve[c] = res
		open := false
		switch {
		case res != eventlog.NoTime:
		case r.timing == TimingState:
			open = r.stateCls[l.Activity[to-1]] != stDone
		case r.timing == TimingLifecycle && r.resolvedAct == nil:
			for k := v.off[c]; k < v.off[c+1]; k++ {
				if v.ended[k] == eventlog.NoTime {
					open = true
					break
				}
			}
		case r.resolvedAct != nil:
			open = !slices.Contains(r.opt.EndedActivities, l.Strings[l.Activity[to-1]])
		}
		if r.open != nil {
			r.open[c] = open
		}
		switch {
		case r.resolvedAct != nil:
			r.itemEnd[c] = res
		case open:
			r.itemEnd[c] = eventlog.NoTime
		default:
			r.itemEnd[c] = r.lastEv[c]
		}
		switch {
		case r.itemEnd[c] != eventlog.NoTime:
			r.wipEnd[c] = r.itemEnd[c]
		case open:
			r.wipEnd[c] = r.asOf
		default:
			r.wipEnd[c] = r.lastEv[c]
		}
	}
}

func (r *run) measureName() string {
	if r.resolvedAct != nil {
		return MeasureTimeToResolve
	}
	return MeasureCaseDuration
}

// itemTime summarises the item time of the cases that have one.
func (r *run) itemTime() ItemTime {
	d := make([]int64, 0, r.l.Cases())
	for c, e := range r.itemEnd {
		if e != eventlog.NoTime {
			d = append(d, e-r.start[c])
		}
	}
	h := newHistogram(d)
	return ItemTime{Measure: r.measureName(), Stats: *nsStats(d), Unresolved: r.l.Cases() - len(d), Histogram: h}
}

// stepAcc is what the bottleneck ranking needs of a step besides its JSON.
type stepAcc struct {
	act     int // dense activity
	team    uint32
	waitSum float64 // wait of the visits up to the resolution point (open ones up to as_of)
	leadSum float64 // lead of the ended visits up to the resolution point
	upTo    int     // visits counted in the sums
	p85Wait *float64
}

// stepMetrics fills m.Steps, a pass over the visits that buckets the
// durations of each activity into one preallocated array for the
// percentiles.
func (r *run) stepMetrics(m *Metrics) []stepAcc {
	v, nAct := r.v, len(r.acts)
	type acc struct {
		visits, arrivals, departures, rework int
		wip, inProgress, queue               int
		// Sums of nanoseconds over many visits overflow int64 (a million
		// visits of a day each), so they are float64.
		wipNs, inProgressNs, queueNs float64
		leadSum, cycleSum            float64
		leads                        int // ended visits with a lead
	}
	accs := make([]acc, nAct)
	states := v.hasStates()
	seen := make([]int32, nAct) // case+1 that last visited each activity
	acc0 := make([]stepAcc, nAct)
	for a := range acc0 {
		acc0[a].act = a
	}
	for c := range r.l.Cases() {
		prev := int32(-1)
		res := r.resolve[c]
		for i := int(v.off[c]); i < int(v.off[c+1]); i++ {
			a := r.actOf[v.act[i]]
			s := &accs[a]
			s.visits++
			if seen[a] == int32(c+1) && prev != a {
				s.rework++
			}
			seen[a], prev = int32(c+1), a
			entered, ended := v.entered[i], v.ended[i]
			end := ended
			if end == eventlog.NoTime {
				end = r.asOf
			}
			if entered != eventlog.NoTime {
				s.arrivals++
				s.wipNs += float64(end - entered)
			}
			upToResolution := res == eventlog.NoTime || (ended != eventlog.NoTime && ended <= res)
			if upToResolution {
				acc0[a].upTo++
			}
			if ended != eventlog.NoTime {
				s.departures++
				if entered != eventlog.NoTime {
					s.leads++
					s.leadSum += float64(ended - entered)
					if upToResolution {
						acc0[a].leadSum += float64(ended - entered)
					}
				}
			} else if states {
				s.wip++
				if v.started[i] != eventlog.NoTime {
					s.inProgress++
				}
				if v.state[i] == stQueued {
					s.queue++
				}
			}
			if states {
				if v.started[i] != eventlog.NoTime {
					s.inProgressNs += float64(end - v.started[i])
				}
				s.queueNs += float64(v.wait[i])
				if ended != eventlog.NoTime {
					s.cycleSum += float64(v.cycle[i])
				}
				if upToResolution {
					acc0[a].waitSum += float64(v.wait[i])
				}
			}
		}
	}
	// Bucket the durations of ended visits by activity.
	offs := make([]int, nAct+1)
	for a := range accs {
		offs[a+1] = offs[a] + accs[a].leads
	}
	buf := make([]int64, offs[nAct])
	fill := func(val func(i int) int64) {
		next := slices.Clone(offs[:nAct])
		for i := range v.len() {
			if v.ended[i] == eventlog.NoTime || v.entered[i] == eventlog.NoTime {
				continue
			}
			a := r.actOf[v.act[i]]
			buf[next[a]] = val(i)
			next[a]++
		}
	}
	stats := func() []*Stats {
		out := make([]*Stats, nAct)
		for a := range out {
			out[a] = nsStats(buf[offs[a]:offs[a+1]])
		}
		return out
	}
	fill(func(i int) int64 { return v.ended[i] - v.entered[i] })
	lead := stats()
	var wait, cycle, blocked []*Stats
	if states {
		fill(func(i int) int64 { return v.wait[i] })
		wait = stats()
		fill(func(i int) int64 { return v.cycle[i] })
		cycle = stats()
		fill(func(i int) int64 { return v.blocked[i] })
		blocked = stats()
	}
	teams := r.activityTeams()
	span := float64(r.asOf - r.first)
	m.Steps = make([]StepMetrics, 0, nAct)
	for a, s := range accs {
		if s.visits == 0 {
			continue
		}
		acc0[a].team = teams[a]
		st := StepMetrics{
			Activity:     r.l.Strings[r.acts[a]],
			Team:         r.l.Strings[teams[a]],
			Visits:       s.visits,
			Arrivals:     s.arrivals,
			Departures:   s.departures,
			Lead:         lead[a],
			ReworkVisits: s.rework,
			MeanWIP:      ratio(s.wipNs, span),
		}
		if states {
			st.Wait, st.Cycle, st.Blocked = wait[a], cycle[a], blocked[a]
			st.FlowEfficiency = ratio(s.cycleSum, s.leadSum)
			st.WIP, st.InProgress, st.Queue = &s.wip, &s.inProgress, &s.queue
			st.MeanInProgress = ratio(s.inProgressNs, span)
			st.MeanQueue = ratio(s.queueNs, span)
			acc0[a].p85Wait = wait[a].P85
		}
		m.Steps = append(m.Steps, st)
	}
	return acc0
}

// activityTeams returns the team most visits of each activity were worked
// by (ties to the team named first), 0 when none is known. Teams are
// counted in a dense activity × team table when it is small, else a map.
func (r *run) activityTeams() []uint32 {
	v, nAct := r.v, len(r.acts)
	teamIdx := make([]int32, len(r.l.Strings))
	var teams []uint32
	for _, t := range v.team {
		if t != 0 && teamIdx[t] == 0 {
			teams = append(teams, t)
			teamIdx[t] = int32(len(teams))
		}
	}
	out := make([]uint32, nAct)
	if len(teams) == 0 {
		return out
	}
	count := func(yield func(a, t int, n int)) {
		if nAct*len(teams) <= 1<<22 {
			tab := make([]int32, nAct*len(teams))
			for i, t := range v.team {
				if t != 0 {
					tab[int(r.actOf[v.act[i]])*len(teams)+int(teamIdx[t])-1]++
				}
			}
			for a := range nAct {
				for k := range teams {
					if n := tab[a*len(teams)+k]; n > 0 {
						yield(a, k, int(n))
					}
				}
			}
			return
		}
		tab := map[[2]int32]int{}
		for i, t := range v.team {
			if t != 0 {
				tab[[2]int32{r.actOf[v.act[i]], teamIdx[t] - 1}]++
			}
		}
		for k, n := range tab {
			yield(int(k[0]), int(k[1]), n)
		}
	}
	best := make([]int, nAct)
	count(func(a, k, n int) {
		t := teams[k]
		if n > best[a] || n == best[a] && r.l.Strings[t] < r.l.Strings[out[a]] {
			best[a], out[a] = n, t
		}
	})
	return out
}

// flowView is the Flow Framework view.
func (r *run) flowView(m *Metrics, win *windowSeries) FlowView {
	f := FlowView{Time: m.ItemTime.Stats}
	if n := len(win.bounds) - 1; n > 0 {
		total := 0
		for _, t := range win.throughput {
			total += t
		}
		f.Velocity = num(float64(total) / float64(n))
	}
	var load float64
	for c := range r.l.Cases() {
		load += float64(r.wipEnd[c] - r.start[c])
	}
	f.Load = ratio(load, float64(r.asOf-r.first))
	if r.v.hasStates() {
		f.Efficiency = r.itemEfficiency()
	}
	kindName := r.opt.KindAttr
	if kindName == "" {
		kindName = "kind"
	}
	if kinds := r.caseAttr(kindName); kinds != nil {
		counts := map[uint32]int{}
		for _, k := range kinds {
			counts[k]++
		}
		f.Distribution = []KindShare{}
		for k, n := range counts {
			f.Distribution = append(f.Distribution, KindShare{Kind: r.l.Strings[k], Items: n, Share: round9(float64(n) / float64(len(kinds)))})
		}
		slices.SortFunc(f.Distribution, func(a, b KindShare) int { return cmp.Compare(a.Kind, b.Kind) })
	}
	return f
}

// itemEfficiency is the mean, over items with an item time, of the union
// of their active intervals (within the item time) ÷ the item time.
func (r *run) itemEfficiency() *float64 {
	seg := &r.v.seg
	// Active segments by case: segments come in case order, since visits do.
	var sum float64
	n := 0
	var iv [][2]int64
	k := 0
	for c := range r.l.Cases() {
		iv = iv[:0]
		for ; k < len(seg.visit) && int(seg.visit[k]) < int(r.v.off[c+1]); k++ {
			if seg.state[k] == stActive {
				iv = append(iv, [2]int64{seg.from[k], seg.to[k]})
			}
		}
		end := r.itemEnd[c]
		if end == eventlog.NoTime || end <= r.start[c] {
			continue
		}
		slices.SortFunc(iv, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
		var union, reach int64 = 0, r.start[c]
		for _, x := range iv {
			from, to := max(x[0], reach), min(x[1], end)
			if to > from {
				union += to - from
				reach = to
			}
		}
		sum += float64(union) / float64(end-r.start[c])
		n++
	}
	return ratio(sum, float64(n))
}
