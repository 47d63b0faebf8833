package flow

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseMapping(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "map", "helpdesk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ParseMapping(f, "helpdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Insert ticket": "register", "Assign seriousness": "register", "Take in charge ticket": "investigate",
		"Require upgrade": "obtain-fix", "Create SW anomaly": "obtain-fix", "Resolve SW anomaly": "deploy-fix",
		"Schedule intervention": "deploy-fix", "Resolve ticket": "verify", "Closed": "feedback", "Yes: no": "verify",
	}
	got := map[string]string{}
	for _, a := range m.Activities() {
		step, line, ok := m.Step(a)
		if !ok || line == 0 {
			t.Errorf("activity %q: Step gives %q, line %d, %v", a, step, line, ok)
		}
		got[a] = step
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mapping:\ngot  %v\nwant %v", got, want)
	}
	if m.Activities()[0] != "Insert ticket" {
		t.Errorf("activities are not in file order: %v", m.Activities())
	}
	if _, line, _ := m.Step("Take in charge ticket"); line != 6 {
		t.Errorf("Take in charge ticket is on line %d, want 6", line)
	}
	if _, _, ok := m.Step("Wait"); ok {
		t.Errorf("Wait is mapped, want it left to matching")
	}
}

func TestParseMappingEmpty(t *testing.T) {
	for _, in := range []string{"", "# nothing yet\n", "~\n", "---\n"} {
		m, err := ParseMapping(strings.NewReader(in), "empty.yaml")
		if err != nil || len(m.Activities()) != 0 {
			t.Errorf("%q: got %v, %v; want an empty mapping", in, m.Activities(), err)
		}
	}
}

func TestParseMappingErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "A: b\nB: [c\n", "m.yaml:"},
		{"a list", "- A\n- B\n", "m.yaml:1: want a mapping of log activity names to step ids"},
		{"a list of steps", "A: [b, c]\n", `m.yaml:1: activity "A": want the id of one step`},
		{"no step", "A: b\nB:\n", `m.yaml:2: activity "B": want the id of one step`},
		{"empty step", "A: ' '\n", `m.yaml:1: activity "A": empty step id`},
		{"empty activity", "'': b\n", "m.yaml:1: empty activity name"},
		{"twice", "A: b\nC: d\nA: e\n", `m.yaml:3: activity "A" is mapped again (first at line 1)`},
		{"key not text", "[A]: b\n", "m.yaml:1: an activity name must be plain text"},
		{"two documents", "A: b\n---\nC: d\n", "m.yaml:2: a second YAML document"},
		{"merge key", "base: &x {A: b}\n<<: *x\n", "m.yaml:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMapping(strings.NewReader(tt.in), "m.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want an error starting %q", err, tt.want)
			}
		})
	}
}

// FuzzParseMapping checks that any input is read or refused with an error
// naming the file, and that a mapping written back as YAML reads back the
// same.
func FuzzParseMapping(f *testing.F) {
	seeds := []string{
		"A: b\n", "Insert ticket: register\nAssign seriousness: register\n", "'x: y': z\n", "\"a\\nb\": c\n",
		"1: 2\n", "yes: no\n", "A: [b]\n", "- a\n", "A: b\nA: c\n", "&a x: *a\n", "? [a]\n: b\n", "A: b\n---\nC: d\n",
		"{A: b, C: d}", "A: !!binary aGVsbG8=\n", "\t", "A:\n  B: c\n", "\"\\n0\": 0",
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "map", "helpdesk.yaml")); err == nil {
		seeds = append(seeds, string(data))
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ParseMapping(strings.NewReader(in), "fuzz.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		pairs := map[string]string{}
		for _, a := range m.Activities() {
			step, _, ok := m.Step(a)
			if !ok || a == "" || strings.TrimSpace(step) == "" {
				t.Fatalf("activity %q maps to %q (%v)", a, step, ok)
			}
			pairs[a] = step
		}
		if len(pairs) != len(m.Activities()) {
			t.Fatalf("activities %v hold a repeat", m.Activities())
		}
		// Written as double-quoted scalars, the one YAML style that holds
		// any text; JSON strings are such scalars.
		var out strings.Builder
		for _, a := range m.Activities() {
			k, _ := json.Marshal(a)
			v, _ := json.Marshal(pairs[a])
			fmt.Fprintf(&out, "%s: %s\n", k, v)
		}
		again, err := ParseMapping(strings.NewReader(out.String()), "fuzz.yaml")
		if err != nil {
			t.Fatalf("written back as\n%s\nit does not read: %v", out.String(), err)
		}
		back := map[string]string{}
		for _, a := range again.Activities() {
			back[a], _, _ = again.Step(a)
		}
		if !reflect.DeepEqual(back, pairs) {
			t.Fatalf("round trip changed the mapping:\nfirst  %q\nsecond %q", pairs, back)
		}
	})
}
