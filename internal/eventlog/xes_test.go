package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/golden"

	svcflow "github.com/svcflow/svcflow"
)

func TestXESGolden(t *testing.T) {
	golden.Check(t, "fixture.xes", writeXES(t, fixture()))
}

func TestXESHeader(t *testing.T) {
	l := parseXES(t, writeXES(t, nil))
	if l.Version != "1849-2016" || l.Namespace != "http://www.xes-standard.org/" {
		t.Errorf("got xes.version %q xmlns %q, want 1849-2016 and the XES namespace", l.Version, l.Namespace)
	}
	ext := map[string]string{}
	for _, e := range l.Extensions {
		ext[e.Prefix] = e.URI
	}
	for prefix, uri := range map[string]string{
		"concept":   "http://www.xes-standard.org/concept.xesext",
		"lifecycle": "http://www.xes-standard.org/lifecycle.xesext",
		"org":       "http://www.xes-standard.org/org.xesext",
		"time":      "http://www.xes-standard.org/time.xesext",
	} {
		if ext[prefix] != uri {
			t.Errorf("extension %s: got uri %q, want %q", prefix, ext[prefix], uri)
		}
	}
	classifiers := map[string]string{}
	for _, c := range l.Classifiers {
		classifiers[c.Name] = c.Keys
	}
	if classifiers["Activity"] != "concept:name" || classifiers["Activity and lifecycle"] != "concept:name lifecycle:transition" {
		t.Errorf("got classifiers %v", classifiers)
	}
	if v, _ := l.Attrs.get("lifecycle:model"); v != "standard" {
		t.Errorf("got lifecycle:model %q, want standard", v)
	}
	if v, _ := l.Attrs.get("svcflow:schema"); v != Schema {
		t.Errorf("got svcflow:schema %q, want %q", v, Schema)
	}
	if len(l.Traces) != 0 {
		t.Errorf("an empty log has %d traces", len(l.Traces))
	}
}

// TestXESEvents checks every event of the fixture against its input: the
// lifecycle of step events, the type of all, timestamps, escaping.
func TestXESEvents(t *testing.T) {
	traces := fixture()
	l := parseXES(t, writeXES(t, traces))
	if len(l.Traces) != len(traces) {
		t.Fatalf("got %d traces, want one per item: %d", len(l.Traces), len(traces))
	}
	var eventGlobals []string
	for _, g := range l.Globals {
		if g.Scope == "event" {
			for _, a := range g.Attrs {
				eventGlobals = append(eventGlobals, a.Key)
			}
		}
	}
	for i, tr := range traces {
		xt := l.Traces[i]
		if id, _ := xt.Attrs.get("concept:name"); id != tr.Events[0].Item {
			t.Errorf("trace %d: got concept:name %q, want %q", i, id, tr.Events[0].Item)
		}
		if len(xt.Events) != len(tr.Events) {
			t.Fatalf("trace %s: got %d events, want %d", tr.Events[0].Item, len(xt.Events), len(tr.Events))
		}
		for j, e := range tr.Events {
			xe := xt.Events[j].Attrs
			name := fmt.Sprintf("%s v%d %s", e.Item, e.Version, e.Type)
			for _, k := range eventGlobals {
				if n := len(xe.all(k)); n != 1 {
					t.Errorf("%s: %d %s attributes, want 1 (a global)", name, n, k)
				}
			}
			if typ, _ := xe.get("svcflow:type"); typ != string(e.Type) {
				t.Errorf("%s: got svcflow:type %q", name, typ)
			}
			lcs := xe.all("lifecycle:transition")
			concept, _ := xe.get("concept:name")
			if want, ok := Lifecycle(e.Type); ok {
				if len(lcs) != 1 || lcs[0].Value != string(want) {
					t.Errorf("%s: got lifecycle %v, want exactly one %q", name, lcs, want)
				}
				if concept != e.Step {
					t.Errorf("%s: got concept:name %q, want the step %q", name, concept, e.Step)
				}
			} else {
				if len(lcs) != 0 {
					t.Errorf("%s: a non-step event has lifecycle %v", name, lcs)
				}
				if concept != string(e.Type) {
					t.Errorf("%s: got concept:name %q, want the type", name, concept)
				}
			}
			ts, _ := xe.get("time:timestamp")
			got, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				t.Errorf("%s: timestamp %q: %v", name, ts, err)
			} else if want := e.Time.Truncate(time.Millisecond); !got.Equal(want) || len(ts) != len(TimeLayout) || !strings.HasSuffix(ts, "+00:00") {
				t.Errorf("%s: got time %s, want %s in UTC with milliseconds", name, ts, want)
			}
			if actor, _ := xe.get("org:resource"); actor != e.Actor {
				t.Errorf("%s: got org:resource %q, want %q", name, actor, e.Actor)
			}
			if group, ok := xe.get("org:group"); group != e.Data.Team || ok != (e.Data.Team != "") {
				t.Errorf("%s: got org:group %q (present %t), want %q", name, group, ok, e.Data.Team)
			}
		}
	}
}

// TestXESVisitInstances checks concept:instance: the ordinal of the visit
// to the step, so a tool pairs start and complete of a loop exactly; none
// when the visit began before the trace.
func TestXESVisitInstances(t *testing.T) {
	e := func(v int, typ svcflow.EventType, step string) svcflow.Event {
		return svcflow.Event{Item: "INC-9", Version: v, Time: at(float64(v)), Actor: "p-ana", Type: typ, Step: step}
	}
	events := []svcflow.Event{
		e(3, svcflow.EventStepCompleted, "register"), // visit began before version 3
		e(4, svcflow.EventStepEntered, "fix"),
		e(5, svcflow.EventStepCompleted, "fix"),
		e(6, svcflow.EventStepEntered, "verify"),
		e(7, svcflow.EventStepCompleted, "verify"),
		e(8, svcflow.EventStepEntered, "fix"),
		e(9, svcflow.EventStepStarted, "fix"),
		e(10, svcflow.EventStatusChanged, ""),
	}
	want := []string{"", "1", "1", "1", "1", "2", "2", ""}
	l := parseXES(t, writeXES(t, []Trace{{Events: events}}))
	for i, xe := range l.Traces[0].Events {
		got, _ := xe.Attrs.get("concept:instance")
		if got != want[i] {
			t.Errorf("event %d (%s %s): got concept:instance %q, want %q", i, events[i].Type, events[i].Step, got, want[i])
		}
	}
}

func TestXESTraceAttributes(t *testing.T) {
	traces := fixture()
	l := parseXES(t, writeXES(t, traces))
	created := at(0).UTC().Truncate(time.Millisecond).Format(TimeLayout)
	created100 := at(100).UTC().Truncate(time.Millisecond).Format(TimeLayout)
	tests := []struct {
		name string
		want map[string]string // key → element:value
	}{
		{"item given", map[string]string{
			"concept:name": "string:INC-1", "svcflow:kind": "string:incident", "svcflow:stream": "string:restore-live-service",
			"svcflow:stream_revision": "int:1", "svcflow:priority": "string:P1", "svcflow:category": "string:network",
			"svcflow:service": "string:vpn", "svcflow:status": "string:resolved", "svcflow:created": "date:" + created,
		}},
		{"folded from the events", map[string]string{
			"concept:name": "string:CHG-1", "svcflow:kind": "string:change", "svcflow:stream": "string:service-change",
			"svcflow:stream_revision": "int:3", "svcflow:priority": "string:P3", "svcflow:category": "string:network",
			"svcflow:service": "string:vpn", "svcflow:status": "string:cancelled", "svcflow:created": "date:" + created100,
		}},
		{"partial history: the id alone", map[string]string{"concept:name": `string:Q-7<&"'>`}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, a := range l.Traces[i].Attrs {
				got[a.Key] = a.XMLName.Local + ":" + a.Value
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}

	// Folding must give what the caller would have passed.
	item, err := svcflow.Replay(traces[1].Events)
	if err != nil {
		t.Fatal(err)
	}
	folded := writeXES(t, traces[1:2])
	given := writeXES(t, []Trace{{Item: item, Events: traces[1].Events}})
	if !bytes.Equal(folded, given) {
		t.Errorf("a trace folded from its events differs from the same trace with its item")
	}
}

// TestXESRoundTrip reads the log back into events and compares them with
// the input: every field survives, times to the millisecond.
func TestXESRoundTrip(t *testing.T) {
	got, err := eventsFromXES(parseXES(t, writeXES(t, fixture())))
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, got, fixtureEvents())
}

// TestDataFieldsCoverEventData fails when EventData gains a field the
// writers do not export.
func TestDataFieldsCoverEventData(t *testing.T) {
	// Set every field through its JSON name, then check that appendData
	// returns them all, sorted (the team goes to org:group and a column).
	var d svcflow.EventData
	var want []string
	typ := reflect.TypeFor[svcflow.EventData]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		value := "x"
		switch typ.Field(i).Type.Kind() {
		case reflect.Int:
			value = "7"
		case reflect.Bool:
			value = "true"
		case reflect.Struct:
			value = "2h"
		}
		if err := setData(&d, key, value); err != nil {
			t.Fatal(err)
		}
		if key != "team" {
			want = append(want, key)
		}
	}
	slices.Sort(want)
	var got []string
	for _, f := range appendData(nil, &d) {
		got = append(got, f.key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("appendData gives %v\nwant %v", got, want)
	}
}

func TestXESEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain-id", "plain-id"},
		{`a<b&c"d'e>`, `a<b&c"d'e>`},
		{"tab\tnew\nline\rret", "tab\tnew\nline\rret"},
		{"nul\x00bell\x07", "nul\uFFFDbell\uFFFD"},
		{"bad\xffutf8\xc3", "bad\uFFFDutf8\uFFFD"},
		{"\uFFFE\uFFFF", "\uFFFD\uFFFD"},
		{"émoji 🙂 \U0010FFFF", "émoji 🙂 \U0010FFFF"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			e := svcflow.Event{Item: "INC-1", Version: 1, Time: at(0), Actor: tt.in, Type: svcflow.EventCommented, Data: svcflow.EventData{Reason: tt.in}}
			l := parseXES(t, writeXES(t, []Trace{{Events: []svcflow.Event{e}}}))
			attrs := l.Traces[0].Events[0].Attrs
			for _, k := range []string{"org:resource", "svcflow:reason"} {
				if got, _ := attrs.get(k); got != tt.want {
					t.Errorf("%s: got %q, want %q", k, got, tt.want)
				}
			}
		})
	}
}

func TestXESRefusesBadTraces(t *testing.T) {
	good := svcflow.Event{Item: "INC-1", Version: 1, Time: at(0), Actor: "p-ana", Type: svcflow.EventCommented}
	with := func(f func(*svcflow.Event)) svcflow.Event { e := good; f(&e); return e }
	tests := []struct {
		name  string
		trace Trace
		want  string
	}{
		{"nothing", Trace{}, "without an item id"},
		{"item without id", Trace{Item: &svcflow.WorkItem{}}, "without an item id"},
		{"another item's event", Trace{Item: &svcflow.WorkItem{ID: "INC-2"}, Events: []svcflow.Event{good}}, `belongs to "INC-1"`},
		{"mixed items", Trace{Events: []svcflow.Event{good, with(func(e *svcflow.Event) { e.Item, e.Version = "INC-2", 2 })}}, `belongs to "INC-2"`},
		{"versions out of order", Trace{Events: []svcflow.Event{with(func(e *svcflow.Event) { e.Version = 2 }), good}}, "version 1 after 2"},
		{"repeated version", Trace{Events: []svcflow.Event{good, good}}, "version 1 after 1"},
		{"year 10000", Trace{Events: []svcflow.Event{with(func(e *svcflow.Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })}}, "outside the years"},
		{"created before year 0", Trace{Item: &svcflow.WorkItem{ID: "INC-1", Created: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}}, "created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewXESWriter(&buf)
			err := w.WriteTrace(tt.trace)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			// A refused trace writes nothing and leaves the writer usable.
			if err := w.WriteTrace(Trace{Events: []svcflow.Event{good}}); err != nil {
				t.Fatalf("WriteTrace after a refused trace: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if l := parseXES(t, buf.Bytes()); len(l.Traces) != 1 {
				t.Errorf("got %d traces, want the good one only", len(l.Traces))
			}
		})
	}
}

func TestXESWriteErrors(t *testing.T) {
	t.Run("failing writer", func(t *testing.T) {
		w := NewXESWriter(&failAfter{n: 100})
		var err error
		for range 200 { // enough to overflow the buffer
			if err = w.WriteTrace(fixture()[0]); err != nil {
				break
			}
		}
		if err == nil {
			err = w.Close()
		}
		if !errors.Is(err, errBoom) {
			t.Fatalf("got %v, want the writer's error", err)
		}
		if err := w.WriteTrace(fixture()[0]); !errors.Is(err, errBoom) {
			t.Errorf("WriteTrace after an error: got %v, want the first error again", err)
		}
	})
	t.Run("failing flush", func(t *testing.T) {
		w := NewXESWriter(&failAfter{n: 10})
		if err := w.WriteTrace(fixture()[1]); err != nil {
			t.Fatalf("WriteTrace buffers, so it cannot fail yet: %v", err)
		}
		if err := w.Close(); !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "close xes") {
			t.Errorf("got %v, want the writer's error from close", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		w := NewXESWriter(io.Discard)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteTrace(fixture()[0]); !errors.Is(err, errClosed) {
			t.Errorf("WriteTrace after Close: got %v", err)
		}
		if err := w.Close(); !errors.Is(err, errClosed) {
			t.Errorf("second Close: got %v", err)
		}
	})
}

// BenchmarkXESWriter writes 100,000 events: 10,000 incidents of 10 events
// each, with their items (the exporter has the projection) or folded from
// the events.
func BenchmarkXESWriter(b *testing.B) {
	const items, perItem = 10_000, 10
	traces := benchTraces(items, perItem)
	for _, mode := range []string{"item", "fold"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				w := NewXESWriter(io.Discard)
				for _, tr := range traces {
					if mode == "fold" {
						tr.Item = nil
					}
					if err := w.WriteTrace(tr); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				n += items * perItem
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// benchTraces makes items incidents of perItem events: created, a visit
// entered, started, paused, resumed and completed, status changes.
func benchTraces(items, perItem int) []Trace {
	types := []svcflow.EventType{
		svcflow.EventCreated, svcflow.EventStepEntered, svcflow.EventStepStarted, svcflow.EventStatusChanged,
		svcflow.EventStepPaused, svcflow.EventStepResumed, svcflow.EventStepCompleted, svcflow.EventValueReached,
		svcflow.EventStatusChanged, svcflow.EventFeedback,
	}
	traces := make([]Trace, items)
	var seq int64
	for i := range traces {
		id := fmt.Sprintf("INC-%d", i+1)
		events := make([]svcflow.Event, perItem)
		for v := range events {
			seq++
			e := svcflow.Event{Seq: seq, Item: id, Version: v + 1, Time: at(float64(i + v)), Actor: "p-ana", Type: types[v%len(types)]}
			switch e.Type {
			case svcflow.EventCreated:
				e.Actor = "p-cy"
				e.Data = svcflow.EventData{Kind: svcflow.KindIncident, Stream: "restore-live-service", StreamRevision: 1,
					Service: "vpn", Priority: svcflow.P3, Impact: 2, Urgency: 2, RequestedBy: "p-cy", RequestedFor: "p-cy"}
			case svcflow.EventStatusChanged:
				e.Before, e.After = "new", "in_progress"
				if v > 7 {
					e.Before, e.After = "in_progress", "resolved"
				}
			case svcflow.EventStepPaused:
				e.Data.Reason = svcflow.HoldAwaitingRequester
			case svcflow.EventStepCompleted:
				e.Data.Outcome = "fixed"
			case svcflow.EventFeedback:
				e.Data.Score = 5
			}
			if e.Type.IsStepEvent() {
				e.Step, e.Activity, e.Data.Team = "investigate", svcflow.DeliverSupport, "service-desk"
			}
			events[v] = e
		}
		item, err := svcflow.Replay(events)
		if err != nil {
			panic(err)
		}
		traces[i] = Trace{Item: item, Events: events}
	}
	return traces
}
