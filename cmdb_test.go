package svcflow

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// messages returns "field: message" for every *Error joined in err.
func messages(err error) []string {
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []string
	for _, e := range errs {
		var fe *Error
		if !errors.As(e, &fe) || fe.Code != ErrInvalid {
			out = append(out, "not an invalid *Error: "+e.Error())
			continue
		}
		out = append(out, fe.Error())
	}
	return out
}

func TestValidateCI(t *testing.T) {
	good := func() *CI {
		return &CI{ID: "payroll-db", Name: "Payroll database", Class: ClassDatabase, Status: CILive,
			Services: []string{"payroll"}, Attributes: map[string]string{"engine": "postgresql", "version": "16"}}
	}
	tests := []struct {
		name   string
		change func(*CI)
		want   []string
	}{
		{"good", func(*CI) {}, nil},
		{"empty status means live", func(c *CI) { c.Status = "" }, nil},
		{"a class of one's own", func(c *CI) { c.Class = "load_balancer" }, nil},
		{"missing everything", func(c *CI) { *c = CI{} }, []string{
			"id: missing id",
			"name: missing name",
			"class: missing class; expected one of " + strings.Join(CIClassIDs(), ", ") + ", or a snake_case word of your own",
		}},
		{"bad id", func(c *CI) { c.ID = "Payroll DB" }, []string{
			`id: "Payroll DB" is not a valid id; expected lower-case words joined by hyphens, like "payroll-db"`,
		}},
		{"blank name", func(c *CI) { c.Name = " \t" }, []string{"name: missing name"}},
		{"misspelt class", func(c *CI) { c.Class = "databse" }, []string{
			`class: unknown class "databse"; did you mean "database"? (a class of your own must not be a typo away from a common one)`,
		}},
		{"kebab class", func(c *CI) { c.Class = "virtual-machine" }, []string{
			`class: class "virtual-machine" is not snake_case; expected lower-case words joined by underscores, like "virtual_machine"`,
		}},
		{"capitalised class", func(c *CI) { c.Class = "Server" }, []string{
			`class: class "Server" is not snake_case; expected lower-case words joined by underscores, like "server"`,
		}},
		{"status", func(c *CI) { c.Status = "lve" }, []string{
			`status: unknown status "lve"; expected planned, live, maintenance or retired (did you mean "live"?)`,
		}},
		{"services", func(c *CI) { c.Services = []string{"payroll", "Pay Roll", "payroll"} }, []string{
			`services: service "Pay Roll" is not a valid id; expected lower-case words joined by hyphens, like "pay-roll"`,
			`services: service "payroll" is listed twice`,
		}},
		{"attribute keys", func(c *CI) { c.Attributes = map[string]string{"IP Address": "10.0.0.1", "os": "linux", "z-key": ""} }, []string{
			`attributes.IP Address: attribute key "IP Address" is not snake_case; expected lower-case words joined by underscores, like "ip_address"`,
			`attributes.z-key: attribute key "z-key" is not snake_case; expected lower-case words joined by underscores, like "z_key"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.change(c)
			if got := messages(ValidateCI(c)); !slices.Equal(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestCIClassesAreSnakeAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range CIClasses() {
		if !IsSnake(c.ID) || seen[c.ID] || c.Name == "" || c.Description == "" {
			t.Errorf("class %+v: expected a new snake_case id with a name and a description", c)
		}
		seen[c.ID] = true
		if msg := classProblem(c.ID); msg != "" {
			t.Errorf("common class %q is refused: %s", c.ID, msg)
		}
	}
	// A common class one typo away from another would make the other
	// impossible to misspell safely.
	for _, c := range CIClassIDs() {
		others := slices.DeleteFunc(CIClassIDs(), func(s string) bool { return s == c })
		if s := Suggest(c, others); s != "" {
			t.Errorf("common classes %q and %q are a typo apart", c, s)
		}
	}
}

func TestValidateRelationship(t *testing.T) {
	tests := []struct {
		rel  Relationship
		want []string
	}{
		{Relationship{"payroll-app", "payroll-db", DependsOn}, nil},
		{Relationship{"payroll-app", "vm-17", RunsOn}, nil},
		{Relationship{"payroll-app", "payroll", UsedBy}, nil},
		{Relationship{"", "", ""}, []string{
			"from: CI missing id",
			"to: CI missing id",
			`type: unknown relation type ""; expected depends_on, runs_on or used_by`,
		}},
		{Relationship{"App", "db_1", "depend_on"}, []string{
			`from: CI "App" is not a valid id; expected lower-case words joined by hyphens, like "app"`,
			`to: CI "db_1" is not a valid id; expected lower-case words joined by hyphens, like "db-1"`,
			`type: unknown relation type "depend_on"; expected depends_on, runs_on or used_by (did you mean "depends_on"?)`,
		}},
		{Relationship{"db", "db", DependsOn}, []string{`to: "db" cannot be related to itself`}},
	}
	for _, tt := range tests {
		t.Run(tt.rel.String(), func(t *testing.T) {
			if got := messages(ValidateRelationship(tt.rel)); !slices.Equal(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestRelationshipPropagation(t *testing.T) {
	for _, tt := range []struct {
		rel                   Relationship
		wantCause, wantAffect string
	}{
		{Relationship{"app", "db", DependsOn}, "db", "app"},
		{Relationship{"app", "vm", RunsOn}, "vm", "app"},
		{Relationship{"app", "payroll", UsedBy}, "app", "payroll"},
	} {
		if c, a := tt.rel.Propagation(); c != tt.wantCause || a != tt.wantAffect {
			t.Errorf("%s: got cause %s, affected %s; want %s, %s", tt.rel, c, a, tt.wantCause, tt.wantAffect)
		}
	}
}

// estate is a small CMDB: the payroll service uses the payroll application,
// which depends on its database and runs on a VM hosted by a hypervisor; the
// HR portal also depends on the database.
func estate() ([]*CI, []Relationship) {
	cis := []*CI{
		{ID: "payroll", Name: "Payroll", Class: ClassBusinessService},
		{ID: "payroll-app", Name: "Payroll application", Class: ClassApplication, Services: []string{"payroll"}},
		{ID: "payroll-db", Name: "Payroll database", Class: ClassDatabase},
		{ID: "vm-17", Name: "VM 17", Class: ClassVirtualMachine},
		{ID: "esx-1", Name: "ESX host 1", Class: ClassHypervisor, Services: []string{"hosting"}},
		{ID: "hr-portal", Name: "HR portal", Class: ClassApplication, Services: []string{"hr", "intranet"}},
	}
	rels := []Relationship{
		{"payroll-app", "payroll-db", DependsOn},
		{"payroll-app", "vm-17", RunsOn},
		{"payroll-app", "payroll", UsedBy},
		{"vm-17", "esx-1", RunsOn},
		{"hr-portal", "payroll-db", DependsOn},
	}
	return cis, rels
}

func TestImpactOfDatabaseReachesServicesTwoLevelsAway(t *testing.T) {
	cis, rels := estate()
	got := Impact(cis, rels, []string{"payroll-db"})
	want := ImpactResult{
		Start:    []string{"payroll-db"},
		Upstream: []ImpactedCI{},
		Downstream: []ImpactedCI{
			{ID: "hr-portal", Distance: 1, Path: []string{"payroll-db", "hr-portal"}, Via: []Relationship{rels[4]}},
			{ID: "payroll-app", Distance: 1, Path: []string{"payroll-db", "payroll-app"}, Via: []Relationship{rels[0]}},
			{ID: "payroll", Distance: 2, Path: []string{"payroll-db", "payroll-app", "payroll"}, Via: []Relationship{rels[0], rels[2]}},
		},
		Services: []ImpactedService{
			{ID: "hr", Distance: 1, CI: "hr-portal"},
			{ID: "intranet", Distance: 1, CI: "hr-portal"},
			{ID: "payroll", Distance: 1, CI: "payroll-app"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestImpactUpstreamFindsPossibleCauses(t *testing.T) {
	cis, rels := estate()
	got := Impact(cis, rels, []string{"payroll"})
	var ids []string
	for _, e := range got.Upstream {
		ids = append(ids, e.ID+"@"+strings.Join(e.Path, ">"))
	}
	want := []string{
		"payroll-app@payroll>payroll-app",
		"payroll-db@payroll>payroll-app>payroll-db",
		"vm-17@payroll>payroll-app>vm-17",
		"esx-1@payroll>payroll-app>vm-17>esx-1",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("upstream: got %v, want %v", ids, want)
	}
	if len(got.Downstream) != 0 {
		t.Errorf("downstream: got %+v, want nothing (nothing depends on the service)", got.Downstream)
	}
	// The start CI is itself a business service.
	if want := []ImpactedService{{ID: "payroll", Distance: 0, CI: "payroll"}}; !reflect.DeepEqual(got.Services, want) {
		t.Errorf("services: got %+v, want %+v", got.Services, want)
	}
}

func TestImpactOfHypervisor(t *testing.T) {
	cis, rels := estate()
	got := Impact(cis, rels, []string{"esx-1"})
	var down []string
	for _, e := range got.Downstream {
		down = append(down, e.ID)
	}
	if want := []string{"vm-17", "payroll-app", "payroll"}; !slices.Equal(down, want) {
		t.Errorf("downstream: got %v, want %v", down, want)
	}
	want := []ImpactedService{
		{ID: "hosting", Distance: 0, CI: "esx-1"},
		{ID: "payroll", Distance: 2, CI: "payroll-app"},
	}
	if !reflect.DeepEqual(got.Services, want) {
		t.Errorf("services: got %+v, want %+v", got.Services, want)
	}
}

func TestImpactCycles(t *testing.T) {
	cis := []*CI{
		{ID: "a", Class: ClassApplication, Services: []string{"s"}},
		{ID: "b", Class: ClassApplication},
		{ID: "c", Class: ClassApplication},
	}
	rels := []Relationship{
		{"a", "b", DependsOn}, // b affects a
		{"b", "c", DependsOn}, // c affects b
		{"c", "a", DependsOn}, // a affects c: a cycle
		{"a", "a", DependsOn}, // a self-loop, which validation refuses, must not loop either
		{"b", "a", UsedBy},    // the same edge as the first, from the other end
	}
	got := Impact(cis, rels, []string{"a"})
	summary := func(es []ImpactedCI) []string {
		var out []string
		for _, e := range es {
			out = append(out, strings.Join(e.Path, ">"))
		}
		return out
	}
	if got, want := summary(got.Downstream), []string{"a>c", "a>c>b"}; !slices.Equal(got, want) {
		t.Errorf("downstream: got %v, want %v", got, want)
	}
	if got, want := summary(got.Upstream), []string{"a>b", "a>b>c"}; !slices.Equal(got, want) {
		t.Errorf("upstream: got %v, want %v", got, want)
	}
	if want := []ImpactedService{{ID: "s", CI: "a"}}; !reflect.DeepEqual(got.Services, want) {
		t.Errorf("services: got %+v, want %+v", got.Services, want)
	}
}

func TestImpactUnknownIDs(t *testing.T) {
	cis, rels := estate()
	rels = append(rels,
		Relationship{"payroll-app", "ghost", DependsOn},
		Relationship{"payroll-db", "payroll-app", "hosts"},
	)
	got := Impact(append(cis, nil), rels, []string{"nope", "payroll-db", "payroll-db", "nope", "vm-17"})
	if want := []string{"payroll-db", "vm-17"}; !slices.Equal(got.Start, want) {
		t.Errorf("start: got %v, want %v", got.Start, want)
	}
	if want := []string{"nope"}; !slices.Equal(got.Unknown, want) {
		t.Errorf("unknown: got %v, want %v", got.Unknown, want)
	}
	if want := rels[len(rels)-2:]; !slices.Equal(got.Ignored, want) {
		t.Errorf("ignored: got %v, want %v", got.Ignored, want)
	}
	// Starting from two CIs, payroll-app is one step from each; the start
	// CIs themselves are not listed as affected.
	var down []string
	for _, e := range got.Downstream {
		down = append(down, e.ID)
	}
	if want := []string{"hr-portal", "payroll-app", "payroll"}; !slices.Equal(down, want) {
		t.Errorf("downstream: got %v, want %v", down, want)
	}

	none := Impact(nil, nil, []string{"x"})
	if len(none.Start) != 0 || len(none.Downstream) != 0 || len(none.Services) != 0 || !slices.Equal(none.Unknown, []string{"x"}) {
		t.Errorf("empty CMDB: got %+v", none)
	}
	if none.Downstream == nil || none.Upstream == nil || none.Services == nil || none.Start == nil {
		t.Errorf("empty lists must be empty, not nil, so JSON shows []: %+v", none)
	}
}

func TestImpactFirstDuplicateCIWins(t *testing.T) {
	cis := []*CI{
		{ID: "a", Class: ClassApplication, Services: []string{"first"}},
		{ID: "a", Class: ClassApplication, Services: []string{"second"}},
	}
	got := Impact(cis, nil, []string{"a"})
	if want := []ImpactedService{{ID: "first", CI: "a"}}; !reflect.DeepEqual(got.Services, want) {
		t.Errorf("services: got %+v, want %+v", got.Services, want)
	}
}

func ExampleImpact() {
	cis := []*CI{
		{ID: "payroll", Name: "Payroll", Class: ClassBusinessService},
		{ID: "payroll-app", Name: "Payroll application", Class: ClassApplication},
		{ID: "payroll-db", Name: "Payroll database", Class: ClassDatabase},
		{ID: "vm-17", Name: "VM 17", Class: ClassVirtualMachine},
	}
	rels := []Relationship{
		{From: "payroll-app", To: "payroll-db", Type: DependsOn},
		{From: "payroll-app", To: "vm-17", Type: RunsOn},
		{From: "payroll-app", To: "payroll", Type: UsedBy},
	}
	res := Impact(cis, rels, []string{"payroll-db"})
	for _, e := range res.Downstream {
		fmt.Printf("affected: %s (%d) via %s\n", e.ID, e.Distance, strings.Join(e.Path, " → "))
	}
	for _, s := range res.Services {
		fmt.Printf("service down: %s\n", s.ID)
	}
	for _, e := range Impact(cis, rels, []string{"payroll"}).Upstream {
		fmt.Printf("possible cause of a payroll outage: %s (%d)\n", e.ID, e.Distance)
	}
	// Output:
	// affected: payroll-app (1) via payroll-db → payroll-app
	// affected: payroll (2) via payroll-db → payroll-app → payroll
	// service down: payroll
	// possible cause of a payroll outage: payroll-app (1)
	// possible cause of a payroll outage: payroll-db (2)
	// possible cause of a payroll outage: vm-17 (2)
}
