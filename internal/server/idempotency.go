package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
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
// first request with a key runs and a repeat within 24 hours gets the same
// answer without running again. Keys are scoped to the person and the
// path, so one client cannot replay another's.
//
// A request that changes a work item records its key in the transaction
// of the change itself (desk.IdempotencyClaim): the change and the key
// are durable together, and a retry on any instance, even after the
// first instance died between committing and answering, cannot apply it
// twice. The answer is remembered just after; a retry that finds the key
// but no answer (the first request is finishing, or died) waits briefly
// and is then answered from what the request made or changed as it is now
// (the item, the pulled item, or the attachment), marked
// "Idempotent-Replayed: reconstructed". Requests that change no item
// (configuration, refusals) remember their answer after running.
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
		rec, err := s.desk.IdempotentRecord(r.Context(), scoped)
		switch {
		case err == nil:
			return s.replay(w, r, scoped, rec)
		case !errors.Is(err, desk.ErrNotFound):
			return err
		}
		claim := s.desk.NewIdempotencyClaim(scoped)
		r = r.WithContext(desk.WithIdempotencyClaim(r.Context(), claim))
		cw := &captureWriter{ResponseWriter: w}
		herr := h(cw, r)
		if herr != nil && !claim.Claimed() {
			// Another request with the key may have made the change while
			// this one ran: its answer is this one's.
			if rec, err := s.desk.IdempotentRecord(r.Context(), scoped); err == nil {
				return s.replay(w, r, scoped, rec)
			}
		}
		if herr != nil {
			// Remember refusals (4xx) too: the same request would be refused
			// again; forget failures (5xx) so a retry can succeed.
			ae := fromDomain(herr)
			if ae == nil || ae.p.Status >= 500 {
				return herr
			}
			cw2 := &captureWriter{ResponseWriter: w}
			s.writeProblem(cw2, r, herr)
			s.remember(r, scoped, desk.IdempotentResponse{
				Status: cw2.status, ContentType: "application/problem+json", Body: cw2.buf.Bytes()}, claim.Claimed())
			return nil
		}
		if cw.status >= 500 || cw.status == 0 {
			return nil
		}
		s.remember(r, scoped, desk.IdempotentResponse{
			Status: cw.status, ContentType: cw.Header().Get("Content-Type"), ETag: cw.Header().Get("ETag"), Body: cw.buf.Bytes()}, claim.Claimed())
		return nil
	}
}

// remember stores the answer already sent for a key. A failure is logged,
// not answered: the client has its answer, and a claimed key's change is
// recorded anyway, so a retry is answered from what it changed.
func (s *Server) remember(r *http.Request, key string, resp desk.IdempotentResponse, claimed bool) {
	if err := s.desk.RememberResponse(r.Context(), key, resp, claimed); err != nil {
		s.log.WarnContext(r.Context(), "remember the answer to an Idempotency-Key", "path", r.URL.Path, "err", err)
	}
}

// replayWait is how long a retry waits for the answer of the request that
// recorded its key, before answering from the item.
const replayWait = 2 * time.Second

// replay answers a repeated key: with the remembered response, or, when
// there is none yet, with the changed item as it is now.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, key string, rec *desk.IdempotentRecord) error {
	deadline := time.Now().Add(replayWait)
	for rec.Response == nil && time.Now().Before(deadline) {
		select {
		case <-r.Context().Done():
			return r.Context().Err()
		case <-time.After(50 * time.Millisecond):
		}
		next, err := s.desk.IdempotentRecord(r.Context(), key)
		if err != nil {
			return err
		}
		rec = next
	}
	if prev := rec.Response; prev != nil {
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", prev.ContentType)
		if prev.ETag != "" {
			w.Header().Set("ETag", prev.ETag)
		}
		w.WriteHeader(prev.Status)
		_, err := w.Write(prev.Body)
		return err
	}
	if rec.Result == "" {
		return newProblem("idempotency-in-flight", "a request with this Idempotency-Key is still running; retry shortly")
	}
	w.Header().Set("Idempotent-Replayed", "reconstructed")
	if strings.HasPrefix(rec.Result, "ATT-") {
		a, rc, err := s.desk.OpenAttachment(r.Context(), personOf(r), rec.Result)
		if err != nil {
			return err
		}
		rc.Close()
		w.Header().Set("Location", "/api/v1/attachments/"+a.ID)
		return writeJSON(w, http.StatusCreated, a)
	}
	v, err := s.desk.Item(r.Context(), personOf(r), rec.Result)
	if err != nil {
		return err
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/pull"):
		w.Header().Set("ETag", etag(v.Item.Version))
		return writeJSON(w, http.StatusOK, pullResult{Item: s.wireItem(r.Context(), v), Skipped: []svcflow.Skip{}})
	case r.URL.Path == "/api/v1/work-items":
		return s.writeItem(w, r, http.StatusCreated, v)
	default:
		return s.writeItem(w, r, http.StatusOK, v)
	}
}
