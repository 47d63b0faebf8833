package eventlog

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	svcflow "github.com/svcflow/svcflow"
)

// csvColumns is the CSV header. The columns an analysis groups or pairs by
// (case, time, step, lifecycle, team, person) come first and stand alone;
// the payload fields only some event types carry share the detail column.
var csvColumns = []string{
	"case", "seq", "version", "time", "actor", "type", "step", "activity", "lifecycle",
	"team", "person", "outcome", "reason", "before", "after", "detail",
}

// CSVColumns returns the header CSVWriter writes.
func CSVColumns() []string { return slices.Clone(csvColumns) }

// CSVWriter writes events as CSV (RFC 4180, comma-separated, LF line
// ends): a header, then one row per event in the columns of CSVColumns.
//
// case is the item id; time is in TimeLayout; lifecycle is the standard
// XES transition of a step event (Lifecycle) and empty for other events,
// so a reader can measure with lifecycle timing (SPEC §3);
// team, person, outcome and reason are the svcflow.EventData fields of
// those names. detail holds every other non-empty EventData field as
// key=value pairs joined by ";", sorted by key, keys being the JSON names
// (kind=incident;priority=P2;stream=restore-live-service). In values, "%",
// ";" and "=" are percent-encoded so that ParseDetail splits them back
// exactly.
//
// Like csv.Writer it buffers: call Flush at the end, which also writes the
// header of an empty log.
type CSVWriter struct {
	w      *csv.Writer
	err    error
	header bool
	row    [16]string
	num    []byte
	fields []field
	detail strings.Builder
}

// NewCSVWriter returns a writer of events as CSV to w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{w: csv.NewWriter(w)}
}

// Write writes one event. It refuses, writing nothing, an event whose time
// RFC 3339 cannot write. After a write error every call returns that error.
func (c *CSVWriter) Write(e svcflow.Event) error {
	if c.err != nil {
		return c.err
	}
	var err error
	c.num, err = appendTime(c.num[:0], e.Time)
	if err != nil {
		return fmt.Errorf("write csv event %s version %d: %w", e.Item, e.Version, err)
	}
	if err := c.writeHeader(); err != nil {
		return err
	}
	lc, _ := Lifecycle(e.Type)
	r := &c.row
	r[0] = clean(e.Item)
	r[1] = strconv.FormatInt(e.Seq, 10)
	r[2] = strconv.Itoa(e.Version)
	r[3] = string(c.num)
	r[4] = clean(e.Actor)
	r[5] = clean(string(e.Type))
	r[6] = clean(e.Step)
	r[7] = clean(string(e.Activity))
	r[8] = string(lc)
	r[9] = clean(e.Data.Team)
	r[10] = clean(e.Data.Person)
	r[11] = clean(e.Data.Outcome)
	r[12] = clean(e.Data.Reason)
	r[13] = clean(e.Before)
	r[14] = clean(e.After)
	r[15] = c.encodeDetail(&e.Data)
	if err := c.w.Write(r[:]); err != nil {
		c.err = fmt.Errorf("write csv event %s version %d: %w", e.Item, e.Version, err)
		return c.err
	}
	return nil
}

// Flush writes any buffered rows (and the header if no event came) to the
// underlying writer.
func (c *CSVWriter) Flush() error {
	if c.err != nil {
		return c.err
	}
	if err := c.writeHeader(); err != nil {
		return err
	}
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		c.err = fmt.Errorf("flush csv: %w", err)
		return c.err
	}
	return nil
}

func (c *CSVWriter) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	if err := c.w.Write(csvColumns); err != nil {
		c.err = fmt.Errorf("write csv header: %w", err)
		return c.err
	}
	return nil
}

// encodeDetail returns the detail cell of an event.
func (c *CSVWriter) encodeDetail(d *svcflow.EventData) string {
	c.fields = appendData(c.fields[:0], d)
	c.detail.Reset()
	for _, f := range c.fields {
		switch f.key {
		case "person", "outcome", "reason": // columns of their own
			continue
		}
		if c.detail.Len() > 0 {
			c.detail.WriteByte(';')
		}
		c.detail.WriteString(f.key)
		c.detail.WriteByte('=')
		c.detail.WriteString(detailEscaper.Replace(clean(f.value)))
	}
	return c.detail.String()
}

// detailEscaper percent-encodes the characters that delimit detail pairs,
// and the percent sign itself, so url.PathUnescape reverses it.
var detailEscaper = strings.NewReplacer("%", "%25", ";", "%3B", "=", "%3D")

// ParseDetail splits a CSV detail cell back into its fields, keyed by
// their svcflow.EventData JSON names. An empty cell gives an empty map.
func ParseDetail(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	for pair := range strings.SplitSeq(s, ";") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("parse detail %q: pair %q is not key=value", s, pair)
		}
		v, err := url.PathUnescape(value)
		if err != nil {
			return nil, fmt.Errorf("parse detail %q: field %s: %w", s, key, err)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("parse detail %q: field %s twice", s, key)
		}
		m[key] = v
	}
	return m, nil
}
