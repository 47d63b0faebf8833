package eventlog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// addSeeds adds the test logs with the extension ext as seeds.
func addSeeds(f *testing.F, ext string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "read", "*"+ext))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzReadCSV checks that no input makes the CSV reader panic, and that a
// log it returns keeps its invariants, strict or not.
func FuzzReadCSV(f *testing.F) {
	addSeeds(f, ".csv")
	f.Add([]byte("case,activity,timestamp\nc,\"a\"\"b\",1/2/2024\r\nc,b,13/2/2024 1:00 pm\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{false, true} {
			res, err := ReadCSV(bytes.NewReader(data), ReadOptions{Strict: strict})
			if err != nil {
				if res != nil {
					t.Fatal("an error came with a result")
				}
				continue
			}
			checkLog(t, res.Log)
			if len(res.Warnings) > maxWarnings || res.WarningCount < len(res.Warnings) || strict && res.WarningCount > 0 && !allNotes(res) {
				t.Fatalf("got %d warnings of %d", len(res.Warnings), res.WarningCount)
			}
		}
	})
}

// allNotes reports whether every warning is one Strict keeps as a warning
// (a decision, not a skipped row).
func allNotes(res *ReadResult) bool {
	for _, w := range res.Warnings {
		if strings.Contains(w.Message, "skipped") {
			return false
		}
	}
	return true
}

// FuzzReadXES does the same for XES.
func FuzzReadXES(f *testing.F) {
	addSeeds(f, ".xes")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{false, true} {
			res, err := ReadXES(bytes.NewReader(data), ReadOptions{Strict: strict})
			if err != nil {
				if res != nil {
					t.Fatal("an error came with a result")
				}
				continue
			}
			checkLog(t, res.Log)
			if strict && !allNotes(res) {
				t.Fatalf("strict mode skipped: %v", res.Warnings)
			}
		}
	})
}

// FuzzTimestamp checks that detection never panics and that a value it
// accepts as Y-M-D is the time the standard library reads from its fields.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"2024-01-02T15:04:05.123+02:00", "2024/1/2 3:04", "31/12/2024 11:59 PM", "1/2/2024", "2024-02-29", "9999-99-99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c civil
		var sh shape
		if !parseDetect([]byte(s), &c, &sh) || c.check() != "" {
			return
		}
		if sh.numeric {
			tc := &timeColumn{name: "t"}
			tc.parse([]byte(s), 1)
			return
		}
		got := c.unixNano(nil)
		want := time.Date(c.year, time.Month(c.month), c.day, c.hour, c.min, c.sec, c.nsec, time.UTC).Add(-time.Duration(c.off) * time.Second).UnixNano()
		if got != want {
			t.Fatalf("%q: got %d, want %d", s, got, want)
		}
		tc := &timeColumn{name: "t"}
		if _, _, msg := tc.parse([]byte(s), 1); msg != "" {
			t.Fatalf("%q: %s", s, msg)
		}
	})
}

// FuzzStrftime checks that no layout and value make the strftime parser
// panic.
func FuzzStrftime(f *testing.F) {
	f.Add("%d/%m/%Y %H:%M", "02/01/2024 15:04")
	f.Add("%e %b %Y %I:%M:%S.%f %p %z", " 2 Jan 2024 03:04:05.5 PM +01:00")
	f.Add("%Y %j %Z", "2024 366 UTC")
	f.Add("%F %T %%", "2024-01-02 15:04:05 %")
	f.Fuzz(func(t *testing.T, layout, value string) {
		p, err := compileStrftime(layout)
		if err != nil {
			return
		}
		var c civil
		if p.parse([]byte(value), &c) == "" && c.check() == "" {
			c.unixNano(time.UTC)
		}
	})
}
