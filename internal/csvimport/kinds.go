package csvimport

import (
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"

	"github.com/svcflow/svcflow"
)

// The layouts are functions rather than variables so that no caller can
// change them for everyone else.
func peopleLayout() layout {
	return layout{kind: "people", required: []string{"name", "email", "role"}, optional: []string{"id", "teams", "organisation", "approves"}}
}

func teamsLayout() layout {
	return layout{kind: "teams", required: []string{"id", "name"}, optional: []string{"queue_policy"}}
}

func servicesLayout() layout {
	return layout{kind: "services", required: []string{"id", "name"}, optional: []string{"status", "owner", "catalogue"}}
}

func cisLayout() layout {
	return layout{kind: "cis", required: []string{"id", "name", "class"},
		optional: []string{"services", "status", "depends_on", "runs_on", "used_by"}, attributes: true}
}

// ParsePeople parses a people file (see the package documentation) named
// name, which only labels the errors. Ids are derived from the email when
// the file gives none. It returns the people of the sound rows, in file
// order, and every error found; no people when the header is wrong.
func ParsePeople(name string, r io.Reader) ([]*svcflow.Person, []Error) {
	var out []*svcflow.Person
	ids, emails := map[string]int{}, map[string]int{}
	errs, ok := parse(name, r, peopleLayout(), func(rw *row) {
		p := &svcflow.Person{Name: rw.required("name"), Email: rw.required("email"), Role: svcflow.Role(rw.required("role"))}
		emailOK := p.Email != "" && rw.email(p.Email)
		if p.Role != "" && !p.Role.IsValid() {
			var roles []string
			for _, r := range svcflow.Roles() {
				roles = append(roles, string(r))
			}
			rw.errorf("role", "unknown role %q; expected %s%s", p.Role, orList(roles), hint(string(p.Role), roles))
		}

		// Mailboxes are case-insensitive in practice, so Alice@ and alice@
		// would be the same person twice.
		if emailOK {
			if line := rw.earlier(emails, strings.ToLower(p.Email), "email"); line > 0 {
				rw.errorf("email", "duplicate email %q; line %d has it already", p.Email, line)
				emailOK = false // and the id made from it would be reported twice
			}
		}
		p.ID = rw.id("id", "alice-martin")
		switch {
		case p.ID != "":
			if svcflow.IsKebab(p.ID) {
				rw.unique(ids, p.ID, "id")
			}
		case emailOK:
			// People are usually known by their address already; an id from
			// its local part keeps the file short and the id recognisable.
			local, _, _ := strings.Cut(p.Email, "@")
			if p.ID = kebabCase(local); p.ID == "" {
				rw.errorf("id", "missing id, and none can be made from the email %q; give the row an id", p.Email)
			} else if line := rw.earlier(ids, p.ID, "email"); line > 0 {
				rw.errorf("email", "the id made from this email, %q, is taken by line %d; give one of the rows an id", p.ID, line)
			}
		}

		p.Teams = rw.ids("teams", "service-desk")
		p.Organisation = rw.id("organisation", "acme")
		p.Approves = rw.ids("approves", "change-manager")
		if !rw.failed {
			out = append(out, p)
		}
	})
	if !ok {
		out = nil
	}
	return out, errs
}

// email checks an address the way the desk does: net/mail must read it and
// give it back unchanged, so a display name ("Alice <alice@example.com>")
// is refused rather than silently stripped.
func (rw *row) email(v string) bool {
	addr, err := mail.ParseAddress(v)
	switch {
	case err != nil:
		rw.errorf("email", "%q is not an email address", v)
		return false
	case addr.Address != v:
		rw.errorf("email", "%q is not an email address alone; expected %q", v, addr.Address)
		return false
	}
	return true
}

func hint(word string, options []string) string {
	if s := svcflow.Suggest(word, options); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// ParseTeams parses a teams file (see the package documentation). The
// queue policy is stored in the form svcflow.ParseQueuePolicy reads back.
func ParseTeams(name string, r io.Reader) ([]*svcflow.Team, []Error) {
	var out []*svcflow.Team
	ids := map[string]int{}
	errs, ok := parse(name, r, teamsLayout(), func(rw *row) {
		t := &svcflow.Team{ID: rw.requiredID("id", "service-desk"), Name: rw.required("name")}
		if t.ID != "" {
			rw.unique(ids, t.ID, "id")
		}
		if v := rw.value("queue_policy"); v != "" {
			p, err := svcflow.ParseQueuePolicy(v)
			if err != nil {
				rw.errorf("queue_policy", "%s", message(err))
			} else {
				t.QueuePolicy = p.String()
			}
		}
		if !rw.failed {
			out = append(out, t)
		}
	})
	if !ok {
		out = nil
	}
	return out, errs
}

// unique reports an id that an earlier row of the file has already.
func (rw *row) unique(ids map[string]int, id, column string) {
	if line := rw.earlier(ids, id, column); line > 0 {
		rw.errorf(column, "duplicate id %q; line %d has it already", id, line)
	}
}

// requiredID returns a required id, reporting it when empty or malformed.
func (rw *row) requiredID(column, example string) string {
	if rw.value(column) == "" {
		return rw.required(column)
	}
	id := rw.id(column, example)
	if !svcflow.IsKebab(id) {
		return ""
	}
	return id
}

// message returns the user-safe message of a domain error, without the
// field name the error's own text starts with: the column says it.
func message(err error) string {
	var e *svcflow.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// ParseServices parses a services file (see the package documentation),
// with its catalogue entries. An empty status means live.
func ParseServices(name string, r io.Reader) ([]*svcflow.Service, []Error) {
	var out []*svcflow.Service
	ids := map[string]int{}
	statuses := []string{string(svcflow.ServicePipeline), string(svcflow.ServiceLive), string(svcflow.ServiceRetired)}
	errs, ok := parse(name, r, servicesLayout(), func(rw *row) {
		s := &svcflow.Service{ID: rw.requiredID("id", "payroll"), Name: rw.required("name")}
		if s.ID != "" {
			rw.unique(ids, s.ID, "id")
		}
		s.Status = svcflow.ServiceStatus(rw.enum("status", string(svcflow.ServiceLive), statuses))
		s.Owner = rw.id("owner", "platform")
		s.Catalogue = rw.catalogue()
		if !rw.failed {
			out = append(out, s)
		}
	})
	if !ok {
		out = nil
	}
	return out, errs
}

// catalogueForm is the shape of one catalogue entry, for messages.
const catalogueForm = `"entry-id: Entry name (kind)" or "entry-id: Entry name (kind, category)"`

// catalogue reads the catalogue column: entries separated by semicolons,
// each "id: Name (kind[, category])". The id ends at the first colon and
// the kind at the last parentheses, so names may hold both.
func (rw *row) catalogue() []svcflow.CatalogueEntry {
	var out []svcflow.CatalogueEntry
	for _, item := range rw.list("catalogue") {
		id, rest, found := strings.Cut(item, ":")
		id, rest = strings.TrimSpace(id), strings.TrimSpace(rest)
		open := strings.LastIndex(rest, "(")
		if !found || !strings.HasSuffix(rest, ")") || open < 0 {
			rw.errorf("catalogue", "entry %q; expected %s", item, catalogueForm)
			continue
		}
		e := svcflow.CatalogueEntry{ID: id, Name: strings.TrimSpace(rest[:open])}
		kind, category, _ := strings.Cut(rest[open+1:len(rest)-1], ",")
		e.Kind, e.Category = svcflow.Kind(strings.TrimSpace(kind)), strings.TrimSpace(category)
		bad := false
		fail := func(format string, args ...any) {
			rw.errorf("catalogue", "entry %q: "+format, append([]any{item}, args...)...)
			bad = true
		}
		if e.ID == "" {
			fail("missing id; expected %s", catalogueForm)
		} else if !svcflow.IsKebab(e.ID) {
			fail("%s", notAnID(e.ID, "new-laptop"))
		} else if slices.ContainsFunc(out, func(o svcflow.CatalogueEntry) bool { return o.ID == e.ID }) {
			fail("id %q is listed twice", e.ID)
		}
		if e.Name == "" {
			fail("missing name; expected %s", catalogueForm)
		}
		if !e.Kind.IsValid() {
			fail("unknown kind %q; expected %s%s", e.Kind, orList(svcflow.KindIDs()), hint(string(e.Kind), svcflow.KindIDs()))
		}
		if e.Category != "" && !svcflow.IsKebab(e.Category) {
			fail("category %s", notAnID(e.Category, "hardware"))
		}
		if !bad {
			out = append(out, e)
		}
	}
	return out
}

// ParseCIs parses a CI file (see the package documentation) into CIs and
// the relationships their rows state, each starting at the row's CI. CIs
// are checked with svcflow.ValidateCI and relationships with
// svcflow.ValidateRelationship, so an import accepts exactly what the API
// would; whether related CIs and services exist is the caller's check. An
// empty status means live.
func ParseCIs(name string, r io.Reader) ([]*svcflow.CI, []svcflow.Relationship, []Error) {
	var cis []*svcflow.CI
	var rels []svcflow.Relationship
	ids := map[string]int{}
	errs, ok := parse(name, r, cisLayout(), func(rw *row) {
		c := &svcflow.CI{ID: rw.value("id"), Name: rw.value("name"), Class: rw.value("class"), Status: rw.value("status")}
		if c.Status == "" {
			c.Status = svcflow.CILive
		}
		c.Services = rw.list("services")
		for i, column := range rw.s.names {
			if key, isAttr := strings.CutPrefix(column, attrPrefix); isAttr && rw.value(column) != "" {
				if c.Attributes == nil {
					c.Attributes = map[string]string{}
				}
				c.Attributes[key] = strings.TrimSpace(rw.fields[i])
			}
		}
		for _, e := range domainErrors(svcflow.ValidateCI(c)) {
			column := e.Field
			if key, isAttr := strings.CutPrefix(column, "attributes."); isAttr {
				column = attrPrefix + key
			}
			rw.errorf(column, "%s", e.Message)
		}
		if svcflow.IsKebab(c.ID) {
			rw.unique(ids, c.ID, "id")
		}

		var own []svcflow.Relationship
		for _, t := range svcflow.RelationTypes() {
			column := string(t)
			var seen []string
			for _, to := range rw.list(column) {
				if slices.Contains(seen, to) {
					rw.errorf(column, "%q is listed twice", to)
					continue
				}
				seen = append(seen, to)
				rel := svcflow.Relationship{From: c.ID, To: to, Type: t}
				for _, e := range domainErrors(svcflow.ValidateRelationship(rel)) {
					if e.Field == "to" { // a bad from is the id, reported above
						rw.errorf(column, "%s", strings.TrimPrefix(e.Message, "CI "))
					}
				}
				own = append(own, rel)
			}
		}
		if !rw.failed {
			cis = append(cis, c)
			rels = append(rels, own...)
		}
	})
	if !ok {
		cis, rels = nil, nil
	}
	return cis, rels, errs
}

// domainErrors unpacks the *svcflow.Error values joined in err.
func domainErrors(err error) []*svcflow.Error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var out []*svcflow.Error
	for _, e := range errs {
		var de *svcflow.Error
		if errors.As(e, &de) {
			out = append(out, de)
		} else {
			out = append(out, &svcflow.Error{Code: svcflow.ErrInvalid, Message: e.Error()})
		}
	}
	return out
}
