package flow

import "math"

// MeanVar returns the mean, the unbiased sample variance and the count of
// the finite values of xs (NaN mean when there are none).
func MeanVar(xs []float64) (mean, variance float64, n int) {
	sum := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			sum += x
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0, 0
	}
	mean = sum / float64(n)
	ss := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			ss += (x - mean) * (x - mean)
		}
	}
	if n > 1 {
		variance = ss / float64(n-1)
	}
	return mean, variance, n
}

// StudentT975 is the 0.975 quantile of Student's t with df degrees of
// freedom: the multiplier of the standard error in a two-sided 95 %
// confidence interval of a mean of df+1 replications (2.228 for df = 10).
// There is no interval with df < 1; it returns +Inf then.
func StudentT975(df int) float64 {
	if df < 1 {
		return math.Inf(1)
	}
	return StudentTQuantile(0.975, float64(df))
}

// StudentTCDF is P(T ≤ t) for Student's t with df > 0 degrees of freedom
// (df need not be whole: Welch's test gives fractional ones).
func StudentTCDF(t, df float64) float64 {
	if t < 0 {
		return StudentTSF(-t, df)
	}
	return 1 - StudentTSF(t, df)
}

// StudentTSF is the upper tail P(T > t) of Student's t with df > 0 degrees
// of freedom, computed directly so that small p-values keep their digits.
func StudentTSF(t, df float64) float64 {
	switch {
	case math.IsNaN(t) || math.IsNaN(df) || df <= 0:
		return math.NaN()
	case t < 0:
		return 1 - StudentTSF(-t, df)
	case math.IsInf(t, 1):
		return 0
	case df > 1e7:
		// The t distribution is the normal one to far better than the
		// continued fraction's accuracy here, and the fraction is slow.
		return 0.5 * math.Erfc(t/math.Sqrt2)
	}
	// P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2).
	x := df / (df + t*t)
	return 0.5 * regIncBeta(df/2, 0.5, x)
}

// StudentTQuantile is the p quantile of Student's t with df > 0 degrees of
// freedom, for 0 < p < 1 (NaN outside). It inverts StudentTCDF by bisection,
// which is slow next to a series but exact to the last few bits and never
// fails to converge.
func StudentTQuantile(p, df float64) float64 {
	if math.IsNaN(p) || math.IsNaN(df) || p <= 0 || p >= 1 || df <= 0 {
		return math.NaN()
	}
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -StudentTQuantile(1-p, df)
	}
	tail := 1 - p
	lo, hi := 0.0, 1.0
	for StudentTSF(hi, df) > tail {
		lo, hi = hi, hi*2
		if hi > 1e300 {
			return math.Inf(1)
		}
	}
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if StudentTSF(mid, df) > tail {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), from its
// continued fraction evaluated by the modified Lentz method. The fraction
// converges fast for x < (a+1)/(a+b+2); above that the symmetry
// I_x(a, b) = 1 − I_{1−x}(b, a) moves x below it.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x > (a+1)/(a+b+2) {
		return 1 - front*betaFraction(b, a, 1-x)/b
	}
	return front * betaFraction(a, b, x) / a
}

// betaFraction evaluates the continued fraction of I_x(a, b):
// 1/(1+ d1/(1+ d2/(1+ …))) with d(2m+1) = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1))
// and d(2m) = m(b−m)x / ((a+2m−1)(a+2m)).
func betaFraction(a, b, x float64) float64 {
	const (
		eps  = 1e-16
		tiny = 1e-300
	)
	clamp := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	c := 1.0
	d := 1 / clamp(1-(a+b)*x/(a+1))
	h := d
	for m := 1.0; m <= 10000; m++ {
		even := m * (b - m) * x / ((a + 2*m - 1) * (a + 2*m))
		d = 1 / clamp(1+even*d)
		c = clamp(1 + even/c)
		h *= d * c
		odd := -(a + m) * (a + b + m) * x / ((a + 2*m) * (a + 2*m + 1))
		d = 1 / clamp(1+odd*d)
		c = clamp(1 + odd/c)
		step := d * c
		h *= step
		if math.Abs(step-1) < eps {
			break
		}
	}
	return h
}
