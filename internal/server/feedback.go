package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

// feedbackList is a page of feedback entries.
type feedbackList struct {
	Items []desk.Feedback `json:"items"`
}

var feedbackParams = []param{
	{"item", "a work item id"}, {"stream", "value stream id"}, {"role", "requester or agent"},
	{"from", "created at or after this date or RFC 3339 time"}, {"to", "created before this date or RFC 3339 time"},
	{"limit", "1 to 500 (default 100)"},
}

func (s *Server) listFeedback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := desk.FeedbackFilter{Item: q.Get("item"), Stream: q.Get("stream"), Role: q.Get("role")}
	switch f.Role {
	case "", desk.FeedbackRequester, desk.FeedbackAgent:
	default:
		return newProblem("invalid", "role: expected requester or agent", fieldError{"role", "expected requester or agent"})
	}
	var err error
	if f.From, err = timeParam(r, "from"); err != nil {
		return err
	}
	if f.To, err = timeParam(r, "to"); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return newProblem("invalid", "limit: expected 1 to 500", fieldError{"limit", "expected 1 to 500"})
		}
		f.Limit = n
	}
	list, err := s.desk.FeedbackEntries(r.Context(), personOf(r), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, feedbackList{Items: list})
}

// timeParam reads a query parameter holding a date or an RFC 3339 time;
// absent, it is the zero time.
func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t, err = time.Parse(time.DateOnly, v)
	}
	if err != nil {
		return time.Time{}, newProblem("invalid", name+": expected a date (2026-03-02) or an RFC 3339 time", fieldError{name, "expected a date or an RFC 3339 time"})
	}
	// Times are kept as nanoseconds since 1970, which reach from 1678 to
	// 2262; a date outside gets an error rather than wrapping round.
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, newProblem("invalid", name+": expected a date between 1900 and 2200", fieldError{name, "expected a date between 1900 and 2200"})
	}
	return t, nil
}
