package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The admin pages: the directory (organisations, teams, people), services
// and their catalogue, SLA policies, automation rules and value streams,
// each listed and changed through the desk's use cases, which check the
// actor is an admin and write a configuration event with every change.

// adminHandler is the signature of a page handler behind s.adminPage.
type adminHandler = func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error

// adminRoutes lists the routes of the admin pages; every one is for admins.
func (s *Server) adminRoutes() []route {
	get := func(path, summary string, h adminHandler) route {
		return route{method: "GET", path: path, summary: summary, public: true, html: true, status: 200, h: s.adminPage(h)}
	}
	post := func(path, summary string, h adminHandler) route {
		return route{method: "POST", path: path, summary: summary, public: true, html: true, status: 303, h: s.adminPage(h)}
	}
	return []route{
		get("/admin", "Admin overview: what is configured, with links (admins)", s.adminOverview),

		get("/admin/organisations", "Organisations and a form to add one (admins)", s.adminOrgs),
		post("/admin/organisations", "Add an organisation (admins)", s.adminOrgAdd),
		get("/admin/organisations/{id}", "Edit an organisation (admins)", s.adminOrgEdit),
		post("/admin/organisations/{id}", "Save an organisation (admins)", s.adminOrgSave),

		get("/admin/teams", "Teams and a form to add one (admins)", s.adminTeams),
		post("/admin/teams", "Add a team (admins)", s.adminTeamAdd),
		get("/admin/teams/{id}", "Edit a team (admins)", s.adminTeamEdit),
		post("/admin/teams/{id}", "Save a team (admins)", s.adminTeamSave),

		get("/admin/people", "People and a form to add one (admins)", s.adminPeople),
		post("/admin/people", "Add a person (admins)", s.adminPersonAdd),
		get("/admin/people/{id}", "Edit a person (admins)", s.adminPersonEdit),
		post("/admin/people/{id}", "Save a person (admins)", s.adminPersonSave),

		get("/admin/services", "Services and a form to add one (admins)", s.adminServices),
		post("/admin/services", "Add a service (admins)", s.adminServiceAdd),
		get("/admin/services/{id}", "A service with its catalogue entries and their questions (admins)", s.adminService),
		post("/admin/services/{id}", "Save a service's name, status and owner (admins)", s.adminServiceSave),
		get("/admin/services/{id}/entries/new", "Form for a new catalogue entry (admins)", s.adminEntryNew),
		post("/admin/services/{id}/entries/new", "Add a catalogue entry (admins)", s.adminEntryAdd),
		get("/admin/services/{id}/entries/{entry}", "Edit a catalogue entry and its request form (admins)", s.adminEntryEdit),
		post("/admin/services/{id}/entries/{entry}", "Save a catalogue entry (admins)", s.adminEntrySave),

		get("/admin/sla", "SLA policies and a form to add one (admins)", s.adminSLA),
		post("/admin/sla", "Add an SLA policy (admins)", s.adminSLAAdd),
		get("/admin/sla/{id}", "Edit an SLA policy (admins)", s.adminSLAEdit),
		post("/admin/sla/{id}", "Save an SLA policy (admins)", s.adminSLASave),

		get("/admin/rules", "Automation rules (admins)", s.adminRules),
		get("/admin/rules/new", "Write a new automation rule as YAML (admins)", s.adminRuleNew),
		post("/admin/rules/new", "Save or dry-run a new automation rule (admins)", s.adminRuleSubmit),
		get("/admin/rules/{id}", "Edit an automation rule as YAML (admins)", s.adminRuleEdit),
		post("/admin/rules/{id}", "Save or dry-run an automation rule (admins)", s.adminRuleSubmit),
		post("/admin/rules/{id}/enable", "Switch a rule on (admins)", s.adminRuleEnabled(true)),
		post("/admin/rules/{id}/disable", "Switch a rule off (admins)", s.adminRuleEnabled(false)),
		get("/admin/rules/{id}/dry-run", "What a saved rule would have done over the last days (admins)", s.adminRuleDryRun),

		get("/admin/streams", "Value streams with their revisions (admins)", s.adminStreams),
		get("/admin/streams/upload", "Form to upload a value stream definition (admins)", s.adminStreamUpload),
		{method: "POST", path: "/admin/streams/upload", summary: "Validate a value stream definition and store it as a new revision (admins)",
			public: true, html: true, status: 303, h: s.adminPage(s.adminStreamSubmit)},
	}
}

// adminCount is a line of the overview.
type adminCount struct {
	Label, Href, Note string
	N                 int
}

// adminOverviewView is the overview's data.
type adminOverviewView struct {
	Counts []adminCount
}

func (s *Server) adminOverview(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	ctx := r.Context()
	st := s.desk.Store()
	orgs, err := st.Organisations(ctx)
	if err != nil {
		return err
	}
	teams, err := st.Teams(ctx)
	if err != nil {
		return err
	}
	people, err := st.People(ctx)
	if err != nil {
		return err
	}
	services, err := st.Services(ctx)
	if err != nil {
		return err
	}
	policies, err := st.SLAPolicies(ctx)
	if err != nil {
		return err
	}
	rules, err := s.desk.ListRules(ctx, p)
	if err != nil {
		return err
	}
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	active, entries, enabled := 0, 0, 0
	for _, x := range people {
		if !x.Erased {
			active++
		}
	}
	for _, sv := range services {
		entries += len(sv.Catalogue)
	}
	for _, ru := range rules {
		if ru.Enabled {
			enabled++
		}
	}
	v := adminOverviewView{Counts: []adminCount{
		{Label: "Organisations", Href: "/admin/organisations", N: len(orgs)},
		{Label: "Teams", Href: "/admin/teams", N: len(teams)},
		{Label: "People", Href: "/admin/people", N: active},
		{Label: "Services", Href: "/admin/services", N: len(services), Note: plural(entries, "catalogue entry", "catalogue entries")},
		{Label: "SLA policies", Href: "/admin/sla", N: len(policies)},
		{Label: "Automation rules", Href: "/admin/rules", N: len(rules), Note: itoa(enabled) + " switched on"},
		{Label: "Value streams", Href: "/admin/streams", N: len(streams), Note: "upload a new one or a new revision"},
	}}
	return render(w, http.StatusOK, "admin", s.adminData(p, sess, "Admin", v))
}

// adminData is the common part of every admin page.
func (s *Server) adminData(p *svcflow.Person, sess desk.Session, title string, view any) pageData {
	return pageData{Title: title, Person: p, CSRF: sess.CSRF, Nav: nav(p, "/admin"), View: view}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// savedNotice reads the "saved" query parameter a redirect after a save
// carries, for a line above the page.
func savedNotice(r *http.Request) string {
	if id := r.URL.Query().Get("saved"); id != "" {
		return "Saved " + id + "."
	}
	return ""
}

// seeOther redirects after a successful post, naming what was saved.
func seeOther(w http.ResponseWriter, r *http.Request, path, saved string) {
	if saved != "" {
		path += "?saved=" + url.QueryEscape(saved)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// formVersion fingerprints an object as it was when a form was shown. The
// directory, services and SLA policies are saved whole, without versions in
// the store, so the form carries this in its hidden version field and a save
// whose object has changed since is refused: a stale form changes nothing.
func formVersion(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("marshal a domain object: " + err.Error()) // domain types always marshal
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}

// staleNotice is shown when a form was opened before someone else's save.
const staleNotice = "Someone else changed this after you opened the form, so nothing was saved. The form now shows the current values; make your change again."

// formProblems is why a form was refused: a line for the top of the page
// and a message per field.
type formProblems struct {
	Summary string
	Fields  map[string]string
}

// problemsOf reads the user-facing problems out of a refusal: domain errors
// that are the input's fault (invalid, conflict), joined or not. ok is
// false for any other error, which the caller returns as it is.
func problemsOf(err error) (fp formProblems, ok bool) {
	fp.Fields = map[string]string{}
	var msgs []string
	add := func(field, msg string) {
		if field != "" {
			if _, dup := fp.Fields[field]; !dup {
				fp.Fields[field] = msg
			}
			msgs = append(msgs, field+": "+msg)
		} else {
			msgs = append(msgs, msg)
		}
	}
	var walk func(error) bool
	walk = func(e error) bool {
		switch x := e.(type) {
		case *desk.FieldErrors:
			for _, fe := range x.Errors {
				add(fe.Field, fe.Message)
			}
			return true
		case *svcflow.Error:
			if x.Code != svcflow.ErrInvalid && x.Code != svcflow.ErrConflict {
				return false
			}
			add(x.Field, x.Message)
			return true
		case *apiError:
			if x.p.Status != http.StatusUnprocessableEntity && x.p.Status != http.StatusConflict {
				return false
			}
			if len(x.p.Errors) == 0 {
				add("", x.p.Detail)
			}
			for _, fe := range x.p.Errors {
				add(fe.Field, fe.Detail)
			}
			return true
		case interface{ Unwrap() []error }:
			for _, c := range x.Unwrap() {
				if !walk(c) {
					return false
				}
			}
			return true
		}
		if u := errors.Unwrap(e); u != nil {
			return walk(u)
		}
		return false
	}
	if !walk(err) {
		return formProblems{}, false
	}
	fp.Summary = capitalize(strings.Join(msgs, "; "))
	if !strings.HasSuffix(fp.Summary, ".") {
		fp.Summary += "."
	}
	return fp, true
}

// sourceProblem is a problem of a text a form took (a stream or rule
// definition, a request form's questions), placed by line and column when
// known (from 1; 0 when not).
type sourceProblem struct {
	Line, Column int
	Message      string
	Warning      bool
}

// Where says where the problem is, as "line 12, column 5".
func (p sourceProblem) Where() string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("line %d, column %d", p.Line, p.Column)
	case p.Line > 0:
		return fmt.Sprintf("line %d", p.Line)
	}
	return ""
}

// sourceLine is a line of the text with the problems placed on it.
type sourceLine struct {
	N        int
	Text     string
	Problems []sourceProblem
}

// sourceView is a text shown with line numbers and each problem under its
// line; Problems lists them all, for the top of the page.
type sourceView struct {
	Lines    []sourceLine
	Problems []sourceProblem
	Errors   int
}

func newSourceView(text string, problems []sourceProblem) *sourceView {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	v := &sourceView{Problems: problems}
	for i, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		v.Lines = append(v.Lines, sourceLine{N: i + 1, Text: l})
	}
	for _, p := range problems {
		if !p.Warning {
			v.Errors++
		}
		if p.Line >= 1 && p.Line <= len(v.Lines) {
			v.Lines[p.Line-1].Problems = append(v.Lines[p.Line-1].Problems, p)
		}
	}
	return v
}
