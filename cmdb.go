package svcflow

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// CI is a configuration item: a component that has to be managed so that a
// service can be delivered (a server, a database, an application, the
// business service itself). Work items name the CIs they concern, and
// Relationships between CIs let Impact tell which services a failing CI
// takes down and what a symptom may be caused by.
type CI struct {
	ID    string `json:"id"`   // kebab-case, like every other id
	Name  string `json:"name"` // what people call it: "Payroll database (prod)"
	Class string `json:"class"`
	// Attributes hold what differs by class (ip_address, os, version,
	// serial_number, region…) as text: a schema per class would have to
	// anticipate every CMDB an organisation migrates from, and svcflow only
	// shows, filters and exports them. Keys are snake_case.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Services are the ids of the portfolio services the CI is part of.
	Services []string `json:"services,omitempty"`
	// Status is the CI's lifecycle state (CIStatuses); empty means live.
	Status  string    `json:"status,omitempty"`
	Created time.Time `json:"created"`
}

// The common CI classes. Their ids are snake_case like kinds and relation
// types, so there is one spelling per class and filters never split
// "virtual-machine" from "virtual_machine".
const (
	ClassBusinessService   = "business_service"
	ClassApplication       = "application"
	ClassDatabase          = "database"
	ClassMiddleware        = "middleware"
	ClassServer            = "server"
	ClassVirtualMachine    = "virtual_machine"
	ClassHypervisor        = "hypervisor"
	ClassContainerPlatform = "container_platform"
	ClassNetworkDevice     = "network_device"
	ClassStorage           = "storage"
	ClassCloudService      = "cloud_service"
	ClassWorkstation       = "workstation"
	ClassFacility          = "facility"
)

// CIClass describes one of the common classes: Also names its counterparts
// in iTop and ServiceNow, so people who know those tools find their way.
type CIClass struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Also        string `json:"also,omitempty"`
}

// CIClasses returns the common classes, from the business down to the
// hardware. They are suggestions, not a closed list: any snake_case word is
// a valid class, because every organisation's CMDB has classes no list
// foresees (load balancers, printers, Kubernetes namespaces…) and an import
// must not lose them. ValidateCI only refuses a new class one typo away
// from a common one, since "databse" would otherwise start a class of its
// own silently.
func CIClasses() []CIClass {
	return []CIClass{
		{ClassBusinessService, "Business service", "a service as its users see it; its CI id is the id of the portfolio service it stands for", "iTop Service, BusinessProcess; ServiceNow cmdb_ci_service"},
		{ClassApplication, "Application", "a software system or application instance", "iTop ApplicationSolution, WebApplication; ServiceNow cmdb_ci_appl, application service"},
		{ClassDatabase, "Database", "a database, schema or database server instance", "iTop DatabaseSchema, DBServer; ServiceNow cmdb_ci_database"},
		{ClassMiddleware, "Middleware", "a web server, message broker, application server or other runtime", "iTop Middleware, WebServer; ServiceNow cmdb_ci_app_server"},
		{ClassServer, "Server", "a physical server", "iTop Server; ServiceNow cmdb_ci_server"},
		{ClassVirtualMachine, "Virtual machine", "a virtual machine", "iTop VirtualMachine; ServiceNow cmdb_ci_vm_instance"},
		{ClassHypervisor, "Hypervisor", "a virtualisation host or farm", "iTop Hypervisor, Farm; ServiceNow cmdb_ci_esx_server"},
		{ClassContainerPlatform, "Container platform", "a container cluster such as Kubernetes", "ServiceNow cmdb_ci_kubernetes_cluster"},
		{ClassNetworkDevice, "Network device", "a switch, router, firewall or load balancer", "iTop NetworkDevice; ServiceNow cmdb_ci_netgear"},
		{ClassStorage, "Storage", "a storage system, NAS, SAN or volume", "iTop StorageSystem, NAS, LogicalVolume; ServiceNow cmdb_ci_storage_device"},
		{ClassCloudService, "Cloud service", "a managed service bought from a cloud or SaaS provider", "ServiceNow cloud resources"},
		{ClassWorkstation, "Workstation", "a desktop, laptop or other end-user device", "iTop PC; ServiceNow cmdb_ci_computer"},
		{ClassFacility, "Facility", "a data centre, rack, power or cooling unit", "iTop Rack, Enclosure, PowerSource, PDU"},
	}
}

// CIClassIDs returns the ids of the common classes, for messages and
// suggestions.
func CIClassIDs() []string {
	var ids []string
	for _, c := range CIClasses() {
		ids = append(ids, c.ID)
	}
	return ids
}

// The CI lifecycle statuses. They follow the portfolio statuses of services
// (pipeline, live, retired) with the states a component adds: planned
// (ordered or being built) and maintenance (temporarily out of use).
const (
	CIPlanned     = "planned"
	CILive        = "live"
	CIMaintenance = "maintenance"
	CIRetired     = "retired"
)

// CIStatuses returns the CI statuses in lifecycle order.
func CIStatuses() []string { return []string{CIPlanned, CILive, CIMaintenance, CIRetired} }

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// IsSnake reports whether s is a snake_case word: lower-case letters and
// digits, starting with a letter, in words joined by single underscores.
// CI classes and attribute keys are snake_case.
func IsSnake(s string) bool { return snake.MatchString(s) }

// RelationType is the type of a relationship between two CIs. The three
// types are the ones that carry impact, read as in ServiceNow: "depends
// on" and "used by" are one relationship seen from either end, and "runs
// on" is the dependency of software on what hosts it.
type RelationType string

// The relation types. In each, the failure of one end affects the other:
//
//   - "A depends_on B": a failure of B affects A (the application depends on
//     its database).
//   - "A runs_on B": a failure of B affects A (the application runs on its
//     virtual machine, which runs on a hypervisor).
//   - "A used_by B": a failure of A affects B (the application is used by
//     the payroll service). It is depends_on written from the other end, so
//     a file can state each relationship from the row where it is natural.
const (
	DependsOn RelationType = "depends_on"
	RunsOn    RelationType = "runs_on"
	UsedBy    RelationType = "used_by"
)

// RelationTypes returns the relation types.
func RelationTypes() []RelationType { return []RelationType{DependsOn, RunsOn, UsedBy} }

// RelationTypeIDs returns the relation types as strings, for messages.
func RelationTypeIDs() []string { return []string{string(DependsOn), string(RunsOn), string(UsedBy)} }

// IsValid reports whether t is a known relation type.
func (t RelationType) IsValid() bool { return slices.Contains(RelationTypes(), t) }

// Relationship is a typed link between two CIs, read "From Type To":
// {From: "payroll-app", To: "payroll-db", Type: DependsOn}.
type Relationship struct {
	From string       `json:"from"`
	To   string       `json:"to"`
	Type RelationType `json:"type"`
}

func (r Relationship) String() string { return r.From + " " + string(r.Type) + " " + r.To }

// Propagation returns the direction in which a failure travels along r:
// from cause to affected. It is the one place that knows which way each
// type points, so impact analysis and drawings cannot disagree.
func (r Relationship) Propagation() (cause, affected string) {
	if r.Type == UsedBy {
		return r.From, r.To
	}
	return r.To, r.From
}

// ValidateCI checks a CI on its own and returns nil or an error joining
// one *Error (code invalid) per problem, in field order, with Field naming
// the CI field: id, name, class, status, services, or attributes.KEY.
// Checks that need other records (do the services exist?) are the
// caller's.
func ValidateCI(c *CI) error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldErrorf(field, format, args...))
	}
	if msg := idProblem(c.ID, "db-01"); msg != "" {
		add("id", "%s", msg)
	}
	if strings.TrimSpace(c.Name) == "" {
		add("name", "missing name")
	}
	if msg := classProblem(c.Class); msg != "" {
		add("class", "%s", msg)
	}
	if c.Status != "" && !slices.Contains(CIStatuses(), c.Status) {
		add("status", "unknown status %q; expected %s%s", c.Status, orList(CIStatuses()), hint(c.Status, CIStatuses()))
	}
	seen := map[string]bool{}
	for _, s := range c.Services {
		switch {
		case !IsKebab(s):
			add("services", "service %s", idProblem(s, "payroll"))
		case seen[s]:
			add("services", "service %q is listed twice", s)
		}
		seen[s] = true
	}
	for _, k := range slices.Sorted(maps.Keys(c.Attributes)) {
		if !IsSnake(k) {
			add("attributes."+k, "attribute key %q is not snake_case; expected lower-case words joined by underscores, like %q", k, snakeExample(k, "ip_address"))
		}
	}
	return errors.Join(errs...)
}

// ValidateRelationship checks one relationship on its own and returns nil
// or an error joining one *Error (code invalid) per problem, with Field
// from, to or type. Whether both CIs exist is the caller's check, as they
// may live in different files or in the store.
func ValidateRelationship(r Relationship) error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldErrorf(field, format, args...))
	}
	if msg := idProblem(r.From, "payroll-app"); msg != "" {
		add("from", "CI %s", msg)
	}
	if msg := idProblem(r.To, "payroll-db"); msg != "" {
		add("to", "CI %s", msg)
	}
	if r.From == r.To && r.From != "" {
		add("to", "%q cannot be related to itself", r.From)
	}
	if !r.Type.IsValid() {
		add("type", "unknown relation type %q; expected %s%s", r.Type, orList(RelationTypeIDs()), hint(string(r.Type), RelationTypeIDs()))
	}
	return errors.Join(errs...)
}

func idProblem(id, example string) string {
	switch {
	case id == "":
		return "missing id"
	case !IsKebab(id):
		if k := kebabCase(id); k != "" {
			example = k
		}
		return fmt.Sprintf("%q is not a valid id; expected lower-case words joined by hyphens, like %q", id, example)
	}
	return ""
}

func classProblem(class string) string {
	known := CIClassIDs()
	switch {
	case class == "":
		return fmt.Sprintf("missing class; expected one of %s, or a snake_case word of your own", strings.Join(known, ", "))
	case !IsSnake(class):
		return fmt.Sprintf("class %q is not snake_case; expected lower-case words joined by underscores, like %q", class, snakeExample(class, ClassServer))
	case !slices.Contains(known, class):
		if s := Suggest(class, known); s != "" {
			return fmt.Sprintf("unknown class %q; did you mean %q? (a class of your own must not be a typo away from a common one)", class, s)
		}
	}
	return ""
}

// kebabCase turns s into a kebab-case id by lower-casing ASCII letters and
// joining the runs of letters and digits with hyphens; other characters
// separate words and non-ASCII letters are dropped. It returns "" when
// nothing is left.
func kebabCase(s string) string { return Slug(s, "-") }

func snakeExample(s, fallback string) string {
	if w := Slug(s, "_"); w != "" && IsSnake(w) {
		return w
	}
	return fallback
}

// Slug turns text into an id: ASCII letters lower-cased, each run of
// letters and digits a word, words joined by sep ("-" for kebab-case ids,
// "_" for snake_case classes); anything else separates words, so non-ASCII
// letters are dropped.
func Slug(s, sep string) string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			flush()
		}
	}
	flush()
	return strings.Join(words, sep)
}

func hint(word string, options []string) string {
	if s := Suggest(word, options); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// orList joins options as "a, b or c".
func orList(options []string) string {
	if len(options) < 2 {
		return strings.Join(options, "")
	}
	return strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
}

// ImpactResult is what Impact finds around the start CIs. Entries are
// ordered nearest first, then by id.
type ImpactResult struct {
	// Start holds the start ids that name a CI, once each, in the order given.
	Start []string `json:"start"`
	// Upstream holds what the start CIs depend on, transitively: the
	// possible causes of a failure seen on them.
	Upstream []ImpactedCI `json:"upstream"`
	// Downstream holds what a failure of the start CIs affects, transitively.
	Downstream []ImpactedCI `json:"downstream"`
	// Services holds the services affected: those the start and downstream
	// CIs belong to, and the downstream business_service CIs themselves.
	Services []ImpactedService `json:"services"`
	// Unknown holds the start ids that name no CI; they are left out.
	Unknown []string `json:"unknown,omitempty"`
	// Ignored holds the relationships with an unknown type or naming a CI
	// that is not in the set; the traversal leaves them out rather than
	// guess, and reports them so stale records get fixed.
	Ignored []Relationship `json:"ignored,omitempty"`
}

// ImpactedCI is a CI reached from a start CI.
type ImpactedCI struct {
	ID string `json:"id"`
	// Distance counts the relationships between the nearest start CI and
	// this one: 1 is a direct neighbour.
	Distance int `json:"distance"`
	// Path holds the CI ids from that start CI to this one, both included.
	Path []string `json:"path"`
	// Via holds the relationships walked along Path, as recorded (so their
	// From and To may point either way).
	Via []Relationship `json:"via"`
}

// ImpactedService is a service a failure of the start CIs reaches.
type ImpactedService struct {
	ID string `json:"id"`
	// Distance is that of the nearest CI through which the service is
	// reached (0 for a start CI).
	Distance int `json:"distance"`
	// CI is that CI: one that lists the service, or the business_service
	// CI of the same id.
	CI string `json:"ci"`
}

// Impact walks the relationships from the start CIs both ways: downstream
// along the direction a failure travels (Relationship.Propagation), to
// find what is affected and which services go down with it, and upstream
// against it, to find what the start CIs rely on and may be the cause.
// Each CI is reported once, at its shortest distance, so cycles end the
// walk instead of looping; the start CIs are not repeated in Upstream or
// Downstream. A CI of class business_service stands for the portfolio
// service of the same id, as in ServiceNow's CSDM and iTop's service
// model: "payroll-app used_by payroll" then puts the payroll service among
// the affected ones without a separate mapping. Impact ignores Status, so
// a retired CI that still carries relationships shows up rather than hiding
// an impact. When cis holds an id twice, the first one counts.
func Impact(cis []*CI, rels []Relationship, start []string) ImpactResult {
	byID := map[string]*CI{}
	for _, c := range cis {
		if c != nil {
			if _, dup := byID[c.ID]; !dup {
				byID[c.ID] = c
			}
		}
	}
	res := ImpactResult{Start: []string{}, Upstream: []ImpactedCI{}, Downstream: []ImpactedCI{}, Services: []ImpactedService{}}
	seen := map[string]bool{}
	for _, id := range start {
		switch {
		case seen[id]:
		case byID[id] == nil:
			res.Unknown = append(res.Unknown, id)
		default:
			res.Start = append(res.Start, id)
		}
		seen[id] = true
	}

	down, up := map[string][]step{}, map[string][]step{}
	for _, r := range rels {
		if !r.Type.IsValid() || byID[r.From] == nil || byID[r.To] == nil {
			res.Ignored = append(res.Ignored, r)
			continue
		}
		cause, affected := r.Propagation()
		down[cause] = append(down[cause], step{affected, r})
		up[affected] = append(up[affected], step{cause, r})
	}
	res.Downstream = walk(res.Start, down)
	res.Upstream = walk(res.Start, up)

	// Services, nearest first: the walk's order makes the first CI to name
	// a service the nearest one (and, among equals, the smallest id).
	reached := make([]ImpactedCI, 0, len(res.Start)+len(res.Downstream))
	for _, id := range slices.Sorted(slices.Values(res.Start)) {
		reached = append(reached, ImpactedCI{ID: id})
	}
	reached = append(reached, res.Downstream...)
	found := map[string]bool{}
	for _, e := range reached {
		c := byID[e.ID]
		ids := slices.Clone(c.Services)
		if c.Class == ClassBusinessService {
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		for _, s := range ids {
			if !found[s] {
				found[s] = true
				res.Services = append(res.Services, ImpactedService{ID: s, Distance: e.Distance, CI: c.ID})
			}
		}
	}
	slices.SortStableFunc(res.Services, func(a, b ImpactedService) int {
		return nearestFirst(a.Distance, b.Distance, a.ID, b.ID)
	})
	return res
}

// step is one edge of the impact graph seen from the CI it leaves.
type step struct {
	to  string
	rel Relationship
}

// walk is a breadth-first search from every start CI at once, so each CI
// is reached at its shortest distance from the nearest start. Starts and
// edges are visited in id order to make paths deterministic.
func walk(start []string, edges map[string][]step) []ImpactedCI {
	for _, es := range edges {
		slices.SortFunc(es, func(a, b step) int {
			if c := strings.Compare(a.to, b.to); c != 0 {
				return c
			}
			return strings.Compare(a.rel.String(), b.rel.String())
		})
	}
	type visit struct {
		prev string
		rel  Relationship
		dist int
	}
	visited := map[string]visit{}
	queue := slices.Sorted(slices.Values(start))
	for _, id := range queue {
		visited[id] = visit{}
	}
	var out []ImpactedCI
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, e := range edges[id] {
			if _, ok := visited[e.to]; ok {
				continue
			}
			v := visit{prev: id, rel: e.rel, dist: visited[id].dist + 1}
			visited[e.to] = v
			queue = append(queue, e.to)

			entry := ImpactedCI{ID: e.to, Distance: v.dist, Path: make([]string, v.dist+1), Via: make([]Relationship, v.dist)}
			at := e.to
			for i := v.dist; i > 0; i-- {
				entry.Path[i], entry.Via[i-1] = at, visited[at].rel
				at = visited[at].prev
			}
			entry.Path[0] = at
			out = append(out, entry)
		}
	}
	slices.SortStableFunc(out, func(a, b ImpactedCI) int {
		return nearestFirst(a.Distance, b.Distance, a.ID, b.ID)
	})
	if out == nil {
		out = []ImpactedCI{}
	}
	return out
}

// nearestFirst orders impact entries by distance, then id.
func nearestFirst(da, db int, a, b string) int {
	if da != db {
		return da - db
	}
	return strings.Compare(a, b)
}
