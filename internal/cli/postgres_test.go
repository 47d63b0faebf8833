package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/postgres"
)

// testDB returns the PostgreSQL URL of the test database and a fresh schema
// name, dropped after the test.
func testDB(t *testing.T) (string, string) {
	t.Helper()
	url := os.Getenv("SVCFLOW_TEST_DB")
	if url == "" {
		if os.Getenv("SVCFLOW_REQUIRE_ALL") == "1" {
			t.Fatal("SVCFLOW_TEST_DB is not set: PostgreSQL tests cannot run")
		}
		t.Skip("SVCFLOW_TEST_DB is not set; set it to a PostgreSQL URL to run this test")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "svcflow_cli_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		s, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err == nil {
			s.Pool().Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			s.Close()
		}
	})
	return url, schema
}

// TestCommandsOnPostgres: the same commands work with --db instead of
// --data: import all or nothing, then a token for an imported person.
func TestCommandsOnPostgres(t *testing.T) {
	url, schema := testDB(t)
	files := t.TempDir()
	bad := writeFile(t, files, "people.csv", "name,email,role\nAnn,ann@example.org,agent\nBob,bob@example.org,superhero\n")
	code, _, errOut := run(t, "import", "people", bad, "--db", url, "--db-schema", schema)
	if code != ExitFailure || !strings.Contains(errOut, "people.csv:3: role:") {
		t.Fatalf("bad file: exit %d %s", code, errOut)
	}
	good := writeFile(t, files, "good.csv", "name,email,role\nAnn,ann@example.org,agent\n")
	if code, _, errOut := run(t, "import", "people", good, "--db", url, "--db-schema", schema); code != 0 {
		t.Fatalf("good file: %s", errOut)
	}
	if code, out, errOut := run(t, "token", "create", "--person", "ann", "--db", url, "--db-schema", schema); code != 0 || !strings.HasPrefix(out, "svcf_") {
		t.Fatalf("token on PostgreSQL: %s %s", out, errOut)
	}
}
