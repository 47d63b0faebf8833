package server

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

// FuzzParseQuestions: any text gives questions or problems, never a panic;
// every problem names a line of the text; and the questions read, written
// out for the editor, read back the same with no problem.
func FuzzParseQuestions(f *testing.F) {
	for _, s := range []string{
		"size | Screen size | choice | required | choices: 24, 27\\, curved",
		"# a note\nwhy | Why \\| how | text | max: 200\n\nwhen | When | date",
		"a|b|c|d|e", "x | y | text | choices=A,B", "\\", "id | label \\\\| text",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fields, lines, problems := parseQuestions(text)
		n := strings.Count(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + 1
		for _, p := range problems {
			if p.Line < 1 || p.Line > n || p.Message == "" {
				t.Fatalf("problem %+v outside the text's %d lines", p, n)
			}
		}
		if len(lines) != len(fields) {
			t.Fatalf("%d questions but %d lines", len(fields), len(lines))
		}
		again, _, problems := parseQuestions(formatQuestions(fields))
		if len(problems) > 0 {
			t.Fatalf("written out %q, the questions read back with %v", formatQuestions(fields), problems)
		}
		if len(fields) > 0 && !reflect.DeepEqual(again, fields) {
			t.Fatalf("round trip\n%+v\nbecame\n%+v", fields, again)
		}
	})
}

// FuzzRegisterTarget: a criterion's target reads as a finite number or is
// refused with a message, never a panic.
func FuzzRegisterTarget(f *testing.F) {
	for _, s := range []string{"30m", "2h", "15%", "4.2", "NaN%", "1e400", "2bd", "-5%", ""} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, timeMetric bool) {
		m := svcflow.MetricReopenRate
		if timeMetric {
			m = svcflow.MetricStepWaitP50
		}
		x, err := regParseTarget(m, s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("%q read as %v", s, x)
		}
	})
}

// FuzzRegisterSources: the sources field reads back the same after being
// written out, whatever was typed.
func FuzzRegisterSources(f *testing.F) {
	for _, s := range []string{"INC-1042, FB-1007, restore-live-service/investigate", " , \n", "a/b/c FB-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		srcs := regParseSources(s)
		if again := regParseSources(regSourcesText(srcs)); !reflect.DeepEqual(again, srcs) {
			t.Fatalf("%q: %+v became %+v", s, srcs, again)
		}
	})
}
