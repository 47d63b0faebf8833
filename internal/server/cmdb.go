package server

import (
	"net/http"

	"github.com/svcflow/svcflow"
)

// ciList lists configuration items.
type ciList struct {
	Items []*svcflow.CI `json:"items"`
}

// saveCI is the body of POST /api/v1/cis.
type saveCI struct {
	ID            string                 `json:"id"`
	Name          string                 `json:"name"`
	Class         string                 `json:"class"`
	Attributes    map[string]string      `json:"attributes,omitempty"`
	Services      []string               `json:"services,omitempty"`
	Status        string                 `json:"status,omitempty"`
	Relationships []svcflow.Relationship `json:"relationships,omitempty"`
}

func (s *Server) staffOnly(r *http.Request) error {
	if personOf(r).Role == svcflow.RoleRequester {
		return newProblem("forbidden", "the CMDB is for agents, managers and admins")
	}
	return nil
}

func (s *Server) listCIs(w http.ResponseWriter, r *http.Request) error {
	if err := s.staffOnly(r); err != nil {
		return err
	}
	cis, err := s.desk.Store().CIs(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ciList{Items: nonNil(cis)})
}

func (s *Server) createCI(w http.ResponseWriter, r *http.Request) error {
	var in saveCI
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	ci := &svcflow.CI{ID: in.ID, Name: in.Name, Class: in.Class, Attributes: in.Attributes, Services: in.Services, Status: in.Status}
	if err := s.desk.SaveCI(r.Context(), personOf(r), ci, in.Relationships); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ci)
}

func (s *Server) getCI(w http.ResponseWriter, r *http.Request) error {
	if err := s.staffOnly(r); err != nil {
		return err
	}
	ci, err := s.desk.CI(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ci)
}

func (s *Server) ciImpact(w http.ResponseWriter, r *http.Request) error {
	if err := s.staffOnly(r); err != nil {
		return err
	}
	if _, err := s.desk.CI(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	res, err := s.desk.Impact(r.Context(), []string{r.PathValue("id")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) itemImpact(w http.ResponseWriter, r *http.Request) error {
	res, err := s.desk.ItemImpact(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}
