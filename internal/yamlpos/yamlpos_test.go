package yamlpos

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// walk reads doc as a mapping with a required name, an optional list of
// tags and an optional size, and returns the problems it reported, each
// as "LINE:COL PATH: MESSAGE (HINT)", and the positions it recorded.
func walk(t *testing.T, doc string, maxNodes int) ([]string, map[string]Pos) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	var got []string
	w := &Walker{Pos: map[string]Pos{}, MaxNodes: maxNodes, Noun: "document",
		Report: func(at Pos, path, hint, message string) {
			s := fmt.Sprintf("%s %s: %s", at, path, message)
			if hint != "" {
				s += " (" + hint + ")"
			}
			got = append(got, s)
		}}
	text := func(v *yaml.Node, path string) { w.Scalar(v, path, "text") }
	w.Mapping(root.Content[0], "", "a thing", []Field{
		{Name: "name", Required: true, Decode: text},
		{Name: "tags", Decode: func(v *yaml.Node, path string) { w.List(v, path, "tags", false, text) }},
		{Name: "size", Decode: text},
	})
	return got, w.Pos
}

func TestWalker(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      []string
	}{
		{"fine", "name: a\ntags: [x, y]\n", nil},
		{"unknown field with a hint", "name: a\nsise: 3\n", []string{`2:1 sise: unknown field "sise" in a thing; expected one of name, tags, size (did you mean "size"?)`}},
		{"missing field", "tags: []\n", []string{`1:1 name: missing field "name" in a thing`}},
		{"twice", "name: a\nname: b\n", []string{`2:1 name: field "name" given twice in a thing`}},
		{"merge key", "name: a\n<<: {size: 1}\n", []string{`2:1 : merge keys (<<) are not supported; write the fields out`}},
		{"not a list", "name: a\ntags: x\n", []string{`2:7 tags: expected a list of tags, got "x"`}},
		{"nothing where text is", "name:\ntags: [a, {b: 1}]\n", []string{`1:6 name: expected text, got nothing`, `2:11 tags[1]: expected text, got a mapping`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := walk(t, tt.doc, 0)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	_, pos := walk(t, "name: a\ntags:\n  - x\n  - y\n", 0)
	if pos["tags[1]"] != (Pos{Line: 4, Column: 5}) || pos["name"] != (Pos{Line: 1, Column: 7}) {
		t.Errorf("positions %v", pos)
	}
}

// A document whose aliases expand beyond the budget is refused, once,
// rather than walked.
func TestWalkerBudget(t *testing.T) {
	doc := "a: &a [x, x, x, x, x, x, x, x]\nname: n\ntags: [*a, *a, *a, *a, *a, *a, *a, *a]\n"
	got, _ := walk(t, doc, 20)
	n := 0
	for _, g := range got {
		if strings.Contains(g, "document expands to more than 20 YAML nodes") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %q, want one refusal for the budget", got)
	}
}
