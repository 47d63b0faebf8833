package server

import (
	"net/http"
)

// Handler returns the whole route table wrapped in the middleware every
// request passes through, outermost first: access log, security headers,
// cross-origin protection.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)

	mux.Handle("GET /api/v1/value-streams", s.api(s.listStreams))
	mux.Handle("GET /api/v1/value-streams/{id}", s.api(s.showStream))
	mux.Handle("GET /api/v1/value-streams/{id}/map.svg", s.api(s.streamMap))

	mux.Handle("GET /{$}", s.page(s.indexPage))
	mux.Handle("GET /streams/{id}", s.page(s.streamPage))
	mux.HandleFunc("GET /static/report.css", s.stylesheet)

	cop := http.NewCrossOriginProtection()
	return s.logRequests(secure(cop.Handler(mux)))
}
