package draw

import (
	"bytes"
	"encoding/xml"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/golden"
)

func TestChartGolden(t *testing.T) {
	cats := []string{"W1", "W2", "W3", "W4"}
	for _, tc := range []struct {
		name       string
		kind       ChartKind
		horizontal bool
	}{{"bars", Bars, false}, {"stack", Stack, false}, {"lines", Lines, false}, {"hbars", Bars, true}, {"hstack", Stack, true}} {
		c := Chart{ID: "c-" + tc.name, Title: "Throughput", Desc: "items per week", Kind: tc.kind, Categories: cats, Horizontal: tc.horizontal,
			YLabel: "items", Series: []Series{{"done", []float64{3, 5, math.NaN(), 8}}, {"cancelled", []float64{1, 0, 2, 1}}}}
		var b bytes.Buffer
		if err := c.WriteSVG(&b); err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
			t.Fatalf("%s: not well-formed: %v", tc.name, err)
		}
		golden.Check(t, "chart/"+tc.name+".svg", b.Bytes())
	}
}

func TestChartBarsAndGaps(t *testing.T) {
	c := Chart{ID: "h", Title: "t", Kind: Bars, Categories: []string{"a", "b", "c"},
		Series: []Series{{"n", []float64{2, math.NaN(), 0}}}}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	// One background rect plus one bar: NaN and zero draw nothing.
	if got := strings.Count(b.String(), "<rect"); got != 2 {
		t.Errorf("%d rects, want 2", got)
	}
	if !strings.Contains(b.String(), "<title>a: 2</title>") {
		t.Errorf("bar tooltip missing:\n%s", b.String())
	}
}

func TestChartRefusesRaggedSeries(t *testing.T) {
	var b bytes.Buffer
	err := Chart{ID: "x", Categories: []string{"a", "b"}, Series: []Series{{"s", []float64{1}}}}.WriteSVG(&b)
	if err == nil || !strings.Contains(err.Error(), `series "s" has 1 values for 2 categories`) || b.Len() != 0 {
		t.Errorf("err %v, wrote %d bytes", err, b.Len())
	}
	if err := (Chart{ID: "x"}).WriteSVG(&b); err == nil {
		t.Error("a chart without categories was drawn")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want []float64
	}{
		{0, []float64{0, 1}},
		{10, []float64{0, 2, 4, 6, 8, 10}},
		{11, []float64{0, 5, 10, 15}},
		{0.7, []float64{0, 0.2, 0.4, 0.6, 0.8}},
		{4300, []float64{0, 1000, 2000, 3000, 4000, 5000}},
	} {
		if got := niceTicks(tc.max, 5); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("niceTicks(%v) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

func TestHorizontalChartCutsLongLabels(t *testing.T) {
	long := strings.Repeat("Take in charge ticket ", 20)
	c := Chart{ID: "h", Title: "t", Kind: Stack, Horizontal: true, Width: 600, Categories: []string{long, "b"},
		Series: []Series{{"wait", []float64{2, 1}}, {"cycle", []float64{1, 3}}}}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, ">"+long+"<") || !strings.Contains(out, "…</text>") {
		t.Errorf("the long label was not cut")
	}
	// The full name stays in the tooltip.
	if !strings.Contains(out, "<title>wait, "+long+": 2</title>") {
		t.Errorf("tooltip lost the full name")
	}
	// Stacked: cycle starts where wait ends (x of the second rect = x + width of the first).
	if got := strings.Count(out, `class="series-`); got != 4 {
		t.Errorf("%d bars, want 4", got)
	}
}
