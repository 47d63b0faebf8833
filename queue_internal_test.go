package svcflow

import "testing"

func TestCompareItemIDs(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"INC-9999", "INC-10000", -1}, // not as text
		{"INC-1002", "REQ-1010", -1},  // opened first, whatever the kind
		{"REQ-1002", "INC-1010", -1},
		{"INC-1002", "INC-1002", 0},
		{"INC-007", "INC-7", -1}, // the same number: as text
		{"x", "y", -1},
		{"INC-12a", "INC-9", -1}, // no number: as text
	} {
		if got := compareItemIDs(tc.a, tc.b); got != tc.want {
			t.Errorf("compareItemIDs(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := compareItemIDs(tc.b, tc.a); got != -tc.want {
			t.Errorf("compareItemIDs(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}
