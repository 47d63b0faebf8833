package flow

import (
	"cmp"
	"slices"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// Handoffs counts work passing between people or teams (SPEC §3): from a
// visit to the next visit of the case (another step, or the same step
// again), or within a visit at a requeue, when the two are worked by
// different teams or different people. A team or person that is unknown
// on either side is not a difference. In lifecycle timing a requeue is a
// handoff when the visit is next started by someone other than who worked
// it before.
type Handoffs struct {
	Count        int      `json:"count"`
	Items        int      `json:"items"`         // items with at least one handoff
	TransferRate *float64 `json:"transfer_rate"` // handoffs per item
}

// Rework counts returns to a step after a different one, and reopens: a
// resolved activity occurring again after resolution, with some other
// event between. First-time-right and the reopen rate are shares of the
// items that finished (resolved, or ended for case_duration).
type Rework struct {
	Visits         int      `json:"visits"` // visits returning to a step after a different one
	Items          int      `json:"items"`  // items with a rework visit or a reopen
	FirstTimeRight *float64 `json:"first_time_right"`
	Reopens        int      `json:"reopens"`
	ReopenedItems  int      `json:"reopened_items"`
	ReopenRate     *float64 `json:"reopen_rate"` // null without a resolution point
}

// Outcome holds the outcome metrics the log supports.
type Outcome struct {
	// FCR is first contact resolution: finished items with no handoff or
	// reopen up to their resolution, resolved by the team that first
	// worked them (SPEC §3).
	FCR        Share    `json:"fcr"`
	ReopenRate *float64 `json:"reopen_rate"`
	// Backlog ages the cases open at as_of; null when the log cannot tell
	// open cases (completion timing without a resolution point).
	Backlog *Backlog `json:"backlog"`
	// Groups break item time down by the values of each GroupBy attribute.
	Groups []Group `json:"groups"`
	// Satisfaction is null when the log has no score attribute.
	Satisfaction *Satisfaction `json:"satisfaction"`
}

// Share is a count out of a total.
type Share struct {
	Count int      `json:"count"`
	Of    int      `json:"of"`
	Rate  *float64 `json:"rate"`
}

// Backlog is the age, from the first event, of the cases open at as_of.
type Backlog struct {
	Open    int         `json:"open"`
	Buckets []AgeBucket `json:"buckets"`
}

// AgeBucket is one age range: [from, to).
type AgeBucket struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Group is the breakdown by one attribute.
type Group struct {
	Attribute string       `json:"attribute"`
	Values    []GroupValue `json:"values"`
}

// GroupValue is the item time of the cases with one value ("" for cases
// without the attribute).
type GroupValue struct {
	Value    string   `json:"value"`
	Cases    int      `json:"cases"`
	Finished int      `json:"finished"` // cases with an item time
	Mean     *float64 `json:"mean"`
	P85      *float64 `json:"p85"`
}

// caseFlow is what handoffsRework learns per case for the outcome metrics.
type caseFlow struct {
	handoffsToEnd []uint16 // handoffs among the visits up to the item's end
	firstTeam     []uint32
	endTeam       []uint32 // the team of the last visit ending by the item's end
}

// differ reports whether visits i and j were worked by different teams or
// different people, as far as the log tells.
func (v *visits) differ(i, j int) bool {
	if ti, tj := v.team[i], v.team[j]; ti != 0 && tj != 0 && ti != tj {
		return true
	}
	pi, pj := v.person[i], v.person[j]
	return pi != 0 && pj != 0 && pi != pj
}

func (r *run) handoffsRework() (Handoffs, Rework) {
	v, l := r.v, r.l
	n := l.Cases()
	var h Handoffs
	var rw Rework
	cf := caseFlow{handoffsToEnd: make([]uint16, n), firstTeam: make([]uint32, n), endTeam: make([]uint32, n)}
	seen := make([]int32, len(r.acts))
	finished, ftr, resolved := 0, 0, 0
	for c := range n {
		from, to := int(v.off[c]), int(v.off[c+1])
		end := r.itemEnd[c]
		count, toEnd, rework := 0, 0, 0
		prev := int32(-1)
		for i := from; i < to; i++ {
			a := r.actOf[v.act[i]]
			if seen[a] == int32(c+1) && prev != a {
				rework++
			}
			seen[a], prev = int32(c+1), a
			byEnd := end != eventlog.NoTime && v.ended[i] != eventlog.NoTime && v.ended[i] <= end
			k := 0
			if i > from && v.differ(i-1, i) {
				k++
			}
			if v.requeueHandoffs != nil {
				k += int(v.requeueHandoffs[i])
			}
			count += k
			if byEnd {
				toEnd += k
				cf.endTeam[c] = v.team[i]
				if cf.endTeam[c] == 0 {
					cf.endTeam[c] = v.person[i]
				}
			}
		}
		if from < to {
			cf.firstTeam[c] = v.team[from]
			if cf.firstTeam[c] == 0 {
				cf.firstTeam[c] = v.person[from]
			}
		}
		cf.handoffsToEnd[c] = uint16(min(toEnd, 65535))
		h.Count += count
		if count > 0 {
			h.Items++
		}
		rw.Visits += rework
		if rework > 0 || r.reopened[c] > 0 {
			rw.Items++
		}
		rw.Reopens += int(r.reopened[c])
		if r.reopened[c] > 0 {
			rw.ReopenedItems++
		}
		if end != eventlog.NoTime {
			finished++
			if rework == 0 && r.reopened[c] == 0 {
				ftr++
			}
		}
		if r.resolve[c] != eventlog.NoTime {
			resolved++
		}
	}
	r.flow = cf
	h.TransferRate = ratio(float64(h.Count), float64(n))
	rw.FirstTimeRight = ratio(float64(ftr), float64(finished))
	if r.resolvedAct != nil {
		rw.ReopenRate = ratio(float64(rw.ReopenedItems), float64(resolved))
	}
	return h, rw
}

// ageBuckets are the backlog age ranges.
var ageBuckets = []struct {
	label string
	upTo  time.Duration
}{
	{"0-1d", 24 * time.Hour},
	{"1-3d", 3 * 24 * time.Hour},
	{"3-7d", 7 * 24 * time.Hour},
	{"7-30d", 30 * 24 * time.Hour},
	{"30d+", 1<<63 - 1},
}

// firstContact reports whether case c, once it ended, counts toward FCR:
// no handoff, escalation or reopen, and ended by the team that first
// worked it. handoffsRework must have run.
func (r *run) firstContact(c int) bool {
	cf := r.flow
	return cf.handoffsToEnd[c] == 0 && r.reopened[c] == 0 &&
		(cf.firstTeam[c] == 0 || cf.endTeam[c] == 0 || cf.firstTeam[c] == cf.endTeam[c])
}

// FirstContact tells, for each case of l that has an item end under opt
// (its resolution, or its last event without a resolution point), when it
// ended and whether it counts toward FCR as Measure counts it; other
// cases have end eventlog.NoTime.
func FirstContact(l *eventlog.Log, opt Options) (end []int64, fcr []bool, err error) {
	r, err := newRun(l, opt)
	if err != nil {
		return nil, nil, err
	}
	r.handoffsRework()
	fcr = make([]bool, l.Cases())
	for c, e := range r.itemEnd {
		fcr[c] = e != eventlog.NoTime && r.firstContact(c)
	}
	return r.itemEnd, fcr, nil
}

func (r *run) outcome(rw Rework) Outcome {
	var o Outcome
	o.ReopenRate = rw.ReopenRate
	for c := range r.start {
		if r.itemEnd[c] == eventlog.NoTime {
			continue
		}
		o.FCR.Of++
		if r.firstContact(c) {
			o.FCR.Count++
		}
	}
	o.FCR.Rate = ratio(float64(o.FCR.Count), float64(o.FCR.Of))
	if r.open != nil {
		b := &Backlog{Buckets: make([]AgeBucket, len(ageBuckets))}
		for k, a := range ageBuckets {
			b.Buckets[k].Label = a.label
		}
		for c, open := range r.open {
			if !open {
				continue
			}
			b.Open++
			age := time.Duration(r.asOf - r.start[c])
			for k, a := range ageBuckets {
				if age < a.upTo {
					b.Buckets[k].Count++
					break
				}
			}
		}
		o.Backlog = b
	}
	o.Groups = []Group{}
	for _, name := range r.opt.GroupBy {
		vals := r.caseAttr(name)
		g := Group{Attribute: name, Values: []GroupValue{}}
		if vals == nil {
			o.Groups = append(o.Groups, g)
			continue
		}
		byVal := map[uint32][]int64{}
		cases := map[uint32]int{}
		for c, val := range vals {
			cases[val]++
			if e := r.itemEnd[c]; e != eventlog.NoTime {
				byVal[val] = append(byVal[val], e-r.start[c])
			}
		}
		for val, n := range cases {
			d := byVal[val]
			s := nsStats(d)
			g.Values = append(g.Values, GroupValue{Value: r.l.Strings[val], Cases: n, Finished: len(d), Mean: s.Mean, P85: s.P85})
		}
		slices.SortFunc(g.Values, func(a, b GroupValue) int { return cmp.Compare(a.Value, b.Value) })
		o.Groups = append(o.Groups, g)
	}
	return o
}

// SLA is resolution SLA attainment: the share of finished cases whose item
// time is within the target for their value of the SLA attribute.
type SLA struct {
	Measure   string     `json:"measure"` // the item time the targets apply to
	Attribute string     `json:"attribute,omitempty"`
	Overall   SLAGroup   `json:"overall"`
	Groups    []SLAGroup `json:"groups"`
	NoTarget  int        `json:"no_target"` // cases whose value has no target
}

// SLAGroup is attainment over the cases of one value (or all of them).
type SLAGroup struct {
	Value  string   `json:"value"`
	Target *float64 `json:"target"` // seconds; null for the overall group
	Cases  int      `json:"cases"`
	// Finished cases within the target (met) and beyond it (breached).
	Met      int `json:"met"`
	Breached int `json:"breached"`
	// OpenBreached counts cases still open at as_of and already older than
	// the target.
	OpenBreached int      `json:"open_breached"`
	Attainment   *float64 `json:"attainment"` // met ÷ (met + breached)
}

func (r *run) sla() *SLA {
	targets := r.opt.SLATargets
	if len(targets) == 0 {
		return nil
	}
	s := &SLA{Measure: r.measureName(), Attribute: r.opt.SLAAttr, Groups: []SLAGroup{}}
	var vals []uint32
	if r.opt.SLAAttr != "" {
		vals = r.caseAttr(r.opt.SLAAttr)
	}
	groups := map[string]*SLAGroup{}
	for c := range r.start {
		val := ""
		if vals != nil {
			val = r.l.Strings[vals[c]]
		}
		target, ok := targets[val]
		if !ok {
			if target, ok = targets[""]; !ok {
				s.NoTarget++
				continue
			}
		}
		g := groups[val]
		if g == nil {
			g = &SLAGroup{Value: val, Target: num(target.Seconds())}
			groups[val] = g
		}
		g.Cases++
		s.Overall.Cases++
		t := int64(target)
		switch e := r.itemEnd[c]; {
		case e != eventlog.NoTime && e-r.start[c] <= t:
			g.Met++
			s.Overall.Met++
		case e != eventlog.NoTime:
			g.Breached++
			s.Overall.Breached++
		case r.open == nil || r.open[c]:
			if r.asOf-r.start[c] > t {
				g.OpenBreached++
				s.Overall.OpenBreached++
			}
		}
	}
	for _, g := range groups {
		g.Attainment = ratio(float64(g.Met), float64(g.Met+g.Breached))
		s.Groups = append(s.Groups, *g)
	}
	s.Overall.Attainment = ratio(float64(s.Overall.Met), float64(s.Overall.Met+s.Overall.Breached))
	slices.SortFunc(s.Groups, func(a, b SLAGroup) int { return cmp.Compare(a.Value, b.Value) })
	return s
}
