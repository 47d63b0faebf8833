package flow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Mapping says which stream step each log activity is an instance of (the
// --map file). Several activities may map to one step; an activity maps to
// at most one step.
type Mapping struct {
	name  string
	steps map[string]mappedStep
	order []string // activities in file order
}

type mappedStep struct {
	step string
	line int
}

// Step returns the step the activity maps to and the line that says so.
func (m *Mapping) Step(activity string) (step string, line int, ok bool) {
	if m == nil {
		return "", 0, false
	}
	s, ok := m.steps[activity]
	return s.step, s.line, ok
}

// Activities returns the mapped activities in file order.
func (m *Mapping) Activities() []string {
	if m == nil {
		return nil
	}
	return m.order
}

// Name returns the file name the mapping was read from.
func (m *Mapping) Name() string { return m.name }

// ParseMapping reads a mapping file: one YAML mapping from log activity
// names to stream step ids, written as the log writes the activity and as
// the stream names the step:
//
//	# log activity: step id
//	Insert ticket: register
//	Assign seriousness: register
//	Take in charge ticket: investigate
//	Resolve ticket: verify
//
// Quote an activity name YAML would read otherwise ("yes", "1.0", one with
// a colon). An empty file maps nothing. Errors name the file and line: a
// syntax error, a document that is not a mapping, an empty activity or
// step, a step that is not a plain string, an activity given twice, or a
// second document. Whether each step exists is checked by Conform, which
// knows the stream.
func ParseMapping(r io.Reader, name string) (*Mapping, error) {
	m := &Mapping{name: name, steps: map[string]mappedStep{}}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%s:%d: a second YAML document; a mapping file holds one", name, extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return m, nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return m, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping of log activity names to step ids (Activity name: step-id)", name, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s:%d: an activity name must be plain text", name, k.Line)
		}
		activity := k.Value
		if k.Tag == "!!merge" {
			return nil, fmt.Errorf("%s:%d: merge keys (<<) are not supported; list each activity", name, k.Line)
		}
		if strings.TrimSpace(activity) == "" {
			return nil, fmt.Errorf("%s:%d: empty activity name", name, k.Line)
		}
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" && v.Tag != "!!int" && v.Tag != "!!float" && v.Tag != "!!bool" {
			return nil, fmt.Errorf("%s:%d: activity %q: want the id of one step", name, v.Line, activity)
		}
		step := strings.TrimSpace(v.Value)
		if step == "" {
			return nil, fmt.Errorf("%s:%d: activity %q: empty step id", name, v.Line, activity)
		}
		if prev, dup := m.steps[activity]; dup {
			return nil, fmt.Errorf("%s:%d: activity %q is mapped again (first at line %d)", name, k.Line, activity, prev.line)
		}
		m.steps[activity] = mappedStep{step: step, line: k.Line}
		m.order = append(m.order, activity)
	}
	return m, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError puts the file name in front of a YAML syntax error, as
// file:line: when the error gives a line.
func yamlError(name string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			return fmt.Errorf("%s:%d: %s", name, n, m[2])
		}
	}
	return fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
}
