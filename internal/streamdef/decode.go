// Package streamdef reads value stream definitions from YAML into the domain
// types, keeping the line and column of every field so that each problem,
// whether found while reading or by the domain's validation, points at the
// place in the file that caused it.
package streamdef

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/yamlpos"
)

// maxNodes bounds how many YAML nodes one file may expand to, aliases
// included, so a small file cannot make the reader do unbounded work.
const maxNodes = 200_000

// Pos is a place in a file, counted from 1.
type Pos = yamlpos.Pos

// field handles one key of a mapping.
type field struct {
	name     string
	required bool
	decode   func(v *yaml.Node, path string)
}

// fieldsOf gives the walker a mapping's fields.
func fieldsOf(fields []field) []yamlpos.Field {
	out := make([]yamlpos.Field, len(fields))
	for i, f := range fields {
		out[i] = yamlpos.Field{Name: f.name, Required: f.required, Decode: f.decode}
	}
	return out
}

// decoder walks a YAML node tree into a ValueStream or rules. It never
// stops at the first problem: every field is checked and every problem
// recorded.
type decoder struct {
	*yamlpos.Walker
	file  string
	pos   map[string]Pos // the walker's
	diags []Diagnostic
}

func newDecoder(file string) *decoder {
	d := &decoder{file: file, pos: map[string]Pos{}}
	d.Walker = &yamlpos.Walker{Pos: d.pos, MaxNodes: maxNodes, Noun: "definition",
		Report: func(at Pos, path, hint, message string) {
			d.diags = append(d.diags, Diagnostic{File: d.file, Pos: at,
				Diagnostic: svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: path, Message: message, Hint: hint}})
		}}
	return d
}

func (d *decoder) at(n *yaml.Node) Pos { return yamlpos.At(n) }

func (d *decoder) errorf(n *yaml.Node, path, hint, format string, args ...any) {
	d.Errorf(n, path, hint, format, args...)
}

func (d *decoder) resolve(n *yaml.Node) *yaml.Node { return d.Resolve(n) }

func kindName(n *yaml.Node) string { return yamlpos.KindName(n) }

// mapping decodes the keys of n with the given fields; it returns false
// when n is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path, what string, fields []field) bool {
	return d.Mapping(n, path, what, fieldsOf(fields)) != nil
}

func join(path, key string) string { return yamlpos.Join(path, key) }

func (d *decoder) scalar(n *yaml.Node, path, expected string) (*yaml.Node, bool) {
	return d.Scalar(n, path, expected)
}

// text reads free text; numbers and booleans are taken as written.
func (d *decoder) text(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if s, ok := d.scalar(n, path, "text"); ok {
			*dst = strings.TrimSpace(s.Value)
		}
	}
}

// texts reads a list of free text; a single value counts as a list of one.
func (d *decoder) texts(dst *[]string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		n = d.resolve(n)
		if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
			*dst = []string{strings.TrimSpace(n.Value)}
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "", "expected a list of text, got %s", kindName(n))
			return
		}
		for i, item := range n.Content {
			ip := fmt.Sprintf("%s[%d]", path, i)
			if s, ok := d.scalar(item, ip, "text"); ok {
				d.pos[ip] = d.at(s)
				*dst = append(*dst, strings.TrimSpace(s.Value))
			}
		}
	}
}

func (d *decoder) integer(dst *int) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		s, ok := d.scalar(n, path, "a whole number")
		if !ok {
			return
		}
		v, err := strconv.Atoi(s.Value)
		if s.Tag != "!!int" || err != nil {
			d.errorf(s, path, "", "expected a whole number, got %s", kindName(s))
			return
		}
		*dst = v
	}
}

func (d *decoder) number(dst *float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		s, ok := d.scalar(n, path, "a number")
		if !ok {
			return
		}
		v, err := strconv.ParseFloat(s.Value, 64)
		if (s.Tag != "!!int" && s.Tag != "!!float") || err != nil {
			d.errorf(s, path, "", "expected a number from 0 to 1, got %s", kindName(s))
			return
		}
		*dst = v
	}
}

func (d *decoder) boolean(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		s, ok := d.scalar(n, path, "true or false")
		if !ok {
			return
		}
		if s.Tag != "!!bool" {
			d.errorf(s, path, "", "expected true or false, got %s", kindName(s))
			return
		}
		*dst = s.Value == "true" || s.Value == "True" || s.Value == "TRUE"
	}
}

func (d *decoder) duration(dst *svcflow.Duration) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		s, ok := d.scalar(n, path, "a duration like 30m, 4h, 2d or 3bd")
		if !ok {
			return
		}
		v, err := svcflow.ParseDuration(s.Value)
		if err != nil {
			d.errorf(s, path, "", "%v; expected a positive duration like 30m, 4h, 2d or 3bd", err)
			return
		}
		*dst = v
	}
}

// list decodes each element of a sequence; a mapping counts as a list of one
// when one is allowed.
func (d *decoder) list(n *yaml.Node, path, what string, one bool, each func(item *yaml.Node, path string)) {
	d.List(n, path, what, one, each)
}

// slug turns a name into a kebab-case id for actions and tasks that give none.
func slug(name string) string { return svcflow.Slug(name, "-") }
