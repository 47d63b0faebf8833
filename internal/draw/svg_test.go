package draw

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Open("svg", A("xmlns", "http://www.w3.org/2000/svg"), N("width", 100.126), N("height", 50))
	w.Text("title", `Fish & "chips" <fast>`)
	w.Open("g", A("class", "step"), A("data-step", `a"b<c>&d`))
	w.Empty("rect", N("x", 1.5), N("y", -0.001), N("width", 10), N("height", 10))
	w.Open("text", A("x", "0"))
	w.Text("tspan", "line one", A("x", "0"), A("y", "10"))
	w.Text("tspan", "line two", A("x", "0"), A("y", "24"))
	w.End()
	w.End()
	w.End()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	want := `<svg xmlns="http://www.w3.org/2000/svg" width="100.13" height="50">
  <title>Fish &amp; &#34;chips&#34; &lt;fast&gt;</title>
  <g class="step" data-step="a&#34;b&lt;c&gt;&amp;d">
    <rect x="1.5" y="0" width="10" height="10"/>
    <text x="0"><tspan x="0" y="10">line one</tspan><tspan x="0" y="24">line two</tspan></text>
  </g>
</svg>
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	dec := xml.NewDecoder(&buf)
	var title, step string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
			step = se.Attr[1].Value
		}
		if cd, ok := tok.(xml.CharData); ok && title == "" && strings.TrimSpace(string(cd)) != "" {
			title = string(cd)
		}
	}
	if title != `Fish & "chips" <fast>` || step != `a"b<c>&d` {
		t.Errorf("escaping did not round-trip: title %q, data-step %q", title, step)
	}
}

func TestWriterRefuses(t *testing.T) {
	tests := []struct {
		name string
		draw func(w *Writer)
		want string
	}{
		{"style attribute", func(w *Writer) { w.Empty("rect", A("style", "fill:red")) }, "attribute style"},
		{"style attribute in capitals", func(w *Writer) { w.Empty("rect", A("STYLE", "fill:red")) }, "attribute STYLE"},
		{"event handler", func(w *Writer) { w.Empty("rect", A("onclick", "alert(1)")) }, "attribute onclick"},
		{"style element", func(w *Writer) { w.Text("style", "rect{fill:red}") }, "element style"},
		{"script element", func(w *Writer) { w.Open("script") }, "element script"},
		{"foreign object", func(w *Writer) { w.Open("foreignObject") }, "element foreignObject"},
		{"repeated attribute", func(w *Writer) { w.Empty("rect", A("x", "1"), A("x", "2")) }, "given twice"},
		{"bad attribute name", func(w *Writer) { w.Empty("rect", A(`x="1" y`, "2")) }, "bad attribute name"},
		{"bad element name", func(w *Writer) { w.Empty("a b") }, "bad element name"},
		{"unclosed element", func(w *Writer) { w.Open("g") }, "not ended"},
		{"end without open", func(w *Writer) { w.End(); w.End() }, "end without"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			w.Open("svg")
			tt.draw(w)
			w.End()
			err := w.Close()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Close: got %v, want an error containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %q despite the error", buf.String())
			}
		})
	}
}

func TestWriterReportsWriteError(t *testing.T) {
	w := NewWriter(errWriter{})
	w.Empty("svg")
	if err := w.Close(); !errors.Is(err, errDiskFull) {
		t.Fatalf("Close: got %v, want the writer's error", err)
	}
}

var errDiskFull = errors.New("disk full")

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestNum(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{-0.001, "0"},
		{12, "12"},
		{1.5, "1.5"},
		{2.345, "2.35"},
		{1.999, "2"},
		{-3.14159, "-3.14"},
	}
	for _, tt := range tests {
		if got := Num(tt.v); got != tt.want {
			t.Errorf("Num(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
