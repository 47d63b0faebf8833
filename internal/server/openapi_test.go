package server

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// validator checks JSON values against the subset of JSON Schema the
// generated document uses: type (one or a list), properties, required,
// additionalProperties (false or a schema), items, enum, const, oneOf,
// anyOf, $ref, format date-time.
type validator struct{ defs map[string]any }

func (v validator) check(schema map[string]any, val any, path string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		def, ok := v.defs[name].(map[string]any)
		if !ok {
			return []string{path + ": unresolved $ref " + ref}
		}
		return v.check(def, val, path)
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		return v.alternatives(alts, val, path, true)
	}
	if alts, ok := schema["anyOf"].([]any); ok {
		return v.alternatives(alts, val, path, false)
	}
	if c, ok := schema["const"]; ok && c != val {
		return []string{fmt.Sprintf("%s: %v, want %v", path, val, c)}
	}
	var errs []string
	if t, ok := schema["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, jsonType(val)) && !(jsonType(val) == "integer" && slices.Contains(types, "number")) {
			return []string{fmt.Sprintf("%s: %s, want %v", path, jsonType(val), types)}
		}
	}
	if e, ok := schema["enum"].([]any); ok && !slices.Contains(e, val) {
		errs = append(errs, fmt.Sprintf("%s: %v not in %v", path, val, e))
	}
	if schema["format"] == "date-time" {
		if s, ok := val.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", path, s))
			}
		}
	}
	switch x := val.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asStrings(schema["required"]) {
			if _, ok := x[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing required %q", path, r))
			}
		}
		for k, fv := range x {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, v.check(ps, fv, path+"."+k)...)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: unexpected property %q", path, k))
				}
			case map[string]any:
				errs = append(errs, v.check(ap, fv, path+"."+k)...)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, it := range x {
				errs = append(errs, v.check(items, it, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func (v validator) alternatives(alts []any, val any, path string, exactlyOne bool) []string {
	n := 0
	for _, a := range alts {
		if len(v.check(a.(map[string]any), val, path)) == 0 {
			n++
		}
	}
	if n == 0 || (exactlyOne && n > 1) {
		return []string{fmt.Sprintf("%s: %v matches %d of the alternatives", path, val, n)}
	}
	return nil
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		var out []string
		for _, s := range x {
			out = append(out, s.(string))
		}
		return out
	}
	return nil
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// loadDoc fetches the document anonymously, as integrators do, and
// re-reads it as plain JSON.
func loadDoc(t *testing.T, e *testEnv) map[string]any {
	t.Helper()
	r := e.must(200, "", "GET", "/api/v1/openapi.json", nil)
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// pathRegexp turns an OpenAPI path template into a matcher.
func pathRegexp(p string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$")
}

// validateResponse checks a response body against the document's schema
// for the operation and status.
func validateResponse(t *testing.T, doc map[string]any, method, path string, status int, body []byte) {
	t.Helper()
	paths := doc["paths"].(map[string]any)
	var op map[string]any
	for tmpl, item := range paths {
		if pathRegexp(tmpl).MatchString(path) {
			if o, ok := item.(map[string]any)[strings.ToLower(method)].(map[string]any); ok {
				op = o
			}
		}
	}
	if op == nil {
		t.Errorf("%s %s is not in the OpenAPI document", method, path)
		return
	}
	defs := doc["components"].(map[string]any)["schemas"].(map[string]any)
	v := validator{defs: defs}
	responses := op["responses"].(map[string]any)
	var schema map[string]any
	if r, ok := responses[fmt.Sprint(status)].(map[string]any); ok {
		if c, ok := r["content"].(map[string]any)["application/json"].(map[string]any); ok {
			schema, _ = c["schema"].(map[string]any)
		}
	} else if status >= 400 {
		schema = map[string]any{"$ref": "#/components/schemas/Problem"}
	} else {
		t.Errorf("%s %s: status %d not documented", method, path, status)
		return
	}
	if schema == nil {
		return
	}
	var val any
	if err := json.Unmarshal(body, &val); err != nil {
		t.Errorf("%s %s: body is not JSON: %v", method, path, err)
		return
	}
	for _, err := range v.check(schema, val, "body") {
		t.Errorf("%s %s (%d): %s", method, path, status, err)
	}
}

func validateRequest(t *testing.T, doc map[string]any, method, path string, body any) {
	t.Helper()
	paths := doc["paths"].(map[string]any)
	for tmpl, item := range paths {
		if !pathRegexp(tmpl).MatchString(path) {
			continue
		}
		op, _ := item.(map[string]any)[strings.ToLower(method)].(map[string]any)
		rb, _ := op["requestBody"].(map[string]any)
		if rb == nil {
			continue
		}
		schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		b, _ := json.Marshal(body)
		var val any
		json.Unmarshal(b, &val)
		v := validator{defs: doc["components"].(map[string]any)["schemas"].(map[string]any)}
		for _, err := range v.check(schema, val, "request") {
			t.Errorf("%s %s request: %s", method, path, err)
		}
	}
}

// TestOpenAPICoversEveryRoute: every API route the server serves is in the
// document, and the document has no route the server lacks.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	e := newTestEnv(t)
	doc := loadDoc(t, e)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	served := map[string]bool{}
	for _, rt := range e.srv.routes() {
		if rt.html {
			continue
		}
		key := strings.ToLower(rt.method) + " " + rt.path
		served[key] = true
		item, ok := paths[rt.path].(map[string]any)
		if !ok || item[strings.ToLower(rt.method)] == nil {
			t.Errorf("route %s %s is not in the document", rt.method, rt.path)
		}
	}
	var documented []string
	for p, item := range paths {
		for m := range item.(map[string]any) {
			documented = append(documented, m+" "+p)
			if !served[m+" "+p] {
				t.Errorf("the document lists %s %s, which the server does not serve", m, p)
			}
		}
	}
	sort.Strings(documented)
	for _, want := range []string{"get /api/v1/value-streams", "post /api/v1/work-items", "post /api/v1/work-items/{id}/escalate",
		"get /api/v1/events", "get /api/v1/organisations", "get /api/v1/teams", "get /api/v1/people", "get /api/v1/services", "get /api/v1/catalogue"} {
		if !slices.Contains(documented, want) {
			t.Errorf("%s missing", want)
		}
	}
	types := doc["x-problem-types"].([]any)
	if len(types) != len(problemTypes) {
		t.Errorf("%d problem types documented, %d defined", len(types), len(problemTypes))
	}
}

// TestBodiesMatchSchemas drives a little of everything and validates each
// request and response body against the document.
func TestBodiesMatchSchemas(t *testing.T) {
	e := newTestEnv(t)
	doc := loadDoc(t, e)
	type call struct {
		who, method, path string
		body              any
	}
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Printer offline", "watchers": []string{"victor"}})
	id := w.ID
	calls := []call{
		{"ursula", "POST", "/api/v1/work-items", map[string]any{"kind": "service_request", "title": "Headset", "category": "hardware", "impact": 3, "urgency": 2}},
		{"alice", "POST", "/api/v1/work-items/" + id + "/start", map[string]any{}},
		{"alice", "POST", "/api/v1/work-items/" + id + "/complete", map[string]any{}},
		{"alice", "POST", "/api/v1/work-items/" + id + "/swarm", map[string]any{"person": "bob"}},
		{"alice", "POST", "/api/v1/work-items/" + id + "/comment", map[string]any{"body": "Checking the spooler", "public": true}},
		{"alice", "POST", "/api/v1/work-items/" + id + "/pause", map[string]any{"reason": "awaiting_vendor"}},
		{"alice", "POST", "/api/v1/work-items/" + id + "/link", map[string]any{"type": "vendor-ticket", "other": "HP-55123"}},
		{"ursula", "GET", "/api/v1/work-items/" + id, nil},
		{"ursula", "GET", "/api/v1/work-items?mine=true", nil},
		{"alice", "GET", "/api/v1/work-items?status=open&team=service-desk&limit=1", nil},
		{"alice", "GET", "/api/v1/work-items?q=printer", nil},
		{"ursula", "GET", "/api/v1/work-items/" + id + "/events", nil},
		{"ursula", "GET", "/api/v1/work-items/" + id + "/visits", nil},
		{"ursula", "GET", "/api/v1/work-items/" + id + "/comments", nil},
		{"max", "GET", "/api/v1/events?after=0&limit=20", nil},
		{"ursula", "GET", "/api/v1/value-streams", nil},
		{"ursula", "GET", "/api/v1/value-streams/service-change", nil},
		{"ursula", "GET", "/api/v1/value-streams/new-service", nil},
		{"ada", "POST", "/api/v1/people", map[string]any{"id": "nina", "name": "Nina New", "email": "nina@example.org", "role": "agent", "teams": []string{"service-desk"}, "password": "correct horse battery"}},
		{"alice", "GET", "/api/v1/people", nil},
		{"ursula", "GET", "/api/v1/people/ursula", nil},
		{"ada", "POST", "/api/v1/teams", map[string]any{"id": "service-desk", "name": "Service desk", "queue_policy": "priority"}},
		{"ursula", "GET", "/api/v1/teams", nil},
		{"ada", "POST", "/api/v1/organisations", map[string]any{"id": "acme", "name": "ACME", "tier": 1}},
		{"alice", "GET", "/api/v1/organisations", nil},
		{"ada", "POST", "/api/v1/services", map[string]any{"id": "email", "name": "Email", "catalogue": []any{map[string]any{"id": "shared-mailbox", "name": "Shared mailbox", "kind": "service_request"}}}},
		{"ursula", "GET", "/api/v1/services", nil},
		{"ursula", "GET", "/api/v1/catalogue", nil},
		{"ursula", "GET", "/api/v1/me", nil},
		{"", "POST", "/api/v1/sessions", map[string]any{"email": "nina@example.org", "password": "correct horse battery"}},
		{"", "POST", "/api/v1/sessions", map[string]any{"email": "nina@example.org", "password": "wrong"}},
		{"alice", "POST", "/api/v1/work-items/" + id + "/close", nil},
	}
	for _, c := range calls {
		if c.body != nil {
			validateRequest(t, doc, c.method, c.path, c.body)
		}
		r := e.do(c.who, c.method, c.path, c.body)
		if r.status >= 500 {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
		validateResponse(t, doc, c.method, strings.SplitN(c.path, "?", 2)[0], r.status, r.body)
	}
}
