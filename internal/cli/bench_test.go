package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/harness"
)

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want harness.Mix
		err  string
	}{
		{in: "transition=1", want: harness.Mix{Transition: 1}},
		{in: "create=2, pull=1,search=0", want: harness.Mix{Create: 2, Pull: 1}},
		{in: "create=3x", err: `at "create=3x"`},
		{in: "create=-1", err: `at "create=-1"`},
		{in: "delete=1", err: `at "delete=1"`},
		{in: "create", err: `at "create"`},
		{in: "create=0,list=0", err: "gives every operation weight 0"},
	} {
		got, err := parseMix(tc.in)
		if tc.err != "" {
			var ue usageError
			if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseMix(%q) = %v, %v; want a usage error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseMix(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseMix checks that an accepted mix is exactly what the text says:
// writing it back and parsing again gives the same mix, and every error is
// a usage error that quotes the input.
func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"transition=1", "create=2,pull=1", "create=3x", "=,", "list=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMix(s)
		if err != nil {
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Fatalf("parseMix(%q): %v is not a usage error quoting the input", s, err)
			}
			return
		}
		if m == (harness.Mix{}) {
			t.Fatalf("parseMix(%q) accepted an all-zero mix", s)
		}
		back := fmt.Sprintf("create=%d,pull=%d,transition=%d,comment=%d,list=%d,search=%d", m.Create, m.Pull, m.Transition, m.Comment, m.List, m.Search)
		if m2, err := parseMix(back); err != nil || m2 != m {
			t.Fatalf("parseMix(%q) = %+v, but its text %q parses to %+v, %v", s, m, back, m2, err)
		}
	})
}
