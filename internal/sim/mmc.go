package sim

import (
	"context"
	"math"

	"github.com/svcflow/svcflow"
)

// QueueOptions is a textbook queue: one FIFO queue served by Servers
// servers, Poisson arrivals at ArrivalRate and exponential service at
// ServiceRate per server (M/M/c), in abstract time units, observed for
// Horizon after WarmUp, Replications times from Seed.
type QueueOptions struct {
	Servers                  int
	ArrivalRate, ServiceRate float64
	Horizon, WarmUp          float64
	Replications             int
	Seed                     uint64
}

// QueueReport is what a textbook queue measured, each figure the mean over
// replications with the half-width of its 95 % confidence interval beside
// it, and the analytic values (Erlang C) when the queue is stable (ρ < 1).
// Rounded to 9 significant digits.
type QueueReport struct {
	Servers      int     `json:"servers"`
	ArrivalRate  float64 `json:"arrival_rate"`
	ServiceRate  float64 `json:"service_rate"`
	Horizon      float64 `json:"horizon"`
	WarmUp       float64 `json:"warm_up"`
	Replications int     `json:"replications"`
	Seed         uint64  `json:"seed"`
	Events       int64   `json:"events"`

	// MeanWait is Wq, the mean time in queue before service of the
	// customers served in the window.
	MeanWait     float64  `json:"mean_wait"`
	MeanWaitCI95 *float64 `json:"mean_wait_ci95"`
	// MeanInSystem is L, the time-average number in the system.
	MeanInSystem     float64  `json:"mean_in_system"`
	MeanInSystemCI95 *float64 `json:"mean_in_system_ci95"`
	// Throughput is customers served per time unit.
	Throughput     float64  `json:"throughput"`
	ThroughputCI95 *float64 `json:"throughput_ci95"`
	// Utilization is the busy share of the servers' time.
	Utilization     float64  `json:"utilization"`
	UtilizationCI95 *float64 `json:"utilization_ci95"`

	// Rho is λ ÷ (cμ).
	Rho                  float64  `json:"rho"`
	AnalyticMeanWait     *float64 `json:"analytic_mean_wait,omitempty"`
	AnalyticMeanInSystem *float64 `json:"analytic_mean_in_system,omitempty"`
}

// Queue simulates the textbook queue opt describes on the simulation
// engine: a model of one class, one team of Servers people and one step.
// Errors are svcflow.ErrInvalid naming the option at fault, or the
// context's error.
func Queue(ctx context.Context, opt QueueOptions) (*QueueReport, error) {
	bad := svcflow.FieldErrorf
	switch {
	case opt.Servers < 1:
		return nil, bad("servers", "%d, want ≥ 1", opt.Servers)
	case !(opt.ArrivalRate > 0):
		return nil, bad("arrival_rate", "%v, want > 0", opt.ArrivalRate)
	case !(opt.ServiceRate > 0):
		return nil, bad("service_rate", "%v, want > 0", opt.ServiceRate)
	}
	m := QueueModel(opt)
	rep, err := Run(ctx, m, RunOptions{SkipItems: true})
	if err != nil {
		return nil, err
	}
	qr := &QueueReport{
		Servers: opt.Servers, ArrivalRate: r9(opt.ArrivalRate), ServiceRate: r9(opt.ServiceRate),
		Horizon: r9(opt.Horizon), WarmUp: r9(opt.WarmUp), Replications: rep.Replications, Seed: opt.Seed,
		Events: rep.Events,
		Rho:    r9(opt.ArrivalRate / (float64(opt.Servers) * opt.ServiceRate)),
	}
	n := len(rep.Runs)
	wait, inSys, thr, util := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i, r := range rep.Runs {
		s := r.Steps[0]
		wait[i] = s.Wait / float64(s.Visits)
		inSys[i] = s.MeanWIP
		thr[i] = s.Little.Lambda
		util[i] = r.Utilization[0]
	}
	qr.MeanWait, qr.MeanWaitCI95 = meanCI(wait)
	qr.MeanInSystem, qr.MeanInSystemCI95 = meanCI(inSys)
	qr.Throughput, qr.ThroughputCI95 = meanCI(thr)
	qr.Utilization, qr.UtilizationCI95 = meanCI(util)
	if wq, l, ok := ErlangC(opt.Servers, opt.ArrivalRate, opt.ServiceRate); ok {
		qr.AnalyticMeanWait, qr.AnalyticMeanInSystem = ptr(r9(wq)), ptr(r9(l))
	}
	return qr, nil
}

// QueueModel is the model Queue simulates: class "customers", team
// "servers", step "service".
func QueueModel(opt QueueOptions) *Model {
	return &Model{
		Name:  "M/M/c",
		Teams: []Team{{ID: "servers", People: opt.Servers}},
		Work: []Class{{
			ID:       "customers",
			Arrivals: Arrivals{Kind: ArrivalPoisson, Rate: opt.ArrivalRate},
			Entry:    "service",
			Steps: []Step{{
				ID: "service", Team: "servers",
				Duration: Dist{Kind: DistExponential, Mean: 1 / opt.ServiceRate},
				Next:     []Route{{To: Value, Probability: 1}},
			}},
		}},
		Horizon: opt.Horizon, WarmUp: opt.WarmUp, Replications: opt.Replications, Seed: opt.Seed,
	}
}

// ErlangC returns the M/M/c queue's mean wait in queue Wq and mean number
// in system L, from the Erlang C probability of waiting; ok is false when
// the queue is not stable (λ ≥ cμ).
func ErlangC(c int, lambda, mu float64) (wq, l float64, ok bool) {
	a := lambda / mu // offered load
	rho := a / float64(c)
	if c < 1 || !(rho < 1) || !(a > 0) {
		return 0, 0, false
	}
	// Σ_{k<c} a^k/k! and a^c/c!, built term by term.
	sum, term := 0.0, 1.0
	for k := range c {
		sum += term
		term *= a / float64(k+1)
	}
	tail := term / (1 - rho)
	pWait := tail / (sum + tail)
	wq = pWait / (float64(c)*mu - lambda)
	return wq, lambda*wq + a, !math.IsInf(wq, 0)
}
