package server

import (
	"strings"
	"testing"
)

// TestRulesAPI: an admin saves a rule from a YAML file and from JSON,
// reads, disables and deletes it; a bad file is refused with the line and
// column of each problem; a dry-run of an unsaved rule and of a saved one
// report what they would have done, and change nothing.
func TestRulesAPI(t *testing.T) {
	e := newTestEnv(t)
	file := "schema: svcflow/rule/v1\nid: vpn-to-network\nname: VPN to network\non: [created]\nif: kind == incident\ntext: {contains: vpn}\nthen:\n  - route: network\n"
	var saved struct {
		ID      string
		Enabled bool
	}
	e.must(201, "ada", "POST", "/api/v1/rules", map[string]any{"yaml": file}).json(t, &saved)
	if saved.ID != "vpn-to-network" || !saved.Enabled {
		t.Errorf("saved %+v", saved)
	}
	e.must(201, "ada", "POST", "/api/v1/rules", map[string]any{"rule": map[string]any{"id": "close-quiet", "name": "Close", "on": []string{"*"},
		"if": "status == resolved", "after": "7d", "then": []any{map[string]any{"close": true}}}})
	var list struct{ Items []struct{ ID, After string } }
	e.must(200, "max", "GET", "/api/v1/rules", nil).json(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != "close-quiet" || list.Items[0].After != "1w" {
		t.Errorf("list %+v", list)
	}

	bad := strings.Replace(file, "[created]", "[creatd]", 1) + "colour: red\n"
	r := e.do("ada", "POST", "/api/v1/rules", map[string]any{"yaml": bad})
	if r.status != 422 || !strings.Contains(string(r.body), `"field":"yaml.on[0]"`) || !strings.Contains(string(r.body), `line 4, column 6: unknown event type \"creatd\"`) ||
		!strings.Contains(string(r.body), `line 9, column 1: unknown field \"colour\"`) {
		t.Errorf("bad file: %d %s", r.status, r.body)
	}
	r = e.do("ada", "POST", "/api/v1/rules", map[string]any{"rule": map[string]any{"id": "x", "name": "X", "on": []string{"created"}, "then": []any{map[string]any{"route": "network", "close": true}}}})
	if r.status != 422 || !strings.Contains(string(r.body), `"field":"then[0]"`) {
		t.Errorf("two actions in one: %d %s", r.status, r.body)
	}

	e.open("ursula", map[string]any{"kind": "incident", "title": "VPN keeps dropping"})
	e.open("ursula", map[string]any{"kind": "incident", "title": "Printer jam"})
	var before struct{ Items []any }
	e.must(200, "max", "GET", "/api/v1/events?limit=500", nil).json(t, &before)
	var rep struct {
		Rule    string
		Firings []struct {
			Item    string
			Actions []struct {
				Action   string
				Accepted bool
			}
		}
	}
	e.must(200, "max", "POST", "/api/v1/rules/dry-run?days=1", map[string]any{"yaml": strings.Replace(file, "contains: vpn", "contains: printer", 1)}).json(t, &rep)
	if len(rep.Firings) != 1 || !rep.Firings[0].Actions[0].Accepted {
		t.Errorf("dry-run of an unsaved rule: %+v", rep)
	}
	e.must(200, "max", "POST", "/api/v1/rules/vpn-to-network/dry-run", nil).json(t, &rep)
	if rep.Rule != "vpn-to-network" || len(rep.Firings) != 1 || rep.Firings[0].Actions[0].Action != "route" {
		t.Errorf("dry-run of a saved rule: %+v", rep)
	}
	if r := e.do("max", "POST", "/api/v1/rules/vpn-to-network/dry-run?days=0", nil); r.status != 422 || !strings.Contains(string(r.body), `"field":"days"`) {
		t.Errorf("days=0: %d %s", r.status, r.body)
	}
	var after struct{ Items []any }
	e.must(200, "max", "GET", "/api/v1/events?limit=500", nil).json(t, &after)
	if len(after.Items) != len(before.Items) {
		t.Errorf("dry-runs wrote %d events", len(after.Items)-len(before.Items))
	}

	e.must(200, "ada", "POST", "/api/v1/rules/vpn-to-network/disable", nil).json(t, &saved)
	if saved.Enabled {
		t.Error("still enabled after disable")
	}
	e.must(204, "ada", "DELETE", "/api/v1/rules/vpn-to-network", nil)
	if r := e.do("max", "GET", "/api/v1/rules/vpn-to-network", nil); r.status != 404 {
		t.Errorf("deleted rule: %d", r.status)
	}
}
