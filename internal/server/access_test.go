package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// outcome classes for the route × role table: allowed means the role rules
// let the request through (it may still be refused for the item's state).
const (
	allowed = "allowed"
	denied  = "403"
	hidden  = "404"
	anon    = "401"
)

func classify(status int) string {
	switch status {
	case 401, 429: // 429: repeated failed sign-ins are refused before checking
		return anon
	case 403:
		return denied
	case 404:
		return hidden
	}
	if status >= 500 {
		return fmt.Sprintf("server error %d", status)
	}
	return allowed
}

// TestRouteRoleMatrix checks SPEC §8 on every API route for every role:
// anonymous callers are refused, requesters see only their own items (404
// otherwise), agents their teams' items, managers everything, and only
// admins configure. The table must name every route.
func TestRouteRoleMatrix(t *testing.T) {
	roles := []string{"", "ursula", "victor", "alice", "bob", "max", "ada"}
	// expectations per role, in the order of roles.
	item := []string{anon, allowed, hidden, allowed, hidden, allowed, allowed}
	itemAgentOnly := []string{anon, denied, hidden, allowed, hidden, allowed, allowed}
	everyone := []string{anon, allowed, allowed, allowed, allowed, allowed, allowed}
	staff := []string{anon, denied, denied, allowed, allowed, allowed, allowed}
	managers := []string{anon, denied, denied, denied, denied, allowed, allowed}
	admins := []string{anon, denied, denied, denied, denied, denied, allowed}
	members := []string{anon, denied, denied, allowed, denied, allowed, allowed} // the team's agents, managers, admins
	public := []string{allowed, allowed, allowed, allowed, allowed, allowed, allowed}

	table := map[string][]string{
		"GET /metrics":                             public,
		"GET /api/v1/openapi.json":                 public,
		"POST /api/v1/sessions":                    {anon, anon, anon, anon, anon, anon, anon}, // a wrong password, whoever asks
		"DELETE /api/v1/sessions/current":          public,
		"GET /api/v1/me":                           everyone,
		"GET /api/v1/work-items":                   everyone,
		"POST /api/v1/work-items":                  everyone,
		"GET /api/v1/work-items/{id}":              item,
		"PATCH /api/v1/work-items/{id}":            itemAgentOnly,
		"GET /api/v1/work-items/{id}/events":       item,
		"GET /api/v1/work-items/{id}/visits":       item,
		"GET /api/v1/work-items/{id}/comments":     item,
		"GET /api/v1/events":                       managers,
		"GET /api/v1/analytics/flow":               managers,
		"GET /api/v1/analytics/map.svg":            managers,
		"POST /api/v1/simulations":                 managers,
		"GET /api/v1/value-streams":                everyone,
		"GET /api/v1/value-streams/{id}":           everyone,
		"GET /api/v1/value-streams/{id}/map.svg":   everyone,
		"GET /api/v1/people":                       staff,
		"POST /api/v1/people":                      admins,
		"GET /api/v1/people/{id}":                  []string{anon, allowed, hidden, allowed, allowed, allowed, allowed},
		"GET /api/v1/teams":                        everyone,
		"POST /api/v1/teams":                       admins,
		"GET /api/v1/organisations":                staff,
		"POST /api/v1/organisations":               admins,
		"GET /api/v1/services":                     everyone,
		"POST /api/v1/services":                    admins,
		"GET /api/v1/catalogue":                    everyone,
		"POST /api/v1/people/{id}/erase":           admins,
		"GET /api/v1/sla-policies":                 staff,
		"POST /api/v1/sla-policies":                admins,
		"GET /api/v1/calendars":                    staff,
		"POST /api/v1/calendars":                   admins,
		"GET /api/v1/work-items/{id}/sla":          item,
		"GET /api/v1/cis":                          staff,
		"POST /api/v1/cis":                         managers,
		"GET /api/v1/cis/{id}":                     staff,
		"GET /api/v1/cis/{id}/impact":              staff,
		"GET /api/v1/work-items/{id}/impact":       item,
		"GET /api/v1/teams/{id}/queue":             members,
		"POST /api/v1/teams/{id}/pull":             members,
		"POST /api/v1/work-items/{id}/attachments": item,
		"GET /api/v1/work-items/{id}/attachments":  item,
		"GET /api/v1/attachments/{id}":             item,
		"GET /api/v1/feedback":                     managers,
		"GET /api/v1/improvements":                 staff,
		"POST /api/v1/improvements":                staff,
		"GET /api/v1/improvements/{id}":            {anon, hidden, hidden, allowed, allowed, allowed, allowed},
		"PATCH /api/v1/improvements/{id}":          {anon, hidden, hidden, denied, denied, allowed, allowed}, // its owner, raiser, team or a manager
		"POST /api/v1/improvements/evaluate":       managers,

		"GET /api/v1/knowledge/articles":                      everyone,
		"POST /api/v1/knowledge/articles":                     staff,
		"GET /api/v1/knowledge/articles/{id}":                 everyone, // a published article
		"PATCH /api/v1/knowledge/articles/{id}":               staff,
		"GET /api/v1/knowledge/articles/{id}/revisions":       staff,
		"POST /api/v1/knowledge/articles/{id}/publish":        managers, // and the knowledge team
		"POST /api/v1/knowledge/articles/{id}/retire":         managers,
		"POST /api/v1/work-items/{id}/articles":               itemAgentOnly,
		"POST /api/v1/knowledge/suggestions":                  everyone,
		"POST /api/v1/knowledge/suggestions/{session}/solved": {anon, allowed, hidden, hidden, hidden, hidden, hidden}, // ursula's session
		"GET /api/v1/knowledge/deflection":                    managers,
		"GET /api/v1/webhooks":                                admins,
		"POST /api/v1/webhooks":                               admins,
		"GET /api/v1/webhooks/{id}":                           admins,
		"DELETE /api/v1/webhooks/{id}":                        admins,
		"POST /api/v1/webhooks/{id}/disable":                  admins,
		"POST /api/v1/webhooks/{id}/enable":                   admins,
		"GET /api/v1/webhooks/{id}/deliveries":                admins,
		"GET /api/v1/rules":                                   managers,
		"POST /api/v1/rules":                                  admins,
		"POST /api/v1/rules/dry-run":                          managers,
		"GET /api/v1/rules/{id}":                              managers,
		"POST /api/v1/rules/{id}/enable":                      admins,
		"POST /api/v1/rules/{id}/disable":                     admins,
		"DELETE /api/v1/rules/{id}":                           admins,
		"POST /api/v1/rules/{id}/dry-run":                     managers,
	}
	requesterActions := map[string]bool{"comment": true, "feedback": true, "close": true, "reopen": true, "cancel": true, "watch": true, "approve": true, "reject": true}
	for a := range actionFields {
		if requesterActions[a] {
			table["POST /api/v1/work-items/{id}/"+a] = item
		} else {
			table["POST /api/v1/work-items/{id}/"+a] = itemAgentOnly
		}
	}
	bodies := map[string]string{
		"POST /api/v1/sessions":                   `{"email":"ursula@example.org","password":"nope"}`,
		"POST /api/v1/work-items":                 `{"kind":"incident","title":"Matrix"}`,
		"PATCH /api/v1/work-items/{id}":           `{"impact":2}`,
		"POST /api/v1/people":                     `{"id":"p-%d","name":"P","email":"p%d@example.org","role":"requester"}`,
		"POST /api/v1/teams":                      `{"id":"team-%d","name":"T"}`,
		"POST /api/v1/organisations":              `{"id":"org-%d","name":"O"}`,
		"POST /api/v1/services":                   `{"id":"svc-%d","name":"S"}`,
		"POST /api/v1/work-items/{id}/comment":    `{"body":"hello"}`,
		"POST /api/v1/work-items/{id}/escalate":   `{"team":"application-support"}`,
		"POST /api/v1/work-items/{id}/reclassify": `{"kind":"query"}`,
		"POST /api/v1/work-items/{id}/duplicate":  `{"of":"INC-1"}`,
		"POST /api/v1/work-items/{id}/feedback":   `{"score":4}`,
		"POST /api/v1/work-items/{id}/pause":      `{"reason":"awaiting_vendor"}`,
		"POST /api/v1/work-items/{id}/assign":     `{"person":"alice"}`,
		"POST /api/v1/work-items/{id}/task":       `{"task":"x"}`,
		"POST /api/v1/work-items/{id}/watch":      `{"person":"ursula"}`,
		"POST /api/v1/work-items/{id}/link":       `{"type":"vendor-ticket","other":"V-1"}`,
		"POST /api/v1/work-items/{id}/swarm":      `{"person":"alice"}`,
		"POST /api/v1/work-items/{id}/reroute":    `{"stream":"request-fulfilment"}`,
		"POST /api/v1/improvements": `{"title":"Matrix %d","problem_observed":"slow","proposed_action":"add a person",` +
			`"criterion":{"metric":"time_to_resolve_p50","direction":"decrease","target":3600,"window":"14d"}}`,
		"PATCH /api/v1/improvements/{id}":       `{"proposed_action":"change %d"}`,
		"POST /api/v1/knowledge/articles":       `{"title":"Matrix %d","resolution":"Restart it"}`,
		"PATCH /api/v1/knowledge/articles/{id}": `{"cause":"a loose cable"}`,
		"POST /api/v1/knowledge/suggestions":    `{"text":"matrix"}`,
		"POST /api/v1/webhooks":                 `{"url":"https://hooks.example.org/%d","events":["*"]}`,
		"POST /api/v1/rules":                    `{"rule":{"id":"rule-%d","name":"R","on":["created"],"then":[{"route":"network"}]}}`,
		"POST /api/v1/rules/dry-run":            `{"yaml":"schema: svcflow/rule/v1\nid: r\nname: R\non: [created]\nthen: {route: network}\n"}`,
	}
	e := newTestEnv(t)
	e.must(201, "ada", "POST", "/api/v1/cis", map[string]any{"id": "mail-db", "name": "Mail database", "class": "database"})
	e.must(201, "ada", "POST", "/api/v1/sla-policies", map[string]any{"id": "standard", "name": "Standard", "targets": []map[string]any{{"priority": "P5", "response": "4h", "resolution": "3bd"}}})
	var imp struct{ Item struct{ ID string } }
	e.must(201, "ada", "POST", "/api/v1/improvements", map[string]any{"title": "Matrix improvement", "problem_observed": "slow",
		"proposed_action": "add a person", "criterion": map[string]any{"metric": "reopen_rate", "direction": "decrease", "target": 0.05, "window": "14d"}}).json(t, &imp)
	n := 0
	for _, rt := range e.srv.routes() {
		if rt.html || rt.raw != nil {
			continue
		}
		key := rt.method + " " + rt.path
		want, ok := table[key]
		if !ok {
			t.Errorf("route %s has no row in the route × role table", key)
			continue
		}
		for i, who := range roles {
			n++
			// A fresh item of ursula's for every call: earlier calls cannot
			// change what later ones see.
			it := e.open("ursula", map[string]any{"kind": "incident", "title": "Matrix item"})
			path := strings.ReplaceAll(rt.path, "{id}", it.ID)
			switch {
			case strings.HasPrefix(rt.path, "/api/v1/value-streams/{id}"):
				path = strings.ReplaceAll(rt.path, "{id}", "restore-live-service")
			case strings.HasPrefix(rt.path, "/api/v1/cis/{id}"):
				path = strings.ReplaceAll(rt.path, "{id}", "mail-db")
			case strings.HasPrefix(rt.path, "/api/v1/teams/{id}"):
				path = strings.ReplaceAll(rt.path, "{id}", "service-desk")
			case strings.HasPrefix(rt.path, "/api/v1/improvements/{id}"):
				path = strings.ReplaceAll(rt.path, "{id}", imp.Item.ID)
				var cur struct{ Item struct{ Version int } }
				e.must(200, "ada", "GET", path, nil).json(t, &cur)
				it.Version = cur.Item.Version
			case rt.path == "/api/v1/people/{id}":
				path = "/api/v1/people/ursula"
			case rt.path == "/api/v1/people/{id}/erase":
				path = "/api/v1/people/zed/erase"
			case rt.path == "/api/v1/attachments/{id}":
				var a struct{ ID string }
				e.must(201, "ursula", "POST", "/api/v1/work-items/"+it.ID+"/attachments?name=a.txt", "hello", "Content-Type", "text/plain").json(t, &a)
				path = "/api/v1/attachments/" + a.ID
			case strings.HasPrefix(rt.path, "/api/v1/rules/{id}"):
				rule := fmt.Sprintf("rule-x%d", n) // a fresh one: an earlier call may have deleted the last
				e.must(201, "ada", "POST", "/api/v1/rules", map[string]any{"rule": map[string]any{"id": rule, "name": "R", "on": []string{"created"}, "then": []any{map[string]any{"route": "network"}}}})
				path = strings.ReplaceAll(rt.path, "{id}", rule)
			case strings.HasPrefix(rt.path, "/api/v1/webhooks/{id}"):
				hook := fmt.Sprintf("hook-%d", n) // a fresh one: an earlier call may have deleted the last
				e.must(201, "ada", "POST", "/api/v1/webhooks", map[string]any{"id": hook, "url": "https://hooks.example.org/x", "events": []string{"*"}})
				path = strings.ReplaceAll(rt.path, "{id}", hook)
			case rt.path == "/api/v1/work-items/{id}/attachments" && rt.method == "POST":
				path += "?name=note.txt"
			}
			var body any
			if b, ok := bodies[key]; ok {
				b = strings.ReplaceAll(b, "%d", fmt.Sprint(n))
				body = b
			}
			// A fresh published article for every call, and for solving,
			// a fresh session of ursula's that was shown it.
			if strings.HasPrefix(rt.path, "/api/v1/knowledge/articles/{id}") || strings.HasPrefix(rt.path, "/api/v1/knowledge/suggestions/{session}") {
				a := e.publishedArticle(fmt.Sprintf("Matrix article %d", n))
				path = strings.ReplaceAll(rt.path, "{id}", a.ID)
				if strings.Contains(rt.path, "{session}") {
					ss, _, err := e.desk.Suggest(context.Background(), ursula, fmt.Sprintf("matrix article %d", n), "")
					if err != nil || ss.ID == "" {
						t.Fatalf("suggest: %+v %v", ss, err)
					}
					path = strings.ReplaceAll(rt.path, "{session}", ss.ID)
					body = map[string]any{"article": a.ID}
				}
			}
			headers := []string{}
			if rt.rawBody {
				body, headers = "some text", []string{"Content-Type", "text/plain"}
			}
			if rt.method == "PATCH" {
				headers = []string{"If-Match", etag(it.Version)}
			}
			r := e.do(who, rt.method, path, body, headers...)
			if got := classify(r.status); got != want[i] {
				t.Errorf("%s as %q: %s (%d), want %s: %.200s", key, who, got, r.status, want[i], r.body)
			}
		}
	}
	if n < 200 {
		t.Errorf("only %d route × role checks", n)
	}
}
