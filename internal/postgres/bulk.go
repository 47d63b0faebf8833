package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

var _ desk.BulkLoader = (*Store)(nil)

// visitStateCond is the condition on the visit state column for a list,
// with the states as literals: they come from a closed set, and only a
// literal lets a generic plan use the partial index of queued visits.
func visitStateCond(states []svcflow.VisitState) (string, error) {
	lits := make([]string, len(states))
	for i, v := range states {
		switch v {
		case svcflow.Queued, svcflow.Active, svcflow.Blocked:
			lits[i] = "'" + string(v) + "'"
		default:
			return "", fmt.Errorf("list items: unknown visit state %q", v)
		}
	}
	if len(lits) == 1 {
		return "i.visit_state = " + lits[0], nil
	}
	return "i.visit_state IN (" + strings.Join(lits, ", ") + ")", nil
}

// EventsOfItems loads the events of several items in one query.
func (s *Store) EventsOfItems(ctx context.Context, ids []string) (map[string][]svcflow.Event, error) {
	out := map[string][]svcflow.Event{}
	if len(ids) == 0 {
		return out, nil
	}
	evs, err := s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE subject = ANY($1) ORDER BY subject, version`, ids)
	if err != nil {
		return nil, fmt.Errorf("events of %d items: %w", len(ids), err)
	}
	for _, e := range evs {
		out[e.Item] = append(out[e.Item], e)
	}
	return out, nil
}

// BulkLoad writes new items with their whole history in one transaction,
// each table with one COPY. The events come last, under the events lock,
// with a block of sequence numbers reserved at once: seq order stays
// commit order for consumers of the log.
func (s *Store) BulkLoad(ctx context.Context, items []desk.BulkItem) error {
	if len(items) == 0 {
		return nil
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var itemRows, contentRows, searchRows, watcherRows, ciRows, commentRows [][]any
		var events []*svcflow.Event
		var maxItem, maxComment int64
		for i := range items {
			b := &items[i]
			w := b.Item
			if len(b.Events) != w.Version {
				return fmt.Errorf("item %s: %d events for version %d", w.ID, len(b.Events), w.Version)
			}
			state, err := json.Marshal(w)
			if err != nil {
				return fmt.Errorf("item %s: %w", w.ID, err)
			}
			team, assignee, step, vstate := "", "", "", ""
			if v := w.Visit; v != nil {
				team, assignee, step, vstate = v.Team, v.Person, v.Step, string(v.State)
			}
			num := itemNumber(w.ID)
			maxItem = max(maxItem, num)
			itemRows = append(itemRows, []any{w.ID, num, string(w.Kind), w.Stream, int64(w.StreamRevision), string(w.Status),
				string(w.Priority), w.Category, w.Service, w.Organisation, w.RequestedBy, w.RequestedFor, team, assignee, step, vstate,
				w.Created.UnixNano(), w.Updated.UnixNano(), int64(w.Version), string(state)})
			form, err := json.Marshal(b.Content.Form)
			if err != nil {
				return fmt.Errorf("item %s: %w", w.ID, err)
			}
			contentRows = append(contentRows, []any{w.ID, b.Content.Title, b.Content.Description, string(form)})
			// Public comments as Append leaves them: each after a space.
			var public strings.Builder
			for _, c := range b.Comments {
				if c.Public {
					public.WriteString(" " + c.Body)
				}
			}
			searchRows = append(searchRows, []any{w.ID, b.Content.Title, b.Content.Description, public.String()})
			seen := map[string]bool{}
			for _, p := range w.Watchers {
				if !seen[p] {
					seen[p] = true
					watcherRows = append(watcherRows, []any{w.ID, p})
				}
			}
			clear(seen)
			for _, l := range w.Links {
				if l.Type == svcflow.LinkCI && !seen[l.Other] {
					seen[l.Other] = true
					ciRows = append(ciRows, []any{w.ID, l.Other})
				}
			}
			for _, c := range b.Comments {
				maxComment = max(maxComment, itemNumber(c.ID))
				commentRows = append(commentRows, []any{c.ID, c.Item, c.Author, c.Public, c.Body, c.Created.UnixNano()})
			}
			for j := range b.Events {
				events = append(events, &b.Events[j])
			}
		}
		copies := []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"items", []string{"id", "num", "kind", "stream", "stream_revision", "status", "priority", "category", "service", "organisation",
				"requested_by", "requested_for", "team", "assignee", "step", "visit_state", "created_ns", "updated_ns", "version", "state"}, itemRows},
			{"item_content", []string{"item", "title", "description", "form"}, contentRows},
			{"item_search", []string{"item", "title", "description", "comments"}, searchRows},
			{"item_watchers", []string{"item", "person"}, watcherRows},
			{"item_cis", []string{"item", "ci"}, ciRows},
			{"comments", []string{"id", "item", "author", "public", "body", "created_ns"}, commentRows},
		}
		for _, c := range copies {
			if len(c.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		for _, c := range []struct {
			name string
			n    int64
		}{{"item", maxItem}, {"comment", maxComment}} {
			if c.n == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)
				ON CONFLICT (name) DO UPDATE SET value = greatest(counters.value, excluded.value)`, c.name, c.n); err != nil {
				return fmt.Errorf("move the %s counter: %w", c.name, err)
			}
		}
		if len(events) == 0 {
			return nil
		}
		if err := lockEvents(ctx, tx); err != nil {
			return err
		}
		// Under the events lock no one else takes sequence numbers, so
		// the block from first is contiguous.
		var first int64
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('events', 'seq'))`).Scan(&first); err != nil {
			return fmt.Errorf("reserve event numbers: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('events', 'seq'), $1)`, first+int64(len(events))-1); err != nil {
			return fmt.Errorf("reserve event numbers: %w", err)
		}
		var encErr error
		src := pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
			e := events[i]
			data, err := json.Marshal(e.Data)
			if err != nil {
				encErr = err
				return nil, err
			}
			return []any{first + int64(i), e.Item, int64(e.Version), e.Time.UnixNano(), e.Actor, string(e.Type), e.Step,
				string(e.Activity), e.Before, e.After, string(data)}, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"},
			[]string{"seq", "subject", "version", "time_ns", "actor", "type", "step", "activity", "before", "after", "data"}, src); err != nil {
			if encErr != nil {
				err = encErr
			}
			return fmt.Errorf("copy events: %w", err)
		}
		for i, e := range events {
			e.Seq = first + int64(i)
		}
		return nil
	})
	if isUniqueViolation(err) {
		return fmt.Errorf("bulk load of %d items: %w", len(items), desk.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("bulk load of %d items: %w", len(items), err)
	}
	return nil
}

// BulkDone refreshes the planner statistics of the tables lists read.
func (s *Store) BulkDone(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `ANALYZE items, item_watchers, item_search, comments, events`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
