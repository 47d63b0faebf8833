package cli

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// TestBackupRestore: a backup of a store restores to the same items and
// events, and restore refuses to overwrite a store.
func TestBackupRestore(t *testing.T) {
	data := t.TempDir()
	seedSmall(t, data)
	backup := filepath.Join(t.TempDir(), "b1")
	if code, out, errOut := run(t, "backup", backup, "--data", data); code != 0 || !strings.Contains(out, "database checked") {
		t.Fatalf("backup: %s %s", out, errOut)
	}
	restored := filepath.Join(t.TempDir(), "r1")
	if code, _, errOut := run(t, "restore", backup, "--data", restored); code != 0 {
		t.Fatalf("restore: %s", errOut)
	}
	if code, _, errOut := run(t, "restore", backup, "--data", restored); code != ExitFailure || !strings.Contains(errOut, "already holds a store") {
		t.Errorf("restore over a store: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "backup", backup, "--data", data); code != ExitFailure || !strings.Contains(errOut, "not empty") {
		t.Errorf("backup into a used directory: %d %s", code, errOut)
	}
	ctx := context.Background()
	events := func(dir string) []string {
		s, err := sqlite.Open(ctx, dir, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		evs, _ := s.Events(ctx, 0, 1<<20)
		items, _ := s.ListItems(ctx, desk.ItemFilter{Limit: 1000})
		var out []string
		for _, e := range evs {
			out = append(out, e.Item+"/"+string(e.Type))
		}
		for _, w := range items {
			out = append(out, w.ID+"@"+string(w.Status))
		}
		return out
	}
	if a, b := events(data), events(restored); !reflect.DeepEqual(a, b) || len(a) == 0 {
		t.Errorf("restored store differs: %d vs %d entries", len(a), len(b))
	}
}
