package streamdef_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/golden"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/streamdef"
)

func readTestdata(t *testing.T, name string) map[string][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{name: b}
}

// TestBrokenGolden pins the full listing for definitions with many kinds of
// mistake: each must be reported, with its line and column, in one pass.
func TestBrokenGolden(t *testing.T) {
	for _, name := range []string{"broken.yaml", "graph.yaml"} {
		t.Run(name, func(t *testing.T) {
			files := readTestdata(t, name)
			// Field errors stop loading before the flow checks; run both
			// stages as validate does for a file that reads.
			streams, diags := streamdef.Load(files)
			if streams != nil {
				t.Fatalf("a broken definition loaded")
			}
			var buf bytes.Buffer
			for _, d := range diags {
				buf.WriteString(d.String())
				buf.WriteByte('\n')
			}
			golden.Check(t, strings.TrimSuffix(name, ".yaml")+".golden", buf.Bytes())
		})
	}
}

func TestBrokenKinds(t *testing.T) {
	_, diags := streamdef.Load(readTestdata(t, "broken.yaml"))
	want := []struct {
		line int
		text string
	}{
		{9, `unknown field "colour"`},
		{16, `transition to unknown step "investgate"`},
		{19, `unknown activity "deliver_suport"`},
		{22, `unknown practice "incident-managment"`},
		{23, "2 accountable; expected exactly one"},
		{27, `transition on outcome "not_fixd"`},
		{31, `"0m" is not positive`},
		{32, "expected a whole number"},
		{33, `missing field "accountable"`},
		{34, `unknown step "verify"`},
		{35, `duplicate step id "investigate"`},
	}
	for _, w := range want {
		found := false
		for _, d := range diags {
			if d.Line == w.line && strings.Contains(d.Message, w.text) {
				found = true
				if d.Column < 1 {
					t.Errorf("line %d: no column in %s", w.line, d)
				}
			}
		}
		if !found {
			t.Errorf("no diagnostic on line %d containing %q; got:\n%v", w.line, w.text, diags)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"syntax", "schema: [unclosed\n", "1:1: error: : YAML syntax"},
		{"empty", "", "empty file"},
		{"two documents", "schema: x\n---\nschema: y\n", "a second YAML document"},
		{"not a mapping", "- a\n- b\n", "expected a value stream (a mapping of fields), got a list"},
		{"wrong type", "schema: svcflow/stream/v1\nid: x\nrevision: two\nname: X\nreopen_to: a\nsteps: []\n", `3:11: error: revision: expected a whole number, got "two"`},
		{"missing fields", "schema: svcflow/stream/v1\n", `missing field "id" in a value stream`},
		{"given twice", "schema: svcflow/stream/v1\nschema: svcflow/stream/v1\n", `field "schema" given twice`},
		{"merge key", "a: &a {x: 1}\n<<: *a\n", "merge keys"},
		{"bad probability type", "schema: svcflow/stream/v1\nid: x\nrevision: 1\nname: X\nreopen_to: a\nsteps:\n  - {id: a, name: A, activity: plan, raci: {accountable: l}, next: [{to: value, probability: high}]}\n", "expected a number from 0 to 1"},
		{"bad quorum", "schema: svcflow/stream/v1\nid: x\nrevision: 1\nname: X\nreopen_to: a\nsteps:\n  - {id: a, name: A, activity: plan, raci: {accountable: l}, approval: {approvers: [{role: r}], quorum: 0, on_reject: cancel}, next: [{to: value}]}\n", "quorum 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := streamdef.Load(map[string][]byte{"s.yaml": []byte(tt.yaml)})
			var all []string
			for _, d := range diags {
				all = append(all, d.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("want a diagnostic containing %q, got:\n%s", tt.want, strings.Join(all, "\n"))
			}
		})
	}
}

const minimal = `schema: svcflow/stream/v1
id: tiny
revision: 1
name: Tiny
reopen_to: work
steps:
  - id: work
    name: Do the work
    activity: deliver_support
    raci: {accountable: lead}
    actions:
      - name: Check the laptop
        tasks: [Power on, {name: Log in, activity: engage}]
    next: [{to: value}]
`

func TestDefaults(t *testing.T) {
	streams, diags := streamdef.Load(map[string][]byte{"tiny.yaml": []byte(minimal)})
	if streamdef.HasErrors(diags) {
		t.Fatal(diags)
	}
	st := streams[0].Steps[0]
	if st.Number != 1 {
		t.Errorf("number defaults to %d, want 1", st.Number)
	}
	if st.Next[0].Probability != 1 {
		t.Errorf("lone transition probability %v, want 1", st.Next[0].Probability)
	}
	a := st.Actions[0]
	if a.ID != "check-the-laptop" || a.Tasks[0].ID != "power-on" || a.Tasks[1].ID != "log-in" || a.Tasks[1].Activity != svcflow.Engage {
		t.Errorf("action defaults: %+v", a)
	}
}

// TestLayersReplaceByID: a team's definition replaces the built-in one of
// the same id rather than clashing with it.
func TestLayersReplaceByID(t *testing.T) {
	custom := strings.Replace(minimal, "name: Tiny", "name: Tiny, customised", 1)
	streams, diags := streamdef.LoadLayers(
		map[string][]byte{"lib/tiny.yaml": []byte(minimal)},
		map[string][]byte{"mine/tiny.yaml": []byte(custom)},
	)
	if streamdef.HasErrors(diags) || len(streams) != 1 || streams[0].Name != "Tiny, customised" {
		t.Fatalf("got %d streams (%v), diagnostics %v", len(streams), streams, diags)
	}
}

// FuzzParse feeds arbitrary bytes to the reader. It must never panic; a
// definition it accepts must pass the domain's validation and survive a
// JSON round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	for _, name := range []string{"broken.yaml", "graph.yaml"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("steps: [{next: [{probability: .nan}]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		streams, diags := streamdef.Load(map[string][]byte{"f.yaml": data})
		for _, d := range diags {
			if d.Line < 1 || d.Column < 0 || d.Message == "" {
				t.Fatalf("diagnostic without a place or message: %+v", d)
			}
		}
		if streams == nil {
			if !streamdef.HasErrors(diags) {
				t.Fatalf("no streams and no errors")
			}
			return
		}
		s := streams[0]
		if ds := s.Validate(); svcflow.HasErrors(ds) {
			t.Fatalf("accepted a definition the domain rejects: %v", ds)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back svcflow.ValueStream
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		b2, _ := json.Marshal(&back)
		if !bytes.Equal(b, b2) {
			t.Fatalf("JSON round trip changed the stream:\n%s\n%s", b, b2)
		}
	})
}
