package streamdef_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/streamdef"
)

const oneRule = `schema: svcflow/rule/v1
id: vpn-to-network
name: VPN incidents go to the network team
on: [created]
if: kind == incident and priority in [P1, P2]
text: {matches: '\bvpn\b'}
then:
  - route: network
  - set: {priority: p1}
`

func TestParseRules(t *testing.T) {
	rules, diags := streamdef.ParseRules("r.yaml", []byte(oneRule))
	if streamdef.HasErrors(diags) || len(rules) != 1 {
		t.Fatalf("%v %v", rules, diags)
	}
	r := rules[0]
	if r.ID != "vpn-to-network" || !r.Enabled || r.Text.Matches != `\bvpn\b` || r.Then[0].Route != "network" || r.Then[1].Set.Priority != svcflow.P1 || r.BusinessHours != nil {
		t.Errorf("rule %+v", r)
	}
	list := "schema: svcflow/rule/v1\nrules:\n  - {id: a, name: A, on: ['*'], if: status == resolved, after: 3d, business_hours: {calendar: office-hours, open: true}, then: {close: true}}\n  - {id: b, name: B, enabled: false, on: [approval_requested], then: [{approve: true}]}\n"
	rules, diags = streamdef.ParseRules("l.yaml", []byte(list))
	if streamdef.HasErrors(diags) || len(rules) != 2 || rules[0].After.Calendar != 72*time.Hour || rules[1].Enabled ||
		*rules[0].BusinessHours != (svcflow.BusinessHours{Calendar: "office-hours", Open: true}) {
		t.Fatalf("%+v %v", rules, diags)
	}
}

func TestParseRulesErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"empty", "", "r.yaml:1:1: error: : empty file"},
		{"syntax", "schema: [\n", "r.yaml:1:1: error: : YAML syntax"},
		{"schema", strings.Replace(oneRule, "rule/v1", "rule/v9", 1), `r.yaml:1:1: error: schema: unknown schema "svcflow/rule/v9"`},
		{"unknown field", oneRule + "colour: red\n", `r.yaml:10:1: error: colour: unknown field "colour"`},
		{"event type", strings.Replace(oneRule, "[created]", "[create]", 1), `r.yaml:4:6: error: on[0]: unknown event type "create" (did you mean "created"?)`},
		{"condition", strings.Replace(oneRule, "kind ==", "knd ==", 1), `r.yaml:5:5: error: if: bad condition`},
		{"regexp", strings.Replace(oneRule, `\bvpn\b`, `(vpn`, 1), `r.yaml:6:17: error: text.matches: bad regular expression`},
		{"team", strings.Replace(oneRule, "route: network", "route: Net Work", 1), `r.yaml:8:12: error: then[0].route: "Net Work" is not a team id`},
		{"priority", strings.Replace(oneRule, "priority: p1", "priority: p9", 1), `r.yaml:9:21: error: then[1].set.priority: priority "P9"`},
		{"two actions", strings.Replace(oneRule, "- route: network", "- {route: network, close: true}", 1), "r.yaml:8:5: error: then[0]: an action names 2 things"},
		{"no actions", strings.Replace(oneRule, "then:\n  - route: network\n  - set: {priority: p1}\n", "then: []\n", 1), "r.yaml:7:7: error: then: no actions"},
		{"missing on", strings.Replace(oneRule, "on: [created]\n", "", 1), `r.yaml:1:1: error: on: missing field "on"`},
		{"threshold", strings.Replace(oneRule, "  - route: network\n  - set: {priority: p1}\n", "  - open_problem: {threshold: 1, within: 1d}\n", 1), "r.yaml:8:31: error: then[0].open_problem.threshold: threshold 1"},
		{"business days", strings.Replace(oneRule, "on: [created]", "on: [created]\nafter: 2bd", 1), "r.yaml:5:8: error: after: expected a calendar duration"},
		{"duplicate", "schema: svcflow/rule/v1\nrules:\n  - {id: a, name: A, on: [created], then: {close: true}}\n  - {id: a, name: A, on: [created], then: {close: true}}\n",
			`r.yaml:4:10: error: rules[1].id: rule "a" is defined twice`},
		{"business hours", strings.Replace(oneRule, "on: [created]", "on: [created]\nbusiness_hours: {calendar: office, open: maybe}", 1), "r.yaml:5:42: error: business_hours.open: expected true or false"},
		{"both", oneRule + "rules: [{id: b, name: B, on: [created], then: {close: true}}]\n", "r.yaml:1:1: error: : give the fields of one rule or a list"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rules, diags := streamdef.ParseRules("r.yaml", []byte(c.yaml))
			if rules != nil {
				t.Errorf("rules %v from a bad file", rules)
			}
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
				if strings.HasPrefix(d.String(), c.want) {
					return
				}
			}
			t.Errorf("diagnostics:\n%s\nwant one starting %q", strings.Join(got, "\n"), c.want)
		})
	}
}

// FuzzParseRules: any input gives rules that validate, or errors placed
// in the file; accepted rules survive a JSON round trip (how the stores
// keep them).
func FuzzParseRules(f *testing.F) {
	f.Add([]byte(oneRule))
	f.Add([]byte("schema: svcflow/rule/v1\nrules: [{id: a, name: A, on: ['*'], after: 7d, then: {close: true}}]\n"))
	f.Add([]byte("schema: svcflow/rule/v1\nid: a\nname: A\non: created\nthen: {open_problem: {threshold: 3, within: 24h}}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, diags := streamdef.ParseRules("f.yaml", data)
		for _, d := range diags {
			if d.Line < 1 || d.Column < 0 || d.Message == "" {
				t.Fatalf("diagnostic without a place or message: %+v", d)
			}
		}
		if rules == nil {
			if !streamdef.HasErrors(diags) {
				t.Fatal("no rules and no errors")
			}
			return
		}
		for _, r := range rules {
			if ds := r.Validate(); len(ds) > 0 {
				t.Fatalf("accepted a rule the domain rejects: %v", ds)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back svcflow.Rule
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("round trip of %s: %v", b, err)
			}
			if ds := back.Validate(); len(ds) > 0 {
				t.Fatalf("rule invalid after a JSON round trip %s: %v", b, ds)
			}
		}
	})
}
