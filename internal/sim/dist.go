package sim

import (
	"fmt"
	"math"
	"slices"

	"github.com/svcflow/svcflow"
)

// sampler draws from one Dist. It is a plain struct with a kind switch, not
// an interface, so that drawing a duration on the hot path is a direct call.
type sampler struct {
	kind       uint8
	a, b, c, d float64 // parameters, by kind (see compileDist)
	samples    []float64
}

const (
	sFixed uint8 = iota
	sExp
	sNormal
	sLognormal
	sTriangular
	sEmpirical
)

// maxRejections bounds the redraws of a truncated normal; beyond it the
// draw is clamped, which only happens when the window holds almost none of
// the distribution.
const maxRejections = 64

// compileDist checks d and returns its sampler. Errors name the field at
// path that is wrong.
func compileDist(path string, d Dist) (sampler, error) {
	bad := func(format string, args ...any) (sampler, error) {
		return sampler{}, svcflow.FieldErrorf(path, format, args...)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, v := range []float64{d.Mean, d.SD, d.Min, d.Mode, d.Max} {
		if !finite(v) {
			return bad("parameters must be finite numbers")
		}
	}
	switch d.Kind {
	case DistFixed:
		if d.Mean < 0 {
			return bad("fixed mean %v is negative", d.Mean)
		}
		return sampler{kind: sFixed, a: d.Mean}, nil
	case DistExponential:
		if d.Mean <= 0 {
			return bad("exponential mean %v, want > 0", d.Mean)
		}
		return sampler{kind: sExp, a: d.Mean}, nil
	case DistNormal:
		lo, hi := max(d.Min, 0), d.Max
		if hi == 0 {
			hi = math.Inf(1)
		}
		switch {
		case d.SD < 0:
			return bad("normal sd %v is negative", d.SD)
		case hi <= lo:
			return bad("normal max %v is not above min %v", d.Max, lo)
		case d.SD == 0 && (d.Mean < lo || d.Mean > hi):
			return bad("normal mean %v is outside [%v, %v] with sd 0", d.Mean, lo, hi)
		}
		return sampler{kind: sNormal, a: d.Mean, b: d.SD, c: lo, d: hi}, nil
	case DistLognormal:
		if d.Mean <= 0 || d.SD < 0 {
			return bad("lognormal mean %v and sd %v, want mean > 0 and sd ≥ 0", d.Mean, d.SD)
		}
		// The mean and SD are the duration's own; those of its logarithm
		// follow: σ² = ln(1 + SD²/mean²), μ = ln(mean) − σ²/2.
		s2 := math.Log1p(d.SD * d.SD / (d.Mean * d.Mean))
		return sampler{kind: sLognormal, a: math.Log(d.Mean) - s2/2, b: math.Sqrt(s2)}, nil
	case DistTriangular:
		if d.Min < 0 || d.Mode < d.Min || d.Max < d.Mode || d.Max <= d.Min {
			return bad("triangular min %v, mode %v, max %v, want 0 ≤ min ≤ mode ≤ max and min < max", d.Min, d.Mode, d.Max)
		}
		return sampler{kind: sTriangular, a: d.Min, b: d.Mode, c: d.Max, d: (d.Mode - d.Min) / (d.Max - d.Min)}, nil
	case DistEmpirical:
		if err := checkSamples(d.Samples); err != nil {
			return bad("%v", err)
		}
		return sampler{kind: sEmpirical, samples: slices.Clone(d.Samples)}, nil
	case "":
		return bad("missing distribution kind; want one of %s", distKinds)
	}
	return bad("unknown distribution kind %q; want one of %s", d.Kind, distKinds)
}

const distKinds = "fixed, exponential, normal, lognormal, triangular, empirical"

func checkSamples(x []float64) error {
	if len(x) == 0 {
		return fmt.Errorf("no samples")
	}
	for i, v := range x {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("sample %d is %v, want a finite number ≥ 0", i, v)
		}
	}
	return nil
}

// mean is the distribution's expected value (of the truncated normal, the
// untruncated mean clamped into its window), the expected cycle queue
// policies rank by.
func (s *sampler) mean() float64 {
	switch s.kind {
	case sFixed, sExp:
		return s.a
	case sNormal:
		return min(max(s.a, s.c), s.d)
	case sLognormal:
		return math.Exp(s.a + s.b*s.b/2)
	case sTriangular:
		return (s.a + s.b + s.c) / 3
	}
	sum := 0.0
	for _, v := range s.samples {
		sum += v
	}
	return sum / float64(len(s.samples))
}

// draw returns one duration.
func (s *sampler) draw(g *rng) float64 {
	switch s.kind {
	case sFixed:
		return s.a
	case sExp:
		return s.a * g.exp()
	case sNormal:
		for range maxRejections {
			if v := s.a + s.b*g.norm(); v >= s.c && v <= s.d {
				return v
			}
		}
		return min(max(s.a, s.c), s.d)
	case sLognormal:
		return math.Exp(s.a + s.b*g.norm())
	case sTriangular:
		// Inverse of the triangular distribution function.
		u := g.float64()
		if u < s.d {
			return s.a + math.Sqrt(u*(s.c-s.a)*(s.b-s.a))
		}
		return s.c - math.Sqrt((1-u)*(s.c-s.a)*(s.c-s.b))
	}
	return s.samples[g.intN(len(s.samples))]
}

// arrivals generates one class's arrival times.
type arrivals struct {
	kind    uint8
	rate    float64   // poisson; the maximum rate for profile
	profile []float64 // per hour of the week
	a, b    float64   // gaussian mean and SD; pareto scale and shape
	samples []float64
	boot    bool
	next    int // the next sample to replay
}

const (
	aPoisson uint8 = iota
	aProfile
	aGaussian
	aPareto
	aEmpirical
)

const hourOfWeek = 168

func compileArrivals(path string, a Arrivals) (arrivals, error) {
	bad := func(format string, args ...any) (arrivals, error) {
		return arrivals{}, svcflow.FieldErrorf(path, format, args...)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch a.Kind {
	case ArrivalPoisson:
		if !(a.Rate > 0) || !finite(a.Rate) {
			return bad("poisson rate %v, want > 0", a.Rate)
		}
		return arrivals{kind: aPoisson, rate: a.Rate}, nil
	case ArrivalProfile:
		if len(a.Profile) != hourOfWeek {
			return bad("profile has %d rates, want %d (one per hour of the week, Monday 00:00 first)", len(a.Profile), hourOfWeek)
		}
		peak := 0.0
		for i, r := range a.Profile {
			if r < 0 || !finite(r) {
				return bad("profile[%d] is %v, want a rate ≥ 0", i, r)
			}
			peak = max(peak, r)
		}
		if peak == 0 {
			return bad("every profile rate is 0")
		}
		return arrivals{kind: aProfile, rate: peak, profile: slices.Clone(a.Profile)}, nil
	case ArrivalGaussian:
		if !(a.Mean > 0) || a.SD < 0 || !finite(a.Mean) || !finite(a.SD) {
			return bad("gaussian mean %v and sd %v, want mean > 0 and sd ≥ 0", a.Mean, a.SD)
		}
		return arrivals{kind: aGaussian, a: a.Mean, b: a.SD}, nil
	case ArrivalPareto:
		if !(a.Scale > 0) || !(a.Shape > 0) || !finite(a.Scale) || !finite(a.Shape) {
			return bad("pareto scale %v and shape %v, want both > 0", a.Scale, a.Shape)
		}
		return arrivals{kind: aPareto, a: a.Scale, b: a.Shape}, nil
	case ArrivalEmpirical:
		if err := checkSamples(a.Samples); err != nil {
			return bad("%v", err)
		}
		sum := 0.0
		for _, v := range a.Samples {
			sum += v
		}
		if sum == 0 {
			return bad("every inter-arrival sample is 0")
		}
		return arrivals{kind: aEmpirical, samples: slices.Clone(a.Samples), boot: a.Bootstrap}, nil
	case "":
		return bad("missing arrival kind; want one of %s", arrivalKinds)
	}
	return bad("unknown arrival kind %q; want one of %s", a.Kind, arrivalKinds)
}

const arrivalKinds = "poisson, profile, gaussian, pareto, empirical"

// after returns the time of the arrival that follows one at now.
func (a *arrivals) after(now float64, g *rng) float64 {
	switch a.kind {
	case aPoisson:
		return now + g.exp()/a.rate
	case aProfile:
		// Thinning: candidates at the peak rate, each kept with probability
		// rate(t) ÷ peak, make a Poisson process with rate rate(t).
		t := now
		for {
			t += g.exp() / a.rate
			h := int(math.Mod(math.Floor(t/3600), hourOfWeek))
			if g.float64()*a.rate < a.profile[h] {
				return t
			}
		}
	case aGaussian:
		for range maxRejections {
			if v := a.a + a.b*g.norm(); v >= 0 {
				return now + v
			}
		}
		return now + a.a
	case aPareto:
		return now + a.a*math.Pow(g.open01(), -1/a.b)
	}
	if a.boot {
		return now + a.samples[g.intN(len(a.samples))]
	}
	v := a.samples[a.next]
	a.next = (a.next + 1) % len(a.samples)
	return now + v
}

// expected returns about how many arrivals come in span seconds, to size
// buffers; 0 when the process has no finite mean.
func (a *arrivals) expected(span float64) float64 {
	var gap float64
	switch a.kind {
	case aPoisson:
		gap = 1 / a.rate
	case aProfile:
		sum := 0.0
		for _, r := range a.profile {
			sum += r
		}
		gap = hourOfWeek / sum
	case aGaussian:
		gap = a.a
	case aPareto:
		if a.b <= 1 {
			return 0
		}
		gap = a.a * a.b / (a.b - 1)
	default:
		sum := 0.0
		for _, v := range a.samples {
			sum += v
		}
		gap = sum / float64(len(a.samples))
	}
	return span / gap
}
