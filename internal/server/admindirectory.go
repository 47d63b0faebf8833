package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
)

// The directory pages: organisations, teams and people, each a list with a
// form to add one, and a form to edit one.

// errNoSuchObject answers the not-found page for an id that names nothing.
var errNoSuchObject = newProblem("not-found", "nothing has that id")

// found turns a stored object that is not there into the not-found page.
func found[T any](x *T, err error) (*T, error) {
	if err == nil && x == nil {
		err = errNoSuchObject
	}
	return x, err
}

// find returns the element of xs whose id is id, or nil.
func find[T any](xs []*T, id string, idOf func(*T) string) *T {
	for _, x := range xs {
		if idOf(x) == id {
			return x
		}
	}
	return nil
}

// ---- organisations

// orgForm is the organisation form as shown.
type orgForm struct {
	Action, ID, Name, Tier, Version string
	OrgVisible                      bool
	Errors                          map[string]string
}

// adminOrgsView is the organisations page: the list, or one being edited.
type adminOrgsView struct {
	Orgs    []*svcflow.Organisation
	Editing bool
	Form    orgForm
}

func orgFormOf(o *svcflow.Organisation) orgForm {
	f := orgForm{Action: "/admin/organisations/" + o.ID, ID: o.ID, Name: o.Name, OrgVisible: o.OrgVisible, Version: formVersion(o)}
	if o.Tier != 0 {
		f.Tier = itoa(o.Tier)
	}
	return f
}

func (s *Server) adminOrgs(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showOrgs(w, r, p, sess, http.StatusOK, orgForm{Action: "/admin/organisations"}, false, savedNotice(r), "")
}

func (s *Server) showOrgs(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, f orgForm, editing bool, notice, problem string) error {
	v := adminOrgsView{Editing: editing, Form: f}
	if !editing {
		os, err := s.desk.Store().Organisations(r.Context())
		if err != nil {
			return err
		}
		v.Orgs = os
	}
	title := "Organisations"
	if editing {
		title = "Organisation " + f.ID
	}
	d := s.adminData(p, sess, title, v)
	d.Notice, d.Error = notice, problem
	return render(w, status, "adminorgs", d)
}

// readOrg reads the posted organisation form over o.
func readOrg(r *http.Request, o *svcflow.Organisation) (orgForm, map[string]string) {
	f := orgForm{ID: o.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Tier: strings.TrimSpace(r.PostFormValue("tier")),
		OrgVisible: r.PostFormValue("org_visible") == "on", Version: r.PostFormValue("version")}
	errs := map[string]string{}
	o.Name, o.OrgVisible, o.Tier = f.Name, f.OrgVisible, 0
	if f.Tier != "" {
		n, err := strconv.Atoi(f.Tier)
		if err != nil || n < 1 {
			errs["tier"] = "expected a whole number, 1 or more (1 is the highest entitlement), or nothing"
		}
		o.Tier = n
	}
	return f, errs
}

func (s *Server) adminOrgAdd(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	o := &svcflow.Organisation{ID: strings.TrimSpace(r.PostFormValue("id"))}
	f, errs := readOrg(r, o)
	f.Action = "/admin/organisations"
	os, err := s.desk.Store().Organisations(r.Context())
	if err != nil {
		return err
	}
	if find(os, o.ID, func(x *svcflow.Organisation) string { return x.ID }) != nil {
		errs["id"] = "an organisation " + o.ID + " exists already; edit it from the list"
	}
	return s.saveOrg(w, r, p, sess, o, f, errs, desk.Precondition{New: true})
}

func (s *Server) saveOrg(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, o *svcflow.Organisation, f orgForm, errs map[string]string, pre desk.Precondition) error {
	editing := !pre.New
	if len(errs) == 0 {
		err := s.desk.SaveOrganisation(r.Context(), p, o, pre)
		if err == nil {
			seeOther(w, r, "/admin/organisations", o.ID)
			return nil
		}
		fp, ok := problemsOf(err)
		if !ok {
			return err
		}
		errs = fp.Fields
		if len(errs) == 0 {
			return s.showOrgs(w, r, p, sess, http.StatusUnprocessableEntity, f, editing, "", fp.Summary)
		}
	}
	f.Errors = errs
	return s.showOrgs(w, r, p, sess, http.StatusUnprocessableEntity, f, editing, "", "The organisation was not saved; see the fields marked below.")
}

func (s *Server) storedOrg(r *http.Request) (*svcflow.Organisation, error) {
	os, err := s.desk.Store().Organisations(r.Context())
	if err != nil {
		return nil, err
	}
	return find(os, r.PathValue("id"), func(x *svcflow.Organisation) string { return x.ID }), nil
}

func (s *Server) adminOrgEdit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	o, err := found(s.storedOrg(r))
	if err != nil {
		return err
	}
	return s.showOrgs(w, r, p, sess, http.StatusOK, orgFormOf(o), true, "", "")
}

func (s *Server) adminOrgSave(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	o, err := found(s.storedOrg(r))
	if err != nil {
		return err
	}
	if r.PostFormValue("version") != formVersion(o) {
		return s.showOrgs(w, r, p, sess, http.StatusConflict, orgFormOf(o), true, "", staleNotice)
	}
	prev := *o
	f, errs := readOrg(r, o)
	f.Action = "/admin/organisations/" + o.ID
	return s.saveOrg(w, r, p, sess, o, f, errs, desk.Precondition{Prev: &prev})
}

// ---- teams

// teamForm is the team form as shown.
type teamForm struct {
	Action, ID, Name, QueuePolicy, Version string
	Errors                                 map[string]string
}

// adminTeamsView is the teams page.
type adminTeamsView struct {
	Teams    []*svcflow.Team
	Members  map[string]int
	Editing  bool
	Form     teamForm
	Policies []string // the queue orders, for the hint
}

func teamFormOf(t *svcflow.Team) teamForm {
	return teamForm{Action: "/admin/teams/" + t.ID, ID: t.ID, Name: t.Name, QueuePolicy: t.QueuePolicy, Version: formVersion(t)}
}

func (s *Server) adminTeams(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showTeams(w, r, p, sess, http.StatusOK, teamForm{Action: "/admin/teams"}, false, savedNotice(r), "")
}

func (s *Server) showTeams(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, f teamForm, editing bool, notice, problem string) error {
	v := adminTeamsView{Editing: editing, Form: f, Policies: svcflow.QueueOrders(), Members: map[string]int{}}
	if !editing {
		ts, err := s.desk.Store().Teams(r.Context())
		if err != nil {
			return err
		}
		people, err := s.desk.Store().People(r.Context())
		if err != nil {
			return err
		}
		for _, x := range people {
			for _, t := range x.Teams {
				if !x.Erased {
					v.Members[t]++
				}
			}
		}
		v.Teams = ts
	}
	title := "Teams"
	if editing {
		title = "Team " + f.ID
	}
	d := s.adminData(p, sess, title, v)
	d.Notice, d.Error = notice, problem
	return render(w, status, "adminteams", d)
}

func readTeam(r *http.Request, t *svcflow.Team) teamForm {
	f := teamForm{ID: t.ID, Name: strings.TrimSpace(r.PostFormValue("name")), QueuePolicy: strings.TrimSpace(r.PostFormValue("queue_policy")),
		Version: r.PostFormValue("version")}
	t.Name, t.QueuePolicy = f.Name, f.QueuePolicy
	return f
}

func (s *Server) adminTeamAdd(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	t := &svcflow.Team{ID: strings.TrimSpace(r.PostFormValue("id"))}
	f := readTeam(r, t)
	f.Action = "/admin/teams"
	ts, err := s.desk.Store().Teams(r.Context())
	if err != nil {
		return err
	}
	errs := map[string]string{}
	if find(ts, t.ID, func(x *svcflow.Team) string { return x.ID }) != nil {
		errs["id"] = "a team " + t.ID + " exists already; edit it from the list"
	}
	return s.saveTeam(w, r, p, sess, t, f, errs, desk.Precondition{New: true})
}

func (s *Server) saveTeam(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, t *svcflow.Team, f teamForm, errs map[string]string, pre desk.Precondition) error {
	editing := !pre.New
	if len(errs) == 0 {
		err := s.desk.SaveTeam(r.Context(), p, t, pre)
		if err == nil {
			seeOther(w, r, "/admin/teams", t.ID)
			return nil
		}
		fp, ok := problemsOf(err)
		if !ok {
			return err
		}
		errs = fp.Fields
		if len(errs) == 0 { // the queue policy's parser names no field
			errs = map[string]string{"queue_policy": fp.Summary}
		}
	}
	f.Errors = errs
	return s.showTeams(w, r, p, sess, http.StatusUnprocessableEntity, f, editing, "", "The team was not saved; see the fields marked below.")
}

func (s *Server) storedTeam(r *http.Request) (*svcflow.Team, error) {
	ts, err := s.desk.Store().Teams(r.Context())
	if err != nil {
		return nil, err
	}
	return find(ts, r.PathValue("id"), func(x *svcflow.Team) string { return x.ID }), nil
}

func (s *Server) adminTeamEdit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	t, err := found(s.storedTeam(r))
	if err != nil {
		return err
	}
	return s.showTeams(w, r, p, sess, http.StatusOK, teamFormOf(t), true, "", "")
}

func (s *Server) adminTeamSave(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	t, err := found(s.storedTeam(r))
	if err != nil {
		return err
	}
	if r.PostFormValue("version") != formVersion(t) {
		return s.showTeams(w, r, p, sess, http.StatusConflict, teamFormOf(t), true, "", staleNotice)
	}
	prev := *t
	f := readTeam(r, t)
	f.Action = "/admin/teams/" + t.ID
	return s.saveTeam(w, r, p, sess, t, f, map[string]string{}, desk.Precondition{Prev: &prev})
}

// ---- people

// personForm is the person form as shown; a password is never shown back.
type personForm struct {
	Action, ID, Name, Email, Organisation, Approves, Version string
	Role                                                     svcflow.Role
	Teams                                                    []string
	Errors                                                   map[string]string
}

// adminPeopleView is the people page.
type adminPeopleView struct {
	People  []*svcflow.Person
	Editing bool
	Form    personForm
	Roles   []svcflow.Role
	Teams   []*svcflow.Team
	Orgs    []*svcflow.Organisation
}

func personFormOf(x *svcflow.Person) personForm {
	return personForm{Action: "/admin/people/" + x.ID, ID: x.ID, Name: x.Name, Email: x.Email, Role: x.Role, Teams: x.Teams,
		Organisation: x.Organisation, Approves: strings.Join(x.Approves, ", "), Version: formVersion(x)}
}

func (s *Server) adminPeople(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showPeople(w, r, p, sess, http.StatusOK, personForm{Action: "/admin/people", Role: svcflow.RoleRequester}, false, savedNotice(r), "")
}

func (s *Server) showPeople(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, f personForm, editing bool, notice, problem string) error {
	ctx := r.Context()
	v := adminPeopleView{Editing: editing, Form: f, Roles: svcflow.Roles()}
	var err error
	if v.Teams, err = s.desk.Store().Teams(ctx); err != nil {
		return err
	}
	if v.Orgs, err = s.desk.Store().Organisations(ctx); err != nil {
		return err
	}
	if !editing {
		people, err := s.desk.Store().People(ctx)
		if err != nil {
			return err
		}
		v.People = slices.DeleteFunc(people, func(x *svcflow.Person) bool { return x.Erased })
	}
	title := "People"
	if editing {
		title = "Person " + f.ID
	}
	d := s.adminData(p, sess, title, v)
	d.Notice, d.Error = notice, problem
	return render(w, status, "adminpeople", d)
}

// readPerson reads the posted person form over x; hash is the new
// password's hash, "" when none was given.
func readPerson(r *http.Request, x *svcflow.Person) (f personForm, hash string, errs map[string]string) {
	errs = map[string]string{}
	f = personForm{ID: x.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Role: svcflow.Role(r.PostFormValue("role")), Organisation: r.PostFormValue("organisation"),
		Approves: r.PostFormValue("approves"), Version: r.PostFormValue("version")}
	for _, t := range r.PostForm["teams"] {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(f.Teams, t) {
			f.Teams = append(f.Teams, t)
		}
	}
	x.Name, x.Email, x.Role, x.Teams, x.Organisation, x.Approves = f.Name, f.Email, f.Role, f.Teams, f.Organisation, splitList(f.Approves)
	if pw := r.PostFormValue("password"); pw != "" {
		h, err := auth.HashPassword(pw)
		if err != nil {
			errs["password"] = strings.TrimPrefix(err.Error(), "auth: ")
		}
		hash = h
	}
	return f, hash, errs
}

// checkPersonRefs checks the teams and organisation a person form names
// exist (the desk stores what it is given).
func (s *Server) checkPersonRefs(r *http.Request, x *svcflow.Person, errs map[string]string) error {
	ts, err := s.desk.Store().Teams(r.Context())
	if err != nil {
		return err
	}
	for _, t := range x.Teams {
		if find(ts, t, func(y *svcflow.Team) string { return y.ID }) == nil {
			errs["teams"] = "no team " + t
		}
	}
	if x.Organisation != "" {
		os, err := s.desk.Store().Organisations(r.Context())
		if err != nil {
			return err
		}
		if find(os, x.Organisation, func(y *svcflow.Organisation) string { return y.ID }) == nil {
			errs["organisation"] = "no organisation " + x.Organisation
		}
	}
	return nil
}

func (s *Server) adminPersonAdd(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	x := &svcflow.Person{ID: strings.TrimSpace(r.PostFormValue("id"))}
	f, hash, errs := readPerson(r, x)
	f.Action = "/admin/people"
	if _, err := s.desk.Store().Person(r.Context(), x.ID); err == nil {
		errs["id"] = "a person " + x.ID + " exists already; edit them from the list"
	}
	return s.savePerson(w, r, p, sess, x, f, hash, errs, desk.Precondition{New: true})
}

func (s *Server) savePerson(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, x *svcflow.Person, f personForm, hash string, errs map[string]string, pre desk.Precondition) error {
	editing := !pre.New
	if err := s.checkPersonRefs(r, x, errs); err != nil {
		return err
	}
	if len(errs) == 0 {
		var err error
		if hash != "" {
			err = s.desk.SavePersonWithPassword(r.Context(), p, x, hash, pre)
		} else {
			err = s.desk.SavePerson(r.Context(), p, x, pre)
		}
		if err == nil {
			seeOther(w, r, "/admin/people", x.ID)
			return nil
		}
		fp, ok := problemsOf(err)
		if !ok {
			return err
		}
		errs = fp.Fields
		if len(errs) == 0 {
			return s.showPeople(w, r, p, sess, http.StatusUnprocessableEntity, f, editing, "", fp.Summary)
		}
	}
	f.Errors = errs
	return s.showPeople(w, r, p, sess, http.StatusUnprocessableEntity, f, editing, "", "The person was not saved; see the fields marked below.")
}

func (s *Server) storedPerson(r *http.Request) (*svcflow.Person, error) {
	x, err := s.desk.Store().Person(r.Context(), r.PathValue("id"))
	if errors.Is(err, desk.ErrNotFound) || err == nil && x.Erased {
		return nil, nil
	}
	return x, err
}

func (s *Server) adminPersonEdit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	x, err := found(s.storedPerson(r))
	if err != nil {
		return err
	}
	return s.showPeople(w, r, p, sess, http.StatusOK, personFormOf(x), true, "", "")
}

func (s *Server) adminPersonSave(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	x, err := found(s.storedPerson(r))
	if err != nil {
		return err
	}
	if r.PostFormValue("version") != formVersion(x) {
		return s.showPeople(w, r, p, sess, http.StatusConflict, personFormOf(x), true, "", staleNotice)
	}
	prev := *x
	f, hash, errs := readPerson(r, x)
	f.Action = "/admin/people/" + x.ID
	if x.ID == p.ID && x.Role != svcflow.RoleAdmin {
		// Another admin can do it; this keeps an installation from losing its last one by a slip.
		errs["role"] = "you cannot take away your own admin role; ask another admin"
	}
	return s.savePerson(w, r, p, sess, x, f, hash, errs, desk.Precondition{Prev: &prev})
}
