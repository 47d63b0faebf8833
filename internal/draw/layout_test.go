package draw

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// chain returns n nodes a0 → a1 → … of the given size.
func chain(n int, w, h float64) Graph {
	var g Graph
	for i := range n {
		g.Nodes = append(g.Nodes, Node{ID: fmt.Sprintf("a%d", i), W: w, H: h})
		if i > 0 {
			g.Edges = append(g.Edges, Edge{From: fmt.Sprintf("a%d", i-1), To: fmt.Sprintf("a%d", i)})
		}
	}
	return g
}

// restoration is the shape of the library's restoration stream: a chain with
// a branch to the end, a loop back and a rejection, entered at two steps.
func restoration() Graph {
	node := func(id string, h float64, lane string) Node { return Node{ID: id, W: 200, H: h, Lane: lane} }
	return Graph{
		Nodes: []Node{
			node("register", 80, "desk"), {ID: "investigate", W: 200, H: 100, Above: 30, Lane: "desk"},
			node("obtain", 110, "experts"), node("deploy", 70, "experts"), node("verify", 90, "desk"),
			node("feedback", 60, "desk"), node("improve", 60, "problems"), {ID: "value", W: 90, H: 36, Lane: "problems"},
		},
		Edges: []Edge{
			{From: "register", To: "investigate"},
			{From: "investigate", To: "value", LabelW: 60, LabelH: 14},
			{From: "investigate", To: "obtain", LabelW: 90, LabelH: 14},
			{From: "obtain", To: "deploy"},
			{From: "deploy", To: "verify", LabelW: 55, LabelH: 14},
			{From: "deploy", To: "obtain", LabelW: 55, LabelH: 14},
			{From: "verify", To: "feedback", LabelW: 80, LabelH: 14},
			{From: "verify", To: "investigate", LabelW: 100, LabelH: 14},
			{From: "feedback", To: "improve"},
			{From: "improve", To: "value"},
		},
		Roots: []string{"register", "investigate"},
	}
}

// branchy has layers holding several nodes, a self-loop and edges skipping
// layers in both directions.
func branchy() Graph {
	var g Graph
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		g.Nodes = append(g.Nodes, Node{ID: id, W: 120, H: 50 + float64(len(g.Nodes)%3)*20, Lane: []string{"x", "y"}[len(g.Nodes)%2]})
	}
	for _, e := range []string{"a-b", "a-c", "a-d", "b-e", "c-e", "d-f", "e-g", "f-g", "a-g", "e-e", "g-b", "f-c", "d-g"} {
		from, to, _ := strings.Cut(e, "-")
		g.Edges = append(g.Edges, Edge{From: from, To: to, LabelW: 40, LabelH: 14})
	}
	g.Roots = []string{"a"}
	return g
}

func TestLayeredLoops(t *testing.T) {
	g := Graph{
		Nodes: []Node{{ID: "a", W: 10, H: 10}, {ID: "b", W: 10, H: 10}, {ID: "c", W: 10, H: 10}, {ID: "d", W: 10, H: 10}},
		Edges: []Edge{{From: "a", To: "b"}, {From: "b", To: "c"}, {From: "c", To: "a"}, {From: "b", To: "d"}, {From: "d", To: "d"}},
		Roots: []string{"a"},
	}
	l, err := Layered(g, Options{})
	if err != nil {
		t.Fatalf("Layered: %v", err)
	}
	wantBack := map[string]bool{"c→a": true, "d→d": true}
	for _, r := range l.Edges {
		if got := r.Back; got != wantBack[r.From+"→"+r.To] {
			t.Errorf("edge %s → %s: Back = %v, want %v", r.From, r.To, got, !got)
		}
	}
	wantLayer := map[string]int{"a": 0, "b": 1, "c": 2, "d": 2}
	for _, p := range l.Nodes {
		if p.Layer != wantLayer[p.ID] {
			t.Errorf("node %s in layer %d, want %d", p.ID, p.Layer, wantLayer[p.ID])
		}
	}
}

// TestLayeredRootsDecideLoops checks that the search for loops starts at the
// roots: the same cycle entered elsewhere breaks at another edge.
func TestLayeredRootsDecideLoops(t *testing.T) {
	g := Graph{
		Nodes: []Node{{ID: "a", W: 10, H: 10}, {ID: "b", W: 10, H: 10}},
		Edges: []Edge{{From: "a", To: "b"}, {From: "b", To: "a"}},
	}
	for root, back := range map[string]string{"a": "b", "b": "a"} {
		g.Roots = []string{root}
		l, err := Layered(g, Options{})
		if err != nil {
			t.Fatalf("Layered: %v", err)
		}
		for _, r := range l.Edges {
			if r.Back != (r.From == back) {
				t.Errorf("root %s: edge %s → %s Back = %v", root, r.From, r.To, r.Back)
			}
		}
	}
}

func TestLayeredWrapsRows(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		maxWidth float64
		wantRows int
	}{
		{"fits in one row", 5, 0, 1},
		{"twenty steps wrap", 20, 0, 3},
		{"narrow page", 6, 700, 3},
		{"too narrow for one box", 3, 100, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Layered(chain(tt.n, 200, 90), Options{MaxWidth: tt.maxWidth})
			if err != nil {
				t.Fatalf("Layered: %v", err)
			}
			limit := tt.maxWidth
			if limit == 0 {
				limit = 2400
			}
			if l.Width > limit && tt.maxWidth >= 200 {
				t.Errorf("width %v, want at most %v", l.Width, limit)
			}
			if l.Rows != tt.wantRows {
				t.Errorf("%d rows, want %d", l.Rows, tt.wantRows)
			}
			// Rows read like text: left to right, then the next row below.
			for i := 1; i < len(l.Nodes); i++ {
				prev, cur := l.Nodes[i-1], l.Nodes[i]
				switch {
				case cur.Row == prev.Row && !(cur.Box.X > prev.Box.Right() && cur.Box.Y == prev.Box.Y):
					t.Errorf("%s is not right of %s in the same row", cur.ID, prev.ID)
				case cur.Row == prev.Row+1 && !(cur.Slot == 0 && cur.Box.Y > prev.Box.Bottom()):
					t.Errorf("%s does not start the row below %s", cur.ID, prev.ID)
				case cur.Row > prev.Row+1 || cur.Row < prev.Row:
					t.Errorf("%s in row %d after %s in row %d", cur.ID, cur.Row, prev.ID, prev.Row)
				}
			}
			checkGeometry(t, l)
		})
	}
}

func TestLayeredLanes(t *testing.T) {
	for _, g := range []Graph{restoration(), branchy()} {
		l, err := Layered(g, Options{Lanes: true, MaxWidth: 900})
		if err != nil {
			t.Fatalf("Layered: %v", err)
		}
		var order []string
		for _, ln := range l.Lanes {
			if ln.Row == 0 {
				order = append(order, ln.Key)
			}
			if !ln.Band.Contains(ln.Header) {
				t.Errorf("lane %s row %d: header %v outside the band %v", ln.Key, ln.Row, ln.Header, ln.Band)
			}
		}
		var want []string
		for _, n := range g.Nodes {
			if !slices.Contains(want, n.Lane) {
				want = append(want, n.Lane)
			}
		}
		if !reflect.DeepEqual(order, want) {
			t.Errorf("lanes %v, want them in order of first appearance %v", order, want)
		}
		for _, p := range l.Nodes {
			inside := false
			for _, ln := range l.Lanes {
				band := ln.Band
				band.Y += ln.Header.H // the header strip stays free
				band.H -= ln.Header.H
				room := p.Box
				room.Y -= p.Above
				room.H += p.Above
				if ln.Key == p.Lane && ln.Row == p.Row && band.Contains(room) {
					inside = true
				}
			}
			if !inside {
				t.Errorf("node %s (lane %s, row %d) at %v is not inside its lane", p.ID, p.Lane, p.Row, p.Box)
			}
		}
		checkGeometry(t, l)
	}
}

func TestLayeredGeometry(t *testing.T) {
	tests := []struct {
		name string
		g    Graph
		opt  Options
	}{
		{"restoration", restoration(), Options{}},
		{"restoration in lanes", restoration(), Options{Lanes: true}},
		{"restoration wrapped", restoration(), Options{MaxWidth: 800}},
		{"restoration wrapped in lanes", restoration(), Options{MaxWidth: 800, Lanes: true}},
		{"branchy", branchy(), Options{}},
		{"branchy in lanes", branchy(), Options{Lanes: true}},
		{"branchy wrapped", branchy(), Options{MaxWidth: 500}},
		{"long chain", chain(20, 216, 120), Options{Top: 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Layered(tt.g, tt.opt)
			if err != nil {
				t.Fatalf("Layered: %v", err)
			}
			if len(l.Nodes) != len(tt.g.Nodes) || len(l.Edges) != len(tt.g.Edges) {
				t.Fatalf("got %d nodes and %d edges, want %d and %d", len(l.Nodes), len(l.Edges), len(tt.g.Nodes), len(tt.g.Edges))
			}
			for _, p := range l.Nodes {
				if p.Box.Y-p.Above < tt.opt.Top {
					t.Errorf("node %s at %v reaches into the %v px kept free at the top", p.ID, p.Box, tt.opt.Top)
				}
			}
			checkGeometry(t, l)
			again, _ := Layered(tt.g, tt.opt)
			if !reflect.DeepEqual(l, again) {
				t.Errorf("two layouts of the same graph differ")
			}
		})
	}
}

// checkGeometry asserts what every layout promises: boxes (with the room
// above them) inside the drawing and apart, lines from box to box without
// crossing another box, and labels clear of the boxes.
func checkGeometry(t *testing.T, l *Layout) {
	t.Helper()
	page := Rect{0, 0, l.Width, l.Height}
	boxes := map[string]Rect{}
	for i, p := range l.Nodes {
		room := Rect{p.Box.X, p.Box.Y - p.Above, p.Box.W, p.Box.H + p.Above}
		if !page.Contains(room) {
			t.Errorf("node %s at %v is outside the drawing %v", p.ID, room, page)
		}
		for _, q := range l.Nodes[:i] {
			other := Rect{q.Box.X, q.Box.Y - q.Above, q.Box.W, q.Box.H + q.Above}
			if room.Overlaps(other) {
				t.Errorf("nodes %s %v and %s %v overlap", p.ID, room, q.ID, other)
			}
		}
		boxes[p.ID] = p.Box
	}
	for _, r := range l.Edges {
		if len(r.Points) < 2 || r.Path == "" {
			t.Errorf("edge %s → %s has no route", r.From, r.To)
			continue
		}
		first, last := r.Points[0], r.Points[len(r.Points)-1]
		if !onBorder(first, boxes[r.From]) || !onBorder(last, boxes[r.To]) {
			t.Errorf("edge %s → %s runs from %v to %v, not from box %v to box %v", r.From, r.To, first, last, boxes[r.From], boxes[r.To])
		}
		for _, pt := range sample(r) {
			if !page.Contains(Rect{pt.X, pt.Y, 0, 0}) {
				t.Errorf("edge %s → %s leaves the drawing at %v", r.From, r.To, pt)
				break
			}
			for id, b := range boxes {
				inner := Rect{b.X + 1, b.Y + 1, b.W - 2, b.H - 2}
				if inner.Contains(Rect{pt.X, pt.Y, 0, 0}) {
					t.Errorf("edge %s → %s crosses box %s at %v", r.From, r.To, id, pt)
				}
			}
		}
		if r.Label.W > 0 {
			if !page.Contains(r.Label) {
				t.Errorf("label of %s → %s at %v is outside the drawing %v", r.From, r.To, r.Label, page)
			}
			for id, b := range boxes {
				if r.Label.Overlaps(b) {
					t.Errorf("label of %s → %s at %v covers box %s %v", r.From, r.To, r.Label, id, b)
				}
			}
		}
	}
}

func onBorder(p Point, b Rect) bool {
	const eps = 0.01
	inX := p.X >= b.X-eps && p.X <= b.Right()+eps
	inY := p.Y >= b.Y-eps && p.Y <= b.Bottom()+eps
	return inX && inY && (math.Abs(p.X-b.X) < eps || math.Abs(p.X-b.Right()) < eps || math.Abs(p.Y-b.Y) < eps || math.Abs(p.Y-b.Bottom()) < eps)
}

// sample returns points every few pixels along a route.
func sample(r Route) []Point {
	var pts []Point
	if r.Curve {
		p0, p1, p2, p3 := r.Points[0], r.Points[1], r.Points[2], r.Points[3]
		for i := range 41 {
			s := float64(i) / 40
			u := 1 - s
			pts = append(pts, Point{
				u*u*u*p0.X + 3*u*u*s*p1.X + 3*u*s*s*p2.X + s*s*s*p3.X,
				u*u*u*p0.Y + 3*u*u*s*p1.Y + 3*u*s*s*p2.Y + s*s*s*p3.Y,
			})
		}
		return pts
	}
	for i := 1; i < len(r.Points); i++ {
		a, b := r.Points[i-1], r.Points[i]
		n := int(math.Hypot(b.X-a.X, b.Y-a.Y)/4) + 1
		for k := range n + 1 {
			s := float64(k) / float64(n)
			pts = append(pts, Point{a.X + (b.X-a.X)*s, a.Y + (b.Y-a.Y)*s})
		}
	}
	return pts
}

func TestLayeredErrors(t *testing.T) {
	n := func(id string) Node { return Node{ID: id, W: 10, H: 10} }
	tests := []struct {
		name string
		g    Graph
		want string
	}{
		{"no id", Graph{Nodes: []Node{{W: 1, H: 1}}}, "no id"},
		{"repeated id", Graph{Nodes: []Node{n("a"), n("a")}}, `"a" appears twice`},
		{"no size", Graph{Nodes: []Node{{ID: "a"}}}, `"a" has no size`},
		{"unknown target", Graph{Nodes: []Node{n("a")}, Edges: []Edge{{From: "a", To: "b"}}}, "unknown node"},
		{"unknown root", Graph{Nodes: []Node{n("a")}, Roots: []string{"z"}}, `root "z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Layered(tt.g, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLayeredEmpty(t *testing.T) {
	l, err := Layered(Graph{}, Options{})
	if err != nil {
		t.Fatalf("Layered: %v", err)
	}
	if len(l.Nodes) != 0 || l.Width <= 0 || l.Height < 0 {
		t.Errorf("empty graph: got %+v", l)
	}
}

func TestPathData(t *testing.T) {
	tests := []struct {
		pts  []Point
		r    float64
		want string
	}{
		{[]Point{{0, 0}, {10, 0}}, 6, "M0 0 L10 0"},
		{[]Point{{0, 0}, {0, 20}, {30, 20}}, 6, "M0 0 L0 14 Q0 20 6 20 L30 20"},
		// A corner between short legs gets a smaller radius.
		{[]Point{{0, 0}, {0, 4}, {30, 4}}, 6, "M0 0 L0 2 Q0 4 2 4 L30 4"},
	}
	for _, tt := range tests {
		if got := pathData(tt.pts, tt.r); got != tt.want {
			t.Errorf("pathData(%v) = %q, want %q", tt.pts, got, tt.want)
		}
	}
}
