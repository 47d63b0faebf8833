package flow

import (
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// Little is the Little's Law check over a window [from, to] (SPEC §3):
// L = time-average WIP, λ = departures ÷ (to − from), W = mean lead time
// of the visits departing in the window; ratio = L ÷ (λW), and queue_ratio
// = mean queue ÷ (λ × mean wait). Both are exactly 1 when the window
// starts and ends empty; a ratio above 1 says work is still in progress
// at the end (or was at the start), below 1 that departures carry time
// from before the window.
//
// A departure counts when it falls in (from, to]: a visit ending at the
// instant from was in progress only before the window.
type Little struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Stream checks the items: WIP is items in progress and W their item
	// time; its queue ratio pools the visits of every step.
	Stream LittleCheck  `json:"stream"`
	Steps  []LittleStep `json:"steps"`
}

// LittleCheck is one Little's Law check.
type LittleCheck struct {
	Departures   int      `json:"departures"`
	L            *float64 `json:"l"`              // time-average WIP
	LambdaPerDay *float64 `json:"lambda_per_day"` // departures per day
	W            *float64 `json:"w"`              // mean lead time of the departures, seconds
	Ratio        *float64 `json:"ratio"`          // L ÷ (λW)
	QueueRatio   *float64 `json:"queue_ratio"`    // null when wait is unknown
}

// LittleStep is the check of one step.
type LittleStep struct {
	Activity string `json:"activity"`
	LittleCheck
}

// littleSums gathers one check: the WIP and queue integrals over the
// window, and the lead and wait of the departures.
type littleSums struct {
	departures       int
	wip, queue       float64
	leadSum, waitSum float64
}

func (s littleSums) check(span float64, queueKnown bool) LittleCheck {
	c := LittleCheck{Departures: s.departures, L: ratio(s.wip, span)}
	c.LambdaPerDay = ratio(float64(s.departures)*float64(24*time.Hour), span)
	c.W = ratio(s.leadSum/1e9, float64(s.departures))
	// L ÷ (λW) = (∫WIP ÷ span) ÷ ((n ÷ span) × (Σlead ÷ n)) = ∫WIP ÷ Σlead:
	// computed so, it is exactly 1 when the two are the same number.
	c.Ratio = ratio(s.wip, s.leadSum)
	if queueKnown {
		c.QueueRatio = ratio(s.queue, s.waitSum)
	}
	return c
}

func overlap(s, e, a, b int64) float64 {
	s, e = max(s, a), min(e, b)
	if e <= s {
		return 0
	}
	return float64(e - s)
}

// little runs the check per step and for the stream.
func (r *run) little() Little {
	a, b := r.first, r.last
	if r.opt.LittleFrom != 0 {
		a = r.opt.LittleFrom
	}
	if r.opt.LittleTo != 0 {
		b = r.opt.LittleTo
	}
	out := Little{From: utc(a), To: utc(b), Steps: []LittleStep{}}
	v := r.v
	steps := make([]littleSums, len(r.acts))
	var stream, pooled littleSums
	states := v.hasStates()
	for i := range v.len() {
		s := &steps[r.actOf[v.act[i]]]
		if v.entered[i] == eventlog.NoTime {
			continue
		}
		s.wip += overlap(v.entered[i], v.end(i, r.asOf), a, b)
		if e := v.ended[i]; e != eventlog.NoTime && e > a && e <= b {
			s.departures++
			s.leadSum += float64(e - v.entered[i])
			if states {
				s.waitSum += float64(v.wait[i])
			}
		}
	}
	if states {
		seg := &v.seg
		for k := range seg.visit {
			if seg.state[k] == stQueued {
				steps[r.actOf[v.act[seg.visit[k]]]].queue += overlap(seg.from[k], seg.to[k], a, b)
			}
		}
	}
	span := float64(b - a)
	for d, s := range steps {
		if s.wip == 0 && s.departures == 0 {
			continue
		}
		pooled.queue += s.queue
		pooled.waitSum += s.waitSum
		out.Steps = append(out.Steps, LittleStep{Activity: r.l.Strings[r.acts[d]], LittleCheck: s.check(span, states)})
	}
	for c := range r.start {
		stream.wip += overlap(r.start[c], r.wipEnd[c], a, b)
		if e := r.itemEnd[c]; e != eventlog.NoTime && e > a && e <= b {
			stream.departures++
			stream.leadSum += float64(e - r.start[c])
		}
	}
	out.Stream = stream.check(span, false)
	if states {
		out.Stream.QueueRatio = ratio(pooled.queue, pooled.waitSum)
	}
	return out
}
