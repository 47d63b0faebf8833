package server

import (
	"net/http"
	"time"

	"github.com/svcflow/svcflow"
)

// queueView is a team's queue on the wire.
type queueView struct {
	Team    string       `json:"team"`
	Policy  string       `json:"policy"`
	Entries []queueEntry `json:"entries"`
}

// queueEntry is one ranked item of a queue, best first.
type queueEntry struct {
	Item     string           `json:"item"`
	Step     string           `json:"step"`
	Priority svcflow.Priority `json:"priority"`
	Queued   time.Time        `json:"queued"`
	SLADue   *time.Time       `json:"sla_due"`
	Score    float64          `json:"score"`
	Aged     float64          `json:"aged"`
	Why      string           `json:"why"`
}

func (s *Server) teamQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := s.desk.Queue(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := queueView{Team: q.Team, Policy: q.Policy, Entries: []queueEntry{}}
	for _, e := range q.Entries {
		out.Entries = append(out.Entries, queueEntry{Item: e.Item, Step: e.Step, Priority: e.Priority, Queued: e.Entered,
			SLADue: timePtr(e.SLADue), Score: e.Score, Aged: e.Aged, Why: e.Why})
	}
	return writeJSON(w, http.StatusOK, out)
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
