package eventlog

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	svcflow "github.com/svcflow/svcflow"
)

// xmlSafe is what a string reads back as: every invalid byte and every
// character outside XML 1.0's Char production replaced by U+FFFD. Ranging
// over a string yields U+FFFD for each invalid byte, which makes this an
// independent statement of the rule clean implements.
func xmlSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		ok := r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
		if !ok {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fuzzEvents is a small visit whose actor, step and reasons are fuzzed.
func fuzzEvents(actor, step, reason string) []svcflow.Event {
	types := []svcflow.EventType{
		svcflow.EventCreated, svcflow.EventStepEntered, svcflow.EventStepStarted, svcflow.EventStepPaused,
		svcflow.EventStepResumed, svcflow.EventStepRequeued, svcflow.EventTaskDone, svcflow.EventStepExited,
	}
	events := make([]svcflow.Event, len(types))
	for i, typ := range types {
		e := svcflow.Event{Seq: int64(i + 1), Item: "INC-1", Version: i + 1, Time: at(float64(i)), Actor: actor, Type: typ}
		if typ != svcflow.EventCreated {
			e.Step = step
		}
		switch typ {
		case svcflow.EventStepPaused, svcflow.EventStepRequeued, svcflow.EventStepExited:
			e.Data.Reason = reason
		}
		events[i] = e
	}
	return events
}

var fuzzSeeds = [][3]string{
	{"p-ana", "investigate", svcflow.HoldAwaitingVendor},
	{`agent<&">`, "a\tb\nc\rd", "'quoted'"},
	{"", "", ""},
	{"nul\x00\x1f", "bad\xff\xfe", "\xc3"},
	{"\uFFFD\uFFFE\uFFFF", "\U0010FFFF🙂", "\xed\xa0\x80"}, // a UTF-8 encoded surrogate is invalid
	{"]]>", "<!--", "&amp;"},
}

// FuzzXESWriter checks that any actor, step and reason give a well-formed
// log that reads back as the cleaned strings.
func FuzzXESWriter(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, actor, step, reason string) {
		events := fuzzEvents(actor, step, reason)
		got, err := eventAttrs(writeXES(t, []Trace{{Events: events}}))
		if err != nil {
			t.Fatalf("XES is not well-formed: %v", err)
		}
		if len(got) != len(events) {
			t.Fatalf("got %d events, want %d", len(got), len(events))
		}
		for i, e := range events {
			attrs := got[i]
			if got, want := attrs["org:resource"], xmlSafe(actor); got != want {
				t.Errorf("event %d: got actor %q, want %q", i, got, want)
			}
			if got, want := attrs["svcflow:reason"], xmlSafe(e.Data.Reason); got != want {
				t.Errorf("event %d: got reason %q, want %q", i, got, want)
			}
			if got, want := attrs["svcflow:step"], xmlSafe(e.Step); got != want {
				t.Errorf("event %d: got svcflow:step %q, want %q", i, got, want)
			}
			wantName := string(e.Type)
			if e.Type.IsStepEvent() && step != "" {
				wantName = xmlSafe(step)
			}
			if got := attrs["concept:name"]; got != wantName {
				t.Errorf("event %d: got concept:name %q, want %q", i, got, wantName)
			}
		}
	})
}

// FuzzCSVWriter checks the same for CSV: every row parses back with the
// right number of cells and the cleaned strings. csv.Reader turns CRLF
// inside a quoted cell into LF, as RFC 4180 readers do.
func FuzzCSVWriter(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, actor, step, reason string) {
		events := fuzzEvents(actor, step, reason)
		var buf bytes.Buffer
		w := NewCSVWriter(&buf)
		for _, e := range events {
			if err := w.Write(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(&buf)
		r.FieldsPerRecord = len(csvColumns)
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("read CSV back: %v", err)
		}
		if len(rows) != len(events)+1 {
			t.Fatalf("got %d rows, want a header and %d events", len(rows), len(events))
		}
		read := func(s string) string { return strings.ReplaceAll(xmlSafe(s), "\r\n", "\n") }
		for i, e := range events {
			row := rows[i+1]
			if got, want := row[4], read(actor); got != want {
				t.Errorf("event %d: got actor %q, want %q", i, got, want)
			}
			if got, want := row[6], read(e.Step); got != want {
				t.Errorf("event %d: got step %q, want %q", i, got, want)
			}
			if got, want := row[12], read(e.Data.Reason); got != want {
				t.Errorf("event %d: got reason %q, want %q", i, got, want)
			}
		}
	})
}

// eventAttrs reads the attributes of every event in one pass of the token
// decoder, which also proves the log well-formed. It is the fuzz targets'
// cheaper parseXES: a repeated key would be an error.
func eventAttrs(data []byte) ([]map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var events []map[string]string
	var cur map[string]string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "event" {
				cur = map[string]string{}
				events = append(events, cur)
				continue
			}
			if cur == nil {
				continue
			}
			var key, value string
			for _, a := range tok.Attr {
				switch a.Name.Local {
				case "key":
					key = a.Value
				case "value":
					value = a.Value
				}
			}
			if _, dup := cur[key]; dup {
				return nil, fmt.Errorf("event %d: attribute %s twice", len(events), key)
			}
			cur[key] = value
		case xml.EndElement:
			if tok.Name.Local == "event" {
				cur = nil
			}
		}
	}
}
