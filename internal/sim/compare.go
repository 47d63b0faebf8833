package sim

import (
	"github.com/svcflow/svcflow/internal/flow"
	"math"
)

// Scenarios are compared replication by replication: each replication gives
// one value of a metric (its mean time_to_resolve, its throughput), the
// values of one scenario are independent draws, and two scenarios differ
// significantly when Welch's t-test says so. Welch's test does not assume
// the two scenarios vary alike, which matters when a change removes most of
// the variation (an automated step) or adds it (a WIP limit).

// Alpha is the significance level of comparisons, two-sided.
const Alpha = 0.05

// Comparison is the difference of one metric between two scenarios, B − A
// (a future state minus its baseline), over their replications.
type Comparison struct {
	Metric string  `json:"metric"`
	MeanA  float64 `json:"mean_a"`
	MeanB  float64 `json:"mean_b"`
	NA     int     `json:"n_a"` // replications with a finite value
	NB     int     `json:"n_b"`
	// Difference is MeanB − MeanA: negative when B is lower (a shorter
	// time_to_resolve).
	Difference float64 `json:"difference"`
	// CI95 is the 95 % confidence interval of Difference; nil when it
	// cannot be estimated (fewer than two values on a side).
	CI95 *Interval `json:"ci95,omitempty"`
	// DF is the Welch–Satterthwaite degrees of freedom; T the statistic.
	DF float64 `json:"df"`
	T  float64 `json:"t"`
	// PValue is the two-sided p-value of "the means are equal".
	PValue float64 `json:"p_value"`
	// Significant reports PValue < Alpha.
	Significant bool `json:"significant"`
}

// Interval is a confidence interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// CompareMetric compares per-replication values of a metric for scenarios A
// and B with Welch's two-sided t-test at Alpha. Values that are not finite
// (a replication that resolved nothing has no mean) are left out and the
// counts say how many remained. With fewer than two values on a side there
// is no variance to test against: the result carries the means, no CI95, a
// p-value of 1 and is not significant. When neither side varies at all, the
// difference is exact: significant when it is not zero.
func CompareMetric(name string, a, b []float64) Comparison {
	ma, va, na := flow.MeanVar(a)
	mb, vb, nb := flow.MeanVar(b)
	c := Comparison{Metric: name, MeanA: ma, MeanB: mb, NA: na, NB: nb, Difference: mb - ma, PValue: 1}
	if na == 0 || nb == 0 {
		c.MeanA, c.MeanB, c.Difference = zeroNaN(ma), zeroNaN(mb), 0
		return c
	}
	if na < 2 || nb < 2 {
		return c
	}
	sa, sb := va/float64(na), vb/float64(nb)
	se2 := sa + sb
	if se2 == 0 {
		c.CI95 = &Interval{c.Difference, c.Difference}
		c.DF = float64(na + nb - 2)
		if c.Difference != 0 {
			c.PValue, c.Significant = 0, true
			c.T = math.Copysign(math.MaxFloat64, c.Difference)
		}
		return c
	}
	se := math.Sqrt(se2)
	c.DF = se2 * se2 / (sa*sa/float64(na-1) + sb*sb/float64(nb-1))
	c.T = c.Difference / se
	c.PValue = 2 * flow.StudentTSF(math.Abs(c.T), c.DF)
	c.Significant = c.PValue < Alpha
	h := flow.StudentTQuantile(0.975, c.DF) * se
	c.CI95 = &Interval{c.Difference - h, c.Difference + h}
	return c
}

func zeroNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}
