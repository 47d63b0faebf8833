package csvimport

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

// seeds are files that reach every branch of the readers: good ones, bad
// values, bad quotes, byte order marks, odd headers.
func seeds(f *testing.F, header string, rows ...string) {
	f.Add([]byte(""))
	f.Add([]byte("\ufeff"))
	f.Add([]byte(header))
	f.Add([]byte("\ufeff" + strings.ToUpper(header) + strings.Join(rows, "")))
	f.Add([]byte(header + strings.Join(rows, "")))
	f.Add([]byte(header + ",,,\n  \n" + strings.Join(rows, "\r\n")))
	f.Add([]byte(header + "\"unclosed," + strings.Join(rows, "")))
	f.Add([]byte(header + "a\"b,c\n\"x\"y,z\n"))
	f.Add([]byte("x,y,\n1,2,3\n"))
	f.Add([]byte(strings.TrimSuffix(header, "\n") + ",unknown,,\n"))
}

func FuzzParsePeople(f *testing.F) {
	seeds(f, "id,name,email,role,teams,organisation,approves\n",
		aliceRow,
		",\"Nguyen,\nBao\",bao.nguyen@example.com,requester,,acme,\n",
		"Bob,,bob@,root,A;a;a,Acme,\n",
		",x,__@example.com,agent,,,\n",
		",Al,alice@example.org,agent,,,\n",
		"alice,Alice,ALICE@example.com,admin,,,\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		people, errs := ParsePeople("f.csv", bytes.NewReader(data))
		checkFuzzErrors(t, errs)
		ids, emails := map[string]bool{}, map[string]bool{}
		for _, p := range people {
			addr, err := mail.ParseAddress(p.Email)
			switch {
			case !svcflow.IsKebab(p.ID):
				t.Errorf("accepted id %q", p.ID)
			case strings.TrimSpace(p.Name) == "":
				t.Errorf("accepted an empty name for %s", p.ID)
			case err != nil || addr.Address != p.Email:
				t.Errorf("accepted email %q", p.Email)
			case !p.Role.IsValid():
				t.Errorf("accepted role %q", p.Role)
			case p.Organisation != "" && !svcflow.IsKebab(p.Organisation):
				t.Errorf("accepted organisation %q", p.Organisation)
			case ids[p.ID] || emails[strings.ToLower(p.Email)]:
				t.Errorf("accepted %s <%s> twice", p.ID, p.Email)
			}
			for _, id := range append(append([]string(nil), p.Teams...), p.Approves...) {
				if !svcflow.IsKebab(id) {
					t.Errorf("accepted list item %q", id)
				}
			}
			ids[p.ID], emails[strings.ToLower(p.Email)] = true, true
		}
	})
}

func FuzzParseCIs(f *testing.F) {
	seeds(f, "id,name,class,services,status,depends_on,runs_on,used_by,attr.ip_address\n",
		"payroll-app,Payroll application,application,payroll,live,payroll-db,vm-17,payroll,\n",
		"vm-17,\"VM\n17\",virtual_machine,,,,esx-1,,10.0.0.17\n",
		"Bad Id,,databse,A;a;a,lve,x;x,Bad Id,svc_1,\n",
		"vm-17,dup,server,,,,,,\n")
	f.Add([]byte("id,name,class,attr.OS,attr.os,attr.\nx,X,server,a,b,c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cis, rels, errs := ParseCIs("f.csv", bytes.NewReader(data))
		checkFuzzErrors(t, errs)
		ids := map[string]bool{}
		for _, c := range cis {
			if err := svcflow.ValidateCI(c); err != nil {
				t.Errorf("accepted CI %+v: %v", *c, err)
			}
			if ids[c.ID] {
				t.Errorf("accepted %s twice", c.ID)
			}
			ids[c.ID] = true
		}
		for _, r := range rels {
			if err := svcflow.ValidateRelationship(r); err != nil {
				t.Errorf("accepted relationship %v: %v", r, err)
			}
			if !ids[r.From] {
				t.Errorf("relationship %v starts at a CI that was not accepted", r)
			}
		}
		// Impact must take whatever an import gives it.
		if len(cis) > 0 {
			svcflow.Impact(cis, rels, []string{cis[0].ID})
		}
	})
}

func checkFuzzErrors(t *testing.T, errs []Error) {
	t.Helper()
	for i, e := range errs {
		if e.File != "f.csv" || e.Line < 1 || strings.TrimSpace(e.Message) == "" {
			t.Errorf("error %+v: want the file name, a line of at least 1 and a message", e)
		}
		if i > 0 && e.Line < errs[i-1].Line {
			t.Errorf("errors out of line order: %v before %v", errs[i-1], e)
		}
	}
}
