package server

import (
	"net/http"

	"github.com/svcflow/svcflow"
)

func (s *Server) teamQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := s.desk.Queue(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	if q.Entries == nil {
		q.Entries = []svcflow.RankedEntry{}
	}
	return writeJSON(w, http.StatusOK, q)
}

// pullResult is the answer of a pull: the item now started, and the
// better-ranked items passed over because their steps were full.
type pullResult struct {
	Item    workItem       `json:"item"`
	Skipped []svcflow.Skip `json:"skipped"`
}

func (s *Server) pull(w http.ResponseWriter, r *http.Request) error {
	res, err := s.desk.Pull(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(res.View.Item.Version))
	return writeJSON(w, http.StatusOK, pullResult{Item: s.wireItem(r.Context(), res.View), Skipped: nonNil(res.Skipped)})
}
