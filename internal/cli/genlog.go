package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// runGenerateLog writes a seeded synthetic event log shaped like a help
// desk's, for benchmarks and for trying analyze without real data.
func runGenerateLog(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "generate-log", "generate-log [--cases N] [--activities N] [--resources N] [--seed S] [--start DATE] [--output FILE]")
	var opt eventlog.SynthOptions
	fs.IntVar(&opt.Cases, "cases", 100000, "cases (about 11 events each)")
	fs.IntVar(&opt.Activities, "activities", 10, "distinct activities")
	fs.IntVar(&opt.Resources, "resources", 50, "distinct resources")
	fs.Uint64Var(&opt.Seed, "seed", 1, "the seed: the same seed and sizes write the same bytes")
	start := fs.String("start", "2024-01-01", "the `DATE` (YYYY-MM-DD, UTC) the first case arrives")
	output := fs.String("output", "", "write to `FILE` instead of standard output")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("generate-log takes no arguments, got %q", pos[0])
	}
	if opt.Cases <= 0 || opt.Activities <= 0 || opt.Resources <= 0 {
		return usagef("--cases, --activities and --resources must be above 0")
	}
	if opt.Start, err = time.Parse(time.DateOnly, *start); err != nil {
		return usagef("--start %q: expected a date such as 2024-01-01", *start)
	}
	write := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		if err := eventlog.Synthesize(bw, opt); err != nil {
			return fmt.Errorf("generate log: %w", err)
		}
		return bw.Flush()
	}
	if *output == "" {
		return write(e.stdout)
	}
	return writeFileAtomic(*output, write)
}
