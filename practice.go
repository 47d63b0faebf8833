package svcflow

import "slices"

// PracticeGroup is one of the three groups the management practices fall into.
type PracticeGroup string

// The three practice groups.
const (
	GeneralManagement   PracticeGroup = "general"
	ServiceManagement   PracticeGroup = "service"
	TechnicalManagement PracticeGroup = "technical"
)

// Practice is one of the 34 management practices, identified by the
// kebab-case form of its name ("incident-management").
type Practice struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Group   PracticeGroup `json:"group"`
	Purpose string        `json:"purpose"`
}

// The purposes are one line each, written for svcflow; they are not quotations.
var practices = []Practice{
	{"architecture-management", "Architecture management", GeneralManagement, "Keeps a map of how the organisation's parts fit together and steers how they should evolve."},
	{"continual-improvement", "Continual improvement", GeneralManagement, "Runs the habit of finding, choosing and proving improvements at every level."},
	{"information-security-management", "Information security management", GeneralManagement, "Protects the confidentiality, integrity and availability of the organisation's information."},
	{"knowledge-management", "Knowledge management", GeneralManagement, "Captures what people know and makes it easy to find and reuse."},
	{"measurement-and-reporting", "Measurement and reporting", GeneralManagement, "Collects the figures that support decisions and shares them with the people who need them."},
	{"organizational-change-management", "Organizational change management", GeneralManagement, "Helps people accept and adopt changes to how they work."},
	{"portfolio-management", "Portfolio management", GeneralManagement, "Chooses which programmes, projects, products and services get the organisation's money and people."},
	{"project-management", "Project management", GeneralManagement, "Plans and runs projects so they deliver what was agreed."},
	{"relationship-management", "Relationship management", GeneralManagement, "Builds and keeps working relationships with stakeholders at every level."},
	{"risk-management", "Risk management", GeneralManagement, "Finds and handles risks before they harm the organisation."},
	{"service-financial-management", "Service financial management", GeneralManagement, "Budgets, accounts for and charges the cost of services so money is used well."},
	{"strategy-management", "Strategy management", GeneralManagement, "Sets the organisation's goals and the course of action that reaches them."},
	{"supplier-management", "Supplier management", GeneralManagement, "Chooses suppliers and keeps them delivering what was agreed."},
	{"workforce-and-talent-management", "Workforce and talent management", GeneralManagement, "Makes sure the right people with the right skills are in the right roles."},

	{"availability-management", "Availability management", ServiceManagement, "Makes sure services are up as much as users need them to be."},
	{"business-analysis", "Business analysis", ServiceManagement, "Studies a business need and recommends a solution to meet it."},
	{"capacity-and-performance-management", "Capacity and performance management", ServiceManagement, "Keeps services fast enough and large enough for current and expected demand."},
	{"change-enablement", "Change enablement", ServiceManagement, "Gets changes assessed, authorised and scheduled so more of them succeed."},
	{"incident-management", "Incident management", ServiceManagement, "Restores normal service as fast as possible after an unplanned interruption."},
	{"it-asset-management", "IT asset management", ServiceManagement, "Tracks IT assets through their whole life to control cost and risk."},
	{"monitoring-and-event-management", "Monitoring and event management", ServiceManagement, "Watches services and their parts, and reacts to the events that matter."},
	{"problem-management", "Problem management", ServiceManagement, "Finds the causes of incidents and removes them, or offers workarounds meanwhile."},
	{"release-management", "Release management", ServiceManagement, "Makes new and changed services and features available to use."},
	{"service-catalogue-management", "Service catalogue management", ServiceManagement, "Keeps one trustworthy list of the services on offer and how to ask for them."},
	{"service-configuration-management", "Service configuration management", ServiceManagement, "Keeps reliable records of services, their components and how they depend on each other."},
	{"service-continuity-management", "Service continuity management", ServiceManagement, "Keeps services running, or brings them back quickly, after a disaster."},
	{"service-design", "Service design", ServiceManagement, "Shapes services and the experience around them so they are fit for use and purpose."},
	{"service-desk", "Service desk", ServiceManagement, "Is the single place users go to report issues and ask for help."},
	{"service-level-management", "Service level management", ServiceManagement, "Agrees service targets with the business and checks they are met."},
	{"service-request-management", "Service request management", ServiceManagement, "Handles routine, pre-agreed requests from users smoothly."},
	{"service-validation-and-testing", "Service validation and testing", ServiceManagement, "Checks that new or changed services do what they should before they go live."},

	{"deployment-management", "Deployment management", TechnicalManagement, "Moves new or changed components into live and other environments."},
	{"infrastructure-and-platform-management", "Infrastructure and platform management", TechnicalManagement, "Runs the infrastructure and platforms services depend on, on premises or in the cloud."},
	{"software-development-and-management", "Software development and management", TechnicalManagement, "Builds and maintains applications that are fit for their users."},
}

// Practices returns the 34 practices grouped as general, service and
// technical management, each group in alphabetical order.
func Practices() []Practice {
	return slices.Clone(practices)
}

// PracticeByID returns the practice with the given id and whether it exists.
func PracticeByID(id string) (Practice, bool) {
	for _, p := range practices {
		if p.ID == id {
			return p, true
		}
	}
	return Practice{}, false
}

// PracticeIDs returns the ids of all practices, for messages and suggestions.
func PracticeIDs() []string {
	ids := make([]string, len(practices))
	for i, p := range practices {
		ids[i] = p.ID
	}
	return ids
}
