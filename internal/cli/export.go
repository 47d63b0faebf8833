package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/eventlog"
)

// runExport writes the work item event log as XES (one trace per item) or
// CSV (one row per event). Configuration events are not cases and are left
// out. Given a log file instead, it converts that log (read as analyze
// reads it) to the other format.
func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "export [LOG] --format xes|csv [--data DIR] [--output FILE]")
	var sf storeFlags
	sf.register(e, fs)
	var rf readFlags
	rf.register(fs, false)
	tz := fs.String("tz", "", "IANA zone of timestamps without an offset in LOG (default UTC)")
	format := fs.String("format", "xes", "xes or csv")
	output := fs.String("output", "", "write to `FILE` instead of standard output")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 1 {
		return usagef("export takes at most one log file, got %d arguments", len(pos))
	}
	if *format != "xes" && *format != "csv" {
		return usagef("unknown --format %q; expected xes or csv", *format)
	}
	if len(pos) == 1 {
		if *tz != "" {
			if rf.TZ, err = time.LoadLocation(*tz); err != nil {
				return usagef("--tz %q: not an IANA time zone such as Europe/Rome", *tz)
			}
		}
		res, err := rf.read(e, pos[0])
		if err != nil {
			return err
		}
		write := func(w io.Writer) error {
			bw := bufio.NewWriterSize(w, 1<<16)
			var err error
			if *format == "xes" {
				err = eventlog.WriteLogXES(bw, res.Log)
			} else {
				err = eventlog.WriteLogCSV(bw, res.Log)
			}
			if err != nil {
				return fmt.Errorf("export %s: %w", pos[0], err)
			}
			return bw.Flush()
		}
		if *output == "" {
			return write(e.stdout)
		}
		return writeFileAtomic(*output, write)
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var out io.Writer = e.stdout
	var file *os.File
	if *output != "" {
		// Write beside the target and rename at the end: no half-written export.
		file, err = os.CreateTemp(dirOf(*output), ".export-*")
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer os.Remove(file.Name())
		defer file.Close()
		if err := file.Chmod(0o644); err != nil { // CreateTemp makes it private
			return fmt.Errorf("export: %w", err)
		}
		out = file
	}
	bw := bufio.NewWriterSize(out, 1<<16)
	if *format == "xes" {
		err = exportXES(ctx, s, bw)
	} else {
		err = exportCSV(ctx, s, bw)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.Rename(file.Name(), *output); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

// itemIDs returns every work item id, oldest first.
func itemIDs(ctx context.Context, s desk.Store) ([]string, error) {
	var ids []string
	var before int64
	for {
		page, err := s.ListItems(ctx, desk.ItemFilter{Before: before, Limit: 1000})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, w := range page {
			ids = append(ids, w.ID)
		}
		var n int64
		last := page[len(page)-1].ID
		for i := len(last) - 1; i >= 0; i-- {
			if last[i] == '-' {
				fmt.Sscan(last[i+1:], &n)
				break
			}
		}
		before = n
	}
	slices.Reverse(ids)
	return ids, nil
}

func exportXES(ctx context.Context, s desk.Store, w io.Writer) error {
	ids, err := itemIDs(ctx, s)
	if err != nil {
		return err
	}
	xw := eventlog.NewXESWriter(w)
	for _, id := range ids {
		item, err := s.Item(ctx, id)
		if err != nil {
			return err
		}
		evs, err := s.ItemEvents(ctx, id)
		if err != nil {
			return err
		}
		if err := xw.WriteTrace(eventlog.Trace{Item: item, Events: evs}); err != nil {
			return fmt.Errorf("export %s: %w", id, err)
		}
	}
	return xw.Close()
}

func exportCSV(ctx context.Context, s desk.Store, w io.Writer) error {
	cw := eventlog.NewCSVWriter(w)
	var after int64
	for {
		evs, err := s.Events(ctx, after, 5000)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Item == desk.ConfigSubject || ev.Item == svcflow.KnowledgeSubject {
				continue
			}
			if err := cw.Write(ev); err != nil {
				return err
			}
		}
		after = evs[len(evs)-1].Seq
	}
	return cw.Flush()
}
