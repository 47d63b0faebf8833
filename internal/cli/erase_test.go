package cli

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// visitTimes measures every visit of every work item in a store.
func visitTimes(t *testing.T, s *sqlite.Store) (int, map[string][]svcflow.VisitTimes) {
	t.Helper()
	ctx := context.Background()
	evs, err := s.Events(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	byItem := map[string][]svcflow.Event{}
	n := 0
	for _, e := range evs {
		if e.Item != desk.ConfigSubject {
			byItem[e.Item] = append(byItem[e.Item], e)
			n++
		}
	}
	out := map[string][]svcflow.VisitTimes{}
	for id, es := range byItem {
		out[id] = svcflow.Visits(es, time.Time{})
	}
	return n, out
}

// TestErasePerson: after `svcflow erase person ID` no table holds the
// person's name or email, while the work item events and every visit's
// times are exactly as before.
func TestErasePerson(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := seededStore(t, dir, demo.Options{Days: 5, Seed: 3, End: time.Date(2026, 3, 25, 15, 0, 0, 0, time.UTC)})
	// The requester with the most items, so the erasure touches a lot.
	people, _ := s.People(ctx)
	var victim *svcflow.Person
	best := 0
	for _, p := range people {
		items, _ := s.ListItems(ctx, desk.ItemFilter{Person: p.ID, Limit: 200})
		if p.Role == svcflow.RoleRequester && len(items) > best {
			victim, best = p, len(items)
		}
	}
	if victim == nil || best == 0 {
		t.Fatal("no requester with items in the demo")
	}
	// A comment that mentions the person by name, by them.
	items, _ := s.ListItems(ctx, desk.ItemFilter{Person: victim.ID, Limit: 1})
	if _, _, err := desk.New(desk.Options{Store: s}).PostComment(ctx, victim, items[0].ID, 0, "Regards, "+victim.Name+" <"+victim.Email+">", true); err != nil {
		t.Fatal(err)
	}
	nBefore, before := visitTimes(t, s)
	s.Close()

	code, out, errOut := run(t, "erase", "person", victim.ID, "--data", dir)
	if code != 0 {
		t.Fatalf("erase: %s %s", out, errOut)
	}

	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nAfter, after := visitTimes(t, s)
	if nAfter != nBefore {
		t.Errorf("work item events: %d before, %d after", nBefore, nAfter)
	}
	if !reflect.DeepEqual(before, after) {
		t.Error("visit times changed")
	}
	// Scan every table's text for the name and email.
	rows, err := s.DB().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'item_search_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, table := range tables {
		r, err := s.DB().QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			r.Scan(ptrs...)
			for i, v := range vals {
				var text string
				switch x := v.(type) {
				case string:
					text = x
				case []byte:
					text = string(x)
				}
				if strings.Contains(text, victim.Name) || strings.Contains(strings.ToLower(text), strings.ToLower(victim.Email)) {
					t.Errorf("table %s column %s still holds the person's name or email: %.120s", table, cols[i], text)
				}
			}
		}
		r.Close()
	}
	// The raw database file may keep old pages until they are reused; the
	// tables are what the store serves. Check the erased event is there.
	evs, _ := s.Events(ctx, 0, 1<<30)
	last := evs[len(evs)-1]
	if last.Type != desk.EventPersonErased || last.Data.Person != victim.ID {
		t.Errorf("last event %+v, want the erasure", last)
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatal(err)
	}
}
