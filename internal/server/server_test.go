package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/library"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Streams: streams})
}

func TestRoutes(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	tests := []struct {
		method, path string
		status       int
		ctype        string
		want         string
	}{
		{"GET", "/healthz", 200, "text/plain", "ok"},
		{"GET", "/readyz", 503, "text/plain", "starting"},
		{"GET", "/api/v1/value-streams", 200, "application/json", `"id":"restore-live-service"`},
		{"GET", "/api/v1/value-streams/restore-live-service", 200, "application/json", `"reopen_to":"investigate"`},
		{"GET", "/api/v1/value-streams/nope", 404, "application/problem+json", `"type":"https://svcflow.dev/problems/not-found"`},
		{"GET", "/api/v1/value-streams/password-reset/map.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/", 200, "text/html", `href="/streams/restore-live-service"`},
		{"GET", "/streams/new-service", 200, "text/html", `<link rel="stylesheet" href="/static/report.css">`},
		{"GET", "/streams/nope", 404, "text/plain", "no value stream nope"},
		{"GET", "/static/report.css", 200, "text/css", "border-collapse"},
		{"GET", "/nowhere", 404, "text/plain", "404"},
		{"POST", "/api/v1/value-streams", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), tt.ctype) {
				t.Errorf("content type %q, want %q", res.Header.Get("Content-Type"), tt.ctype)
			}
			if !strings.Contains(string(body), tt.want) {
				t.Errorf("body lacks %q: %.300s", tt.want, body)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
}

func TestReady(t *testing.T) {
	s := newTestServer(t)
	s.SetReady()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("readyz after SetReady: %d", rec.Code)
	}
}

// TestCrossOriginRefused: a state-changing request from another origin is
// refused before it reaches a handler.
func TestCrossOriginRefused(t *testing.T) {
	s := newTestServer(t)
	req := httptest.NewRequest("POST", "/api/v1/value-streams", strings.NewReader("{}"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", rec.Code)
	}
}

func TestProblemShape(t *testing.T) {
	s := newTestServer(t)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/value-streams/missing", nil))
	var p struct {
		Type, Title, Detail string
		Status              int
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 404 || p.Title == "" || p.Detail != "no value stream missing" {
		t.Errorf("problem %+v", p)
	}
}
