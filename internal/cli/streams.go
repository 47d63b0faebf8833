package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/report"
	"github.com/svcflow/svcflow/internal/streamdef"
)

func streamsCommands() []subcommand {
	return []subcommand{
		{"list", "streams list [--dir DIR] [--format text|json]", "list the value streams", noCtx(streamsList)},
		{"show", "streams show ID [--dir DIR] [--format text|json|markdown|html]", "print one stream's definition", noCtx(streamsShow)},
		{"validate", "streams validate [FILE|DIR…] [--dir DIR] [--strict] [--format text|json]", "check definitions (the built-in library when none is given)", noCtx(streamsValidate)},
		{"render", "streams render ID [--dir DIR] [--format markdown|html]", "print the stream and step templates (003 Tables 4.1, 4.2)", noCtx(streamsRender)},
		{"mvp", "streams mvp [--practice ID] [--stream ID] [--dir DIR] [--format text|json|markdown|html]", "minimum viable practice table (003 Tables 4.4, 4.5)", noCtx(streamsMVP)},
		{"coverage", "streams coverage [--dir DIR] [--format text|json|markdown|html]", "practice × value chain activity matrix", noCtx(streamsCoverage)},
		{"map", "streams map ID [--dir DIR] [--lanes] [--format svg|html]", "draw a stream as SVG", noCtx(streamsMap)},
		{"practices", "streams practices [--format text|json]", "the six activities and the 34 practices", noCtx(streamsPractices)},
	}
}

func runStreams(ctx context.Context, e *env, args []string) error {
	return dispatchSub(ctx, e, "streams", streamsCommands(), args,
		"The built-in library is always loaded; --dir DIR adds the *.yaml definitions of DIR,\nwhich replace built-in streams with the same id.")
}

// streamFlags are the flags most streams subcommands share.
type streamFlags struct {
	dir    string
	format string
}

func (f *streamFlags) register(fsFormats []string, fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.dir, "dir", "", "also load the stream definitions (*.yaml) in `DIR`")
	fs.StringVar(&f.format, "format", fsFormats[0], "output format: "+strings.Join(fsFormats, ", "))
}

func checkFormat(format string, allowed []string) error {
	if !slices.Contains(allowed, format) {
		return usagef("unknown --format %q; expected one of %s", format, strings.Join(allowed, ", "))
	}
	return nil
}

// loadStreams loads the library plus a directory, printing every problem.
func loadStreams(e *env, dir string) ([]*svcflow.ValueStream, error) {
	layers := []map[string][]byte{library.Files()}
	if dir != "" {
		files, err := streamdef.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		layers = append(layers, files)
	}
	streams, diags := streamdef.LoadLayers(layers...)
	for _, d := range diags {
		fmt.Fprintln(e.stderr, d)
	}
	if streamdef.HasErrors(diags) {
		return nil, errReported
	}
	return streams, nil
}

// oneStream parses "SUBCOMMAND ID" arguments and finds the stream.
func oneStream(e *env, name string, formats []string, args []string, extra func(fs flagSet)) (*svcflow.ValueStream, string, error) {
	var f streamFlags
	fs := newFlags(e, "streams "+name, name+" ID")
	f.register(formats, fs)
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, "", err
	}
	if len(pos) != 1 {
		return nil, "", usagef("streams %s takes one stream id, got %d arguments", name, len(pos))
	}
	if err := checkFormat(f.format, formats); err != nil {
		return nil, "", err
	}
	streams, err := loadStreams(e, f.dir)
	if err != nil {
		return nil, "", err
	}
	s := library.ByID(streams, pos[0])
	if s == nil {
		ids := make([]string, len(streams))
		for i, st := range streams {
			ids[i] = st.ID
		}
		hint := ""
		if sug := svcflow.Suggest(pos[0], ids); sug != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", sug)
		}
		return nil, "", fmt.Errorf("no value stream %q%s; 'svcflow streams list' shows them", pos[0], hint)
	}
	return s, f.format, nil
}

type flagSet interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func streamsList(e *env, args []string) error {
	formats := []string{"text", "json"}
	var f streamFlags
	fs := newFlags(e, "streams list", "streams list [--dir DIR] [--format text|json]")
	f.register(formats, fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("streams list takes no arguments, got %q", pos[0])
	}
	if err := checkFormat(f.format, formats); err != nil {
		return err
	}
	streams, err := loadStreams(e, f.dir)
	if err != nil {
		return err
	}
	if f.format == "json" {
		out := make([]svcflow.StreamSummary, len(streams))
		for i, s := range streams {
			out[i] = s.Summary()
		}
		return writeJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREV\tSTEPS\tTARGET\tROUTING\tNAME")
	for _, s := range streams {
		routing := s.AppliesTo.String()
		if routing == "" {
			routing = "-"
		}
		if s.Default {
			routing += " (default)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", s.ID, s.Revision, len(s.Steps), orDash(s.TargetLeadTime.String()), routing, s.Name)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func streamsShow(e *env, args []string) error {
	s, format, err := oneStream(e, "show", []string{"text", "json", "markdown", "html"}, args, nil)
	if err != nil {
		return helpOK(err)
	}
	switch format {
	case "json":
		return writeJSON(e.stdout, s)
	case "markdown":
		return report.StreamMarkdown(e.stdout, s)
	case "html":
		return report.StreamHTML(e.stdout, s, report.HTMLOptions{})
	}
	return showText(e.stdout, s)
}

// showText prints a stream compactly: the summary, then one line per step
// and its transitions.
func showText(w io.Writer, s *svcflow.ValueStream) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s (%s, revision %d)\n", s.Name, s.ID, s.Revision)
	for _, f := range report.StreamFields(s) {
		if len(f.Values) > 0 {
			fmt.Fprintf(tw, "  %s:\t%s\n", f.Label, strings.Join(f.Values, "; "))
		}
	}
	if len(s.EntryPoints) > 0 {
		var eps []string
		for name, id := range s.EntryPoints {
			eps = append(eps, name+" → "+id)
		}
		slices.Sort(eps)
		fmt.Fprintf(tw, "  Entry points:\t%s\n", strings.Join(eps, ", "))
	}
	fmt.Fprintf(tw, "  Reopen to:\t%s\n\n", s.ReopenTo)
	fmt.Fprintln(tw, "#\tSTEP\tACTIVITY\tTEAM\tTARGET\tNEXT")
	for _, st := range s.Steps {
		var next []string
		for _, t := range st.Next {
			n := t.To
			if t.When != "" {
				n = t.When + "→" + t.To
			}
			next = append(next, n)
		}
		flags := ""
		if st.Resolves {
			flags += " [resolves]"
		}
		if st.Approval != nil {
			flags += " [approval]"
		}
		if st.Automated {
			flags += " [automated]"
		}
		fmt.Fprintf(tw, "%d\t%s%s\t%s\t%s\t%s\t%s\n", st.Number, st.ID, flags, st.Activity, orDash(st.Team), orDash(st.TargetLeadTime.String()), strings.Join(next, ", "))
	}
	return tw.Flush()
}

func streamsRender(e *env, args []string) error {
	s, format, err := oneStream(e, "render", []string{"markdown", "html"}, args, nil)
	if err != nil {
		return helpOK(err)
	}
	if format == "html" {
		return report.StreamHTML(e.stdout, s, report.HTMLOptions{})
	}
	return report.StreamMarkdown(e.stdout, s)
}

func streamsMap(e *env, args []string) error {
	var lanes bool
	s, format, err := oneStream(e, "map", []string{"svg", "html"}, args, func(fs flagSet) {
		fs.BoolVar(&lanes, "lanes", false, "draw a swim lane per team")
	})
	if err != nil {
		return helpOK(err)
	}
	if format == "html" {
		return report.StreamHTML(e.stdout, s, report.HTMLOptions{})
	}
	return report.Map(e.stdout, s, report.MapOptions{Lanes: lanes})
}

func streamsMVP(e *env, args []string) error {
	formats := []string{"text", "json", "markdown", "html"}
	var f streamFlags
	var practice, stream string
	fs := newFlags(e, "streams mvp", "streams mvp [--practice ID] [--stream ID] [--dir DIR] [--format text|json|markdown|html]")
	f.register(formats, fs)
	fs.StringVar(&practice, "practice", "", "only this practice (an id such as service-configuration-management)")
	fs.StringVar(&stream, "stream", "", "only this stream")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("streams mvp takes no arguments, got %q; use --practice ID", pos[0])
	}
	if err := checkFormat(f.format, formats); err != nil {
		return err
	}
	if practice != "" {
		if _, ok := svcflow.PracticeByID(practice); !ok {
			hint := ""
			if s := svcflow.Suggest(practice, svcflow.PracticeIDs()); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			return fmt.Errorf("unknown practice %q%s; 'svcflow streams practices' lists the 34 ids", practice, hint)
		}
	}
	streams, err := loadStreams(e, f.dir)
	if err != nil {
		return err
	}
	if stream != "" {
		s := library.ByID(streams, stream)
		if s == nil {
			return fmt.Errorf("no value stream %q; 'svcflow streams list' shows them", stream)
		}
		streams = []*svcflow.ValueStream{s}
	}
	rows := report.MVP(streams, practice)
	switch f.format {
	case "json":
		if rows == nil {
			rows = []report.MVPRow{}
		}
		return writeJSON(e.stdout, rows)
	case "markdown":
		return report.MVPMarkdown(e.stdout, rows)
	case "html":
		return report.MVPHTML(e.stdout, rows, report.HTMLOptions{})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRACTICE\tSTREAM\tSTEP\tCONTRIBUTION\tSOURCE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d %s\t%s\t%s\n", r.Practice, r.Stream, r.Step, r.StepName, r.Contribution, r.Source)
	}
	return tw.Flush()
}

func streamsCoverage(e *env, args []string) error {
	formats := []string{"text", "json", "markdown", "html"}
	var f streamFlags
	fs := newFlags(e, "streams coverage", "streams coverage [--dir DIR] [--format text|json|markdown|html]")
	f.register(formats, fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("streams coverage takes no arguments, got %q", pos[0])
	}
	if err := checkFormat(f.format, formats); err != nil {
		return err
	}
	streams, err := loadStreams(e, f.dir)
	if err != nil {
		return err
	}
	rows := report.Coverage(streams)
	switch f.format {
	case "json":
		return writeJSON(e.stdout, rows)
	case "markdown":
		return report.CoverageMarkdown(e.stdout, rows)
	case "html":
		return report.CoverageHTML(e.stdout, rows, report.HTMLOptions{})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "PRACTICE\t")
	for _, a := range svcflow.Activities() {
		fmt.Fprintf(tw, "%s\t", a.ID)
	}
	fmt.Fprintln(tw, "TOTAL\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t", r.Practice)
		for _, a := range svcflow.Activities() {
			fmt.Fprintf(tw, "%d\t", r.Counts[a.ID])
		}
		fmt.Fprintf(tw, "%d\t\n", r.Total)
	}
	return tw.Flush()
}

func streamsPractices(e *env, args []string) error {
	formats := []string{"text", "json"}
	var format string
	fs := newFlags(e, "streams practices", "streams practices [--format text|json]")
	fs.StringVar(&format, "format", "text", "output format: text, json")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("streams practices takes no arguments, got %q", pos[0])
	}
	if err := checkFormat(format, formats); err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(e.stdout, struct {
			Activities []svcflow.ActivityInfo `json:"activities"`
			Practices  []svcflow.Practice     `json:"practices"`
		}{svcflow.Activities(), svcflow.Practices()})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTIVITY\tNAME\tPURPOSE")
	for _, a := range svcflow.Activities() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.ID, a.Name, a.Purpose)
	}
	fmt.Fprintln(tw, "\nPRACTICE\tGROUP\tPURPOSE")
	for _, p := range svcflow.Practices() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.ID, p.Group, p.Purpose)
	}
	return tw.Flush()
}

func streamsValidate(e *env, args []string) error {
	formats := []string{"text", "json"}
	var f streamFlags
	var strict bool
	fs := newFlags(e, "streams validate", "streams validate [FILE…] [--dir DIR] [--strict] [--format text|json]")
	f.register(formats, fs)
	fs.BoolVar(&strict, "strict", false, "treat warnings as errors")
	files, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if err := checkFormat(f.format, formats); err != nil {
		return err
	}
	layers := []map[string][]byte{library.Files()}
	if f.dir != "" {
		dirFiles, err := streamdef.ReadDir(f.dir)
		if err != nil {
			return err
		}
		layers = append(layers, dirFiles)
	}
	if len(files) > 0 {
		named := map[string][]byte{}
		for _, p := range files {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				dirFiles, err := streamdef.ReadDir(p)
				if err != nil {
					return err
				}
				maps.Copy(named, dirFiles)
				continue
			}
			b, err := streamdef.ReadFile(p)
			if err != nil {
				return err
			}
			named[p] = b
		}
		layers = append(layers, named)
	}
	streams, diags := streamdef.LoadLayers(layers...)
	failed := streamdef.HasErrors(diags) || strict && len(diags) > 0
	if f.format == "json" {
		out := make([]validationJSON, len(diags))
		for i, d := range diags {
			out[i] = validationJSON{d.File, d.Line, d.Column, d.Severity, d.Path, d.Message, d.Hint}
		}
		if err := writeJSON(e.stdout, struct {
			Valid       bool             `json:"valid"`
			Streams     int              `json:"streams"`
			Diagnostics []validationJSON `json:"diagnostics"`
		}{!failed, len(streams), out}); err != nil {
			return err
		}
	} else {
		for _, d := range diags {
			fmt.Fprintln(e.stdout, d)
		}
		errs, warns := 0, 0
		for _, d := range diags {
			if d.Severity == svcflow.SeverityError {
				errs++
			} else {
				warns++
			}
		}
		if failed {
			fmt.Fprintf(e.stderr, "invalid: %d errors, %d warnings\n", errs, warns)
		} else {
			fmt.Fprintf(e.stdout, "ok: %d value streams valid", len(streams))
			if warns > 0 {
				fmt.Fprintf(e.stdout, ", %d warnings", warns)
			}
			fmt.Fprintln(e.stdout)
		}
	}
	if failed {
		return errReported
	}
	return nil
}

type validationJSON struct {
	File     string           `json:"file"`
	Line     int              `json:"line"`
	Column   int              `json:"column"`
	Severity svcflow.Severity `json:"severity"`
	Path     string           `json:"path"`
	Message  string           `json:"message"`
	Hint     string           `json:"hint,omitempty"`
}
