package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/draw"
)

// MapOptions tune Map.
type MapOptions struct {
	Lanes    bool    // swim lanes per team
	MaxWidth float64 // widest the map may be, in pixels, before steps wrap into a new row; 0 means 2400
	// Live overlays what is happening now on the steps it names: a live
	// map of the running stream rather than its design alone.
	Live map[string]LiveStep
}

// LiveStep is what a live map shows on one step.
type LiveStep struct {
	Queue, InProgress int
	Lines             []string // further facts, one per line ("median wait 1 h")
	Bottleneck        bool     // the stream's top bottleneck: drawn in the alert colour
}

// Sizes of the stream map, in pixels. Every font is at least 11 px so the
// map stays legible when a page scales it down to fit.
const (
	stepWidth     = 216
	boxPad        = 8
	nameSize      = 13
	metaSize      = 11
	labelSize     = 11
	titleSize     = 18
	blockGap      = 3  // extra space between the blocks of text in a step
	margin        = 40 // left and right, where lines turn to the next row
	minTitleWidth = 360
	fontFamily    = "Helvetica, Arial, sans-serif"
)

// Map writes an SVG map of the value stream s: its steps as boxes coloured by
// activity and laid out left to right in the order work flows, its
// transitions as arrows (branches labelled with their outcome and
// probability, loops running back under the boxes, rejections dashed), its
// entry points, and a legend. With opt.Lanes every team gets a horizontal
// band. The SVG uses presentation attributes and classes only, so pages can
// embed it under a strict Content-Security-Policy; each step is a <g
// class="step act-ACTIVITY" id="step-ID" data-step="ID"> whose <title> holds
// its full name.
//
// Map returns an error when a transition or on_reject names a step the
// stream does not have, or when writing to w fails; it then writes nothing.
func Map(w io.Writer, s *svcflow.ValueStream, opt MapOptions) error {
	m, err := newStreamMap(s, opt)
	if err != nil {
		return fmt.Errorf("report: map of stream %s: %w", s.ID, err)
	}
	if err := m.write(w); err != nil {
		return fmt.Errorf("report: map of stream %s: %w", s.ID, err)
	}
	return nil
}

// mapEdge is one arrow: transitions between the same two steps are merged
// into one arrow whose label lists their outcomes.
type mapEdge struct {
	from, to string
	reject   bool
	parts    []string // "fixed 70%"
	titles   []string // "fixed (p=0.7)"
}

func (e *mapEdge) label() string { return strings.Join(e.parts, " · ") }

func (e *mapEdge) title() string {
	t := e.from + " → " + e.to
	if len(e.titles) > 0 {
		t += " when " + strings.Join(e.titles, " or ")
	}
	return t
}

type streamMap struct {
	s       *svcflow.ValueStream
	id      string // prefix of the ids in the document
	blocks  map[string][]draw.TextBlock
	entries map[string][]string // step id → "start", "entry: NAME"
	edges   []*mapEdge
	hasEnd  map[string]bool // "value", "cancel"
	title   []draw.TextBlock
	layout  *draw.Layout
	width   float64
	height  float64
	live    map[string]LiveStep
}

const (
	cancelNode = "cancel"
	endW       = 96
	endH       = 38
)

func newStreamMap(s *svcflow.ValueStream, opt MapOptions) (*streamMap, error) {
	m := &streamMap{
		s:       s,
		id:      "map-" + s.ID,
		blocks:  map[string][]draw.TextBlock{},
		entries: map[string][]string{},
		hasEnd:  map[string]bool{},
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		m.blocks[st.ID] = stepBlocks(st)
		if live, ok := opt.Live[st.ID]; ok {
			m.blocks[st.ID] = append(m.blocks[st.ID], liveBlock(st, live))
		}
	}
	m.live = opt.Live
	if err := m.collectEdges(); err != nil {
		return nil, err
	}
	m.collectEntries()

	g := m.graph()
	lopt := draw.Options{MaxWidth: opt.MaxWidth, Lanes: opt.Lanes, Margin: margin}
	// A map of a step or two is narrow; its title still gets a readable
	// width, and the map widens to hold it.
	var err error
	if m.layout, m.title, m.width, err = draw.TitledLayout(g, lopt, m.titleBlocks, minTitleWidth); err != nil {
		return nil, err
	}
	return m, nil
}

// liveBlock is the live overlay of a step: its queue and work in progress
// against the WIP limit, then the caller's lines.
func liveBlock(st *svcflow.Step, live LiveStep) draw.TextBlock {
	inner := float64(stepWidth - 2*boxPad)
	wip := "in progress " + strconv.Itoa(live.InProgress)
	if st.WIPLimit > 0 {
		wip += " of " + strconv.Itoa(st.WIPLimit)
	}
	lines := draw.Wrap("queue "+strconv.Itoa(live.Queue)+" · "+wip, inner/draw.BoldFactor, metaSize)
	if live.Bottleneck {
		lines = append(lines, "▲ bottleneck")
	}
	for _, l := range live.Lines {
		lines = append(lines, draw.Wrap(l, inner, metaSize)...)
	}
	return draw.TextBlock{Class: "live", Lines: lines, Size: metaSize, Bold: true}
}

// stepBlocks is the text inside a step's box, top to bottom.
func stepBlocks(st *svcflow.Step) []draw.TextBlock {
	inner := float64(stepWidth - 2*boxPad)
	name := st.Name
	if st.Number > 0 {
		name = strconv.Itoa(st.Number) + ". " + name
	}
	blocks := []draw.TextBlock{{Class: "name", Lines: draw.Wrap(name, inner/draw.BoldFactor, nameSize), Size: nameSize, Bold: true}}
	meta := func(class, s string) {
		if s != "" {
			blocks = append(blocks, draw.TextBlock{Class: class, Lines: draw.Wrap(s, inner, metaSize), Size: metaSize})
		}
	}
	meta("activity", st.Activity.Name())
	if !st.TargetLeadTime.IsZero() {
		meta("target", "target "+st.TargetLeadTime.String())
	}
	if st.Team != "" {
		meta("team", "team: "+st.Team)
	}
	var marks []string
	if st.Approval != nil {
		marks = append(marks, "approval")
	}
	if st.Automated {
		marks = append(marks, "automated")
	}
	if st.Resolves {
		marks = append(marks, "✓ resolves")
	}
	if st.WIPLimit > 0 {
		marks = append(marks, "WIP limit "+strconv.Itoa(st.WIPLimit))
	}
	meta("markers", strings.Join(marks, " · "))
	for _, sp := range st.Spawn {
		note := "spawns " + string(sp.Kind) + " → " + sp.Stream
		if sp.When != "" {
			note += " when " + sp.When
		}
		if sp.WaitFor != "" {
			note += ", waits for " + sp.WaitFor
		}
		meta("spawn", note)
	}
	return blocks
}

// collectEdges merges the transitions and rejections of every step into
// arrows, checking that each leads somewhere that exists.
func (m *streamMap) collectEdges() error {
	byKey := map[[3]string]*mapEdge{}
	add := func(from, to string, reject bool) *mapEdge {
		kind := ""
		if reject {
			kind = "reject"
		}
		k := [3]string{from, to, kind}
		if e, ok := byKey[k]; ok {
			return e
		}
		e := &mapEdge{from: from, to: to, reject: reject}
		byKey[k] = e
		m.edges = append(m.edges, e)
		return e
	}
	for _, st := range m.s.Steps {
		for _, t := range st.Next {
			if t.To != svcflow.End && m.s.Step(t.To) == nil {
				return fmt.Errorf("step %s leads to unknown step %q", st.ID, t.To)
			}
			if t.To == svcflow.End {
				m.hasEnd[svcflow.End] = true
			}
			e := add(st.ID, t.To, false)
			part, title := t.When, t.When
			if t.Probability > 0 && t.Probability < 1 {
				part = strings.TrimSpace(part + " " + strconv.FormatFloat(t.Probability*100, 'f', -1, 64) + "%")
				title = strings.TrimSpace(title + " (p=" + strconv.FormatFloat(t.Probability, 'f', -1, 64) + ")")
			}
			if part != "" {
				e.parts = append(e.parts, part)
				e.titles = append(e.titles, title)
			}
		}
		if a := st.Approval; a != nil && a.OnReject != "" {
			to := a.OnReject
			if to != svcflow.CancelOnReject && m.s.Step(to) == nil {
				return fmt.Errorf("approval of step %s rejects to unknown step %q", st.ID, to)
			}
			if to == svcflow.CancelOnReject {
				to = cancelNode
				m.hasEnd[cancelNode] = true
			}
			e := add(st.ID, to, true)
			e.parts = append(e.parts, "rejected")
			e.titles = append(e.titles, "rejected (on_reject)")
		}
	}
	return nil
}

// collectEntries notes where work starts: "start" on the step work enters by
// default, and the name of every other entry point on its step.
func (m *streamMap) collectEntries() {
	names := make([]string, 0, len(m.s.EntryPoints))
	for name := range m.s.EntryPoints {
		names = append(names, name)
	}
	slices.Sort(names)
	if st, ok := m.s.Entry(""); ok {
		m.entries[st.ID] = append(m.entries[st.ID], "start")
	}
	for _, name := range names {
		id := m.s.EntryPoints[name]
		if name == "default" || m.s.Step(id) == nil {
			continue
		}
		m.entries[id] = append(m.entries[id], "entry: "+name)
	}
}

// entryLines wraps a step's entry annotation into the left half of the room
// above its box, which the layout keeps free of lines.
func (m *streamMap) entryLines(id string) []string {
	var lines []string
	for _, e := range m.entries[id] {
		lines = append(lines, draw.Wrap(e, stepWidth/2-entryIndent, metaSize)...)
	}
	return lines
}

const (
	entryIndent = 18 // the arrow, then the words
	entryArrow  = 12 // length of the arrow below the words
)

func entryAbove(lines []string) float64 {
	if len(lines) == 0 {
		return 0
	}
	return float64(len(lines))*metaSize*draw.LineSpacing + entryArrow
}

func (m *streamMap) graph() draw.Graph {
	var g draw.Graph
	for _, st := range m.s.Steps {
		g.Nodes = append(g.Nodes, draw.Node{
			ID:    st.ID,
			W:     stepWidth,
			H:     draw.BlocksHeight(m.blocks[st.ID], boxPad, blockGap),
			Above: entryAbove(m.entryLines(st.ID)),
			Lane:  laneName(st.Team),
		})
	}
	// An end sits in the lane of the step that reaches it last in the
	// stream's order, usually the end of the main path.
	endLane := func(to string) string {
		lane := ""
		for _, e := range m.edges {
			if e.to == to {
				lane = laneName(m.s.Step(e.from).Team)
			}
		}
		return lane
	}
	if m.hasEnd[svcflow.End] {
		g.Nodes = append(g.Nodes, draw.Node{ID: svcflow.End, W: endW, H: endH, Lane: endLane(svcflow.End)})
	}
	if m.hasEnd[cancelNode] {
		g.Nodes = append(g.Nodes, draw.Node{ID: cancelNode, W: endW + 14, H: endH, Lane: endLane(cancelNode)})
	}
	for _, e := range m.edges {
		de := draw.Edge{From: e.from, To: e.to}
		if l := e.label(); l != "" {
			de.LabelW, de.LabelH = draw.TextWidth(l, labelSize)+6, labelSize*draw.LineSpacing
		}
		g.Edges = append(g.Edges, de)
	}
	g.Roots = m.s.EntrySteps()
	return g
}

func laneName(team string) string {
	if team == "" {
		return "no team"
	}
	return team
}

func (m *streamMap) titleBlocks(width float64) []draw.TextBlock {
	bs := []draw.TextBlock{{Class: "title", Lines: draw.Wrap(m.s.Name, width/draw.BoldFactor, titleSize), Size: titleSize, Bold: true}}
	facts := []string{m.s.ID}
	if m.s.Revision > 0 {
		facts = append(facts, "revision "+strconv.Itoa(m.s.Revision))
	}
	if !m.s.TargetLeadTime.IsZero() {
		facts = append(facts, "target lead time "+m.s.TargetLeadTime.String())
	}
	if m.s.Owner != "" {
		facts = append(facts, "owner: "+m.s.Owner)
	}
	bs = append(bs, draw.TextBlock{Class: "subtitle", Lines: draw.Wrap(strings.Join(facts, " · "), width, metaSize), Size: metaSize})
	return bs
}

// write renders the map.
func (m *streamMap) write(out io.Writer) error {
	lay := m.layout
	legendTop := lay.Height + 4
	legend := m.legend(legendTop)
	m.height = legendTop + legend.height + 12
	w := draw.NewWriter(out)
	w.Open("svg",
		draw.A("xmlns", "http://www.w3.org/2000/svg"),
		draw.A("viewBox", "0 0 "+draw.Num(m.width)+" "+draw.Num(m.height)),
		draw.N("width", m.width), draw.N("height", m.height),
		draw.A("role", "img"),
		draw.A("aria-labelledby", m.id+"-title "+m.id+"-desc"),
		draw.A("class", "stream-map"),
		draw.A("data-stream", m.s.ID),
		draw.A("font-family", fontFamily),
	)
	w.Text("title", m.s.Name, draw.A("id", m.id+"-title"))
	w.Text("desc", m.description(), draw.A("id", m.id+"-desc"))
	m.writeDefs(w)
	w.Empty("rect", draw.A("class", "background"), draw.N("width", m.width), draw.N("height", m.height), draw.A("fill", draw.Paper))
	order := m.laneOrder()
	for _, ln := range lay.Lanes {
		// Alternate shades tell neighbouring lanes apart.
		fill := draw.Paper
		if slices.Index(order, ln.Key)%2 == 0 {
			fill = draw.LaneFill
		}
		w.Open("g", draw.A("class", "lane"), draw.A("data-lane", ln.Key))
		w.Empty("rect", draw.N("x", ln.Band.X), draw.N("y", ln.Band.Y), draw.N("width", m.width), draw.N("height", ln.Band.H),
			draw.A("fill", fill), draw.A("stroke", draw.Rule), draw.A("stroke-width", "1"))
		w.Text("text", ln.Key, draw.N("x", ln.Header.X), draw.N("y", ln.Header.Y+ln.Header.H-7),
			draw.N("font-size", 12), draw.A("font-weight", "bold"), draw.A("fill", draw.Muted))
		w.End()
	}
	y := 16.0
	for _, b := range m.title {
		draw.WriteBlock(w, b, margin, y, "start", draw.Ink)
		y += b.Height()
	}
	for i, r := range lay.Edges {
		m.writeEdge(w, m.edges[i], r)
	}
	for _, p := range lay.Nodes {
		switch p.ID {
		case svcflow.End, cancelNode:
			m.writeEnd(w, p)
		default:
			m.writeStep(w, p)
		}
	}
	legend.write(w)
	w.End()
	return w.Close()
}

func (m *streamMap) laneOrder() []string {
	var keys []string
	for _, ln := range m.layout.Lanes {
		if !slices.Contains(keys, ln.Key) {
			keys = append(keys, ln.Key)
		}
	}
	return keys
}

func (m *streamMap) description() string {
	d := fmt.Sprintf("Value stream map with %d steps", len(m.s.Steps))
	if len(m.s.Steps) == 1 {
		d = "Value stream map with 1 step"
	}
	if m.s.Demand != "" {
		d += ". Demand: " + m.s.Demand
	}
	if m.s.Value != "" {
		d += ". Value: " + m.s.Value
	}
	return d
}

func (m *streamMap) writeDefs(w *draw.Writer) {
	w.Open("defs")
	for _, mk := range []struct{ id, fill string }{{m.id + "-arrow", draw.Ink}, {m.id + "-arrow-reject", draw.Alert}} {
		w.Open("marker", draw.A("id", mk.id), draw.A("viewBox", "0 0 10 10"), draw.A("refX", "9"), draw.A("refY", "5"),
			draw.A("markerWidth", "8"), draw.A("markerHeight", "8"), draw.A("markerUnits", "userSpaceOnUse"), draw.A("orient", "auto"))
		w.Empty("path", draw.A("d", "M0 0 L10 5 L0 10 Z"), draw.A("fill", mk.fill))
		w.End()
	}
	w.End()
}

func (m *streamMap) writeStep(w *draw.Writer, p draw.Placed) {
	st := m.s.Step(p.ID)
	sw := draw.ActivitySwatch(st.Activity)
	attrs := []draw.Attr{draw.A("class", "step "+sw.Class), draw.A("id", "step-"+st.ID), draw.A("data-step", st.ID)}
	stroke, strokeWidth := sw.Stroke, "1.5"
	if live, ok := m.live[st.ID]; ok {
		attrs = append(attrs, draw.A("data-queue", strconv.Itoa(live.Queue)), draw.A("data-in-progress", strconv.Itoa(live.InProgress)))
		if live.Bottleneck {
			attrs[0] = draw.A("class", "step bottleneck "+sw.Class)
			stroke, strokeWidth = draw.Alert, "3.5"
		}
	}
	w.Open("g", attrs...)
	title := st.Name
	if st.Number > 0 {
		title = strconv.Itoa(st.Number) + ". " + title
	}
	if st.Description != "" {
		title += "\n" + strings.TrimSpace(st.Description)
	}
	w.Text("title", title)
	b := p.Box
	w.Empty("rect", draw.N("x", b.X), draw.N("y", b.Y), draw.N("width", b.W), draw.N("height", b.H), draw.A("rx", "6"),
		draw.A("fill", sw.Fill), draw.A("stroke", stroke), draw.A("stroke-width", strokeWidth))
	y := b.Y + boxPad
	for i, blk := range m.blocks[st.ID] {
		if i > 0 {
			y += blockGap
		}
		draw.WriteBlock(w, blk, b.X+boxPad, y, "start", draw.Ink)
		y += blk.Height()
	}
	if lines := m.entryLines(st.ID); len(lines) > 0 {
		w.Open("g", draw.A("class", "entry"))
		top := b.Y - p.Above
		ax := b.X + 8
		w.Empty("path", draw.A("d", "M"+draw.Num(ax)+" "+draw.Num(top+2)+" L"+draw.Num(ax)+" "+draw.Num(b.Y-1)),
			draw.A("stroke", draw.Ink), draw.A("stroke-width", "1.5"), draw.A("marker-end", "url(#"+m.id+"-arrow)"))
		draw.WriteBlock(w, draw.TextBlock{Class: "entry-label", Lines: lines, Size: metaSize}, b.X+entryIndent, top, "start", draw.Ink)
		w.End()
	}
	w.End()
}

func (m *streamMap) writeEnd(w *draw.Writer, p draw.Placed) {
	class, label, title := "end", "value", "value"
	stroke, dash := draw.Ink, ""
	if p.ID == cancelNode {
		class, label, title = "end cancel", "cancelled", "cancelled: an approval was rejected"
		stroke, dash = draw.Alert, "5 3"
	} else if m.s.Value != "" {
		title = "value: " + m.s.Value
	}
	w.Open("g", draw.A("class", class), draw.A("id", "step-"+p.ID), draw.A("data-step", p.ID))
	w.Text("title", title)
	b := p.Box
	attrs := []draw.Attr{draw.N("x", b.X), draw.N("y", b.Y), draw.N("width", b.W), draw.N("height", b.H), draw.N("rx", b.H/2),
		draw.A("fill", draw.Paper), draw.A("stroke", stroke), draw.A("stroke-width", "2")}
	if dash != "" {
		attrs = append(attrs, draw.A("stroke-dasharray", dash))
	}
	w.Empty("rect", attrs...)
	c := b.Center()
	draw.WriteBlock(w, draw.TextBlock{Class: "name", Lines: []string{label}, Size: nameSize, Bold: true}, c.X, c.Y-nameSize*draw.LineSpacing/2, "middle", draw.Ink)
	w.End()
}

func (m *streamMap) writeEdge(w *draw.Writer, e *mapEdge, r draw.Route) {
	class := "edge"
	if r.Back {
		class += " back"
	}
	stroke, marker := draw.Ink, m.id+"-arrow"
	if e.reject {
		class += " reject"
		stroke, marker = draw.Alert, m.id+"-arrow-reject"
	}
	w.Open("g", draw.A("class", class), draw.A("data-from", e.from), draw.A("data-to", e.to))
	w.Text("title", e.title())
	attrs := []draw.Attr{draw.A("d", r.Path), draw.A("fill", "none"), draw.A("stroke", stroke), draw.A("stroke-width", "1.5"),
		draw.A("marker-end", "url(#"+marker+")")}
	if e.reject {
		attrs = append(attrs, draw.A("stroke-dasharray", "6 4"))
	}
	w.Empty("path", attrs...)
	if l := e.label(); l != "" {
		c := r.Label.Center()
		// A white outline under the letters keeps labels readable where
		// they cross a line.
		w.Text("text", l, draw.A("class", "label"), draw.N("x", c.X), draw.N("y", c.Y+labelSize*0.35),
			draw.A("text-anchor", "middle"), draw.N("font-size", labelSize), draw.A("fill", stroke),
			draw.A("stroke", draw.Paper), draw.A("stroke-width", "3"), draw.A("stroke-linejoin", "round"), draw.A("paint-order", "stroke"))
	}
	w.End()
}

// mapLegend explains the colours and line styles, flowing its items in rows
// as wide as the map.
type mapLegend struct {
	items  []legendItem
	height float64
}

type legendItem struct {
	class, label string
	swatch       draw.Swatch
	line         string // "loop" or "reject" for a line sample instead of a swatch
	x, y         float64
}

func (m *streamMap) legend(top float64) mapLegend {
	var items []legendItem
	used := map[svcflow.Activity]bool{}
	for _, st := range m.s.Steps {
		used[st.Activity] = true
	}
	for _, a := range svcflow.Activities() {
		if used[a.ID] {
			sw := draw.ActivitySwatch(a.ID)
			items = append(items, legendItem{class: "legend-item " + sw.Class, label: a.Name, swatch: sw})
		}
	}
	var unknown []string
	for a := range used {
		if !a.IsValid() {
			unknown = append(unknown, string(a))
		}
	}
	slices.Sort(unknown)
	for _, a := range unknown {
		sw := draw.ActivitySwatch(svcflow.Activity(a))
		items = append(items, legendItem{class: "legend-item " + sw.Class, label: a, swatch: sw})
	}
	var loops, rejects bool
	for i, r := range m.layout.Edges {
		loops = loops || (r.Back && !m.edges[i].reject)
		rejects = rejects || m.edges[i].reject
	}
	if loops {
		items = append(items, legendItem{class: "legend-item loop", label: "loop back", line: "loop"})
	}
	if rejects {
		items = append(items, legendItem{class: "legend-item reject", label: "approval rejected", line: "reject"})
	}
	const rowH = 22
	x, y := float64(margin), top
	for i := range items {
		wd := 32 + draw.TextWidth(items[i].label, metaSize) + 20
		if x > margin && x+wd > m.width-margin {
			x, y = margin, y+rowH
		}
		items[i].x, items[i].y = x, y
		x += wd
	}
	return mapLegend{items: items, height: y + rowH - top}
}

func (l mapLegend) write(w *draw.Writer) {
	w.Open("g", draw.A("class", "legend"))
	for _, it := range l.items {
		w.Open("g", draw.A("class", it.class))
		switch it.line {
		case "":
			w.Empty("rect", draw.N("x", it.x), draw.N("y", it.y+2), draw.N("width", 24), draw.N("height", 14), draw.A("rx", "3"),
				draw.A("fill", it.swatch.Fill), draw.A("stroke", it.swatch.Stroke), draw.A("stroke-width", "1.5"))
		default:
			stroke, dash := draw.Ink, "none"
			if it.line == "reject" {
				stroke, dash = draw.Alert, "6 4"
			}
			attrs := []draw.Attr{draw.A("d", "M"+draw.Num(it.x)+" "+draw.Num(it.y+9)+" h24"), draw.A("fill", "none"),
				draw.A("stroke", stroke), draw.A("stroke-width", "1.5"), draw.A("stroke-dasharray", dash)}
			w.Empty("path", attrs...)
		}
		draw.WriteBlock(w, draw.TextBlock{Class: "legend-label", Lines: []string{it.label}, Size: metaSize}, it.x+32, it.y+2, "start", draw.Ink)
		w.End()
	}
	w.End()
}
