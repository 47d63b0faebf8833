package sim

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/svcflow/svcflow/internal/flow"
)

func TestCompareMetricWelch(t *testing.T) {
	// a: mean 3, variance 2.5; b: mean 6, variance 10. se² = 0.5 + 2 = 2.5,
	// t = 3/√2.5 = 1.8974, df = 2.5² / (0.5²/4 + 2²/4) = 5.8824.
	a := []float64{1, 2, 3, 4, 5}
	b := []float64{2, 4, 6, 8, 10}
	c := CompareMetric("time_to_resolve", a, b)
	if c.Difference != 3 || c.MeanA != 3 || c.MeanB != 6 || c.NA != 5 || c.NB != 5 {
		t.Fatalf("got %+v, want means 3 and 6, difference 3, 5 values each", c)
	}
	if math.Abs(c.T-1.897367) > 1e-6 {
		t.Errorf("got t %v, want 1.897367", c.T)
	}
	if math.Abs(c.DF-5.882353) > 1e-6 {
		t.Errorf("got df %v, want 5.882353", c.DF)
	}
	// The p-value from the t density integrated numerically.
	wantP := 2 * flow.StudentTSF(c.T, c.DF) // the tail itself is checked numerically in internal/flow
	if math.Abs(c.PValue-wantP) > 1e-9 || c.PValue < 0.1 || c.PValue > 0.12 {
		t.Errorf("got p %v, want %v (about 0.108)", c.PValue, wantP)
	}
	if c.Significant {
		t.Error("got significant, want not significant at p ≈ 0.11")
	}
	h := flow.StudentTQuantile(0.975, c.DF) * math.Sqrt(2.5)
	if c.CI95 == nil || math.Abs(c.CI95.Low-(3-h)) > 1e-9 || math.Abs(c.CI95.High-(3+h)) > 1e-9 {
		t.Errorf("got CI %+v, want 3 ± %v", c.CI95, h)
	}
	if c.CI95.Low > 0 {
		t.Error("the CI excludes 0 though the test is not significant")
	}
}

func TestCompareMetricCriticalValue(t *testing.T) {
	// Equal variances and sizes make Welch's df the pooled one, 2n − 2 = 10;
	// a difference of exactly t(0.975, 10) standard errors has p = 0.05.
	a := []float64{-1, 1, -1, 1, -1, 1}
	var b []float64
	se := math.Sqrt(2 * 1.2 / 6) // variance of a is 6/5
	shift := flow.StudentT975(10) * se
	for _, x := range a {
		b = append(b, x+shift)
	}
	c := CompareMetric("m", a, b)
	if math.Abs(c.DF-10) > 1e-9 {
		t.Fatalf("got df %v, want 10", c.DF)
	}
	if math.Abs(c.PValue-0.05) > 1e-9 {
		t.Errorf("got p %v, want 0.05", c.PValue)
	}
	if math.Abs(c.CI95.Low) > 1e-9 {
		t.Errorf("got CI low %v, want 0 (the interval just touches 0)", c.CI95.Low)
	}
	b2 := append([]float64(nil), b...)
	for i := range b2 {
		b2[i] += 0.01
	}
	if c := CompareMetric("m", a, b2); !c.Significant || c.PValue >= 0.05 {
		t.Errorf("a little further: got p %v, significant %v; want p < 0.05, significant", c.PValue, c.Significant)
	}
}

func TestCompareMetricEdges(t *testing.T) {
	tests := []struct {
		name        string
		a, b        []float64
		wantDiff    float64
		wantCI      bool
		significant bool
		wantP       float64
	}{
		{"one replication each", []float64{1}, []float64{2}, 1, false, false, 1},
		{"no values", nil, []float64{2, 3}, 0, false, false, 1},
		{"constant and equal", []float64{2, 2, 2}, []float64{2, 2}, 0, true, false, 1},
		{"constant and different", []float64{2, 2, 2}, []float64{3, 3}, 1, true, true, 0},
		{"non-finite values left out", []float64{1, math.NaN(), 3, math.Inf(1)}, []float64{1, 3}, 0, true, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := CompareMetric("m", tc.a, tc.b)
			if c.Difference != tc.wantDiff || (c.CI95 != nil) != tc.wantCI || c.Significant != tc.significant || math.Abs(c.PValue-tc.wantP) > 1e-12 {
				t.Errorf("got %+v (CI %v), want difference %v, CI %v, significant %v, p %v", c, c.CI95, tc.wantDiff, tc.wantCI, tc.significant, tc.wantP)
			}
			if _, err := json.Marshal(c); err != nil {
				t.Errorf("the comparison does not encode as JSON: %v", err)
			}
		})
	}
}
