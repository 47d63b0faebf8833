package flow

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseStates(t *testing.T) {
	got := readStates(t, "states.yaml")
	want := map[string]StateClass{"New": StateQueued, "In Progress": StateActive, "On Hold": StateBlocked, "Resolved": StateDone, "Closed": StateDone}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}

func TestParseStatesErrors(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"unknown class", "New: queued\nWork: busy\n", `s.yaml:2: state "Work": class "busy": want queued, active, blocked or done`},
		{"class case", "New: Queued\n", `(write "queued")`},
		{"duplicate", "New: queued\nWork: active\nNew: active\n", `s.yaml:3: state "New" given twice (first on line 1)`},
		{"list", "- New\n- Work\n", "s.yaml:1: want a mapping of state names"},
		{"scalar", "queued\n", "s.yaml:1: want a mapping"},
		{"empty", "", "s.yaml: empty"},
		{"empty mapping", "{}\n", "s.yaml:1: no states"},
		{"nested", "New:\n  class: queued\n", `s.yaml:2: state "New": want queued, active, blocked or done, got a mapping`},
		{"no class", "New:\n", `s.yaml:1: state "New": want queued, active, blocked or done, got nothing`},
		{"key not a name", "[a, b]: queued\n", "s.yaml:1: want a state name, got a list"},
		{"bad yaml", "New: [queued\n", "s.yaml: "},
	} {
		_, err := ParseStates(strings.NewReader(c.in), "s.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
}

func FuzzParseStates(f *testing.F) {
	f.Add(mustRead(f, "testdata/metrics/states.yaml"))
	for _, s := range []string{"", "a: queued\na: done\n", "- x\n", "x: &a queued\ny: *a\n", "<<: {a: done}\n", "a: [", "? [a]\n: queued\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseStates(bytes.NewReader(data), "f.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(m) == 0 {
			t.Fatal("no error and no states")
		}
		for k, v := range m {
			if k == "" || !v.valid() {
				t.Fatalf("got %q: %q", k, v)
			}
		}
	})
}
