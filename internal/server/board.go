package server

import (
	"net/http"
	"strconv"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// A value stream's Kanban board: a column per step, queued cards above
// those in progress, WIP limits shown and enforced when a card is pulled
// (003 §3.3, making work visible).

// boardColumn is one step of the board.
type boardColumn struct {
	Step, Name, Team     string
	WIPLimit, InProgress int
	Full                 bool
	Queued, Active       []boardCard
}

// boardCard is a work item on the board.
type boardCard struct {
	ID, Title string
	Version   int
	Priority  svcflow.Priority
	Blocked   bool
	SLA       string // "due in 2 h", "overdue by 1 h", "" without an SLA clock
	SLAState  string // ok, warning, breached
}

// maxBoardCards bounds the cards a board shows; beyond it the board says so.
const maxBoardCards = 500

func (s *Server) boardPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.renderBoard(w, r, p, sess, http.StatusOK, "")
}

func (s *Server) renderBoard(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, problem string) error {
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	st := byStreamID(streams, r.PathValue("id"))
	if st == nil {
		return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
	}
	var items []*svcflow.WorkItem
	more := false
	for f := (desk.ItemFilter{Stream: st.ID, Limit: 200, Statuses: openStatuses}); ; {
		page, err := s.desk.List(r.Context(), p, f)
		if err != nil {
			return err
		}
		items = append(items, page...)
		if len(page) < f.Limit {
			break
		}
		if len(items) >= maxBoardCards {
			more = true
			break
		}
		f.Before = itemNumber(page[len(page)-1].ID)
	}
	ids := make([]string, len(items))
	for i, w := range items {
		ids[i] = w.ID
	}
	contents, err := s.desk.Store().ItemContents(r.Context(), ids)
	if err != nil {
		return err
	}
	dues, err := s.desk.SLADues(r.Context(), items)
	if err != nil {
		return err
	}
	now := s.desk.Now()
	col := map[string]*boardColumn{}
	d := pageData{Title: st.Name + ": board", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/streams"), Error: problem, StreamID: st.ID}
	if status == http.StatusOK {
		// A refused pull's page answers a POST; reloading it would not do.
		d.Refresh = liveEvery(r)
	}
	if more {
		d.Notice = "Showing the newest " + strconv.Itoa(len(items)) + " open items; there are more. Use search to find the others."
	}
	d.Columns = make([]boardColumn, len(st.Steps))
	for i, step := range st.Steps {
		d.Columns[i] = boardColumn{Step: step.ID, Name: step.Name, Team: step.Team, WIPLimit: step.WIPLimit}
		col[step.ID] = &d.Columns[i]
	}
	// Items are newest first; cards are shown oldest first.
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		v := it.Visit
		if v == nil || col[v.Step] == nil {
			continue
		}
		c := col[v.Step]
		card := boardCard{ID: it.ID, Version: it.Version, Title: contents[it.ID].Title, Priority: it.Priority, Blocked: v.State == svcflow.Blocked}
		card.SLA, card.SLAState = slaCountdown(dues[i], now)
		if v.InProgress() {
			c.Active = append(c.Active, card)
		} else {
			c.Queued = append(c.Queued, card)
		}
	}
	// A step's load counts all of its work, also what this person may not
	// see or the board leaves out: it is what a pull is refused against.
	load, err := s.desk.InProgressBySteps(r.Context(), st.ID)
	if err != nil {
		return err
	}
	for i := range d.Columns {
		c := &d.Columns[i]
		c.InProgress = load[c.Step]
		c.Full = c.WIPLimit > 0 && c.InProgress >= c.WIPLimit
	}
	return render(w, status, "board", d)
}

// boardPull pulls a card into its step, refused with the reason when the
// step is at its WIP limit.
func (s *Server) boardPull(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || version < 1 {
		return newProblem("invalid", "version: expected the card's version from the board", fieldError{"version", "not a version"})
	}
	_, err = s.desk.PullItem(r.Context(), p, r.PostFormValue("item"), version)
	if code := svcflow.ErrorCodeOf(err); code == svcflow.ErrConflict || code == svcflow.ErrForbidden || code == svcflow.ErrNotFound {
		return s.renderBoard(w, r, p, sess, http.StatusConflict, capitalize(err.Error())+".")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/streams/"+r.PathValue("id")+"/board", http.StatusSeeOther)
	return nil
}
