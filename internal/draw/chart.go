package draw

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ChartKind says how a chart draws its series.
type ChartKind int

// The chart kinds.
const (
	Bars  ChartKind = iota // a bar per category and series, side by side
	Stack                  // a bar per category, the series stacked
	Lines                  // a line per series across the categories
)

// Series is one named row of values, one per category; NaN is a gap (no
// bar, a break in the line).
type Series struct {
	Name   string
	Values []float64
}

// Chart is a simple SVG chart over categories on the x axis (histogram bins,
// weeks, steps) with a linear y axis from zero.
type Chart struct {
	ID         string // prefix of the ids in the document, unique in a page
	Title      string
	Desc       string // what the chart shows, for screen readers
	Kind       ChartKind
	Categories []string
	Series     []Series
	YLabel     string               // the unit of the y axis, e.g. "hours"
	Format     func(float64) string // formats values in tooltips and ticks; nil for plain numbers
	Width      float64              // 0 means 640
	Height     float64              // 0 means 280; horizontal charts grow with their categories
	// Horizontal lays bars along the x axis, a row per category with its
	// label on the left: for long category names such as step names.
	Horizontal bool
}

// seriesColours are Paul Tol's "bright" scheme, distinct for the common
// colour vision deficiencies; the series are also named in the legend and in
// every tooltip, so colour is never the only cue.
var seriesColours = []string{"#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"}

// SeriesColour returns the colour of the i-th series.
func SeriesColour(i int) string { return seriesColours[i%len(seriesColours)] }

const (
	chartFont    = 11
	chartTitle   = 14
	chartPad     = 8
	legendSwatch = 10
)

// WriteSVG draws the chart. It returns an error when a series does not have
// one value per category, or when w fails; it then writes nothing.
func (c Chart) WriteSVG(w io.Writer) error {
	if len(c.Categories) == 0 {
		return errors.New("draw: chart without categories")
	}
	for _, s := range c.Series {
		if len(s.Values) != len(c.Categories) {
			return fmt.Errorf("draw: chart %s: series %q has %d values for %d categories", c.ID, s.Name, len(s.Values), len(c.Categories))
		}
	}
	width, height := c.Width, c.Height
	if width == 0 {
		width = 640
	}
	if height == 0 {
		height = 280
	}
	format := c.Format
	if format == nil {
		format = plainNumber
	}
	top := chartPad + chartTitle*1.4
	if len(c.Series) > 1 {
		top += chartFont * 1.8
	}
	if c.Horizontal && c.Kind != Lines {
		return c.writeHorizontal(w, width, top, format)
	}
	maxV := c.maxValue()
	ticks := niceTicks(maxV, 5)
	maxV = ticks[len(ticks)-1]
	left := chartPad + chartFont*1.5 // room for the rotated y label
	for _, t := range ticks {
		left = max(left, chartPad+chartFont*1.5+TextWidth(format(t), chartFont)+6)
	}
	bottom := height - chartPad - chartFont*2.6
	right := width - chartPad
	plotW, plotH := right-left, bottom-top
	y := func(v float64) float64 { return bottom - v/maxV*plotH }
	slot := plotW / float64(len(c.Categories))

	s := c.open(w, width, height)
	// Grid and y axis.
	s.Open("g", A("class", "axis"))
	for _, t := range ticks {
		ty := y(t)
		s.Empty("line", N("x1", left), N("x2", right), N("y1", ty), N("y2", ty), A("stroke", Rule), N("stroke-width", 1))
		s.Text("text", format(t), N("x", left-4), N("y", ty+chartFont*0.35), A("text-anchor", "end"), A("fill", Muted))
	}
	if c.YLabel != "" {
		cx, cy := float64(chartPad+chartFont), top+plotH/2
		s.Text("text", c.YLabel, N("x", cx), N("y", cy), A("text-anchor", "middle"), A("fill", Muted),
			A("transform", "rotate(-90 "+Num(cx)+" "+Num(cy)+")"))
	}
	// X labels, thinned so they do not overlap.
	every := 1
	for _, l := range c.Categories {
		if need := int(math.Ceil((TextWidth(l, chartFont) + 6) / slot)); need > every {
			every = need
		}
	}
	for i, l := range c.Categories {
		if i%every != 0 {
			continue
		}
		s.Text("text", l, N("x", left+slot*(float64(i)+0.5)), N("y", bottom+chartFont*1.3), A("text-anchor", "middle"), A("fill", Muted))
	}
	s.Empty("line", N("x1", left), N("x2", right), N("y1", bottom), N("y2", bottom), A("stroke", Ink), N("stroke-width", 1))
	s.End()

	switch c.Kind {
	case Lines:
		for si, sr := range c.Series {
			s.Open("g", A("class", "series series-"+strconv.Itoa(si)))
			s.Text("title", sr.Name)
			var d []byte
			pen := false
			for i, v := range sr.Values {
				if math.IsNaN(v) {
					pen = false
					continue
				}
				op := byte('L')
				if !pen {
					op = 'M'
				}
				d = append(d, op)
				d = append(d, Num(left+slot*(float64(i)+0.5))+" "+Num(y(v))+" "...)
				pen = true
			}
			if len(d) > 0 {
				s.Empty("path", A("d", string(d[:len(d)-1])), A("fill", "none"), A("stroke", SeriesColour(si)), N("stroke-width", 2))
			}
			s.End()
		}
	default:
		barW := slot * 0.8
		if c.Kind == Bars && len(c.Series) > 1 {
			barW /= float64(len(c.Series))
		}
		c.bars(s, format, func(i, si int, from, v float64) Rect {
			x := left + slot*float64(i) + slot*0.1
			if c.Kind != Stack {
				x += barW * float64(si)
			}
			return Rect{X: x, Y: y(from + v), W: max(barW, 1), H: y(from) - y(from+v)}
		})
	}
	s.End()
	return s.Close()
}

// open starts the document: the root element, title and description for
// screen readers, the background, the heading and the legend.
func (c Chart) open(w io.Writer, width, height float64) *Writer {
	s := NewWriter(w)
	s.Open("svg", A("xmlns", "http://www.w3.org/2000/svg"), A("class", "chart"), A("id", c.ID),
		A("viewBox", "0 0 "+Num(width)+" "+Num(height)), N("width", width), N("height", height),
		A("role", "img"), A("aria-labelledby", c.ID+"-title "+c.ID+"-desc"),
		A("font-family", "Helvetica, Arial, sans-serif"), N("font-size", chartFont))
	s.Text("title", c.Title, A("id", c.ID+"-title"))
	s.Text("desc", c.Desc, A("id", c.ID+"-desc"))
	s.Empty("rect", N("width", width), N("height", height), A("fill", Paper))
	s.Text("text", c.Title, N("x", chartPad), N("y", chartPad+chartTitle), N("font-size", chartTitle), A("font-weight", "bold"), A("fill", Ink))
	if len(c.Series) > 1 {
		x := float64(chartPad)
		ly := chartPad + chartTitle*1.4 + chartFont
		for i, sr := range c.Series {
			s.Empty("rect", N("x", x), N("y", ly-legendSwatch+1), N("width", legendSwatch), N("height", legendSwatch), A("fill", SeriesColour(i)))
			s.Text("text", sr.Name, N("x", x+legendSwatch+4), N("y", ly), A("fill", Ink))
			x += legendSwatch + 4 + TextWidth(sr.Name, chartFont) + 16
		}
	}
	return s
}

// writeHorizontal draws bars left to right, a row per category.
func (c Chart) writeHorizontal(w io.Writer, width, top float64, format func(float64) string) error {
	const rowH = chartFont * 2.2
	labelW := 0.0
	for _, l := range c.Categories {
		labelW = max(labelW, TextWidth(l, chartFont))
	}
	labelW = min(labelW, width/3)
	left := chartPad + labelW + 6
	right := width - chartPad - 8
	height := top + rowH*float64(len(c.Categories)) + chartFont*2.6 + chartPad
	if c.Height > height {
		height = c.Height
	}
	bottom := top + rowH*float64(len(c.Categories))
	ticks := niceTicks(c.maxValue(), 5)
	maxV := ticks[len(ticks)-1]
	x := func(v float64) float64 { return left + v/maxV*(right-left) }

	s := c.open(w, width, height)
	s.Open("g", A("class", "axis"))
	for _, t := range ticks {
		tx := x(t)
		s.Empty("line", N("x1", tx), N("x2", tx), N("y1", top), N("y2", bottom), A("stroke", Rule), N("stroke-width", 1))
		s.Text("text", format(t), N("x", tx), N("y", bottom+chartFont*1.3), A("text-anchor", "middle"), A("fill", Muted))
	}
	if c.YLabel != "" {
		s.Text("text", c.YLabel, N("x", (left+right)/2), N("y", bottom+chartFont*2.6), A("text-anchor", "middle"), A("fill", Muted))
	}
	for i, l := range c.Categories {
		cy := top + rowH*(float64(i)+0.5)
		for TextWidth(l, chartFont) > labelW && len([]rune(l)) > 2 { // cut to fit, marked with an ellipsis
			r := []rune(l)
			l = string(r[:len(r)-2]) + "…"
		}
		s.Text("text", l, N("x", left-6), N("y", cy+chartFont*0.35), A("text-anchor", "end"), A("fill", Ink))
	}
	s.Empty("line", N("x1", left), N("x2", left), N("y1", top), N("y2", bottom), A("stroke", Ink), N("stroke-width", 1))
	s.End()
	barH := rowH * 0.7
	if c.Kind == Bars && len(c.Series) > 1 {
		barH /= float64(len(c.Series))
	}
	c.bars(s, format, func(i, si int, from, v float64) Rect {
		y := top + rowH*float64(i) + rowH*0.15
		if c.Kind != Stack {
			y += barH * float64(si)
		}
		return Rect{X: x(from), Y: y, W: max(x(from+v)-x(from), 1), H: barH}
	})
	s.End()
	return s.Close()
}

// bars draws a rect per category and series with a positive value, each
// with its tooltip; box places it given the category, the series, where
// the bar starts (the stack below it) and its value.
func (c Chart) bars(s *Writer, format func(float64) string, box func(i, si int, from, v float64) Rect) {
	for i, cat := range c.Categories {
		base := 0.0
		for si, sr := range c.Series {
			v := sr.Values[i]
			if math.IsNaN(v) || v <= 0 {
				continue
			}
			from := 0.0
			if c.Kind == Stack {
				from = base
				base += v
			}
			r := box(i, si, from, v)
			s.Open("rect", N("x", r.X), N("y", r.Y), N("width", r.W), N("height", r.H),
				A("fill", SeriesColour(si)), A("class", "series-"+strconv.Itoa(si)))
			name := cat + ": " + format(v)
			if len(c.Series) > 1 {
				name = sr.Name + ", " + name
			}
			s.Text("title", name)
			s.End()
		}
	}
}

func (c Chart) maxValue() float64 {
	m := 0.0
	for i := range c.Categories {
		sum := 0.0
		for _, sr := range c.Series {
			v := sr.Values[i]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if c.Kind == Stack {
				sum += max(v, 0)
			} else {
				m = max(m, v)
			}
		}
		m = max(m, sum)
	}
	return m
}

// niceTicks returns ticks from 0 to at least maxV at a step of 1, 2 or 5
// times a power of ten, about n of them.
func niceTicks(maxV float64, n int) []float64 {
	if !(maxV > 0) {
		return []float64{0, 1}
	}
	raw := maxV / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for k := 0; ; k++ {
		// Twelve digits drop the binary noise of k*step (0.6000000000000001).
		t, _ := strconv.ParseFloat(strconv.FormatFloat(float64(k)*step, 'g', 12, 64), 64)
		ticks = append(ticks, t)
		if t >= maxV {
			return ticks
		}
	}
}

func plainNumber(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}
