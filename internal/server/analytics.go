package server

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
)

var analyticsParams = []param{
	{"stream", "value stream id; also checks conformance with it"},
	{"service", "service id"},
	{"team", "a team whose queue the items passed through"},
	{"kind", "comma-separated kinds"},
	{"from", "items created at or after this date or RFC 3339 time"},
	{"to", "items created before this date or RFC 3339 time"},
	{"window", "time series window: day, week (default) or month"},
}

// analyticsRequest is a parsed analytics query.
type analyticsRequest struct {
	stream, service, team string
	kinds                 []string
	from, to              int64 // 0: unbounded
	window                string
}

func parseAnalytics(r *http.Request) (analyticsRequest, error) {
	q := r.URL.Query()
	a := analyticsRequest{stream: q.Get("stream"), service: q.Get("service"), team: q.Get("team"), window: q.Get("window")}
	if k := q.Get("kind"); k != "" {
		for _, kind := range strings.Split(k, ",") {
			if !svcflow.Kind(kind).IsValid() {
				return a, newProblem("invalid", "kind: unknown kind "+kind, fieldError{"kind", "expected kinds such as incident,service_request"})
			}
			a.kinds = append(a.kinds, kind)
		}
	}
	switch a.window {
	case "":
		a.window = flow.WindowWeek
	case flow.WindowDay, flow.WindowWeek, flow.WindowMonth:
	default:
		return a, newProblem("invalid", "window: expected day, week or month", fieldError{"window", "expected day, week or month"})
	}
	for _, b := range []struct {
		name string
		to   *int64
	}{{"from", &a.from}, {"to", &a.to}} {
		t, err := timeParam(r, b.name)
		if err != nil {
			return a, err
		}
		if !t.IsZero() {
			*b.to = t.UnixNano()
		}
	}
	if a.from != 0 && a.to != 0 && a.to <= a.from {
		return a, newProblem("invalid", "to must be after from", fieldError{"to", "must be after from"})
	}
	return a, nil
}

// analyticsLog reads the event log the caller may analyse (managers and
// admins: the desk refuses others) into a compact log of the items the
// query selects.
func (s *Server) analyticsLog(r *http.Request, q analyticsRequest) (*eventlog.Log, error) {
	l, err := s.storeLog(r)
	if err != nil {
		return nil, err
	}
	return l.SelectItems(eventlog.ItemFilter{Stream: q.stream, Service: q.service, Team: q.team,
		Kinds: q.kinds, From: q.from, To: q.to}), nil
}

// analyze runs every analysis of the selected items, as of now.
func (s *Server) analyze(r *http.Request) (*flow.Analysis, error) {
	a, _, _, err := s.analysis(r)
	return a, err
}

// analysis is analyze with the query it parsed and the log it analysed,
// for views that compute more from the same snapshot.
func (s *Server) analysis(r *http.Request) (*flow.Analysis, *eventlog.Log, analyticsRequest, error) {
	q, err := parseAnalytics(r)
	if err != nil {
		return nil, nil, q, err
	}
	opt := flow.AnalyzeOptions{Options: flow.LiveOptions(s.desk.Now().UnixNano())}
	opt.Window = q.window
	if q.stream != "" {
		all, err := s.streams(r)
		if err != nil {
			return nil, nil, q, err
		}
		i := slices.IndexFunc(all, func(st *svcflow.ValueStream) bool { return st.ID == q.stream })
		if i < 0 {
			return nil, nil, q, newProblem("invalid", "stream: no value stream "+q.stream, fieldError{"stream", "no such value stream"})
		}
		opt.Stream = all[i]
	}
	l, err := s.analyticsLog(r, q)
	if err != nil {
		return nil, nil, q, err
	}
	opt.ConformLog = l.Finished()
	var a *flow.Analysis
	if l.Events() == 0 {
		a = flow.Empty(opt)
	} else if a, err = flow.Analyze(l, opt); err != nil {
		return nil, nil, q, err
	}
	a.Source = &flow.Source{Name: "store", Format: "store", Warnings: []string{}}
	return a, l, q, nil
}

func (s *Server) analyticsFlow(w http.ResponseWriter, r *http.Request) error {
	a, err := s.analyze(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) analyticsMap(w http.ResponseWriter, r *http.Request) error {
	a, err := s.analyze(r)
	if err != nil {
		return err
	}
	return writeSVG(w, func(out io.Writer) error {
		return flow.WriteMapSVG(out, a.Map.DFG, flow.MapOptions{Bottleneck: a.TopBottleneck(), MaxEdges: 40})
	})
}

// logCache keeps the store's event log as analytics read it, valid while
// nothing has been appended since: a request asks the store only whether
// there is an event after the last one read, and rebuilds the log when
// there is. Built logs are only read, so requests share them.
type logCache struct {
	mu  sync.Mutex
	seq int64
	log *eventlog.Log
}

// storeLog returns the whole event log as a compact log, for those who may
// read the event log (managers and admins: the desk refuses others).
func (s *Server) storeLog(r *http.Request) (*eventlog.Log, error) {
	return s.storeLogAs(r.Context(), personOf(r))
}

// storeLogAs is storeLog for a given reader.
func (s *Server) storeLogAs(ctx context.Context, p *svcflow.Person) (*eventlog.Log, error) {
	c := &s.logs
	c.mu.Lock()
	defer c.mu.Unlock()
	newer, err := s.desk.Events(ctx, p, c.seq, 1)
	if err != nil {
		return nil, err
	}
	if c.log != nil && len(newer) == 0 {
		return c.log, nil
	}
	var last int64
	l, err := eventlog.ReadItemLog(func(after int64) ([]svcflow.Event, error) {
		evs, err := s.desk.Events(ctx, p, after, 1000)
		if len(evs) > 0 {
			last = evs[len(evs)-1].Seq
		}
		return evs, err
	})
	if err != nil {
		return nil, err
	}
	c.seq, c.log = last, l
	return l, nil
}
