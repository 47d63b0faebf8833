package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The service pages: the services, each with its catalogue entries and
// their request forms. A request form's questions are edited as text, one
// question a line (see parseQuestions): plain to read and to paste, and each
// problem can be shown by its line, without a script-driven editor.

// serviceForm is the service form as shown.
type serviceForm struct {
	Action, ID, Name, Owner, Version string
	Status                           svcflow.ServiceStatus
	Errors                           map[string]string
}

// adminServicesView is the services page.
type adminServicesView struct {
	Services []*svcflow.Service
	Form     serviceForm
	Statuses []svcflow.ServiceStatus
}

// adminServiceView is one service's page.
type adminServiceView struct {
	Service  *svcflow.Service
	Form     serviceForm
	Statuses []svcflow.ServiceStatus
}

var serviceStatuses = []svcflow.ServiceStatus{svcflow.ServiceLive, svcflow.ServicePipeline, svcflow.ServiceRetired}

// serviceVersion fingerprints what the service form edits; the catalogue
// has its own forms and fingerprints.
func serviceVersion(sv *svcflow.Service) string {
	return formVersion([]string{sv.ID, sv.Name, string(sv.Status), sv.Owner})
}

func serviceFormOf(sv *svcflow.Service) serviceForm {
	return serviceForm{Action: "/admin/services/" + sv.ID, ID: sv.ID, Name: sv.Name, Owner: sv.Owner, Status: sv.Status, Version: serviceVersion(sv)}
}

func (s *Server) adminServices(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showServices(w, r, p, sess, http.StatusOK, serviceForm{Action: "/admin/services", Status: svcflow.ServiceLive}, savedNotice(r), "")
}

func (s *Server) showServices(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, f serviceForm, notice, problem string) error {
	ss, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return err
	}
	d := s.adminData(p, sess, "Services", adminServicesView{Services: ss, Form: f, Statuses: serviceStatuses})
	d.Notice, d.Error = notice, problem
	return render(w, status, "adminservices", d)
}

func (s *Server) storedService(r *http.Request) (*svcflow.Service, error) {
	ss, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return nil, err
	}
	return find(ss, r.PathValue("id"), func(x *svcflow.Service) string { return x.ID }), nil
}

func readService(r *http.Request, sv *svcflow.Service) serviceForm {
	f := serviceForm{ID: sv.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Owner: strings.TrimSpace(r.PostFormValue("owner")),
		Status: svcflow.ServiceStatus(r.PostFormValue("status")), Version: r.PostFormValue("version")}
	sv.Name, sv.Owner, sv.Status = f.Name, f.Owner, f.Status
	return f
}

func (s *Server) adminServiceAdd(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	sv := &svcflow.Service{ID: strings.TrimSpace(r.PostFormValue("id"))}
	f := readService(r, sv)
	f.Action = "/admin/services"
	existing, err := s.desk.Store().Services(r.Context())
	if err != nil {
		return err
	}
	errs := map[string]string{}
	if find(existing, sv.ID, func(x *svcflow.Service) string { return x.ID }) != nil {
		errs["id"] = "a service " + sv.ID + " exists already; edit it from the list"
	} else if err := s.desk.SaveService(r.Context(), p, sv, desk.Precondition{New: true}); err == nil {
		seeOther(w, r, "/admin/services/"+sv.ID, sv.ID)
		return nil
	} else if fp, ok := problemsOf(err); !ok {
		return err
	} else {
		errs = fp.Fields
	}
	f.Errors = errs
	return s.showServices(w, r, p, sess, http.StatusUnprocessableEntity, f, "", "The service was not saved; see the fields marked below.")
}

func (s *Server) adminService(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	sv, err := found(s.storedService(r))
	if err != nil {
		return err
	}
	return s.showService(w, r, p, sess, http.StatusOK, sv, serviceFormOf(sv), savedNotice(r), "")
}

func (s *Server) showService(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, sv *svcflow.Service, f serviceForm, notice, problem string) error {
	d := s.adminData(p, sess, "Service "+sv.Name, adminServiceView{Service: sv, Form: f, Statuses: serviceStatuses})
	d.Notice, d.Error = notice, problem
	return render(w, status, "adminservice", d)
}

func (s *Server) adminServiceSave(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	sv, err := found(s.storedService(r))
	if err != nil {
		return err
	}
	if r.PostFormValue("version") != serviceVersion(sv) {
		return s.showService(w, r, p, sess, http.StatusConflict, sv, serviceFormOf(sv), "", staleNotice)
	}
	shown := *sv
	f := readService(r, sv)
	f.Action = "/admin/services/" + sv.ID
	err = s.desk.SaveService(r.Context(), p, sv, desk.Precondition{Prev: &shown})
	if err == nil {
		seeOther(w, r, "/admin/services/"+sv.ID, sv.ID)
		return nil
	}
	fp, ok := problemsOf(err)
	if !ok {
		return err
	}
	f.Errors = fp.Fields
	return s.showService(w, r, p, sess, http.StatusUnprocessableEntity, &shown, f, "", "The service was not saved: "+fp.Summary)
}

// ---- catalogue entries

// entryForm is the catalogue entry form as shown.
type entryForm struct {
	Action, ID, Name, Description, Category, Questions, Version string
	Kind                                                        svcflow.Kind
	Errors                                                      map[string]string
	// Source is the questions with their line numbers and problems, when
	// the questions were refused.
	Source *sourceView
}

// adminEntryView is the catalogue entry page.
type adminEntryView struct {
	Service *svcflow.Service
	New     bool
	Form    entryForm
	Kinds   []svcflow.Kind
}

func entryFormOf(sv *svcflow.Service, e *svcflow.CatalogueEntry) entryForm {
	return entryForm{Action: "/admin/services/" + sv.ID + "/entries/" + e.ID, ID: e.ID, Name: e.Name, Description: e.Description,
		Category: e.Category, Kind: e.Kind, Questions: formatQuestions(e.Fields), Version: formVersion(e)}
}

func (s *Server) showEntry(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, sv *svcflow.Service, f entryForm, isNew bool, problem string) error {
	title := "New catalogue entry"
	if !isNew {
		title = "Catalogue entry " + f.ID
	}
	d := s.adminData(p, sess, title, adminEntryView{Service: sv, New: isNew, Form: f, Kinds: svcflow.Kinds()})
	d.Error = problem
	return render(w, status, "adminentry", d)
}

func (s *Server) adminEntryNew(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	sv, err := found(s.storedService(r))
	if err != nil {
		return err
	}
	f := entryForm{Action: "/admin/services/" + sv.ID + "/entries/new", Kind: svcflow.KindServiceRequest}
	return s.showEntry(w, r, p, sess, http.StatusOK, sv, f, true, "")
}

// storedEntry finds the service and entry of the path; either may be nil.
func (s *Server) storedEntry(r *http.Request) (*svcflow.Service, int, error) {
	sv, err := s.storedService(r)
	if err != nil || sv == nil {
		return nil, -1, err
	}
	return sv, slices.IndexFunc(sv.Catalogue, func(e svcflow.CatalogueEntry) bool { return e.ID == r.PathValue("entry") }), nil
}

func (s *Server) adminEntryEdit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	sv, i, err := s.storedEntry(r)
	if err == nil && i < 0 {
		err = errNoSuchObject
	}
	if err != nil {
		return err
	}
	return s.showEntry(w, r, p, sess, http.StatusOK, sv, entryFormOf(sv, &sv.Catalogue[i]), false, "")
}

func (s *Server) adminEntryAdd(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.submitEntry(w, r, p, sess, true)
}

func (s *Server) adminEntrySave(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.submitEntry(w, r, p, sess, false)
}

func (s *Server) submitEntry(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, isNew bool) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	sv, i, err := s.storedEntry(r)
	if err == nil && (sv == nil || !isNew && i < 0) {
		err = errNoSuchObject
	}
	if err != nil {
		return err
	}
	f := entryForm{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Description: strings.TrimSpace(r.PostFormValue("description")), Category: strings.TrimSpace(r.PostFormValue("category")),
		Kind: svcflow.Kind(r.PostFormValue("kind")), Questions: r.PostFormValue("questions"), Version: r.PostFormValue("version"),
		Errors: map[string]string{}}
	if isNew {
		f.Action = "/admin/services/" + sv.ID + "/entries/new"
		if slices.ContainsFunc(sv.Catalogue, func(e svcflow.CatalogueEntry) bool { return e.ID == f.ID }) {
			f.Errors["id"] = "the service has an entry " + f.ID + " already; edit it from the service's page"
		} else if f.ID == "new" {
			f.Errors["id"] = `"new" is kept for the page that adds entries; choose another id`
		}
	} else {
		old := &sv.Catalogue[i]
		if f.Version != formVersion(old) {
			return s.showEntry(w, r, p, sess, http.StatusConflict, sv, entryFormOf(sv, old), false, staleNotice)
		}
		f.ID, f.Action = old.ID, "/admin/services/"+sv.ID+"/entries/"+old.ID
	}
	if f.Name == "" {
		f.Errors["name"] = "missing name"
	}
	e := svcflow.CatalogueEntry{ID: f.ID, Name: f.Name, Description: f.Description, Kind: f.Kind, Category: f.Category}
	fields, lines, qerrs := parseQuestions(f.Questions)
	e.Fields = fields
	if len(qerrs) == 0 {
		// The domain's check of a form's definition, placed at the line of
		// the question it names.
		if err := e.ValidateFields(); err != nil {
			fp, ok := problemsOf(err)
			if !ok {
				return err
			}
			for field, msg := range fp.Fields {
				var q int
				if _, scanErr := fmt.Sscanf(field, "fields[%d]", &q); scanErr == nil && q >= 0 && q < len(lines) {
					qerrs = append(qerrs, sourceProblem{Line: lines[q], Message: msg})
				} else {
					qerrs = append(qerrs, sourceProblem{Message: msg})
				}
			}
		}
	}
	if len(qerrs) > 0 {
		f.Errors["questions"] = plural(len(qerrs), "problem", "problems") + " in the questions; see below"
		f.Source = newSourceView(f.Questions, qerrs)
	}
	if len(f.Errors) == 0 {
		// The service as loaded is what the save is conditional on: a
		// change to it meanwhile, to this entry or another, refuses the
		// save rather than losing that change.
		prev := *sv
		prev.Catalogue = slices.Clone(sv.Catalogue)
		if isNew {
			sv.Catalogue = append(sv.Catalogue, e)
		} else {
			sv.Catalogue[i] = e
		}
		err := s.desk.SaveService(r.Context(), p, sv, desk.Precondition{Prev: &prev})
		if err == nil {
			seeOther(w, r, "/admin/services/"+sv.ID, sv.ID+"/"+e.ID)
			return nil
		}
		fp, ok := problemsOf(err)
		if !ok {
			return err
		}
		// The desk names catalogue[N].kind and the like; the form knows them by name.
		for field, msg := range fp.Fields {
			if _, rest, found := strings.Cut(field, "]."); found && strings.HasPrefix(field, "catalogue[") {
				field = rest
			}
			f.Errors[field] = msg
		}
	}
	return s.showEntry(w, r, p, sess, http.StatusUnprocessableEntity, sv, f, isNew, "The entry was not saved; see the fields marked below.")
}

// questionTypes are the types a request form's question may have.
var questionTypes = svcflow.FormFieldTypes()

var maxOption = regexp.MustCompile(`^max(?:_length)?\s*[:=]\s*(\d+)$`)

// parseQuestions reads a request form's questions, one a line:
//
//	ID | LABEL | TYPE [| required] [| choices: A, B, C] [| max: N]
//
// A backslash keeps the next character as text: \| in a label or a
// choice, \, in a choice, \\ for a backslash. Blank lines and lines
// starting with # are skipped. It returns the questions, the line of each,
// and every problem by line.
func parseQuestions(text string) ([]svcflow.FormField, []int, []sourceProblem) {
	var fields []svcflow.FormField
	var lines []int
	var problems []sourceProblem
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		n++
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		bad := func(format string, args ...any) {
			problems = append(problems, sourceProblem{Line: n, Message: fmt.Sprintf(format, args...)})
		}
		parts := splitUnescaped(trimmed, '|')
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) < 3 {
			bad("expected at least ID | LABEL | TYPE, got %d part(s)", len(parts))
			continue
		}
		f := svcflow.FormField{ID: parts[0], Label: strings.TrimSpace(unescape(parts[1])), Type: strings.ToLower(parts[2])}
		ok := true
		if f.Label == "" {
			bad("the question %q has no label", f.ID)
			ok = false
		}
		if !slices.Contains(questionTypes, f.Type) {
			bad("unknown type %q; expected one of %s", parts[2], strings.Join(questionTypes, ", "))
			ok = false
		}
		for _, opt := range parts[3:] {
			lower := strings.ToLower(opt)
			switch {
			case lower == "required":
				f.Required = true
			case strings.HasPrefix(lower, "choices:") || strings.HasPrefix(lower, "choices="):
				for _, c := range splitUnescaped(opt[len("choices:"):], ',') {
					// Spaces around a label or choice are never part of it,
					// escaped or not.
					if c = strings.TrimSpace(unescape(c)); c != "" {
						f.Choices = append(f.Choices, c)
					}
				}
			case maxOption.MatchString(lower):
				f.MaxLength, _ = strconv.Atoi(maxOption.FindStringSubmatch(lower)[1])
			case lower == "":
			default:
				bad("unknown option %q; expected required, choices: A, B or max: N", opt)
				ok = false
			}
		}
		if ok {
			fields = append(fields, f)
			lines = append(lines, n)
		}
	}
	return fields, lines, problems
}

// formatQuestions writes questions in the form parseQuestions reads.
func formatQuestions(fields []svcflow.FormField) string {
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "%s | %s | %s", f.ID, escapeQuestion(f.Label, "|"), f.Type)
		if f.Required {
			b.WriteString(" | required")
		}
		if len(f.Choices) > 0 {
			choices := make([]string, len(f.Choices))
			for i, c := range f.Choices {
				choices[i] = escapeQuestion(c, "|,")
			}
			b.WriteString(" | choices: " + strings.Join(choices, ", "))
		}
		if f.MaxLength > 0 {
			fmt.Fprintf(&b, " | max: %d", f.MaxLength)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// splitUnescaped splits s at each sep that no backslash keeps as text,
// leaving the escapes in the parts for unescape.
func splitUnescaped(s string, sep rune) []string {
	var parts []string
	var cur strings.Builder
	esc := false
	for _, r := range s {
		switch {
		case esc:
			cur.WriteRune('\\')
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			esc = true
		case r == sep:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if esc {
		cur.WriteRune('\\')
	}
	return append(parts, cur.String())
}

// unescape drops the backslash before each character it keeps as text.
func unescape(s string) string {
	var b strings.Builder
	esc := false
	for _, r := range s {
		if r == '\\' && !esc {
			esc = true
			continue
		}
		b.WriteRune(r)
		esc = false
	}
	if esc {
		b.WriteRune('\\')
	}
	return b.String()
}

// escapeQuestion puts a backslash before each backslash and special
// character of s, for parseQuestions to read back.
func escapeQuestion(s, specials string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\\' || strings.ContainsRune(specials, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
