package eventlog

import (
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// logTime formats a log time in TimeLayout.
func logTime(dst []byte, ns int64) []byte {
	return time.Unix(0, ns).UTC().AppendFormat(dst, TimeLayout)
}

// WriteLogCSV writes l as CSV that ReadCSV reads back as the same log: the
// columns case_id, activity, timestamp, start_timestamp (when l has start
// times), resource, lifecycle (when l has phases), then the case attributes
// (repeated on every row of the case) and the event attributes. Times are
// in TimeLayout (milliseconds); an absent value is an empty cell.
func WriteLogCSV(w io.Writer, l *Log) error {
	cw := csv.NewWriter(w)
	header := []string{"case_id", "activity", "timestamp"}
	if l.Start != nil {
		header = append(header, "start_timestamp")
	}
	header = append(header, "resource")
	if l.Phase != nil {
		header = append(header, "lifecycle")
	}
	for _, c := range l.CaseAttrs {
		header = append(header, c.Name)
	}
	for _, c := range l.EventAttrs {
		header = append(header, c.Name)
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write csv log: %w", err)
	}
	row := make([]string, len(header))
	var ts, st []byte
	for c := range l.CaseID {
		from, to := l.Case(c)
		for i := from; i < to; i++ {
			ts = logTime(ts[:0], l.Time[i])
			k := 0
			put := func(s string) { row[k] = s; k++ }
			put(clean(l.Strings[l.CaseID[c]]))
			put(clean(l.Strings[l.Activity[i]]))
			put(string(ts))
			if l.Start != nil {
				st = st[:0]
				if l.Start[i] != NoTime {
					st = logTime(st, l.Start[i])
				}
				put(string(st))
			}
			put(clean(l.Strings[l.Resource[i]]))
			if l.Phase != nil {
				put(string(l.Phase[i].Transition()))
			}
			for _, col := range l.CaseAttrs {
				put(clean(l.Strings[col.Values[c]]))
			}
			for _, col := range l.EventAttrs {
				put(clean(l.Strings[col.Values[i]]))
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write csv log: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv log: %w", err)
	}
	return nil
}

// logXESHeader opens a log written by WriteLogXES.
const logXESHeader = `<?xml version="1.0" encoding="UTF-8"?>
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
	</global>
	<classifier name="Activity" keys="concept:name"/>
	<string key="lifecycle:model" value="standard"/>
`

// WriteLogXES writes l as XES (IEEE 1849) that ReadXES reads back as the
// same log: a trace per case with its case attributes, an event per event
// with concept:name, time:timestamp, org:resource (when set),
// lifecycle:transition (when l has phases), start_timestamp (when l has a
// start time for it) and its event attributes. Attribute values are
// strings, since the log keeps no types; times are in TimeLayout.
func WriteLogXES(w io.Writer, l *Log) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	lw := &logXESWriter{w: bw}
	lw.ws(logXESHeader)
	for c := range l.CaseID {
		lw.ws("\t<trace>\n")
		lw.str("\t\t", keyName, l.Strings[l.CaseID[c]])
		for _, col := range l.CaseAttrs {
			if v := col.Values[c]; v != 0 {
				lw.str("\t\t", col.Name, l.Strings[v])
			}
		}
		from, to := l.Case(c)
		for i := from; i < to; i++ {
			const in = "\t\t\t"
			lw.ws("\t\t<event>\n")
			lw.str(in, keyName, l.Strings[l.Activity[i]])
			lw.date(in, keyTime, l.Time[i])
			if l.Start != nil && l.Start[i] != NoTime {
				lw.date(in, keyStart, l.Start[i])
			}
			if r := l.Resource[i]; r != 0 {
				lw.str(in, keyResource, l.Strings[r])
			}
			if l.Phase != nil && l.Phase[i] != PhaseNone {
				lw.str(in, keyTransition, string(l.Phase[i].Transition()))
			}
			for _, col := range l.EventAttrs {
				if v := col.Values[i]; v != 0 {
					lw.str(in, col.Name, l.Strings[v])
				}
			}
			lw.ws("\t\t</event>\n")
		}
		lw.ws("\t</trace>\n")
	}
	lw.ws("</log>\n")
	if lw.err == nil {
		lw.err = bw.Flush()
	}
	if lw.err != nil {
		return fmt.Errorf("write xes log: %w", lw.err)
	}
	return nil
}

type logXESWriter struct {
	w   *bufio.Writer
	err error
	num []byte
}

func (x *logXESWriter) ws(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *logXESWriter) escaped(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(clean(s)))
	}
}

func (x *logXESWriter) str(indent, key, value string) {
	x.ws(indent)
	x.ws(`<string key="`)
	x.escaped(key)
	x.ws(`" value="`)
	x.escaped(value)
	x.ws("\"/>\n")
}

func (x *logXESWriter) date(indent, key string, ns int64) {
	x.num = logTime(x.num[:0], ns)
	x.ws(indent)
	x.ws(`<date key="`)
	x.escaped(key)
	x.ws(`" value="`)
	x.ws(string(x.num))
	x.ws("\"/>\n")
}
