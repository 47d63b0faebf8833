// Package server is svcflow's HTTP surface: the JSON API under /api/v1, the
// server-rendered pages and the operational endpoints. It depends on the
// domain and on use-case packages, never on a particular store.
package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/svcflow/svcflow"
)

// Options configures a Server. Everything it needs is passed in; it reads
// no flags, environment or globals.
type Options struct {
	Logger  *slog.Logger
	Streams []*svcflow.ValueStream
}

// Server holds what the handlers share.
type Server struct {
	log     *slog.Logger
	streams []*svcflow.ValueStream
	ready   atomic.Bool
}

// New returns a server that is live but not yet ready; call SetReady once
// start-up work (migrations, demo data) is committed.
func New(opt Options) *Server {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{log: log, streams: opt.Streams}
}

// SetReady marks the server ready: /readyz answers 200 from now on.
func (s *Server) SetReady() { s.ready.Store(true) }

// handlerFunc is a handler that returns its failure instead of writing it,
// so that every error reaches the client in one consistent shape.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// apiError is an error with an HTTP status and a stable problem type; its
// Detail is safe to show to users.
type apiError struct {
	Status int
	Type   string
	Title  string
	Detail string
}

func (e *apiError) Error() string { return e.Detail }

func notFound(detail string) error {
	return &apiError{Status: http.StatusNotFound, Type: "not-found", Title: "Not found", Detail: detail}
}

// problemTypeBase prefixes problem types; the OpenAPI document lists them.
const problemTypeBase = "https://svcflow.dev/problems/"

// api adapts a JSON handler: errors become RFC 9457 problem documents, and
// internal errors are logged once here and never sent to the client.
func (s *Server) api(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = &apiError{Status: http.StatusInternalServerError, Type: "internal", Title: "Internal error", Detail: "the server could not complete the request; it has been logged"}
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(ae.Status)
		json.NewEncoder(w).Encode(map[string]any{
			"type": problemTypeBase + ae.Type, "title": ae.Title, "status": ae.Status, "detail": ae.Detail,
		})
	})
}

// page adapts an HTML handler: internal errors are logged and answered
// with a plain message.
func (s *Server) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if errors.As(err, &ae) {
			http.Error(w, ae.Detail, ae.Status)
			return
		}
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err)
		http.Error(w, "Something went wrong; it has been logged.", http.StatusInternalServerError)
	})
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
