package server

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The agent workspace: the queues of the agent's teams in each team's
// order, with SLA countdowns, pulling the next item, and working an item's
// step from its page.

// queueBlock is one team's queue as the workspace shows it.
type queueBlock struct {
	Team, Policy string
	Entries      []queueRow
}

// queueRow is an item waiting in a queue.
type queueRow struct {
	Item, Title, Step, Why string
	Priority               svcflow.Priority
	SLA, SLAState          string // "due in 2h", "overdue by 5m"; ok, warning, breached
}

// workPanel is what staff may do on an item's current step.
type workPanel struct {
	CanStart, CanComplete, CanPause, CanResume bool
	Approval                                   bool     // approve or reject (listed approvers only; the desk checks)
	Outcomes                                   []string // complete with one of these
	Teams                                      []string // escalate to one of these
}

// slaWarning is how close to its due time an item shows as a warning.
const slaWarning = time.Hour

func (s *Server) workPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.renderWork(w, r, p, sess, http.StatusOK, "")
}

func (s *Server) renderWork(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, problem string) error {
	teams := p.Teams
	if len(teams) == 0 && p.Role.AtLeast(svcflow.RoleManager) {
		all, err := s.desk.Store().Teams(r.Context())
		if err != nil {
			return err
		}
		for _, t := range all {
			teams = append(teams, t.ID)
		}
	}
	d := pageData{Title: "Team queues", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/work"), Error: problem}
	now := s.desk.Now()
	for _, team := range teams {
		q, err := s.desk.Queue(r.Context(), p, team)
		if err != nil {
			return err
		}
		ids := make([]string, len(q.Entries))
		for i, e := range q.Entries {
			ids[i] = e.Item
		}
		contents, err := s.desk.Store().ItemContents(r.Context(), ids)
		if err != nil {
			return err
		}
		b := queueBlock{Team: team, Policy: q.Policy}
		for _, e := range q.Entries {
			row := queueRow{Item: e.Item, Title: contents[e.Item].Title, Step: e.Step, Why: e.Why, Priority: e.Priority}
			row.SLA, row.SLAState = slaCountdown(e.SLADue, now)
			b.Entries = append(b.Entries, row)
		}
		d.Queues = append(d.Queues, b)
	}
	return render(w, status, "work", d)
}

// slaCountdown says how long until an SLA is due, or how long it is
// overdue, with the state its colour shows.
func slaCountdown(due, now time.Time) (string, string) {
	if due.IsZero() {
		return "", ""
	}
	left := due.Sub(now)
	switch {
	case left < 0:
		return "overdue by " + roundDuration(-left), "breached"
	case left < slaWarning:
		return "due in " + roundDuration(left), "warning"
	}
	return "due in " + roundDuration(left), "ok"
}

// roundDuration shows a duration to the minute, or to the hour past a day.
func roundDuration(d time.Duration) string {
	if d >= 24*time.Hour {
		return fmt.Sprintf("%dd %dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
	return d.Round(time.Minute).String()
}

func (s *Server) pullSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	res, err := s.desk.Pull(r.Context(), p, r.PathValue("team"))
	if code := svcflow.ErrorCodeOf(err); code == svcflow.ErrConflict || code == svcflow.ErrForbidden {
		// Nothing to pull, or every waiting item's step is full: say why
		// on the queues page.
		return s.renderWork(w, r, p, sess, http.StatusConflict, err.Error())
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/items/"+res.View.Item.ID, http.StatusSeeOther)
	return nil
}

// panelFor says what may be done on an item's current step.
func panelFor(w *svcflow.WorkItem, stream *svcflow.ValueStream, teams []*svcflow.Team) *workPanel {
	v := w.Visit
	var st *svcflow.Step
	if stream != nil {
		st = stream.Step(v.Step)
	}
	wp := &workPanel{}
	approval := st != nil && st.Approval != nil
	switch v.State {
	case svcflow.Queued:
		wp.CanStart, wp.CanPause, wp.Approval = !approval, true, approval
	case svcflow.Active:
		wp.CanPause = true
		if st != nil && len(st.Outcomes) > 0 {
			wp.Outcomes = st.Outcomes
		} else {
			wp.CanComplete = true
		}
	case svcflow.Blocked:
		wp.CanResume = true
	}
	// The directory's teams, and those the stream's steps name even when
	// the directory does not list them yet.
	seen := map[string]bool{v.Team: true, "": true}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			wp.Teams = append(wp.Teams, id)
		}
	}
	for _, t := range teams {
		add(t.ID)
	}
	if stream != nil {
		for _, st := range stream.Steps {
			add(st.Team)
		}
	}
	slices.Sort(wp.Teams)
	return wp
}

// workSubmit runs one action of the work panel.
func (s *Server) workSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	var cmd svcflow.Command
	switch r.PostFormValue("action") {
	case "start":
		// Starting from the page is pulling this card: the step's WIP
		// limit holds.
		if _, err := s.desk.PullItem(r.Context(), p, r.PathValue("id")); err != nil {
			if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
				return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
			}
			return err
		}
		http.Redirect(w, r, "/items/"+r.PathValue("id"), http.StatusSeeOther)
		return nil
	case "complete":
		cmd = svcflow.Complete{Outcome: r.PostFormValue("outcome")}
	case "pause":
		cmd = svcflow.Pause{Reason: r.PostFormValue("reason")}
	case "resume":
		cmd = svcflow.Resume{}
	case "escalate":
		cmd = svcflow.Escalate{Team: r.PostFormValue("team")}
	case "approve":
		cmd = svcflow.Approve{}
	case "reject":
		cmd = svcflow.Reject{Reason: r.PostFormValue("reason")}
	default:
		return newProblem("invalid", "action: expected start, complete, pause, resume, escalate, approve or reject",
			fieldError{"action", "expected start, complete, pause, resume, escalate, approve or reject"})
	}
	id := r.PathValue("id")
	if _, err := s.desk.Act(r.Context(), p, id, 0, cmd); err != nil {
		if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
			return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
		}
		return err
	}
	http.Redirect(w, r, "/items/"+id, http.StatusSeeOther)
	return nil
}
