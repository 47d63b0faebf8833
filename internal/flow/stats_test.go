package flow

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuantilesNumpy(t *testing.T) {
	// numpy.percentile(x, [50, 85, 95]) with the default (linear) method.
	for _, c := range []struct {
		x    []int64
		want [4]float64
	}{
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, [4]float64{5.5, 8.65, 9.55, 10}},
		{[]int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, [4]float64{5.5, 8.65, 9.55, 10}},
		{[]int64{7}, [4]float64{7, 7, 7, 7}},
		{[]int64{1, 100}, [4]float64{50.5, 85.15, 95.05, 100}},
		{[]int64{3, 3, 3, 1, 1}, [4]float64{3, 3, 3, 3}},
	} {
		got := quantiles(slices.Clone(c.x))
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-9 {
				t.Errorf("%v: got %v, want %v", c.x, got, c.want)
				break
			}
		}
	}
}

func TestQuantilesMatchSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 300; n++ {
		x := make([]int64, n)
		for i := range x {
			x[i] = rng.Int64N(int64(n/3 + 1)) // many ties
		}
		sorted := make([]float64, n)
		for i, v := range x {
			sorted[i] = float64(v)
		}
		slices.Sort(sorted)
		got := quantiles(x)
		want := [4]float64{quantile(sorted, .5), quantile(sorted, .85), quantile(sorted, .95), sorted[n-1]}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-9 {
				t.Fatalf("n=%d: got %v, want %v", n, got, want)
			}
		}
	}
}

func TestSelectNthAdversarial(t *testing.T) {
	// Sorted, reversed and organ-pipe inputs stay linear (or fall back to a sort).
	n := 100_000
	for _, gen := range []func(i int) int64{
		func(i int) int64 { return int64(i) },
		func(i int) int64 { return int64(n - i) },
		func(i int) int64 { return int64(min(i, n-i)) },
		func(i int) int64 { return 5 },
	} {
		x := make([]int64, n)
		for i := range x {
			x[i] = gen(i)
		}
		want := slices.Clone(x)
		slices.Sort(want)
		selectNth(x, n*85/100)
		if x[n*85/100] != want[n*85/100] {
			t.Fatalf("got %d, want %d", x[n*85/100], want[n*85/100])
		}
	}
}

func TestRound9(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{1.0 / 3, 0.333333333},
		{2.0 / 3 * 1e6, 666666.667},
		{123456789012, 123456789000},
		{0, 0},
		{-1.23456789012e-5, -1.23456789e-5},
		{1, 1}, {700.0000000001, 700}, {86400.5, 86400.5}, {1e-12 / 3, 3.33333333e-13},
	} {
		if got := round9(c.in); got != c.want {
			t.Errorf("round9(%v): got %v, want %v", c.in, got, c.want)
		}
	}
	if num(math.NaN()) != nil || ratio(1, 0) != nil {
		t.Error("NaN and x/0 should be null")
	}
}

func TestSlope(t *testing.T) {
	if got := slope([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7}); got != 2 {
		t.Errorf("got %v, want 2", got)
	}
	if !math.IsNaN(slope([]float64{1}, []float64{1})) {
		t.Error("one point: want NaN")
	}
}
