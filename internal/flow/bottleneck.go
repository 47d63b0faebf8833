package flow

import (
	"cmp"
	"math"
	"slices"
)

// Bottlenecks ranks the steps (SPEC §3): the score of a step is its share
// of the total wait times the utilization of the team that works it (the
// team most of its visits were worked by). A step whose team is unknown
// (a queue state nobody works, say) is scored with the utilization of all
// people together, so that it ranks on the same scale. Without utilization
// (completion timing) the share alone is the score; without wait (completion timing) the share is of lead time and
// basis says "lead". Only visits that ended by their case's resolution
// count (and open visits of unresolved cases, with their wait so far), so
// steps after the resolution point, such as feedback, are left out.
type Bottlenecks struct {
	Basis string       `json:"basis"` // "wait" or "lead"
	Steps []Bottleneck `json:"steps"` // every step, highest score first
}

// Bottleneck is one ranked step with its evidence.
type Bottleneck struct {
	Rank        int      `json:"rank"`
	Activity    string   `json:"activity"`
	Top         bool     `json:"top"` // among the top 3
	Score       *float64 `json:"score"`
	Team        string   `json:"team,omitempty"`
	WaitShare   *float64 `json:"wait_share"` // null with basis lead
	LeadShare   *float64 `json:"lead_share"` // null with basis wait
	Utilization *float64 `json:"utilization"`
	// QueueTrend is the least-squares slope of the step's mean queue per
	// window, in visits per week (null when queues are unknown); WIPTrend
	// is the same for its WIP.
	QueueTrend *float64 `json:"queue_trend"`
	WIPTrend   *float64 `json:"wip_trend"`
	P85Wait    *float64 `json:"p85_wait"`
}

// Bases of the bottleneck ranking.
const (
	BasisWait = "wait"
	BasisLead = "lead"
)

func (r *run) bottlenecks(steps []stepAcc, u *utilization, w *windowSeries) Bottlenecks {
	out := Bottlenecks{Basis: BasisWait, Steps: []Bottleneck{}}
	states := r.v.hasStates()
	if !states {
		out.Basis = BasisLead
	}
	var total float64
	for _, s := range steps {
		if s.upTo == 0 {
			continue
		}
		if states {
			total += s.waitSum
		} else {
			total += s.leadSum
		}
	}
	for _, s := range steps {
		if s.upTo == 0 {
			continue
		}
		b := Bottleneck{Activity: r.l.Strings[r.acts[s.act]], Team: r.l.Strings[s.team], P85Wait: s.p85Wait}
		var share float64
		if total > 0 {
			if states {
				share = s.waitSum / total
				b.WaitShare = num(share)
			} else {
				share = s.leadSum / total
				b.LeadShare = num(share)
			}
		}
		score := share
		if u != nil {
			ut, ok := u.teamUtil[s.team]
			if !ok {
				ut = u.overall
			}
			if !math.IsNaN(ut) {
				b.Utilization = num(ut)
				score *= ut
			}
		}
		b.Score = num(score)
		if states {
			b.QueueTrend = num(w.trend(w.stepQueue, s.act))
		}
		b.WIPTrend = num(w.trend(w.stepWIP, s.act))
		out.Steps = append(out.Steps, b)
	}
	slices.SortStableFunc(out.Steps, func(a, b Bottleneck) int {
		if c := cmp.Compare(val(b.Score), val(a.Score)); c != 0 {
			return c
		}
		return cmp.Compare(a.Activity, b.Activity)
	})
	for i := range out.Steps {
		out.Steps[i].Rank = i + 1
		out.Steps[i].Top = i < 3 && val(out.Steps[i].Score) > 0
	}
	return out
}

func val(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
