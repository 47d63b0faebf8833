package sim

import (
	"math"
	"slices"
	"testing"
)

// Each distribution's sample mean and SD match the parameters it was
// given (lognormal: of the duration itself, not of its logarithm).
func TestDistMoments(t *testing.T) {
	for _, tc := range []struct {
		d        Dist
		mean, sd float64
	}{
		{Dist{Kind: DistFixed, Mean: 7}, 7, 0},
		{Dist{Kind: DistExponential, Mean: 10}, 10, 10},
		{Dist{Kind: DistLognormal, Mean: 20, SD: 15}, 20, 15},
		{Dist{Kind: DistTriangular, Min: 1, Mode: 2, Max: 6}, 3, math.Sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18.0)},
		{Dist{Kind: DistNormal, Mean: 50, SD: 5}, 50, 5},
		{Dist{Kind: DistEmpirical, Samples: []float64{1, 2, 3, 10}}, 4, math.Sqrt(12.5)},
	} {
		s, err := compileDist("d", tc.d)
		if err != nil {
			t.Fatal(err)
		}
		g := newRNG(1, 0, streamDuration, 0)
		const n = 200_000
		var sum, sq float64
		for range n {
			v := s.draw(g)
			sum += v
			sq += v * v
		}
		m := sum / n
		sd := math.Sqrt(sq/n - m*m)
		if math.Abs(m-tc.mean) > 0.01*tc.mean || math.Abs(sd-tc.sd) > 0.02*tc.mean {
			t.Errorf("%s: mean %v, sd %v; want %v, %v", tc.d.Kind, m, sd, tc.mean, tc.sd)
		}
		if math.Abs(s.mean()-tc.mean) > 1e-9*tc.mean {
			t.Errorf("%s: expected value %v, want %v", tc.d.Kind, s.mean(), tc.mean)
		}
	}
}

func TestTruncatedNormalStaysInside(t *testing.T) {
	s, err := compileDist("d", Dist{Kind: DistNormal, Mean: 10, SD: 20, Min: 5, Max: 30})
	if err != nil {
		t.Fatal(err)
	}
	g := newRNG(2, 0, streamDuration, 0)
	for range 100_000 {
		if v := s.draw(g); v < 5 || v > 30 {
			t.Fatalf("drew %v outside [5, 30]", v)
		}
	}
}

// Arrival processes give their mean rate; the profile's thinning gives each
// hour of the week its own rate.
func TestArrivalRates(t *testing.T) {
	profile := make([]float64, hourOfWeek)
	for h := range profile {
		if h%24 >= 9 && h%24 < 17 && h < 5*24 {
			profile[h] = 10.0 / 3600 // ten an hour in office hours
		} else {
			profile[h] = 1.0 / 3600
		}
	}
	for _, tc := range []struct {
		a    Arrivals
		gap  float64 // mean seconds between arrivals
		span float64
	}{
		{Arrivals{Kind: ArrivalPoisson, Rate: 0.5}, 2, 1e6},
		{Arrivals{Kind: ArrivalGaussian, Mean: 3, SD: 1}, 3, 1e6},
		{Arrivals{Kind: ArrivalPareto, Scale: 1, Shape: 3}, 1.5, 1e6},
		{Arrivals{Kind: ArrivalEmpirical, Samples: []float64{1, 2, 6}}, 3, 1e6},
		{Arrivals{Kind: ArrivalEmpirical, Samples: []float64{1, 2, 6}, Bootstrap: true}, 3, 1e6},
		{Arrivals{Kind: ArrivalProfile, Profile: profile}, 3600.0 * 168 / (40*10 + 128), 100 * week},
	} {
		a, err := compileArrivals("a", tc.a)
		if err != nil {
			t.Fatal(err)
		}
		g := newRNG(3, 0, streamArrivals, 0)
		n := 0
		var perHour [hourOfWeek]int
		for at := a.after(0, g); at < tc.span; at = a.after(at, g) {
			n++
			perHour[int(at/3600)%hourOfWeek]++
		}
		if got := tc.span / float64(n); math.Abs(got-tc.gap) > 0.02*tc.gap {
			t.Errorf("%s: mean gap %v, want %v", tc.a.Kind, got, tc.gap)
		}
		if math.Abs(a.expected(tc.span)-tc.span/tc.gap) > 1e-6*tc.span/tc.gap {
			t.Errorf("%s: expected %v arrivals, want %v", tc.a.Kind, a.expected(tc.span), tc.span/tc.gap)
		}
		if tc.a.Kind == ArrivalProfile {
			// Monday 10:00 runs at ten an hour, Monday 03:00 at one.
			if busy, quiet := perHour[10], perHour[3]; math.Abs(float64(busy)/100-10) > 1.5 || math.Abs(float64(quiet)/100-1) > 0.4 {
				t.Errorf("profile: %d and %d arrivals in 100 weeks at Monday 10:00 and 03:00, want about 1000 and 100", busy, quiet)
			}
		}
	}
}

// Empirical replay takes the samples in order, cycling.
func TestEmpiricalReplay(t *testing.T) {
	a, err := compileArrivals("a", Arrivals{Kind: ArrivalEmpirical, Samples: []float64{1, 2, 6}})
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	at := 0.0
	for range 5 {
		at = a.after(at, nil)
		got = append(got, at)
	}
	if want := []float64{1, 3, 9, 10, 12}; !slices.Equal(got, want) {
		t.Errorf("arrivals at %v, want %v", got, want)
	}
}

func TestSelectQuantile(t *testing.T) {
	g := newRNG(4, 0, streamDuration, 0)
	for _, n := range []int{1, 2, 3, 10, 101, 5000} {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Floor(g.float64() * 50) // with ties
		}
		sorted := slices.Sorted(slices.Values(x))
		for _, p := range []float64{0, 0.5, 0.85, 0.95, 1} {
			h := p * float64(n-1)
			i := int(h)
			want := sorted[i]
			if i+1 < n {
				want += (h - float64(i)) * (sorted[i+1] - sorted[i])
			}
			if got := selectQuantile(slices.Clone(x), p); got != want {
				t.Errorf("n %d, p %v: %v, want %v", n, p, got, want)
			}
		}
	}
}

// Streams are fixed by (seed, replication, stream) alone.
func TestStreamSeeds(t *testing.T) {
	a, b := newRNG(9, 1, streamRouting, 3), newRNG(9, 1, streamRouting, 3)
	c, d := newRNG(9, 2, streamRouting, 3), newRNG(9, 1, streamRouting, 4)
	x := a.float64()
	if x != b.float64() {
		t.Error("the same stream gave different numbers")
	}
	if x == c.float64() || x == d.float64() {
		t.Error("different streams gave the same first number")
	}
}
