package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/scale"
)

func scaleCommands() []subcommand {
	return []subcommand{
		{"generate", "scale generate --items N [--seed S] [--end DATE] [--data DIR | --db URL]", "generate work items and their history", scaleGenerate},
		{"check", "scale check [--sample 0.01] [--data DIR | --db URL]", "replay a sample of items and compare with the projections", scaleCheck},
		{"query", "scale query [--runs 1000] [--data DIR | --db URL]", "time the list queries", scaleQuery},
	}
}

// runScale generates work at scale, checks it and times the list queries:
// `svcflow scale generate|check|query`.
func runScale(ctx context.Context, e *env, args []string) error {
	return dispatchSub(ctx, e, "scale", scaleCommands(), args, "")
}

func scaleGenerate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "scale generate", scaleCommands()[0].usage)
	var sf storeFlags
	sf.register(e, fs)
	items := fs.Int("items", 0, "work items to generate (spawned items come on top)")
	seed := fs.Uint64("seed", 1, "the seed: the same seed, items and end write the same data")
	end := fs.String("end", "", "the `DATE` (YYYY-MM-DD, UTC) the history ends at, its \"now\" (default: today)")
	people := fs.Int("people", 20000, "people who raise work")
	batch := fs.Int("batch", 10000, "items written per transaction")
	progress := fs.Bool("progress", false, "print a progress line per batch even when stderr is not a terminal")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("scale generate takes no arguments")
	}
	if *items <= 0 {
		return usagef("scale generate needs --items N, a number above 0")
	}
	opt := scale.Options{Items: *items, Seed: *seed, People: *people, Batch: *batch}
	if *end != "" {
		if opt.End, err = time.Parse(time.DateOnly, *end); err != nil {
			return usagef("--end %q: expected a date such as 2026-03-02", *end)
		}
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	live := isTerminal(e.stderr)
	if live || *progress {
		opt.Progress = func(p scale.Progress) {
			secs := p.Elapsed.Seconds()
			line := fmt.Sprintf("%5.1f%%  %d items  %d events  %.0f items/s  %.0f events/s  %s",
				100*float64(p.Arrivals)/float64(p.Total), p.Items, p.Events,
				float64(p.Items)/secs, float64(p.Events)/secs, p.Elapsed.Round(time.Second))
			if live {
				fmt.Fprintf(e.stderr, "\r%s ", line)
			} else {
				fmt.Fprintln(e.stderr, line)
			}
		}
	}
	sum, err := scale.Generate(ctx, s, opt)
	if live {
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		return err
	}
	secs := sum.Took.Seconds()
	fmt.Fprintf(e.stdout, "generated %d work items (%d arrivals, %d spawned) with %d events and %d comments in %s: %.0f items/s, %.0f events/s\n",
		sum.Items, *items, sum.Items-*items, sum.Events, sum.Comments, sum.Took.Round(time.Second),
		float64(sum.Items)/secs, float64(sum.Events)/secs)
	fmt.Fprintf(e.stdout, "numbers %d to %d; %.1f events per item\n", sum.First, sum.Last, float64(sum.Events)/float64(sum.Items))
	var parts []string
	for _, st := range []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold,
		svcflow.StatusResolved, svcflow.StatusClosed, svcflow.StatusCancelled} {
		parts = append(parts, fmt.Sprintf("%s %d (%.2f%%)", st, sum.ByStatus[st], 100*float64(sum.ByStatus[st])/float64(sum.Items)))
	}
	fmt.Fprintf(e.stdout, "statuses: %s\n", strings.Join(parts, ", "))
	teams := slices.Sorted(maps.Keys(sum.Queued))
	slices.SortStableFunc(teams, func(a, b string) int { return sum.Queued[b] - sum.Queued[a] })
	queued := 0
	parts = parts[:0]
	for _, t := range teams {
		queued += sum.Queued[t]
		parts = append(parts, fmt.Sprintf("%s %d", t, sum.Queued[t]))
	}
	fmt.Fprintf(e.stdout, "open %d (%.2f%%); queued %d (%.2f%%) in %d team queues: %s\n", sum.Open(),
		100*float64(sum.Open())/float64(sum.Items), queued, 100*float64(queued)/float64(sum.Items), len(teams), strings.Join(parts, ", "))
	return nil
}

func scaleCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "scale check", scaleCommands()[1].usage)
	var sf storeFlags
	sf.register(e, fs)
	sample := fs.Float64("sample", 0.01, "the share of items to replay and compare")
	seed := fs.Uint64("seed", 1, "the seed of the sample")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("scale check takes no arguments")
	}
	if *sample <= 0 || *sample > 1 {
		return usagef("--sample %v: expected a share above 0 and at most 1", *sample)
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := scale.Check(ctx, s, scale.CheckOptions{Sample: *sample, Seed: *seed})
	if err != nil {
		return err
	}
	for _, m := range res.Mismatches {
		fmt.Fprintln(e.stderr, m)
	}
	fmt.Fprintf(e.stdout, "checked %d of %d items (%.2f%%) in %s: %d mismatches\n", res.Checked, res.Items,
		100*float64(res.Checked)/float64(max(1, res.Items)), res.Took.Round(time.Millisecond), len(res.Mismatches))
	if len(res.Mismatches) > 0 {
		return errReported
	}
	return nil
}

func scaleQuery(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "scale query", scaleCommands()[2].usage)
	var sf storeFlags
	sf.register(e, fs)
	runs := fs.Int("runs", 1000, "timed runs of each query")
	seed := fs.Uint64("seed", 1, "the seed of the random parameters")
	ticks := fs.Int("sla-ticks", 10, "SLA ticks to run first, as a running server's ticker has (0: none); they may record crossings")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("scale query takes no arguments")
	}
	if *runs <= 0 {
		return usagef("--runs %d: expected a number above 0", *runs)
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if *ticks > 0 {
		// A running server's SLA ticker has looked at the open items and
		// saved their due times, which queue views start from.
		d := desk.New(desk.Options{Store: s})
		start, recorded := time.Now(), 0
		for range *ticks {
			n, err := d.SLATick(ctx)
			if err != nil {
				return err
			}
			recorded += n
		}
		fmt.Fprintf(e.stdout, "%d SLA ticks in %v (%d crossings recorded)\n", *ticks, time.Since(start).Round(time.Millisecond), recorded)
	}
	stats, err := scale.Query(ctx, s, scale.QueryOptions{Runs: *runs, Seed: *seed})
	if err != nil {
		return err
	}
	writeQueryStats(e.stdout, stats)
	return nil
}

// writeQueryStats prints the latencies as a table, in milliseconds.
func writeQueryStats(w io.Writer, stats []scale.QueryStats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "query\truns\trows/run\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	for _, q := range stats {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t\n", q.Name, q.Runs, float64(q.Rows)/float64(q.Runs),
			ms(q.P50), ms(q.P95), ms(q.P99), ms(q.Max))
	}
	tw.Flush()
}

// isTerminal reports whether w is a terminal, where progress may redraw
// one line; pipes and files get none.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
