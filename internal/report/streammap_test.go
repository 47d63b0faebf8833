package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/golden"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/draw"
)

// restorationStream is shaped like the library's restoration of a live
// service: a branch from step 2 straight to value, a loop from verification
// back to investigation, an approval that sends rejected fixes back, a
// spawn, and two entry points.
func restorationStream() *svcflow.ValueStream {
	d := svcflow.MustParseDuration
	return &svcflow.ValueStream{
		Schema:         svcflow.SchemaV1,
		ID:             "restore-test",
		Revision:       2,
		Name:           "Restoration of a live service",
		Owner:          "Service desk manager",
		Demand:         "A user cannot use a live service",
		Value:          "The user can use the service again",
		TargetLeadTime: d("8h"),
		EntryPoints:    map[string]string{"user": "register", "monitoring": "investigate"},
		Steps: []svcflow.Step{
			{ID: "register", Number: 1, Name: "Acknowledge and register the user query", Activity: svcflow.Engage,
				Team: "service-desk", TargetLeadTime: d("15m"), Next: []svcflow.Transition{{To: "investigate", Probability: 1}}},
			{ID: "investigate", Number: 2, Name: "Investigate the query, reclassify it as an incident, and attempt to fix it",
				Activity: svcflow.DeliverSupport, Team: "service-desk", TargetLeadTime: d("30m"), Outcomes: []string{"fixed", "not_fixed"},
				Next: []svcflow.Transition{{When: "fixed", To: svcflow.End, Probability: 0.7}, {When: "not_fixed", To: "obtain-fix", Probability: 0.3}}},
			{ID: "obtain-fix", Number: 3, Name: "Obtain a fix from the specialist team", Activity: svcflow.ObtainBuild,
				Team: "specialists", TargetLeadTime: d("4h"), WIPLimit: 5,
				Spawn: []svcflow.Spawn{{Kind: svcflow.Kind("change"), Stream: "service-change", WaitFor: svcflow.End}},
				Next:  []svcflow.Transition{{To: "deploy-fix", Probability: 1}}},
			{ID: "deploy-fix", Number: 4, Name: "Deploy the fix", Activity: svcflow.DesignTransition, Team: "specialists",
				TargetLeadTime: d("1h"),
				Approval:       &svcflow.Approval{Approvers: []svcflow.Approver{{Role: "change-authority"}}, Quorum: 1, OnReject: "obtain-fix"},
				Next:           []svcflow.Transition{{When: svcflow.Approved, To: "verify", Probability: 1}}},
			{ID: "verify", Number: 5, Name: "Verify that the service is restored", Activity: svcflow.DeliverSupport,
				Team: "service-desk", TargetLeadTime: d("30m"), Resolves: true, Outcomes: []string{"restored", "not_restored"},
				Next: []svcflow.Transition{{When: "restored", To: "feedback", Probability: 0.9}, {When: "not_restored", To: "investigate", Probability: 0.1}}},
			{ID: "feedback", Number: 6, Name: "Request feedback from the user", Activity: svcflow.Engage, Team: "service-desk",
				Automated: true, Next: []svcflow.Transition{{To: "improve", Probability: 1}}},
			{ID: "improve", Number: 7, Name: "Identify improvements", Activity: svcflow.Improve, Team: "problem-management",
				TargetLeadTime: d("2bd"), Next: []svcflow.Transition{{To: svcflow.End, Probability: 1}}},
		},
	}
}

// longChainStream has 20 steps in a row, each with a long name, to check that
// the map wraps into rows instead of growing wide.
func longChainStream() *svcflow.ValueStream {
	s := &svcflow.ValueStream{Schema: svcflow.SchemaV1, ID: "long-chain", Revision: 1, Name: "A very long onboarding stream with twenty steps"}
	acts := svcflow.ActivityIDs()
	for i := range 20 {
		next := svcflow.End
		if i < 19 {
			next = fmt.Sprintf("step-%02d", i+2)
		}
		s.Steps = append(s.Steps, svcflow.Step{
			ID:       fmt.Sprintf("step-%02d", i+1),
			Number:   i + 1,
			Name:     fmt.Sprintf("Coordinate the extraordinarily comprehensive verification of prerequisite number %d with every stakeholder involved", i+1),
			Activity: svcflow.Activity(acts[i%len(acts)]),
			Team:     []string{"people-ops", "identity", "facilities"}[i%3],
			Next:     []svcflow.Transition{{To: next, Probability: 1}},
		})
	}
	return s
}

// accessStream crosses three teams, with an approval that cancels on
// rejection and a branch that skips a step.
func accessStream() *svcflow.ValueStream {
	d := svcflow.MustParseDuration
	return &svcflow.ValueStream{
		Schema: svcflow.SchemaV1, ID: "access-test", Revision: 1, Name: "Access to an HR application",
		TargetLeadTime: d("4h"),
		Steps: []svcflow.Step{
			{ID: "log", Number: 1, Name: "Log the access request", Activity: svcflow.Engage, Team: "service-desk",
				TargetLeadTime: d("2m"), Next: []svcflow.Transition{{To: "approve", Probability: 1}}},
			{ID: "approve", Number: 2, Name: "Approve access", Activity: svcflow.Plan, Team: "line-managers", TargetLeadTime: d("1h"),
				Approval: &svcflow.Approval{Approvers: []svcflow.Approver{{Role: "line-manager"}}, Quorum: 1, OnReject: svcflow.CancelOnReject},
				Next:     []svcflow.Transition{{To: "configure", Probability: 1}}},
			{ID: "configure", Number: 3, Name: "Configure the account", Activity: svcflow.ObtainBuild, Team: "identity",
				Automated: true, TargetLeadTime: d("15m"), Outcomes: []string{"done", "needs_training"},
				Next: []svcflow.Transition{{When: "done", To: "confirm", Probability: 0.8}, {When: "needs_training", To: "train", Probability: 0.2}}},
			{ID: "train", Number: 4, Name: "Train the new user", Activity: svcflow.DeliverSupport, Team: "service-desk",
				Next: []svcflow.Transition{{To: "confirm", Probability: 1}}},
			{ID: "confirm", Number: 5, Name: "Confirm access with the user", Activity: svcflow.Engage, Team: "service-desk",
				Resolves: true, Next: []svcflow.Transition{{To: svcflow.End, Probability: 1}}},
		},
	}
}

func TestMap(t *testing.T) {
	tests := []struct {
		name   string
		stream *svcflow.ValueStream
		opt    MapOptions
		golden string
	}{
		{"restoration", restorationStream(), MapOptions{}, "map-restoration.svg"},
		{"restoration in lanes", restorationStream(), MapOptions{Lanes: true}, "map-restoration-lanes.svg"},
		{"long chain", longChainStream(), MapOptions{}, "map-long-chain.svg"},
		{"long chain in lanes", longChainStream(), MapOptions{Lanes: true}, "map-long-chain-lanes.svg"},
		{"access in lanes", accessStream(), MapOptions{Lanes: true}, "map-access-lanes.svg"},
		{"restoration on a narrow page", restorationStream(), MapOptions{MaxWidth: 1000}, ""},
		{"restoration in lanes on a narrow page", restorationStream(), MapOptions{MaxWidth: 1000, Lanes: true}, ""},
		{"no steps", &svcflow.ValueStream{ID: "empty", Name: "Nothing yet"}, MapOptions{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Map(&buf, tt.stream, tt.opt); err != nil {
				t.Fatalf("Map: %v", err)
			}
			doc := parseSVG(t, buf.Bytes())
			checkSVG(t, doc, tt.stream, tt.opt)
			if tt.golden != "" {
				golden.Check(t, tt.golden, buf.Bytes())
			}
		})
	}
}

func TestMapBranchesAndLoops(t *testing.T) {
	var buf bytes.Buffer
	if err := Map(&buf, restorationStream(), MapOptions{}); err != nil {
		t.Fatalf("Map: %v", err)
	}
	doc := parseSVG(t, buf.Bytes())
	tests := []struct {
		from, to string
		class    string
		label    string
		titleHas string
	}{
		{"investigate", "value", "edge", "fixed 70%", "investigate → value when fixed (p=0.7)"},
		{"investigate", "obtain-fix", "edge", "not_fixed 30%", "when not_fixed (p=0.3)"},
		{"verify", "investigate", "edge back", "not_restored 10%", "verify → investigate"},
		{"deploy-fix", "obtain-fix", "edge back reject", "rejected", "rejected (on_reject)"},
		{"register", "investigate", "edge", "", "register → investigate"},
	}
	for _, tt := range tests {
		e := doc.find(func(n *elem) bool { return n.attr["data-from"] == tt.from && n.attr["data-to"] == tt.to })
		if e == nil {
			t.Errorf("no edge %s → %s", tt.from, tt.to)
			continue
		}
		if got := e.attr["class"]; got != tt.class {
			t.Errorf("edge %s → %s: class %q, want %q", tt.from, tt.to, got, tt.class)
		}
		if got := e.child("title").text(); !strings.Contains(got, tt.titleHas) {
			t.Errorf("edge %s → %s: title %q, want it to contain %q", tt.from, tt.to, got, tt.titleHas)
		}
		if p := e.child("path"); p == nil || !strings.HasPrefix(p.attr["marker-end"], "url(#") {
			t.Errorf("edge %s → %s: no path with an arrowhead", tt.from, tt.to)
		}
		var label string
		if l := e.child("text"); l != nil {
			label = l.text()
		}
		if label != tt.label {
			t.Errorf("edge %s → %s: label %q, want %q", tt.from, tt.to, label, tt.label)
		}
	}
	if e := doc.find(func(n *elem) bool {
		return n.attr["data-to"] == "obtain-fix" && strings.Contains(n.attr["class"], "reject")
	}); e != nil {
		if e.child("path").attr["stroke-dasharray"] == "" {
			t.Errorf("rejection edge is not dashed")
		}
	}
	texts := doc.allText()
	for _, want := range []string{"entry: monitoring", "start", "spawns change → service-change", "✓ resolves", "approval", "automated", "target 30m", "WIP limit 5", "team: service-desk", "Deliver and support"} {
		if !strings.Contains(texts, want) {
			t.Errorf("map does not show %q", want)
		}
	}
	if end := doc.find(func(n *elem) bool { return n.attr["id"] == "step-value" }); end == nil || end.attr["class"] != "end" || end.attr["data-step"] != "value" {
		t.Errorf("no end node step-value with class end")
	}
}

func TestMapErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *svcflow.ValueStream)
		want string
	}{
		{"unknown transition target", func(s *svcflow.ValueStream) { s.Steps[0].Next[0].To = "nowhere" }, `unknown step "nowhere"`},
		{"unknown reject target", func(s *svcflow.ValueStream) { s.Steps[3].Approval.OnReject = "gone" }, `unknown step "gone"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := restorationStream()
			tt.edit(s)
			var buf bytes.Buffer
			err := Map(&buf, s, MapOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Map: got error %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Map wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}

func TestMapWriteError(t *testing.T) {
	err := Map(failingWriter{}, restorationStream(), MapOptions{})
	if !errors.Is(err, errWrite) {
		t.Fatalf("Map: got %v, want the writer's error", err)
	}
}

var errWrite = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

// checkSVG asserts what every stream map promises.
func checkSVG(t *testing.T, doc *elem, s *svcflow.ValueStream, opt MapOptions) {
	t.Helper()
	if doc.name != "svg" || doc.attr["xmlns"] != "http://www.w3.org/2000/svg" || doc.attr["role"] != "img" {
		t.Errorf("root is <%s xmlns=%q role=%q>, want an svg image", doc.name, doc.attr["xmlns"], doc.attr["role"])
	}
	if got := doc.child("title").text(); got != s.Name {
		t.Errorf("document title %q, want %q", got, s.Name)
	}
	for _, id := range strings.Fields(doc.attr["aria-labelledby"]) {
		if doc.find(func(n *elem) bool { return n.attr["id"] == id }) == nil {
			t.Errorf("aria-labelledby names %q, which is not in the document", id)
		}
	}
	maxW := opt.MaxWidth
	if maxW == 0 {
		maxW = 2400
	}
	if w := num(t, doc.attr["width"]); w > maxW {
		t.Errorf("map is %v px wide, want at most %v", w, maxW)
	}
	doc.walk(func(n *elem) {
		if n.name == "style" || n.name == "script" || n.name == "foreignObject" {
			t.Errorf("found a <%s> element", n.name)
		}
		for k := range n.attr {
			if k == "style" || strings.HasPrefix(k, "on") {
				t.Errorf("<%s> has a %s attribute", n.name, k)
			}
		}
		if fs, ok := n.attr["font-size"]; ok && num(t, fs) < 11 {
			t.Errorf("<%s class=%q> has font size %s, want at least 11", n.name, n.attr["class"], fs)
		}
	})

	boxes := map[string]draw.Rect{}
	for _, st := range s.Steps {
		g := doc.find(func(n *elem) bool { return n.name == "g" && n.attr["id"] == "step-"+st.ID })
		if g == nil {
			t.Errorf("no <g id=step-%s>", st.ID)
			continue
		}
		if want := "step " + draw.ActivitySwatch(st.Activity).Class; g.attr["class"] != want || g.attr["data-step"] != st.ID {
			t.Errorf("step %s: class %q data-step %q, want %q and %q", st.ID, g.attr["class"], g.attr["data-step"], want, st.ID)
		}
		if title := g.child("title"); title == nil || !strings.Contains(title.text(), st.Name) || !strings.Contains(title.text(), strconv.Itoa(st.Number)) {
			t.Errorf("step %s: title does not hold its number and full name %q", st.ID, st.Name)
		}
		box := rectOf(t, g.child("rect"))
		boxes[st.ID] = box
		if want := draw.ActivitySwatch(st.Activity).Fill; g.child("rect").attr["fill"] != want {
			t.Errorf("step %s: fill %s, want the activity colour %s", st.ID, g.child("rect").attr["fill"], want)
		}
		checkTextInside(t, st.ID, g, box)
	}
	if end := doc.find(func(n *elem) bool { return n.attr["id"] == "step-value" }); end != nil {
		boxes["value"] = rectOf(t, end.child("rect"))
		checkTextInside(t, "value", end, boxes["value"])
	}
	ids := make([]string, 0, len(boxes))
	for id := range boxes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, a := range ids {
		for _, b := range ids[i+1:] {
			if boxes[a].Overlaps(boxes[b]) {
				t.Errorf("boxes of %s %v and %s %v overlap", a, boxes[a], b, boxes[b])
			}
		}
	}
	for _, st := range s.Steps {
		for _, next := range st.Successors() {
			if doc.find(func(n *elem) bool { return n.attr["data-from"] == st.ID && n.attr["data-to"] == next }) == nil {
				t.Errorf("no edge %s → %s", st.ID, next)
			}
		}
	}
	if opt.Lanes {
		lanes := map[string][]draw.Rect{}
		doc.walk(func(n *elem) {
			if n.attr["class"] == "lane" {
				lanes[n.attr["data-lane"]] = append(lanes[n.attr["data-lane"]], rectOf(t, n.child("rect")))
			}
		})
		for _, st := range s.Steps {
			inside := slices.ContainsFunc(lanes[st.Team], func(r draw.Rect) bool { return r.Contains(boxes[st.ID]) })
			if !inside {
				t.Errorf("step %s is not inside a lane of team %s", st.ID, st.Team)
			}
		}
	}
}

// checkTextInside asserts that every line of text in a box fits inside it by
// the fixed-width estimate. Entry annotations sit above the box on purpose.
func checkTextInside(t *testing.T, id string, g *elem, box draw.Rect) {
	t.Helper()
	var visit func(n *elem)
	visit = func(n *elem) {
		switch {
		case n.name == "g" && n.attr["class"] == "entry":
			return
		case n.name == "text":
			checkLines(t, id, n, box)
			return
		}
		for _, c := range n.children {
			visit(c)
		}
	}
	visit(g)
}

func checkLines(t *testing.T, id string, n *elem, box draw.Rect) {
	t.Helper()
	size := num(t, n.attr["font-size"])
	factor := 1.0
	if n.attr["font-weight"] == "bold" {
		factor = boldFactor
	}
	for _, ts := range n.children {
		x, y := num(t, ts.attr["x"]), num(t, ts.attr["y"])
		w := draw.TextWidth(ts.text(), size) * factor
		left := x
		switch n.attr["text-anchor"] {
		case "middle":
			left = x - w/2
		case "end":
			left = x - w
		}
		// From the ascender to the descender, roughly.
		line := draw.Rect{X: left, Y: y - size, W: w, H: size * 1.25}
		if !box.Contains(line) {
			t.Errorf("%s: line %q at %v is not inside its box %v", id, ts.text(), line, box)
		}
	}
}

// elem is just enough of a DOM to check the maps.
type elem struct {
	name     string
	attr     map[string]string
	children []*elem
	chars    string
}

// parseSVG decodes every token, failing on anything that is not well-formed
// XML.
func parseSVG(t *testing.T, b []byte) *elem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*elem
	var root *elem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &elem{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				name := a.Name.Local
				if a.Name.Space != "" && a.Name.Local != "xmlns" && a.Name.Space != "xmlns" {
					name = a.Name.Space + ":" + name
				}
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					name = "xmlns"
				}
				e.attr[name] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, e)
			} else if root == nil {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].chars += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatal("SVG has no root element")
	}
	return root
}

func (e *elem) walk(f func(*elem)) {
	f(e)
	for _, c := range e.children {
		c.walk(f)
	}
}

func (e *elem) find(match func(*elem) bool) *elem {
	var found *elem
	e.walk(func(n *elem) {
		if found == nil && match(n) {
			found = n
		}
	})
	return found
}

func (e *elem) child(name string) *elem {
	if e == nil {
		return nil
	}
	for _, c := range e.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// text returns the character data of e and its descendants.
func (e *elem) text() string {
	if e == nil {
		return ""
	}
	s := e.chars
	for _, c := range e.children {
		s += c.text()
	}
	return s
}

// allText returns the text of every text element, its wrapped lines joined
// by spaces again, one element a line.
func (e *elem) allText() string {
	var b strings.Builder
	e.walk(func(n *elem) {
		if n.name != "text" {
			return
		}
		var lines []string
		for _, c := range n.children {
			lines = append(lines, c.text())
		}
		if len(lines) == 0 {
			lines = []string{n.chars}
		}
		b.WriteString(strings.Join(lines, " ") + "\n")
	})
	return b.String()
}

func rectOf(t *testing.T, e *elem) draw.Rect {
	t.Helper()
	if e == nil {
		t.Fatal("missing rect")
	}
	return draw.Rect{X: num(t, e.attr["x"]), Y: num(t, e.attr["y"]), W: num(t, e.attr["width"]), H: num(t, e.attr["height"])}
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}
