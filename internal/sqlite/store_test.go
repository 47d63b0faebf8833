package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
	"github.com/svcflow/svcflow/internal/storetest"
)

func open(t *testing.T) desk.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

// TestEventLogIsAppendOnly: the schema itself refuses to change history.
func TestEventLogIsAppendOnly(t *testing.T) {
	s := open(t).(*sqlite.Store)
	defer s.Close()
	ctx := context.Background()
	db := s.DB()
	if _, err := db.ExecContext(ctx, `INSERT INTO events (subject, version, time_ns, actor, type) VALUES ('x', 1, 0, 'a', 'created')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE events SET actor = 'b'`, `DELETE FROM events`} {
		if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only refusal", q, err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO events (subject, version, time_ns, actor, type) VALUES ('x', 1, 0, 'a', 'created')`); err == nil {
		t.Error("a second event with the same (subject, version) was accepted")
	}
}

func TestReopenKeepsDataAndMigrations(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := s.SchemaVersion(ctx)
	n, _ := s.NextNumber(ctx, "item")
	s.Close()
	s, err = sqlite.Open(ctx, dir, sqlite.Options{SyncFull: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v2, _ := s.SchemaVersion(ctx)
	m, _ := s.NextNumber(ctx, "item")
	if v1 < 1 || v2 != v1 || m != n+1 {
		t.Errorf("schema %d → %d, numbers %d → %d", v1, v2, n, m)
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Errorf("integrity: %q %v", res, err)
	}
}

// TestAppendAfterClose: a late append (a request racing a shutdown) gets an
// error, not a panic.
func TestAppendAfterClose(t *testing.T) {
	s := open(t)
	s.Close()
	if err := s.Append(context.Background(), &desk.Change{}); err == nil {
		t.Error("append on a closed store succeeded")
	}
}
