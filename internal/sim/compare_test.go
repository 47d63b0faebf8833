package sim

import (
	"encoding/json"
	"math"
	"testing"
)

func TestStudentT975Table(t *testing.T) {
	// Two-sided 95 % critical values as printed in t tables (3 decimals).
	table := []struct {
		df   int
		want float64
	}{
		{1, 12.706}, {2, 4.303}, {3, 3.182}, {4, 2.776}, {5, 2.571}, {9, 2.262},
		{10, 2.228}, {20, 2.086}, {30, 2.042}, {60, 2.000}, {120, 1.980}, {100000, 1.960},
	}
	for _, c := range table {
		if got := StudentT975(c.df); math.Abs(got-c.want) > 0.0005 {
			t.Errorf("StudentT975(%d) = %.5f, want %.3f", c.df, got, c.want)
		}
	}
	if got := StudentT975(0); !math.IsInf(got, 1) {
		t.Errorf("StudentT975(0) = %v, want +Inf", got)
	}
}

func TestStudentTQuantileOtherLevels(t *testing.T) {
	table := []struct {
		p, df, want float64
	}{
		{0.95, 10, 1.812}, {0.995, 10, 3.169}, {0.9, 30, 1.310}, {0.05, 5, -2.015}, {0.5, 7, 0},
	}
	for _, c := range table {
		if got := StudentTQuantile(c.p, c.df); math.Abs(got-c.want) > 0.0005 {
			t.Errorf("StudentTQuantile(%v, %v) = %.5f, want %.3f", c.p, c.df, got, c.want)
		}
	}
	for _, bad := range [][2]float64{{0, 5}, {1, 5}, {0.5, 0}, {math.NaN(), 3}} {
		if got := StudentTQuantile(bad[0], bad[1]); !math.IsNaN(got) {
			t.Errorf("StudentTQuantile(%v, %v) = %v, want NaN", bad[0], bad[1], got)
		}
	}
}

func TestStudentTCDFClosedForms(t *testing.T) {
	// df = 1 is Cauchy: F(t) = 1/2 + atan(t)/π; df = 2: F(t) = 1/2 + t/(2√(2+t²)).
	for _, x := range []float64{-30, -3, -1, -0.2, 0, 0.5, 1, 2, 7, 100} {
		if got, want := StudentTCDF(x, 1), 0.5+math.Atan(x)/math.Pi; math.Abs(got-want) > 1e-12 {
			t.Errorf("StudentTCDF(%v, 1) = %v, want %v", x, got, want)
		}
		if got, want := StudentTCDF(x, 2), 0.5+x/(2*math.Sqrt(2+x*x)); math.Abs(got-want) > 1e-12 {
			t.Errorf("StudentTCDF(%v, 2) = %v, want %v", x, got, want)
		}
	}
	// Far in the tail the survival function keeps relative accuracy.
	if got, want := StudentTSF(1e6, 1), math.Atan(1/1e6)/math.Pi; math.Abs(got-want)/want > 1e-9 {
		t.Errorf("StudentTSF(1e6, 1) = %v, want %v", got, want)
	}
}

// tPDF integrated numerically gives an independent check of the CDF for a
// fractional df, as Welch's test produces.
func tPDF(x, df float64) float64 {
	lg1, _ := math.Lgamma((df + 1) / 2)
	lg2, _ := math.Lgamma(df / 2)
	return math.Exp(lg1-lg2-0.5*math.Log(df*math.Pi)) * math.Pow(1+x*x/df, -(df+1)/2)
}

func simpson(f func(float64) float64, a, b float64, n int) float64 {
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

func TestStudentTCDFFractionalDF(t *testing.T) {
	for _, df := range []float64{1.5, 3.7, 5.882, 12.25} {
		for _, x := range []float64{0.3, 1, 1.8974, 3} {
			want := 0.5 + simpson(func(u float64) float64 { return tPDF(u, df) }, 0, x, 20000)
			if got := StudentTCDF(x, df); math.Abs(got-want) > 1e-9 {
				t.Errorf("StudentTCDF(%v, %v) = %.12f, want %.12f", x, df, got, want)
			}
		}
	}
}

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
	wantP := 2 * (0.5 - simpson(func(u float64) float64 { return tPDF(u, c.DF) }, 0, c.T, 20000))
	if math.Abs(c.PValue-wantP) > 1e-9 || c.PValue < 0.1 || c.PValue > 0.12 {
		t.Errorf("got p %v, want %v (about 0.108)", c.PValue, wantP)
	}
	if c.Significant {
		t.Error("got significant, want not significant at p ≈ 0.11")
	}
	h := StudentTQuantile(0.975, c.DF) * math.Sqrt(2.5)
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
	shift := StudentT975(10) * se
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
