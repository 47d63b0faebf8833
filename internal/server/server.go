// Package server is svcflow's HTTP surface: the JSON API under /api/v1, the
// server-rendered pages and the operational endpoints. It depends on the
// domain and the desk's use cases, never on a particular store.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/notify"
)

// Options configures a Server. Everything it needs is passed in; it reads
// no flags, environment or globals.
type Options struct {
	Logger  *slog.Logger
	Desk    *desk.Desk
	Limiter *auth.Limiter // login rate limiting; nil builds the default
	// SecureCookies marks cookies Secure (the public URL is https).
	SecureCookies bool
	// MaxBodyBytes bounds JSON request bodies (default 1 MiB).
	MaxBodyBytes int64
}

// Server holds what the handlers share.
type Server struct {
	log       *slog.Logger
	desk      *desk.Desk
	limiter   *auth.Limiter
	secure    bool
	maxBody   int64
	ready     atomic.Bool
	readyNote atomic.Value // string: why not ready yet

	metrics *metrics
	tokens  tokenCache
	keys    *notify.Keys  // signs and checks the action links mailed to requesters
	logs    logCache      // the event log as analytics read it
	dash    dashCache     // the dashboards' SLA outcome per item
	simRuns chan struct{} // a slot per simulation the pages may run at once

	openAPIOnce sync.Once // the document is built once, on first request
	openAPIJSON []byte
	openAPIErr  error
}

// New returns a server that is live but not yet ready; call SetReady once
// start-up work (migrations, demo data) is committed.
func New(opt Options) (*Server, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lim := opt.Limiter
	if lim == nil {
		var err error
		if lim, err = auth.NewLimiter(auth.Options{}); err != nil {
			return nil, err
		}
	}
	maxBody := opt.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 1 << 20
	}
	var stats func(context.Context) (desk.Stats, error)
	if opt.Desk != nil {
		stats = opt.Desk.Store().Stats
	}
	s := &Server{log: log, desk: opt.Desk, limiter: lim, secure: opt.SecureCookies, maxBody: maxBody, metrics: newMetrics(stats),
		simRuns: make(chan struct{}, simPageRuns)}
	if opt.Desk != nil {
		s.keys = &notify.Keys{Store: opt.Desk.Store()}
	}
	s.readyNote.Store("starting")
	return s, nil
}

// SetReady marks the server ready: /readyz answers 200 from now on.
func (s *Server) SetReady() { s.ready.Store(true) }

// SetStarting says what start-up is doing, for /readyz.
func (s *Server) SetStarting(note string) { s.readyNote.Store(note) }

// handlerFunc is a handler that returns its failure instead of writing it,
// so that every error reaches the client in one consistent shape.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// problem is an RFC 9457 problem document. Type is one of the stable types
// listed in the OpenAPI document; Detail is safe to show to users.
type problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Errors []fieldError `json:"errors,omitempty"`
}

// fieldError names one offending field of a request.
type fieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// apiError is an error with its problem document.
type apiError struct{ p problem }

func (e *apiError) Error() string { return e.p.Detail }

// problemTypeBase prefixes problem types.
const problemTypeBase = "https://svcflow.dev/problems/"

// problemTypes lists every problem type with its status and title; the
// OpenAPI document publishes it.
var problemTypes = map[string]struct {
	Status int
	Title  string
}{
	"malformed":              {400, "Malformed request"},
	"unauthorized":           {401, "Sign-in required"},
	"forbidden":              {403, "Not allowed"},
	"not-found":              {404, "Not found"},
	"method-not-allowed":     {405, "Method not allowed"},
	"conflict":               {409, "Conflict"},
	"idempotency-in-flight":  {409, "Request with this Idempotency-Key in progress"},
	"precondition-failed":    {412, "Version mismatch"},
	"payload-too-large":      {413, "Request body too large"},
	"unsupported-media-type": {415, "Unsupported media type"},
	"invalid":                {422, "Invalid request"},
	"precondition-required":  {428, "If-Match required"},
	"too-many-requests":      {429, "Too many attempts"},
	"internal":               {500, "Internal error"},
}

func newProblem(typ, detail string, fields ...fieldError) *apiError {
	pt := problemTypes[typ]
	return &apiError{problem{Type: problemTypeBase + typ, Title: pt.Title, Status: pt.Status, Detail: detail, Errors: fields}}
}

// fromDomain maps a domain error to its problem; other errors are internal.
func fromDomain(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var fe *desk.FieldErrors
	if errors.As(err, &fe) {
		fields := make([]fieldError, len(fe.Errors))
		for i, e := range fe.Errors {
			fields[i] = fieldError{Field: e.Field, Detail: e.Message}
		}
		return newProblem("invalid", fe.Error(), fields...)
	}
	var de *svcflow.Error
	if !errors.As(err, &de) {
		return nil
	}
	var fields []fieldError
	if de.Field != "" {
		fields = []fieldError{{Field: de.Field, Detail: de.Message}}
	}
	switch de.Code {
	case svcflow.ErrInvalid:
		return newProblem("invalid", de.Error(), fields...)
	case svcflow.ErrConflict:
		if de.Field == "If-Match" {
			return newProblem("precondition-failed", de.Message)
		}
		return newProblem("conflict", de.Error(), fields...)
	case svcflow.ErrForbidden:
		return newProblem("forbidden", de.Error())
	case svcflow.ErrNotFound:
		return newProblem("not-found", de.Error())
	}
	return nil
}

// api adapts a JSON handler: errors become problem documents, and internal
// errors are logged once here and never sent to the client.
func (s *Server) api(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		s.writeProblem(w, r, err)
	})
}

func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	ae := fromDomain(err)
	if ae == nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = newProblem("internal", "the server could not complete the request; the error has been logged")
	}
	if ae.p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="svcflow"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(ae.p.Status)
	json.NewEncoder(w).Encode(ae.p)
}

// page adapts an HTML handler: internal errors are logged and answered
// with a plain message.
func (s *Server) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if ae := fromDomain(err); ae != nil {
			s.errorPage(w, r, ae.p.Status, capitalize(ae.p.Detail)+".", ae.p.Errors)
			return
		}
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side; it has been logged.", nil)
	})
}

// errorPage answers a page request that failed with a page saying why,
// inside the usual layout so the person can carry on. A 404 says only that
// there is nothing to see, so it tells nothing about what exists.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, detail string, fields []fieldError) {
	d := pageData{Title: http.StatusText(status), Error: detail, View: fields}
	if p, sess, ok, err := s.browserSession(r); err == nil && ok {
		d.Person, d.CSRF, d.Nav = p, sess.CSRF, nav(p, "")
	}
	name := "error"
	if status == http.StatusNotFound {
		name, d.Title = "notfound", "Not found"
	}
	if err := render(w, status, name, d); err != nil {
		s.log.ErrorContext(r.Context(), "error page failed", "path", r.URL.Path, "err", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// contentSecurityPolicy allows nothing inline: pages link their stylesheet
// and SVG uses presentation attributes only.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// secure sets the headers every response carries.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}
