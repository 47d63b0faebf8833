package eventlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// ReadOptions says how to read an event log. The zero value detects
// everything.
type ReadOptions struct {
	// CSV column names, or XES attribute keys (the case's is a trace
	// attribute; OrderBy is CSV only); "" detects the column from common
	// names, or takes the standard XES key (concept:name, time:timestamp,
	// org:resource, lifecycle:transition, start_timestamp).
	Case, Activity, Timestamp, StartTimestamp, Resource, Lifecycle, OrderBy string

	// TZ is the zone of zone-less timestamps; nil is UTC.
	TZ *time.Location
	// TimeFormat is a strftime layout ("%d/%m/%Y %H:%M") for the CSV
	// timestamp columns; "" detects the layout over each column.
	TimeFormat string
	// Strict makes a malformed row or event an error instead of a warning.
	Strict bool
	// Format is "csv", "xes" or "" to decide from the file name, else from
	// the first bytes ('<' is XES).
	Format string
	// Progress, when set, is called as the input is read: bytes read so
	// far and the total (-1 when unknown), at most once per 64 KiB.
	Progress func(bytesRead, totalBytes int64)
}

// Warning is something a reader skipped or decided on its own. Line is the
// input line it concerns, 0 when it concerns no line.
type Warning struct {
	Line    int
	Message string
}

func (w Warning) String() string {
	if w.Line == 0 {
		return w.Message
	}
	return fmt.Sprintf("line %d: %s", w.Line, w.Message)
}

// maxWarnings is how many warnings a result keeps; WarningCount counts all.
const maxWarnings = 100

// ReadResult is a log read from a file and what the reader says about it.
type ReadResult struct {
	Log          *Log
	Warnings     []Warning // the first maxWarnings
	WarningCount int       // all of them
	// Columns maps each role (case, activity, timestamp, start, resource,
	// lifecycle) to the input column or attribute that filled it.
	Columns map[string]string
}

// The roles of ReadResult.Columns.
const (
	RoleCase      = "case"
	RoleActivity  = "activity"
	RoleTimestamp = "timestamp"
	RoleStart     = "start"
	RoleResource  = "resource"
	RoleLifecycle = "lifecycle"
)

// warner collects warnings, or turns the first into an error under Strict.
type warner struct {
	strict bool
	res    *ReadResult
}

// skip records that the row or event (what) at line is skipped because
// of msg; under Strict it returns msg as an error instead.
func (w *warner) skip(line int, msg, what string) error {
	if w.strict {
		return errors.New(Warning{line, msg}.String())
	}
	w.note(line, msg+"; "+what+" skipped")
	return nil
}

// note records a warning even under Strict (a decision, not a fault).
func (w *warner) note(line int, msg string) {
	w.res.WarningCount++
	if len(w.res.Warnings) < maxWarnings {
		w.res.Warnings = append(w.res.Warnings, Warning{line, msg})
	}
}

// finish builds the log and passes Build's notes on as warnings.
func (w *warner) finish(b *Builder) {
	l, notes := b.Build()
	for _, n := range notes {
		w.note(0, n)
	}
	w.res.Log = l
	if l.Phase == nil {
		delete(w.res.Columns, RoleLifecycle)
	}
}

// ReadFile reads an event log file, CSV or XES, gzip-compressed or not
// (recognised by its magic bytes). The format comes from opt.Format, else
// the name (.csv, .xes, .csv.gz, .xes.gz), else the first bytes. Progress
// counts the file's bytes, compressed or not, against its size.
func ReadFile(path string, opt ReadOptions) (*ReadResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	defer f.Close()
	var total int64 = -1
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		total = st.Size()
	}
	var r io.Reader = f
	if opt.Progress != nil {
		r = &progressReader{r: f, total: total, report: opt.Progress}
		opt.Progress = nil
	}
	in, gz, err := decompress(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	format := opt.Format
	if format == "" {
		name := strings.ToLower(strings.TrimSuffix(strings.ToLower(path), ".gz"))
		switch {
		case strings.HasSuffix(name, ".csv"):
			format = "csv"
		case strings.HasSuffix(name, ".xes"):
			format = "xes"
		default:
			format = sniff(in)
		}
	}
	var res *ReadResult
	switch format {
	case "csv":
		size := total
		if gz {
			size = -1 // the file's size is not the log's
		}
		res, err = readCSVLog(in, opt, size)
	case "xes":
		res, err = readXESLog(in, opt)
	default:
		return nil, fmt.Errorf("%s: unknown format %q (want csv or xes)", path, format)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pr, ok := r.(*progressReader); ok {
		pr.done()
	}
	return res, nil
}

// sniff returns "xes" when the first byte that is not white space or a
// byte order mark is '<', else "csv".
func sniff(r *bufio.Reader) string {
	head, _ := r.Peek(512)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) > 0 && head[0] == '<' {
		return "xes"
	}
	return "csv"
}

// decompress returns r, through gzip when it starts with the gzip magic.
func decompress(r io.Reader) (_ *bufio.Reader, gz bool, _ error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, true, fmt.Errorf("gzip: %w", err)
		}
		return bufio.NewReaderSize(&gzipErrors{z}, 1<<16), true, nil
	}
	return br, false, nil
}

// gzipErrors names gzip as the source of a read error (a truncated .gz
// file ends in io.ErrUnexpectedEOF).
type gzipErrors struct{ r io.Reader }

func (g *gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

// progressReader reports the bytes read through it.
type progressReader struct {
	r            io.Reader
	n, last      int64
	total        int64
	report       func(read, total int64)
	reportedDone bool
}

const progressStep = 64 << 10

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n-p.last >= progressStep {
		p.last = p.n
		p.report(p.n, p.total)
	}
	if err == io.EOF {
		p.done()
	}
	return n, err
}

func (p *progressReader) done() {
	if !p.reportedDone {
		p.reportedDone = true
		p.report(p.n, p.total)
	}
}

// withProgress wraps r when opt asks for progress.
func withProgress(r io.Reader, opt ReadOptions) io.Reader {
	if opt.Progress == nil {
		return r
	}
	return &progressReader{r: r, total: -1, report: opt.Progress}
}
