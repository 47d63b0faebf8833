package streamdef

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
)

// RuleSchema is the schema of automation rule files (docs/automation.md).
const RuleSchema = "svcflow/rule/v1"

// ParseRules reads a rule file: `schema: svcflow/rule/v1` and either the
// fields of one rule or `rules:`, a list of them. It returns the rules only
// when the file has no errors; every problem is placed at its line and
// column, the domain's checks of each rule included.
func ParseRules(name string, data []byte) ([]*svcflow.Rule, []Diagnostic) {
	if len(data) > MaxFileSize {
		return nil, []Diagnostic{fileError(name, 1, 1, "", "file is %d bytes; a rule file may be at most %d", len(data), MaxFileSize)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Diagnostic{fileError(name, 1, 1, "", "empty file; expected automation rules (schema: %s)", RuleSchema)}
		}
		return nil, []Diagnostic{syntaxError(name, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, []Diagnostic{fileError(name, extra.Line, extra.Column, "", "a second YAML document; put several rules under rules:")}
	} else if !errors.Is(err, io.EOF) {
		return nil, []Diagnostic{syntaxError(name, err)}
	}
	d := newDecoder(name)
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	var schema string
	var rules []*svcflow.Rule
	var paths []string
	single := &svcflow.Rule{Enabled: true}
	top := d.ruleFields(single)
	for i := range top {
		top[i].required = false // required of a single rule only; checked below
	}
	fields := append([]field{
		{"schema", true, d.text(&schema)},
		{"rules", false, func(v *yaml.Node, p string) {
			d.list(v, p, "rules", false, func(item *yaml.Node, ip string) {
				r := &svcflow.Rule{Enabled: true}
				d.mapping(item, ip, "a rule", d.ruleFields(r))
				rules = append(rules, r)
				paths = append(paths, ip)
			})
		}},
	}, top...)
	if !d.mapping(root, "", "a rule file", fields) {
		return nil, d.diags
	}
	if schema != "" && schema != RuleSchema {
		d.errorf(root, "schema", "", "unknown schema %q; expected %q", schema, RuleSchema)
	}
	_, hasRules := d.pos["rules"]
	_, hasID := d.pos["id"]
	switch {
	case hasRules && len(rules) == 0:
		d.diags = append(d.diags, placeIn(name, d.pos, svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: "rules", Message: "an empty list; expected at least one rule"}))
	case hasRules && hasID:
		d.errorf(root, "", "", "give the fields of one rule or a list under rules:, not both")
	case !hasRules:
		if _, ok := d.pos["then"]; !ok && !hasID {
			d.errorf(root, "", "", "no rule; expected the fields of one rule (id, name, on, then) or a list under rules:")
		} else {
			for _, f := range d.ruleFields(single) {
				if _, ok := d.pos[f.name]; f.required && !ok {
					d.errorf(root, f.name, "", "missing field %q in a rule", f.name)
				}
			}
			rules, paths = []*svcflow.Rule{single}, []string{""}
		}
	}
	seen := map[string]string{}
	for i, r := range rules {
		for _, x := range r.Validate() {
			x.Path = join(paths[i], x.Path)
			d.diags = append(d.diags, placeIn(name, d.pos, x))
		}
		if p, dup := seen[r.ID]; dup && r.ID != "" {
			d.diags = append(d.diags, placeIn(name, d.pos, svcflow.Diagnostic{Severity: svcflow.SeverityError,
				Path: join(paths[i], "id"), Message: fmt.Sprintf("rule %q is defined twice (first at %s)", r.ID, p)}))
		}
		seen[r.ID] = join(paths[i], "id")
	}
	Sort(d.diags)
	if HasErrors(d.diags) {
		return nil, d.diags
	}
	return rules, d.diags
}

// placeIn places a diagnostic at the nearest field of its path that has a
// position.
func placeIn(name string, pos map[string]Pos, x svcflow.Diagnostic) Diagnostic {
	f := &File{Name: name, pos: pos}
	return f.place(x)
}

func (d *decoder) ruleFields(r *svcflow.Rule) []field {
	return []field{
		{"id", true, d.text(&r.ID)},
		{"name", true, d.text(&r.Name)},
		{"description", false, d.text(&r.Description)},
		{"enabled", false, d.boolean(&r.Enabled)},
		{"on", true, func(v *yaml.Node, p string) {
			var ts []string
			d.texts(&ts)(v, p)
			for _, t := range ts {
				r.On = append(r.On, svcflow.EventType(t))
			}
		}},
		{"if", false, d.text(&r.If)},
		{"text", false, func(v *yaml.Node, p string) {
			r.Text = &svcflow.TextMatch{}
			d.mapping(v, p, "a text match", []field{
				{"contains", false, d.rawText(&r.Text.Contains)},
				{"matches", false, d.rawText(&r.Text.Matches)},
			})
		}},
		{"older_than", false, d.duration(&r.OlderThan)},
		{"business_hours", false, func(v *yaml.Node, p string) {
			r.BusinessHours = &svcflow.BusinessHours{}
			d.mapping(v, p, "a business-hours condition", []field{
				{"calendar", true, d.text(&r.BusinessHours.Calendar)},
				{"open", true, d.boolean(&r.BusinessHours.Open)},
			})
		}},
		{"after", false, d.duration(&r.After)},
		{"then", true, func(v *yaml.Node, p string) {
			d.list(v, p, "actions", true, func(item *yaml.Node, ip string) {
				r.Then = append(r.Then, d.ruleAction(item, ip))
			})
		}},
	}
}

// rawText reads text as written, without trimming: a pattern's spaces
// count.
func (d *decoder) rawText(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if s, ok := d.scalar(n, path, "text"); ok {
			*dst = s.Value
		}
	}
}

func (d *decoder) ruleAction(n *yaml.Node, path string) svcflow.RuleAction {
	var a svcflow.RuleAction
	d.mapping(n, path, "an action", []field{
		{"route", false, d.text(&a.Route)},
		{"reroute", false, d.text(&a.Reroute)},
		{"assign", false, d.text(&a.Assign)},
		{"set", false, func(v *yaml.Node, p string) {
			a.Set = &svcflow.RuleSet{}
			var prio string
			d.mapping(v, p, "fields to set", []field{
				{"impact", false, d.integer(&a.Set.Impact)},
				{"urgency", false, d.integer(&a.Set.Urgency)},
				{"priority", false, d.text(&prio)},
				{"category", false, d.text(&a.Set.Category)},
				{"service", false, d.text(&a.Set.Service)},
			})
			a.Set.Priority = svcflow.Priority(strings.ToUpper(prio))
		}},
		{"approve", false, d.boolean(&a.Approve)},
		{"close", false, d.boolean(&a.Close)},
		{"link_knowledge", false, d.boolean(&a.LinkKnowledge)},
		{"notify", false, d.text(&a.Notify)},
		{"open_problem", false, func(v *yaml.Node, p string) {
			a.OpenProblem = &svcflow.ProblemTrigger{}
			d.mapping(v, p, "a problem trigger", []field{
				{"threshold", true, d.integer(&a.OpenProblem.Threshold)},
				{"within", true, d.duration(&a.OpenProblem.Within)},
			})
		}},
	})
	return a
}
