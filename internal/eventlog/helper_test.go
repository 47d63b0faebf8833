package eventlog

import (
	"bytes"
	"encoding"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	svcflow "github.com/svcflow/svcflow"
)

// The minimal XES structure the tests read back. Element names match in
// any namespace, so the default XES namespace needs no mention.
type (
	xesAttr struct {
		XMLName xml.Name
		Key     string `xml:"key,attr"`
		Value   string `xml:"value,attr"`
	}
	xesAttrs []xesAttr
	xesEvent struct {
		Attrs xesAttrs `xml:",any"`
	}
	xesTrace struct {
		Events []xesEvent `xml:"event"`
		Attrs  xesAttrs   `xml:",any"`
	}
	xesLog struct {
		XMLName    xml.Name `xml:"log"`
		Version    string   `xml:"xes.version,attr"`
		Namespace  string   `xml:"xmlns,attr"`
		Extensions []struct {
			Name   string `xml:"name,attr"`
			Prefix string `xml:"prefix,attr"`
			URI    string `xml:"uri,attr"`
		} `xml:"extension"`
		Globals []struct {
			Scope string   `xml:"scope,attr"`
			Attrs xesAttrs `xml:",any"`
		} `xml:"global"`
		Classifiers []struct {
			Name string `xml:"name,attr"`
			Keys string `xml:"keys,attr"`
		} `xml:"classifier"`
		Traces []xesTrace `xml:"trace"`
		Attrs  xesAttrs   `xml:",any"`
	}
)

// all returns the attributes with key k.
func (as xesAttrs) all(k string) []xesAttr {
	var out []xesAttr
	for _, a := range as {
		if a.Key == k {
			out = append(out, a)
		}
	}
	return out
}

// get returns the value of the one attribute with key k, and false when
// there is none.
func (as xesAttrs) get(k string) (string, bool) {
	for _, a := range as {
		if a.Key == k {
			return a.Value, true
		}
	}
	return "", false
}

// wellFormed decodes every token of data in strict mode.
func wellFormed(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			line, col := d.InputPos()
			return fmt.Errorf("line %d column %d: %w", line, col, err)
		}
	}
}

// parseXES checks that data is well-formed and reads it back.
func parseXES(t testing.TB, data []byte) xesLog {
	t.Helper()
	if err := wellFormed(data); err != nil {
		t.Fatalf("XES is not well-formed: %v\n%s", err, data)
	}
	var l xesLog
	if err := xml.Unmarshal(data, &l); err != nil {
		t.Fatalf("read XES back: %v", err)
	}
	return l
}

// writeXES writes traces as an XES log.
func writeXES(t testing.TB, traces []Trace) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewXESWriter(&buf)
	for _, tr := range traces {
		if err := w.WriteTrace(tr); err != nil {
			t.Fatalf("WriteTrace: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

// setData sets the EventData field whose JSON name is key, the way a
// reader would: the JSON names are the attribute names of both formats.
func setData(d *svcflow.EventData, key, value string) error {
	v := reflect.ValueOf(d).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != key {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(value)
		case reflect.Int:
			n, err := strconv.Atoi(value)
			if err != nil {
				return fmt.Errorf("field %s: %w", key, err)
			}
			f.SetInt(int64(n))
		case reflect.Bool:
			b, err := strconv.ParseBool(value)
			if err != nil {
				return fmt.Errorf("field %s: %w", key, err)
			}
			f.SetBool(b)
		case reflect.Struct:
			u, ok := f.Addr().Interface().(encoding.TextUnmarshaler)
			if !ok {
				return fmt.Errorf("field %s of kind struct", key)
			}
			if err := u.UnmarshalText([]byte(value)); err != nil {
				return fmt.Errorf("field %s: %w", key, err)
			}
		default:
			return fmt.Errorf("field %s of kind %s", key, f.Kind())
		}
		return nil
	}
	return fmt.Errorf("no EventData field %q", key)
}

// eventsFromXES rebuilds svcflow events from a log this package wrote: a
// sketch of the future reader, to prove that nothing is lost.
func eventsFromXES(l xesLog) ([]svcflow.Event, error) {
	var out []svcflow.Event
	for _, tr := range l.Traces {
		id, _ := tr.Attrs.get("concept:name")
		for _, xe := range tr.Events {
			e := svcflow.Event{Item: id}
			var name string
			for _, a := range xe.Attrs {
				var err error
				switch a.Key {
				case "concept:name":
					name = a.Value
				case "lifecycle:transition", "concept:instance":
					// derived from the type
				case "time:timestamp":
					e.Time, err = time.Parse(time.RFC3339, a.Value)
				case "org:resource":
					e.Actor = a.Value
				case "org:group":
					e.Data.Team = a.Value
				case "svcflow:type":
					e.Type = svcflow.EventType(a.Value)
				case "svcflow:seq":
					e.Seq, err = strconv.ParseInt(a.Value, 10, 64)
				case "svcflow:version":
					e.Version, err = strconv.Atoi(a.Value)
				case "svcflow:step":
					e.Step = a.Value
				case "svcflow:activity":
					e.Activity = svcflow.Activity(a.Value)
				case "svcflow:before":
					e.Before = a.Value
				case "svcflow:after":
					e.After = a.Value
				default:
					key, ok := strings.CutPrefix(a.Key, "svcflow:")
					if !ok {
						return nil, fmt.Errorf("unexpected attribute %s", a.Key)
					}
					err = setData(&e.Data, key, a.Value)
				}
				if err != nil {
					return nil, fmt.Errorf("trace %s: %w", id, err)
				}
			}
			if e.Type.IsStepEvent() && name != e.Step {
				return nil, fmt.Errorf("trace %s: step event named %q in step %q", id, name, e.Step)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// sameEvents compares events read back with those written: times to the
// millisecond, everything else exactly.
func sameEvents(t *testing.T, got, want []svcflow.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		wt := w.Time.UTC().Truncate(time.Millisecond)
		if !g.Time.Equal(wt) {
			t.Errorf("event %d (%s %s): got time %s, want %s", i, w.Item, w.Type, g.Time, wt)
		}
		g.Time, w.Time = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("event %d:\ngot  %+v\nwant %+v", i, g, w)
		}
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

var errBoom = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	return n, errBoom
}
