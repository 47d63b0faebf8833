package sim

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/svcflow/svcflow"
)

// mmcCases are the textbook queues the engine must reproduce. Horizons are
// long enough that the standard error of each estimate is about 1 % or
// less (the time-average of an M/M/1 queue at ρ has asymptotic variance
// 2ρ(1+ρ)/(μ(1−ρ)⁴) per unit of time, 34 200 at ρ = 0.9), so that 3 % is
// about three standard errors away whatever the seed; the warm-ups are
// over ten relaxation times (1/(μ(1−√ρ)²), 380 at ρ = 0.9).
var mmcCases = []struct {
	name string
	opt  QueueOptions
}{
	{"M/M/1 rho=0.5", QueueOptions{Servers: 1, ArrivalRate: 0.5, ServiceRate: 1, Horizon: 100_000, WarmUp: 1_000, Replications: 10}},
	{"M/M/1 rho=0.8", QueueOptions{Servers: 1, ArrivalRate: 0.8, ServiceRate: 1, Horizon: 125_000, WarmUp: 2_000, Replications: 16}},
	{"M/M/1 rho=0.9", QueueOptions{Servers: 1, ArrivalRate: 0.9, ServiceRate: 1, Horizon: 400_000, WarmUp: 5_000, Replications: 20}},
	{"M/M/3 rho=0.8", QueueOptions{Servers: 3, ArrivalRate: 2.4, ServiceRate: 1, Horizon: 125_000, WarmUp: 2_000, Replications: 16}},
}

func TestQueueMatchesErlangC(t *testing.T) {
	if testing.Short() {
		t.Skip("long runs")
	}
	for _, tc := range mmcCases {
		t.Run(tc.name, func(t *testing.T) {
			opt := tc.opt
			opt.Seed = 20260302
			q, err := Queue(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			if q.AnalyticMeanWait == nil || q.AnalyticMeanInSystem == nil {
				t.Fatalf("no analytic values at rho %v", q.Rho)
			}
			for _, f := range []struct {
				name      string
				got, want float64
				ci        *float64
			}{
				{"mean_wait", q.MeanWait, *q.AnalyticMeanWait, q.MeanWaitCI95},
				{"mean_in_system", q.MeanInSystem, *q.AnalyticMeanInSystem, q.MeanInSystemCI95},
				{"utilization", q.Utilization, q.Rho, q.UtilizationCI95},
				{"throughput", q.Throughput, opt.ArrivalRate, q.ThroughputCI95},
			} {
				diff := math.Abs(f.got - f.want)
				t.Logf("%s: got %.4f ± %.4f, analytic %.4f (%.2f %% off)", f.name, f.got, *f.ci, f.want, 100*diff/f.want)
				if diff > 3**f.ci {
					t.Errorf("%s = %v, more than 3 × the half-width %v from the analytic %v", f.name, f.got, *f.ci, f.want)
				}
				if diff > 0.03*f.want {
					t.Errorf("%s = %v, more than 3 %% from the analytic %v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestErlangC(t *testing.T) {
	for _, tc := range []struct {
		c          int
		lambda, mu float64
		wq, l      float64
	}{
		{1, 0.5, 1, 1, 1}, // ρ/(μ−λ), ρ/(1−ρ)
		{1, 0.9, 1, 9, 9}, //
		{2, 1, 1, 1.0 / 3, 4.0 / 3},
		// c = 3, a = 2.4: P(wait) = 0.647191…, Wq = P/(3 − 2.4).
		{3, 2.4, 1, 0.6471910112359551 / 0.6, 2.4*0.6471910112359551/0.6 + 2.4},
	} {
		wq, l, ok := ErlangC(tc.c, tc.lambda, tc.mu)
		if !ok || math.Abs(wq-tc.wq) > 1e-9 || math.Abs(l-tc.l) > 1e-9 {
			t.Errorf("ErlangC(%d, %v, %v) = %v, %v, %v; want %v, %v, true", tc.c, tc.lambda, tc.mu, wq, l, ok, tc.wq, tc.l)
		}
	}
	if _, _, ok := ErlangC(2, 2, 1); ok {
		t.Error("ErlangC at ρ = 1 is ok, want not")
	}
}

func TestQueueUnstableHasNoAnalyticValues(t *testing.T) {
	q, err := Queue(context.Background(), QueueOptions{Servers: 1, ArrivalRate: 2, ServiceRate: 1, Horizon: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if q.AnalyticMeanWait != nil || q.AnalyticMeanInSystem != nil {
		t.Errorf("analytic values at ρ = 2: %v, %v; want none", *q.AnalyticMeanWait, *q.AnalyticMeanInSystem)
	}
	if q.MeanWaitCI95 != nil {
		t.Errorf("one replication has a half-width %v, want null", *q.MeanWaitCI95)
	}
}

func TestQueueOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opt   QueueOptions
		field string
	}{
		{QueueOptions{Servers: 0, ArrivalRate: 1, ServiceRate: 1, Horizon: 1}, "servers"},
		{QueueOptions{Servers: 1, ArrivalRate: 0, ServiceRate: 1, Horizon: 1}, "arrival_rate"},
		{QueueOptions{Servers: 1, ArrivalRate: 1, ServiceRate: -1, Horizon: 1}, "service_rate"},
		{QueueOptions{Servers: 1, ArrivalRate: 1, ServiceRate: 1}, "horizon"},
	} {
		_, err := Queue(context.Background(), tc.opt)
		var e *svcflow.Error
		if !errors.As(err, &e) || e.Field != tc.field || e.Code != svcflow.ErrInvalid {
			t.Errorf("Queue(%+v) = %v, want an invalid %s", tc.opt, err, tc.field)
		}
	}
}

func BenchmarkMMc(b *testing.B) {
	opt := QueueOptions{Servers: 3, ArrivalRate: 2.4, ServiceRate: 1, Horizon: 100_000, Replications: 1, Seed: 1}
	var events, customers int64
	for b.Loop() {
		m := QueueModel(opt)
		r, err := Run(context.Background(), m, RunOptions{SkipItems: true})
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
		customers += r.Steps[0].Visits
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/s, "events/s")
	b.ReportMetric(float64(customers)/s, "customers/s")
}
