package server

import (
	"net/http"
	"strconv"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
)

func itoa(n int) string { return strconv.Itoa(n) }

// personView is a person as the API shows them.
type personView struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	Role         svcflow.Role `json:"role"`
	Teams        []string     `json:"teams"`
	Organisation string       `json:"organisation,omitempty"`
	Approves     []string     `json:"approves"`
}

func viewPerson(p *svcflow.Person) personView {
	return personView{ID: p.ID, Name: p.Name, Email: p.Email, Role: p.Role, Teams: nonNil(p.Teams), Organisation: p.Organisation, Approves: nonNil(p.Approves)}
}

// savePerson is the body of POST /api/v1/people.
type savePerson struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	Role         svcflow.Role `json:"role"`
	Teams        []string     `json:"teams,omitempty"`
	Organisation string       `json:"organisation,omitempty"`
	Approves     []string     `json:"approves,omitempty"`
	Password     string       `json:"password,omitempty"`
}

// personList lists people.
type personList struct {
	Items []personView `json:"items"`
}

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) error {
	if personOf(r).Role == svcflow.RoleRequester {
		return newProblem("forbidden", "requesters cannot list people")
	}
	people, err := s.desk.Store().People(r.Context())
	if err != nil {
		return err
	}
	out := personList{Items: []personView{}}
	for _, p := range people {
		if !p.Erased {
			out.Items = append(out.Items, viewPerson(p))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request) error {
	var in savePerson
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	p := &svcflow.Person{ID: in.ID, Name: in.Name, Email: in.Email, Role: in.Role, Teams: in.Teams, Organisation: in.Organisation, Approves: in.Approves}
	if _, err := s.desk.Store().Person(r.Context(), in.ID); err == nil {
		return newProblem("conflict", "person "+in.ID+" exists already", fieldError{"id", "taken"})
	}
	// The password is checked before anything is saved, and saved with the
	// person: a bad one leaves no person behind without it.
	save := func() error { return s.desk.SavePerson(r.Context(), personOf(r), p) }
	if in.Password != "" {
		hash, err := auth.HashPassword(in.Password)
		if err != nil {
			return newProblem("invalid", "password: "+err.Error(), fieldError{"password", err.Error()})
		}
		save = func() error { return s.desk.SavePersonWithPassword(r.Context(), personOf(r), p, hash) }
	}
	if err := save(); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+p.ID)
	return writeJSON(w, http.StatusCreated, viewPerson(p))
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) error {
	me := personOf(r)
	id := r.PathValue("id")
	if me.Role == svcflow.RoleRequester && id != me.ID {
		return newProblem("not-found", "no person "+id)
	}
	p, err := s.desk.Person(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewPerson(p))
}

// teamList, orgList and serviceList wrap the directory lists.
type (
	teamList struct {
		Items []*svcflow.Team `json:"items"`
	}
	orgList struct {
		Items []*svcflow.Organisation `json:"items"`
	}
	serviceList struct {
		Items []*svcflow.Service `json:"items"`
	}
)

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.desk.Store().Teams(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, teamList{Items: nonNil(ts)})
}

// saveTeam is the body of POST /api/v1/teams.
type saveTeam struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	QueuePolicy string `json:"queue_policy,omitempty"`
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) error {
	var in saveTeam
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	t := &svcflow.Team{ID: in.ID, Name: in.Name, QueuePolicy: in.QueuePolicy}
	if err := s.desk.SaveTeam(r.Context(), personOf(r), t); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, t)
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	if personOf(r).Role == svcflow.RoleRequester {
		return newProblem("forbidden", "requesters cannot list organisations")
	}
	os, err := s.desk.Store().Organisations(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgList{Items: nonNil(os)})
}

// saveOrg is the body of POST /api/v1/organisations.
type saveOrg struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Tier       int    `json:"tier,omitempty"`
	OrgVisible bool   `json:"org_visible,omitempty"`
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) error {
	var in saveOrg
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	o := &svcflow.Organisation{ID: in.ID, Name: in.Name, Tier: in.Tier, OrgVisible: in.OrgVisible}
	if err := s.desk.SaveOrganisation(r.Context(), personOf(r), o); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, o)
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, serviceList{Items: nonNil(ss)})
}

// saveService is the body of POST /api/v1/services.
type saveService struct {
	ID        string                   `json:"id"`
	Name      string                   `json:"name"`
	Status    svcflow.ServiceStatus    `json:"status,omitempty"`
	Owner     string                   `json:"owner,omitempty"`
	Catalogue []svcflow.CatalogueEntry `json:"catalogue,omitempty"`
}

func (s *Server) createService(w http.ResponseWriter, r *http.Request) error {
	var in saveService
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	sv := &svcflow.Service{ID: in.ID, Name: in.Name, Status: in.Status, Owner: in.Owner, Catalogue: in.Catalogue}
	if err := s.desk.SaveService(r.Context(), personOf(r), sv); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sv)
}

// catalogueEntry is an entry of the request catalogue with its service.
type catalogueEntry struct {
	Service     string       `json:"service"`
	ServiceName string       `json:"service_name"`
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Kind        svcflow.Kind `json:"kind"`
	Category    string       `json:"category,omitempty"`
}

// catalogueList is the request catalogue: entries of live services.
type catalogueList struct {
	Items []catalogueEntry `json:"items"`
}

func (s *Server) catalogue(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return err
	}
	out := catalogueList{Items: []catalogueEntry{}}
	for _, sv := range ss {
		if sv.Status != svcflow.ServiceLive {
			continue
		}
		for _, c := range sv.Catalogue {
			out.Items = append(out.Items, catalogueEntry{sv.ID, sv.Name, c.ID, c.Name, c.Description, c.Kind, c.Category})
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) erasePerson(w http.ResponseWriter, r *http.Request) error {
	if err := s.desk.ErasePerson(r.Context(), personOf(r), r.PathValue("id")); err != nil {
		return err
	}
	s.tokens.clear() // this instance forgets the erased person's tokens at once
	w.WriteHeader(http.StatusNoContent)
	return nil
}
