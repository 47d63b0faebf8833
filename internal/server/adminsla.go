package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The SLA policy pages: the policies, and a form with a row of targets per
// priority, checked by the domain's own validation of a policy.

// slaPolicyRow is a policy in the list, its targets in a line.
type slaPolicyRow struct {
	*svcflow.SLAPolicy
	TargetsText string
}

// slaTargetRow is a priority's targets as the form shows them.
type slaTargetRow struct {
	Priority             svcflow.Priority
	Response, Resolution string
}

// slaForm is the SLA policy form as shown.
type slaForm struct {
	Action, ID, Name, Calendar, Tiers, PauseOn, WarnAt, ResponseStop, Version string
	Services                                                                  []string
	Targets                                                                   []slaTargetRow
	Errors                                                                    map[string]string
}

// adminSLAView is the SLA policies page.
type adminSLAView struct {
	Policies  []slaPolicyRow
	Editing   bool
	Form      slaForm
	Calendars []*svcflow.Calendar
	Services  []*svcflow.Service
	Stops     []string
}

var slaPriorities = []svcflow.Priority{svcflow.P1, svcflow.P2, svcflow.P3, svcflow.P4, svcflow.P5}

func blankSLAForm() slaForm {
	f := slaForm{Action: "/admin/sla"}
	for _, p := range slaPriorities {
		f.Targets = append(f.Targets, slaTargetRow{Priority: p})
	}
	return f
}

func slaFormOf(p *svcflow.SLAPolicy) slaForm {
	f := blankSLAForm()
	f.Action, f.ID, f.Name, f.Calendar, f.ResponseStop, f.Version = "/admin/sla/"+p.ID, p.ID, p.Name, p.Calendar, p.ResponseStop, formVersion(p)
	f.Services = p.Services
	for i := range f.Targets {
		if t, ok := p.Target(f.Targets[i].Priority); ok {
			f.Targets[i].Response, f.Targets[i].Resolution = t.Response.String(), t.Resolution.String()
		}
	}
	tiers := make([]string, len(p.Tiers))
	for i, t := range p.Tiers {
		tiers[i] = itoa(t)
	}
	f.Tiers = strings.Join(tiers, ", ")
	switch {
	case p.PauseOn != nil && len(p.PauseOn) == 0:
		f.PauseOn = "none"
	default:
		f.PauseOn = strings.Join(p.PauseOn, ", ")
	}
	if p.WarnAt != 0 {
		f.WarnAt = strconv.FormatFloat(p.WarnAt, 'f', -1, 64)
	}
	return f
}

func (s *Server) adminSLA(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showSLA(w, r, p, sess, http.StatusOK, blankSLAForm(), false, savedNotice(r), "")
}

func (s *Server) showSLA(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, f slaForm, editing bool, notice, problem string) error {
	ctx := r.Context()
	v := adminSLAView{Editing: editing, Form: f, Stops: []string{svcflow.ResponseStopEither, svcflow.ResponseStopReply, svcflow.ResponseStopStart}}
	var err error
	if v.Calendars, err = s.desk.Store().Calendars(ctx); err != nil {
		return err
	}
	if v.Services, err = s.desk.Store().Services(ctx); err != nil {
		return err
	}
	if !editing {
		ps, err := s.desk.Store().SLAPolicies(ctx)
		if err != nil {
			return err
		}
		for _, x := range ps {
			v.Policies = append(v.Policies, slaPolicyRow{x, slaTargetsText(x)})
		}
	}
	title := "SLA policies"
	if editing {
		title = "SLA policy " + f.ID
	}
	d := s.adminData(p, sess, title, v)
	d.Notice, d.Error = notice, problem
	return render(w, status, "adminsla", d)
}

// readSLA reads the posted form over pol; errs holds what could not even
// be read (a duration that does not parse).
func readSLA(r *http.Request, pol *svcflow.SLAPolicy) (slaForm, map[string]string) {
	errs := map[string]string{}
	f := slaForm{ID: pol.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Calendar: r.PostFormValue("calendar"),
		Tiers: r.PostFormValue("tiers"), PauseOn: strings.TrimSpace(r.PostFormValue("pause_on")), WarnAt: strings.TrimSpace(r.PostFormValue("warn_at")),
		ResponseStop: r.PostFormValue("response_stop"), Version: r.PostFormValue("version"), Services: r.PostForm["services"]}
	pol.Name, pol.Calendar, pol.ResponseStop, pol.Services = f.Name, f.Calendar, f.ResponseStop, f.Services
	pol.Targets, pol.Tiers, pol.PauseOn, pol.WarnAt = nil, nil, nil, 0
	for _, prio := range slaPriorities {
		row := slaTargetRow{Priority: prio, Response: strings.TrimSpace(r.PostFormValue(string(prio) + ".response")),
			Resolution: strings.TrimSpace(r.PostFormValue(string(prio) + ".resolution"))}
		f.Targets = append(f.Targets, row)
		if row.Response == "" && row.Resolution == "" {
			continue
		}
		t := svcflow.SLATarget{Priority: prio}
		for _, c := range []struct {
			name, text string
			dst        *svcflow.Duration
		}{{"response", row.Response, &t.Response}, {"resolution", row.Resolution, &t.Resolution}} {
			if c.text == "" {
				continue
			}
			d, err := svcflow.ParseDuration(c.text)
			if err != nil {
				errs[string(prio)+"."+c.name] = fmt.Sprintf("%q is not a duration; write it like 30m, 4h, 2d or 1.5bd (business days)", c.text)
			}
			*c.dst = d
		}
		pol.Targets = append(pol.Targets, t)
	}
	for _, t := range splitList(f.Tiers) {
		n, err := strconv.Atoi(t)
		if err != nil {
			errs["tiers"] = fmt.Sprintf("%q is not a tier; expected whole numbers such as 1, 2", t)
			continue
		}
		pol.Tiers = append(pol.Tiers, n)
	}
	switch strings.ToLower(f.PauseOn) {
	case "":
	case "none":
		pol.PauseOn = []string{}
	default:
		pol.PauseOn = splitList(f.PauseOn)
	}
	if f.WarnAt != "" {
		x, err := strconv.ParseFloat(f.WarnAt, 64)
		if err != nil {
			errs["warn_at"] = fmt.Sprintf("%q is not a number; expected a share such as 0.75", f.WarnAt)
		}
		pol.WarnAt = x
	}
	return f, errs
}

// slaFieldKey maps a field the domain names ("targets[1].response") to
// the form's input ("P2.response").
func slaFieldKey(field string, pol *svcflow.SLAPolicy) string {
	var i int
	if _, err := fmt.Sscanf(field, "targets[%d]", &i); err == nil && i >= 0 && i < len(pol.Targets) {
		key := string(pol.Targets[i].Priority)
		if _, rest, ok := strings.Cut(field, "]."); ok {
			key += "." + rest
		}
		return key
	}
	if j := strings.IndexByte(field, '['); j > 0 {
		return field[:j] // services[2] is the services field
	}
	return field
}

func (s *Server) adminSLAAdd(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	pol := &svcflow.SLAPolicy{ID: strings.TrimSpace(r.PostFormValue("id"))}
	f, errs := readSLA(r, pol)
	f.Action = "/admin/sla"
	ps, err := s.desk.Store().SLAPolicies(r.Context())
	if err != nil {
		return err
	}
	if find(ps, pol.ID, func(x *svcflow.SLAPolicy) string { return x.ID }) != nil {
		errs["id"] = "a policy " + pol.ID + " exists already; edit it from the list"
	}
	return s.saveSLA(w, r, p, sess, pol, f, errs, desk.Precondition{New: true})
}

func (s *Server) saveSLA(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, pol *svcflow.SLAPolicy, f slaForm, errs map[string]string, pre desk.Precondition) error {
	editing := !pre.New
	if len(errs) == 0 {
		err := s.desk.SaveSLAPolicy(r.Context(), p, pol, pre)
		if err == nil {
			seeOther(w, r, "/admin/sla", pol.ID)
			return nil
		}
		fp, ok := problemsOf(err)
		if !ok {
			return err
		}
		for field, msg := range fp.Fields {
			key := slaFieldKey(field, pol)
			if _, dup := errs[key]; !dup {
				errs[key] = msg
			}
		}
	}
	f.Errors = errs
	return s.showSLA(w, r, p, sess, http.StatusUnprocessableEntity, f, editing, "", "The policy was not saved; see the fields marked below.")
}

func (s *Server) storedSLA(r *http.Request) (*svcflow.SLAPolicy, error) {
	ps, err := s.desk.Store().SLAPolicies(r.Context())
	if err != nil {
		return nil, err
	}
	return find(ps, r.PathValue("id"), func(x *svcflow.SLAPolicy) string { return x.ID }), nil
}

func (s *Server) adminSLAEdit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	pol, err := found(s.storedSLA(r))
	if err != nil {
		return err
	}
	return s.showSLA(w, r, p, sess, http.StatusOK, slaFormOf(pol), true, "", "")
}

func (s *Server) adminSLASave(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	pol, err := found(s.storedSLA(r))
	if err != nil {
		return err
	}
	if r.PostFormValue("version") != formVersion(pol) {
		return s.showSLA(w, r, p, sess, http.StatusConflict, slaFormOf(pol), true, "", staleNotice)
	}
	prev := *pol
	f, errs := readSLA(r, pol)
	f.Action = "/admin/sla/" + pol.ID
	return s.saveSLA(w, r, p, sess, pol, f, errs, desk.Precondition{Prev: &prev})
}

// slaTargetsText says a policy's targets in a line, for the list.
func slaTargetsText(p *svcflow.SLAPolicy) string {
	var parts []string
	for _, prio := range slaPriorities {
		t, ok := p.Target(prio)
		if !ok {
			continue
		}
		resp, res := t.Response.String(), t.Resolution.String()
		if resp == "" {
			resp = "—"
		}
		if res == "" {
			res = "—"
		}
		parts = append(parts, fmt.Sprintf("%s %s / %s", prio, resp, res))
	}
	return strings.Join(parts, "; ")
}

// HasService reports whether the form lists a service.
func (f slaForm) HasService(id string) bool { return slices.Contains(f.Services, id) }
