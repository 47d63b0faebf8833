package flow

import (
	"slices"
	"strconv"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// ItemTimes are the item times besides the headline item_time, each under
// its own name (SPEC §3): null when the log does not mark its end point.
type ItemTimes struct {
	// TimeToFinalResolve runs from the first event to the last
	// resolution, after reopens; it needs a resolution point.
	TimeToFinalResolve *Stats `json:"time_to_final_resolve"`
	// StreamLeadTime runs from the first event to the value activity
	// (Options.ValueActivities); it needs one.
	StreamLeadTime *Stats `json:"stream_lead_time"`
}

// itemTimes measures the item times other than the headline one.
func (r *run) itemTimes() ItemTimes {
	var out ItemTimes
	l := r.l
	if r.resolvedAct != nil {
		d := make([]int64, 0, l.Cases())
		for c := range l.Cases() {
			if last := r.lastOf(c, r.resolvedAct); last != eventlog.NoTime {
				d = append(d, last-r.start[c])
			}
		}
		out.TimeToFinalResolve = nsStats(d)
	}
	if len(r.opt.ValueActivities) > 0 {
		value := make([]bool, len(l.Strings))
		for i, s := range l.Strings {
			value[i] = i > 0 && slices.Contains(r.opt.ValueActivities, s)
		}
		d := make([]int64, 0, l.Cases())
		for c := range l.Cases() {
			from, to := l.Case(c)
			for i := from; i < to; i++ {
				if value[l.Activity[i]] && r.endsInstance(i) {
					d = append(d, l.Time[i]-r.start[c])
					break
				}
			}
		}
		out.StreamLeadTime = nsStats(d)
	}
	return out
}

// lastOf returns the time of the last event of case c whose activity is
// marked, counting in a lifecycle log only events that end an instance,
// or NoTime.
func (r *run) lastOf(c int, marked []bool) int64 {
	l := r.l
	from, to := l.Case(c)
	for i := to - 1; i >= from; i-- {
		if marked[l.Activity[i]] && r.endsInstance(i) {
			return l.Time[i]
		}
	}
	return eventlog.NoTime
}

// endsInstance reports whether event i can mark a point in an item's life:
// in a lifecycle log, a completion or an event without a lifecycle (an
// item milestone such as svcflow's own "resolved"); any event otherwise.
func (r *run) endsInstance(i int) bool {
	if r.l.Phase == nil || r.timing != TimingLifecycle {
		return true
	}
	p := r.l.Phase[i]
	return p == eventlog.PhaseComplete || p == eventlog.PhaseNone
}

// Satisfaction sums up the scores requesters gave (1 to 5): how many
// answered, the mean, how many gave each score, and the response rate over
// the items that finished.
type Satisfaction struct {
	Attribute string   `json:"attribute"`
	Responses int      `json:"responses"`
	Mean      *float64 `json:"mean"`
	Scores    [5]int   `json:"scores"` // how many gave 1, 2, 3, 4 and 5
	// ResponseRate is responses ÷ finished items, or where the log says
	// which requesters were asked (Asked), answers ÷ those asked.
	ResponseRate *float64 `json:"response_rate"`
	Asked        *int     `json:"asked,omitempty"`
}

// satisfaction reads the score attribute (Options.ScoreAttr, default
// "score" when the log has it), a case attribute or else an event
// attribute whose last score in a case counts. Null when there is no such
// attribute.
func (r *run) satisfaction() *Satisfaction {
	name := r.opt.ScoreAttr
	if name == "" {
		name = "score"
	}
	scoreOf := func(v uint32) int {
		if n, err := strconv.Atoi(r.l.Str(v)); v != 0 && err == nil && n >= 1 && n <= 5 {
			return n
		}
		return 0
	}
	caseCol, col := r.l.CaseAttr(name), r.l.EventAttr(name)
	if caseCol == nil && col == nil {
		return nil
	}
	s := &Satisfaction{Attribute: name}
	sum, finished := 0, 0
	for c := range r.l.Cases() {
		if r.itemEnd[c] != eventlog.NoTime {
			finished++
		}
		score := 0
		if caseCol != nil {
			score = scoreOf(caseCol.Values[c])
		} else {
			from, to := r.l.Case(c)
			for i := from; i < to; i++ {
				if n := scoreOf(col.Values[i]); n > 0 {
					score = n
				}
			}
		}
		if score > 0 {
			s.Responses++
			s.Scores[score-1]++
			sum += score
		}
	}
	s.Mean = ratio(float64(sum), float64(s.Responses))
	s.ResponseRate = ratio(float64(s.Responses), float64(finished))
	if asked := r.l.CaseAttr(eventlog.AttrFeedbackAsked); asked != nil {
		// Where the log says who was asked, the rate is of those asked.
		n, answered := 0, 0
		for c := range r.l.Cases() {
			if asked.Values[c] != 0 {
				n++
				if caseCol != nil && scoreOf(caseCol.Values[c]) > 0 {
					answered++
				}
			}
		}
		s.Asked = &n
		s.ResponseRate = ratio(float64(answered), float64(n))
	}
	return s
}
