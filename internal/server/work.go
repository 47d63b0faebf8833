package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	// Resolving are the outcomes whose completion resolves the item;
	// CanResolve says completing a step without outcomes does.
	Resolving  []string
	CanResolve bool
	Team       string      // the step's team
	Assignee   personRef   // who owns the step, if anyone
	People     []personRef // the step team's people, to assign it to
	Swarm      []personRef // who swarms on it beside the owner
	CanJoin    bool        // the reader may join the swarm
	InSwarm    bool        // the reader swarms on it and may leave
	Tasks      []taskRow   // the step's checklist
}

// personRef is a person as a page names them.
type personRef struct{ ID, Name string }

// taskRow is a checklist task of a step and whether it is done on this
// visit.
type taskRow struct {
	ID, Name, Action string
	Done             bool
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
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	}
	return fmt.Sprintf("%d min", mins)
}

func (s *Server) pullSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	res, err := s.desk.Pull(r.Context(), p, r.PathValue("team"))
	switch svcflow.ErrorCodeOf(err) {
	case svcflow.ErrConflict:
		// Nothing to pull, or every waiting item's step is full: say why
		// on the queues page.
		return s.renderWork(w, r, p, sess, http.StatusConflict, err.Error())
	case svcflow.ErrForbidden:
		return s.renderWork(w, r, p, sess, http.StatusForbidden, err.Error())
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/items/"+res.View.Item.ID, http.StatusSeeOther)
	return nil
}

// panelFor says what may be done on an item's current step, by the reader
// (me), with the people named by name.
func panelFor(w *svcflow.WorkItem, stream *svcflow.ValueStream, teams []*svcflow.Team, me string, name func(string) string) *workPanel {
	v := w.Visit
	var st *svcflow.Step
	if stream != nil {
		st = stream.Step(v.Step)
	}
	wp := &workPanel{Team: v.Team}
	approval := st != nil && st.Approval != nil
	switch v.State {
	case svcflow.Queued:
		wp.CanStart, wp.CanPause, wp.Approval = !approval, true, approval
	case svcflow.Active:
		wp.CanPause = true
		if st != nil && len(st.Outcomes) > 0 {
			wp.Outcomes = st.Outcomes
			for _, o := range st.Outcomes {
				if resolves(w, st, o) {
					wp.Resolving = append(wp.Resolving, o)
				}
			}
		} else {
			wp.CanComplete = true
			wp.CanResolve = st != nil && resolves(w, st, "")
		}
	case svcflow.Blocked:
		wp.CanResume = true
	}
	if v.Person != "" {
		wp.Assignee = personRef{v.Person, name(v.Person)}
	}
	for _, id := range v.Swarm {
		wp.Swarm = append(wp.Swarm, personRef{id, name(id)})
	}
	wp.InSwarm = slices.Contains(v.Swarm, me)
	wp.CanJoin = !wp.InSwarm && v.Person != me
	if st != nil {
		for _, a := range st.Actions {
			for _, t := range a.Tasks {
				wp.Tasks = append(wp.Tasks, taskRow{ID: t.ID, Name: t.Name, Action: a.Name, Done: slices.Contains(v.TasksDone, t.ID)})
			}
		}
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

// resolves says whether completing the step with the outcome resolves the
// item, as the resolve command requires.
func resolves(w *svcflow.WorkItem, st *svcflow.Step, outcome string) bool {
	if st.Approval != nil {
		return false
	}
	if st.Resolves {
		return true
	}
	t, ok := st.Follow(outcome)
	return ok && t.To == svcflow.End && w.Status != svcflow.StatusResolved
}

// staffActions are the actions of an item's page for agents and up, each
// the desk use case the API's action of the same name calls.
const staffActions = "start, complete, resolve, pause, resume, escalate, approve, reject, assign, swarm, reclassify, task, link, duplicate, watch, article or suggest"

// workSubmit runs one staff action from an item's page. The form carries
// the item's version: when the item changed since the page was loaded the
// action is refused and the page shows it as it is now.
func (s *Server) workSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	id := r.PathValue("id")
	// Every form of the page carries the version it was read at; one
	// without is refused rather than acting on whatever the item is now.
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || version < 1 {
		return newProblem("invalid", "version: expected the item's version from its page", fieldError{"version", "not a version"})
	}
	form := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	var cmd svcflow.Command
	switch action := r.PostFormValue("action"); action {
	case "start":
		// Starting from the page is pulling this card: the step's WIP
		// limit holds.
		if _, err := s.desk.PullItem(r.Context(), p, id, version); err != nil {
			return s.refused(w, r, p, sess, id, version, err)
		}
		http.Redirect(w, r, "/items/"+id, http.StatusSeeOther)
		return nil
	case "suggest":
		// Knowledge that may answer it, looked up over its title when the
		// agent asks (each look is a suggestion session the deflection
		// figures count for agents).
		return s.renderItem(w, r, p, sess, id, http.StatusOK, "", true)
	case "article":
		if _, err := s.desk.LinkArticle(r.Context(), p, id, version, form("article")); err != nil {
			return s.refused(w, r, p, sess, id, version, err)
		}
		http.Redirect(w, r, "/items/"+id, http.StatusSeeOther)
		return nil
	case "complete":
		cmd = svcflow.Complete{Outcome: form("outcome")}
	case "resolve":
		cmd = svcflow.Resolve{Outcome: form("outcome")}
	case "pause":
		cmd = svcflow.Pause{Reason: form("reason")}
	case "resume":
		cmd = svcflow.Resume{}
	case "escalate":
		cmd = svcflow.Escalate{Team: form("team")}
	case "approve":
		cmd = svcflow.Approve{}
	case "reject":
		cmd = svcflow.Reject{Reason: form("reason")}
	case "assign":
		cmd = svcflow.Assign{Person: form("person"), Team: form("team")}
	case "swarm":
		cmd = svcflow.Swarm{Leave: form("leave") != ""}
	case "reclassify":
		cmd = svcflow.Reclassify{Kind: svcflow.Kind(form("kind")), Link: form("mode") == "link"}
	case "task":
		cmd = svcflow.DoTask{Task: form("task")}
	case "link":
		cmd = svcflow.AddLink{Type: form("type"), Other: form("other")}
	case "duplicate":
		cmd = svcflow.Duplicate{Of: strings.ToUpper(form("of"))}
	case "watch":
		// A watcher is named by id or email; the desk takes an id.
		who, err := s.personNamed(r, form("person"))
		if err != nil {
			return s.refused(w, r, p, sess, id, version, err)
		}
		cmd = svcflow.Watch{Person: who}
	default:
		return newProblem("invalid", "action: expected "+staffActions, fieldError{"action", "expected " + staffActions})
	}
	if _, err := s.desk.Act(r.Context(), p, id, version, cmd); err != nil {
		return s.refused(w, r, p, sess, id, version, err)
	}
	http.Redirect(w, r, "/items/"+id, http.StatusSeeOther)
	return nil
}

// refused answers an action the desk refused: the item's page as it is
// now, saying why, with the status of the refusal (an item the person may
// not see is not found there). A stale form is said in plain words.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, id string, version int, err error) error {
	ae := fromDomain(err)
	if ae == nil {
		return err
	}
	status, msg := ae.p.Status, capitalize(ae.p.Detail)+"."
	if version > 0 && stale(err) {
		status, msg = http.StatusConflict, "It changed meanwhile: someone else acted on it after you opened this page, so nothing was changed. Here it is as it is now; decide again."
	}
	return s.renderItem(w, r, p, sess, id, status, msg, false)
}

// stale says whether the desk refused an action because the item is no
// longer at the version the form was made from.
func stale(err error) bool {
	var de *svcflow.Error
	return errors.As(err, &de) && de.Code == svcflow.ErrConflict && (de.Field == "If-Match" || strings.Contains(de.Message, "changed meanwhile"))
}

// personNamed finds a person by id or email.
func (s *Server) personNamed(r *http.Request, who string) (string, error) {
	if who == "" {
		return "", svcflow.FieldErrorf("person", "missing person; give their id or email")
	}
	find := s.desk.Store().Person
	if strings.Contains(who, "@") {
		find = s.desk.Store().PersonByEmail
	}
	p, err := find(r.Context(), who)
	if errors.Is(err, desk.ErrNotFound) || err == nil && p.Erased {
		return "", svcflow.FieldErrorf("person", "no person %q; give their id or email", who)
	}
	if err != nil {
		return "", err
	}
	return p.ID, nil
}
