package postgres_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/postgres"
	"github.com/svcflow/svcflow/internal/storetest"
)

// testDB returns the URL of the test database (SPEC §7: SVCFLOW_TEST_DB),
// skipping the test when it is not set, unless SVCFLOW_REQUIRE_ALL=1 says
// every test must run.
func testDB(t *testing.T) string {
	t.Helper()
	url := os.Getenv("SVCFLOW_TEST_DB")
	if url == "" {
		if os.Getenv("SVCFLOW_REQUIRE_ALL") == "1" {
			t.Fatal("SVCFLOW_TEST_DB is not set: PostgreSQL tests cannot run")
		}
		t.Skip("SVCFLOW_TEST_DB is not set: skipping the PostgreSQL tests (e.g. SVCFLOW_TEST_DB='postgres://svc:svc@127.0.0.1:5432/svcflow_test?sslmode=disable')")
	}
	return url
}

// freshSchema names a new schema for one test and drops it at cleanup, so
// tests share the database without seeing each other's tables.
func freshSchema(t *testing.T, url string) string {
	t.Helper()
	schema := "svcflow_test_" + strings.ToLower(rand.Text())
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

func open(t *testing.T) *postgres.Store {
	t.Helper()
	url := testDB(t)
	s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: freshSchema(t, url)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	testDB(t)
	storetest.Run(t, func(t *testing.T) desk.Store { return open(t) })
}

// TestEventLogIsAppendOnly: the schema itself refuses to change history.
func TestEventLogIsAppendOnly(t *testing.T) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	db := s.Pool()
	if _, err := db.Exec(ctx, `INSERT INTO events (subject, version, time_ns, actor, type) VALUES ('x', 1, 0, 'a', 'created')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE events SET actor = 'b'`, `DELETE FROM events`, `TRUNCATE events`} {
		if _, err := db.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only refusal", q, err)
		}
	}
	if _, err := db.Exec(ctx, `INSERT INTO events (subject, version, time_ns, actor, type) VALUES ('x', 1, 0, 'a', 'created')`); err == nil {
		t.Error("a second event with the same (subject, version) was accepted")
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM events WHERE subject = 'x'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("events of x: %d, %v", n, err)
	}
}

// TestReopenKeepsDataAndMigrations: opening a migrated schema again, also
// from several instances at once, applies nothing twice and keeps the data.
func TestReopenKeepsDataAndMigrations(t *testing.T) {
	url := testDB(t)
	schema := freshSchema(t, url)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.NextNumber(ctx, "item")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Instances starting together: the migration lock lets one check at a
	// time, and none fails on objects another created.
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(ctx, url, postgres.Options{Schema: schema}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	s = stores[0]
	v2, _ := s.SchemaVersion(ctx)
	m, _ := s.NextNumber(ctx, "item")
	if v1 < 3 || v2 != v1 || n != 1001 || m != n+1 {
		t.Errorf("schema %d → %d, numbers %d → %d", v1, v2, n, m)
	}
	// One row per migration file.
	files, _ := filepath.Glob("migrations/*.sql")
	var rows int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(files) {
		t.Errorf("schema_migrations holds %d rows for %d migrations: %v", rows, len(files), err)
	}
	var syncCommit string
	if err := s.Pool().QueryRow(ctx, `SHOW synchronous_commit`).Scan(&syncCommit); err != nil || syncCommit != "on" {
		t.Errorf("synchronous_commit = %q, %v", syncCommit, err)
	}
}

// TestFreshSchemaConcurrentOpen: a brand-new schema starts at the first
// migration, concurrently from several instances.
func TestFreshSchemaConcurrentOpen(t *testing.T) {
	url := testDB(t)
	schema := freshSchema(t, url)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
}

// TestSearchSyntaxIsInert: whatever the user types, the search neither
// fails nor reads it as tsquery syntax.
func TestSearchSyntaxIsInert(t *testing.T) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	for _, text := range []string{`'`, `\`, `a & | b`, `!x`, `foo:*`, `(a <-> b)`, `" ( )`, `O'Brien's`, "nul\x00byte", `%_`} {
		if _, err := s.ListItems(ctx, desk.ItemFilter{Text: text}); err != nil {
			t.Errorf("search %q: %v", text, err)
		}
	}
}
