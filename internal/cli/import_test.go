package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/sqlite"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func countPeople(t *testing.T, dir string) int {
	t.Helper()
	s, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	people, err := s.People(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(people)
}

// TestImportAllOrNothing: a file with one bad row changes nothing and names
// the file, line and column; a good file imports every row.
func TestImportAllOrNothing(t *testing.T) {
	data, files := t.TempDir(), t.TempDir()
	bad := writeFile(t, files, "people.csv", "name,email,role\nAnn Agent,ann@example.org,agent\nBob Bad,not-an-email,requester\nCid,cid@example.org,requester\n")
	code, _, errOut := run(t, "import", "people", bad, "--data", data)
	if code != ExitFailure || !strings.Contains(errOut, "people.csv:3: email:") {
		t.Fatalf("bad file: exit %d, %s", code, errOut)
	}
	if n := countPeople(t, data); n != 0 {
		t.Errorf("a failed import wrote %d people", n)
	}
	good := writeFile(t, files, "good.csv", "name,email,role,teams\nAnn Agent,ann@example.org,agent,service-desk;network\nCid,cid@example.org,requester,\n")
	if code, out, errOut := run(t, "import", "people", good, "--data", data); code != 0 || !strings.Contains(out, "imported 2 people") {
		t.Fatalf("good file: exit %d %s %s", code, out, errOut)
	}
	if n := countPeople(t, data); n != 2 {
		t.Errorf("%d people after the import, want 2", n)
	}
	// An email taken by someone else in the store is refused, naming both.
	clash := writeFile(t, files, "clash.csv", "id,name,email,role\nann2,Another Ann,ANN@example.org,agent\n")
	if code, _, errOut := run(t, "import", "people", clash, "--data", data); code != ExitFailure || !strings.Contains(errOut, "already used by ann") {
		t.Errorf("clash: exit %d %s", code, errOut)
	}
	cis := writeFile(t, files, "cis.csv", "id,name,class,depends_on,used_by\nmail-db,Mail database,database,,\nmail-app,Mail application,application,mail-db,\n")
	if code, _, errOut := run(t, "import", "cis", cis, "--data", data); code != 0 {
		t.Errorf("cis: %s", errOut)
	}
	if code, _, _ := run(t, "import", "robots", cis, "--data", data); code != ExitUsage {
		t.Errorf("unknown kind: exit %d", code)
	}
}
