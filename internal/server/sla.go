package server

import (
	"net/http"

	"github.com/svcflow/svcflow"
)

type (
	// slaPolicyList lists SLA policies.
	slaPolicyList struct {
		Items []*svcflow.SLAPolicy `json:"items"`
	}
	// calendarList lists business calendars.
	calendarList struct {
		Items []*svcflow.Calendar `json:"items"`
	}
)

func (s *Server) listSLAPolicies(w http.ResponseWriter, r *http.Request) error {
	if err := s.staffOnly(r); err != nil {
		return err
	}
	ps, err := s.desk.Store().SLAPolicies(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, slaPolicyList{Items: nonNil(ps)})
}

func (s *Server) createSLAPolicy(w http.ResponseWriter, r *http.Request) error {
	var p svcflow.SLAPolicy
	if err := s.decode(w, r, &p); err != nil {
		return err
	}
	if err := s.desk.SaveSLAPolicy(r.Context(), personOf(r), &p); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &p)
}

func (s *Server) listCalendars(w http.ResponseWriter, r *http.Request) error {
	if err := s.staffOnly(r); err != nil {
		return err
	}
	cs, err := s.desk.Store().Calendars(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, calendarList{Items: nonNil(cs)})
}

func (s *Server) createCalendar(w http.ResponseWriter, r *http.Request) error {
	var c svcflow.Calendar
	if err := s.decode(w, r, &c); err != nil {
		return err
	}
	if err := s.desk.SaveCalendar(r.Context(), personOf(r), &c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &c)
}

func (s *Server) itemSLA(w http.ResponseWriter, r *http.Request) error {
	st, err := s.desk.ItemSLA(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}
