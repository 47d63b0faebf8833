package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
	"github.com/svcflow/svcflow/internal/report"
	"github.com/svcflow/svcflow/internal/sim"
)

func simCommands() []subcommand {
	return []subcommand{
		{"run", "sim run SCENARIO.yaml [--replications N] [--seed S] [--json FILE] [--html FILE]",
			"simulate a scenario file: time to resolve, throughput, utilization, queues", simRun},
		{"compare", "sim compare BASELINE.yaml SCENARIO.yaml… [--replications N] [--seed S] [--json FILE] [--html FILE]",
			"simulate scenarios with the same seed and compare each with the first", simCompare},
		{"calibrate", "sim calibrate LOG|--store --stream ID [--map FILE] [--output FILE] [reader and timing flags]",
			"fit a baseline scenario from an observed log", simCalibrate},
		{"queue", "sim queue --servers C --arrival-rate L --service-rate M --horizon H [--warm-up W] [--replications N] [--seed S] [--format text|json]",
			"simulate one FIFO queue with C servers (M/M/c) beside its queueing-theory values", simQueue},
	}
}

// runSim simulates value streams: `svcflow sim run|compare|calibrate|queue`.
func runSim(ctx context.Context, e *env, args []string) error {
	return dispatchSub(ctx, e, "sim", simCommands(), args, "")
}

func simQueue(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim queue", simCommands()[3].usage)
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

// simFlags are the flags sim run and sim compare share.
type simFlags struct {
	replications int
	seed         uint64
	json, html   string
}

func (f *simFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.replications, "replications", 0, "replications (default: the scenario's)")
	fs.Uint64Var(&f.seed, "seed", 0, "the seed (default: the scenario's); the same seed gives the same report")
	fs.StringVar(&f.json, "json", "", "write the report as JSON to `FILE` (- for standard output)")
	fs.StringVar(&f.html, "html", "", "write a self-contained HTML report to `FILE`")
}

// loadScenario reads a scenario file (and the baseline it builds on) and
// returns the model to simulate, printing every problem of the files.
func loadScenario(e *env, path string, f *simFlags) (*sim.Model, error) {
	s, ds := sim.ReadScenario(os.DirFS(filepath.Dir(path)), filepath.Base(path))
	for _, d := range ds {
		d.File = filepath.Join(filepath.Dir(path), d.File)
		fmt.Fprintln(e.stderr, d)
	}
	if s == nil {
		return nil, errReported
	}
	m, err := s.Resolve()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.replications > 0 {
		m.Replications = f.replications
	}
	if f.seed > 0 {
		m.Seed = f.seed
	}
	return m, nil
}

func simRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim run", simCommands()[0].usage)
	var f simFlags
	f.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		return usagef("sim run takes one scenario file, got %d arguments", len(pos))
	}
	m, err := loadScenario(e, pos[0], &f)
	if err != nil {
		return err
	}
	r, err := sim.Run(ctx, m, sim.RunOptions{SkipItems: true})
	if err != nil {
		return err
	}
	runs := []report.SimRun{{Name: scenarioName(m, pos[0]), Report: r}}
	return simOutputs(e, &f, runs, nil)
}

func simCompare(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim compare", simCommands()[1].usage)
	var f simFlags
	f.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) < 2 {
		return usagef("sim compare takes a baseline and at least one other scenario file")
	}
	var runs []report.SimRun
	seed := f.seed
	for i, p := range pos {
		m, err := loadScenario(e, p, &f)
		if err != nil {
			return err
		}
		if i == 0 && seed == 0 {
			seed = m.Seed
		}
		// The same seed for every scenario: common random numbers make
		// the differences sharper than the noise of independent runs.
		m.Seed = seed
		r, err := sim.Run(ctx, m, sim.RunOptions{SkipItems: true})
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		runs = append(runs, report.SimRun{Name: scenarioName(m, p), Report: r})
	}
	var comps []report.SimComparison
	for _, r := range runs[1:] {
		comps = append(comps, report.SimComparison{Baseline: runs[0].Name, Scenario: r.Name, Metrics: sim.CompareReports(runs[0].Report, r.Report)})
	}
	return simOutputs(e, &f, runs, comps)
}

func scenarioName(m *sim.Model, path string) string {
	if m.Name != "" {
		return m.Name
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// simOutputs writes the JSON and HTML reports asked for and the text
// summary (unless the JSON went to standard output).
func simOutputs(e *env, f *simFlags, runs []report.SimRun, comps []report.SimComparison) error {
	doc := report.SimDocument{Scenarios: runs, Comparisons: comps}
	toStdout := false
	if f.json == "-" {
		toStdout = true
		if err := writeJSON(e.stdout, doc); err != nil {
			return err
		}
	} else if f.json != "" {
		if err := writeFileAtomic(f.json, func(w io.Writer) error { return writeJSON(w, doc) }); err != nil {
			return err
		}
	}
	if f.html != "" {
		if err := writeFileAtomic(f.html, func(w io.Writer) error { return report.SimHTML(w, doc, report.HTMLOptions{}) }); err != nil {
			return err
		}
	}
	if toStdout {
		return nil
	}
	return report.SimText(e.stdout, doc)
}

func simCalibrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim calibrate", simCommands()[2].usage)
	var rf readFlags
	rf.register(fs, true)
	var sf storeFlags
	sf.register(e, fs)
	store := fs.Bool("store", false, "calibrate from the store's own event log (--data DIR or --db URL)")
	streamFlag := fs.String("stream", "", "the value stream the model follows: a library id, or a YAML file")
	mapFile := fs.String("map", "", "YAML `FILE` mapping log activities to stream steps")
	timing := fs.String("timing", "", "lifecycle, completion or state (default: from the log)")
	statesFile := fs.String("states", "", "state timing: the YAML `FILE` classing each state")
	var resolved multiFlag
	fs.Var(&resolved, "resolved-activity", "an activity that resolves a case (repeatable)")
	output := fs.String("output", "", "write the scenario to `FILE` instead of standard output")
	replications := fs.Int("replications", 10, "replications the scenario asks for")
	seed := fs.Uint64("seed", 1, "the scenario's seed")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	switch {
	case *store && len(pos) > 0:
		return usagef("sim calibrate takes a log file or --store, not both")
	case !*store && len(pos) != 1:
		return usagef("sim calibrate takes one log file (CSV or XES), or --store")
	case *streamFlag == "":
		return usagef("sim calibrate needs --stream ID: the value stream the model follows")
	}
	opt := sim.CalibrateOptions{Replications: *replications, Seed: *seed}
	if opt.Stream, err = findStream(e, *streamFlag); err != nil {
		return err
	}
	if *mapFile != "" {
		if opt.Mapping, err = readWith(*mapFile, flow.ParseMapping); err != nil {
			return err
		}
	}
	switch t := flow.Timing(*timing); t {
	case "", flow.TimingLifecycle, flow.TimingCompletion, flow.TimingState:
		opt.Flow.Timing = t
	default:
		return usagef("--timing %q: expected lifecycle, completion or state", *timing)
	}
	if *statesFile != "" {
		if opt.Flow.States, err = readWith(*statesFile, flow.ParseStates); err != nil {
			return err
		}
		if opt.Flow.Timing == "" {
			opt.Flow.Timing = flow.TimingState
		}
	}
	opt.Flow.ResolvedActivities = resolved
	var l *eventlog.Log
	source := ""
	if *store {
		if l, err = storeLog(ctx, &sf); err != nil {
			return err
		}
		l = l.SelectItems(eventlog.ItemFilter{Stream: opt.Stream.ID})
		if len(opt.Flow.ResolvedActivities) == 0 {
			opt.Flow.ResolvedActivities = []string{eventlog.ActivityResolved}
		}
		source = "the store"
	} else {
		res, err := rf.read(e, pos[0])
		if err != nil {
			return err
		}
		l, source = res.Log, pos[0]
	}
	m, err := sim.Calibrate(l, opt)
	if err != nil {
		return fmt.Errorf("calibrate from %s: %w", source, err)
	}
	sc := &sim.Scenario{Name: m.Name, Note: m.Note, Model: m}
	write := func(w io.Writer) error { return sim.WriteScenario(w, sc) }
	if *output == "" {
		return write(e.stdout)
	}
	if err := writeFileAtomic(*output, write); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s: %s\n", *output, m.Note)
	return nil
}
