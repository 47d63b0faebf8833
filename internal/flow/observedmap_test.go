package flow

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/svcflow/svcflow/internal/svgtest"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/draw"
	"github.com/svcflow/svcflow/internal/golden"
)

func TestWriteMapSVGGolden(t *testing.T) {
	d := Discover(handLog(t))
	opt := MapOptions{Title: "Hand-made log", Bottleneck: "C"}
	var svg, dot bytes.Buffer
	if err := WriteMapSVG(&svg, d, opt); err != nil {
		t.Fatal(err)
	}
	if err := WriteMapDOT(&dot, d, opt); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "map/observed-hand.svg", svg.Bytes())
	golden.Check(t, "map/observed-hand.dot", dot.Bytes())

	doc := svgtest.Parse(t, svg.Bytes())
	checkProcessMap(t, doc, d, MapOptions{})
	hot := doc.Find(func(n *svgtest.Node) bool { return n.Attr["data-activity"] == "C" })
	if hot == nil || hot.Attr["class"] != "activity bottleneck" || !strings.Contains(hot.Text(), "bottleneck") {
		t.Errorf("activity C is not marked as the bottleneck")
	}
	// C→D: 4 times, median 15 min.
	e := doc.Find(func(n *svgtest.Node) bool { return n.Attr["data-from"] == "C" && n.Attr["data-to"] == "D" })
	if e == nil || e.Child("text").Text() != "4 · 15 min" {
		t.Errorf("edge C → D has no label %q", "4 · 15 min")
	}
	// Widths run 1–6 px on a log scale up to the 5 cases ending at D:
	// 1 + 5·ln 4/ln 5 = 5.31.
	if w := e.Child("path").Attr["stroke-width"]; w != "5.31" {
		t.Errorf("edge C → D is %s px wide, want 5.31", w)
	}
	if b := doc.Find(func(n *svgtest.Node) bool { return n.Attr["data-from"] == "B" && n.Attr["data-to"] == "B" }); b == nil || !strings.Contains(b.Attr["class"], "back") {
		t.Errorf("the self-loop B → B is not drawn as a loop")
	}
	if s := doc.Find(func(n *svgtest.Node) bool { return n.Attr["class"] == "edge start" && n.Attr["data-to"] == "A" }); s == nil || s.Child("text").Text() != "4" {
		t.Errorf("no start arrow into A labelled 4")
	}
}

// A dense map of 30 activities: boxes stay apart, and no label covers a
// box (labels the layout cannot place clear of the boxes are left out).
func TestWriteMapSVGDense(t *testing.T) {
	r := rand.New(rand.NewPCG(30, 30))
	var events []dfgEvent
	for c := range 400 {
		for i := range 3 + r.IntN(12) {
			events = append(events, dfgEvent{c: fmt.Sprintf("case %d", c), a: fmt.Sprintf("Activity number %d of the dense map", r.IntN(30)), min: float64(i * r.IntN(300))})
		}
	}
	d := Discover(dfgLog(t, events))
	if len(d.Activities) != 30 || len(d.Edges) < 400 {
		t.Fatalf("got %d activities and %d edges, want 30 and a dense graph", len(d.Activities), len(d.Edges))
	}
	for _, opt := range []MapOptions{{}, {MaxEdges: 60}, {MaxWidth: 1200, Bottleneck: d.Activities[3].Name}} {
		t.Run(fmt.Sprintf("%+v", opt), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMapSVG(&buf, d, opt); err != nil {
				t.Fatal(err)
			}
			doc := svgtest.Parse(t, buf.Bytes())
			checkProcessMap(t, doc, d, opt)
			edges := 0
			doc.Walk(func(n *svgtest.Node) {
				if n.Attr["class"] == "edge" || n.Attr["class"] == "edge back" {
					edges++
				}
			})
			want := len(d.Edges)
			if opt.MaxEdges > 0 {
				want = opt.MaxEdges
			}
			if edges != want {
				t.Errorf("drew %d edges, want %d", edges, want)
			}
		})
	}
}

func TestWriteMapSVGEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMapSVG(&buf, Discover(dfgLog(t, nil)), MapOptions{}); err != nil {
		t.Fatal(err)
	}
	doc := svgtest.Parse(t, buf.Bytes())
	if doc.Child("title").Text() != "Observed process map" {
		t.Errorf("an empty map has title %q", doc.Child("title").Text())
	}
}

func TestWriteMapErrors(t *testing.T) {
	d := Discover(handLog(t))
	if err := WriteMapSVG(failWriter{}, d, MapOptions{}); !errors.Is(err, errFail) {
		t.Errorf("SVG: got %v, want the writer's error", err)
	}
	if err := WriteMapDOT(failWriter{}, d, MapOptions{}); !errors.Is(err, errFail) {
		t.Errorf("DOT: got %v, want the writer's error", err)
	}
	d.Edges = append(d.Edges, DFGEdge{From: "A", To: "nowhere", Frequency: 1})
	var buf bytes.Buffer
	if err := WriteMapSVG(&buf, d, MapOptions{}); err == nil || buf.Len() > 0 {
		t.Errorf("an edge to an unknown activity: got %v and %d bytes, want an error and nothing written", err, buf.Len())
	}
}

var errFail = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFail }

func TestWriteMapDOTEscapes(t *testing.T) {
	l := dfgLog(t, []dfgEvent{
		{c: "1", a: `say "hi"`, min: 0}, {c: "1", a: `C:\temp\new`, min: 90}, {c: "1", a: "two\nlines", min: 3000},
	})
	var buf bytes.Buffer
	if err := WriteMapDOT(&buf, Discover(l), MapOptions{Title: `The "quoted" \ title`, Bottleneck: `C:\temp\new`}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`digraph "The \"quoted\" \\ title" {`,
		`[label="say \"hi\"\n1"]`,
		`[label="C:\\temp\\new\n1\nbottleneck", class="bottleneck"`,
		`[label="two\nlines\n1"]`,
		`a1 -> a0 [label="1 · 1.5 h", penwidth=1];`,
		`a0 -> a2 [label="1 · 2 d", penwidth=1];`,
		`start -> a1 [label="1"`,
		`a2 -> end [label="1"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("DOT lacks %s:\n%s", want, out)
		}
	}
	checkDOT(t, out)
}

// checkDOT checks what makes the output a valid digraph for Graphviz: one
// digraph, balanced braces and brackets outside strings, every string
// closed on its line, and no escape other than \" \\ \n inside strings.
func checkDOT(t *testing.T, out string) {
	t.Helper()
	if !strings.HasPrefix(out, "digraph \"") || !strings.HasSuffix(out, "}\n") {
		t.Errorf("not one digraph:\n%s", out)
	}
	depth := 0
	for n, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		in := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case in && c == '\\':
				if i+1 >= len(line) || !strings.ContainsRune(`"\n`, rune(line[i+1])) {
					t.Errorf("line %d: bad escape in %s", n+1, line)
				}
				i++
			case c == '"':
				in = !in
			case !in && (c == '{' || c == '['):
				depth++
			case !in && (c == '}' || c == ']'):
				depth--
			}
		}
		if in {
			t.Errorf("line %d: unterminated string: %s", n+1, line)
		}
	}
	if depth != 0 {
		t.Errorf("unbalanced braces or brackets (%d)", depth)
	}
}

func TestMapDuration(t *testing.T) {
	tests := []struct {
		sec  float64
		want string
	}{
		{0, "0 s"}, {45, "45 s"}, {59.4, "59 s"}, {90, "1.5 min"}, {720, "12 min"}, {3600, "1 h"},
		{3.2 * 3600, "3.2 h"}, {4 * 86400, "4 d"}, {36.6 * 86400, "37 d"}, {2.25, "2.3 s"},
	}
	for _, tt := range tests {
		if got := mapDuration(tt.sec); got != tt.want {
			t.Errorf("mapDuration(%v) = %q, want %q", tt.sec, got, tt.want)
		}
	}
	if got := groupDigits(1234567); got != "1,234,567" {
		t.Errorf("groupDigits = %q", got)
	}
}

// checkProcessMap asserts what every observed map promises: a titled,
// labelled SVG image without styles or scripts, a box per activity holding
// its text (per activity a drawn edge joins, with opt.MaxEdges), no two
// boxes overlapping and no edge label over a box.
func checkProcessMap(t *testing.T, doc *svgtest.Node, d *DFG, opt MapOptions) {
	t.Helper()
	if doc.Name != "svg" || doc.Attr["role"] != "img" || !strings.HasPrefix(doc.Attr["viewBox"], "0 0 ") {
		t.Errorf("root is <%s role=%q viewBox=%q>, want an svg image with a viewBox", doc.Name, doc.Attr["role"], doc.Attr["viewBox"])
	}
	for _, id := range strings.Fields(doc.Attr["aria-labelledby"]) {
		if doc.Find(func(n *svgtest.Node) bool { return n.Attr["id"] == id }) == nil {
			t.Errorf("aria-labelledby names %q, which is not in the document", id)
		}
	}
	if doc.Child("desc") == nil {
		t.Errorf("no desc")
	}
	doc.Walk(func(n *svgtest.Node) {
		if n.Name == "style" || n.Name == "script" || n.Name == "foreignObject" {
			t.Errorf("found a <%s> element", n.Name)
		}
		for k := range n.Attr {
			if k == "style" || strings.HasPrefix(k, "on") {
				t.Errorf("<%s> has a %s attribute", n.Name, k)
			}
		}
		if fs, ok := n.Attr["font-size"]; ok && svgtest.Num(t, fs) < 11 {
			t.Errorf("<%s> has font size %s, want at least 11", n.Name, fs)
		}
	})
	joined := map[string]bool{}
	for i, e := range d.Edges {
		if opt.MaxEdges == 0 || i < opt.MaxEdges {
			joined[e.From], joined[e.To] = true, true
		}
	}
	boxes := map[string]draw.Rect{}
	for _, a := range d.Activities {
		g := doc.Find(func(n *svgtest.Node) bool { return n.Name == "g" && n.Attr["data-activity"] == a.Name })
		if g == nil {
			if opt.MaxEdges == 0 || joined[a.Name] {
				t.Errorf("no box for activity %q", a.Name)
			}
			continue
		}
		if opt.MaxEdges > 0 && !joined[a.Name] {
			t.Errorf("activity %q is drawn, but no drawn edge joins it", a.Name)
		}
		if !strings.Contains(g.Child("title").Text(), a.Name) {
			t.Errorf("activity %q: title %q lacks the name", a.Name, g.Child("title").Text())
		}
		box := svgtest.Rect(t, g.Child("rect"))
		boxes[a.Name] = box
		if !strings.Contains(g.Text(), groupDigits(a.Frequency)) {
			t.Errorf("activity %q does not show its frequency", a.Name)
		}
		for _, tx := range g.Children {
			if tx.Name != "text" {
				continue
			}
			size := svgtest.Num(t, tx.Attr["font-size"])
			for _, ts := range tx.Children {
				w := draw.TextWidth(ts.Text(), size)
				if tx.Attr["font-weight"] == "bold" {
					w *= draw.BoldFactor
				}
				line := draw.Rect{X: svgtest.Num(t, ts.Attr["x"]), Y: svgtest.Num(t, ts.Attr["y"]) - size, W: w, H: size * 1.25}
				if !box.Contains(line) {
					t.Errorf("activity %q: line %q at %v is outside its box %v", a.Name, ts.Text(), line, box)
				}
			}
		}
	}
	for _, id := range []string{"start", "end"} {
		if g := doc.Find(func(n *svgtest.Node) bool { return n.Name == "g" && n.Attr["class"] == id }); g != nil {
			boxes[":"+id] = svgtest.Rect(t, g.Child("rect"))
		} else if len(d.Activities) > 0 {
			t.Errorf("no %s marker", id)
		}
	}
	names := make([]string, 0, len(boxes))
	for k := range boxes {
		names = append(names, k)
	}
	for i, a := range names {
		for _, b := range names[i+1:] {
			if boxes[a].Overlaps(boxes[b]) {
				t.Errorf("boxes of %q %v and %q %v overlap", a, boxes[a], b, boxes[b])
			}
		}
	}
	doc.Walk(func(n *svgtest.Node) {
		if n.Name != "text" || n.Attr["class"] != "label" {
			return
		}
		size := svgtest.Num(t, n.Attr["font-size"])
		w, h := draw.TextWidth(n.Text(), size)+6, size*draw.LineSpacing
		cx, cy := svgtest.Num(t, n.Attr["x"]), svgtest.Num(t, n.Attr["y"])-size*0.35
		label := draw.Rect{X: cx - w/2, Y: cy - h/2, W: w, H: h}
		for k, b := range boxes {
			if label.Overlaps(b) {
				t.Errorf("label %q at %v covers the box of %q %v", n.Text(), label, k, b)
			}
		}
	})
}
