package svcflow

import (
	"slices"
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
// of the given kind and category on its service.
type CatalogueEntry struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Kind        Kind   `json:"kind"`
	Category    string `json:"category,omitempty"`
}
