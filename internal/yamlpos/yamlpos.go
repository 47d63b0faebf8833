// Package yamlpos walks YAML documents while keeping the line and column of
// every field, so that readers of svcflow's YAML files (value streams,
// rules, simulation scenarios) report every problem at its place and never
// stop at the first one.
package yamlpos

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
)

// Pos is a place in a file, counted from 1.
type Pos struct {
	Line, Column int
}

// String names a position for messages that refer to another place.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// At is the position of a node.
func At(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

// Walker walks a node tree. It records the position of every path it
// reads in Pos and reports each problem through Report; a reader wraps
// these reports in its own diagnostics.
type Walker struct {
	Pos    map[string]Pos
	Report func(at Pos, path, hint, message string)
	// MaxNodes bounds how many nodes a document may expand to, aliases
	// included, so a small file cannot make the reader do unbounded work;
	// Noun names the document in the message ("definition").
	MaxNodes int
	Noun     string
	nodes    int
}

// Errorf reports a problem at a node.
func (w *Walker) Errorf(n *yaml.Node, path, hint, format string, args ...any) {
	w.Report(At(n), path, hint, fmt.Sprintf(format, args...))
}

// Resolve follows aliases and counts the node against the budget.
func (w *Walker) Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	w.nodes++
	return n
}

// overBudget reports, once per call site, a document that expands to too
// many nodes.
func (w *Walker) overBudget(n *yaml.Node, path string) bool {
	if w.MaxNodes > 0 && w.nodes > w.MaxNodes {
		w.Errorf(n, path, "", "%s expands to more than %d YAML nodes; is an alias repeated?", w.Noun, w.MaxNodes)
		return true
	}
	return false
}

// KindName says what a node is, for messages: "a mapping", "the number 3".
func KindName(n *yaml.Node) string {
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

// Field handles one key of a mapping.
type Field struct {
	Name     string
	Required bool
	Decode   func(v *yaml.Node, path string)
}

// Join appends a key to a path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Mapping decodes the keys of n with the given fields, reporting unknown
// (with the nearest known name), duplicate and missing keys. It returns the
// keys given, or nil when n is not a mapping.
func (w *Walker) Mapping(n *yaml.Node, path, what string, fields []Field) map[string]bool {
	n = w.Resolve(n)
	w.Pos[path] = At(n)
	if n.Kind != yaml.MappingNode {
		w.Errorf(n, path, "", "expected %s (a mapping of fields), got %s", what, KindName(n))
		return nil
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if w.overBudget(n, path) {
			return seen
		}
		k, v := w.Resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			w.Errorf(k, path, "", "expected a field name, got %s", KindName(k))
			continue
		}
		key := k.Value
		fp := Join(path, key)
		if key == "<<" {
			w.Errorf(k, path, "", "merge keys (<<) are not supported; write the fields out")
			continue
		}
		idx := slices.Index(names, key)
		if idx < 0 {
			hint := ""
			if s := svcflow.Suggest(key, names); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			w.Errorf(k, fp, hint, "unknown field %q in %s; expected one of %s", key, what, strings.Join(names, ", "))
			continue
		}
		if seen[key] {
			w.Errorf(k, fp, "", "field %q given twice in %s", key, what)
			continue
		}
		seen[key] = true
		w.Pos[fp] = At(w.Resolve(v))
		fields[idx].Decode(v, fp)
	}
	for _, f := range fields {
		if f.Required && !seen[f.Name] {
			w.Errorf(n, Join(path, f.Name), "", "missing field %q in %s", f.Name, what)
		}
	}
	return seen
}

// List decodes each element of a sequence, recording its position; with
// one, a mapping counts as a list of one.
func (w *Walker) List(n *yaml.Node, path, what string, one bool, each func(item *yaml.Node, path string)) {
	n = w.Resolve(n)
	if one && n.Kind == yaml.MappingNode {
		each(n, path+"[0]")
		return
	}
	if n.Kind != yaml.SequenceNode {
		w.Errorf(n, path, "", "expected a list of %s, got %s", what, KindName(n))
		return
	}
	for i, item := range n.Content {
		if w.overBudget(n, path) {
			return
		}
		ip := fmt.Sprintf("%s[%d]", path, i)
		w.Pos[ip] = At(w.Resolve(item))
		each(item, ip)
	}
}

// Scalar returns n as a scalar, or reports what was expected instead.
func (w *Walker) Scalar(n *yaml.Node, path, expected string) (*yaml.Node, bool) {
	n = w.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		w.Errorf(n, path, "", "expected %s, got %s", expected, KindName(n))
		return n, false
	}
	return n, true
}
