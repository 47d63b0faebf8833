// Package svgtest reads SVG documents in tests: just enough of a DOM to
// check what the maps and charts draw. Only tests import it.
package svgtest

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/draw"
)

// Node is one element: its local name, attributes (prefixed ones as
// "prefix:name"), children and character data.
type Node struct {
	Name     string
	Attr     map[string]string
	Children []*Node
	Chars    string
}

// Parse decodes every token, failing the test on anything that is not
// well-formed XML.
func Parse(t testing.TB, b []byte) *Node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*Node
	var root *Node
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
			e := &Node{Name: tok.Name.Local, Attr: map[string]string{}}
			for _, a := range tok.Attr {
				name := a.Name.Local
				if a.Name.Space != "" && a.Name.Local != "xmlns" && a.Name.Space != "xmlns" {
					name = a.Name.Space + ":" + name
				}
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					name = "xmlns"
				}
				e.Attr[name] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, e)
			} else if root == nil {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Chars += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatal("SVG has no root element")
	}
	return root
}

// Walk calls f on e and its descendants, in document order.
func (e *Node) Walk(f func(*Node)) {
	f(e)
	for _, c := range e.Children {
		c.Walk(f)
	}
}

// Find returns the first node in document order that match accepts, or nil.
func (e *Node) Find(match func(*Node) bool) *Node {
	var found *Node
	e.Walk(func(n *Node) {
		if found == nil && match(n) {
			found = n
		}
	})
	return found
}

// Child returns e's first child element called name, or nil.
func (e *Node) Child(name string) *Node {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Text returns the character data of e and its descendants.
func (e *Node) Text() string {
	if e == nil {
		return ""
	}
	s := e.Chars
	for _, c := range e.Children {
		s += c.Text()
	}
	return s
}

// AllText returns the text of every text element, its wrapped lines joined
// by spaces again, one element a line.
func (e *Node) AllText() string {
	var b strings.Builder
	e.Walk(func(n *Node) {
		if n.Name != "text" {
			return
		}
		var lines []string
		for _, c := range n.Children {
			lines = append(lines, c.Text())
		}
		if len(lines) == 0 {
			lines = []string{n.Chars}
		}
		b.WriteString(strings.Join(lines, " ") + "\n")
	})
	return b.String()
}

// Rect returns the box of a rect element.
func Rect(t testing.TB, e *Node) draw.Rect {
	t.Helper()
	if e == nil {
		t.Fatal("missing rect")
	}
	return draw.Rect{X: Num(t, e.Attr["x"]), Y: Num(t, e.Attr["y"]), W: Num(t, e.Attr["width"]), H: Num(t, e.Attr["height"])}
}

// Num parses a number attribute, failing the test when it is not one.
func Num(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}
