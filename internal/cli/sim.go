package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/svcflow/svcflow/internal/sim"
)

func simCommands() []subcommand {
	return []subcommand{
		{"queue", "sim queue --servers C --arrival-rate L --service-rate M --horizon H [--warm-up W] [--replications N] [--seed S] [--format text|json]",
			"simulate one FIFO queue with C servers (M/M/c) beside its queueing-theory values", simQueue},
	}
}

// runSim simulates value streams: `svcflow sim run|compare|calibrate|queue`.
func runSim(ctx context.Context, e *env, args []string) error {
	return dispatchSub(ctx, e, "sim", simCommands(), args, "")
}

func simQueue(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim queue", simCommands()[0].usage)
	var opt sim.QueueOptions
	fs.IntVar(&opt.Servers, "servers", 1, "servers (C)")
	fs.Float64Var(&opt.ArrivalRate, "arrival-rate", 0, "arrivals per time unit (λ)")
	fs.Float64Var(&opt.ServiceRate, "service-rate", 0, "services per time unit per server (μ)")
	fs.Float64Var(&opt.Horizon, "horizon", 0, "time units observed per replication, after the warm-up")
	fs.Float64Var(&opt.WarmUp, "warm-up", -1, "time units simulated first and not observed (default a tenth of the horizon)")
	fs.IntVar(&opt.Replications, "replications", 10, "independent replications")
	fs.Uint64Var(&opt.Seed, "seed", 1, "the seed: the same seed gives the same report")
	format := fs.String("format", "text", "text or json")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("sim queue takes no arguments, got %q", pos[0])
	}
	if *format != "text" && *format != "json" {
		return usagef("unknown --format %q; expected text or json", *format)
	}
	if opt.ArrivalRate <= 0 || opt.ServiceRate <= 0 || opt.Horizon <= 0 || opt.Servers < 1 || opt.Replications < 1 {
		return usagef("sim queue needs --servers ≥ 1, --arrival-rate, --service-rate and --horizon above 0, and --replications ≥ 1")
	}
	if opt.WarmUp < 0 {
		opt.WarmUp = opt.Horizon / 10
	}
	r, err := sim.Queue(ctx, opt)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, r)
	}
	return queueText(e.stdout, r)
}

func queueText(w io.Writer, r *sim.QueueReport) error {
	ci := func(v *float64) string {
		if v == nil {
			return ""
		}
		return " ± " + strconv.FormatFloat(*v, 'g', 4, 64)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	analytic := func(v *float64) string {
		if v == nil {
			return ""
		}
		return "   (theory " + num(*v) + ")"
	}
	_, err := fmt.Fprintf(w, "M/M/%d queue: λ %s, μ %s, ρ %s; %d replications of %s time units after %s of warm-up (seed %d, %d events)\n"+
		"mean wait in queue (Wq)    %s%s%s\n"+
		"mean number in system (L)  %s%s%s\n"+
		"throughput                 %s%s\n"+
		"utilization                %s%s\n",
		r.Servers, num(r.ArrivalRate), num(r.ServiceRate), num(r.Rho), r.Replications, num(r.Horizon), num(r.WarmUp), r.Seed, r.Events,
		num(r.MeanWait), ci(r.MeanWaitCI95), analytic(r.AnalyticMeanWait),
		num(r.MeanInSystem), ci(r.MeanInSystemCI95), analytic(r.AnalyticMeanInSystem),
		num(r.Throughput), ci(r.ThroughputCI95),
		num(r.Utilization), ci(r.UtilizationCI95))
	return err
}
