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

// The self-service portal: the catalogue, its request forms, and an item's
// own page with its timeline in plain words.

// portalService is a live service with what can be asked of it.
type portalService struct {
	ID, Name string
	Entries  []svcflow.CatalogueEntry
}

// requestForm is a request form as a page shows it.
type requestForm struct {
	Action      string
	Description string
	Fields      []svcflow.FormField
	Values      map[string]string // what was posted, to show again with an error
	// Problem offers to look for an answer in the knowledge base first;
	// Suggestions are what was found, in suggestion session Session.
	Problem     bool
	Searched    bool
	Suggestions []*svcflow.Article
	Session     string
}

// itemPage is a work item as its page shows it.
type itemPage struct {
	ID, Title, Description, StatusText, StepName string
	Version                                      int // posted back by staff forms: a stale form changes nothing
	Status                                       svcflow.Status
	Priority                                     svcflow.Priority
	Timeline                                     []timelineEntry
	Resolved, Requester                          bool // the requester may confirm, reopen, rate
	Scores                                       []int
	Work                                         *workPanel // what staff may do on its step
	Staff                                        bool       // the reader may comment internally
	Desk                                         *itemDesk  // what staff see and do beyond the step
}

// timelineEntry is one line of an item's history in plain words.
type timelineEntry struct {
	At       time.Time
	Text     string
	Body     string // a comment's text
	Internal bool   // an internal comment, which only staff see
}

// problemEntry is the pseudo catalogue entry of "report a problem".
const problemEntry = "-/problem"

// signedInPage runs a page for a signed-in person; others are sent to sign
// in first.
func (s *Server) signedInPage(h func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, sess, ok, err := s.browserSession(r)
		if err != nil {
			return err
		}
		if !ok {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
		// Pages share the API's helpers, which find the person here.
		return h(w, r.WithContext(context.WithValue(r.Context(), personKey, p)), p, sess)
	}
}

// staffPage runs a page for agents and up; requesters are sent home, and
// their posts refused.
func (s *Server) staffPage(h func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error) handlerFunc {
	return s.signedInPage(func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
		if !p.Role.AtLeast(svcflow.RoleAgent) {
			if r.Method != http.MethodGet {
				// A refused action must not look like one done.
				return newProblem("forbidden", "this is for agents and up")
			}
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return nil
		}
		return h(w, r, p, sess)
	})
}

// managerPage runs a page for managers and admins; others get a 403 page.
func (s *Server) managerPage(h func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error) handlerFunc {
	return s.rolePage(svcflow.RoleManager, h)
}

// adminPage runs a page for admins; others get a 403 page.
func (s *Server) adminPage(h func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error) handlerFunc {
	return s.rolePage(svcflow.RoleAdmin, h)
}

func (s *Server) rolePage(role svcflow.Role, h func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error) handlerFunc {
	return s.signedInPage(func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
		if !p.Role.AtLeast(role) {
			return newProblem("forbidden", "this page is for "+string(role)+"s")
		}
		return h(w, r, p, sess)
	})
}

func (s *Server) portalPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	ss, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return err
	}
	d := pageData{Title: "Ask for something", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/portal")}
	for _, sv := range ss {
		if sv.Status == svcflow.ServiceLive && len(sv.Catalogue) > 0 {
			d.Services = append(d.Services, portalService{ID: sv.ID, Name: sv.Name, Entries: sv.Catalogue})
		}
	}
	return render(w, http.StatusOK, "portal", d)
}

// requestEntry finds the catalogue entry a request form is for; "-/problem"
// is the form for reporting something broken.
func (s *Server) requestEntry(r *http.Request) (*svcflow.CatalogueEntry, bool, error) {
	svc, entry := r.PathValue("service"), r.PathValue("entry")
	if svc+"/"+entry == problemEntry {
		return &svcflow.CatalogueEntry{Name: "Report a problem", Description: "Tell us what is not working; the service desk picks it up.",
			Kind: svcflow.KindIncident}, true, nil
	}
	ss, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return nil, false, err
	}
	for _, sv := range ss {
		if sv.ID != svc || sv.Status != svcflow.ServiceLive {
			continue
		}
		for i := range sv.Catalogue {
			if sv.Catalogue[i].ID == entry {
				return &sv.Catalogue[i], false, nil
			}
		}
	}
	return nil, false, nil
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	e, problem, err := s.requestEntry(r)
	if err != nil {
		return err
	}
	if e == nil {
		return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
	}
	// A catalogue request starts titled by its entry; a problem is
	// described in the requester's own words.
	title := e.Name
	if problem {
		title = ""
	}
	return s.showRequest(w, r, p, sess, e, http.StatusOK, map[string]string{"title": title}, "")
}

func (s *Server) showRequest(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, e *svcflow.CatalogueEntry, status int, values map[string]string, problem string) error {
	return s.renderRequest(w, r, p, sess, e, status, &requestForm{Values: values}, problem)
}

func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, e *svcflow.CatalogueEntry, status int, f *requestForm, problem string) error {
	f.Action, f.Description, f.Fields = r.URL.Path, e.Description, e.Fields
	f.Problem = r.PathValue("service")+"/"+r.PathValue("entry") == problemEntry
	d := pageData{Title: e.Name, Person: p, CSRF: sess.CSRF, Nav: nav(p, "/portal"), Error: problem, Form: f}
	if f.Problem {
		d.Script = "/static/suggest.js"
	}
	return render(w, status, "request", d)
}

func (s *Server) requestSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	e, problem, err := s.requestEntry(r)
	if err != nil {
		return err
	}
	if e == nil {
		return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
	}
	values := map[string]string{"title": r.PostFormValue("title"), "description": r.PostFormValue("description")}
	if problem && r.PostFormValue("step") == "suggest" {
		// Shift left: published articles that may answer it, before anyone
		// at the desk is asked (003 §5.1.5).
		session, found, err := s.desk.Suggest(r.Context(), p, strings.TrimSpace(values["title"]+" "+values["description"]), "")
		if ae := fromDomain(err); ae != nil && ae.p.Status == http.StatusUnprocessableEntity {
			return s.showRequest(w, r, p, sess, e, http.StatusUnprocessableEntity, values, "Say in a few words what is wrong, then look for an answer.")
		}
		if err != nil {
			return err
		}
		return s.renderRequest(w, r, p, sess, e, http.StatusOK,
			&requestForm{Values: values, Searched: true, Suggestions: found, Session: session.ID}, "")
	}
	in := desk.OpenInput{Kind: e.Kind, Title: values["title"], Description: values["description"], Impact: 3, Urgency: 3,
		SuggestionSession: r.PostFormValue("suggestion_session")}
	if problem && in.SuggestionSession == "" && r.PostFormValue("suggestions_seen") != "" {
		// The script showed suggestions as they typed and they still send
		// it: a submission after suggestions, in the session of what they
		// were shown for what they finally wrote.
		session, _, err := s.desk.Suggest(r.Context(), p, strings.TrimSpace(values["title"]+" "+values["description"]), "")
		if err == nil {
			in.SuggestionSession = session.ID
		} else if fromDomain(err) == nil {
			return err
		}
	}
	if !problem {
		in.Catalogue = r.PathValue("service") + "/" + e.ID
		in.Form = map[string]string{}
		for _, f := range e.Fields {
			if v := strings.TrimSpace(r.PostFormValue("form." + f.ID)); v != "" {
				in.Form[f.ID] = v
				values["form."+f.ID] = v
			}
		}
	}
	v, err := s.desk.Open(r.Context(), p, in)
	if ae := fromDomain(err); ae != nil && ae.p.Status == http.StatusUnprocessableEntity {
		// Every problem, each named by the label the form shows.
		msgs := []string{}
		for _, f := range ae.p.Errors {
			msgs = append(msgs, fieldLabel(f.Field, e)+": "+f.Detail)
		}
		if len(msgs) == 0 {
			msgs = append(msgs, ae.p.Detail)
		}
		return s.showRequest(w, r, p, sess, e, http.StatusUnprocessableEntity, values, strings.Join(msgs, "; "))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/items/"+v.Item.ID, http.StatusSeeOther)
	return nil
}

// fieldLabel names the field of an error as the form labels it.
func fieldLabel(field string, e *svcflow.CatalogueEntry) string {
	switch {
	case field == "title":
		return "In a few words"
	case field == "description":
		return "Details"
	case strings.HasPrefix(field, "form."):
		for _, f := range e.Fields {
			if "form."+f.ID == field {
				return f.Label
			}
		}
	}
	return field
}

func (s *Server) itemPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.renderItem(w, r, p, sess, r.PathValue("id"), http.StatusOK, "", false)
}

// renderItem renders an item's page with a status and, after a refused
// action, the reason; with suggest, staff also get knowledge suggestions
// over its title.
func (s *Server) renderItem(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, id string, status int, problem string, suggest bool) error {
	v, err := s.desk.Item(r.Context(), p, id)
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
	}
	if err != nil {
		return err
	}
	events, err := s.desk.ItemEvents(r.Context(), p, id)
	if err != nil {
		return err
	}
	comments, err := s.desk.Comments(r.Context(), p, id)
	if err != nil {
		return err
	}
	staff := p.Role.AtLeast(svcflow.RoleAgent)
	w2 := v.Item
	// The names of the people in its history and on it now, not the
	// whole directory.
	ids := []string{}
	for _, ev := range events {
		ids = append(ids, ev.Actor, ev.Data.Person)
	}
	if staff {
		ids = append(ids, w2.Watchers...)
		if w2.Visit != nil {
			ids = append(append(ids, w2.Visit.Person), w2.Visit.Swarm...)
		}
	}
	people := map[string]string{}
	for _, id := range ids {
		if _, done := people[id]; done || id == "" || id == svcflow.SystemActor || svcflow.IsRuleActor(id) {
			continue
		}
		people[id] = id
		if who, err := s.desk.Store().Person(r.Context(), id); err == nil {
			people[id] = who.Name
		}
	}
	name := func(id string) string {
		if n, ok := people[id]; ok {
			return n
		}
		return id
	}
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	page := &itemPage{ID: w2.ID, Title: v.Content.Title, Description: v.Content.Description, Status: w2.Status, Version: w2.Version,
		StatusText: statusText[w2.Status], Priority: w2.Priority, Scores: []int{1, 2, 3, 4, 5},
		Resolved: w2.Status == svcflow.StatusResolved, Requester: p.ID == w2.RequestedBy || p.ID == w2.RequestedFor,
		Staff: staff}
	stream := byStreamID(streams, w2.Stream)
	if stream == nil || stream.Revision != w2.StreamRevision {
		// The item's own revision, whose steps, outcomes and tasks it
		// follows; names fall back to the latest one.
		if own, err := s.desk.Store().StreamRevision(r.Context(), w2.Stream, w2.StreamRevision); err == nil {
			stream = own
		}
	}
	if w2.Visit != nil {
		page.StepName = stepName(stream, w2.Visit.Step)
	}
	page.Timeline = timeline(events, comments, people, stream, staff)
	if staff && w2.Visit != nil && !w2.Status.IsFinal() {
		teams, err := s.desk.Store().Teams(r.Context())
		if err != nil {
			return err
		}
		page.Work = panelFor(w2, stream, teams, p.ID, name)
		if page.Work.People, err = s.teamPeople(r, w2.Visit.Team); err != nil {
			return err
		}
	}
	if staff {
		if page.Desk, err = s.itemDesk(r, p, v, name, suggest); err != nil {
			return err
		}
	}
	return render(w, status, "item", pageData{Title: w2.ID, Person: p, CSRF: sess.CSRF, Nav: nav(p, ""), Item: page, Error: problem})
}

func (s *Server) commentSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	id := r.PathValue("id")
	// Public unless staff mark it internal; the desk refuses internal
	// comments from requesters.
	public := r.PostFormValue("internal") == ""
	if _, _, err := s.desk.PostComment(r.Context(), p, id, 0, r.PostFormValue("body"), public); err != nil {
		if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
			return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
		}
		return err
	}
	http.Redirect(w, r, "/items/"+id, http.StatusSeeOther)
	return nil
}

// suggestionsPart lists the published articles that may answer what a
// requester is typing, for the portal's script to show under the form.
// Nothing is recorded: a suggestion session starts when they mark one as
// the answer, or send the form after seeing some.
func (s *Server) suggestionsPart(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 500 {
		// Long details add little to finding an article: look at their
		// start, cut at a whole character.
		q = strings.ToValidUTF8(q[:500], "")
	}
	v := suggestionList{CSRF: sess.CSRF, Text: q}
	if len([]rune(q)) >= 3 {
		found, err := s.desk.SearchArticles(r.Context(), p, desk.ArticleFilter{Text: q, Any: true,
			Statuses: []svcflow.ArticleStatus{svcflow.ArticlePublished}, Limit: desk.MaxSuggestions})
		if err != nil && fromDomain(err) == nil {
			return err
		}
		v.Articles = found
	}
	return renderPart(w, "suggestions", pageData{CSRF: sess.CSRF, View: v})
}

// solvedSubmit records that a suggested article solved the requester's
// need: a deflection, with no work item (SPEC §3).
func (s *Server) solvedSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	session := r.PostFormValue("session")
	if session == "" && r.PostFormValue("text") != "" {
		// Suggested as they typed: the session is what that text shows.
		found, _, err := s.desk.Suggest(r.Context(), p, r.PostFormValue("text"), "")
		if err != nil {
			return err
		}
		session = found.ID
	}
	if err := s.desk.Solved(r.Context(), p, session, r.PostFormValue("article")); err != nil {
		return err
	}
	return render(w, http.StatusOK, "solved", pageData{Title: "Glad that helped", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/portal")})
}

// itemAction does what a requester's buttons on a resolved item ask:
// confirm (close), reopen with a reason, or rate it.
func (s *Server) itemAction(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	id := r.PathValue("id")
	var err error
	switch r.PostFormValue("action") {
	case "close":
		_, err = s.desk.Act(r.Context(), p, id, 0, svcflow.Close{Reason: "confirmed by the requester"})
	case "reopen":
		_, err = s.desk.Act(r.Context(), p, id, 0, svcflow.Reopen{Reason: r.PostFormValue("reason")})
	case "feedback":
		score, _ := strconv.Atoi(r.PostFormValue("score"))
		_, _, err = s.desk.GiveFeedback(r.Context(), p, id, 0, score, r.PostFormValue("comment"))
	default:
		return newProblem("invalid", "action: expected close, reopen or feedback", fieldError{"action", "expected close, reopen or feedback"})
	}
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/items/"+id, http.StatusSeeOther)
	return nil
}

func byStreamID(streams []*svcflow.ValueStream, id string) *svcflow.ValueStream {
	for _, s := range streams {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// stepName is a step's plain-language name, or its id.
func stepName(s *svcflow.ValueStream, step string) string {
	if s != nil {
		if st := s.Step(step); st != nil {
			return st.Name
		}
	}
	return step
}

// timeline tells an item's events in plain words, with its comments'
// text and people's names (by id); the comments given are those the reader
// may see, so internal ones are left out for requesters. Staff (full) get
// every event; requesters the ones that tell them how their item goes.
func timeline(events []svcflow.Event, comments []desk.Comment, name map[string]string, s *svcflow.ValueStream, full bool) []timelineEntry {
	who := func(id string) string {
		if id == svcflow.SystemActor {
			return "svcflow"
		}
		if n, ok := name[id]; ok {
			return n
		}
		if svcflow.IsRuleActor(id) {
			return "an automation rule"
		}
		return id
	}
	words := func(code string) string { return strings.ReplaceAll(code, "_", " ") }
	because := func(reason string) string {
		if reason == "" {
			return ""
		}
		return " (" + words(reason) + ")"
	}
	body := map[string]desk.Comment{}
	for _, c := range comments {
		body[c.ID] = c
	}
	var out []timelineEntry
	for _, e := range events {
		var text, b string
		internal := false
		switch e.Type {
		case svcflow.EventCreated:
			text = fmt.Sprintf("%s opened it.", who(e.Actor))
			if full {
				text = fmt.Sprintf("%s opened it: %s, priority %s.", who(e.Actor), words(string(e.Data.Kind)), e.Data.Priority)
				if e.Data.Kind == "" {
					text = fmt.Sprintf("%s opened it.", who(e.Actor))
				}
			}
		case svcflow.EventStepEntered:
			text = fmt.Sprintf("It moved to “%s”.", stepName(s, e.Step))
		case svcflow.EventStepStarted:
			text = fmt.Sprintf("%s started on “%s”.", who(orActor(e.Data.Person, e.Actor)), stepName(s, e.Step))
		case svcflow.EventStepPaused:
			text = fmt.Sprintf("Work paused: %s.", words(e.Data.Reason))
		case svcflow.EventStepResumed:
			text = "Work resumed."
		case svcflow.EventStepRequeued:
			text = "It was passed to another team."
			if full {
				text = fmt.Sprintf("%s put it in the queue of %s%s.", who(e.Actor), e.Data.Team, because(e.Data.Reason))
			}
		case svcflow.EventStatusChanged:
			switch svcflow.Status(e.After) {
			case svcflow.StatusResolved:
				text = "It was resolved."
			case svcflow.StatusClosed:
				text = "It was closed."
			case svcflow.StatusCancelled:
				text = "It was cancelled."
			default:
				if full {
					text = fmt.Sprintf("Its status became “%s”%s.", statusText[svcflow.Status(e.After)], because(e.Data.Reason))
				}
			}
		case svcflow.EventReopened:
			text = fmt.Sprintf("%s reopened it.", who(e.Actor))
		case svcflow.EventCommented:
			c, ok := body[e.Data.Comment]
			if !ok {
				continue // an internal comment the reader may not see, or an erased one
			}
			text, b, internal = fmt.Sprintf("%s wrote:", who(e.Actor)), c.Body, !c.Public
			if internal {
				text = fmt.Sprintf("%s wrote, for staff only:", who(e.Actor))
			}
		case svcflow.EventFeedback:
			text = fmt.Sprintf("%s rated it %d of 5.", who(e.Actor), e.Data.Score)
		case svcflow.EventApprovalGiven:
			text = fmt.Sprintf("%s decided: %s.", who(e.Actor), e.Data.Decision)
		}
		if text == "" && full {
			text = staffLine(e, who, s)
		}
		if text != "" {
			out = append(out, timelineEntry{At: e.Time, Text: text, Body: b, Internal: internal})
		}
	}
	return out
}

// staffLine tells in plain words the events only staff read in an item's
// history.
func staffLine(e svcflow.Event, who func(string) string, s *svcflow.ValueStream) string {
	words := func(code string) string { return strings.ReplaceAll(code, "_", " ") }
	d := e.Data
	switch e.Type {
	case svcflow.EventStepCompleted:
		if d.Outcome != "" {
			return fmt.Sprintf("%s completed “%s”: %s.", who(e.Actor), stepName(s, e.Step), words(d.Outcome))
		}
		return fmt.Sprintf("%s completed “%s”.", who(e.Actor), stepName(s, e.Step))
	case svcflow.EventStepExited:
		return fmt.Sprintf("It left “%s”: %s.", stepName(s, e.Step), words(d.Reason))
	case svcflow.EventValueReached:
		return "It reached value: the work is done."
	case svcflow.EventAssigned:
		switch {
		case d.Person != "" && d.Team != "":
			return fmt.Sprintf("%s assigned it to %s of %s.", who(e.Actor), who(d.Person), d.Team)
		case d.Person != "":
			return fmt.Sprintf("%s assigned it to %s.", who(e.Actor), who(d.Person))
		}
		return fmt.Sprintf("%s handed it to %s.", who(e.Actor), d.Team)
	case svcflow.EventSwarmJoined:
		return fmt.Sprintf("%s joined the swarm.", who(d.Person))
	case svcflow.EventSwarmLeft:
		return fmt.Sprintf("%s left the swarm.", who(d.Person))
	case svcflow.EventTaskDone:
		return fmt.Sprintf("%s ticked “%s”.", who(e.Actor), taskName(s, e.Step, d.Task))
	case svcflow.EventApprovalAsked:
		return fmt.Sprintf("Approval asked of %s.", strings.ReplaceAll(d.Other, ",", ", "))
	case svcflow.EventReclassified:
		return fmt.Sprintf("%s reclassified it from %s to %s.", who(e.Actor), words(e.Before), words(e.After))
	case svcflow.EventRerouted:
		return fmt.Sprintf("%s moved it to the value stream %s.", who(e.Actor), d.Stream)
	case svcflow.EventLinked:
		return fmt.Sprintf("%s linked it: %s %s.", who(e.Actor), relationText(d.Link), d.Other)
	case svcflow.EventSpawned:
		if d.Reason == "wait" {
			return fmt.Sprintf("It opened %s (%s) and waits for it.", d.Other, words(string(d.Kind)))
		}
		return fmt.Sprintf("It opened %s (%s).", d.Other, words(string(d.Kind)))
	case svcflow.EventFieldChanged:
		if e.Before == "" && e.After == "" {
			return fmt.Sprintf("%s changed the %s.", who(e.Actor), words(d.Field))
		}
		return fmt.Sprintf("%s changed the %s from “%s” to “%s”.", who(e.Actor), words(d.Field), e.Before, e.After)
	case svcflow.EventWatcherAdded:
		if d.Person == e.Actor {
			return fmt.Sprintf("%s watches it.", who(d.Person))
		}
		return fmt.Sprintf("%s added %s as a watcher.", who(e.Actor), who(d.Person))
	case svcflow.EventFeedbackRequested:
		return fmt.Sprintf("%s was asked for feedback.", who(d.Person))
	case svcflow.EventAgentFeedback:
		if d.Score > 0 {
			return fmt.Sprintf("%s gave feedback on the work: %d of 5.", who(e.Actor), d.Score)
		}
		return fmt.Sprintf("%s gave feedback on the work.", who(e.Actor))
	case svcflow.EventAttached:
		return fmt.Sprintf("%s attached a file.", who(e.Actor))
	case svcflow.EventSLAWarning:
		return fmt.Sprintf("The %s SLA is close to its target.", d.Field)
	case svcflow.EventSLABreached:
		return fmt.Sprintf("The %s SLA was breached.", d.Field)
	case svcflow.EventBaselineCaptured:
		return fmt.Sprintf("Baseline captured: %s over %s.", e.After, d.Other)
	case svcflow.EventImprovementEvaluated:
		return fmt.Sprintf("Evaluated: %s (%s).", words(e.After), d.Other)
	case svcflow.EventRegisterChanged:
		return fmt.Sprintf("%s changed the register: %s.", who(e.Actor), strings.ReplaceAll(words(d.Field), ",", ", "))
	}
	return fmt.Sprintf("%s: %s.", who(e.Actor), words(string(e.Type)))
}

// taskName is a task's name in a step, or its id.
func taskName(s *svcflow.ValueStream, step, task string) string {
	if s != nil {
		if st := s.Step(step); st != nil {
			for _, a := range st.Actions {
				for _, t := range a.Tasks {
					if t.ID == task {
						return t.Name
					}
				}
			}
		}
	}
	return task
}

func orActor(person, actor string) string {
	if person != "" {
		return person
	}
	return actor
}
