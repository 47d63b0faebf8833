package scale_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/scale"
	"github.com/svcflow/svcflow/internal/sqlite"
)

var end = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func generate(t *testing.T, seed uint64) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	_, err = scale.Generate(context.Background(), s, scale.Options{Items: 300, Seed: seed, End: end, Span: 90 * 24 * time.Hour, People: 100, Batch: 70})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// history is everything generated: the event log, the items' free text
// and their comments.
func history(t *testing.T, s desk.Store) ([]svcflow.Event, []desk.Content, []desk.Comment) {
	t.Helper()
	ctx := context.Background()
	events, err := s.Events(ctx, 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	var contents []desk.Content
	var comments []desk.Comment
	items, err := s.ListItems(ctx, desk.ItemFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range items {
		c, err := s.ItemContent(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := s.Comments(ctx, w.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		contents, comments = append(contents, c), append(comments, cs...)
	}
	return events, contents, comments
}

func TestGenerateIsDeterministic(t *testing.T) {
	e1, c1, m1 := history(t, generate(t, 7))
	e2, c2, m2 := history(t, generate(t, 7))
	if len(e1) < 300*10 || !reflect.DeepEqual(e1, e2) || !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(m1, m2) {
		t.Errorf("the same seed wrote different histories: %d and %d events", len(e1), len(e2))
	}
	e3, _, _ := history(t, generate(t, 8))
	if reflect.DeepEqual(e1, e3) {
		t.Error("another seed wrote the same history")
	}
}

// TestCheckFindsTampering: a stored state that is not the replay of its
// events is reported.
func TestCheckFindsTampering(t *testing.T) {
	s := generate(t, 9)
	ctx := context.Background()
	res, err := scale.Check(ctx, s, scale.CheckOptions{Sample: 1})
	if err != nil || res.Checked < 300 || len(res.Mismatches) > 0 {
		t.Fatalf("check of an untouched store: %+v, %v", res, err)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE items SET state = json_set(state, '$.priority', 'P1') WHERE num = 1100`); err != nil {
		t.Fatal(err)
	}
	res, err = scale.Check(ctx, s, scale.CheckOptions{Sample: 1})
	if err != nil || len(res.Mismatches) != 1 {
		t.Errorf("check after changing one state: %+v, %v", res, err)
	}
}

func TestQuery(t *testing.T) {
	s := generate(t, 10)
	stats, err := scale.Query(context.Background(), s, scale.QueryOptions{Runs: 30, Now: end})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{scale.QueryTeamQueueFirst, scale.QueryTeamQueue, scale.QueryRequester, scale.QueryService}
	if len(stats) != len(names) {
		t.Fatalf("%d queries timed, want %d", len(stats), len(names))
	}
	for i, q := range stats {
		runs := 30
		if i == 0 {
			runs = 20 // one first view per team
		}
		if q.Name != names[i] || q.Runs != runs || q.P50 <= 0 || q.P50 > q.P99 || q.P99 > q.Max {
			t.Errorf("%+v", q)
		}
	}
	if stats[0].Rows == 0 || stats[1].Rows == 0 {
		t.Error("the team queues were empty in every run")
	}
}
