package flow

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/svcflow/svcflow/internal/draw"
)

// MapOptions tune WriteMapSVG and WriteMapDOT.
type MapOptions struct {
	Title      string  // heading; "Observed process map" when empty
	Bottleneck string  // an activity to highlight, such as the top bottleneck
	MaxEdges   int     // draw only the most frequent directly-follows edges; 0 draws all
	MaxWidth   float64 // widest the SVG may be before layers wrap into a new row; 0 means 2400
	ID         string  // prefix of the element ids in the SVG, unique on its page; "process-map" when empty
}

func (o MapOptions) title() string {
	if o.Title == "" {
		return "Observed process map"
	}
	return o.Title
}

// Sizes and colours of the observed map, in pixels. Fonts are at least
// 11 px, as in the stream maps, so the map stays legible scaled down.
const (
	pmActivityW  = 184
	pmPad        = 8
	pmNameSize   = 13
	pmMetaSize   = 11
	pmLabelSize  = 11
	pmTitleSize  = 18
	pmBlockGap   = 3
	pmMargin     = 40
	pmMinTitleW  = 360
	pmTerminalW  = 72
	pmTerminalH  = 32
	pmFont       = "Helvetica, Arial, sans-serif"
	pmFill       = "#dbe6f1" // activities: a light blue that carries Ink text at above 12:1
	pmStroke     = "#4a6785"
	pmHotFill    = "#f6d5cc" // the bottleneck, also marked by a dashed border and a word
	pmStartID    = ":start"  // layout ids no activity index can take
	pmEndID      = ":end"
	pmMinStrokeW = 1.0
	pmMaxStrokeW = 6.0
)

// pmEdge is one drawn arrow: a directly-follows edge, or a start or end
// marker's arrow.
type pmEdge struct {
	from, to   string // layout ids
	label      string
	title      string
	class      string
	frequency  int
	dataFrom   string // activity names, "" at the markers
	dataTo     string
	showsLabel bool
}

// visible returns the directly-follows edges a map draws (the MaxEdges
// most frequent) and, per activity of d, whether it is drawn: when edges are
// left out, an activity none of the drawn edges joins is left out too
// (unless it has no edge at all), so rare activities do not pile up in the
// first column with only a start or end arrow.
func visible(d *DFG, opt MapOptions) ([]DFGEdge, []bool) {
	show := make([]bool, len(d.Activities))
	edges := d.Edges
	if opt.MaxEdges <= 0 || len(edges) <= opt.MaxEdges {
		for i := range show {
			show[i] = true
		}
		return edges, show
	}
	edges = edges[:opt.MaxEdges]
	joined, linked := map[string]bool{}, map[string]bool{}
	for i, e := range d.Edges {
		linked[e.From], linked[e.To] = true, true
		if i < len(edges) {
			joined[e.From], joined[e.To] = true, true
		}
	}
	for i, a := range d.Activities {
		show[i] = joined[a.Name] || !linked[a.Name]
	}
	return edges, show
}

type processMap struct {
	d      *DFG
	opt    MapOptions
	id     string
	blocks [][]draw.TextBlock // per activity
	show   []bool             // per activity: drawn
	edges  []pmEdge
	shown  int // directly-follows edges drawn
	acts   int // activities drawn
	maxF   int
	title  []draw.TextBlock
	layout *draw.Layout
	width  float64
	height float64
}

func newProcessMap(d *DFG, opt MapOptions) (*processMap, error) {
	m := &processMap{d: d, opt: opt, id: opt.ID}
	if m.id == "" {
		m.id = "process-map"
	}
	edges, show := visible(d, opt)
	m.show = show
	index := make(map[string]int, len(d.Activities))
	for i, a := range d.Activities {
		index[a.Name] = i
		m.blocks = append(m.blocks, m.activityBlocks(a))
		if show[i] {
			m.acts++
		}
	}
	node := func(name string) string { return "a" + strconv.Itoa(index[name]) }
	for _, s := range d.StartActivities {
		i, ok := index[s.Name]
		if !ok {
			return nil, fmt.Errorf("flow: start activity %q is not an activity of the map", s.Name)
		}
		if !show[i] {
			continue
		}
		m.edges = append(m.edges, pmEdge{from: pmStartID, to: node(s.Name), label: groupDigits(s.Count),
			title: fmt.Sprintf("%s cases start with %s", groupDigits(s.Count), s.Name), class: "edge start", frequency: s.Count, dataTo: s.Name})
	}
	m.shown = len(edges)
	for _, e := range edges {
		_, ok1 := index[e.From]
		_, ok2 := index[e.To]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("flow: edge %s → %s names an activity the map does not have", e.From, e.To)
		}
		median := mapDuration(e.MedianSeconds)
		m.edges = append(m.edges, pmEdge{from: node(e.From), to: node(e.To),
			label: groupDigits(e.Frequency) + " · " + median,
			title: fmt.Sprintf("%s → %s: %s times in %s cases, median %s, mean %s", e.From, e.To,
				groupDigits(e.Frequency), groupDigits(e.Cases), median, mapDuration(e.MeanSeconds)),
			class: "edge", frequency: e.Frequency, dataFrom: e.From, dataTo: e.To})
	}
	for _, s := range d.EndActivities {
		i, ok := index[s.Name]
		if !ok {
			return nil, fmt.Errorf("flow: end activity %q is not an activity of the map", s.Name)
		}
		if !show[i] {
			continue
		}
		m.edges = append(m.edges, pmEdge{from: node(s.Name), to: pmEndID, label: groupDigits(s.Count),
			title: fmt.Sprintf("%s cases end with %s", groupDigits(s.Count), s.Name), class: "edge end", frequency: s.Count, dataFrom: s.Name})
	}
	for _, e := range m.edges {
		m.maxF = max(m.maxF, e.frequency)
	}

	g := m.graph()
	lopt := draw.Options{MaxWidth: opt.MaxWidth, Margin: pmMargin}
	var err error
	if m.layout, m.title, m.width, err = draw.TitledLayout(g, lopt, m.titleBlocks, pmMinTitleW); err != nil {
		return nil, err
	}
	m.height = m.layout.Height + 8
	m.placeLabels()
	return m, nil
}

func (m *processMap) activityBlocks(a DFGActivity) []draw.TextBlock {
	inner := float64(pmActivityW - 2*pmPad)
	bs := []draw.TextBlock{
		{Class: "name", Lines: draw.Wrap(a.Name, inner/draw.BoldFactor, pmNameSize), Size: pmNameSize, Bold: true},
		{Class: "frequency", Lines: draw.Wrap(groupDigits(a.Frequency)+" × in "+groupDigits(a.Cases)+" cases", inner, pmMetaSize), Size: pmMetaSize},
	}
	if bs[0].Lines == nil {
		bs[0].Lines = []string{"(no name)"}
	}
	if a.Name == m.opt.Bottleneck {
		bs = append(bs, draw.TextBlock{Class: "marker", Lines: []string{"⚠ bottleneck"}, Size: pmMetaSize, Bold: true})
	}
	return bs
}

func (m *processMap) graph() draw.Graph {
	var g draw.Graph
	g.Nodes = append(g.Nodes, draw.Node{ID: pmStartID, W: pmTerminalW, H: pmTerminalH})
	for i := range m.d.Activities {
		if !m.show[i] {
			continue
		}
		g.Nodes = append(g.Nodes, draw.Node{ID: "a" + strconv.Itoa(i), W: pmActivityW, H: draw.BlocksHeight(m.blocks[i], pmPad, pmBlockGap)})
	}
	g.Nodes = append(g.Nodes, draw.Node{ID: pmEndID, W: pmTerminalW, H: pmTerminalH})
	for _, e := range m.edges {
		g.Edges = append(g.Edges, draw.Edge{From: e.from, To: e.to,
			LabelW: draw.TextWidth(e.label, pmLabelSize) + 6, LabelH: pmLabelSize * draw.LineSpacing})
	}
	g.Roots = []string{pmStartID}
	return g
}

// placeLabels keeps a label only where the layout found it room clear of
// every box: on a dense map some cannot fit, and a label covering a box
// would hide an activity. The edge's title still holds its figures.
func (m *processMap) placeLabels() {
	var boxes []draw.Rect
	for _, p := range m.layout.Nodes {
		boxes = append(boxes, draw.Rect{X: p.Box.X, Y: p.Box.Y - p.Above, W: p.Box.W, H: p.Box.H + p.Above})
	}
	page := draw.Rect{W: m.width, H: m.height}
	for i := range m.edges {
		r := m.layout.Edges[i].Label
		ok := r.W > 0 && page.Contains(r)
		for _, b := range boxes {
			ok = ok && !r.Overlaps(b)
		}
		m.edges[i].showsLabel = ok
	}
}

func (m *processMap) titleBlocks(width float64) []draw.TextBlock {
	d := m.d
	facts := []string{
		pmPlural(d.Cases, "case", "cases"),
		pmPlural(d.Instances, "event", "events"),
		pmPlural(len(d.Activities), "activity", "activities"),
		pmPlural(len(d.Variants), "variant", "variants"),
	}
	if m.shown < len(d.Edges) {
		facts = append(facts, fmt.Sprintf("the %d most frequent of %d edges, joining %d activities", m.shown, len(d.Edges), m.acts))
	}
	return []draw.TextBlock{
		{Class: "title", Lines: draw.Wrap(m.opt.title(), width/draw.BoldFactor, pmTitleSize), Size: pmTitleSize, Bold: true},
		{Class: "subtitle", Lines: draw.Wrap(strings.Join(facts, " · "), width, pmMetaSize), Size: pmMetaSize},
		{Class: "subtitle", Lines: draw.Wrap("Line width grows with frequency; edge labels give the frequency and the median time between the two activities.", width, pmMetaSize), Size: pmMetaSize},
	}
}

func pmPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupDigits(n) + " " + many
}

// strokeWidth maps a frequency to 1–6 px on a log scale, so an edge taken
// ten times stays visible beside one taken ten thousand times.
func (m *processMap) strokeWidth(f int) float64 {
	if m.maxF <= 1 || f <= 1 {
		return pmMinStrokeW
	}
	return pmMinStrokeW + (pmMaxStrokeW-pmMinStrokeW)*math.Log(float64(f))/math.Log(float64(m.maxF))
}

// WriteMapSVG draws d as an SVG process map with the layout and writer the
// stream maps use: a box per activity with its frequency, start and end
// markers, and an arrow per directly-follows edge whose width grows with
// its frequency and whose label gives the frequency and the median
// transition time. Loops run back under the boxes. The bottleneck activity
// (opt.Bottleneck) gets the class "bottleneck", another fill, a dashed
// border and the word "bottleneck".
//
// The SVG uses presentation attributes and classes only, so pages can embed
// it under a strict Content-Security-Policy. Each activity is a <g
// class="activity" data-activity="NAME"> whose <title> holds its name and
// figures; each edge a <g class="edge" data-from="A" data-to="B">.
//
// WriteMapSVG returns an error when d names an activity in an edge or as a
// start or end that it does not list, or when writing fails; it then
// writes nothing.
func WriteMapSVG(w io.Writer, d *DFG, opt MapOptions) error {
	m, err := newProcessMap(d, opt)
	if err != nil {
		return err
	}
	if err := m.write(w); err != nil {
		return fmt.Errorf("flow: process map: %w", err)
	}
	return nil
}

func (m *processMap) write(out io.Writer) error {
	w := draw.NewWriter(out)
	w.Open("svg",
		draw.A("xmlns", "http://www.w3.org/2000/svg"),
		draw.A("viewBox", "0 0 "+draw.Num(m.width)+" "+draw.Num(m.height)),
		draw.N("width", m.width), draw.N("height", m.height),
		draw.A("role", "img"),
		draw.A("aria-labelledby", m.id+"-title "+m.id+"-desc"),
		draw.A("class", "process-map"),
		draw.A("font-family", pmFont),
	)
	w.Text("title", m.opt.title(), draw.A("id", m.id+"-title"))
	w.Text("desc", m.description(), draw.A("id", m.id+"-desc"))
	w.Open("defs")
	w.Open("marker", draw.A("id", m.id+"-arrow"), draw.A("viewBox", "0 0 10 10"), draw.A("refX", "9"), draw.A("refY", "5"),
		draw.A("markerWidth", "8"), draw.A("markerHeight", "8"), draw.A("markerUnits", "userSpaceOnUse"), draw.A("orient", "auto"))
	w.Empty("path", draw.A("d", "M0 0 L10 5 L0 10 Z"), draw.A("fill", draw.Ink))
	w.End()
	w.End()
	w.Empty("rect", draw.A("class", "background"), draw.N("width", m.width), draw.N("height", m.height), draw.A("fill", draw.Paper))
	y := 16.0
	for _, b := range m.title {
		draw.WriteBlock(w, b, pmMargin, y, "start", draw.Ink)
		y += b.Height()
	}
	for i, r := range m.layout.Edges {
		m.writeEdge(w, m.edges[i], r)
	}
	for _, p := range m.layout.Nodes {
		switch p.ID {
		case pmStartID:
			m.writeTerminal(w, p, "start", "start", "where cases begin")
		case pmEndID:
			m.writeTerminal(w, p, "end", "end", "where cases end")
		default:
			i, _ := strconv.Atoi(p.ID[1:])
			m.writeActivity(w, p, i)
		}
	}
	w.End()
	return w.Close()
}

func (m *processMap) description() string {
	d := m.d
	s := fmt.Sprintf("Directly-follows map of %s with %s, %s and %s",
		pmPlural(d.Cases, "case", "cases"), pmPlural(len(d.Activities), "activity", "activities"),
		pmPlural(len(d.Edges), "edge", "edges"), pmPlural(len(d.Variants), "variant", "variants"))
	if m.shown < len(d.Edges) {
		s += fmt.Sprintf("; the %d most frequent edges are drawn, with the %d activities they join", m.shown, m.acts)
	}
	if m.opt.Bottleneck != "" && d.Activity(m.opt.Bottleneck) != nil {
		s += ". Bottleneck: " + m.opt.Bottleneck
	}
	return s
}

func (m *processMap) writeActivity(w *draw.Writer, p draw.Placed, i int) {
	a := m.d.Activities[i]
	class, fill, stroke, width := "activity", pmFill, pmStroke, "1.5"
	hot := a.Name == m.opt.Bottleneck
	if hot {
		class, fill, stroke, width = "activity bottleneck", pmHotFill, draw.Alert, "3"
	}
	w.Open("g", draw.A("class", class), draw.A("id", m.id+"-act-"+strconv.Itoa(i)), draw.A("data-activity", a.Name))
	title := fmt.Sprintf("%s\n%s instances in %s cases", a.Name, groupDigits(a.Frequency), groupDigits(a.Cases))
	if hot {
		title += "\nbottleneck"
	}
	w.Text("title", title)
	b := p.Box
	attrs := []draw.Attr{draw.N("x", b.X), draw.N("y", b.Y), draw.N("width", b.W), draw.N("height", b.H), draw.A("rx", "6"),
		draw.A("fill", fill), draw.A("stroke", stroke), draw.A("stroke-width", width)}
	if hot {
		attrs = append(attrs, draw.A("stroke-dasharray", "6 3"))
	}
	w.Empty("rect", attrs...)
	y := b.Y + pmPad
	for k, blk := range m.blocks[i] {
		if k > 0 {
			y += pmBlockGap
		}
		draw.WriteBlock(w, blk, b.X+pmPad, y, "start", draw.Ink)
		y += blk.Height()
	}
	w.End()
}

func (m *processMap) writeTerminal(w *draw.Writer, p draw.Placed, class, label, title string) {
	w.Open("g", draw.A("class", class), draw.A("id", m.id+"-"+class))
	w.Text("title", title)
	b := p.Box
	w.Empty("rect", draw.N("x", b.X), draw.N("y", b.Y), draw.N("width", b.W), draw.N("height", b.H), draw.N("rx", b.H/2),
		draw.A("fill", draw.Paper), draw.A("stroke", draw.Ink), draw.A("stroke-width", "2"))
	c := b.Center()
	draw.WriteBlock(w, draw.TextBlock{Class: "name", Lines: []string{label}, Size: pmNameSize, Bold: true}, c.X, c.Y-pmNameSize*draw.LineSpacing/2, "middle", draw.Ink)
	w.End()
}

func (m *processMap) writeEdge(w *draw.Writer, e pmEdge, r draw.Route) {
	class := e.class
	if r.Back {
		class += " back"
	}
	attrs := []draw.Attr{draw.A("class", class)}
	if e.dataFrom != "" {
		attrs = append(attrs, draw.A("data-from", e.dataFrom))
	}
	if e.dataTo != "" {
		attrs = append(attrs, draw.A("data-to", e.dataTo))
	}
	attrs = append(attrs, draw.A("data-frequency", strconv.Itoa(e.frequency)))
	w.Open("g", attrs...)
	w.Text("title", e.title)
	w.Empty("path", draw.A("d", r.Path), draw.A("fill", "none"), draw.A("stroke", draw.Ink),
		draw.N("stroke-width", m.strokeWidth(e.frequency)), draw.A("stroke-opacity", "0.8"),
		draw.A("marker-end", "url(#"+m.id+"-arrow)"))
	if e.showsLabel {
		c := r.Label.Center()
		w.Text("text", e.label, draw.A("class", "label"), draw.N("x", c.X), draw.N("y", c.Y+pmLabelSize*0.35),
			draw.A("text-anchor", "middle"), draw.N("font-size", pmLabelSize), draw.A("fill", draw.Ink),
			draw.A("stroke", draw.Paper), draw.A("stroke-width", "3"), draw.A("stroke-linejoin", "round"), draw.A("paint-order", "stroke"))
	}
	w.End()
}

// WriteMapDOT writes d as a Graphviz digraph with the same content as the
// SVG map: activity boxes with frequencies, start and end markers, and
// edges labelled with frequency and median transition time, their pen
// width growing with frequency. Every name is quoted, with quotes and
// backslashes escaped. It returns the writer's error.
func WriteMapDOT(w io.Writer, d *DFG, opt MapOptions) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	index := make(map[string]int, len(d.Activities))
	for i, a := range d.Activities {
		index[a.Name] = i
	}
	edges, show := visible(d, opt)
	shown := func(name string) bool { i, ok := index[name]; return !ok || show[i] }
	maxF := 0
	for _, e := range edges {
		maxF = max(maxF, e.Frequency)
	}
	for _, s := range d.StartActivities {
		if shown(s.Name) {
			maxF = max(maxF, s.Count)
		}
	}
	for _, s := range d.EndActivities {
		if shown(s.Name) {
			maxF = max(maxF, s.Count)
		}
	}
	sm := &processMap{maxF: maxF}
	node := func(name string) string {
		if i, ok := index[name]; ok {
			return "a" + strconv.Itoa(i)
		}
		return dotQuote(name)
	}
	p("digraph %s {\n", dotQuote(opt.title()))
	p("  graph [rankdir=LR, labelloc=t, label=%s, fontname=%s];\n", dotQuote(opt.title()), dotQuote(pmFont))
	p("  node [shape=box, style=\"rounded,filled\", fillcolor=%s, color=%s, fontname=%s];\n", dotQuote(pmFill), dotQuote(pmStroke), dotQuote(pmFont))
	p("  edge [fontname=%s, fontsize=10];\n", dotQuote(pmFont))
	p("  start [shape=circle, label=\"start\", fillcolor=%s, color=%s];\n", dotQuote(draw.Paper), dotQuote(draw.Ink))
	p("  end [shape=doublecircle, label=\"end\", fillcolor=%s, color=%s];\n", dotQuote(draw.Paper), dotQuote(draw.Ink))
	for i, a := range d.Activities {
		if !show[i] {
			continue
		}
		label := a.Name + "\n" + groupDigits(a.Frequency)
		extra := ""
		if a.Name == opt.Bottleneck {
			label += "\nbottleneck"
			extra = fmt.Sprintf(", class=\"bottleneck\", fillcolor=%s, color=%s, style=\"rounded,filled,dashed\", penwidth=3", dotQuote(pmHotFill), dotQuote(draw.Alert))
		}
		p("  a%d [label=%s%s];\n", i, dotQuote(label), extra)
	}
	for _, s := range d.StartActivities {
		if !shown(s.Name) {
			continue
		}
		p("  start -> %s [label=%s, penwidth=%s];\n", node(s.Name), dotQuote(groupDigits(s.Count)), draw.Num(sm.strokeWidth(s.Count)))
	}
	for _, e := range edges {
		p("  %s -> %s [label=%s, penwidth=%s];\n", node(e.From), node(e.To),
			dotQuote(groupDigits(e.Frequency)+" · "+mapDuration(e.MedianSeconds)), draw.Num(sm.strokeWidth(e.Frequency)))
	}
	for _, s := range d.EndActivities {
		if !shown(s.Name) {
			continue
		}
		p("  %s -> end [label=%s, penwidth=%s];\n", node(s.Name), dotQuote(groupDigits(s.Count)), draw.Num(sm.strokeWidth(s.Count)))
	}
	p("}\n")
	return bw.Flush()
}

// dotQuote makes s a DOT quoted string. Backslashes are doubled so a name
// holding "\n" or "\l" is not read as a DOT escape; line breaks become \n,
// which DOT draws as a line break.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// mapDuration writes seconds the way a map label wants them: two
// significant figures at most and a unit that keeps the number small
// (45 s, 12 min, 3.2 h, 4 d).
func mapDuration(sec float64) string {
	unit, v := "s", sec
	switch {
	case sec >= 86400:
		unit, v = "d", sec/86400
	case sec >= 3600:
		unit, v = "h", sec/3600
	case sec >= 60:
		unit, v = "min", sec/60
	}
	var num string
	if v < 9.95 {
		num = strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	} else {
		num = strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return num + " " + unit
}

// groupDigits writes n with thousands separated by commas.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
