package server

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
	"github.com/svcflow/svcflow/internal/report"
)

// The value stream pages: the list, each stream's live map, its design
// (the stream and step templates of 003 Tables 4.1 and 4.2), and its
// observed flow against the design (conformance).

// openStatuses are the statuses of work still sitting at a step.
var openStatuses = []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold, svcflow.StatusResolved}

// liveWindow is how far back a live map's step times reach.
const liveWindow = 30 * 24 * time.Hour

// liveRefresh is how often a live page updates itself by default, in
// seconds; ?every=N asks for another period, from 5 to 300.
const liveRefresh = 30

// liveEvery is the update period a live page was asked for.
func liveEvery(r *http.Request) int {
	if n, err := strconv.Atoi(r.URL.Query().Get("every")); err == nil {
		return min(max(n, 5), 300)
	}
	return liveRefresh
}

// maxStreamWork bounds the items a live view reads; beyond it the view
// says it shows only part.
const maxStreamWork = 5000

// streamListRow is a value stream in the list.
type streamListRow struct {
	svcflow.StreamSummary
	Routing string
	Open    int
	More    bool // there are more open items than were counted
}

// liveStepRow is one step of a live map, as the table under it shows.
type liveStepRow struct {
	ID, Name, Team    string
	Queue, InProgress int
	WIPLimit          int
	Full, Bottleneck  bool
	Wait, Cycle       string // medians over the live window, "" unknown
	Breached, AtRisk  int    // SLA state of the items at the step
}

// streamView is the data of the stream pages.
type streamView struct {
	// Analyst is true for those who may read the event log (managers and
	// admins), who get the observed flow, which names items.
	Analyst bool
	Stream  *svcflow.ValueStream
	Streams []streamListRow
	Map     template.HTML // drawn by report.Map, which escapes all text
	Steps   []liveStepRow
	Since   time.Time

	// The design page.
	StreamFields []report.Field
	StepFields   []stepTemplate

	// The observed-flow page.
	Conformance *flow.Conformance
	Deviations  []string
}

type stepTemplate struct {
	Step   *svcflow.Step
	Fields []report.Field
}

func (s *Server) streamsPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	all, err := s.streams(r)
	if err != nil {
		return err
	}
	v := &streamView{Analyst: p.Role.AtLeast(svcflow.RoleManager)}
	for _, st := range all {
		work, more, err := s.streamWork(r.Context(), st.ID)
		if err != nil {
			return err
		}
		open := 0
		for _, w := range work {
			if w.Status != svcflow.StatusResolved {
				open++
			}
		}
		v.Streams = append(v.Streams, streamListRow{StreamSummary: st.Summary(), Routing: st.AppliesTo.String(), Open: open, More: more})
	}
	return render(w, http.StatusOK, "streams", pageData{Title: "Value streams", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/streams"), View: v})
}

// streamWork is the work at the stream's steps now, every item whatever
// its team: a live view counts work, it shows no item's details. Partial
// is true when there was more than maxStreamWork.
func (s *Server) streamWork(ctx context.Context, stream string) (items []*svcflow.WorkItem, partial bool, err error) {
	f := desk.ItemFilter{Stream: stream, Statuses: openStatuses, Limit: 200}
	for {
		page, err := s.desk.List(ctx, desk.System, f)
		if err != nil {
			return nil, false, err
		}
		items = append(items, page...)
		if len(page) < f.Limit {
			return items, false, nil
		}
		if len(items) >= maxStreamWork {
			return items, true, nil
		}
		f.Before = itemNumber(page[len(page)-1].ID)
	}
}

// streamPageOf finds the stream of the path, or answers the not-found page.
func (s *Server) streamPageOf(r *http.Request) (*svcflow.ValueStream, error) {
	all, err := s.streams(r)
	if err != nil {
		return nil, err
	}
	st := byStreamID(all, r.PathValue("id"))
	if st == nil {
		return nil, newProblem("not-found", "no value stream "+r.PathValue("id"))
	}
	return st, nil
}

// liveStreamPage is the stream's map with what is happening at each step
// now: queue and work in progress against the WIP limit, SLA state, and
// the median wait and cycle of the last 30 days, the top bottleneck drawn
// in the alert colour. It reloads itself every 30 seconds.
func (s *Server) liveStreamPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	st, err := s.streamPageOf(r)
	if err != nil {
		return err
	}
	now := s.desk.Now()
	rows, partial, err := s.liveSteps(r.Context(), st, now)
	if err != nil {
		return err
	}
	live := map[string]report.LiveStep{}
	for _, row := range rows {
		var lines []string
		if row.Wait != "" {
			lines = append(lines, "median wait "+row.Wait)
		}
		if row.Cycle != "" {
			lines = append(lines, "median cycle "+row.Cycle)
		}
		if row.Breached > 0 || row.AtRisk > 0 {
			lines = append(lines, "SLA: "+strconv.Itoa(row.Breached)+" breached, "+strconv.Itoa(row.AtRisk)+" at risk")
		}
		live[row.ID] = report.LiveStep{Queue: row.Queue, InProgress: row.InProgress, Lines: lines, Bottleneck: row.Bottleneck}
	}
	// Lanes wrapped into rows read badly, so a wide map scrolls sideways.
	var svg bytes.Buffer
	if err := report.Map(&svg, st, report.MapOptions{Lanes: true, Live: live}); err != nil {
		return err
	}
	d := pageData{Title: st.Name, Person: p, CSRF: sess.CSRF, Nav: nav(p, "/streams"),
		View: &streamView{Analyst: p.Role.AtLeast(svcflow.RoleManager), Stream: st, Map: template.HTML(svg.String()), Steps: rows, Since: now.Add(-liveWindow)}, Refresh: liveEvery(r)}
	if partial {
		d.Notice = "This stream has more than " + strconv.Itoa(maxStreamWork) + " open items; the counts cover the newest " + strconv.Itoa(maxStreamWork) + "."
	}
	return render(w, http.StatusOK, "stream", d)
}

// liveSteps measures each step of the stream now.
func (s *Server) liveSteps(ctx context.Context, st *svcflow.ValueStream, now time.Time) ([]liveStepRow, bool, error) {
	work, partial, err := s.streamWork(ctx, st.ID)
	if err != nil {
		return nil, false, err
	}
	dues, err := s.desk.SLADues(ctx, work)
	if err != nil {
		return nil, false, err
	}
	rows := make([]liveStepRow, len(st.Steps))
	at := map[string]*liveStepRow{}
	for i, step := range st.Steps {
		rows[i] = liveStepRow{ID: step.ID, Name: step.Name, Team: step.Team, WIPLimit: step.WIPLimit}
		at[step.ID] = &rows[i]
	}
	for i, w := range work {
		v := w.Visit
		if v == nil || at[v.Step] == nil {
			continue
		}
		row := at[v.Step]
		if v.InProgress() {
			row.InProgress++
		} else {
			row.Queue++
		}
		if i < len(dues) && !dues[i].IsZero() {
			switch _, state := slaCountdown(dues[i], now); state {
			case "breached":
				row.Breached++
			case "warning":
				row.AtRisk++
			}
		}
	}
	// Step times come from the event log of the stream's recent items.
	l, err := s.storeLogAs(ctx, desk.System)
	if err != nil {
		return nil, false, err
	}
	sel := l.SelectItems(eventlog.ItemFilter{Stream: st.ID, From: now.Add(-liveWindow).UnixNano()})
	if sel.Events() > 0 {
		m, err := flow.Measure(sel, flow.LiveOptions(now.UnixNano()))
		if err != nil {
			return nil, false, err
		}
		for _, sm := range m.Steps {
			row := at[sm.Activity]
			if row == nil {
				continue
			}
			if sm.Wait != nil && sm.Wait.P50 != nil {
				row.Wait = report.Duration(*sm.Wait.P50)
			}
			if sm.Cycle != nil && sm.Cycle.P50 != nil {
				row.Cycle = report.Duration(*sm.Cycle.P50)
			}
		}
		if len(m.Bottlenecks.Steps) > 0 && at[m.Bottlenecks.Steps[0].Activity] != nil {
			at[m.Bottlenecks.Steps[0].Activity].Bottleneck = true
		}
	}
	for i := range rows {
		rows[i].Full = rows[i].WIPLimit > 0 && rows[i].InProgress >= rows[i].WIPLimit
	}
	return rows, partial, nil
}

// streamDesignPage shows the stream's design: its template and each
// step's (003 Tables 4.1 and 4.2) under its map.
func (s *Server) streamDesignPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	st, err := s.streamPageOf(r)
	if err != nil {
		return err
	}
	var svg bytes.Buffer
	if err := report.Map(&svg, st, report.MapOptions{}); err != nil {
		return err
	}
	v := &streamView{Analyst: p.Role.AtLeast(svcflow.RoleManager), Stream: st, Map: template.HTML(svg.String()), StreamFields: report.StreamFields(st)}
	for i := range st.Steps {
		v.StepFields = append(v.StepFields, stepTemplate{Step: &st.Steps[i], Fields: report.StepFields(&st.Steps[i])})
	}
	return render(w, http.StatusOK, "streamdesign", pageData{Title: st.Name + ": design", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/streams"), View: v})
}

// streamFlowPage compares the observed flow of the stream's finished
// items of the last 30 days with its design: fitness, how many items
// followed the design, and the deviations by count.
func (s *Server) streamFlowPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	st, err := s.streamPageOf(r)
	if err != nil {
		return err
	}
	now := s.desk.Now()
	l, err := s.storeLogAs(r.Context(), desk.System)
	if err != nil {
		return err
	}
	v := &streamView{Stream: st, Since: now.Add(-liveWindow)}
	fin := l.SelectItems(eventlog.ItemFilter{Stream: st.ID, From: v.Since.UnixNano()}).Finished()
	if fin.Events() > 0 {
		c, err := flow.Conform(fin, st, nil)
		if err != nil {
			return err
		}
		v.Conformance = c
		for _, d := range c.Deviations {
			v.Deviations = append(v.Deviations, strconv.Itoa(d.Count)+" × "+report.DeviationText(d))
		}
		var obs bytes.Buffer
		dfg := flow.Discover(fin)
		if err := flow.WriteMapSVG(&obs, dfg, flow.MapOptions{MaxEdges: 40}); err != nil {
			return err
		}
		v.Map = template.HTML(obs.String()) // drawn by flow.WriteMapSVG, which escapes all text
	}
	return render(w, http.StatusOK, "streamflow", pageData{Title: st.Name + ": observed flow", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/streams"), View: v})
}
