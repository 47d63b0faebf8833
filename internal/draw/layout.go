package draw

import (
	"cmp"
	"fmt"
	"math"
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

	slotW, gap    float64
	perRow, rows  int
	row, slot     []int // per node
	box           []Rect
	stackIdx      []int // position in its (layer, lane) column, from the top
	stackLen      []int
	plans         []routePlan // per edge
	trackGap      float64
	laneRegions   []Lane
	trackBase     map[trackKey]float64 // y of track 0
	trackStep     map[trackKey]float64 // signed distance between tracks
	width, height float64
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

// placeColumns decides the grid: every layer gets a slot as wide as the
// widest node, so the gaps between slots line up from row to row and lines
// can run down them without meeting a box.
func (l *layouter) placeColumns() {
	n := len(l.g.Nodes)
	for _, node := range l.g.Nodes {
		l.slotW = max(l.slotW, node.W)
	}
	l.gap = l.opt.LayerGap
	for e, ed := range l.g.Edges {
		if !l.back[e] && l.layer[l.to[e]]-l.layer[l.from[e]] == 1 && ed.LabelW > 0 {
			l.gap = max(l.gap, ed.LabelW+16)
		}
	}
	nLayers := len(l.layers)
	l.perRow = int((l.opt.MaxWidth - 2*l.opt.Margin + l.gap) / (l.slotW + l.gap))
	l.perRow = max(1, min(l.perRow, nLayers))
	if nLayers > 0 {
		l.rows = (nLayers + l.perRow - 1) / l.perRow
	}
	l.row = make([]int, n)
	l.slot = make([]int, n)
	l.box = make([]Rect, n)
	for v, node := range l.g.Nodes {
		l.row[v] = l.layer[v] / l.perRow
		l.slot[v] = l.layer[v] % l.perRow
		l.box[v] = Rect{X: l.slotX(l.slot[v]) + (l.slotW-node.W)/2, W: node.W, H: node.H}
	}
	l.stackIdx = make([]int, n)
	l.stackLen = make([]int, n)
	for _, layer := range l.layers {
		for _, v := range layer {
			for _, u := range layer {
				if l.lane[u] == l.lane[v] {
					l.stackLen[v]++
				}
			}
		}
		count := map[int]int{}
		for _, v := range layer {
			l.stackIdx[v] = count[l.lane[v]]
			count[l.lane[v]]++
		}
	}
	if nLayers > 0 {
		l.width = 2*l.opt.Margin + float64(l.perRow)*l.slotW + float64(l.perRow-1)*l.gap
	} else {
		l.width = 2 * l.opt.Margin
	}
}

func (l *layouter) slotX(slot int) float64 {
	return l.opt.Margin + float64(slot)*(l.slotW+l.gap)
}

// How a routed edge leaves its source and reaches its target.
type endMode int

const (
	viaTop    endMode = iota // straight up or down from the top of the box
	viaBottom                // from the bottom of the box
	viaRight                 // from the right side, then along the gap right of the slot
	viaLeft                  // into the left side, along the gap left of the slot
)

type routeKind int

const (
	adjacent routeKind = iota // neighbouring layers, same row: one curve
	tracked                   // along a horizontal track
)

// trackKey names a set of parallel tracks: above or below the boxes of one
// lane of one row, or in the gap above a row.
type trackKey struct {
	area      int // areaTop, areaBottom or areaGap
	row, lane int
}

const (
	areaTop = iota
	areaBottom
	areaGap
)

type routePlan struct {
	kind      routeKind
	exit      endMode
	entry     endMode
	key       trackKey
	lo, hi    float64 // x extent of the track, for packing
	track     int
	trackY    float64
	exitX     float64 // channel x for viaRight exits
	entryX    float64 // channel x for viaLeft and viaRight entries
	srcPort   Point
	dstPort   Point
	labelBody bool // label goes above the track line (else below)
}

// planRoutes chooses the shape of every edge and packs the tracks, shorter
// spans nearest the boxes so nested lines do not cross.
func (l *layouter) planRoutes() {
	l.plans = make([]routePlan, len(l.from))
	for e := range l.from {
		s, t := l.from[e], l.to[e]
		p := &l.plans[e]
		switch {
		case !l.back[e] && l.row[s] == l.row[t] && l.slot[t] == l.slot[s]+1:
			p.kind = adjacent
			continue
		case !l.back[e] && l.row[s] == l.row[t]:
			p.key = trackKey{areaTop, l.row[s], l.lane[s]}
			p.exit = viaRight
			if l.stackIdx[s] == 0 {
				p.exit = viaTop
			}
			p.entry = viaLeft
			if l.lane[t] == l.lane[s] && l.stackIdx[t] == 0 {
				p.entry = viaTop
			}
			p.labelBody = true
		case l.back[e] && l.row[s] == l.row[t]:
			p.key = trackKey{areaBottom, l.row[s], l.lane[s]}
			p.exit = viaRight
			if l.stackIdx[s] == l.stackLen[s]-1 && s != t {
				p.exit = viaBottom
			}
			p.entry = viaRight
			if l.lane[t] == l.lane[s] && l.stackIdx[t] == l.stackLen[t]-1 {
				p.entry = viaBottom
			}
			if s == t && l.stackIdx[s] == 0 {
				// A self-loop is a small arc over the box.
				p.key.area = areaTop
				p.entry = viaTop
				p.labelBody = true
			}
		case l.row[t] > l.row[s]:
			p.key = trackKey{areaGap, l.row[s] + 1, 0}
			p.exit, p.entry = viaRight, viaLeft
		default:
			p.key = trackKey{areaGap, l.row[s], 0}
			p.exit, p.entry = viaRight, viaLeft
		}
		p.kind = tracked
		a := l.endExtent(s, p.exit)
		b := l.endExtent(t, p.entry)
		p.lo, p.hi = min(a[0], b[0]), max(a[1], b[1])
	}
	byKey := map[trackKey][]int{}
	var keys []trackKey
	for e, p := range l.plans {
		if p.kind == tracked {
			if _, ok := byKey[p.key]; !ok {
				keys = append(keys, p.key)
			}
			byKey[p.key] = append(byKey[p.key], e)
		}
	}
	for _, k := range keys {
		edges := byKey[k]
		slices.SortStableFunc(edges, func(a, b int) int {
			pa, pb := l.plans[a], l.plans[b]
			return cmp.Or(cmp.Compare(pa.hi-pa.lo, pb.hi-pb.lo), cmp.Compare(pa.lo, pb.lo))
		})
		var tracks [][][2]float64
		for _, e := range edges {
			p := &l.plans[e]
			p.track = firstFree(&tracks, p.lo, p.hi, 4)
		}
	}
}

// endExtent is the x range an edge end may use, before ports are known.
func (l *layouter) endExtent(v int, m endMode) [2]float64 {
	sx := l.slotX(l.slot[v])
	switch m {
	case viaRight:
		return [2]float64{sx + l.slotW, sx + l.slotW + l.gap/2}
	case viaLeft:
		return [2]float64{sx - l.gap/2, sx}
	}
	return [2]float64{l.box[v].X, l.box[v].Right()}
}

// firstFree returns the lowest track whose intervals leave [lo, hi] free by
// at least pad, and claims it.
func firstFree(tracks *[][][2]float64, lo, hi, pad float64) int {
	for i, used := range *tracks {
		free := true
		for _, iv := range used {
			if lo < iv[1]+pad && iv[0] < hi+pad {
				free = false
				break
			}
		}
		if free {
			(*tracks)[i] = append(used, [2]float64{lo, hi})
			return i
		}
	}
	*tracks = append(*tracks, [][2]float64{{lo, hi}})
	return len(*tracks) - 1
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

// port is one end of an edge on a side of a box, ordered along that side by
// where the line goes so lines leaving one side do not cross each other.
type port struct {
	edge  int
	isSrc bool
	key   float64
}

const (
	sideTop = iota
	sideBottom
	sideLeft
	sideRight
)

// routeEdges spreads the ends of edges over the sides of the boxes, picks
// the channels in the gaps, and builds the paths.
func (l *layouter) routeEdges() {
	sides := map[[2]int][]port{} // (node, side)
	add := func(v, side, e int, isSrc bool, key float64) {
		k := [2]int{v, side}
		sides[k] = append(sides[k], port{e, isSrc, key})
	}
	sideOf := func(m endMode) int {
		switch m {
		case viaTop:
			return sideTop
		case viaBottom:
			return sideBottom
		case viaLeft:
			return sideLeft
		}
		return sideRight
	}
	for e, p := range l.plans {
		s, t := l.from[e], l.to[e]
		if p.kind == adjacent {
			add(s, sideRight, e, true, l.box[t].Center().Y)
			add(t, sideLeft, e, false, l.box[s].Center().Y)
			continue
		}
		switch p.exit {
		case viaTop, viaBottom:
			add(s, sideOf(p.exit), e, true, l.box[t].Center().X)
		default:
			add(s, sideRight, e, true, p.trackY)
		}
		switch p.entry {
		case viaTop, viaBottom:
			add(t, sideOf(p.entry), e, false, l.box[s].Center().X)
		default:
			add(t, sideOf(p.entry), e, false, p.trackY)
		}
	}
	for k, ports := range sides {
		v, side := k[0], k[1]
		b := l.box[v]
		slices.SortStableFunc(ports, func(a, c port) int {
			return cmp.Or(cmp.Compare(a.key, c.key), cmp.Compare(a.edge, c.edge))
		})
		var lo, hi float64
		switch side {
		case sideTop, sideBottom:
			lo, hi = b.X+6, b.Right()-6
			if side == sideTop && l.g.Nodes[v].Above > 0 {
				lo = b.X + b.W/2 + 6
			}
		default:
			lo, hi = b.Y+6, b.Bottom()-6
		}
		for i, pt := range ports {
			at := lo + (hi-lo)*float64(i+1)/float64(len(ports)+1)
			var q Point
			switch side {
			case sideTop:
				q = Point{at, b.Y}
			case sideBottom:
				q = Point{at, b.Bottom()}
			case sideLeft:
				q = Point{b.X, at}
			default:
				q = Point{b.Right(), at}
			}
			if pt.isSrc {
				l.plans[pt.edge].srcPort = q
			} else {
				l.plans[pt.edge].dstPort = q
			}
		}
	}
	l.assignChannels()
}

// assignChannels gives each vertical run in a gap between slots its own x,
// counted out from the box it serves, so runs sharing a gap stay apart.
func (l *layouter) assignChannels() {
	type chanKey struct {
		slot  int
		right bool // the gap right of the slot (else left of it)
	}
	used := map[chanKey][][][2]float64{}
	take := func(slot int, right bool, y0, y1 float64) float64 {
		k := chanKey{slot, right}
		tracks := used[k]
		i := firstFree(&tracks, min(y0, y1), max(y0, y1), 4)
		used[k] = tracks
		// Runs keep 12 px off the slot and 6 px from each other; the
		// margin and the gaps are wide enough for a few before they meet
		// the runs of the other side.
		off := 12 + 6*float64(i)
		room := l.gap/2 - 2
		if (right && slot == l.perRow-1) || (!right && slot == 0) {
			room = l.opt.Margin - 4
		}
		off = min(off, room)
		if right {
			return l.slotX(slot) + l.slotW + off
		}
		return l.slotX(slot) - off
	}
	for e := range l.plans {
		p := &l.plans[e]
		if p.kind != tracked {
			continue
		}
		s, t := l.from[e], l.to[e]
		if p.exit == viaRight {
			p.exitX = take(l.slot[s], true, p.srcPort.Y, p.trackY)
		}
		switch p.entry {
		case viaLeft:
			p.entryX = take(l.slot[t], false, p.trackY, p.dstPort.Y)
		case viaRight:
			p.entryX = take(l.slot[t], true, p.trackY, p.dstPort.Y)
		}
	}
}

func (l *layouter) result() *Layout {
	out := &Layout{Width: l.width, Height: l.height, Rows: l.rows, Lanes: l.laneRegions}
	for v, node := range l.g.Nodes {
		out.Nodes = append(out.Nodes, Placed{Node: node, Box: l.box[v], Layer: l.layer[v], Row: l.row[v], Slot: l.slot[v]})
	}
	var taken []Rect
	for v, b := range l.box {
		// The room above a box holds the renderer's annotations.
		above := l.g.Nodes[v].Above
		taken = append(taken, Rect{b.X, b.Y - above, b.W, b.H + above})
	}
	for e, ed := range l.g.Edges {
		p := l.plans[e]
		r := Route{From: ed.From, To: ed.To, Back: l.back[e]}
		var seg [2]Point // the stretch the label sits on
		if p.kind == adjacent {
			a, b := p.srcPort, p.dstPort
			if math.Abs(a.Y-b.Y) < 0.5 {
				r.Points = []Point{a, b}
				r.Path = pathData(r.Points, 0)
			} else {
				xm := (a.X + b.X) / 2
				r.Curve = true
				r.Points = []Point{a, {xm, a.Y}, {xm, b.Y}, b}
				r.Path = "M" + Num(a.X) + " " + Num(a.Y) + " C" + Num(xm) + " " + Num(a.Y) + " " + Num(xm) + " " + Num(b.Y) + " " + Num(b.X) + " " + Num(b.Y)
			}
			seg = [2]Point{a, b}
		} else {
			var pts []Point
			switch p.exit {
			case viaRight:
				pts = []Point{p.srcPort, {p.exitX, p.srcPort.Y}, {p.exitX, p.trackY}}
			default:
				pts = []Point{p.srcPort, {p.srcPort.X, p.trackY}}
			}
			seg[0] = pts[len(pts)-1]
			switch p.entry {
			case viaLeft, viaRight:
				pts = append(pts, Point{p.entryX, p.trackY}, Point{p.entryX, p.dstPort.Y}, p.dstPort)
				seg[1] = pts[len(pts)-3]
			default:
				pts = append(pts, Point{p.dstPort.X, p.trackY}, p.dstPort)
				seg[1] = pts[len(pts)-2]
			}
			r.Points = dedupe(pts)
			r.Path = pathData(r.Points, l.opt.Corner)
		}
		if ed.LabelW > 0 && ed.LabelH > 0 {
			r.Label = l.placeLabel(p, seg, ed.LabelW, ed.LabelH, taken)
			taken = append(taken, r.Label)
		}
		out.Edges = append(out.Edges, r)
	}
	return out
}

// placeLabel puts a label beside the stretch of line it describes: centred on
// a curve between neighbouring layers, near the start of a track otherwise.
// If that spot is taken by a box or another label it tries spots further off
// the line, and keeps the first free one.
func (l *layouter) placeLabel(p routePlan, seg [2]Point, w, h float64, taken []Rect) Rect {
	var r Rect
	a, b := seg[0], seg[1]
	if p.kind == adjacent {
		c := Point{(a.X + b.X) / 2, (a.Y + b.Y) / 2}
		r = Rect{c.X - w/2, c.Y - h/2, w, h}
		if math.Abs(a.Y-b.Y) < 0.5 {
			r.Y = a.Y - 3 - h
		}
	} else {
		length := math.Abs(b.X - a.X)
		switch {
		case length < w+16:
			r.X = (a.X+b.X)/2 - w/2
		case b.X > a.X:
			r.X = a.X + 8
		default:
			r.X = a.X - 8 - w
		}
		if p.labelBody {
			r.Y = a.Y - 2 - h
		} else {
			r.Y = a.Y + 2
		}
	}
	step := h + 2
	if p.kind == tracked && !p.labelBody {
		step = -step // keep away from the boxes above
	}
	for _, dy := range []float64{0, -step, step, -2 * step, 2 * step} {
		c := r
		c.Y += dy
		if !overlapsAny(c, taken) {
			return c
		}
	}
	return r
}

func overlapsAny(r Rect, rs []Rect) bool {
	for _, o := range rs {
		if r.Overlaps(o) {
			return true
		}
	}
	return false
}

func dedupe(pts []Point) []Point {
	out := pts[:1]
	for _, p := range pts[1:] {
		last := out[len(out)-1]
		if math.Abs(p.X-last.X) > 0.01 || math.Abs(p.Y-last.Y) > 0.01 {
			out = append(out, p)
		}
	}
	return out
}

// pathData draws a polyline with its corners rounded to radius r.
func pathData(pts []Point, r float64) string {
	if len(pts) == 0 {
		return ""
	}
	d := "M" + Num(pts[0].X) + " " + Num(pts[0].Y)
	for i := 1; i < len(pts)-1; i++ {
		prev, cur, next := pts[i-1], pts[i], pts[i+1]
		in := math.Hypot(cur.X-prev.X, cur.Y-prev.Y)
		out := math.Hypot(next.X-cur.X, next.Y-cur.Y)
		rr := min(r, in/2, out/2)
		if rr <= 0 || in == 0 || out == 0 {
			d += " L" + Num(cur.X) + " " + Num(cur.Y)
			continue
		}
		a := Point{cur.X - (cur.X-prev.X)/in*rr, cur.Y - (cur.Y-prev.Y)/in*rr}
		b := Point{cur.X + (next.X-cur.X)/out*rr, cur.Y + (next.Y-cur.Y)/out*rr}
		d += " L" + Num(a.X) + " " + Num(a.Y) + " Q" + Num(cur.X) + " " + Num(cur.Y) + " " + Num(b.X) + " " + Num(b.Y)
	}
	last := pts[len(pts)-1]
	return d + " L" + Num(last.X) + " " + Num(last.Y)
}
