package eventlog

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSynthesize(t *testing.T) {
	opt := SynthOptions{Cases: 2000, Seed: 7}
	var a, b, c bytes.Buffer
	if err := Synthesize(&a, opt); err != nil {
		t.Fatal(err)
	}
	Synthesize(&b, opt)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same seed gave different output")
	}
	Synthesize(&c, SynthOptions{Cases: 2000, Seed: 8})
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("another seed gave the same output")
	}
	lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
	if lines[0] != "case_id,activity,timestamp,resource" {
		t.Errorf("got header %q", lines[0])
	}
	prev := ""
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		if len(f) != 4 {
			t.Fatalf("line %d: got %d fields", i+2, len(f))
		}
		if _, err := time.Parse("2006-01-02T15:04:05", f[2]); err != nil {
			t.Fatalf("line %d: %v", i+2, err)
		}
		if f[2] < prev {
			t.Fatalf("line %d: %s after %s", i+2, f[2], prev)
		}
		prev = f[2]
	}
	res, err := ReadCSV(&a, ReadOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Log
	checkLog(t, l)
	if l.Cases() != 2000 || distinct(l.Activity) != 10 || distinct(l.Resource) > 50 {
		t.Errorf("got %d cases, %d activities, %d resources; want 2000, 10, at most 50", l.Cases(), distinct(l.Activity), distinct(l.Resource))
	}
	if perCase := float64(l.Events()) / float64(l.Cases()); perCase < 8 || perCase > 14 {
		t.Errorf("got %.1f events per case, want about 10", perCase)
	}
	// Many variants, a dominant few.
	variants := map[string]int{}
	for c := range l.CaseID {
		variants[activities(l, c)]++
	}
	counts := make([]int, 0, len(variants))
	for _, n := range variants {
		counts = append(counts, n)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	if len(counts) < 50 || counts[0] < 100 {
		t.Errorf("got %d variants, the largest %d cases; want many, one common", len(counts), counts[0])
	}
	if !strings.HasPrefix(lines[1], "case-1,Register ticket,2024-01-01T") {
		t.Errorf("got first row %q", lines[1])
	}
	if err := Synthesize(&a, SynthOptions{Cases: -1}); err == nil {
		t.Error("negative cases gave no error")
	}
}
