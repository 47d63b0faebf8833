package svcflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is what a person may do in svcflow (SPEC §8): requesters see their
// own items, agents their teams' items, managers everything, and admins
// also configure.
type Role string

// The roles.
const (
	RoleRequester Role = "requester"
	RoleAgent     Role = "agent"
	RoleManager   Role = "manager"
	RoleAdmin     Role = "admin"
)

// Roles returns the roles from least to most powerful.
func Roles() []Role { return []Role{RoleRequester, RoleAgent, RoleManager, RoleAdmin} }

// IsValid reports whether r is a known role.
func (r Role) IsValid() bool { return slices.Contains(Roles(), r) }

// AtLeast reports whether r has every power of other.
func (r Role) AtLeast(other Role) bool {
	return slices.Index(Roles(), r) >= slices.Index(Roles(), other) && r.IsValid()
}

// Person is someone who asks for or does work. Name and email are personal
// data: they live only here, so erasing a person leaves the event log intact.
type Person struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Email        string     `json:"email"`
	Role         Role       `json:"role"`
	Teams        []string   `json:"teams,omitempty"`
	Organisation string     `json:"organisation,omitempty"`
	Approves     []string   `json:"approves,omitempty"` // approval roles such as change-manager or cab
	Identities   []Identity `json:"identities,omitempty"`
	Erased       bool       `json:"erased,omitempty"`
	Created      time.Time  `json:"created"`
}

// Identity is an external identity (issuer, subject) for single sign-on.
type Identity struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
}

// Actor returns the person as the actor of a command: their role and their
// approval roles both count as roles for approvals.
func (p *Person) Actor() Actor {
	roles := append([]string{string(p.Role)}, p.Approves...)
	return Actor{ID: p.ID, Roles: roles, Teams: slices.Clone(p.Teams)}
}

// Team is a group of people with one work queue.
type Team struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	QueuePolicy string    `json:"queue_policy,omitempty"` // fifo, lifo, priority, shortest_first, wsjf, entitlement
	Created     time.Time `json:"created"`
}

// Organisation is a customer organisation whose people raise work.
type Organisation struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Tier       int       `json:"tier,omitempty"` // 1 is the highest entitlement
	OrgVisible bool      `json:"org_visible,omitempty"`
	Created    time.Time `json:"created"`
}

// ServiceStatus is a service's place in the portfolio.
type ServiceStatus string

// The portfolio statuses.
const (
	ServicePipeline ServiceStatus = "pipeline"
	ServiceLive     ServiceStatus = "live"
	ServiceRetired  ServiceStatus = "retired"
)

// Service is a service in the portfolio, with the catalogue entries a
// requester can ask for.
type Service struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Status    ServiceStatus    `json:"status"`
	Owner     string           `json:"owner,omitempty"`
	Catalogue []CatalogueEntry `json:"catalogue,omitempty"`
	Created   time.Time        `json:"created"`
}

// CatalogueEntry is something a requester can ask for: it opens a work item
// of the given kind and category on its service, with the answers to its
// request form.
type CatalogueEntry struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Kind        Kind        `json:"kind"`
	Category    string      `json:"category,omitempty"`
	Fields      []FormField `json:"fields,omitempty"`
}

// FormField is one question of a request form.
type FormField struct {
	ID        string   `json:"id"`
	Label     string   `json:"label"`
	Type      string   `json:"type"` // text, choice, date, person or ci
	Required  bool     `json:"required,omitempty"`
	Choices   []string `json:"choices,omitempty"`    // for choice
	MaxLength int      `json:"max_length,omitempty"` // for text; 0 means 2,000
}

// formFieldTypes are the kinds of question a form may ask.
var formFieldTypes = []string{"text", "choice", "date", "person", "ci"}

// FormFieldTypes returns the types a request form's question may have.
func FormFieldTypes() []string { return slices.Clone(formFieldTypes) }

// ValidateFields checks a form's definition.
func (e *CatalogueEntry) ValidateFields() error {
	seen := map[string]bool{}
	for i, f := range e.Fields {
		p := fmt.Sprintf("fields[%d]", i)
		switch {
		case !IsKebab(strings.ReplaceAll(f.ID, "_", "-")):
			return FieldErrorf(p+".id", "%q is not a valid field id", f.ID)
		case seen[f.ID]:
			return FieldErrorf(p+".id", "field %q twice", f.ID)
		case !slices.Contains(formFieldTypes, f.Type):
			return FieldErrorf(p+".type", "unknown type %q; expected one of %s", f.Type, strings.Join(formFieldTypes, ", "))
		case f.Type == "choice" && len(f.Choices) == 0:
			return FieldErrorf(p+".choices", "a choice field needs choices")
		case f.MaxLength < 0:
			return FieldErrorf(p+".max_length", "negative length")
		}
		seen[f.ID] = true
	}
	return nil
}

// ValidateForm checks answers against the form and returns every problem,
// each naming its field as "form.ID". exists reports whether a person or
// configuration item id exists ("person" or "ci" as kind).
func (e *CatalogueEntry) ValidateForm(answers map[string]string, exists func(kind, id string) bool) []*Error {
	var errs []*Error
	ids := map[string]bool{}
	for _, f := range e.Fields {
		ids[f.ID] = true
		v, given := answers[f.ID]
		v = strings.TrimSpace(v)
		name := "form." + f.ID
		if !given || v == "" {
			if f.Required {
				errs = append(errs, FieldErrorf(name, "%s is required", cmpLabel(f)))
			}
			continue
		}
		switch f.Type {
		case "text":
			max := f.MaxLength
			if max == 0 {
				max = 2000
			}
			if len([]rune(v)) > max {
				errs = append(errs, FieldErrorf(name, "%s is %d characters; at most %d", cmpLabel(f), len([]rune(v)), max))
			}
		case "choice":
			if !slices.Contains(f.Choices, v) {
				errs = append(errs, FieldErrorf(name, "%q is not a choice of %s; expected one of %s", v, cmpLabel(f), strings.Join(f.Choices, ", ")))
			}
		case "date":
			if _, err := time.Parse("2006-01-02", v); err != nil {
				errs = append(errs, FieldErrorf(name, "%q is not a date; expected YYYY-MM-DD", v))
			}
		case "person", "ci":
			if exists == nil || !exists(f.Type, v) {
				errs = append(errs, FieldErrorf(name, "no %s %q", f.Type, v))
			}
		}
	}
	var extra []string
	for k := range answers {
		if !ids[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		errs = append(errs, FieldErrorf("form."+k, "the form of %s has no field %q", e.ID, k))
	}
	return errs
}

func cmpLabel(f FormField) string {
	if f.Label != "" {
		return f.Label
	}
	return f.ID
}
