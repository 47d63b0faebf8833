package report

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/svgtest"

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
			doc := svgtest.Parse(t, buf.Bytes())
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
	doc := svgtest.Parse(t, buf.Bytes())
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
		e := doc.Find(func(n *svgtest.Node) bool { return n.Attr["data-from"] == tt.from && n.Attr["data-to"] == tt.to })
		if e == nil {
			t.Errorf("no edge %s → %s", tt.from, tt.to)
			continue
		}
		if got := e.Attr["class"]; got != tt.class {
			t.Errorf("edge %s → %s: class %q, want %q", tt.from, tt.to, got, tt.class)
		}
		if got := e.Child("title").Text(); !strings.Contains(got, tt.titleHas) {
			t.Errorf("edge %s → %s: title %q, want it to contain %q", tt.from, tt.to, got, tt.titleHas)
		}
		if p := e.Child("path"); p == nil || !strings.HasPrefix(p.Attr["marker-end"], "url(#") {
			t.Errorf("edge %s → %s: no path with an arrowhead", tt.from, tt.to)
		}
		var label string
		if l := e.Child("text"); l != nil {
			label = l.Text()
		}
		if label != tt.label {
			t.Errorf("edge %s → %s: label %q, want %q", tt.from, tt.to, label, tt.label)
		}
	}
	if e := doc.Find(func(n *svgtest.Node) bool {
		return n.Attr["data-to"] == "obtain-fix" && strings.Contains(n.Attr["class"], "reject")
	}); e != nil {
		if e.Child("path").Attr["stroke-dasharray"] == "" {
			t.Errorf("rejection edge is not dashed")
		}
	}
	texts := doc.AllText()
	for _, want := range []string{"entry: monitoring", "start", "spawns change → service-change", "✓ resolves", "approval", "automated", "target 30m", "WIP limit 5", "team: service-desk", "Deliver and support"} {
		if !strings.Contains(texts, want) {
			t.Errorf("map does not show %q", want)
		}
	}
	if end := doc.Find(func(n *svgtest.Node) bool { return n.Attr["id"] == "step-value" }); end == nil || end.Attr["class"] != "end" || end.Attr["data-step"] != "value" {
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
func checkSVG(t *testing.T, doc *svgtest.Node, s *svcflow.ValueStream, opt MapOptions) {
	t.Helper()
	if doc.Name != "svg" || doc.Attr["xmlns"] != "http://www.w3.org/2000/svg" || doc.Attr["role"] != "img" {
		t.Errorf("root is <%s xmlns=%q role=%q>, want an svg image", doc.Name, doc.Attr["xmlns"], doc.Attr["role"])
	}
	if got := doc.Child("title").Text(); got != s.Name {
		t.Errorf("document title %q, want %q", got, s.Name)
	}
	for _, id := range strings.Fields(doc.Attr["aria-labelledby"]) {
		if doc.Find(func(n *svgtest.Node) bool { return n.Attr["id"] == id }) == nil {
			t.Errorf("aria-labelledby names %q, which is not in the document", id)
		}
	}
	maxW := opt.MaxWidth
	if maxW == 0 {
		maxW = 2400
	}
	if w := svgtest.Num(t, doc.Attr["width"]); w > maxW {
		t.Errorf("map is %v px wide, want at most %v", w, maxW)
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
			t.Errorf("<%s class=%q> has font size %s, want at least 11", n.Name, n.Attr["class"], fs)
		}
	})

	boxes := map[string]draw.Rect{}
	for _, st := range s.Steps {
		g := doc.Find(func(n *svgtest.Node) bool { return n.Name == "g" && n.Attr["id"] == "step-"+st.ID })
		if g == nil {
			t.Errorf("no <g id=step-%s>", st.ID)
			continue
		}
		if want := "step " + draw.ActivitySwatch(st.Activity).Class; g.Attr["class"] != want || g.Attr["data-step"] != st.ID {
			t.Errorf("step %s: class %q data-step %q, want %q and %q", st.ID, g.Attr["class"], g.Attr["data-step"], want, st.ID)
		}
		if title := g.Child("title"); title == nil || !strings.Contains(title.Text(), st.Name) || !strings.Contains(title.Text(), strconv.Itoa(st.Number)) {
			t.Errorf("step %s: title does not hold its number and full name %q", st.ID, st.Name)
		}
		box := svgtest.Rect(t, g.Child("rect"))
		boxes[st.ID] = box
		if want := draw.ActivitySwatch(st.Activity).Fill; g.Child("rect").Attr["fill"] != want {
			t.Errorf("step %s: fill %s, want the activity colour %s", st.ID, g.Child("rect").Attr["fill"], want)
		}
		checkTextInside(t, st.ID, g, box)
	}
	if end := doc.Find(func(n *svgtest.Node) bool { return n.Attr["id"] == "step-value" }); end != nil {
		boxes["value"] = svgtest.Rect(t, end.Child("rect"))
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
			if doc.Find(func(n *svgtest.Node) bool { return n.Attr["data-from"] == st.ID && n.Attr["data-to"] == next }) == nil {
				t.Errorf("no edge %s → %s", st.ID, next)
			}
		}
	}
	if opt.Lanes {
		lanes := map[string][]draw.Rect{}
		doc.Walk(func(n *svgtest.Node) {
			if n.Attr["class"] == "lane" {
				lanes[n.Attr["data-lane"]] = append(lanes[n.Attr["data-lane"]], svgtest.Rect(t, n.Child("rect")))
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
func checkTextInside(t *testing.T, id string, g *svgtest.Node, box draw.Rect) {
	t.Helper()
	var visit func(n *svgtest.Node)
	visit = func(n *svgtest.Node) {
		switch {
		case n.Name == "g" && n.Attr["class"] == "entry":
			return
		case n.Name == "text":
			checkLines(t, id, n, box)
			return
		}
		for _, c := range n.Children {
			visit(c)
		}
	}
	visit(g)
}

func checkLines(t *testing.T, id string, n *svgtest.Node, box draw.Rect) {
	t.Helper()
	size := svgtest.Num(t, n.Attr["font-size"])
	factor := 1.0
	if n.Attr["font-weight"] == "bold" {
		factor = draw.BoldFactor
	}
	for _, ts := range n.Children {
		x, y := svgtest.Num(t, ts.Attr["x"]), svgtest.Num(t, ts.Attr["y"])
		w := draw.TextWidth(ts.Text(), size) * factor
		left := x
		switch n.Attr["text-anchor"] {
		case "middle":
			left = x - w/2
		case "end":
			left = x - w
		}
		// From the ascender to the descender, roughly.
		line := draw.Rect{X: left, Y: y - size, W: w, H: size * 1.25}
		if !box.Contains(line) {
			t.Errorf("%s: line %q at %v is not inside its box %v", id, ts.Text(), line, box)
		}
	}
}
