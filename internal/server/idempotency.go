package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/svcflow/svcflow/internal/desk"
)

// maxIdempotencyKey bounds the header's length.
const maxIdempotencyKey = 200

// captureWriter passes a response through and keeps a copy to remember.
type captureWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

// idempotent makes a POST handler honour Idempotency-Key (SPEC §5): the
// first request with a key runs and its answer is remembered for 24 hours;
// a repeat gets the same answer without running again. Keys are scoped to
// the person and the path, so one client cannot replay another's.
func (s *Server) idempotent(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			return h(w, r)
		}
		if len(key) > maxIdempotencyKey {
			return newProblem("invalid", "Idempotency-Key is too long (at most 200 characters)", fieldError{"Idempotency-Key", "too long"})
		}
		who := ""
		if p := personOf(r); p != nil {
			who = p.ID
		}
		sum := sha256.Sum256([]byte(who + "\x00" + r.Method + "\x00" + r.URL.Path + "\x00" + key))
		scoped := hex.EncodeToString(sum[:])
		prev, err := s.desk.ReserveIdempotencyKey(r.Context(), scoped)
		if errors.Is(err, desk.ErrConflict) {
			return newProblem("idempotency-in-flight", "a request with this Idempotency-Key is still running; retry shortly")
		}
		if err != nil {
			return err
		}
		if prev != nil {
			w.Header().Set("Content-Type", prev.ContentType)
			if prev.ETag != "" {
				w.Header().Set("ETag", prev.ETag)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.Status)
			_, err := w.Write(prev.Body)
			return err
		}
		cw := &captureWriter{ResponseWriter: w}
		herr := h(cw, r)
		if herr != nil {
			// Remember refusals (4xx) too: the same request would be refused
			// again; forget failures (5xx) so a retry can succeed.
			ae := fromDomain(herr)
			if ae == nil || ae.p.Status >= 500 {
				s.desk.ReleaseIdempotencyKey(r.Context(), scoped)
				return herr
			}
			cw2 := &captureWriter{ResponseWriter: w}
			s.writeProblem(cw2, r, herr)
			return s.desk.CompleteIdempotencyKey(r.Context(), scoped, desk.IdempotentResponse{
				Status: cw2.status, ContentType: "application/problem+json", Body: cw2.buf.Bytes()})
		}
		if cw.status >= 500 || cw.status == 0 {
			return s.desk.ReleaseIdempotencyKey(r.Context(), scoped)
		}
		return s.desk.CompleteIdempotencyKey(r.Context(), scoped, desk.IdempotentResponse{
			Status: cw.status, ContentType: cw.Header().Get("Content-Type"), ETag: cw.Header().Get("ETag"), Body: cw.buf.Bytes()})
	}
}
