package improve

import (
	"math"
	"slices"
	"strconv"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
)

// Alpha is the significance level of the one-sided test.
const Alpha = 0.05

// MethodWelchDaily names the test Evaluate runs: Welch's t-test, one-sided
// in the intended direction, on one aggregate per day.
const MethodWelchDaily = "welch_t_one_sided_daily"

const dayNs = int64(24 * time.Hour)

// DailyValues measures c's metric on each calendar day (UTC) in [from, to):
// one aggregate per day over the visits (step metrics) or items (item
// metrics) that ended that day, in date order; days without any are left
// out. Visits are read as flow.Measure reads them with opt; a visit ends
// when it is completed or exited, an item when it is first resolved (by
// opt.ResolvedActivities). Errors are svcflow.ErrInvalid for an invalid
// criterion, window or options, a step the log never visits, a step metric
// on a completion-timed log (which has no waits), an item metric without
// resolved activities, or satisfaction without scores.
func DailyValues(l *eventlog.Log, c svcflow.Criterion, from, to time.Time, opt flow.Options) ([]float64, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, svcflow.Errorf(svcflow.ErrInvalid, "the window from %v to %v is empty", from, to)
	}
	a, b := from.UnixNano(), to.UnixNano()
	inStream := streamFilter(l, c.Stream)
	days := map[int64][]float64{}
	add := func(t int64, v float64) {
		d := t / dayNs
		if t%dayNs < 0 {
			d--
		}
		days[d] = append(days[d], v)
	}
	var err error
	if c.Metric.IsStepMetric() {
		err = stepValues(l, c, a, b, opt, inStream, add)
	} else {
		err = itemValues(l, c, a, b, opt, inStream, add)
	}
	if err != nil {
		return nil, err
	}
	keys := make([]int64, 0, len(days))
	for d := range days {
		keys = append(keys, d)
	}
	slices.Sort(keys)
	out := make([]float64, len(keys))
	for i, d := range keys {
		if c.Metric.IsMedian() {
			out[i] = median(days[d])
		} else {
			out[i], _, _ = meanVar(days[d])
		}
	}
	return out, nil
}

// streamFilter returns whether case c belongs to the stream; every case
// does when stream is "" or the log does not say.
func streamFilter(l *eventlog.Log, stream string) func(c int) bool {
	col := l.CaseAttr(eventlog.AttrStream)
	if stream == "" || col == nil {
		return func(int) bool { return true }
	}
	return func(c int) bool { return l.Str(col.Values[c]) == stream }
}

func stepValues(l *eventlog.Log, c svcflow.Criterion, a, b int64, opt flow.Options, in func(int) bool, add func(int64, float64)) error {
	vt, err := flow.VisitsOf(l, opt)
	if err != nil {
		return svcflow.Errorf(svcflow.ErrInvalid, "%v", err)
	}
	if vt.Timing == flow.TimingCompletion {
		return svcflow.Errorf(svcflow.ErrInvalid, "%s needs waits, which a completion-timed log does not have", c.Metric)
	}
	seen := false
	for i := range vt.Len() {
		if l.Str(vt.Activity[i]) != c.Step {
			continue
		}
		seen = true
		e := vt.Ended[i]
		if e == eventlog.NoTime || e < a || e >= b || vt.Wait[i] < 0 || !in(int(vt.Case[i])) {
			continue
		}
		add(e, float64(vt.Wait[i])/1e9)
	}
	if !seen {
		return svcflow.FieldErrorf("step", "the log has no visit to %q", c.Step)
	}
	return nil
}

func itemValues(l *eventlog.Log, c svcflow.Criterion, a, b int64, opt flow.Options, in func(int) bool, add func(int64, float64)) error {
	if len(opt.ResolvedActivities) == 0 {
		return svcflow.Errorf(svcflow.ErrInvalid, "%s needs the resolved activities", c.Metric)
	}
	resolving := map[uint32]bool{}
	for i, s := range l.Strings {
		if slices.Contains(opt.ResolvedActivities, s) {
			resolving[uint32(i)] = true
		}
	}
	score := func(int) (float64, bool) { return 0, false }
	if c.Metric == svcflow.MetricSatisfactionMean {
		var err error
		if score, err = scores(l, opt.ScoreAttr); err != nil {
			return err
		}
	}
	var fcr []bool
	if c.Metric == svcflow.MetricFCRRate {
		var err error
		if _, fcr, err = flow.FirstContact(l, opt); err != nil {
			return svcflow.Errorf(svcflow.ErrInvalid, "%v", err)
		}
	}
	for k := range l.Cases() {
		if !in(k) {
			continue
		}
		from, to := l.Case(k)
		// As flow does: the first resolution ends time_to_resolve, and a
		// later one after any other event is a reopen.
		res, reopened, other := int64(eventlog.NoTime), false, false
		for i := from; i < to; i++ {
			if !resolving[l.Activity[i]] {
				other = true
				continue
			}
			if l.Phase != nil {
				if p := l.Phase[i]; p != eventlog.PhaseComplete && p != eventlog.PhaseNone {
					continue
				}
			}
			if res == eventlog.NoTime {
				res = l.Time[i]
			} else if other {
				reopened = true
			}
			other = false
		}
		if res == eventlog.NoTime || res < a || res >= b {
			continue
		}
		switch c.Metric {
		case svcflow.MetricTimeToResolveP50, svcflow.MetricTimeToResolveMean:
			add(res, float64(res-l.Time[from])/1e9)
		case svcflow.MetricReopenRate:
			add(res, share(reopened))
		case svcflow.MetricFCRRate:
			add(res, share(fcr[k]))
		case svcflow.MetricSatisfactionMean:
			if s, ok := score(k); ok {
				add(res, s)
			}
		}
	}
	return nil
}

// share is 1 for an item that counts, 0 for one that does not: the daily
// mean of shares is the day's rate.
func share(counts bool) float64 {
	if counts {
		return 1
	}
	return 0
}

// scores reads satisfaction as flow does: the score attribute (default
// "score") of the case, or else the last score among its events.
func scores(l *eventlog.Log, name string) (func(int) (float64, bool), error) {
	if name == "" {
		name = eventlog.AttrScore
	}
	of := func(v uint32) (float64, bool) {
		n, err := strconv.Atoi(l.Str(v))
		return float64(n), v != 0 && err == nil && n >= 1 && n <= 5
	}
	if col := l.CaseAttr(name); col != nil {
		return func(c int) (float64, bool) { return of(col.Values[c]) }, nil
	}
	col := l.EventAttr(name)
	if col == nil {
		return nil, svcflow.Errorf(svcflow.ErrInvalid, "the log has no %q attribute for satisfaction", name)
	}
	return func(c int) (float64, bool) {
		from, to := l.Case(c)
		for i := to - 1; i >= from; i-- {
			if s, ok := of(col.Values[i]); ok {
				return s, true
			}
		}
		return 0, false
	}, nil
}

// Evaluate compares the daily values of the baseline window with those of
// the evaluation window by Welch's t-test, one-sided in c's direction, at
// Alpha. Days are the unit because the waits within a day queue behind one
// another; Welch's test does not assume both windows vary alike, which a
// change to capacity rarely leaves true.
//
// Values that are not finite are left out. With fewer than two days on a
// side there is no variance to test against: the p-value is 1. When
// neither side varies, the difference is exact and significant when it
// goes the intended way. MeetsTarget compares the post mean with c.Target
// (at or below it for a decrease, at or above for an increase); Validated
// needs both that and significance.
func Evaluate(c svcflow.Criterion, baseline, post []float64) svcflow.Evaluation {
	mb, vb, nb := meanVar(baseline)
	mp, vp, np := meanVar(post)
	e := svcflow.Evaluation{Days: [2]int{nb, np}, PValue: 1, Method: MethodWelchDaily}
	if nb > 0 {
		e.Baseline = mb
	}
	if np == 0 {
		return e
	}
	e.Post = mp
	if c.Direction == svcflow.Increase {
		e.MeetsTarget = mp >= c.Target
	} else {
		e.MeetsTarget = mp <= c.Target
	}
	if nb == 0 {
		return e
	}
	e.Effect = mp - mb
	if nb < 2 || np < 2 {
		return e
	}
	e.EffectCI95 = &[2]float64{e.Effect, e.Effect}
	sb, sp := vb/float64(nb), vp/float64(np)
	se2 := sb + sp
	toward := e.Effect // positive when it goes the intended way
	if c.Direction == svcflow.Decrease {
		toward = -toward
	}
	if se2 == 0 {
		if toward > 0 {
			e.PValue = 0
		}
	} else {
		se := math.Sqrt(se2)
		e.T = e.Effect / se
		e.DF = se2 * se2 / (sb*sb/float64(nb-1) + sp*sp/float64(np-1))
		e.PValue = flow.StudentTSF(toward/se, e.DF)
		h := flow.StudentTQuantile(0.975, e.DF) * se
		e.EffectCI95 = &[2]float64{e.Effect - h, e.Effect + h}
	}
	e.Significant = e.PValue < Alpha
	e.Validated = e.MeetsTarget && e.Significant
	return e
}

// meanVar is flow.MeanVar with a mean of 0, not NaN, when there are no
// values: an evaluation without data reports 0 beside n = 0.
func meanVar(xs []float64) (mean, variance float64, n int) {
	mean, variance, n = flow.MeanVar(xs)
	if n == 0 {
		mean = 0
	}
	return mean, variance, n
}

// median is the type 7 median, as flow's percentiles. It reorders xs.
func median(xs []float64) float64 {
	slices.Sort(xs)
	h := float64(len(xs)-1) / 2
	k := int(h)
	if k+1 < len(xs) {
		return xs[k] + (h-float64(k))*(xs[k+1]-xs[k])
	}
	return xs[k]
}
