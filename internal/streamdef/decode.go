// Package streamdef reads value stream definitions from YAML into the domain
// types, keeping the line and column of every field so that each problem,
// whether found while reading or by the domain's validation, points at the
// place in the file that caused it.
package streamdef

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
)

// maxNodes bounds how many YAML nodes one file may expand to, aliases
// included, so a small file cannot make the reader do unbounded work.
const maxNodes = 200_000

// Pos is a place in a file, counted from 1.
type Pos struct {
	Line, Column int
}

// decoder walks a YAML node tree into a ValueStream. It never stops at the
// first problem: every field is checked and every problem recorded.
type decoder struct {
	file  string
	pos   map[string]Pos
	diags []Diagnostic
	nodes int
}

func (d *decoder) at(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

func (d *decoder) errorf(n *yaml.Node, path, hint, format string, args ...any) {
	d.diags = append(d.diags, Diagnostic{
		File: d.file, Pos: d.at(n),
		Diagnostic: svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: path, Message: fmt.Sprintf(format, args...), Hint: hint},
	})
}

// resolve follows aliases and counts nodes against the budget.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.nodes++
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

// field handles one key of a mapping.
type field struct {
	name     string
	required bool
	decode   func(v *yaml.Node, path string)
}

// mapping decodes the keys of n with the given fields, reporting unknown,
// duplicate and missing keys. It returns false when n is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path, what string, fields []field) bool {
	n = d.resolve(n)
	d.pos[path] = d.at(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "", "expected %s (a mapping of fields), got %s", what, kindName(n))
		return false
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if d.nodes > maxNodes {
			d.errorf(n, path, "", "definition expands to more than %d YAML nodes; is an alias repeated?", maxNodes)
			return true
		}
		k, v := d.resolve(n.Content[i]), n.Content[i+1]
		key := k.Value
		fp := join(path, key)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "", "expected a field name, got %s", kindName(k))
			continue
		}
		if key == "<<" {
			d.errorf(k, path, "", "merge keys (<<) are not supported; write the fields out")
			continue
		}
		idx := slices.Index(names, key)
		if idx < 0 {
			hint := ""
			if s := svcflow.Suggest(key, names); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			d.errorf(k, fp, hint, "unknown field %q in %s; expected one of %s", key, what, strings.Join(names, ", "))
			continue
		}
		if seen[key] {
			d.errorf(k, fp, "", "field %q given twice in %s", key, what)
			continue
		}
		seen[key] = true
		d.pos[fp] = d.at(d.resolve(v))
		fields[idx].decode(v, fp)
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			d.errorf(n, join(path, f.name), "", "missing field %q in %s", f.name, what)
		}
	}
	return true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d *decoder) scalar(n *yaml.Node, path, expected string) (*yaml.Node, bool) {
	n = d.resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, path, "", "expected %s, got %s", expected, kindName(n))
		return n, false
	}
	return n, true
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
	n = d.resolve(n)
	if one && n.Kind == yaml.MappingNode {
		each(n, path+"[0]")
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "", "expected a list of %s, got %s", what, kindName(n))
		return
	}
	for i, item := range n.Content {
		if d.nodes > maxNodes {
			d.errorf(n, path, "", "definition expands to more than %d YAML nodes; is an alias repeated?", maxNodes)
			return
		}
		each(item, fmt.Sprintf("%s[%d]", path, i))
	}
}

// slug turns a name into a kebab-case id for actions and tasks that give none.
func slug(name string) string { return svcflow.Slug(name, "-") }
