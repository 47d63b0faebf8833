package flow

import (
	"math"
	"slices"
)

// Stats summarises a set of durations (in seconds) or other values. The
// percentiles use linear interpolation between order statistics (Hyndman
// and Fan's type 7, numpy's default): for n sorted values x[0..n-1], the
// p-quantile is x[h] interpolated at h = (n−1)·p, so p85 of 1…10 is 8.65.
// Every value but Count is null when Count is 0.
type Stats struct {
	Count int      `json:"count"`
	Mean  *float64 `json:"mean"`
	P50   *float64 `json:"p50"`
	P85   *float64 `json:"p85"`
	P95   *float64 `json:"p95"`
	Max   *float64 `json:"max"`
}

// nsStats summarises durations in nanoseconds as seconds. It reorders x.
func nsStats(x []int64) *Stats {
	s := &Stats{Count: len(x)}
	if len(x) == 0 {
		return s
	}
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	q := quantiles(x)
	s.Mean = secondsPtr(sum / float64(len(x)))
	s.P50, s.P85, s.P95, s.Max = secondsPtr(q[0]), secondsPtr(q[1]), secondsPtr(q[2]), secondsPtr(q[3])
	return s
}

// quantiles returns p50, p85, p95 and the maximum of x (type 7), ordering
// only as much of x as it needs: a selection per order statistic, each on
// what is left to the right of the previous one, so the work is linear in
// len(x) where a sort would be n log n.
func quantiles(x []int64) [4]float64 {
	n := len(x)
	var out [4]float64
	probs := [3]float64{0.50, 0.85, 0.95}
	lo := 0 // x[:lo] holds the lo smallest values, in order up to lo-1
	for i, p := range probs {
		h := float64(n-1) * p
		k := int(h)
		if k >= lo {
			selectNth(x[lo:], k-lo)
			lo = k
		}
		v := float64(x[k])
		if frac := h - float64(k); frac > 0 && k+1 < n {
			// x[k+1] is the smallest value right of k.
			next := slices.Min(x[k+1:])
			v += frac * (float64(next) - v)
		}
		out[i] = v
	}
	out[3] = float64(slices.Max(x[lo:]))
	return out
}

// quantile returns the type 7 p-quantile of sorted x.
func quantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * p
	k := int(h)
	if k+1 >= n {
		return sorted[n-1]
	}
	return sorted[k] + (h-float64(k))*(sorted[k+1]-sorted[k])
}

// selectNth reorders x so that x[k] is the value a sort would put there,
// with no larger value left of it and no smaller one right of it. It is a
// quickselect with a median-of-three pivot that falls back to sorting when
// it recurses too deep, so an adversarial order cannot make it quadratic.
func selectNth(x []int64, k int) {
	depth := 2 * bitsLen(len(x))
	for len(x) > 16 {
		if depth == 0 {
			slices.Sort(x)
			return
		}
		depth--
		m := len(x) / 2
		// Median of three to x[0].
		a, b, c := x[0], x[m], x[len(x)-1]
		switch {
		case (a <= b && b <= c) || (c <= b && b <= a):
			x[0], x[m] = x[m], x[0]
		case (a <= c && c <= b) || (b <= c && c <= a):
			x[0], x[len(x)-1] = x[len(x)-1], x[0]
		}
		pivot := x[0]
		// Three-way partition: < pivot | == pivot | > pivot.
		lt, i, gt := 0, 0, len(x)
		for i < gt {
			switch v := x[i]; {
			case v < pivot:
				x[lt], x[i] = x[i], x[lt]
				lt++
				i++
			case v > pivot:
				gt--
				x[gt], x[i] = x[i], x[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			x = x[:lt]
		case k >= gt:
			x = x[gt:]
			k -= gt
		default:
			return
		}
	}
	slices.Sort(x)
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// round9 rounds v to 9 significant digits, the precision of every figure
// in the JSON output: more would only show the last bits of a floating
// point sum, and golden files would change with them. It scales by a power
// of ten rather than formatting, which keeps it cheap enough for a figure
// per variant of a large log.
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

// num returns v rounded, as a JSON number that may be null; NaN and the
// infinities (a ratio with nothing under it) are null.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := round9(v)
	return &r
}

// secondsPtr converts nanoseconds to rounded seconds.
func secondsPtr(ns float64) *float64 { return num(ns / 1e9) }

// seconds converts nanoseconds to rounded seconds.
func seconds(ns int64) float64 { return round9(float64(ns) / 1e9) }

// ratio returns a ÷ b rounded, or null when b is 0.
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return num(a / b)
}

// slope returns the least-squares slope of y over x, or NaN with fewer than
// two distinct x.
func slope(x, y []float64) float64 {
	n := float64(len(x))
	if len(x) < 2 {
		return math.NaN()
	}
	var sx, sy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
	}
	mx, my := sx/n, sy/n
	var sxy, sxx float64
	for i := range x {
		dx := x[i] - mx
		sxy += dx * (y[i] - my)
		sxx += dx * dx
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}
