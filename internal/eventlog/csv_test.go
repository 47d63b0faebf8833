package eventlog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/golden"

	svcflow "github.com/svcflow/svcflow"
)

func writeCSV(t testing.TB, events []svcflow.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	for _, e := range events {
		if err := w.Write(e); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return buf.Bytes()
}

func readCSV(t testing.TB, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(csvColumns)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read CSV back: %v\n%s", err, data)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], CSVColumns()) {
		t.Fatalf("got header %v, want %v", rows[:min(1, len(rows))], CSVColumns())
	}
	return rows[1:]
}

func TestCSVGolden(t *testing.T) {
	golden.Check(t, "fixture.csv", writeCSV(t, fixtureEvents()))
}

// TestCSVRoundTrip reads rows back into events: the columns and the detail
// cell hold every field.
func TestCSVRoundTrip(t *testing.T) {
	events := fixtureEvents()
	rows := readCSV(t, writeCSV(t, events))
	if len(rows) != len(events) {
		t.Fatalf("got %d rows, want one per event: %d", len(rows), len(events))
	}
	col := map[string]int{}
	for i, c := range csvColumns {
		col[c] = i
	}
	var got []svcflow.Event
	for i, row := range rows {
		cell := func(name string) string { return row[col[name]] }
		e := svcflow.Event{
			Item: cell("case"), Actor: cell("actor"), Type: svcflow.EventType(cell("type")), Step: cell("step"),
			Activity: svcflow.Activity(cell("activity")), Before: cell("before"), After: cell("after"),
			Data: svcflow.EventData{Team: cell("team"), Person: cell("person"), Outcome: cell("outcome"), Reason: cell("reason")},
		}
		var err error
		if e.Seq, err = strconv.ParseInt(cell("seq"), 10, 64); err != nil {
			t.Fatalf("row %d: seq: %v", i, err)
		}
		if e.Version, err = strconv.Atoi(cell("version")); err != nil {
			t.Fatalf("row %d: version: %v", i, err)
		}
		if e.Time, err = time.Parse(time.RFC3339, cell("time")); err != nil {
			t.Fatalf("row %d: time: %v", i, err)
		}
		if ts := cell("time"); len(ts) != len(TimeLayout) || !strings.HasSuffix(ts, "+00:00") {
			t.Errorf("row %d: time %q is not UTC with milliseconds", i, ts)
		}
		lc, isStep := Lifecycle(e.Type)
		if cell("lifecycle") != string(lc) || isStep != (cell("lifecycle") != "") {
			t.Errorf("row %d (%s): got lifecycle %q, want %q", i, e.Type, cell("lifecycle"), lc)
		}
		detail, err := ParseDetail(cell("detail"))
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		for k, v := range detail {
			if err := setData(&e.Data, k, v); err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
		}
		got = append(got, e)
	}
	sameEvents(t, got, events)
}

func TestCSVEmpty(t *testing.T) {
	if got, want := string(writeCSV(t, nil)), strings.Join(csvColumns, ",")+"\n"; got != want {
		t.Errorf("got %q, want the header alone %q", got, want)
	}
}

func TestDetail(t *testing.T) {
	tests := []struct {
		name string
		data svcflow.EventData
		want string
	}{
		{"nothing", svcflow.EventData{}, ""},
		{"columns only", svcflow.EventData{Team: "t", Person: "p", Outcome: "o", Reason: "r"}, ""},
		{"sorted by key", svcflow.EventData{Stream: "s", Kind: svcflow.KindIncident, Score: 4, Public: true},
			"kind=incident;public=true;score=4;stream=s"},
		{"delimiters encoded", svcflow.EventData{Other: "a;b=c%d", Link: "x"}, "link=x;other=a%3Bb%3Dc%25d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCSVWriter(io.Discard)
			got := c.encodeDetail(&tt.data)
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			back, err := ParseDetail(got)
			if err != nil {
				t.Fatal(err)
			}
			var d svcflow.EventData
			for k, v := range back {
				if err := setData(&d, k, v); err != nil {
					t.Fatal(err)
				}
			}
			want := tt.data
			want.Team, want.Person, want.Outcome, want.Reason = "", "", "", ""
			if d != want {
				t.Errorf("read back %+v, want %+v", d, want)
			}
		})
	}
}

func TestParseDetailErrors(t *testing.T) {
	for _, s := range []string{"kind", "=x", "kind=a;kind=b", "other=%zz", "kind=a;"} {
		if _, err := ParseDetail(s); err == nil {
			t.Errorf("ParseDetail(%q): got no error", s)
		}
	}
}

func TestCSVErrors(t *testing.T) {
	t.Run("time out of range", func(t *testing.T) {
		var buf bytes.Buffer
		w := NewCSVWriter(&buf)
		err := w.Write(svcflow.Event{Item: "INC-1", Version: 1, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err == nil || !strings.Contains(err.Error(), "INC-1") {
			t.Fatalf("got %v, want an error naming the event", err)
		}
		if err := w.Flush(); err != nil {
			t.Fatalf("a refused event leaves the writer usable: %v", err)
		}
		if rows := readCSV(t, buf.Bytes()); len(rows) != 0 {
			t.Errorf("got %d rows, want none", len(rows))
		}
	})
	t.Run("failing writer", func(t *testing.T) {
		w := NewCSVWriter(&failAfter{n: 10})
		for _, e := range fixtureEvents() {
			if err := w.Write(e); err != nil {
				t.Fatalf("Write buffers, so it cannot fail yet: %v", err)
			}
		}
		err := w.Flush()
		if !errors.Is(err, errBoom) {
			t.Fatalf("got %v, want the writer's error", err)
		}
		if err := w.Write(fixtureEvents()[0]); !errors.Is(err, errBoom) {
			t.Errorf("Write after an error: got %v, want the first error again", err)
		}
	})
}

func BenchmarkCSVWriter(b *testing.B) {
	const items, perItem = 10_000, 10
	traces := benchTraces(items, perItem)
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		w := NewCSVWriter(io.Discard)
		for _, tr := range traces {
			for _, e := range tr.Events {
				if err := w.Write(e); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		n += items * perItem
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
