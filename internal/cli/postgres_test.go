package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/postgres"
	"github.com/svcflow/svcflow/internal/sqlite"
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

// TestMigrateStore copies a demo store with an attachment into PostgreSQL:
// every item, event and file arrives, the checksums agree, the copy serves
// the same data, and a second copy into the same schema is refused.
func TestMigrateStore(t *testing.T) {
	url, schema := testDB(t)
	ctx := context.Background()
	data := t.TempDir()
	seedSmall(t, data)
	src, err := sqlite.Open(ctx, data, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(desk.Options{Store: src})
	agent, _ := src.Person(ctx, "alice")
	items, _ := src.ListItems(ctx, desk.ItemFilter{Limit: 10})
	att, err := d.Attach(ctx, agent, items[0].ID, "log.txt", "text/plain", strings.NewReader("error at 03:14"))
	if err != nil {
		t.Fatal(err)
	}
	title, fix := "Mailbox over quota", "Archive last year's mail"
	kb, err := d.ArticleFromItem(ctx, agent, resolvedItem(t, src), desk.ArticlePatch{Title: &title, Resolution: &fix})
	if err != nil {
		t.Fatal(err)
	}
	srcEvents, _ := src.Events(ctx, 0, 1<<20)
	src.Close()

	code, out, errOut := run(t, "migrate-store", "--from", data, "--to", url, "--to-schema", schema)
	if code != 0 || !strings.Contains(out, "checksum") {
		t.Fatalf("migrate-store: exit %d %s %s", code, out, errOut)
	}
	dst, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	dstEvents, _ := dst.Events(ctx, 0, 1<<20)
	if !reflect.DeepEqual(srcEvents, dstEvents) {
		t.Errorf("events differ after the copy: %d and %d", len(srcEvents), len(dstEvents))
	}
	dd := desk.New(desk.Options{Store: dst})
	_, rc, err := dd.OpenAttachment(ctx, agent, att.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "error at 03:14" {
		t.Errorf("attachment after the copy: %q", b)
	}
	if found, _ := dst.ListItems(ctx, desk.ItemFilter{Text: "mail"}); len(found) != 1 {
		t.Errorf("search after the copy finds %d items", len(found))
	}
	if found, _ := dst.SearchArticles(ctx, desk.ArticleFilter{Text: "quota", Limit: 5}); len(found) != 1 || found[0].ID != kb.ID {
		t.Errorf("article search after the copy finds %v", found)
	}
	if revs, _ := dst.ArticleRevisions(ctx, kb.ID); len(revs) != 1 {
		t.Errorf("article revisions after the copy: %v", revs)
	}
	// New events continue the sequence.
	if _, err := dd.Act(ctx, agent, items[0].ID, 0, svcflow.AddComment{ID: "c-x"}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "migrate-store", "--from", data, "--to", url, "--to-schema", schema); code != ExitFailure || !strings.Contains(errOut, "already holds") {
		t.Errorf("second copy: exit %d %s", code, errOut)
	}
}

// resolvedItem returns a resolved work item of the store.
func resolvedItem(t *testing.T, s desk.Store) string {
	t.Helper()
	items, err := s.ListItems(context.Background(), desk.ItemFilter{Statuses: []svcflow.Status{svcflow.StatusResolved, svcflow.StatusClosed}, Limit: 1})
	if err != nil || len(items) == 0 {
		t.Fatalf("no resolved item: %v", err)
	}
	return items[0].ID
}
