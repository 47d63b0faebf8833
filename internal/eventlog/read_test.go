package eventlog

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readTestdata reads a file of testdata/read with ReadFile.
func readTestdata(t *testing.T, name string, opt ReadOptions) (*ReadResult, error) {
	t.Helper()
	return ReadFile(filepath.Join("testdata", "read", name), opt)
}

func mustRead(t *testing.T, name string, opt ReadOptions) *ReadResult {
	t.Helper()
	res, err := readTestdata(t, name, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkLog(t, res.Log)
	return res
}

// checkLog checks the invariants every log a reader returns keeps.
func checkLog(t testing.TB, l *Log) {
	t.Helper()
	if len(l.Offsets) != l.Cases()+1 {
		t.Fatalf("got %d offsets for %d cases", len(l.Offsets), l.Cases())
	}
	if l.Offsets[0] != 0 || int(l.Offsets[l.Cases()]) != l.Events() {
		t.Fatalf("offsets run %d..%d, want 0..%d", l.Offsets[0], l.Offsets[l.Cases()], l.Events())
	}
	n := l.Events()
	if len(l.Resource) != n || len(l.Time) != n || l.Start != nil && len(l.Start) != n || l.Phase != nil && len(l.Phase) != n {
		t.Fatal("event columns of different lengths")
	}
	inRange := func(what string, vals []uint32) {
		for i, v := range vals {
			if int(v) >= len(l.Strings) {
				t.Fatalf("%s[%d] = %d, past the %d strings", what, i, v, len(l.Strings))
			}
		}
	}
	inRange("CaseID", l.CaseID)
	inRange("Activity", l.Activity)
	inRange("Resource", l.Resource)
	for _, c := range l.EventAttrs {
		if len(c.Values) != n {
			t.Fatalf("event column %q has %d values, want %d", c.Name, len(c.Values), n)
		}
		inRange(c.Name, c.Values)
	}
	for _, c := range l.CaseAttrs {
		if len(c.Values) != l.Cases() {
			t.Fatalf("case column %q has %d values, want %d", c.Name, len(c.Values), l.Cases())
		}
		inRange(c.Name, c.Values)
	}
	for c := range l.CaseID {
		if l.Offsets[c] > l.Offsets[c+1] {
			t.Fatalf("offsets fall at case %d", c)
		}
		from, to := l.Case(c)
		for i := from + 1; i < to; i++ {
			if l.Time[i] < l.Time[i-1] {
				t.Fatalf("case %d: event %d is before event %d", c, i, i-1)
			}
		}
		for i := from; i < to; i++ {
			if l.Activity[i] == 0 {
				t.Fatalf("event %d has no activity", i)
			}
		}
	}
	if l.Strings[0] != "" {
		t.Fatal(`Strings[0] is not ""`)
	}
}

// ts parses an RFC 3339 time for expectations.
func ts(t testing.TB, s string) int64 {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixNano()
}

// eventsOf lists a log's events as "case activity resource time" lines.
func eventsOf(l *Log) []string {
	var out []string
	for c := range l.CaseID {
		from, to := l.Case(c)
		for i := from; i < to; i++ {
			out = append(out, l.Str(l.CaseID[c])+" "+l.Str(l.Activity[i])+" "+l.Str(l.Resource[i])+" "+
				time.Unix(0, l.Time[i]).UTC().Format(time.RFC3339Nano))
		}
	}
	return out
}

func TestReadFileFormats(t *testing.T) {
	data, err := os.ReadFile("testdata/read/lifecycle.xes")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"log.xes.gz": gz.Bytes(), // by name
		"log.data":   gz.Bytes(), // by magic, then by sniffing
		"log.xes":    data,
		"noext":      data,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		var calls int
		var last, total int64
		res, err := ReadFile(p, ReadOptions{Progress: func(n, tot int64) { calls++; last, total = n, tot }})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := res.Log.Events(); got != 3 {
			t.Errorf("%s: got %d events, want 3", name, got)
		}
		if calls == 0 || last != int64(len(content)) || total != int64(len(content)) {
			t.Errorf("%s: progress %d calls, last %d of %d, want the %d bytes of the file", name, calls, last, total, len(content))
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "log.xes"), ReadOptions{Format: "json"}); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("got %v, want an unknown format error", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.csv"), ReadOptions{}); err == nil {
		t.Error("a missing file gave no error")
	}
}

func TestReadGzipStream(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("case,activity,time\nc1,A,2024-01-01T00:00:00\n"))
	zw.Close()
	data := gz.Bytes()
	res, err := ReadCSV(bytes.NewReader(data), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Log.Events() != 1 {
		t.Fatalf("got %d events, want 1", res.Log.Events())
	}
	truncated := data[:len(data)-10]
	if _, err := ReadCSV(bytes.NewReader(truncated), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("truncated gzip: got %v, want a gzip error", err)
	}
}

func TestWarningsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("case,activity,timestamp\n")
	for range 150 {
		b.WriteString("c1,A,not a time\n")
	}
	b.WriteString("c1,A,2024-01-01 00:00\n")
	res, err := ReadCSV(strings.NewReader(b.String()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != maxWarnings || res.WarningCount != 150 {
		t.Errorf("got %d warnings kept of %d, want %d of 150", len(res.Warnings), res.WarningCount, maxWarnings)
	}
	if w := res.Warnings[99]; w.Line != 101 {
		t.Errorf("got the 100th warning at line %d, want 101", w.Line)
	}
}
