package flow

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxStatesFile bounds what ParseStates reads: a mapping of states is a
// few hundred bytes, and YAML aliases can make a small file expensive.
const maxStatesFile = 1 << 20

// ParseStates reads a states mapping for state timing: a YAML mapping from
// state name (a log activity) to its class, queued, active, blocked or
// done. Errors name the file (name) and line and say what was expected:
// a document that is not a mapping, a key that is not a plain name, a
// class that is not one of the four, a state given twice.
func ParseStates(r io.Reader, name string) (map[string]StateClass, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxStatesFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxStatesFile {
		return nil, fmt.Errorf("%s: larger than %d bytes; a states mapping is a short list", name, maxStatesFile)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", name, statesYAMLError(err))
	}
	at := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, n.Line, fmt.Sprintf(format, args...))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty; want a mapping of state names to queued, active, blocked or done", name)
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, at(m, "want a mapping of state names to queued, active, blocked or done, got %s", kindName(m))
	}
	if len(m.Content) == 0 {
		return nil, at(m, "no states; want lines like \"In Progress: active\"")
	}
	out := make(map[string]StateClass, len(m.Content)/2)
	line := make(map[string]int, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return nil, at(k, "want a state name, got %s", kindName(k))
		}
		state := k.Value
		if state == "" {
			return nil, at(k, "empty state name")
		}
		if prev, ok := line[state]; ok {
			return nil, at(k, "state %q given twice (first on line %d)", state, prev)
		}
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return nil, at(v, "state %q: want queued, active, blocked or done, got %s", state, kindName(v))
		}
		c := StateClass(v.Value)
		if !c.valid() {
			hint := ""
			if StateClass(strings.ToLower(strings.TrimSpace(v.Value))).valid() {
				hint = fmt.Sprintf(" (write %q)", strings.ToLower(strings.TrimSpace(v.Value)))
			}
			return nil, at(v, "state %q: class %q: want queued, active, blocked or done%s", state, v.Value, hint)
		}
		out[state], line[state] = c, k.Line
	}
	return out, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		if n.Tag == "!!merge" {
			return "a merge key"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// statesYAMLError drops the "yaml: " prefix; the line is already in the text.
func statesYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
