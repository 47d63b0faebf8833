package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParseScenario: reading never panics, and whatever it accepts writes
// back to a file that reads to the same model and changes, and writes the
// same again.
func FuzzParseScenario(f *testing.F) {
	for _, pattern := range []string{"testdata/scenario/*.yaml", "../../examples/scenarios/*.yaml"} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("schema: svcflow/scenario/v1\nhorizon: 1d\nwork: [{id: c, arrivals: {kind: poisson, rate: 2}, steps: [{id: s, duration: 1m}]}]\n"))
	f.Add([]byte("schema: svcflow/scenario/v1\nhorizon: 1d\nteams: [{id: t, shifts: [{days: sat-mon, hours: '00:00-24:00'}]}]\n" +
		"work: [{id: c, arrivals: {kind: empirical, samples: [0, 1s]}, steps: [{id: s, team: t, duration: {kind: normal, mean: 0.001s, sd: 0}}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, ds := ParseScenario("fuzz.yaml", data)
		if s == nil {
			if len(ds) == 0 {
				t.Fatal("no scenario and no diagnostics")
			}
			return
		}
		if len(ds) > 0 {
			t.Fatalf("a scenario and diagnostics: %v", ds)
		}
		var first bytes.Buffer
		if err := WriteScenario(&first, s); err != nil {
			t.Fatalf("an accepted scenario does not write: %v", err)
		}
		back, ds := ParseScenario("written.yaml", first.Bytes())
		if back == nil {
			t.Fatalf("the written file does not read back: %v\n%s", DiagnosticsError(ds), first.Bytes())
		}
		if !reflect.DeepEqual(back.Model, s.Model) || !reflect.DeepEqual(back.Changes, s.Changes) || back.Baseline != s.Baseline {
			t.Fatalf("the file read back differs:\ngot  %#v %#v\nwant %#v %#v\n%s", back.Model, back.Changes, s.Model, s.Changes, first.Bytes())
		}
		var second bytes.Buffer
		if err := WriteScenario(&second, back); err != nil || !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("writing again differs (%v):\n%s\n---\n%s", err, first.Bytes(), second.Bytes())
		}
	})
}
