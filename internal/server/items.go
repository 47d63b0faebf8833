package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// workItem is the wire form of a work item.
type workItem struct {
	ID             string            `json:"id"`
	Version        int               `json:"version"`
	Kind           svcflow.Kind      `json:"kind"`
	Title          string            `json:"title"`
	Description    string            `json:"description"`
	Form           map[string]string `json:"form,omitempty"`
	Status         svcflow.Status    `json:"status"`
	HoldReason     string            `json:"hold_reason,omitempty"`
	Priority       svcflow.Priority  `json:"priority"`
	Impact         int               `json:"impact"`
	Urgency        int               `json:"urgency"`
	CostOfDelay    int               `json:"cost_of_delay,omitempty"`
	Size           svcflow.Duration  `json:"size,omitzero"`
	Category       string            `json:"category,omitempty"`
	Service        string            `json:"service,omitempty"`
	Organisation   string            `json:"organisation,omitempty"`
	RequestedBy    string            `json:"requested_by"`
	RequestedFor   string            `json:"requested_for"`
	Watchers       []string          `json:"watchers"`
	Stream         string            `json:"stream"`
	StreamRevision int               `json:"stream_revision"`
	Visit          *visit            `json:"visit"`
	Links          []svcflow.Link    `json:"links"`
	Created        time.Time         `json:"created"`
	Updated        time.Time         `json:"updated"`
	FirstResolved  *time.Time        `json:"first_resolved"`
	LastResolved   *time.Time        `json:"last_resolved"`
	ValueReached   *time.Time        `json:"value_reached"`
	Closed         *time.Time        `json:"closed"`
	Reopens        int               `json:"reopens"`
	Feedback       int               `json:"feedback,omitempty"`
}

// visit is the wire form of the current visit.
type visit struct {
	Step      string             `json:"step"`
	StepName  string             `json:"step_name"`
	Activity  svcflow.Activity   `json:"activity"`
	State     svcflow.VisitState `json:"state"`
	Entered   time.Time          `json:"entered"`
	Team      string             `json:"team,omitempty"`
	Assignee  string             `json:"assignee,omitempty"`
	Swarm     []string           `json:"swarm"`
	TasksDone []string           `json:"tasks_done"`
	Waiting   []string           `json:"waiting_for"`
	Outcomes  []string           `json:"outcomes"`
	Approval  bool               `json:"approval"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (s *Server) wireItem(ctx context.Context, v *desk.View) workItem {
	w := v.Item
	out := workItem{
		ID: w.ID, Version: w.Version, Kind: w.Kind, Title: v.Content.Title, Description: v.Content.Description, Form: v.Content.Form,
		Status: w.Status, HoldReason: w.HoldReason, Priority: w.Priority, Impact: w.Impact, Urgency: w.Urgency,
		CostOfDelay: w.CostOfDelay, Size: w.Size,
		Category: w.Category, Service: w.Service, Organisation: w.Organisation,
		RequestedBy: w.RequestedBy, RequestedFor: w.RequestedFor, Watchers: nonNil(w.Watchers),
		Stream: w.Stream, StreamRevision: w.StreamRevision, Links: nonNil(w.Links),
		Created: w.Created, Updated: w.Updated, FirstResolved: timePtr(w.FirstResolved), LastResolved: timePtr(w.LastResolved),
		ValueReached: timePtr(w.ValueReached), Closed: timePtr(w.Closed), Reopens: w.Reopens, Feedback: w.Feedback,
	}
	if vv := w.Visit; vv != nil {
		out.Visit = &visit{Step: vv.Step, Activity: vv.Activity, State: vv.State, Entered: vv.Entered, Team: vv.Team,
			Assignee: vv.Person, Swarm: nonNil(vv.Swarm), TasksDone: nonNil(vv.TasksDone), Waiting: nonNil(vv.Waiting), Outcomes: []string{}}
		if st, err := s.desk.StreamStep(ctx, w.Stream, w.StreamRevision, vv.Step); err == nil {
			out.Visit.StepName = st.Name
			out.Visit.Outcomes = nonNil(st.ChoosableOutcomes())
			out.Visit.Approval = st.Approval != nil
		}
	}
	return out
}

func etag(version int) string { return fmt.Sprintf(`"v%d"`, version) }

// ifMatch parses If-Match: "v3", W/"v3" or 3. Zero means absent.
func ifMatch(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	h = strings.Trim(h, `"`)
	h = strings.TrimPrefix(h, "v")
	n, err := strconv.Atoi(h)
	if err != nil || n < 1 {
		return 0, newProblem("malformed", fmt.Sprintf("If-Match %q; expected an ETag such as \"v3\"", r.Header.Get("If-Match")), fieldError{Field: "If-Match", Detail: "expected an ETag such as \"v3\""})
	}
	return n, nil
}

func (s *Server) writeItem(w http.ResponseWriter, r *http.Request, status int, v *desk.View) error {
	w.Header().Set("ETag", etag(v.Item.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/work-items/"+v.Item.ID)
	}
	return writeJSON(w, status, s.wireItem(r.Context(), v))
}

// createWorkItem is the body of POST /api/v1/work-items.
type createWorkItem struct {
	Kind         svcflow.Kind      `json:"kind"`
	Title        string            `json:"title"`
	Description  string            `json:"description,omitempty"`
	Category     string            `json:"category,omitempty"`
	Service      string            `json:"service,omitempty"`
	Organisation string            `json:"organisation,omitempty"`
	Impact       int               `json:"impact,omitempty"`
	Urgency      int               `json:"urgency,omitempty"`
	CostOfDelay  int               `json:"cost_of_delay,omitempty"`
	Size         svcflow.Duration  `json:"size,omitzero"`
	RequestedFor string            `json:"requested_for,omitempty"`
	Watchers     []string          `json:"watchers,omitempty"`
	Entry        string            `json:"entry,omitempty"`
	Stream       string            `json:"stream,omitempty"`
	Catalogue    string            `json:"catalogue,omitempty"` // SERVICE/ENTRY of the request catalogue
	Form         map[string]string `json:"form,omitempty"`      // answers to the entry's request form
	CIs          []string          `json:"cis,omitempty"`       // configuration items concerned
	// SuggestionSession is the knowledge suggestion session the requester
	// saw before submitting: it then counts as a submission, not a deflection.
	SuggestionSession string `json:"suggestion_session,omitempty"`
}

func (s *Server) createItem(w http.ResponseWriter, r *http.Request) error {
	p := personOf(r)
	var in createWorkItem
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Kind == "" && in.Catalogue == "" {
		return newProblem("invalid", "kind: missing; expected one of "+strings.Join(svcflow.KindIDs(), ", ")+" (or a catalogue entry)", fieldError{"kind", "missing"})
	}
	v, err := s.desk.Open(r.Context(), p, desk.OpenInput{
		Kind: in.Kind, Title: in.Title, Description: in.Description, Category: in.Category, Service: in.Service,
		Organisation: in.Organisation, Impact: in.Impact, Urgency: in.Urgency, CostOfDelay: in.CostOfDelay, Size: in.Size,
		RequestedFor: in.RequestedFor, Watchers: in.Watchers, Entry: in.Entry, Stream: in.Stream,
		Catalogue: in.Catalogue, Form: in.Form, CIs: in.CIs, SuggestionSession: in.SuggestionSession,
	})
	if err != nil {
		return err
	}
	return s.writeItem(w, r, http.StatusCreated, v)
}

func (s *Server) getItem(w http.ResponseWriter, r *http.Request) error {
	v, err := s.desk.Item(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeItem(w, r, http.StatusOK, v)
}

// itemList is a page of work items; next_cursor is absent on the last page.
type itemList struct {
	Items      []workItem `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func (s *Server) listItems(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := desk.ItemFilter{Service: q.Get("service"), Stream: q.Get("stream"), Text: q.Get("q"), Assignee: q.Get("assignee")}
	for _, st := range splitList(q.Get("status")) {
		if st == "open" {
			f.Statuses = append(f.Statuses, svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold)
			continue
		}
		f.Statuses = append(f.Statuses, svcflow.Status(st))
	}
	for _, k := range splitList(q.Get("kind")) {
		f.Kinds = append(f.Kinds, svcflow.Kind(k))
	}
	f.Teams = splitList(q.Get("team"))
	if q.Get("mine") == "true" {
		f.Person = personOf(r).ID
	}
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 1 {
			return newProblem("invalid", "cursor: expected the next_cursor of a previous page", fieldError{"cursor", "not a cursor"})
		}
		f.Before = n
	}
	f.Limit = 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return newProblem("invalid", "limit: expected 1 to 200", fieldError{"limit", "expected 1 to 200"})
		}
		f.Limit = n
	}
	items, err := s.desk.List(r.Context(), personOf(r), f)
	if err != nil {
		return err
	}
	out := itemList{Items: []workItem{}}
	views, err := s.desk.Contents(r.Context(), items)
	if err != nil {
		return err
	}
	for _, v := range views {
		out.Items = append(out.Items, s.wireItem(r.Context(), v))
	}
	if len(items) == f.Limit {
		out.NextCursor = strconv.FormatInt(itemNumber(items[len(items)-1].ID), 10)
	}
	return writeJSON(w, http.StatusOK, out)
}

func itemNumber(id string) int64 {
	i := strings.LastIndexByte(id, '-')
	n, _ := strconv.ParseInt(id[i+1:], 10, 64)
	return n
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// patchWorkItem is the body of PATCH: only the fields given change.
type patchWorkItem struct {
	Title        *string           `json:"title,omitempty"`
	Description  *string           `json:"description,omitempty"`
	Impact       *int              `json:"impact,omitempty"`
	Urgency      *int              `json:"urgency,omitempty"`
	Category     *string           `json:"category,omitempty"`
	Service      *string           `json:"service,omitempty"`
	RequestedFor *string           `json:"requested_for,omitempty"`
	CostOfDelay  *int              `json:"cost_of_delay,omitempty"`
	Size         *svcflow.Duration `json:"size,omitempty"`
}

func (s *Server) patchItem(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get("If-Match") == "" {
		return newProblem("precondition-required", "PATCH needs If-Match with the item's ETag, so it cannot overwrite a change made meanwhile")
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in patchWorkItem
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.desk.Patch(r.Context(), personOf(r), r.PathValue("id"), version, desk.Patch{
		Title: in.Title, Description: in.Description,
		Update: svcflow.Update{Impact: in.Impact, Urgency: in.Urgency, Category: in.Category, Service: in.Service, RequestedFor: in.RequestedFor,
			CostOfDelay: in.CostOfDelay, Size: in.Size},
	})
	if err != nil {
		return err
	}
	return s.writeItem(w, r, http.StatusOK, v)
}

// actionBody holds every field any action takes; each action accepts only
// its own (see actionFields) so a misspelt field is an error, not ignored.
type actionBody struct {
	Person  *string      `json:"person,omitempty"`
	Team    *string      `json:"team,omitempty"`
	Outcome *string      `json:"outcome,omitempty"`
	Reason  *string      `json:"reason,omitempty"`
	Kind    svcflow.Kind `json:"kind,omitempty"`
	Mode    *string      `json:"mode,omitempty"`
	Of      *string      `json:"of,omitempty"`
	Leave   *bool        `json:"leave,omitempty"`
	Body    *string      `json:"body,omitempty"`
	Public  *bool        `json:"public,omitempty"`
	Score   *int         `json:"score,omitempty"`
	Comment *string      `json:"comment,omitempty"`
	Task    *string      `json:"task,omitempty"`
	Type    *string      `json:"type,omitempty"`
	Other   *string      `json:"other,omitempty"`
	Stream  *string      `json:"stream,omitempty"`
	Entry   *string      `json:"entry,omitempty"`
}

// actionFields lists the body fields of each action.
var actionFields = map[string][]string{
	"start": {"person"}, "complete": {"outcome"}, "resolve": {"outcome"}, "pause": {"reason"}, "resume": {},
	"requeue": {"reason"}, "escalate": {"team", "reason"}, "assign": {"person", "team"}, "approve": {"comment"},
	"reject": {"reason"}, "close": {"reason"}, "reopen": {"reason"}, "reclassify": {"kind", "mode"}, "cancel": {"reason"},
	"duplicate": {"of"}, "swarm": {"person", "leave"}, "comment": {"body", "public"}, "feedback": {"score", "comment"},
	"task": {"task"}, "watch": {"person"}, "link": {"type", "other"}, "reroute": {"stream", "entry", "reason"},
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// command builds the domain command of an action, refusing fields the
// action does not take.
func command(action string, b actionBody) (svcflow.Command, error) {
	allowed, ok := actionFields[action]
	if !ok {
		return nil, newProblem("not-found", fmt.Sprintf("no action %q", action))
	}
	given := map[string]bool{
		"person": b.Person != nil, "team": b.Team != nil, "outcome": b.Outcome != nil, "reason": b.Reason != nil,
		"kind": b.Kind != "", "mode": b.Mode != nil, "of": b.Of != nil, "leave": b.Leave != nil, "body": b.Body != nil, "public": b.Public != nil,
		"score": b.Score != nil, "comment": b.Comment != nil, "task": b.Task != nil, "type": b.Type != nil, "other": b.Other != nil,
		"stream": b.Stream != nil, "entry": b.Entry != nil,
	}
	for f, set := range given {
		if set && !containsStr(allowed, f) {
			return nil, newProblem("invalid", fmt.Sprintf("%s takes no field %q (it takes %s)", action, f, listFields(allowed)), fieldError{f, "not a field of " + action})
		}
	}
	switch action {
	case "start":
		return svcflow.Start{Person: str(b.Person)}, nil
	case "complete":
		return svcflow.Complete{Outcome: str(b.Outcome)}, nil
	case "resolve":
		return svcflow.Resolve{Outcome: str(b.Outcome)}, nil
	case "pause":
		return svcflow.Pause{Reason: str(b.Reason)}, nil
	case "resume":
		return svcflow.Resume{}, nil
	case "requeue":
		return svcflow.Requeue{Reason: str(b.Reason)}, nil
	case "escalate":
		return svcflow.Escalate{Team: str(b.Team), Reason: str(b.Reason)}, nil
	case "assign":
		return svcflow.Assign{Person: str(b.Person), Team: str(b.Team)}, nil
	case "approve":
		return svcflow.Approve{}, nil
	case "reject":
		return svcflow.Reject{Reason: str(b.Reason)}, nil
	case "close":
		return svcflow.Close{Reason: str(b.Reason)}, nil
	case "reopen":
		return svcflow.Reopen{Reason: str(b.Reason)}, nil
	case "reclassify":
		if b.Kind == "" {
			return nil, newProblem("invalid", "kind: missing; the kind to reclassify to", fieldError{"kind", "missing"})
		}
		switch str(b.Mode) {
		case "", "in_place":
			return svcflow.Reclassify{Kind: b.Kind}, nil
		case "link":
			return svcflow.Reclassify{Kind: b.Kind, Link: true}, nil
		}
		return nil, newProblem("invalid", "mode: expected in_place (the default) or link", fieldError{"mode", "expected in_place or link"})
	case "cancel":
		return svcflow.Cancel{Reason: str(b.Reason)}, nil
	case "reroute":
		return svcflow.Reroute{Stream: str(b.Stream), Entry: str(b.Entry), Reason: str(b.Reason)}, nil
	case "duplicate":
		return svcflow.Duplicate{Of: str(b.Of)}, nil
	case "swarm":
		return svcflow.Swarm{Person: str(b.Person), Leave: b.Leave != nil && *b.Leave}, nil
	case "feedback":
		return nil, nil // the caller gives it: a requester's or an agent's
	case "task":
		return svcflow.DoTask{Task: str(b.Task)}, nil
	case "watch":
		return svcflow.Watch{Person: str(b.Person)}, nil
	case "link":
		return svcflow.AddLink{Type: str(b.Type), Other: str(b.Other)}, nil
	}
	return nil, nil // comment is handled by the caller
}

func containsStr(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func listFields(fs []string) string {
	if len(fs) == 0 {
		return "no fields"
	}
	return strings.Join(fs, ", ")
}

// act returns the handler of one action on work items.
func (s *Server) act(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error { return s.doAction(w, r, action) }
}

func (s *Server) doAction(w http.ResponseWriter, r *http.Request, action string) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var b actionBody
	if err := s.decode(w, r, &b); err != nil {
		return err
	}
	cmd, err := command(action, b)
	if err != nil {
		return err
	}
	p, id := personOf(r), r.PathValue("id")
	var v *desk.View
	switch action {
	case "comment":
		v, _, err = s.desk.PostComment(r.Context(), p, id, version, str(b.Body), b.Public == nil || *b.Public)
	case "feedback":
		score := 0
		if b.Score != nil {
			score = *b.Score
		}
		v, _, err = s.desk.GiveFeedback(r.Context(), p, id, version, score, str(b.Comment))
	default:
		v, err = s.desk.Act(r.Context(), p, id, version, cmd)
	}
	if err != nil {
		return err
	}
	return s.writeItem(w, r, http.StatusOK, v)
}

func (s *Server) itemEvents(w http.ResponseWriter, r *http.Request) error {
	evs, err := s.desk.ItemEvents(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, eventList{Events: nonNil(evs)})
}

// visitTimes is one measured visit of an item.
type visitTimes struct {
	Step      string             `json:"step"`
	Ordinal   int                `json:"ordinal"`
	Entered   time.Time          `json:"entered"`
	Ended     *time.Time         `json:"ended"`
	Outcome   string             `json:"outcome,omitempty"`
	Exit      string             `json:"exit_reason,omitempty"`
	WaitS     float64            `json:"wait_seconds"`
	CycleS    float64            `json:"cycle_seconds"`
	BlockedS  float64            `json:"blocked_seconds"`
	Teams     []string           `json:"teams"`
	Persons   []string           `json:"persons"`
	EffortS   map[string]float64 `json:"effort_seconds"`
	Requeues  int                `json:"requeues"`
	Completed bool               `json:"completed"`
	Activity  svcflow.Activity   `json:"activity"`
}

func (s *Server) itemVisits(w http.ResponseWriter, r *http.Request) error {
	evs, err := s.desk.ItemEvents(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := []visitTimes{}
	for _, v := range svcflow.Visits(evs, s.desk.Now()) {
		vt := visitTimes{Step: v.Step, Ordinal: v.Ordinal, Entered: v.Entered, Ended: timePtr(v.Ended), Outcome: v.Outcome, Exit: v.ExitReason,
			WaitS: v.Wait.Seconds(), CycleS: v.Cycle.Seconds(), BlockedS: v.Blocked.Seconds(), Teams: nonNil(v.Teams), Persons: nonNil(v.Persons),
			EffortS: map[string]float64{}, Requeues: v.Requeues, Completed: v.Completed, Activity: v.Activity}
		for p, d := range v.Effort {
			vt.EffortS[p] = d.Seconds()
		}
		out = append(out, vt)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"visits": out})
}

// commentList is an item's comments.
type commentList struct {
	Comments []desk.Comment `json:"comments"`
}

func (s *Server) itemComments(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.desk.Comments(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, commentList{Comments: nonNil(cs)})
}

// eventList is a page of the event log; next_cursor is the seq to pass as
// after for the next page.
type eventList struct {
	Events     []svcflow.Event `json:"events"`
	NextCursor int64           `json:"next_cursor,omitempty"`
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var after int64
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return newProblem("invalid", "after: expected a sequence number", fieldError{"after", "expected a sequence number"})
		}
		after = n
	}
	limit := 500
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return newProblem("invalid", "limit: expected 1 to 1000", fieldError{"limit", "expected 1 to 1000"})
		}
		limit = n
	}
	evs, err := s.desk.Events(r.Context(), personOf(r), after, limit)
	if err != nil {
		return err
	}
	out := eventList{Events: nonNil(evs)}
	if len(evs) > 0 {
		out.NextCursor = evs[len(evs)-1].Seq
	}
	return writeJSON(w, http.StatusOK, out)
}
