package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The demo company is Harbour Outfitters, a retailer with a head office,
// its own stores and franchise partners: three organisations whose tiers
// give the entitlement queue policy something to rank.
var organisations = []svcflow.Organisation{
	{ID: "head-office", Name: "Harbour Outfitters head office", Tier: 1},
	{ID: "retail-stores", Name: "Harbour Outfitters stores", Tier: 2},
	{ID: "franchise-partners", Name: "Franchise partners", Tier: 3},
}

// teams lists every team the built-in streams name, as step teams or as
// approvers, plus security for the phishing escalations. Queue policies
// vary so that a demo of queue ordering has something to show.
var teams = []svcflow.Team{
	{ID: "service-desk", Name: "Service desk", QueuePolicy: "priority"},
	{ID: "application-support", Name: "Application support", QueuePolicy: "priority"},
	{ID: "infrastructure-ops", Name: "Infrastructure operations", QueuePolicy: "priority"},
	{ID: "change-management", Name: "Change management", QueuePolicy: "fifo"},
	{ID: "cab", Name: "Change advisory board", QueuePolicy: "fifo"},
	{ID: "release-team", Name: "Release team", QueuePolicy: "fifo"},
	{ID: "development", Name: "Development", QueuePolicy: "wsjf"},
	{ID: "architecture", Name: "Architecture", QueuePolicy: "wsjf"},
	{ID: "portfolio-board", Name: "Portfolio board", QueuePolicy: "wsjf"},
	{ID: "problem-management", Name: "Problem management", QueuePolicy: "priority"},
	{ID: "knowledge-team", Name: "Knowledge team", QueuePolicy: "fifo"},
	{ID: "improvement-team", Name: "Improvement team", QueuePolicy: "wsjf"},
	{ID: "hr-operations", Name: "HR operations", QueuePolicy: "fifo"},
	{ID: "identity-access", Name: "Identity and access", QueuePolicy: "fifo"},
	{ID: "facilities", Name: "Facilities", QueuePolicy: "fifo"},
	{ID: "security", Name: "Security operations", QueuePolicy: "priority"},
	{ID: "business-relationship", Name: "Business relationship management", QueuePolicy: "entitlement"},
}

// staff is one person of the IT and business-support organisation.
type staff struct {
	name     string
	role     svcflow.Role
	teams    []string
	approves []string
	email    string // "" derives first.last@demo.svcflow.test
}

// itStaff are the admin, the manager, the agents and the two integrations
// that open work on behalf of machines and of the self-service portal.
// Approval roles follow the approvals of the built-in streams: a change
// manager, an HR manager, service owners; line and hiring managers are
// requesters (see requesters).
var itStaff = []staff{
	{name: "Demo Administrator", role: svcflow.RoleAdmin, email: "admin@demo.svcflow.test"},
	{name: "Morgan Blake", role: svcflow.RoleManager, teams: []string{"portfolio-board", "cab"}, approves: []string{"service-owner"}},
	{name: "Sam Okafor", role: svcflow.RoleAgent, teams: []string{"service-desk"}},
	{name: "Priya Nair", role: svcflow.RoleAgent, teams: []string{"service-desk"}},
	{name: "Tom Becker", role: svcflow.RoleAgent, teams: []string{"service-desk"}},
	{name: "Lena Kowalski", role: svcflow.RoleAgent, teams: []string{"service-desk", "knowledge-team"}},
	{name: "Diego Alvarez", role: svcflow.RoleAgent, teams: []string{"application-support", "development"}},
	{name: "Mei Chen", role: svcflow.RoleAgent, teams: []string{"application-support", "problem-management"}},
	{name: "Jonas Berg", role: svcflow.RoleAgent, teams: []string{"infrastructure-ops", "cab", "release-team"}},
	{name: "Aisha Rahman", role: svcflow.RoleAgent, teams: []string{"infrastructure-ops", "security"}},
	{name: "Grace Liu", role: svcflow.RoleAgent, teams: []string{"change-management", "cab"}, approves: []string{"change-manager"}},
	{name: "Omar Haddad", role: svcflow.RoleAgent, teams: []string{"identity-access", "security"}},
	{name: "Hannah Fischer", role: svcflow.RoleAgent, teams: []string{"hr-operations"}, approves: []string{"hr-manager"}},
	{name: "Luca Romano", role: svcflow.RoleAgent, teams: []string{"facilities"}},
	{name: "Nora Eriksen", role: svcflow.RoleAgent, teams: []string{"business-relationship", "portfolio-board"}, approves: []string{"service-owner"}},
	{name: "Ravi Patel", role: svcflow.RoleAgent, teams: []string{"problem-management", "improvement-team", "architecture"}},
	{name: "Elena Petrova", role: svcflow.RoleAgent, teams: []string{"development", "release-team", "architecture"}},
	{name: "Kofi Mensah", role: svcflow.RoleAgent, teams: []string{"improvement-team", "knowledge-team", "change-management"}},
	{name: "Monitoring", role: svcflow.RoleAgent, email: "monitoring@demo.svcflow.test"},
	{name: "Self-service portal", role: svcflow.RoleAgent, email: "portal@demo.svcflow.test"},
}

// requesters per organisation; the first of each list is its line manager
// (and hiring manager), who approves requests their staff make.
var requesters = map[string][]string{
	"head-office": {
		"Charlotte Dubois", "Marcus Webb", "Olivia Hart", "Ethan Brooks", "Sofia Marino", "Liam OConnor",
		"Yuki Tanaka", "Fatima Zahra", "Noah Schmidt", "Isabel Costa", "Daniel Kim", "Amara Obi",
		"Felix Wagner", "Chloe Martin", "Samuel Adeyemi", "Zoe Novak", "Arjun Mehta", "Ingrid Larsen",
	},
	"retail-stores": {
		"Patrick Doyle", "Emma Walsh", "Lucas Silva", "Mia Johansson", "Tariq Aziz", "Hana Suzuki", "Oscar Lindqvist",
		"Ruby Evans", "Mateo Garcia", "Leila Karimi", "Jack Turner", "Ava Murphy", "Kenji Watanabe", "Nadia Popescu",
	},
	"franchise-partners": {
		"Beatriz Santos", "Henry Clarke", "Ines Moreau", "Victor Nguyen", "Julia Weber", "Ahmed Saleh", "Clara Rossi", "Peter Hughes",
	},
}

// lineManagers are the requesters who approve for their staff. Head office
// has two departments, so Marcus Webb manages half of it.
var lineManagers = []string{"Charlotte Dubois", "Marcus Webb", "Patrick Doyle", "Beatriz Santos"}

// services of the portfolio with their catalogue entries. Categories are
// what routes the work: password-reset, hr-app-access and onboarding have
// streams of their own; the rest goes to request fulfilment.
var services = []svcflow.Service{
	{ID: "email", Name: "Email and calendar", Owner: "jonas-berg", Catalogue: []svcflow.CatalogueEntry{
		{ID: "shared-mailbox", Name: "Shared mailbox", Description: "A mailbox a team shares, such as orders@", Kind: svcflow.KindServiceRequest, Category: "mailbox"},
	}},
	{ID: "vpn", Name: "Remote access (VPN)", Owner: "aisha-rahman", Catalogue: []svcflow.CatalogueEntry{
		{ID: "vpn-access", Name: "VPN access", Description: "Work from home or on the road", Kind: svcflow.KindServiceRequest, Category: "access"},
	}},
	{ID: "hr-portal", Name: "HR portal", Owner: "hannah-fischer", Catalogue: []svcflow.CatalogueEntry{
		{ID: "hr-app-access", Name: "Access to the HR application", Description: "Rights in the HR application for your job", Kind: svcflow.KindServiceRequest, Category: "hr-app-access"},
		{ID: "onboarding", Name: "Onboard a new hire", Description: "Accounts, laptop, desk and badge for a new colleague", Kind: svcflow.KindServiceRequest, Category: "onboarding"},
	}},
	{ID: "payroll", Name: "Payroll", Owner: "charlotte-dubois"},
	{ID: "crm", Name: "Customer relationship management (CRM)", Owner: "nora-eriksen", Catalogue: []svcflow.CatalogueEntry{
		{ID: "crm-licence", Name: "CRM licence", Description: "A named CRM licence; costs a monthly fee", Kind: svcflow.KindServiceRequest, Category: "licence"},
	}},
	{ID: "laptop", Name: "Laptops and devices", Owner: "jonas-berg", Catalogue: []svcflow.CatalogueEntry{
		{ID: "new-laptop", Name: "New laptop", Description: "A replacement or an additional laptop", Kind: svcflow.KindServiceRequest, Category: "hardware"},
		{ID: "monitor", Name: "Extra monitor", Kind: svcflow.KindServiceRequest, Category: "peripheral"},
		{ID: "software-install", Name: "Install software", Description: "Software from the approved list", Kind: svcflow.KindServiceRequest, Category: "software"},
	}},
	{ID: "accounts", Name: "Sign-in and accounts", Owner: "omar-haddad", Catalogue: []svcflow.CatalogueEntry{
		{ID: "password-reset", Name: "Reset my password", Description: "Reset it yourself on the portal, or ask the desk", Kind: svcflow.KindServiceRequest, Category: "password-reset"},
	}},
	{ID: "pos", Name: "Point of sale", Owner: "diego-alvarez"},
	{ID: "network", Name: "Office network and Wi-Fi", Owner: "aisha-rahman"},
	{ID: "click-and-collect", Name: "Click and collect", Status: svcflow.ServicePipeline, Owner: "nora-eriksen"},
}

// directory is the demo organisation as the generator uses it: people by
// id and by team, in a fixed order so that random choices are repeatable.
type directory struct {
	people     []*svcflow.Person
	byID       map[string]*svcflow.Person
	byTeam     map[string][]*svcflow.Person
	requesters []*svcflow.Person
	lineMgr    map[string]*svcflow.Person // requester id → their line manager
	heads      []*svcflow.Person          // line managers, who also hire
	admin      *svcflow.Person
	manager    *svcflow.Person
	monitoring *svcflow.Person
	portal     *svcflow.Person
}

// personID turns a name into a kebab-case id: "Liam OConnor" → "liam-oconnor".
func personID(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", "-"))
}

func emailOf(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@" + emailDomain
}

// emailDomain is reserved for tests (RFC 2606 .test), so demo mail can
// never reach a real mailbox.
const emailDomain = "demo.svcflow.test"

// buildDirectory returns the demo people, not yet saved.
func buildDirectory() *directory {
	dir := &directory{byID: map[string]*svcflow.Person{}, byTeam: map[string][]*svcflow.Person{}, lineMgr: map[string]*svcflow.Person{}}
	add := func(p *svcflow.Person) {
		dir.people = append(dir.people, p)
		dir.byID[p.ID] = p
		for _, t := range p.Teams {
			dir.byTeam[t] = append(dir.byTeam[t], p)
		}
	}
	for _, s := range itStaff {
		email := s.email
		if email == "" {
			email = emailOf(s.name)
		}
		id := personID(s.name)
		if s.role == svcflow.RoleAdmin {
			id = "admin"
		}
		add(&svcflow.Person{ID: id, Name: s.name, Email: email, Role: s.role, Teams: s.teams, Approves: s.approves, Organisation: "head-office"})
	}
	dir.admin, dir.manager = dir.byID["admin"], dir.byID["morgan-blake"]
	dir.monitoring, dir.portal = dir.byID["monitoring"], dir.byID["self-service-portal"]
	for _, o := range organisations {
		names := requesters[o.ID]
		var heads []*svcflow.Person
		for _, n := range names {
			p := &svcflow.Person{ID: personID(n), Name: n, Email: emailOf(n), Role: svcflow.RoleRequester, Organisation: o.ID}
			for _, h := range lineManagers {
				if h == n {
					p.Approves = []string{"line-manager", "hiring-manager"}
					heads = append(heads, p)
				}
			}
			add(p)
			dir.requesters = append(dir.requesters, p)
		}
		dir.heads = append(dir.heads, heads...)
		i := 0
		for _, n := range names {
			p := dir.byID[personID(n)]
			if len(p.Approves) > 0 {
				continue
			}
			dir.lineMgr[p.ID] = heads[i%len(heads)]
			i++
		}
	}
	return dir
}

// save writes the organisations, teams, people and services through the
// desk's directory use cases (nil actor: the system sets up).
func (dir *directory) save(ctx context.Context, d *desk.Desk) error {
	for i := range organisations {
		o := organisations[i]
		if err := d.SaveOrganisation(ctx, nil, &o); err != nil {
			return fmt.Errorf("save organisation %s: %w", o.ID, err)
		}
	}
	for i := range teams {
		t := teams[i]
		if err := d.SaveTeam(ctx, nil, &t); err != nil {
			return fmt.Errorf("save team %s: %w", t.ID, err)
		}
	}
	for _, p := range dir.people {
		if err := d.SavePerson(ctx, nil, p); err != nil {
			return fmt.Errorf("save person %s: %w", p.ID, err)
		}
	}
	for i := range services {
		s := services[i]
		s.Catalogue = append([]svcflow.CatalogueEntry(nil), s.Catalogue...)
		if err := d.SaveService(ctx, nil, &s); err != nil {
			return fmt.Errorf("save service %s: %w", s.ID, err)
		}
	}
	return nil
}

// agents returns the members of a team who work queues (integrations and
// the manager do not pick up work).
func (dir *directory) agents(team string) []*svcflow.Person {
	var out []*svcflow.Person
	for _, p := range dir.byTeam[team] {
		if p.Role == svcflow.RoleAgent {
			out = append(out, p)
		}
	}
	return out
}

// Credential is a demo login. The caller sets the password through the
// auth code when it builds the demo.
type Credential struct {
	Email    string
	Password string
	Role     svcflow.Role
	Person   string // person id, for desk.SetPassword
}

// Credentials returns the logins of the demo: an admin, a manager, a
// service desk agent and a requester. The passwords are public constants
// for a throw-away demo and must never protect real data.
func Credentials() []Credential {
	return []Credential{
		{Email: "admin@demo.svcflow.test", Password: "demo-admin", Role: svcflow.RoleAdmin, Person: "admin"},
		{Email: "morgan.blake@demo.svcflow.test", Password: "demo-manager", Role: svcflow.RoleManager, Person: "morgan-blake"},
		{Email: "sam.okafor@demo.svcflow.test", Password: "demo-agent", Role: svcflow.RoleAgent, Person: "sam-okafor"},
		{Email: "olivia.hart@demo.svcflow.test", Password: "demo-requester", Role: svcflow.RoleRequester, Person: "olivia-hart"},
	}
}
