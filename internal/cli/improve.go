package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/improve"
)

// improveEvery is how often a server captures due baselines and evaluates
// improvements whose window has ended.
const improveEvery = 5 * time.Minute

func improveCommands() []subcommand {
	return []subcommand{
		{"list", "improve list [--json]", "the continual improvement register", improveList},
		{"show", "improve show ID", "one register entry with its baseline and evaluation (JSON)", improveShow},
		{"raise", "improve raise --as PERSON --title T --problem P --action A (--metric M --direction D --target N [--step S] | --from-bottleneck STREAM) [--stream S] [--window 14d] [--owner PERSON] [--from-item ID]",
			"raise an improvement with its one success criterion", improveRaise},
		{"evaluate", "improve evaluate", "capture due baselines and evaluate improvements whose window has ended, now", improveEvaluate},
	}
}

// runImprove runs `svcflow improve SUBCOMMAND` against the store.
func runImprove(ctx context.Context, e *env, args []string) error {
	return dispatchSub(ctx, e, "improve", improveCommands(), args,
		"A server measures the register by itself every few minutes; these commands work on the store directly.")
}

// openImprove parses the flags of an improve subcommand (more adds its
// own) and opens the store's desk as the acting person; done closes it.
func openImprove(ctx context.Context, e *env, name string, args []string, more func(*flag.FlagSet)) (*desk.Desk, *svcflow.Person, *actorFlags, []string, func(), error) {
	fs, f := newActorFlags(e, "improve", improveCommands(), name, "an agent or above")
	if more != nil {
		more(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, nil, nil, nil, helpOK(err)
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	return d, actor, f, pos, done, nil
}

func improveList(ctx context.Context, e *env, args []string) error {
	d, actor, f, pos, close, err := openImprove(ctx, e, "list", args, nil)
	if err != nil {
		return err
	}
	defer close()
	if len(pos) > 0 {
		return usagef("improve list takes no arguments, got %q", pos[0])
	}
	reg, err := d.Register(ctx, actor)
	if err != nil {
		return err
	}
	if f.json {
		out := make([]registerEntry, len(reg))
		for i, v := range reg {
			out[i] = entryOf(v)
		}
		return writeJSONTo(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSTEP\tOWNER\tMETRIC\tBASELINE\tPOST\tP\tOUTCOME\tTITLE")
	for _, v := range reg {
		r := v.Register
		step, base, post, p := "-", "-", "-", "-"
		if v.Item.Visit != nil {
			step = v.Item.Visit.Step
		}
		if r.Baseline != nil {
			base = formatMetric(r.Criterion.Metric, r.Baseline.Mean)
		}
		if ev := r.Evaluation; ev != nil {
			post, p = formatMetric(r.Criterion.Metric, ev.Post), fmt.Sprintf("%.3g", ev.PValue)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Item.ID, v.Item.Status, step, r.Owner,
			metricScope(r.Criterion), base, post, p, orDash(v.Outcome), v.Content.Title)
	}
	return tw.Flush()
}

// registerEntry is an entry as the CLI prints it in JSON.
type registerEntry struct {
	ID       string              `json:"id"`
	Title    string              `json:"title"`
	Status   svcflow.Status      `json:"status"`
	Step     string              `json:"step,omitempty"`
	Outcome  string              `json:"outcome,omitempty"`
	Register svcflow.Improvement `json:"register"`
}

func entryOf(v *desk.ImprovementView) registerEntry {
	r := registerEntry{ID: v.Item.ID, Title: v.Content.Title, Status: v.Item.Status, Outcome: v.Outcome, Register: *v.Register}
	if v.Item.Visit != nil {
		r.Step = v.Item.Visit.Step
	}
	return r
}

func improveShow(ctx context.Context, e *env, args []string) error {
	d, actor, _, pos, close, err := openImprove(ctx, e, "show", args, nil)
	if err != nil {
		return err
	}
	defer close()
	if len(pos) != 1 {
		return usagef("usage: svcflow %s", improveCommands()[1].usage)
	}
	v, err := d.Improvement(ctx, actor, pos[0])
	if err != nil {
		return err
	}
	return writeJSONTo(e.stdout, entryOf(v))
}

func improveRaise(ctx context.Context, e *env, args []string) error {
	var title, problem, action, expected, stream, step, owner, fromItem, fromBottleneck, metric, direction string
	var target float64
	var windowText string
	d, actor, f, pos, close, err := openImprove(ctx, e, "raise", args, func(fs *flag.FlagSet) {
		fs.StringVar(&title, "title", "", "the improvement's title")
		fs.StringVar(&problem, "problem", "", "the problem observed")
		fs.StringVar(&action, "action", "", "the proposed action")
		fs.StringVar(&expected, "expected", "", "the expected outcome")
		fs.StringVar(&stream, "stream", "", "the value `STREAM` it concerns (and the criterion's scope)")
		fs.StringVar(&step, "step", "", "the `STEP` it concerns (and a step metric's step)")
		fs.StringVar(&owner, "owner", "", "its owner, a `PERSON` (default: who raises it)")
		fs.StringVar(&fromItem, "from-item", "", "the work `ITEM` that motivated it")
		fs.StringVar(&fromBottleneck, "from-bottleneck", "", "draft it from the top bottleneck of `STREAM`")
		fs.StringVar(&metric, "metric", "", "the criterion's metric: "+metricNames())
		fs.StringVar(&direction, "direction", "", "decrease or increase")
		fs.Float64Var(&target, "target", 0, "the value to reach, in the metric's unit (seconds for times)")
		fs.StringVar(&windowText, "window", "14d", "the evaluation window, whole days (7d, 2w)")
	})
	if err != nil {
		return err
	}
	defer close()
	if len(pos) > 0 {
		return usagef("improve raise takes no arguments, got %q", pos[0])
	}
	if f.as == "" {
		// An improvement has a person behind it, who owns it by default.
		return usagef("--as: name the person raising the improvement")
	}
	w, err := svcflow.ParseDuration(windowText)
	if err != nil {
		return usagef("--window %q: %v", windowText, err)
	}
	window := w.Calendar
	in := desk.RaiseInput{Title: title, Register: svcflow.Improvement{ProblemObserved: problem, ProposedAction: action,
		ExpectedOutcome: expected, Stream: stream, Step: step, Owner: owner,
		Criterion: svcflow.Criterion{Metric: svcflow.Metric(metric), Step: step, Stream: stream, Direction: svcflow.Direction(direction),
			Target: target, Window: w}}}
	if fromItem != "" {
		in.Register.Sources = append(in.Register.Sources, svcflow.Source{Type: svcflow.SourceItem, Ref: fromItem})
	}
	if fromBottleneck != "" {
		l, err := eventlog.ReadItemLog(func(after int64) ([]svcflow.Event, error) { return d.Store().Events(ctx, after, 5000) })
		if err != nil {
			return err
		}
		draft, err := improve.FromBottleneck(l, fromBottleneck, d.Now(), window)
		if err != nil {
			return err
		}
		in.Title = orDefault(in.Title, draft.Title)
		in.Register.ProblemObserved = orDefault(in.Register.ProblemObserved, draft.Register.ProblemObserved)
		in.Register.Stream, in.Register.Step = draft.Register.Stream, draft.Register.Step
		if metric == "" {
			in.Register.Criterion = draft.Register.Criterion
		}
		in.Register.Sources = append(in.Register.Sources, draft.Register.Sources...)
	}
	v, err := d.RaiseImprovement(ctx, actor, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "raised %s: %s (%s, target %s)\n", v.Item.ID, v.Content.Title, metricScope(v.Register.Criterion),
		formatMetric(v.Register.Criterion.Metric, v.Register.Criterion.Target))
	return nil
}

func improveEvaluate(ctx context.Context, e *env, args []string) error {
	d, _, _, pos, close, err := openImprove(ctx, e, "evaluate", args, nil)
	if err != nil {
		return err
	}
	defer close()
	if len(pos) > 0 {
		return usagef("improve evaluate takes no arguments, got %q", pos[0])
	}
	p, err := improve.Run(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "baselines captured: %d, evaluations: %d\n", len(p.Baselines), len(p.Evaluations))
	for _, id := range p.Evaluations {
		v, err := d.Improvement(ctx, desk.System, id)
		if err != nil {
			return err
		}
		ev := v.Register.Evaluation
		fmt.Fprintf(e.stdout, "%s %s: baseline %s, post %s, days %d and %d, p = %.3g\n", id, v.Outcome,
			formatMetric(v.Register.Criterion.Metric, ev.Baseline), formatMetric(v.Register.Criterion.Metric, ev.Post), ev.Days[0], ev.Days[1], ev.PValue)
	}
	for _, p := range p.Problems {
		fmt.Fprintln(e.stderr, "warning:", p)
	}
	return nil
}

// runImproveJob measures the register every period until ctx ends.
func runImproveJob(ctx context.Context, d *desk.Desk, log *slog.Logger, every time.Duration) {
	runEvery(ctx, log, "improvement register", every, func(ctx context.Context) (int, error) {
		p, err := improve.Run(ctx, d)
		for _, problem := range p.Problems {
			log.Warn("improvement register", "problem", problem)
		}
		return len(p.Baselines) + len(p.Evaluations), err
	})
}

func metricNames() string {
	names := make([]string, 0, len(svcflow.Metrics()))
	for _, m := range svcflow.Metrics() {
		names = append(names, string(m))
	}
	return strings.Join(names, ", ")
}

// metricScope names a criterion's metric with its scope.
func metricScope(c svcflow.Criterion) string {
	s := string(c.Metric)
	if c.Step != "" && c.Metric.IsStepMetric() {
		s += " of " + c.Step
	}
	if c.Stream != "" {
		s += " in " + c.Stream
	}
	return s
}

// formatMetric shows a metric's value in its unit: times as durations,
// rates as percentages, scores as they are.
func formatMetric(m svcflow.Metric, v float64) string {
	switch m {
	case svcflow.MetricReopenRate, svcflow.MetricFCRRate:
		return fmt.Sprintf("%.1f %%", 100*v)
	case svcflow.MetricSatisfactionMean:
		return fmt.Sprintf("%.2f", v)
	}
	return time.Duration(v * 1e9).Round(time.Second).String()
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
