package server

import (
	"bytes"
	"io"
	"net/http"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/report"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(s.readyNote.Load().(string) + "\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) streams(r *http.Request) ([]*svcflow.ValueStream, error) {
	return s.desk.Store().LatestStreams(r.Context())
}

func (s *Server) stream(r *http.Request) (*svcflow.ValueStream, error) {
	all, err := s.streams(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	for _, st := range all {
		if st.ID == id {
			return st, nil
		}
	}
	return nil, newProblem("not-found", "no value stream "+id)
}

// streamList lists value streams.
type streamList struct {
	Items []svcflow.StreamSummary `json:"items"`
}

func (s *Server) listStreams(w http.ResponseWriter, r *http.Request) error {
	all, err := s.streams(r)
	if err != nil {
		return err
	}
	out := streamList{Items: make([]svcflow.StreamSummary, len(all))}
	for i, st := range all {
		out.Items[i] = st.Summary()
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) showStream(w http.ResponseWriter, r *http.Request) error {
	st, err := s.stream(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (s *Server) streamMap(w http.ResponseWriter, r *http.Request) error {
	st, err := s.stream(r)
	if err != nil {
		return err
	}
	return writeSVG(w, func(out io.Writer) error {
		return report.Map(out, st, report.MapOptions{Lanes: r.URL.Query().Get("lanes") == "1"})
	})
}

// writeSVG draws fully before answering, so a failed drawing is an error
// response rather than half a picture.
func writeSVG(w http.ResponseWriter, draw func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := draw(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *Server) stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(report.Stylesheet())
}
