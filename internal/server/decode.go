package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// decode reads a JSON request body into v: application/json only, at most
// the server's size limit, one value, no unknown fields. Its errors name
// the field and what was expected.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Body == http.NoBody {
		return decodeBytes(nil, v)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return newProblem("unsupported-media-type", fmt.Sprintf("Content-Type %q; send application/json", ct))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return newProblem("payload-too-large", fmt.Sprintf("the body is larger than %d bytes", s.maxBody))
	}
	if err != nil {
		return newProblem("malformed", "could not read the request body")
	}
	return decodeBytes(body, v)
}

// decodeBytes is the decoding of decode without HTTP, for tests and fuzzing.
// An empty body decodes as {}.
func decodeBytes(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		ae := jsonProblem(err)
		if ae.p.Type == problemTypeBase+"malformed" && !isSyntax(err) {
			if field := failingField(body, v); field != "" {
				// A value's own parser refused it ("size": "soon"): name the field.
				msg := strings.TrimPrefix(err.Error(), "json: ")
				return newProblem("invalid", field+": "+msg, fieldError{field, msg})
			}
		}
		return ae
	}
	if dec.More() {
		return newProblem("malformed", "the body holds more than one JSON value")
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return newProblem("malformed", "the body holds more than one JSON value")
	}
	return nil
}

// jsonProblem explains a decoding error in terms of the request's fields.
func jsonProblem(err error) *apiError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return newProblem("malformed", fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return newProblem("malformed", "the JSON body ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return newProblem("invalid", fmt.Sprintf("expected a JSON %s", jsonKind(typ.Type.Kind().String())))
		}
		detail := fmt.Sprintf("expected %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		return newProblem("invalid", field+": "+detail, fieldError{Field: field, Detail: detail})
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return newProblem("invalid", fmt.Sprintf("unknown field %q", name), fieldError{Field: name, Detail: "unknown field"})
	}
	var pe *fieldParseError
	if errors.As(err, &pe) {
		return newProblem("invalid", pe.field+": "+pe.msg, fieldError{Field: pe.field, Detail: pe.msg})
	}
	return newProblem("malformed", "malformed JSON: "+strings.TrimPrefix(msg, "json: "))
}

// fieldParseError is returned by custom unmarshalers of request fields.
type fieldParseError struct{ field, msg string }

func (e *fieldParseError) Error() string { return e.field + ": " + e.msg }

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a " + goKind
}

// asErr is errors.As, named for the handlers that use it on one line.
func asErr(err error, target any) bool { return errors.As(err, target) }

func isSyntax(err error) bool {
	var syn *json.SyntaxError
	return errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF)
}

// failingField finds the top-level field whose value v's type refuses, by
// decoding the fields one at a time into fresh values of v's type. The
// json package reports such errors without the field.
func failingField(body []byte, v any) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t := reflect.TypeOf(v).Elem()
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if json.Unmarshal(one, reflect.New(t).Interface()) != nil {
			return k
		}
	}
	return ""
}
