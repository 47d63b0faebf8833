package scale

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The generated organisation is a large company: tens of thousands of
// people raise work, about twenty teams work it. Everything is derived from
// the seed, so two runs with the same options write the same data.

var organisations = []svcflow.Organisation{
	{ID: "group-hq", Name: "Group headquarters", Tier: 1},
	{ID: "finance", Name: "Finance division", Tier: 1},
	{ID: "retail", Name: "Retail division", Tier: 2},
	{ID: "logistics", Name: "Logistics division", Tier: 2},
	{ID: "manufacturing", Name: "Manufacturing division", Tier: 2},
	{ID: "partners", Name: "Partners and franchisees", Tier: 3},
}

// orgWeights spreads people over the organisations.
var orgWeights = []float64{0.10, 0.08, 0.34, 0.20, 0.18, 0.10}

// teamSpec is a team with its queue policy and how many agents it has.
type teamSpec struct {
	id, name, policy string
	agents           int
}

// teams are the teams the built-in streams name, plus three specialist
// teams that incidents are escalated to.
var teams = []teamSpec{
	{"service-desk", "Service desk", "priority", 80},
	{"application-support", "Application support", "priority", 30},
	{"infrastructure-ops", "Infrastructure operations", "priority+aging=8h", 25},
	{"change-management", "Change management", "fifo", 6},
	{"cab", "Change advisory board", "fifo", 7},
	{"release-team", "Release team", "fifo", 8},
	{"development", "Development", "wsjf", 30},
	{"architecture", "Architecture", "wsjf", 6},
	{"portfolio-board", "Portfolio board", "wsjf", 5},
	{"problem-management", "Problem management", "priority", 8},
	{"knowledge-team", "Knowledge team", "fifo", 5},
	{"improvement-team", "Improvement team", "wsjf", 6},
	{"hr-operations", "HR operations", "fifo", 10},
	{"identity-access", "Identity and access", "fifo", 10},
	{"facilities", "Facilities", "fifo", 12},
	{"business-relationship", "Business relationship management", "entitlement", 6},
	{"security", "Security operations", "priority", 10},
	{"network-operations", "Network operations", "priority", 12},
	{"database-administration", "Database administration", "shortest_first", 8},
	{"end-user-computing", "End-user computing", "fifo+aging=2d", 20},
}

// escalationTeams receive incidents the first team hands on.
var escalationTeams = []string{"security", "network-operations", "database-administration", "end-user-computing", "application-support", "infrastructure-ops"}

// approvalRoles are the approval roles the built-in streams name, with
// how many staff hold each.
var approvalRoles = []struct {
	role string
	n    int
}{{"change-manager", 4}, {"service-owner", 12}, {"hr-manager", 3}, {"product-owner", 5}}

// serviceNames name the portfolio; a few carry most of the work.
var serviceNames = []string{
	"email", "vpn", "crm", "erp", "payroll", "hr-portal", "laptops", "mobile-devices", "printing", "wifi",
	"office-network", "telephony", "video-conferencing", "intranet", "document-management", "data-warehouse",
	"point-of-sale", "e-commerce", "warehouse-management", "transport-planning", "factory-scada", "identity",
	"file-shares", "backup", "monitoring", "ci-cd", "source-control", "cloud-hosting", "databases", "security-tools",
	"expense-claims", "procurement", "travel-booking", "learning-portal", "customer-portal", "contact-centre",
	"billing", "reporting", "collaboration", "service-portal", "mainframe", "edi-gateway", "label-printing",
	"scanners", "digital-signage", "badge-access", "building-management", "analytics-platform",
}

var firstNames = []string{
	"Ada", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam", "Maya",
	"Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe",
	"Amara", "Bruno", "Carmen", "Dmitri", "Emma", "Felix", "Gita", "Hannah", "Ivan", "Julia", "Kenji", "Lena",
	"Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Ulla", "Viktor", "Wanda", "Yara", "Zeno",
}

var lastNames = []string{
	"Adams", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski",
	"Larsen", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi", "Schmidt", "Tanaka", "Ulrich", "Varga",
	"Weber", "Xu", "Yilmaz", "Zhang", "Alvarez", "Brown", "Chen", "Dimitrov", "Evans", "Novak", "Silva", "Murphy",
	"Nguyen", "Kim", "Popescu", "Santos", "Wagner", "Lindqvist",
}

// emailDomain is reserved for tests (RFC 2606), so no generated address
// can reach a real mailbox.
const emailDomain = "scale.svcflow.test"

// world is the generated organisation as the generator uses it.
type world struct {
	requesters []*svcflow.Person
	reqWeights []float64 // cumulative: some people raise far more work than others
	staff      []*svcflow.Person
	staffByID  map[string]*svcflow.Person
	byTeam     map[string][]*svcflow.Person
	byRole     map[string][]*svcflow.Person
	lineMgrs   []*svcflow.Person
	monitoring *svcflow.Person
	services   []string
	svcWeights []float64 // cumulative, Zipf-like
}

// buildWorld derives the people, teams and services from the seed.
func buildWorld(seed uint64, people int) *world {
	rng := rand.New(rand.NewPCG(seed, 0x5ca1e))
	wd := &world{staffByID: map[string]*svcflow.Person{}, byTeam: map[string][]*svcflow.Person{}, byRole: map[string][]*svcflow.Person{}}
	orgCum := cumulative(orgWeights)
	total := 0.0
	for i := range people {
		name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		p := &svcflow.Person{ID: fmt.Sprintf("u%06d", i+1), Name: name, Email: fmt.Sprintf("u%06d@%s", i+1, emailDomain),
			Role: svcflow.RoleRequester, Organisation: organisations[pick(rng, orgCum)].ID}
		if i%40 == 0 {
			p.Approves = []string{"line-manager", "hiring-manager"}
			wd.lineMgrs = append(wd.lineMgrs, p)
		}
		wd.requesters = append(wd.requesters, p)
		// A heavy tail: most people raise a few items, some raise many.
		total += math.Exp(rng.NormFloat64() * 0.9)
		wd.reqWeights = append(wd.reqWeights, total)
	}
	staff := func(id, name string, role svcflow.Role, teams []string, approves []string) *svcflow.Person {
		p := &svcflow.Person{ID: id, Name: name, Email: id + "@" + emailDomain, Role: role, Teams: teams,
			Approves: approves, Organisation: "group-hq"}
		wd.staff = append(wd.staff, p)
		wd.staffByID[id] = p
		for _, t := range teams {
			wd.byTeam[t] = append(wd.byTeam[t], p)
		}
		for _, r := range approves {
			wd.byRole[r] = append(wd.byRole[r], p)
		}
		return p
	}
	for _, t := range teams {
		for i := range t.agents {
			staff(fmt.Sprintf("%s-%02d", t.id, i+1), fmt.Sprintf("%s agent %d", t.name, i+1), svcflow.RoleAgent, []string{t.id}, nil)
		}
	}
	for _, r := range approvalRoles {
		for i := range r.n {
			staff(fmt.Sprintf("%s-%02d", r.role, i+1), fmt.Sprintf("%s %d", strings.ReplaceAll(r.role, "-", " "), i+1),
				svcflow.RoleManager, nil, []string{r.role})
		}
	}
	for _, r := range []string{"line-manager", "hiring-manager"} {
		wd.byRole[r] = wd.lineMgrs
	}
	wd.monitoring = staff("monitoring", "Monitoring", svcflow.RoleAgent, nil, nil)
	staff("self-service-portal", "Self-service portal", svcflow.RoleAgent, nil, nil)
	weights := make([]float64, len(serviceNames))
	for i := range weights {
		weights[i] = 1 / math.Pow(float64(i+1), 0.9)
	}
	wd.services = serviceNames
	wd.svcWeights = cumulative(weights)
	return wd
}

// requester draws a person who raises work, heavy users more often.
func (wd *world) requester(rng *rand.Rand) *svcflow.Person {
	return wd.requesters[pick(rng, wd.reqWeights)]
}

// service draws a service, popular ones more often.
func (wd *world) service(rng *rand.Rand) string {
	return wd.services[pick(rng, wd.svcWeights)]
}

// agent draws a member of a team, or nil for a team without members.
func (wd *world) agent(rng *rand.Rand, team string) *svcflow.Person {
	ms := wd.byTeam[team]
	if len(ms) == 0 {
		return nil
	}
	return ms[rng.IntN(len(ms))]
}

// save writes the organisation through the desk, each object with its
// configuration event: organisations, teams, people and services in one
// import, the business calendar and two SLA policies.
func (wd *world) save(ctx context.Context, d *desk.Desk) error {
	for i := range organisations {
		o := organisations[i]
		if err := d.SaveOrganisation(ctx, nil, &o); err != nil {
			return fmt.Errorf("save organisation %s: %w", o.ID, err)
		}
	}
	b := &desk.ImportBatch{People: append(slices.Clone(wd.requesters), wd.staff...)}
	for _, t := range teams {
		b.Teams = append(b.Teams, &svcflow.Team{ID: t.id, Name: t.name, QueuePolicy: t.policy})
	}
	for i, s := range wd.services {
		owner := wd.byRole["service-owner"][i%len(wd.byRole["service-owner"])].ID
		b.Services = append(b.Services, &svcflow.Service{ID: s, Name: strings.ReplaceAll(s, "-", " "), Status: svcflow.ServiceLive, Owner: owner})
	}
	if errs := d.Import(ctx, nil, b); len(errs) > 0 {
		return fmt.Errorf("import the directory: %w", errs[0])
	}
	cal := &svcflow.Calendar{ID: "office-hours", Name: "Office hours", TimeZone: "Europe/London",
		Hours: []svcflow.WorkingHours{{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: "08:00", End: "18:00"}}}
	if err := d.SaveCalendar(ctx, nil, cal); err != nil {
		return fmt.Errorf("save calendar: %w", err)
	}
	h := func(n int) svcflow.Duration { return svcflow.Duration{Calendar: time.Duration(n) * time.Hour} }
	bd := func(n float64) svcflow.Duration { return svcflow.Duration{BusinessDays: n} }
	policies := []*svcflow.SLAPolicy{
		{ID: "standard", Name: "Standard support", Calendar: cal.ID, Targets: []svcflow.SLATarget{
			{Priority: svcflow.P1, Response: h(1), Resolution: h(8)},
			{Priority: svcflow.P2, Response: h(2), Resolution: bd(2)},
			{Priority: svcflow.P3, Response: h(8), Resolution: bd(5)},
			{Priority: svcflow.P4, Response: bd(2), Resolution: bd(10)},
			{Priority: svcflow.P5, Response: bd(5), Resolution: bd(30)},
		}},
		{ID: "gold", Name: "Gold support for tier 1", Calendar: cal.ID, Tiers: []int{1}, Targets: []svcflow.SLATarget{
			{Priority: svcflow.P1, Response: h(1), Resolution: h(4)},
			{Priority: svcflow.P2, Response: h(1), Resolution: bd(1)},
			{Priority: svcflow.P3, Response: h(4), Resolution: bd(3)},
			{Priority: svcflow.P4, Response: bd(1), Resolution: bd(5)},
			{Priority: svcflow.P5, Response: bd(3), Resolution: bd(20)},
		}},
	}
	for _, p := range policies {
		if err := d.SaveSLAPolicy(ctx, nil, p); err != nil {
			return fmt.Errorf("save SLA policy %s: %w", p.ID, err)
		}
	}
	return nil
}

// cumulative turns weights into a running sum for pick.
func cumulative(ws []float64) []float64 {
	out := make([]float64, len(ws))
	sum := 0.0
	for i, w := range ws {
		sum += w
		out[i] = sum
	}
	return out
}

// pick draws an index with the probabilities the cumulative weights give.
func pick(rng *rand.Rand, cum []float64) int {
	x := rng.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}
