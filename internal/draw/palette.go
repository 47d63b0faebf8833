package draw

import "github.com/svcflow/svcflow"

// Swatch is how one category is painted: a class for pages that restyle it
// from their own stylesheet, and fill and stroke colours for presentation
// attributes so the SVG reads the same standing alone.
type Swatch struct {
	Class  string
	Fill   string
	Stroke string
}

// Colours shared by every drawing. Activity fills are light enough for Ink
// text (contrast above 6:1, where WCAG AA asks 4.5:1), and Muted and Alert
// text stay readable on Paper and LaneFill.
const (
	Ink      = "#1a1a1a" // text and lines
	Muted    = "#4d4d4d" // secondary text
	Paper    = "#ffffff" // background
	LaneFill = "#f3f3f3" // every other lane band
	Rule     = "#c8c8c8" // lane borders and grid lines
	Alert    = "#a33a1d" // rejections and breaches, with a dash pattern so colour is never the only cue
)

// ActivitySwatch returns the swatch of a value chain activity; an unknown
// activity gets a neutral grey with class "act-" plus its id.
//
// The fills are Paul Tol's "light" scheme, chosen to stay apart for people
// with the common colour vision deficiencies while carrying black text; each
// step also names its activity, so colour is never the only cue.
func ActivitySwatch(a svcflow.Activity) Swatch {
	fill, stroke := "#dddddd", "#777777"
	switch a {
	case svcflow.Plan:
		fill, stroke = "#77aadd", "#2f5f8f"
	case svcflow.Improve:
		fill, stroke = "#ee8866", "#a0452a"
	case svcflow.Engage:
		fill, stroke = "#eedd88", "#8c7a1e"
	case svcflow.DesignTransition:
		fill, stroke = "#ffaabb", "#b0506a"
	case svcflow.ObtainBuild:
		fill, stroke = "#bbcc33", "#5f6e0c"
	case svcflow.DeliverSupport:
		fill, stroke = "#44bb99", "#1f7a5e"
	}
	return Swatch{Class: "act-" + string(a), Fill: fill, Stroke: stroke}
}
