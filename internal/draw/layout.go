package draw

import (
	"cmp"
	"fmt"
	"slices"
)

// Point is a position in the drawing.
type Point struct{ X, Y float64 }

// Rect is an axis-aligned rectangle; X, Y is its top-left corner.
type Rect struct{ X, Y, W, H float64 }

// Right returns the x of the right edge of r.
func (r Rect) Right() float64 { return r.X + r.W }

// Bottom returns the y of the bottom edge of r.
func (r Rect) Bottom() float64 { return r.Y + r.H }

// Center returns the centre of r.
func (r Rect) Center() Point { return Point{r.X + r.W/2, r.Y + r.H/2} }

// Overlaps reports whether the interiors of r and o intersect; rectangles
// that only touch do not overlap.
func (r Rect) Overlaps(o Rect) bool {
	return r.X < o.Right() && o.X < r.Right() && r.Y < o.Bottom() && o.Y < r.Bottom()
}

// Contains reports whether o lies inside r, edges included.
func (r Rect) Contains(o Rect) bool {
	return o.X >= r.X && o.Y >= r.Y && o.Right() <= r.Right() && o.Bottom() <= r.Bottom()
}

// Node is a box to place. Above reserves room over the box for annotations
// the renderer draws there (an entry marker, say); the left half of that
// room is the renderer's, so edges leave and enter the top of such a box in
// its right half.
type Node struct {
	ID    string
	W, H  float64
	Above float64
	Lane  string
}

// Edge is a directed connection. LabelW and LabelH give the size of its
// label, for which the layout keeps room; zero means no label.
type Edge struct {
	From, To       string
	LabelW, LabelH float64
}

// Graph is what Layered places. Roots are where the depth-first search for
// loops starts (the entry points of a process, say); edges that close a cycle
// in that search are drawn as loops running back under the boxes.
type Graph struct {
	Nodes []Node
	Edges []Edge
	Roots []string
}

// Options tune Layered. Zero values take the defaults given.
type Options struct {
	MaxWidth  float64 // widest the drawing may grow before layers wrap into a new row; 2400
	LayerGap  float64 // least horizontal gap between layers; 64, more where adjacent edges carry labels
	NodeGap   float64 // vertical gap between boxes of one layer; 28
	RowGap    float64 // vertical gap between wrapped rows; 36
	TrackGap  float64 // distance between parallel routed lines; 12, more to fit labels
	RegionPad float64 // space between boxes and the lines routed above and below them; 14
	Margin    float64 // left and right margin, where lines turn to the next row; 40
	Top       float64 // space left free above the drawing, for a title
	Corner    float64 // radius of the rounded corners of routed lines; 6

	// Lanes places the nodes of each Node.Lane in their own horizontal band,
	// lanes in the order their first node appears, each with a header strip
	// of LaneHeader pixels (default 22) for its name.
	Lanes      bool
	LaneHeader float64
}

func (o Options) withDefaults() Options {
	def := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxWidth, 2400)
	def(&o.LayerGap, 64)
	def(&o.NodeGap, 28)
	def(&o.RowGap, 36)
	def(&o.TrackGap, 12)
	def(&o.RegionPad, 14)
	def(&o.Margin, 40)
	def(&o.Corner, 6)
	if o.Lanes {
		def(&o.LaneHeader, 22)
	} else {
		o.LaneHeader = 0
	}
	if o.Top < 0 {
		o.Top = 0
	}
	return o
}

// Placed is a node with its box. Layer counts from 0 along the flow; a layer
// sits in Row (from 0, top to bottom) at column Slot (from 0, left to right).
type Placed struct {
	Node
	Box              Rect
	Layer, Row, Slot int
}

// Lane is the band of one lane in one row; Header is the strip at its top
// kept free for the lane's name.
type Lane struct {
	Key    string
	Row    int
	Band   Rect
	Header Rect
}

// Route is how an edge is drawn. Path is SVG path data ending at the target,
// so a marker-end arrowhead points into it. Points are the corners of the
// orthogonal line or, when Curve is set, the ends and control points of one
// cubic Bézier curve. Label is the room kept for the edge's label (zero
// without one). Back marks an edge that closes a loop.
type Route struct {
	From, To string
	Back     bool
	Curve    bool
	Points   []Point
	Path     string
	Label    Rect
}

// Layout is the geometry Layered computes. Nodes and Edges are in the order
// of the graph; Lanes run top to bottom and are empty without Options.Lanes.
type Layout struct {
	Width, Height float64
	Rows          int
	Nodes         []Placed
	Edges         []Route
	Lanes         []Lane
}

// Node returns the placed node with the given id.
func (l *Layout) Node(id string) (Placed, bool) {
	for _, p := range l.Nodes {
		if p.ID == id {
			return p, true
		}
	}
	return Placed{}, false
}

// Layered places a directed graph in layers running left to right, the
// Sugiyama way: edges closing cycles (found by depth-first search from the
// roots, then from the remaining nodes in order) are set aside as loops;
// every other edge points to a later layer, each node in the layer after its
// longest chain of predecessors; nodes within a layer are ordered by the
// barycentre of their neighbours to limit crossings. Layers that would make
// the drawing wider than MaxWidth continue in a new row below, like lines of
// text, so long chains stay readable on a page.
//
// Edges between neighbouring layers are S-shaped curves through the gap
// between them. Longer edges run on tracks above the boxes, loops on tracks
// below them, and edges into another lane or row through the gaps between
// layers, so no line crosses a box.
//
// Layered returns an error for a node without id or size, a repeated id, or
// an edge or root naming an unknown node.
func Layered(g Graph, opt Options) (*Layout, error) {
	l := &layouter{g: g, opt: opt.withDefaults(), index: make(map[string]int, len(g.Nodes))}
	for i, n := range g.Nodes {
		if n.ID == "" {
			return nil, fmt.Errorf("draw: node %d has no id", i)
		}
		if _, dup := l.index[n.ID]; dup {
			return nil, fmt.Errorf("draw: node %q appears twice", n.ID)
		}
		if !(n.W > 0 && n.H > 0) || n.Above < 0 {
			return nil, fmt.Errorf("draw: node %q has no size", n.ID)
		}
		l.index[n.ID] = i
	}
	for _, e := range g.Edges {
		f, ok1 := l.index[e.From]
		t, ok2 := l.index[e.To]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("draw: edge %s → %s names an unknown node", e.From, e.To)
		}
		l.from = append(l.from, f)
		l.to = append(l.to, t)
	}
	for _, r := range g.Roots {
		i, ok := l.index[r]
		if !ok {
			return nil, fmt.Errorf("draw: root %q is not a node", r)
		}
		l.roots = append(l.roots, i)
	}
	l.findLoops()
	l.assignLayers()
	l.assignLanes()
	l.orderLayers()
	l.placeColumns()
	l.planRoutes()
	l.placeRows()
	l.routeEdges()
	return l.result(), nil
}

// layouter holds the working state of one Layered call.
type layouter struct {
	g     Graph
	opt   Options
	index map[string]int
	from  []int // per edge
	to    []int
	roots []int

	back     []bool // per edge: closes a cycle, or is a self-loop
	discover []int  // nodes in depth-first preorder
	layer    []int  // per node
	lane     []int  // per node
	laneKeys []string
	layers   [][]int // nodes per layer, in drawing order

	slotWs, slotXs []float64 // per slot
	gaps           []float64 // between slot j and j+1
	perRow, rows   int
	row, slot      []int // per node
	box            []Rect
	stackIdx       []int // position in its (layer, lane) column, from the top
	stackLen       []int
	plans          []routePlan // per edge
	trackGap       float64
	laneRegions    []Lane
	trackBase      map[trackKey]float64 // y of track 0
	trackStep      map[trackKey]float64 // signed distance between tracks
	width, height  float64
}

// findLoops marks back edges by depth-first search.
func (l *layouter) findLoops() {
	n := len(l.g.Nodes)
	out := make([][]int, n)
	for e := range l.from {
		out[l.from[e]] = append(out[l.from[e]], e)
	}
	l.back = make([]bool, len(l.from))
	const (
		unseen = iota
		onStack
		done
	)
	state := make([]int, n)
	var visit func(v int)
	visit = func(v int) {
		state[v] = onStack
		l.discover = append(l.discover, v)
		for _, e := range out[v] {
			switch w := l.to[e]; state[w] {
			case unseen:
				visit(w)
			case onStack:
				l.back[e] = true
			}
		}
		state[v] = done
	}
	for _, r := range l.roots {
		if state[r] == unseen {
			visit(r)
		}
	}
	for v := range n {
		if state[v] == unseen {
			visit(v)
		}
	}
}

// assignLayers puts every node one layer after its longest chain of
// predecessors, ignoring loops.
func (l *layouter) assignLayers() {
	n := len(l.g.Nodes)
	l.layer = make([]int, n)
	indeg := make([]int, n)
	out := make([][]int, n)
	for e := range l.from {
		if !l.back[e] {
			indeg[l.to[e]]++
			out[l.from[e]] = append(out[l.from[e]], l.to[e])
		}
	}
	var queue []int
	for v := range n {
		if indeg[v] == 0 {
			queue = append(queue, v)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range out[v] {
			l.layer[w] = max(l.layer[w], l.layer[v]+1)
			if indeg[w]--; indeg[w] == 0 {
				queue = append(queue, w)
			}
		}
	}
	maxLayer := 0
	for _, L := range l.layer {
		maxLayer = max(maxLayer, L)
	}
	l.layers = make([][]int, maxLayer+1)
	if n == 0 {
		l.layers = nil
	}
	for _, v := range l.discover {
		l.layers[l.layer[v]] = append(l.layers[l.layer[v]], v)
	}
}

func (l *layouter) assignLanes() {
	l.lane = make([]int, len(l.g.Nodes))
	if !l.opt.Lanes {
		l.laneKeys = []string{""}
		return
	}
	seen := map[string]int{}
	for v, node := range l.g.Nodes {
		i, ok := seen[node.Lane]
		if !ok {
			i = len(l.laneKeys)
			seen[node.Lane] = i
			l.laneKeys = append(l.laneKeys, node.Lane)
		}
		l.lane[v] = i
	}
}

// orderLayers sorts each layer by lane, then by the mean position of each
// node's neighbours, sweeping down the layers and back up. Positions are
// fractions of their layer so neighbours across long edges weigh alike.
func (l *layouter) orderLayers() {
	n := len(l.g.Nodes)
	preds := make([][]int, n)
	succs := make([][]int, n)
	for e := range l.from {
		if !l.back[e] {
			succs[l.from[e]] = append(succs[l.from[e]], l.to[e])
			preds[l.to[e]] = append(preds[l.to[e]], l.from[e])
		}
	}
	pos := make([]float64, n)
	update := func(layer []int) {
		for i, v := range layer {
			pos[v] = (float64(i) + 0.5) / float64(len(layer))
		}
	}
	sortLayer := func(layer []int, nbrs [][]int) {
		key := make(map[int]float64, len(layer))
		for _, v := range layer {
			key[v] = pos[v]
			if len(nbrs[v]) > 0 {
				sum := 0.0
				for _, u := range nbrs[v] {
					sum += pos[u]
				}
				key[v] = sum / float64(len(nbrs[v]))
			}
		}
		slices.SortStableFunc(layer, func(a, b int) int {
			return cmp.Or(cmp.Compare(l.lane[a], l.lane[b]), cmp.Compare(key[a], key[b]))
		})
		update(layer)
	}
	for _, layer := range l.layers {
		slices.SortStableFunc(layer, func(a, b int) int { return cmp.Compare(l.lane[a], l.lane[b]) })
		update(layer)
	}
	// Two rounds settle the small graphs drawn here; more rarely help.
	for range 2 {
		for L := 1; L < len(l.layers); L++ {
			sortLayer(l.layers[L], preds)
		}
		for L := len(l.layers) - 2; L >= 0; L-- {
			sortLayer(l.layers[L], succs)
		}
	}
}

// placeColumns decides the grid. A slot is as wide as the widest node of the
// layers it holds, in any row, so the gaps between slots line up from row to
// row and lines can run down them without meeting a box. A gap widens to fit
// the labels of the edges that cross it. Rows hold as many layers as fit
// MaxWidth.
func (l *layouter) placeColumns() {
	n := len(l.g.Nodes)
	nLayers := len(l.layers)
	layerW := make([]float64, nLayers)
	for v, node := range l.g.Nodes {
		layerW[l.layer[v]] = max(layerW[l.layer[v]], node.W)
	}
	// labelGap[L] is the gap an edge label needs between layers L and L+1.
	labelGap := make([]float64, nLayers)
	for e, ed := range l.g.Edges {
		if L := l.layer[l.from[e]]; !l.back[e] && l.layer[l.to[e]] == L+1 && ed.LabelW > 0 {
			labelGap[L] = max(labelGap[L], ed.LabelW+16)
		}
	}
	grid := func(k int) (widths, gaps []float64, total float64) {
		widths = make([]float64, k)
		gaps = make([]float64, max(k-1, 0))
		for i := range gaps {
			gaps[i] = l.opt.LayerGap
		}
		for L := range nLayers {
			j := L % k
			widths[j] = max(widths[j], layerW[L])
			if j < k-1 {
				gaps[j] = max(gaps[j], labelGap[L])
			}
		}
		total = 2 * l.opt.Margin
		for _, w := range widths {
			total += w
		}
		for _, g := range gaps {
			total += g
		}
		return widths, gaps, total
	}
	l.perRow = max(nLayers, 1)
	for ; l.perRow > 1; l.perRow-- {
		if _, _, total := grid(l.perRow); total <= l.opt.MaxWidth {
			break
		}
	}
	l.slotWs, l.gaps, l.width = grid(l.perRow)
	l.slotXs = make([]float64, l.perRow)
	x := l.opt.Margin
	for j := range l.perRow {
		l.slotXs[j] = x
		x += l.slotWs[j]
		if j < len(l.gaps) {
			x += l.gaps[j]
		}
	}
	if nLayers > 0 {
		l.rows = (nLayers + l.perRow - 1) / l.perRow
	}
	l.row = make([]int, n)
	l.slot = make([]int, n)
	l.box = make([]Rect, n)
	for v, node := range l.g.Nodes {
		l.row[v] = l.layer[v] / l.perRow
		l.slot[v] = l.layer[v] % l.perRow
		l.box[v] = Rect{X: l.slotX(l.slot[v]) + (l.slotWs[l.slot[v]]-node.W)/2, W: node.W, H: node.H}
	}
	l.stackIdx = make([]int, n)
	l.stackLen = make([]int, n)
	for _, layer := range l.layers {
		count := map[int]int{}
		for _, v := range layer {
			l.stackIdx[v] = count[l.lane[v]]
			count[l.lane[v]]++
		}
		for _, v := range layer {
			l.stackLen[v] = count[l.lane[v]]
		}
	}
}

func (l *layouter) slotX(slot int) float64 { return l.slotXs[slot] }

func (l *layouter) slotRight(slot int) float64 { return l.slotXs[slot] + l.slotWs[slot] }

// gapBeside returns the width of the free space right of slot (or left of
// it): a gap between slots, or the margin.
func (l *layouter) gapBeside(slot int, right bool) float64 {
	switch {
	case right && slot < len(l.gaps):
		return l.gaps[slot]
	case !right && slot > 0:
		return l.gaps[slot-1]
	}
	return l.opt.Margin
}

// placeRows stacks rows and lanes top to bottom, each lane with its tracks
// above and below its boxes, and sets the y of every box. A column holding a
// single box centres it on the lane's middle line so chains run straight.
func (l *layouter) placeRows() {
	o := l.opt
	maxLabel := 0.0
	for _, e := range l.g.Edges {
		maxLabel = max(maxLabel, e.LabelH)
	}
	l.trackGap = max(o.TrackGap, maxLabel+4)
	nTracks := map[trackKey]int{}
	for _, p := range l.plans {
		if p.kind == tracked {
			nTracks[p.key] = max(nTracks[p.key], p.track+1)
		}
	}
	type extent struct{ up, down float64 }
	ext := map[[2]int]extent{} // (row, lane)
	for _, layer := range l.layers {
		stacks := map[int][]int{}
		for _, v := range layer {
			stacks[l.lane[v]] = append(stacks[l.lane[v]], v)
		}
		for lane, st := range stacks {
			k := [2]int{l.row[st[0]], lane}
			var up, down float64
			if len(st) == 1 {
				up, down = l.g.Nodes[st[0]].H/2+l.g.Nodes[st[0]].Above, l.g.Nodes[st[0]].H/2
			} else {
				total := o.NodeGap * float64(len(st)-1)
				for _, v := range st {
					total += l.g.Nodes[v].Above + l.g.Nodes[v].H
				}
				up, down = total/2, total/2
			}
			ext[k] = extent{max(ext[k].up, up), max(ext[k].down, down)}
		}
	}
	l.trackBase = map[trackKey]float64{}
	l.trackStep = map[trackKey]float64{}
	mid := map[[2]int]float64{}
	y := o.Top
	for r := range l.rows {
		if r > 0 {
			k := trackKey{areaGap, r, 0}
			l.trackBase[k] = y + o.RowGap/2
			l.trackStep[k] = l.trackGap
			y += o.RowGap + float64(nTracks[k])*l.trackGap
		}
		for lane, key := range l.laneKeys {
			top := y
			y += o.LaneHeader + o.RegionPad
			up := trackKey{areaTop, r, lane}
			y += float64(nTracks[up]) * l.trackGap
			l.trackBase[up] = y - o.RegionPad
			l.trackStep[up] = -l.trackGap
			e := ext[[2]int{r, lane}]
			mid[[2]int{r, lane}] = y + e.up
			y += e.up + e.down + o.RegionPad
			down := trackKey{areaBottom, r, lane}
			l.trackBase[down] = y
			l.trackStep[down] = l.trackGap
			y += float64(nTracks[down]) * l.trackGap
			if o.Lanes {
				l.laneRegions = append(l.laneRegions, Lane{
					Key:    key,
					Row:    r,
					Band:   Rect{0, top, l.width, y - top},
					Header: Rect{o.Margin / 2, top, l.width - o.Margin, o.LaneHeader},
				})
			}
		}
	}
	l.height = y + o.RegionPad
	for _, layer := range l.layers {
		stacks := map[int][]int{}
		for _, v := range layer {
			stacks[l.lane[v]] = append(stacks[l.lane[v]], v)
		}
		for lane, st := range stacks {
			m := mid[[2]int{l.row[st[0]], lane}]
			if len(st) == 1 {
				l.box[st[0]].Y = m - l.box[st[0]].H/2
				continue
			}
			total := o.NodeGap * float64(len(st)-1)
			for _, v := range st {
				total += l.g.Nodes[v].Above + l.g.Nodes[v].H
			}
			y := m - total/2
			for _, v := range st {
				y += l.g.Nodes[v].Above
				l.box[v].Y = y
				y += l.box[v].H + o.NodeGap
			}
		}
	}
	for e := range l.plans {
		p := &l.plans[e]
		if p.kind == tracked {
			p.trackY = l.trackBase[p.key] + float64(p.track)*l.trackStep[p.key]
		}
	}
}
