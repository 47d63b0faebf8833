package csvimport

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

func strs(errs []Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.String())
	}
	return out
}

func checkErrors(t *testing.T, got []Error, want []string) {
	t.Helper()
	if g := strs(got); !slices.Equal(g, want) {
		t.Errorf("errors:\ngot\n\t%s\nwant\n\t%s", strings.Join(g, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func TestErrorString(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{"people.csv", 3, "email", `"x" is not an email address`}, `people.csv:3: email: "x" is not an email address`},
		{Error{"people.csv", 1, "", "empty file"}, "people.csv:1: empty file"},
	} {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
		var err error = tt.e
		if err.Error() != tt.want {
			t.Errorf("Error() = %s, want %s", err.Error(), tt.want)
		}
	}
}

// docExamples returns the example files of the package documentation by
// name, so the text copied into the README is known to import cleanly.
func docExamples(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	name := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "// Example "); ok {
			name = strings.TrimSuffix(n, ":")
			continue
		}
		if name == "" {
			continue
		}
		if text, ok := strings.CutPrefix(line, "//\t"); ok {
			out[name] += text + "\n"
		} else if out[name] != "" {
			name = ""
		}
	}
	if len(out) != 4 {
		t.Fatalf("found examples %v in doc.go; want people, teams, services and cis", slices.Sorted(maps.Keys(out)))
	}
	return out
}

const peopleHeader = "id,name,email,role,teams,organisation,approves\n"

// aliceRow is a sound first data row (line 2), so each bad row below is on
// line 3 and the good one shows it is still returned.
const aliceRow = "alice,Alice Martin,alice@example.com,agent,service-desk;platform,,change-manager\n"

func alice() *svcflow.Person {
	return &svcflow.Person{ID: "alice", Name: "Alice Martin", Email: "alice@example.com", Role: svcflow.RoleAgent,
		Teams: []string{"service-desk", "platform"}, Approves: []string{"change-manager"}}
}

func TestParsePeople(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []*svcflow.Person
		errs []string
	}{
		{
			name: "documentation example",
			in:   docExamples(t)["people.csv"],
			want: []*svcflow.Person{
				alice(),
				{ID: "bao-nguyen", Name: "Nguyen, Bao", Email: "bao.nguyen@example.com", Role: svcflow.RoleRequester, Organisation: "acme"},
				{ID: "carol", Name: "Carol Diaz", Email: "carol@example.com", Role: svcflow.RoleAdmin},
			},
		},
		{
			name: "required columns only, in another order and case, ids from emails",
			in:   "Role,EMAIL,Name\nmanager,Dana.O-Neil+ops@example.com,Dana O'Neil\n",
			want: []*svcflow.Person{{ID: "dana-o-neil-ops", Name: "Dana O'Neil", Email: "Dana.O-Neil+ops@example.com", Role: svcflow.RoleManager}},
		},
		{
			name: "spaces around values and list items, trailing semicolon",
			in:   peopleHeader + "  alice ,  Alice Martin , alice@example.com ,agent, service-desk ; platform ;,, change-manager;\n",
			want: []*svcflow.Person{alice()},
		},
		{
			name: "not an email",
			in:   peopleHeader + aliceRow + "bob,Bob,x,agent,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: email: "x" is not an email address`},
		},
		{
			name: "email with a display name",
			in:   peopleHeader + aliceRow + "bob,Bob,Bob <bob@example.com>,agent,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: email: "Bob <bob@example.com>" is not an email address alone; expected "bob@example.com"`},
		},
		{
			name: "misspelt role",
			in:   peopleHeader + aliceRow + "bob,Bob,bob@example.com,agnet,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: role: unknown role "agnet"; expected requester, agent, manager or admin (did you mean "agent"?)`},
		},
		{
			name: "capitalised role",
			in:   peopleHeader + aliceRow + "bob,Bob,bob@example.com,Admin,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: role: unknown role "Admin"; expected requester, agent, manager or admin (did you mean "admin"?)`},
		},
		{
			name: "missing values",
			in:   peopleHeader + aliceRow + "bob, ,,,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{
				"people.csv:3: name: missing name",
				"people.csv:3: email: missing email",
				"people.csv:3: role: missing role",
			},
		},
		{
			name: "bad id",
			in:   peopleHeader + aliceRow + "Bob Smith,Bob,bob@example.com,agent,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: id: "Bob Smith" is not a valid id; expected lower-case words joined by hyphens, like "bob-smith"`},
		},
		{
			name: "duplicate id",
			in:   peopleHeader + aliceRow + "alice,Alice Two,alice2@example.com,agent,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: id: duplicate id "alice"; line 2 has it already`},
		},
		{
			name: "duplicate email, whatever its case",
			in:   peopleHeader + aliceRow + "alice2,Alice Two,Alice@Example.com,agent,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: email: duplicate email "Alice@Example.com"; line 2 has it already`},
		},
		{
			name: "ids made from emails collide",
			in:   peopleHeader + aliceRow + ",Alice of Org,alice@example.org,agent,,,\n",
			want: []*svcflow.Person{alice()},
			errs: []string{`people.csv:3: email: the id made from this email, "alice", is taken by line 2; give one of the rows an id`},
		},
		{
			name: "an explicit id taken by one made from an email",
			in:   "name,email,role,id\nAlice,alice@example.com,agent,\nOther,other@example.com,agent,alice\n",
			want: []*svcflow.Person{{ID: "alice", Name: "Alice", Email: "alice@example.com", Role: svcflow.RoleAgent}},
			errs: []string{`people.csv:3: id: duplicate id "alice"; line 2 has it already`},
		},
		{
			name: "no id can be made from the email",
			in:   "name,email,role\nX,__@example.com,agent\n",
			errs: []string{`people.csv:2: id: missing id, and none can be made from the email "__@example.com"; give the row an id`},
		},
		{
			name: "bad list items",
			in:   peopleHeader + aliceRow + "bob,Bob,bob@example.com,agent,Service Desk;sd;sd,Acme Corp,cab;CAB\n",
			want: []*svcflow.Person{alice()},
			errs: []string{
				`people.csv:3: teams: "Service Desk" is not a valid id; expected lower-case words joined by hyphens, like "service-desk"`,
				`people.csv:3: teams: "sd" is listed twice`,
				`people.csv:3: organisation: "Acme Corp" is not a valid id; expected lower-case words joined by hyphens, like "acme-corp"`,
				`people.csv:3: approves: "CAB" is not a valid id; expected lower-case words joined by hyphens, like "cab"`,
			},
		},
		{
			name: "wrong number of values",
			in:   peopleHeader + aliceRow + "bob,Bob,bob@example.com,agent,a,b,c,d\nbob,Bob\n",
			want: []*svcflow.Person{alice()},
			errs: []string{
				"people.csv:3: 8 values; the header has 7 columns (put a value holding a comma in double quotes)",
				"people.csv:4: 2 values; the header has 7 columns (put a value holding a comma in double quotes)",
			},
		},
		{
			name: "one row, several errors; the rows after it are still checked",
			in: peopleHeader + aliceRow +
				"Bob,,bob@,requester,,,\n" +
				"carol,Carol,carol@example.com,agent,,,\n" +
				"dave,Dave,dave@example.com,root,,,\n",
			want: []*svcflow.Person{alice(), {ID: "carol", Name: "Carol", Email: "carol@example.com", Role: svcflow.RoleAgent}},
			errs: []string{
				`people.csv:3: name: missing name`,
				`people.csv:3: email: "bob@" is not an email address`,
				`people.csv:3: id: "Bob" is not a valid id; expected lower-case words joined by hyphens, like "bob"`,
				`people.csv:5: role: unknown role "root"; expected requester, agent, manager or admin`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParsePeople("people.csv", strings.NewReader(tt.in))
			checkErrors(t, errs, tt.errs)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("people:\ngot  %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
}

func dump[T any](xs []*T) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "\n\t%+v", *x)
	}
	return b.String()
}

// TestHeader covers what every kind shares, through the people file.
func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int // people returned
		errs []string
	}{
		{"byte order mark and capitals", "\ufeffNAME,Email,Role\nAlice,alice@example.com,agent\n", 1, nil},
		{"blank lines and lines of empty values are skipped", "\n\nname,email,role\n\n , ,\n,,\nAlice,alice@example.com,agent\n\n", 1, nil},
		{"a header alone", "name,email,role\n", 0, nil},
		{"empty file", "", 0, []string{"people.csv:1: empty file; expected a header line naming the columns, such as name,email,role"}},
		{"only a byte order mark", "\ufeff", 0, []string{"people.csv:1: empty file; expected a header line naming the columns, such as name,email,role"}},
		{"missing columns", "Name\nAlice\n", 0, []string{
			"people.csv:1: email: missing column; a people file needs name, email, role",
			"people.csv:1: role: missing column; a people file needs name, email, role",
		}},
		{"unknown column, with a suggestion", "name,Emial,role\nAlice,alice@example.com,agent\n", 0, []string{
			`people.csv:1: Emial: unknown column; expected name, email, role, id, teams, organisation, approves (did you mean "email"?)`,
			"people.csv:1: email: missing column; a people file needs name, email, role",
		}},
		{"unknown column, without one", "name,email,role,phone\nAlice,alice@example.com,agent,555\n", 0, []string{
			"people.csv:1: phone: unknown column; expected name, email, role, id, teams, organisation, approves",
		}},
		{"duplicate column", "name,email,role,EMAIL\nAlice,alice@example.com,agent,a@example.com\n", 0, []string{
			"people.csv:1: email: duplicate column; column 2 has it already",
		}},
		{"row errors are still reported under a bad header", "name,email,role,phone\nAlice,alice,agent,555\n", 0, []string{
			"people.csv:1: phone: unknown column; expected name, email, role, id, teams, organisation, approves",
			`people.csv:2: email: "alice" is not an email address`,
		}},
		{"a missing required column is not reported again on every row", "name,email\nAlice,alice@example.com\nBob,bob@example.com\n", 0, []string{
			"people.csv:1: role: missing column; a people file needs name, email, role",
		}},
		{"unnamed trailing columns, empty, as spreadsheets export them", "name,email,role,,\nAlice,alice@example.com,agent,,\n", 1, nil},
		{"a value in an unnamed column", "name,email,role,\nAlice,alice@example.com,agent,x\nBob,bob@example.com,agent,\n", 1, []string{
			`people.csv:2: value "x" in column 4, which the header does not name`,
		}},
		{"not UTF-8", "name,email,role\nJos\xe9,jose@example.com,agent\n", 0, []string{
			"people.csv:2: name: the value is not valid UTF-8; save the file as UTF-8",
		}},
		{"header not UTF-8", "name,email,role,r\xf4le\n", 0, []string{
			"people.csv:1: column 4: the name is not valid UTF-8; save the file as UTF-8",
		}},
		{"a header with a bare quote", "name,em\"ail,role\nAlice,alice@example.com,agent\n", 0, []string{
			`people.csv:1: a " inside a value that does not start with one; put the whole value in double quotes and double each quote inside it, like "say ""hi"""`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParsePeople("people.csv", strings.NewReader(tt.in))
			checkErrors(t, errs, tt.errs)
			if len(got) != tt.n {
				t.Errorf("got %d people, want %d", len(got), tt.n)
			}
		})
	}
}

// TestQuotedFields checks values holding commas, quotes and line breaks,
// and that errors point at the line where the offending value starts.
func TestQuotedFields(t *testing.T) {
	in := "name,email,role,teams\n" + // 1
		"\"Martin, Alice\",alice@example.com,agent,\n" + // 2
		"\"Bob\n" + // 3
		"the \"\"Builder\"\"\n" + // 4
		"Smith\",bob@example.com,agnet,\n" + // 5: the role is on line 5
		"\"Carol\",\"carol@example.com\",\"admin\",\"a;\n" + // 6
		"Bad Team\"\n" + // 7
		"Dave,dave,agent,\n" // 8
	got, errs := ParsePeople("people.csv", strings.NewReader(in))
	checkErrors(t, errs, []string{
		`people.csv:5: role: unknown role "agnet"; expected requester, agent, manager or admin (did you mean "agent"?)`,
		`people.csv:6: teams: "Bad Team" is not a valid id; expected lower-case words joined by hyphens, like "bad-team"`,
		`people.csv:8: email: "dave" is not an email address`,
	})
	want := []*svcflow.Person{{ID: "alice", Name: "Martin, Alice", Email: "alice@example.com", Role: svcflow.RoleAgent}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %s, want %s", dump(got), dump(want))
	}

	// A name of three lines is kept whole.
	got, errs = ParsePeople("people.csv", strings.NewReader("name,email,role\n\"Bob\nthe \"\"Builder\"\"\nSmith\",bob@example.com,agent\n"))
	if len(errs) != 0 || len(got) != 1 || got[0].Name != "Bob\nthe \"Builder\"\nSmith" {
		t.Errorf("got %s, %v", dump(got), strs(errs))
	}
}

func TestMalformedQuotes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		errs []string
	}{
		{"bare quote in a value; the next rows are read", "name,email,role\nBob \"the builder\",bob@example.com,agent\nAlice,alice@example.com,agent\n", 1, []string{
			`people.csv:2: name: a " inside a value that does not start with one; put the whole value in double quotes and double each quote inside it, like "say ""hi"""`,
		}},
		{"text after a closing quote", "name,email,role\nAlice,\"alice@example.com\"x,agent\nBob,bob@example.com,agent\n", 1, []string{
			`people.csv:2: email: a quoted value is not closed properly; end it with " followed by a comma or the end of the line, and double each quote inside it`,
		}},
		{"text after a closing quote on the last line", "name,email,role\nBob,bob@example.com,agent\nAlice,\"alice@example.com\"x,agent", 1, []string{
			`people.csv:3: email: a quoted value is not closed properly, or never closed and so runs to the end of the file; end it with " followed by a comma or the end of the line, and double each quote inside it`,
		}},
		{"a quote never closed swallows the rest of the file", "name,email,role\nAlice,alice@example.com,agent\nBob,bob@example.com,\"agent\nCarol,carol@example.com,agent\nDave,dave@example.com,agent\n", 1, []string{
			`people.csv:3: role: a quoted value is not closed properly, or never closed and so runs to the end of the file; end it with " followed by a comma or the end of the line, and double each quote inside it`,
		}},
		{"with a byte order mark", "\ufeffname,email,role\nAlice,alice@example.com,agent\nBob,bob@example.com,\"agent\n", 1, []string{
			`people.csv:3: role: a quoted value is not closed properly, or never closed and so runs to the end of the file; end it with " followed by a comma or the end of the line, and double each quote inside it`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParsePeople("people.csv", strings.NewReader(tt.in))
			checkErrors(t, errs, tt.errs)
			if len(got) != tt.n {
				t.Errorf("got %d people, want %d", len(got), tt.n)
			}
		})
	}
}

// failingReader returns data, then an error that is not EOF, forever.
type failingReader struct{ data string }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadFailureStops(t *testing.T) {
	_, errs := ParsePeople("people.csv", &failingReader{"name,email,role\nAlice,alice@example.com,agent\n"})
	checkErrors(t, errs, []string{"people.csv:1: cannot read the file: disk on fire"})
}

func TestParseTeams(t *testing.T) {
	_, policyErr := svcflow.ParseQueuePolicy("fifoo")
	tests := []struct {
		name string
		in   string
		want []*svcflow.Team
		errs []string
	}{
		{
			name: "documentation example",
			in:   docExamples(t)["teams.csv"],
			want: []*svcflow.Team{
				{ID: "service-desk", Name: "Service desk", QueuePolicy: "priority"},
				{ID: "platform", Name: "Platform team", QueuePolicy: "wsjf+aging=2d"},
			},
		},
		{
			name: "no queue policy column",
			in:   "ID,Name\nsd,Service desk\n",
			want: []*svcflow.Team{{ID: "sd", Name: "Service desk"}},
		},
		{
			name: "bad rows",
			in: "id,name,queue_policy\n" +
				"sd,Service desk,\n" +
				"Service Desk,Service desk,fifo\n" +
				",Nameless,\n" +
				"sd,Again,\n" +
				"ops,,fifoo\n",
			want: []*svcflow.Team{{ID: "sd", Name: "Service desk"}},
			errs: []string{
				`teams.csv:3: id: "Service Desk" is not a valid id; expected lower-case words joined by hyphens, like "service-desk"`,
				`teams.csv:4: id: missing id`,
				`teams.csv:5: id: duplicate id "sd"; line 2 has it already`,
				`teams.csv:6: name: missing name`,
				// The message is the domain's, so the import and the API agree.
				`teams.csv:6: queue_policy: ` + message(policyErr),
			},
		},
		{
			name: "missing column",
			in:   "id\nsd\n",
			errs: []string{"teams.csv:1: name: missing column; a teams file needs id, name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseTeams("teams.csv", strings.NewReader(tt.in))
			checkErrors(t, errs, tt.errs)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("teams:\ngot  %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
	if !strings.Contains(message(policyErr), `"fifoo"`) {
		t.Errorf("the queue policy error %q does not name the value", message(policyErr))
	}
}

func TestParseServices(t *testing.T) {
	const header = "id,name,status,owner,catalogue\n"
	email := &svcflow.Service{ID: "email", Name: "Email", Status: svcflow.ServiceLive, Owner: "platform"}
	tests := []struct {
		name string
		in   string
		want []*svcflow.Service
		errs []string
	}{
		{
			name: "documentation example",
			in:   docExamples(t)["services.csv"],
			want: []*svcflow.Service{
				{ID: "email", Name: "Email", Status: svcflow.ServiceLive, Owner: "platform", Catalogue: []svcflow.CatalogueEntry{
					{ID: "new-mailbox", Name: "New shared mailbox", Kind: svcflow.KindServiceRequest, Category: "mailbox"},
					{ID: "outage", Name: "Email is down", Kind: svcflow.KindIncident},
				}},
				{ID: "payroll", Name: "Payroll", Status: svcflow.ServiceLive, Owner: "hr-systems", Catalogue: []svcflow.CatalogueEntry{
					{ID: "payslip-copy", Name: "Copy of a payslip", Kind: svcflow.KindServiceRequest},
				}},
				{ID: "intranet-v2", Name: "New intranet", Status: svcflow.ServicePipeline},
			},
		},
		{
			name: "names with colons and parentheses; status defaults to live",
			in:   "id,name,catalogue\nvpn,VPN,vpn: VPN (EU): access (service_request);\n",
			want: []*svcflow.Service{{ID: "vpn", Name: "VPN", Status: svcflow.ServiceLive, Catalogue: []svcflow.CatalogueEntry{
				{ID: "vpn", Name: "VPN (EU): access", Kind: svcflow.KindServiceRequest},
			}}},
		},
		{
			name: "bad status and owner",
			in:   header + "email,Email,live,platform,\npayroll,Payroll,lve,HR Systems,\n",
			want: []*svcflow.Service{email},
			errs: []string{
				`services.csv:3: status: unknown status "lve"; expected pipeline, live or retired (did you mean "live"?)`,
				`services.csv:3: owner: "HR Systems" is not a valid id; expected lower-case words joined by hyphens, like "hr-systems"`,
			},
		},
		{
			name: "bad catalogue entries",
			in: header + "email,Email,live,platform,\n" +
				`payroll,Payroll,,,"payslip; copy: Copy; x: (service_request); : Nameless (incident); New Laptop: Laptop (service_request); a: A (request); b: B (incident, Hardware Stuff); c: C (query); c: C again (query)"` + "\n",
			want: []*svcflow.Service{email},
			errs: []string{
				`services.csv:3: catalogue: entry "payslip"; expected "entry-id: Entry name (kind)" or "entry-id: Entry name (kind, category)"`,
				`services.csv:3: catalogue: entry "copy: Copy"; expected "entry-id: Entry name (kind)" or "entry-id: Entry name (kind, category)"`,
				`services.csv:3: catalogue: entry "x: (service_request)": missing name; expected "entry-id: Entry name (kind)" or "entry-id: Entry name (kind, category)"`,
				`services.csv:3: catalogue: entry ": Nameless (incident)": missing id; expected "entry-id: Entry name (kind)" or "entry-id: Entry name (kind, category)"`,
				`services.csv:3: catalogue: entry "New Laptop: Laptop (service_request)": "New Laptop" is not a valid id; expected lower-case words joined by hyphens, like "new-laptop"`,
				`services.csv:3: catalogue: entry "a: A (request)": unknown kind "request"; expected query, incident, service_request, change, problem, demand or improvement`,
				`services.csv:3: catalogue: entry "b: B (incident, Hardware Stuff)": category "Hardware Stuff" is not a valid id; expected lower-case words joined by hyphens, like "hardware-stuff"`,
				`services.csv:3: catalogue: entry "c: C again (query)": id "c" is listed twice`,
			},
		},
		{
			name: "misspelt kind",
			in:   "id,name,catalogue\nhr,HR,leave: Leave request (service_requset)\n",
			errs: []string{
				`services.csv:2: catalogue: entry "leave: Leave request (service_requset)": unknown kind "service_requset"; expected query, incident, service_request, change, problem, demand or improvement (did you mean "service_request"?)`,
			},
		},
		{
			name: "duplicate id",
			in:   header + "email,Email,live,platform,\nemail,Mail,,,\n",
			want: []*svcflow.Service{email},
			errs: []string{`services.csv:3: id: duplicate id "email"; line 2 has it already`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseServices("services.csv", strings.NewReader(tt.in))
			checkErrors(t, errs, tt.errs)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("services:\ngot  %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
}

func TestParseCIs(t *testing.T) {
	const header = "id,name,class,services,status,depends_on,runs_on,used_by\n"
	db := &svcflow.CI{ID: "payroll-db", Name: "Payroll database", Class: "database", Status: "live"}
	tests := []struct {
		name string
		in   string
		want []*svcflow.CI
		rels []svcflow.Relationship
		errs []string
	}{
		{
			name: "attributes, relationships to CIs further down, defaults",
			in: "ID,Name,Class,Services,depends_on,runs_on,used_by,Attr.IP_Address,attr.os\n" +
				"payroll-app,Payroll application,application,payroll;hr,payroll-db,vm-17,payroll,,\n" +
				"vm-17,VM 17,virtual_machine,,,,,10.0.4.17,\n" +
				"lb-1,Load balancer,load_balancer,,,,,,\n",
			want: []*svcflow.CI{
				{ID: "payroll-app", Name: "Payroll application", Class: "application", Status: "live", Services: []string{"payroll", "hr"}},
				{ID: "vm-17", Name: "VM 17", Class: "virtual_machine", Status: "live", Attributes: map[string]string{"ip_address": "10.0.4.17"}},
				{ID: "lb-1", Name: "Load balancer", Class: "load_balancer", Status: "live"},
			},
			rels: []svcflow.Relationship{
				{From: "payroll-app", To: "payroll-db", Type: svcflow.DependsOn},
				{From: "payroll-app", To: "vm-17", Type: svcflow.RunsOn},
				{From: "payroll-app", To: "payroll", Type: svcflow.UsedBy},
			},
		},
		{
			name: "bad values",
			in: header + "payroll-db,Payroll database,database,,,,,\n" +
				"Payroll App,,databse,Pay Roll;payroll;payroll,lve,,,\n" +
				"vm-17,VM 17,virtual-machine,,,,,\n" +
				"vm-18,VM 18,,,,,,\n" +
				"payroll-db,Again,database,,,,,\n",
			want: []*svcflow.CI{db},
			errs: []string{
				`cis.csv:3: id: "Payroll App" is not a valid id; expected lower-case words joined by hyphens, like "payroll-app"`,
				`cis.csv:3: name: missing name`,
				`cis.csv:3: class: unknown class "databse"; did you mean "database"? (a class of your own must not be a typo away from a common one)`,
				`cis.csv:3: status: unknown status "lve"; expected planned, live, maintenance or retired (did you mean "live"?)`,
				`cis.csv:3: services: service "Pay Roll" is not a valid id; expected lower-case words joined by hyphens, like "pay-roll"`,
				`cis.csv:3: services: service "payroll" is listed twice`,
				`cis.csv:4: class: class "virtual-machine" is not snake_case; expected lower-case words joined by underscores, like "virtual_machine"`,
				`cis.csv:5: class: missing class; expected one of ` + strings.Join(svcflow.CIClassIDs(), ", ") + `, or a snake_case word of your own`,
				`cis.csv:6: id: duplicate id "payroll-db"; line 2 has it already`,
			},
		},
		{
			name: "bad relationships leave the row and its relationships out",
			in: header + "payroll-db,Payroll database,database,,,,,\n" +
				"app,App,application,,,app;Payroll DB,vm;vm,svc_1\n",
			want: []*svcflow.CI{db},
			errs: []string{
				`cis.csv:3: depends_on: "app" cannot be related to itself`,
				`cis.csv:3: depends_on: "Payroll DB" is not a valid id; expected lower-case words joined by hyphens, like "payroll-db"`,
				`cis.csv:3: runs_on: "vm" is listed twice`,
				`cis.csv:3: used_by: "svc_1" is not a valid id; expected lower-case words joined by hyphens, like "svc-1"`,
			},
		},
		{
			name: "attribute columns",
			in:   "id,name,class,attr.IP Address,attr.,attr.os,attr.OS\nx,X,server,1,2,3,4\n",
			errs: []string{
				`cis.csv:1: attr.IP Address: attribute key "ip address" is not snake_case; expected lower-case words joined by underscores, like attr.ip_address`,
				`cis.csv:1: attr.: attribute key "" is not snake_case; expected lower-case words joined by underscores, like attr.ip_address`,
				`cis.csv:1: attr.os: duplicate column; column 6 has it already`,
			},
		},
		{
			name: "unknown column names attr.KEY",
			in:   "id,name,class,runs_in\nx,X,server,y\n",
			errs: []string{
				`cis.csv:1: runs_in: unknown column; expected id, name, class, services, status, depends_on, runs_on, used_by, attr.KEY (did you mean "runs_on"?)`,
			},
		},
		{
			name: "a multi-line name moves the line of the values after it",
			in:   "id,name,class\nx,\"X\nthe server\",srever\n",
			errs: []string{`cis.csv:3: class: unknown class "srever"; did you mean "server"? (a class of your own must not be a typo away from a common one)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rels, errs := ParseCIs("cis.csv", strings.NewReader(tt.in))
			checkErrors(t, errs, tt.errs)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CIs:\ngot  %s\nwant %s", dump(got), dump(tt.want))
			}
			if !slices.Equal(rels, tt.rels) {
				t.Errorf("relationships:\ngot  %v\nwant %v", rels, tt.rels)
			}
		})
	}
}

// TestCIExampleImpact imports the documentation's example and checks that
// impact analysis reads it as intended: the hypervisor takes the payroll
// service down.
func TestCIExampleImpact(t *testing.T) {
	cis, rels, errs := ParseCIs("cis.csv", strings.NewReader(docExamples(t)["cis.csv"]))
	checkErrors(t, errs, nil)
	if len(cis) != 6 || len(rels) != 6 {
		t.Fatalf("got %d CIs and %d relationships, want 6 and 6", len(cis), len(rels))
	}
	res := svcflow.Impact(cis, rels, []string{"esx-1"})
	var services []string
	for _, s := range res.Services {
		services = append(services, s.ID)
	}
	if !slices.Equal(services, []string{"payroll"}) || len(res.Ignored) != 0 {
		t.Errorf("impact of esx-1: services %v, ignored %v; want [payroll] and none", services, res.Ignored)
	}
	if got := cis[3].Attributes; !reflect.DeepEqual(got, map[string]string{"ip_address": "10.0.4.17", "os": "debian 12"}) {
		t.Errorf("vm-17 attributes: got %v", got)
	}
}

func ExampleParsePeople() {
	in := "name,email,role\n" +
		"Alice Martin,alice.martin@example.com,agent\n" +
		"Bob,x,agnet\n"
	people, errs := ParsePeople("people.csv", strings.NewReader(in))
	for _, p := range people {
		fmt.Println(p.ID, p.Role)
	}
	for _, e := range errs {
		fmt.Println(e)
	}
	// Output:
	// alice-martin agent
	// people.csv:3: email: "x" is not an email address
	// people.csv:3: role: unknown role "agnet"; expected requester, agent, manager or admin (did you mean "agent"?)
}
