package sim

import (
	"math"
	"slices"

	"github.com/svcflow/svcflow/internal/flow"

	"github.com/svcflow/svcflow"
)

// Report is what a run measured over its observation window, merged over
// the replications. Times are seconds of simulated time, floats are rounded
// to 9 significant digits, lists keep the model's order, and nothing in it
// depends on the wall clock or on how replications were scheduled: the same
// model and seed give the same JSON, byte for byte. A *_ci95 figure is the
// half-width of a 95 % confidence interval across replications (Student t,
// n − 1 degrees of freedom); it is null with one replication.
//
// Items arriving during the warm-up are simulated but not reported; time to
// resolve, SLA attainment and Items cover items that arrived in the window.
// Throughput, utilization and the per-step figures are rates and time
// averages of the window itself, whenever the items arrived.
type Report struct {
	Model        string  `json:"model,omitempty"`
	Seed         uint64  `json:"seed"`
	Replications int     `json:"replications"`
	WarmUp       float64 `json:"warm_up"`
	Horizon      float64 `json:"horizon"`
	// Events counts calendar events over all replications.
	Events int64 `json:"events"`
	// Arrived is the mean number of items arriving in the window.
	Arrived float64 `json:"arrived"`

	TimeToResolve TimeStats `json:"time_to_resolve"`
	// Classes has the time to resolve of each work class, in the model's
	// order: the overall figure mixes classes that may differ a lot.
	Classes []ClassReport `json:"classes"`
	// ThroughputPerHour is items resolved per hour of the window.
	ThroughputPerHour     float64  `json:"throughput_per_hour"`
	ThroughputPerHourCI95 *float64 `json:"throughput_per_hour_ci95"`
	// OpenItems is the mean number of items not yet resolved at the end.
	OpenItems     float64  `json:"open_items"`
	OpenItemsCI95 *float64 `json:"open_items_ci95"`
	// Little is SPEC §3's check on the whole system: items from arrival
	// to value.
	Little Little       `json:"little"`
	Teams  []TeamReport `json:"teams"`
	Steps  []StepReport `json:"steps"`
	SLA    []SLAReport  `json:"sla,omitempty"`

	// Runs are the replications, in order, for Go callers.
	Runs []*Replication `json:"-"`
}

// ClassReport is one work class's time to resolve.
type ClassReport struct {
	Class         string    `json:"class"`
	TimeToResolve TimeStats `json:"time_to_resolve"`
}

// TimeStats summarises the times to resolve: Count over all replications;
// the mean and percentiles (linear interpolation between order statistics)
// are the mean over replications of each replication's own.
type TimeStats struct {
	Count    int64    `json:"count"`
	Mean     float64  `json:"mean"`
	MeanCI95 *float64 `json:"mean_ci95"`
	P50      float64  `json:"p50"`
	P50CI95  *float64 `json:"p50_ci95"`
	P85      float64  `json:"p85"`
	P85CI95  *float64 `json:"p85_ci95"`
	P95      float64  `json:"p95"`
	P95CI95  *float64 `json:"p95_ci95"`
}

// Little is SPEC §3's Little's Law check over the window: L the
// time-average WIP, Lambda the departures per second, W the mean lead time
// of those departures, and Ratio = L ÷ (λW), null without departures. The
// ratio is 1 up to the work in progress at the window's two ends.
type Little struct {
	L      float64  `json:"l"`
	Lambda float64  `json:"lambda"`
	W      float64  `json:"w"`
	Ratio  *float64 `json:"ratio"`
	// QueueRatio is mean queue ÷ (λ × mean wait), for steps.
	QueueRatio *float64 `json:"queue_ratio,omitempty"`
}

// TeamReport is one team's utilization: busy person-time ÷ available
// person-time in the window.
type TeamReport struct {
	Team            string   `json:"team"`
	People          int      `json:"people"`
	Utilization     float64  `json:"utilization"`
	UtilizationCI95 *float64 `json:"utilization_ci95"`
}

// StepReport is one step of one class. Means of counts are time averages
// over the window (queue: queued visits; WIP: visits entered and not ended;
// in_progress: started and not ended); Visits, MeanWait, MeanCycle and
// MeanLead are over the visits that ended in the window, all replications
// pooled; the maxima are over the window of every replication.
type StepReport struct {
	Class          string  `json:"class"`
	Step           string  `json:"step"`
	Team           string  `json:"team,omitempty"`
	Visits         int64   `json:"visits"`
	MeanQueue      float64 `json:"mean_queue"`
	MeanWIP        float64 `json:"mean_wip"`
	MeanInProgress float64 `json:"mean_in_progress"`
	MaxQueue       int     `json:"max_queue"`
	MaxInProgress  int     `json:"max_in_progress"`
	MeanWait       float64 `json:"mean_wait"`
	MeanCycle      float64 `json:"mean_cycle"`
	MeanLead       float64 `json:"mean_lead"`
	Little         Little  `json:"little"`
}

// SLAReport is the share of resolved items of a priority resolved within
// its target.
type SLAReport struct {
	Priority       string   `json:"priority"`
	Target         float64  `json:"target"`
	Resolved       int64    `json:"resolved"`
	Met            int64    `json:"met"`
	Attainment     float64  `json:"attainment"`
	AttainmentCI95 *float64 `json:"attainment_ci95"`
}

// Replication is one replication's own figures, unrounded.
type Replication struct {
	Index         int
	Events        int64
	Arrived       int64
	TimeToResolve []float64 // of items arriving in the window, in resolution order
	// ClassTimeToResolve is TimeToResolve by work class.
	ClassTimeToResolve [][]float64
	Resolved           int64     // items resolved in the window
	Open               int       // items not resolved at the end
	Throughput         float64   // resolved per hour
	Utilization        []float64 // by team, NaN with no available time
	Steps              []StepRun // by step, as Report.Steps
	System             LittleRun // arrival to value
	SLAResolved        [6]int64  // by priority rank (index 1–5)
	SLAMet             [6]int64
	// Items are every item that arrived, warm-up included, in arrival
	// order (nil with RunOptions.SkipItems).
	Items []ItemResult
}

// StepRun is one step's figures in one replication.
type StepRun struct {
	Visits                             int64
	MeanQueue, MeanWIP, MeanInProgress float64
	MaxQueue, MaxInProgress            int
	Wait, Cycle, Lead                  float64 // sums over the visits
	Little                             LittleRun
}

// LittleRun is a Little's Law check in one replication: Ratio = L ÷ (λW),
// NaN without departures.
type LittleRun struct {
	L, Lambda, W, Ratio float64

	area, lead float64 // WIP area and the departures' summed lead time
	deps       int64
}

// ItemResult is one simulated item: its class, priority, arrival, and when
// it was resolved and reached value, if it did before the end.
type ItemResult struct {
	Class      string
	Priority   svcflow.Priority
	Arrival    float64
	Resolved   bool
	ResolvedAt float64
	Done       bool // reached value
	DoneAt     float64
	// Visits are the item's visits in order (RunOptions.Trace; nil
	// without it).
	Visits []Visit
}

// Visit is one visit of a traced item to a step: when it was entered,
// started and ended, the duration the run sampled for it (the service
// time with a team, the delay without one, 0 when auto-approved), and the
// route it left by. Started is -1 while the visit waits in its queue, and
// To is "" until it ends.
type Visit struct {
	Step                    string
	Entered, Started, Ended float64
	Duration                float64
	To                      string // the next step, or Value
	Outcome                 string // the route's outcome; "" when it names none
}

// splitByClass groups times by the class of each, keeping their order;
// with one class it shares the slice.
func splitByClass(t []float64, class []int32, n int) [][]float64 {
	out := make([][]float64, n)
	if n == 1 {
		out[0] = t
		return out
	}
	for i, v := range t {
		out[class[i]] = append(out[class[i]], v)
	}
	return out
}

// summary closes the replication's books at the end of the window.
func (r *run) summary() *Replication {
	c := r.c
	h := c.end - c.start
	for s := range r.steps {
		r.stepCount(int32(s), 0, 0)
	}
	for t := range r.teams {
		r.teamCount(int32(t), 0, r.teams[t].avail)
	}
	r.systemCount(0)
	rep := &Replication{
		Index: r.rep, Events: r.events, Arrived: r.arrivedWin,
		TimeToResolve: r.ttr, ClassTimeToResolve: splitByClass(r.ttr, r.ttrClass, len(r.c.classes)), Resolved: r.resolvedWin,
		Throughput: float64(r.resolvedWin) / h * 3600,
		Items:      r.results,
		System:     littleRun(r.areaSystem, h, r.valueDeps, r.valueLead),
	}
	for i := range r.items {
		// Free slots held items gone to value, all resolved.
		if !r.items[i].resolved {
			rep.Open++
		}
	}
	for t := range r.teams {
		ts := &r.teams[t]
		rep.Utilization = append(rep.Utilization, ts.areaBusy/ts.areaAvail)
	}
	for s := range r.steps {
		st := &r.steps[s]
		sr := StepRun{
			Visits: st.visits, MeanQueue: st.areaQueue / h, MeanWIP: (st.areaQueue + st.areaIP) / h,
			MeanInProgress: st.areaIP / h, MaxQueue: st.maxQueue, MaxInProgress: st.maxInProg,
			Wait: st.wait, Cycle: st.cycle, Lead: st.lead,
			Little: littleRun(st.areaQueue+st.areaIP, h, st.visits, st.lead),
		}
		rep.Steps = append(rep.Steps, sr)
	}
	copy(rep.SLAResolved[:], r.slaCount[:6])
	copy(rep.SLAMet[:], r.slaMet[:6])
	return rep
}

func littleRun(area, h float64, deps int64, lead float64) LittleRun {
	l := LittleRun{L: area / h, Lambda: float64(deps) / h, Ratio: math.NaN(), area: area, lead: lead, deps: deps}
	if deps > 0 {
		l.W = lead / float64(deps)
		l.Ratio = area / lead
	}
	return l
}

// merge builds the report from the replications, in their order.
// timeStats summarises times to resolve over replications: the count over
// all, and the mean and percentiles of each replication, averaged across
// replications with their 95 % half-widths.
func timeStats(reps []*Replication, times func(*Replication) []float64) TimeStats {
	var ts TimeStats
	type q4 struct{ mean, p50, p85, p95 float64 }
	qs := make([]q4, len(reps))
	for i, r := range reps {
		x := slices.Clone(times(r))
		ts.Count += int64(len(x))
		// Select the order statistics rather than sort: the runs can
		// resolve millions of items.
		qs[i] = q4{mean(x), selectQuantile(x, .5), selectQuantile(x, .85), selectQuantile(x, .95)}
	}
	pick := func(f func(q4) float64) (float64, *float64) {
		x := make([]float64, len(qs))
		for i := range qs {
			x[i] = f(qs[i])
		}
		return meanCI(x)
	}
	ts.Mean, ts.MeanCI95 = pick(func(q q4) float64 { return q.mean })
	ts.P50, ts.P50CI95 = pick(func(q q4) float64 { return q.p50 })
	ts.P85, ts.P85CI95 = pick(func(q q4) float64 { return q.p85 })
	ts.P95, ts.P95CI95 = pick(func(q q4) float64 { return q.p95 })
	return ts
}

func merge(c *compiled, reps []*Replication) *Report {
	m := c.m
	n := len(reps)
	h := c.end - c.start
	rp := &Report{Model: m.Name, Seed: m.Seed, Replications: n, WarmUp: r9(m.WarmUp), Horizon: r9(m.Horizon), Runs: reps}
	each := func(f func(*Replication) float64) (float64, *float64) {
		x := make([]float64, n)
		for i, r := range reps {
			x[i] = f(r)
		}
		return meanCI(x)
	}
	var arrived float64
	for _, r := range reps {
		rp.Events += r.Events
		arrived += float64(r.Arrived)
	}
	rp.Arrived = r9(arrived / float64(n))
	rp.TimeToResolve = timeStats(reps, func(r *Replication) []float64 { return r.TimeToResolve })
	rp.Classes = []ClassReport{}
	for k, cl := range c.classes {
		rp.Classes = append(rp.Classes, ClassReport{Class: cl.id,
			TimeToResolve: timeStats(reps, func(r *Replication) []float64 { return r.ClassTimeToResolve[k] })}) // one class's times
	}

	rp.ThroughputPerHour, rp.ThroughputPerHourCI95 = each(func(r *Replication) float64 { return r.Throughput })
	rp.OpenItems, rp.OpenItemsCI95 = each(func(r *Replication) float64 { return float64(r.Open) })

	var sys struct {
		area, lead float64
		deps       int64
	}
	for _, r := range reps {
		sys.area += r.System.area
		sys.lead += r.System.lead
		sys.deps += r.System.deps
	}
	rp.Little = pooledLittle(sys.area, sys.lead, sys.deps, h*float64(n))

	rp.Teams = []TeamReport{}
	for t, ct := range c.teams {
		tr := TeamReport{Team: ct.id, People: ct.people}
		tr.Utilization, tr.UtilizationCI95 = each(func(r *Replication) float64 { return r.Utilization[t] })
		rp.Teams = append(rp.Teams, tr)
	}
	rp.Steps = []StepReport{}
	for s, cs := range c.steps {
		sr := StepReport{Class: c.classes[cs.class].id, Step: cs.id}
		if cs.team >= 0 {
			sr.Team = c.teams[cs.team].id
		}
		var area, areaQ, areaIP, wait, cycle, lead float64
		for _, r := range reps {
			x := &r.Steps[s]
			sr.Visits += x.Visits
			sr.MaxQueue = max(sr.MaxQueue, x.MaxQueue)
			sr.MaxInProgress = max(sr.MaxInProgress, x.MaxInProgress)
			area += x.Little.area
			areaQ += x.MeanQueue * h
			areaIP += x.MeanInProgress * h
			wait += x.Wait
			cycle += x.Cycle
			lead += x.Lead
		}
		total := h * float64(n)
		sr.MeanQueue, sr.MeanWIP, sr.MeanInProgress = r9(areaQ/total), r9(area/total), r9(areaIP/total)
		if sr.Visits > 0 {
			v := float64(sr.Visits)
			sr.MeanWait, sr.MeanCycle, sr.MeanLead = r9(wait/v), r9(cycle/v), r9(lead/v)
		}
		sr.Little = pooledLittle(area, lead, sr.Visits, total)
		if sr.Visits > 0 && wait > 0 {
			sr.Little.QueueRatio = ptr(r9(areaQ / wait))
		}
		rp.Steps = append(rp.Steps, sr)
	}

	if c.hasSLA {
		for rank := 1; rank <= 5; rank++ {
			if c.sla[rank] < 0 {
				continue
			}
			sl := SLAReport{Priority: string(priorities[rank]), Target: r9(c.sla[rank])}
			for _, r := range reps {
				sl.Resolved += r.SLAResolved[rank]
				sl.Met += r.SLAMet[rank]
			}
			if sl.Resolved == 0 {
				continue
			}
			sl.Attainment = r9(float64(sl.Met) / float64(sl.Resolved))
			x := make([]float64, 0, n)
			for _, r := range reps {
				if r.SLAResolved[rank] > 0 {
					x = append(x, float64(r.SLAMet[rank])/float64(r.SLAResolved[rank]))
				}
			}
			_, sl.AttainmentCI95 = meanCI(x)
			rp.SLA = append(rp.SLA, sl)
		}
	}
	return rp
}

// pooledLittle is the Little's Law check over replications pooled: L ÷
// (λW) = total WIP area ÷ total lead of the departures.
func pooledLittle(area, lead float64, deps int64, span float64) Little {
	l := Little{L: r9(area / span), Lambda: r9(float64(deps) / span)}
	if deps > 0 {
		l.W = r9(lead / float64(deps))
		if lead > 0 {
			l.Ratio = ptr(r9(area / lead))
		}
	}
	return l
}

func ptr(v float64) *float64 { return &v }

// meanCI returns the mean of x and the half-width of its 95 % confidence
// interval (Student t), nil for fewer than two values; both rounded. NaNs
// (no data in a replication) are left out.
func meanCI(x []float64) (float64, *float64) {
	y := x[:0:0]
	for _, v := range x {
		if !math.IsNaN(v) {
			y = append(y, v)
		}
	}
	if len(y) == 0 {
		return 0, nil
	}
	m := mean(y)
	if len(y) < 2 {
		return r9(m), nil
	}
	ss := 0.0
	for _, v := range y {
		ss += (v - m) * (v - m)
	}
	n := float64(len(y))
	sd := math.Sqrt(ss / (n - 1))
	return r9(m), ptr(r9(flow.StudentT975(len(y)-1) * sd / math.Sqrt(n)))
}

// Mean is the arithmetic mean of x; NaN when x is empty.
func Mean(x []float64) float64 { return mean(x) }

// Quantile interpolates linearly between the order statistics of x, as
// the simulator's reports do (type 7); NaN when empty. x is left as is.
func Quantile(x []float64, p float64) float64 { return selectQuantile(slices.Clone(x), p) }

func mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// selectQuantile interpolates linearly between the order statistics of x
// (type 7, as internal/flow reports); NaN when empty. It reorders x.
func selectQuantile(x []float64, p float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	h := p * float64(n-1)
	i := int(h)
	lo := selectNth(x, i)
	if i+1 >= n {
		return lo
	}
	// The next order statistic is the least of those above position i.
	hi := x[i+1]
	for _, v := range x[i+2:] {
		hi = min(hi, v)
	}
	return lo + (h-float64(i))*(hi-lo)
}

// selectNth reorders x so that x[k] is its k-th smallest value, with no
// larger value before it and no smaller after, and returns x[k]
// (Hoare's selection with a median-of-three pivot).
func selectNth(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	for hi > lo {
		mid := int(uint(lo+hi) >> 1)
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		pivot := x[mid]
		i, j := lo, hi
		for i <= j {
			for x[i] < pivot {
				i++
			}
			for x[j] > pivot {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return x[k]
		}
	}
	return x[k]
}

// r9 rounds v to 9 significant digits, the precision of every figure of a
// report (as internal/flow's): more would only show the last bits of a sum.
func r9(v float64) float64 { return round9(v) }

func round9(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	shift := 8 - int(math.Floor(math.Log10(math.Abs(v))))
	if shift > 300 || shift < -300 {
		return v
	}
	if shift >= 0 {
		p := math.Pow10(shift)
		return math.Round(v*p) / p
	}
	p := math.Pow10(-shift)
	return math.Round(v/p) * p
}
