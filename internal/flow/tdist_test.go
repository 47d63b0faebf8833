package flow

import (
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
