package draw

import (
	"math"
	"strconv"
	"testing"

	"github.com/svcflow/svcflow"
)

func TestActivitySwatch(t *testing.T) {
	fills := map[string]svcflow.Activity{}
	for _, a := range svcflow.Activities() {
		sw := ActivitySwatch(a.ID)
		if want := "act-" + string(a.ID); sw.Class != want {
			t.Errorf("%s: class %q, want %q", a.ID, sw.Class, want)
		}
		if other, dup := fills[sw.Fill]; dup {
			t.Errorf("%s and %s share the fill %s", a.ID, other, sw.Fill)
		}
		fills[sw.Fill] = a.ID
		// WCAG AA asks 4.5:1 for small text; the map's 11 px labels get more.
		if c := contrast(Ink, sw.Fill); c < 6 {
			t.Errorf("%s: text on %s has contrast %.1f:1, want at least 6:1", a.ID, sw.Fill, c)
		}
		// The border must stand out from white paper (WCAG non-text 3:1).
		if c := contrast(sw.Stroke, Paper); c < 3 {
			t.Errorf("%s: border %s on paper has contrast %.1f:1, want at least 3:1", a.ID, sw.Stroke, c)
		}
	}
	if sw := ActivitySwatch("mystery"); sw.Class != "act-mystery" || sw.Fill == "" {
		t.Errorf("unknown activity: got %+v, want a grey swatch with class act-mystery", sw)
	}
	for _, c := range []string{Ink, Muted, Alert} {
		for _, bg := range []string{Paper, LaneFill} {
			if r := contrast(c, bg); r < 4.5 {
				t.Errorf("%s on %s has contrast %.1f:1, want at least 4.5:1", c, bg, r)
			}
		}
	}
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}
