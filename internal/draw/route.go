package draw

import (
	"cmp"
	"math"
	"slices"
)

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
	kind       routeKind
	exit       endMode
	entry      endMode
	key        trackKey
	lo, hi     float64 // x extent of the track, for packing
	track      int
	trackY     float64
	exitX      float64 // channel x for viaRight exits
	entryX     float64 // channel x for viaLeft and viaRight entries
	srcPort    Point
	dstPort    Point
	labelAbove bool // label goes above the track line (else below)
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
			p.labelAbove = true
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
				p.labelAbove = true
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
		r := l.slotRight(l.slot[v])
		return [2]float64{r, r + l.gapBeside(l.slot[v], true)/2}
	case viaLeft:
		return [2]float64{sx - l.gapBeside(l.slot[v], false)/2, sx}
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

// port is one end of an edge on a side of a box, ordered along that side by
// where the line goes so lines leaving one side do not cross each other.
type port struct {
	edge     int
	isSrc    bool
	key      float64
	adjacent bool // a curve to the neighbouring layer
}

// spread places sorted ports along a side from lo to hi. Ports are spread
// evenly, except that on a left or right side a curve to a neighbour whose
// middle lines up with this box's (mid) takes the middle and the others
// stack beside it: that keeps the main path of a flow a straight line.
func spread(ports []port, lo, hi, mid float64, sideways bool) []float64 {
	n := len(ports)
	at := make([]float64, n)
	for i := range at {
		at[i] = lo + (hi-lo)*float64(i+1)/float64(n+1)
	}
	if !sideways || n < 2 {
		return at
	}
	k := slices.IndexFunc(ports, func(p port) bool { return p.adjacent && math.Abs(p.key-mid) < 0.5 })
	if k < 0 {
		return at
	}
	gap := 16.0
	if k > 0 {
		gap = min(gap, (mid-lo)/float64(k))
	}
	if k < n-1 {
		gap = min(gap, (hi-mid)/float64(n-1-k))
	}
	if gap < 4 {
		return at
	}
	for i := range at {
		at[i] = mid + float64(i-k)*gap
	}
	return at
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
		sides[k] = append(sides[k], port{e, isSrc, key, l.plans[e].kind == adjacent})
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
		at := spread(ports, lo, hi, b.Center().Y, side == sideLeft || side == sideRight)
		for i, pt := range ports {
			var q Point
			switch side {
			case sideTop:
				q = Point{at[i], b.Y}
			case sideBottom:
				q = Point{at[i], b.Bottom()}
			case sideLeft:
				q = Point{b.X, at[i]}
			default:
				q = Point{b.Right(), at[i]}
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
		room := l.gapBeside(slot, right)
		if (right && slot == l.perRow-1) || (!right && slot == 0) {
			room -= 4 // the margin is all this side's
		} else {
			room = room/2 - 2
		}
		off = min(off, room)
		if right {
			return l.slotRight(slot) + off
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
		if math.Abs(a.Y-b.Y) < h {
			// On a flat curve a centred label would hide the line.
			r.Y = min(a.Y, b.Y) - 3 - h
		}
	} else {
		r.W, r.H = w, h
		length := math.Abs(b.X - a.X)
		switch {
		case length < w+16:
			r.X = (a.X+b.X)/2 - w/2
		case b.X > a.X:
			r.X = a.X + 8
		default:
			r.X = a.X - 8 - w
		}
		if p.labelAbove {
			r.Y = a.Y - 2 - h
		} else {
			r.Y = a.Y + 2
		}
	}
	r.X = max(2, min(r.X, l.width-w-2)) // keep it on the page
	step := h + 2
	if p.kind == tracked && !p.labelAbove {
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
