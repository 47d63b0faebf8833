package draw

import (
	"slices"
	"strings"
	"testing"
)

func TestTextWidth(t *testing.T) {
	tests := []struct {
		s    string
		size float64
		want float64
	}{
		{"", 12, 0},
		{"abcde", 10, 30},
		{"fixed 70%", 11, 9 * 0.6 * 11},
		{"✓ ok", 10, 10 + 3*6},       // a symbol counts as wide
		{"日本", 12, 24},               // so do ideographs
		{"Zürich", 10, 6 * 0.6 * 10}, // accented letters are ordinary
	}
	for _, tt := range tests {
		if got := TextWidth(tt.s, tt.size); !near(got, tt.want) {
			t.Errorf("TextWidth(%q, %v) = %v, want %v", tt.s, tt.size, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	// At 10 px a character is 6 px wide, so 60 px holds 10 characters.
	tests := []struct {
		name  string
		s     string
		width float64
		want  []string
	}{
		{"blank", "  ", 60, nil},
		{"fits", "short", 60, []string{"short"}},
		{"exactly fits", "0123456789", 60, []string{"0123456789"}},
		{"breaks at spaces", "one two three four", 60, []string{"one two", "three four"}},
		{"collapses white space", "one  \t two\nthree", 60, []string{"one two", "three"}},
		{"cuts long words", "abcdefghijklmnopqrstuvwxyz end", 60, []string{"abcdefghij", "klmnopqrst", "uvwxyz end"}},
		{"too narrow for a character", "abc", 3, []string{"a", "b", "c"}},
		{"wide characters", "✓✓✓✓✓✓✓", 30, []string{"✓✓✓", "✓✓✓", "✓"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Wrap(tt.s, tt.width, 10)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Wrap(%q, %v) = %q, want %q", tt.s, tt.width, got, tt.want)
			}
		})
	}
}

// TestWrapFits checks on real step names that every line fits and no
// character is lost.
func TestWrapFits(t *testing.T) {
	names := []string{
		"Investigate the query, reclassify it as an incident, and attempt to fix it",
		"Coordinate the extraordinarily comprehensive verification of prerequisite number 17",
		"Deploy",
		"Supercalifragilisticexpialidocious-service-configuration-item",
	}
	for _, width := range []float64{40, 100, 200} {
		for _, s := range names {
			lines := Wrap(s, width, 12)
			for _, line := range lines {
				if w := TextWidth(line, 12); w > width && len([]rune(line)) > 1 {
					t.Errorf("Wrap(%q, %v): line %q is %v wide", s, width, line, w)
				}
			}
			if got, want := strings.Join(lines, ""), strings.Join(strings.Fields(s), ""); strings.ReplaceAll(got, " ", "") != want {
				t.Errorf("Wrap(%q, %v) lost characters: %q", s, width, lines)
			}
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
