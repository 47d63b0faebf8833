package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/report"
	"github.com/svcflow/svcflow/internal/streamdef"
)

const analyzeUsage = "analyze LOG|--store [--stream ID|FILE [--map FILE]] [--json FILE] [--html FILE] [--svg FILE] [--dot FILE] [flags]"

// runAnalyze reads an event log (CSV, XES, or the store's own) into the
// compact log and reports every SPEC §3 analysis of it.
func runAnalyze(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "analyze", analyzeUsage)
	var rf readFlags
	rf.register(fs, true)
	tz := fs.String("tz", "", "IANA zone of timestamps without an offset, and of windows and business hours (default UTC)")
	store := fs.Bool("store", false, "analyse the store's own event log (--data DIR or --db URL) instead of a file")
	var items eventlog.ItemFilter
	fs.StringVar(&items.Service, "service", "", "with --store: only the items of this service")
	fs.StringVar(&items.Team, "team", "", "with --store: only the items that passed through this team's queue")
	kinds := fs.String("kind", "", "with --store: only items of these comma-separated kinds")
	var sf storeFlags
	sf.register(e, fs)
	timing := fs.String("timing", "", "lifecycle, completion or state (default: lifecycle when the log has it, else completion)")
	statesFile := fs.String("states", "", "state timing: a YAML `FILE` mapping each state to queued, active, blocked or done")
	var resolved multiFlag
	fs.Var(&resolved, "resolved-activity", "an activity that resolves a case (repeatable); item time is then time_to_resolve, else case_duration")
	var value multiFlag
	fs.Var(&value, "value-activity", "an activity that marks value reached (repeatable); the report then gives stream_lead_time")
	window := fs.String("window", "week", "time series window: day, week or month")
	teamAttr := fs.String("team-attr", "", "attribute naming the team of an event (default org:group when present)")
	kindAttr := fs.String("kind-attr", "", "attribute naming the kind of work (default kind when present)")
	var slaTargets multiFlag
	fs.Var(&slaTargets, "sla-target", "resolution target, DURATION or VALUE=DURATION for one value of --sla-attr, e.g. 3d or P1=4h (repeatable)")
	slaAttr := fs.String("sla-attr", "", "attribute that selects the SLA target, e.g. priority")
	var groupBy multiFlag
	fs.Var(&groupBy, "group-by", "case attribute to break item times down by (repeatable)")
	streamFlag := fs.String("stream", "", "check conformance with this value stream: a library id, or a YAML file")
	mapFile := fs.String("map", "", "YAML `FILE` mapping log activities to stream steps (default: by step id or name)")
	jsonOut := fs.String("json", "", "write every number as JSON to `FILE` (- for standard output)")
	htmlOut := fs.String("html", "", "write a self-contained HTML report to `FILE`")
	svgOut := fs.String("svg", "", "write the observed map as SVG to `FILE`")
	dotOut := fs.String("dot", "", "write the observed map as Graphviz DOT to `FILE`")
	top := fs.Int("top-variants", 10, "variants listed in the text and HTML reports (the JSON lists all)")
	mapEdges := fs.Int("map-edges", 40, "draw only the most frequent directly-follows edges in the maps (0 draws all)")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	switch {
	case *store && len(pos) > 0:
		return usagef("analyze takes a log file or --store, not both")
	case !*store && len(pos) != 1:
		return usagef("analyze takes one log file (CSV or XES, optionally .gz), or --store")
	}
	var opt flow.AnalyzeOptions
	if *tz != "" {
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return usagef("--tz %q: not an IANA time zone such as Europe/Rome", *tz)
		}
		rf.TZ, opt.Location = loc, loc
	}
	switch t := flow.Timing(*timing); t {
	case "", flow.TimingLifecycle, flow.TimingCompletion, flow.TimingState:
		opt.Timing = t
	default:
		return usagef("--timing %q: expected lifecycle, completion or state", *timing)
	}
	if *statesFile != "" {
		if opt.States, err = readWith(*statesFile, flow.ParseStates); err != nil {
			return err
		}
		if opt.Timing == "" {
			opt.Timing = flow.TimingState
		}
	}
	if opt.Timing == flow.TimingState && opt.States == nil {
		return usagef("--timing state needs --states FILE")
	}
	switch *window {
	case flow.WindowDay, flow.WindowWeek, flow.WindowMonth:
		opt.Window = *window
	default:
		return usagef("--window %q: expected day, week or month", *window)
	}
	opt.ResolvedActivities, opt.ValueActivities = resolved, value
	opt.TeamAttr, opt.KindAttr, opt.SLAAttr, opt.GroupBy = *teamAttr, *kindAttr, *slaAttr, groupBy
	if opt.SLATargets, err = parseSLATargets(slaTargets); err != nil {
		return err
	}
	if *top < 0 {
		return usagef("--top-variants %d: expected 0 or more", *top)
	}
	if *mapEdges < 0 {
		return usagef("--map-edges %d: expected 0 or more", *mapEdges)
	}
	mapOpt := func(a *flow.Analysis) flow.MapOptions {
		return flow.MapOptions{Bottleneck: a.TopBottleneck(), MaxEdges: *mapEdges}
	}
	if *streamFlag != "" {
		if opt.Stream, err = findStream(e, *streamFlag); err != nil {
			return err
		}
		if *mapFile != "" {
			if opt.Mapping, err = readWith(*mapFile, flow.ParseMapping); err != nil {
				return err
			}
		}
	} else if *mapFile != "" {
		return usagef("--map needs --stream")
	}

	var (
		l   *eventlog.Log
		src *flow.Source
	)
	if !*store && (items.Service != "" || items.Team != "" || *kinds != "") {
		return usagef("--service, --team and --kind select work items of the store: they need --store")
	}
	if *store {
		if l, err = storeLog(ctx, &sf); err != nil {
			return err
		}
		// A stream to conform with also selects its items.
		if opt.Stream != nil {
			items.Stream = opt.Stream.ID
		}
		if *kinds != "" {
			items.Kinds = strings.Split(*kinds, ",")
		}
		if l = l.SelectItems(items); l.Events() == 0 {
			return fmt.Errorf("analyze store: no work item matches")
		}
		opt.ConformLog = l.Finished()
		src = &flow.Source{Name: "store", Format: "store", Warnings: []string{}}
		if len(opt.ResolvedActivities) == 0 {
			opt.ResolvedActivities = []string{eventlog.ActivityResolved}
			opt.ResolvedOptional = true
		}
		if len(opt.ValueActivities) == 0 {
			opt.ValueActivities = []string{eventlog.ActivityValue}
		}
	} else {
		res, err := rf.read(e, pos[0])
		if err != nil {
			return err
		}
		l = res.Log
		src = &flow.Source{Name: pos[0], Format: formatOf(pos[0], rf.Format), Columns: res.Columns,
			Warnings: make([]string, 0, len(res.Warnings)), WarningCount: res.WarningCount}
		for _, w := range res.Warnings {
			src.Warnings = append(src.Warnings, w.String())
		}
	}
	a, err := flow.Analyze(l, opt)
	if err != nil {
		return fmt.Errorf("analyze %s: %w", src.Name, err)
	}
	a.Source = src

	outputs := []struct {
		path  string
		write func(io.Writer) error
	}{
		{*jsonOut, func(w io.Writer) error { return writeJSON(w, a) }},
		{*htmlOut, func(w io.Writer) error {
			return report.AnalysisHTML(w, a, report.AnalysisOptions{TopVariants: *top, Map: mapOpt(a)})
		}},
		{*svgOut, func(w io.Writer) error {
			return flow.WriteMapSVG(w, a.Map.DFG, mapOpt(a))
		}},
		{*dotOut, func(w io.Writer) error {
			return flow.WriteMapDOT(w, a.Map.DFG, mapOpt(a))
		}},
	}
	toStdout := false
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		if o.path == "-" {
			toStdout = true
			if err := o.write(e.stdout); err != nil {
				return err
			}
			continue
		}
		if err := writeFileAtomic(o.path, o.write); err != nil {
			return err
		}
	}
	if toStdout {
		return nil // the summary would corrupt the document on standard output
	}
	return report.AnalysisText(e.stdout, a, report.AnalysisOptions{TopVariants: *top})
}

// readFlags are the flags that say how to read a log file, shared by
// analyze and export.
type readFlags struct {
	eventlog.ReadOptions
	progress bool
}

// register adds the flags; withFormat adds --format for the input format
// (export uses --format for its output).
func (rf *readFlags) register(fs *flag.FlagSet, withFormat bool) {
	fs.StringVar(&rf.Case, "case", "", "CSV column or XES trace key of the case id (default: detected, concept:name in XES)")
	fs.StringVar(&rf.Activity, "activity", "", "CSV column or XES key of the activity (default: detected, concept:name in XES)")
	fs.StringVar(&rf.Timestamp, "timestamp", "", "CSV column or XES key of the (completion) time (default: detected, time:timestamp in XES)")
	fs.StringVar(&rf.StartTimestamp, "start-timestamp", "", "CSV column or XES key of the start time, for start/complete rows")
	fs.StringVar(&rf.Resource, "resource", "", "CSV column or XES key of the resource (default: detected, org:resource in XES)")
	fs.StringVar(&rf.Lifecycle, "lifecycle", "", "CSV column or XES key of the lifecycle transition (default: detected; used only if every value is standard)")
	fs.StringVar(&rf.OrderBy, "order-by", "", "CSV column that orders events of a case at the same time")
	fs.StringVar(&rf.TimeFormat, "time-format", "", "timestamp layout in strftime syntax, e.g. '%d/%m/%Y %H:%M' (default: detected over the whole column)")
	if withFormat {
		fs.StringVar(&rf.Format, "format", "", "csv or xes (default: from the file name or its first bytes)")
	}
	fs.BoolVar(&rf.Strict, "strict", false, "a malformed row is an error, not a warning")
	fs.BoolVar(&rf.progress, "progress", false, "report reading progress even when stderr is not a terminal")
}

// read reads a log file, with a progress bar on a terminal, and prints its
// warnings.
func (rf *readFlags) read(e *env, path string) (*eventlog.ReadResult, error) {
	live := isTerminal(e.stderr)
	ro := rf.ReadOptions
	if live || rf.progress {
		ro.Progress = progressPrinter(e.stderr, live)
	}
	res, err := eventlog.ReadFile(path, ro)
	if live {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return nil, err // it names the file and the line
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s: %s\n", path, w)
	}
	if res.WarningCount > len(res.Warnings) {
		fmt.Fprintf(e.stderr, "warning: %s: %d more warnings\n", path, res.WarningCount-len(res.Warnings))
	}
	return res, nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// parseSLATargets reads "3d" (every case) and "P1=4h" (one value).
func parseSLATargets(vals []string) (map[string]time.Duration, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	out := map[string]time.Duration{}
	for _, v := range vals {
		key, dur, ok := strings.Cut(v, "=")
		if !ok {
			key, dur = "", v
		}
		d, err := svcflow.ParseDuration(dur)
		if err != nil || d.IsBusiness() {
			return nil, usagef("--sla-target %q: expected a duration such as 3d or 4h, or VALUE=DURATION", v)
		}
		if _, dup := out[key]; dup {
			return nil, usagef("--sla-target %q: a target for %q was given twice", v, key)
		}
		out[key] = d.Estimate()
	}
	return out, nil
}

// readWith opens a file and parses it, naming the file in errors.
func readWith[T any](path string, parse func(io.Reader, string) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	return parse(f, path)
}

// findStream finds a library stream by id, or loads a stream YAML file
// (over the library, so it may replace a built-in stream).
func findStream(e *env, ref string) (*svcflow.ValueStream, error) {
	layers := []map[string][]byte{library.Files()}
	id := ref
	if strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml") {
		b, err := streamdef.ReadFile(ref)
		if err != nil {
			return nil, err
		}
		layers = append(layers, map[string][]byte{ref: b})
		file, diags := streamdef.Parse(ref, b)
		if file == nil || file.Stream == nil {
			for _, d := range diags {
				fmt.Fprintln(e.stderr, d)
			}
			return nil, errReported
		}
		id = file.Stream.ID // LoadLayers reports the file's problems
	}
	streams, diags := streamdef.LoadLayers(layers...)
	for _, d := range diags {
		fmt.Fprintln(e.stderr, d)
	}
	if streamdef.HasErrors(diags) {
		return nil, errReported
	}
	s := library.ByID(streams, id)
	if s == nil {
		ids := make([]string, len(streams))
		for i, s := range streams {
			ids[i] = s.ID
		}
		return nil, usagef("--stream %q: no such value stream; the library has %s", ref, strings.Join(ids, ", "))
	}
	return s, nil
}

// storeLog reads the store's event log into a compact log.
func storeLog(ctx context.Context, sf *storeFlags) (*eventlog.Log, error) {
	s, err := sf.open(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return eventlog.ReadItemLog(func(after int64) ([]svcflow.Event, error) { return s.Events(ctx, after, 5000) })
}

func formatOf(path, given string) string {
	if given != "" {
		return given
	}
	p := strings.ToLower(strings.TrimSuffix(path, ".gz"))
	if strings.HasSuffix(p, ".xes") {
		return "xes"
	}
	return "csv"
}

// progressPrinter draws a reading progress line: redrawn in place on a
// terminal, a line per tenth otherwise.
func progressPrinter(w io.Writer, live bool) func(read, total int64) {
	last := time.Time{}
	lastTenth := int64(-1)
	return func(read, total int64) {
		if live {
			if now := time.Now(); now.Sub(last) < 100*time.Millisecond && read < total {
				return
			} else {
				last = now
			}
			if total > 0 {
				pct := float64(read) / float64(total)
				bar := strings.Repeat("█", int(pct*30)) + strings.Repeat("░", 30-int(pct*30))
				fmt.Fprintf(w, "\rreading %s %5.1f%% %s of %s", bar, 100*pct, mib(read), mib(total))
			} else {
				fmt.Fprintf(w, "\rreading %s", mib(read))
			}
			return
		}
		if total > 0 {
			if tenth := read * 10 / total; tenth != lastTenth {
				lastTenth = tenth
				fmt.Fprintf(w, "reading %d%% (%s of %s)\n", tenth*10, mib(read), mib(total))
			}
		}
	}
}

func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }

// writeFileAtomic writes a file beside its target and renames it into
// place, so a failure leaves nothing half-written.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dirOf(path), ".svcflow-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	// CreateTemp makes the file private; a report is as readable as any
	// file the user creates.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
