package server

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Response types that are domain types, named for the route table.
var (
	valueStream  = svcflow.ValueStream{}
	team         = svcflow.Team{}
	organisation = svcflow.Organisation{}
	service      = svcflow.Service{}
)

// enums lists the values of string types the document constrains.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[svcflow.Kind]():       svcflow.KindIDs(),
	reflect.TypeFor[svcflow.Activity]():   svcflow.ActivityIDs(),
	reflect.TypeFor[svcflow.Status]():     {"new", "in_progress", "on_hold", "resolved", "closed", "cancelled"},
	reflect.TypeFor[svcflow.VisitState](): {"queued", "active", "blocked"},
	reflect.TypeFor[svcflow.Role]():       {"requester", "agent", "manager", "admin"},
	reflect.TypeFor[svcflow.Priority]():   {"P1", "P2", "P3", "P4", "P5"},
}

// schemas derives JSON Schemas (OpenAPI 3.1) from the Go types the
// handlers encode and decode, so the document cannot drift from the wire.
type schemas struct {
	defs map[string]any
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

func (sc *schemas) of(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		return nullable(sc.of(t.Elem()))
	}
	if e, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": e}
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.TypeFor[svcflow.Quorum]():
		return map[string]any{"oneOf": []any{map[string]any{"type": "integer", "minimum": 1}, map[string]any{"const": "all"}}}
	}
	if t.Implements(textMarshaler) {
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": sc.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": sc.of(t.Elem())}
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return sc.object(t)
		}
		if _, ok := sc.defs[name]; !ok {
			sc.defs[name] = nil // reserve: recursive types refer to it
			sc.defs[name] = sc.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{}
}

// nullable lets a schema also match null.
func nullable(inner map[string]any) map[string]any {
	if ty, ok := inner["type"].(string); ok {
		out := map[string]any{}
		for k, v := range inner {
			out[k] = v
		}
		out["type"] = []any{ty, "null"}
		return out
	}
	return map[string]any{"anyOf": []any{inner, map[string]any{"type": "null"}}}
}

// object is a struct's schema: its JSON fields, the ones without omitempty
// or omitzero required, nothing else allowed.
func (sc *schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		props[name] = sc.of(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			required = append(required, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

// actionSchema narrows the action body to the fields one action takes.
func (sc *schemas) actionSchema(action string) map[string]any {
	full := sc.object(reflect.TypeFor[actionBody]())
	props := full["properties"].(map[string]any)
	keep := map[string]any{}
	for _, f := range actionFields[action] {
		keep[f] = props[f]
	}
	return map[string]any{"type": "object", "properties": keep, "additionalProperties": false}
}

// OpenAPI builds the OpenAPI 3.1 document of the route table.
func (s *Server) OpenAPI() map[string]any {
	sc := &schemas{defs: map[string]any{}}
	paths := map[string]any{}
	problemRef := map[string]any{"$ref": "#/components/responses/Problem"}
	for _, rt := range s.routes() {
		if rt.html || rt.path == "/{$}" {
			continue
		}
		op := map[string]any{"summary": rt.summary, "operationId": operationID(rt)}
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		for _, q := range rt.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.description, "schema": map[string]any{"type": "string"}})
		}
		if rt.method == "POST" && !rt.public {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "description": "repeats within 24 h return the first answer", "schema": map[string]any{"type": "string", "maxLength": maxIdempotencyKey}})
		}
		if rt.method == "PATCH" || rt.action != "" {
			params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": rt.method == "PATCH", "description": "the item's ETag; 412 if it changed", "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.rawBody {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"*/*": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
		}
		if rt.request != nil {
			var body map[string]any
			if rt.action != "" {
				body = sc.actionSchema(rt.action)
			} else {
				body = sc.of(reflect.TypeOf(rt.request))
			}
			op["requestBody"] = map[string]any{"required": rt.action == "", "content": map[string]any{"application/json": map[string]any{"schema": body}}}
		}
		ok := map[string]any{"description": http.StatusText(rt.status)}
		switch {
		case rt.response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": sc.of(reflect.TypeOf(rt.response))}}
		case rt.download:
			ok["content"] = map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		case strings.HasSuffix(rt.path, ".svg"):
			ok["content"] = map[string]any{"image/svg+xml": map[string]any{}}
		case rt.raw != nil:
			ok["content"] = map[string]any{"text/plain": map[string]any{}}
		}
		responses := map[string]any{itoa(rt.status): ok, "default": problemRef}
		op["responses"] = responses
		if !rt.public {
			op["security"] = []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}}
		} else {
			op["security"] = []any{}
		}
		p, _ := paths[rt.path].(map[string]any)
		if p == nil {
			p = map[string]any{}
			paths[rt.path] = p
		}
		p[strings.ToLower(rt.method)] = op
	}
	var types []any
	names := make([]string, 0, len(problemTypes))
	for n := range problemTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		types = append(types, map[string]any{"type": problemTypeBase + n, "status": problemTypes[n].Status, "title": problemTypes[n].Title})
	}
	sc.defs["Problem"] = sc.object(reflect.TypeFor[problem]())
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title": "svcflow API", "version": "1",
			"description": "IT service management with executable value streams. Errors are RFC 9457 problem documents; their types are listed in x-problem-types.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": sc.defs,
			"responses": map[string]any{"Problem": map[string]any{"description": "An RFC 9457 problem",
				"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}},
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "an API token from `svcflow token create`"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "svcflow_session"},
			},
		},
		"x-problem-types": types,
	}
}

func operationID(rt route) string {
	id := strings.ToLower(rt.method)
	for _, seg := range strings.Split(strings.Trim(rt.path, "/"), "/") {
		seg = strings.Trim(seg, "{}")
		seg = strings.NewReplacer("-", "_", ".", "_").Replace(seg)
		if seg != "" && seg != "api" && seg != "v1" {
			id += "_" + seg
		}
	}
	return id
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) error {
	s.openAPIOnce.Do(func() {
		s.openAPIJSON, s.openAPIErr = json.MarshalIndent(s.OpenAPI(), "", "  ")
	})
	if s.openAPIErr != nil {
		return s.openAPIErr
	}
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(s.openAPIJSON)
	return err
}
