package draw

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Attr is one attribute of an SVG element.
type Attr struct {
	Name, Value string
}

// A returns the attribute name="value".
func A(name, value string) Attr { return Attr{name, value} }

// N returns the attribute name with a number as value, formatted by Num.
func N(name string, v float64) Attr { return Attr{name, Num(v)} }

// Num formats v with at most two decimals and no trailing zeros. Two
// decimals are finer than any screen shows, and short stable numbers keep
// golden files readable.
func Num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Writer writes an SVG document element by element, indented, escaping text
// and attribute values. It refuses what a Content-Security-Policy without
// 'unsafe-inline' would block, so pages can embed its output: a style
// attribute, event handler attributes (on…), and style, script and
// foreignObject elements. The first error sticks; later calls do nothing and
// Close reports it.
type Writer struct {
	buf   bytes.Buffer
	out   io.Writer
	err   error
	open  []string
	plain int // depth at which text content began; 0 outside text
}

// NewWriter returns a Writer that sends the document to w when it is closed,
// so a failed drawing leaves nothing half-written.
func NewWriter(w io.Writer) *Writer { return &Writer{out: w} }

// Open starts an element; End closes it.
func (s *Writer) Open(name string, attrs ...Attr) {
	s.start(name, attrs, false)
	if s.err == nil {
		s.open = append(s.open, name)
		// White space inside SVG text is drawn, so a text element and its
		// tspans are written on one line.
		if name == "text" && s.plain == 0 {
			s.plain = len(s.open)
		}
		if s.plain == 0 {
			s.buf.WriteByte('\n')
		}
	}
}

// End closes the element opened last.
func (s *Writer) End() {
	if s.err != nil {
		return
	}
	if len(s.open) == 0 {
		s.err = fmt.Errorf("draw: end without an open element")
		return
	}
	name := s.open[len(s.open)-1]
	s.open = s.open[:len(s.open)-1]
	if s.plain == 0 {
		s.indent()
	}
	s.buf.WriteString("</" + name + ">")
	if s.plain > len(s.open) {
		s.plain = 0
	}
	if s.plain == 0 {
		s.buf.WriteByte('\n')
	}
}

// Empty writes an element without content, such as a rect or a path.
func (s *Writer) Empty(name string, attrs ...Attr) {
	s.start(name, attrs, true)
}

// Text writes an element whose content is the text t, such as a title or a
// tspan.
func (s *Writer) Text(name, t string, attrs ...Attr) {
	s.start(name, attrs, false)
	if s.err != nil {
		return
	}
	xml.EscapeText(&s.buf, []byte(t))
	s.buf.WriteString("</" + name + ">")
	if s.plain == 0 {
		s.buf.WriteByte('\n')
	}
}

// Close checks that every element was ended and sends the document to the
// underlying writer.
func (s *Writer) Close() error {
	if s.err == nil && len(s.open) > 0 {
		s.err = fmt.Errorf("draw: element %s not ended", s.open[len(s.open)-1])
	}
	if s.err != nil {
		return s.err
	}
	if _, err := s.out.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("draw: write svg: %w", err)
	}
	return nil
}

func (s *Writer) start(name string, attrs []Attr, empty bool) {
	if s.err != nil {
		return
	}
	if err := check(name, attrs); err != nil {
		s.err = err
		return
	}
	if s.plain == 0 {
		s.indent()
	}
	s.buf.WriteString("<" + name)
	for _, a := range attrs {
		s.buf.WriteString(" " + a.Name + `="`)
		xml.EscapeText(&s.buf, []byte(a.Value))
		s.buf.WriteByte('"')
	}
	if empty {
		s.buf.WriteString("/>")
		if s.plain == 0 {
			s.buf.WriteByte('\n')
		}
		return
	}
	s.buf.WriteByte('>')
}

func (s *Writer) indent() {
	for range s.open {
		s.buf.WriteString("  ")
	}
}

// check refuses names a strict Content-Security-Policy blocks, and names and
// repeated attributes that would not be well-formed XML.
func check(name string, attrs []Attr) error {
	switch strings.ToLower(name) {
	case "style", "script", "foreignobject":
		return fmt.Errorf("draw: element %s is not allowed under a strict content security policy", name)
	}
	if !isName(name) {
		return fmt.Errorf("draw: bad element name %q", name)
	}
	for i, a := range attrs {
		for _, b := range attrs[:i] {
			if a.Name == b.Name {
				return fmt.Errorf("draw: attribute %s of %s given twice", a.Name, name)
			}
		}
		n := strings.ToLower(a.Name)
		if n == "style" || strings.HasPrefix(n, "on") {
			return fmt.Errorf("draw: attribute %s of %s is not allowed under a strict content security policy", a.Name, name)
		}
		if !isName(a.Name) {
			return fmt.Errorf("draw: bad attribute name %q of %s", a.Name, name)
		}
	}
	return nil
}

// isName accepts the ASCII subset of XML names that SVG uses, including
// prefixed ones such as xlink:href.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r == ':':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}
