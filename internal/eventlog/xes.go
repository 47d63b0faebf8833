package eventlog

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	svcflow "github.com/svcflow/svcflow"
)

// Trace is one work item and its events, in version order.
type Trace struct {
	// Item is the item's current state. It may be nil: the trace attributes
	// then come from folding Events with svcflow.Replay, or, when Events are
	// not the item's whole history from version 1, only its id is written
	// (an attribute that cannot be known is left out, never guessed).
	Item   *svcflow.WorkItem
	Events []svcflow.Event
}

// Schema is the value of the svcflow:schema log attribute, by which a reader
// recognises a log svcflow wrote and can rebuild its events exactly.
const Schema = "svcflow/eventlog/v1"

// xesHeader opens the log. The svcflow: attributes are left without an
// extension declaration on purpose: OpenXES (ProM) fetches the definition
// of every declared extension from its URI, and an attribute key with an
// undeclared prefix is an ordinary key to every tool.
//
// The globals list what every trace and event carries. lifecycle:transition
// is not among them because non-step events have none; the "Activity and
// lifecycle" classifier then classifies those by name alone.
const xesHeader = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
	<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
	<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
	<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
	<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
	<global scope="trace">
		<string key="concept:name" value="UNKNOWN"/>
	</global>
	<global scope="event">
		<string key="concept:name" value="UNKNOWN"/>
		<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
		<string key="org:resource" value="UNKNOWN"/>
		<string key="svcflow:type" value="UNKNOWN"/>
		<int key="svcflow:seq" value="0"/>
		<int key="svcflow:version" value="0"/>
	</global>
	<classifier name="Activity" keys="concept:name"/>
	<classifier name="Activity and lifecycle" keys="concept:name lifecycle:transition"/>
	<string key="lifecycle:model" value="standard"/>
	<string key="svcflow:schema" value="` + Schema + `"/>
`

// XESWriter writes an XES log one trace at a time. Its memory does not grow
// with the log: a trace is written as soon as it is given. Close writes the
// end of the log; compressing (.xes.gz) is a matter of passing a
// gzip.Writer, which the caller then closes.
//
// Each trace has concept:name (the item id) and, when known, svcflow:kind,
// svcflow:stream, svcflow:stream_revision (int), svcflow:priority,
// svcflow:category, svcflow:service, svcflow:status and svcflow:created
// (date). Each event has concept:name (the step for step events, else the
// event type), lifecycle:transition and concept:instance (the visit's
// ordinal within the trace, so tools pair start and complete of a loop
// exactly) for step events, time:timestamp, org:resource (the actor),
// org:group (the team) when set, svcflow:type, svcflow:seq (int),
// svcflow:version (int), svcflow:step, svcflow:activity, svcflow:before
// and svcflow:after when set, and every non-empty svcflow.EventData field as
// svcflow:<json name> (int for numbers, boolean for public).
//
// After a write error every call returns that error: the log is
// incomplete. A refused trace (see WriteTrace) writes nothing and leaves
// the writer usable.
type XESWriter struct {
	w       *bufio.Writer
	err     error
	started bool
	closed  bool
	num     []byte         // scratch for numbers and times
	fields  []field        // scratch for an event's payload
	visits  map[string]int // visits per step in the current trace
}

// NewXESWriter returns a writer of an XES log to w.
func NewXESWriter(w io.Writer) *XESWriter {
	return &XESWriter{w: bufio.NewWriterSize(w, 64<<10), visits: map[string]int{}}
}

var errClosed = errors.New("xes writer is closed")

// WriteTrace writes one trace. It refuses, before writing anything, a trace
// without an item id, events of another item, versions out of order and
// times RFC 3339 cannot write.
func (x *XESWriter) WriteTrace(t Trace) error {
	if x.closed {
		return fmt.Errorf("write xes trace: %w", errClosed)
	}
	if x.err != nil {
		return x.err
	}
	id, item, err := traceItem(t)
	if err != nil {
		return fmt.Errorf("write xes trace: %w", err)
	}
	x.start()
	x.ws("\t<trace>\n")
	x.str("\t\t", "concept:name", id)
	if item != nil {
		x.str("\t\t", "svcflow:kind", string(item.Kind))
		x.str("\t\t", "svcflow:stream", item.Stream)
		if item.StreamRevision != 0 { // 0 is unknown, not a revision
			x.int("\t\t", "svcflow:stream_revision", int64(item.StreamRevision))
		}
		x.str("\t\t", "svcflow:priority", string(item.Priority))
		x.str("\t\t", "svcflow:category", item.Category)
		x.str("\t\t", "svcflow:service", item.Service)
		x.str("\t\t", "svcflow:status", string(item.Status))
		if !item.Created.IsZero() {
			x.date("\t\t", "svcflow:created", item.Created)
		}
	}
	clear(x.visits)
	for i := range t.Events {
		x.event(&t.Events[i])
	}
	x.ws("\t</trace>\n")
	if x.err != nil {
		x.err = fmt.Errorf("write xes trace %s: %w", id, x.err)
		return x.err
	}
	return nil
}

// Close writes the end of the log and flushes it. It does not close the
// underlying writer.
func (x *XESWriter) Close() error {
	if x.closed {
		return fmt.Errorf("close xes: %w", errClosed)
	}
	x.closed = true
	if x.err != nil {
		return x.err
	}
	x.start()
	x.ws("</log>\n")
	if x.err == nil {
		x.err = x.w.Flush()
	}
	if x.err != nil {
		x.err = fmt.Errorf("close xes: %w", x.err)
		return x.err
	}
	return nil
}

// traceItem checks a trace and returns its id and, when known, the item.
func traceItem(t Trace) (string, *svcflow.WorkItem, error) {
	item := t.Item
	var id string
	switch {
	case item != nil:
		id = item.ID
	case len(t.Events) > 0:
		id = t.Events[0].Item
	}
	if id == "" {
		return "", nil, errors.New("trace without an item id")
	}
	var num [32]byte
	for i, e := range t.Events {
		if e.Item != id {
			return "", nil, fmt.Errorf("trace %s: event %d (version %d) belongs to %q", id, i, e.Version, e.Item)
		}
		if i > 0 && e.Version <= t.Events[i-1].Version {
			return "", nil, fmt.Errorf("trace %s: version %d after %d: events must be in version order", id, e.Version, t.Events[i-1].Version)
		}
		if _, err := appendTime(num[:0], e.Time); err != nil {
			return "", nil, fmt.Errorf("trace %s: event version %d: %w", id, e.Version, err)
		}
	}
	if item != nil {
		if _, err := appendTime(num[:0], item.Created); err != nil {
			return "", nil, fmt.Errorf("trace %s: created: %w", id, err)
		}
		return id, item, nil
	}
	// Replay is the domain's own fold, so the attributes are exactly the
	// item's state; it fails on a partial history, which then gets the id
	// alone.
	if w, err := svcflow.Replay(t.Events); err == nil {
		return id, w, nil
	}
	return id, nil, nil
}

// event writes one event.
func (x *XESWriter) event(e *svcflow.Event) {
	const in = "\t\t\t"
	x.ws("\t\t<event>\n")
	lc, isStep := Lifecycle(e.Type)
	name := string(e.Type)
	if isStep && e.Step != "" {
		name = e.Step
	}
	// concept:name and org:resource are globals, so written even when empty.
	x.attr(in, "string", "", "concept:name", name)
	if isStep {
		x.str(in, "lifecycle:transition", string(lc))
		if n := x.visit(e); n > 0 {
			// concept:instance is a string in the concept extension
			x.attr(in, "string", "", "concept:instance", strconv.Itoa(n))
		}
	}
	x.date(in, "time:timestamp", e.Time)
	x.attr(in, "string", "", "org:resource", e.Actor)
	x.str(in, "org:group", e.Data.Team)
	x.str(in, "svcflow:type", string(e.Type))
	x.int(in, "svcflow:seq", e.Seq)
	x.int(in, "svcflow:version", int64(e.Version))
	// The step again, on every event that has one: non-step events
	// (approvals, tasks, swarming) happen in a step too, and a reader then
	// never depends on which concept:name is a step.
	x.str(in, "svcflow:step", e.Step)
	x.str(in, "svcflow:activity", string(e.Activity))
	x.str(in, "svcflow:before", e.Before)
	x.str(in, "svcflow:after", e.After)
	x.fields = appendData(x.fields[:0], &e.Data)
	for _, f := range x.fields {
		x.attr(in, f.typ.element(), "svcflow:", f.key, f.value)
	}
	x.ws("\t\t</event>\n")
}

// visit returns the ordinal of the visit a step event belongs to (1 for
// the first visit of the trace to that step), or 0 when the visit began
// before the trace's first event.
func (x *XESWriter) visit(e *svcflow.Event) int {
	if e.Type == svcflow.EventStepEntered {
		x.visits[e.Step]++
	}
	return x.visits[e.Step]
}

// start writes the header before the first trace or the end of the log.
func (x *XESWriter) start() {
	if !x.started {
		x.started = true
		x.ws(xesHeader)
	}
}

// ws writes s, keeping the first error; WriteTrace and Close report it.
func (x *XESWriter) ws(s string) {
	if x.err != nil {
		return
	}
	_, x.err = x.w.WriteString(s)
}

// str writes a string attribute when it has a value.
func (x *XESWriter) str(indent, key, value string) {
	if value != "" {
		x.attr(indent, "string", "", key, value)
	}
}

func (x *XESWriter) int(indent, key string, v int64) {
	x.num = strconv.AppendInt(x.num[:0], v, 10)
	x.raw(indent, "int", key, x.num)
}

// date writes a date attribute; traceItem has checked that t can be
// written.
func (x *XESWriter) date(indent, key string, t time.Time) {
	x.num, _ = appendTime(x.num[:0], t)
	x.raw(indent, "date", key, x.num)
}

// raw writes an attribute whose value needs no escaping (numbers and
// times), straight from the scratch buffer: formatting them is most of an
// event, and a string copy each time doubled the allocations.
func (x *XESWriter) raw(indent, typ, key string, value []byte) {
	x.open(indent, typ, "", key)
	if x.err == nil {
		_, x.err = x.w.Write(value)
	}
	x.ws(`"/>` + "\n")
}

// attr writes <typ key="prefix+key" value="value"/>. Keys are ours and
// need no escaping; values are cleaned and escaped.
func (x *XESWriter) attr(indent, typ, prefix, key, value string) {
	x.open(indent, typ, prefix, key)
	x.text(value)
	x.ws(`"/>` + "\n")
}

// open writes an attribute element up to its value.
func (x *XESWriter) open(indent, typ, prefix, key string) {
	x.ws(indent)
	x.ws("<")
	x.ws(typ)
	x.ws(` key="`)
	x.ws(prefix)
	x.ws(key)
	x.ws(`" value="`)
}

// text writes an attribute value. Tab, newline and carriage return are
// escaped as character references too, since a parser would otherwise
// normalise them to spaces in an attribute.
func (x *XESWriter) text(s string) {
	s = clean(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&', '<', '>', '"', '\'', '\t', '\n', '\r':
			if x.err == nil {
				x.err = xml.EscapeText(x.w, []byte(s))
			}
			return
		}
	}
	x.ws(s) // nothing to escape: the common case, without a copy
}
