package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

var _ desk.BulkLoader = (*Store)(nil)

// visitStateCond is the condition on the visit state column for a list,
// with the states as literals: they come from a closed set, and SQLite
// uses a partial index only when the query names its condition's values.
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
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("events of %d items: %w", len(ids), err)
	}
	// One parameter whatever the number of items: SQLite bounds the
	// parameters of a statement.
	evs, err := s.queryEvents(ctx, `SELECT seq, subject, version, time_ns, actor, type, step, activity, before, after, data
		FROM events WHERE subject IN (SELECT value FROM json_each(?)) ORDER BY subject, version`, string(list))
	if err != nil {
		return nil, fmt.Errorf("events of %d items: %w", len(ids), err)
	}
	for _, e := range evs {
		out[e.Item] = append(out[e.Item], e)
	}
	return out, nil
}

// BulkLoad writes new items with their whole history in one transaction,
// through statements prepared once for the batch.
func (s *Store) BulkLoad(ctx context.Context, items []desk.BulkItem) error {
	if len(items) == 0 {
		return nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stmts := map[string]*sql.Stmt{}
		exec := func(q string, args ...any) error {
			st := stmts[q]
			if st == nil {
				var err error
				if st, err = tx.PrepareContext(ctx, q); err != nil {
					return err
				}
				stmts[q] = st
			}
			_, err := st.ExecContext(ctx, args...)
			return err
		}
		defer func() {
			for _, st := range stmts {
				st.Close()
			}
		}()
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
			return fmt.Errorf("last event: %w", err)
		}
		var maxItem, maxComment int64
		for i := range items {
			b := &items[i]
			if err := s.bulkItem(ctx, exec, b, &seq); err != nil {
				return err
			}
			maxItem = max(maxItem, itemNumber(b.Item.ID))
			for _, c := range b.Comments {
				maxComment = max(maxComment, itemNumber(c.ID))
			}
		}
		for _, c := range []struct {
			name string
			n    int64
		}{{"item", maxItem}, {"comment", maxComment}} {
			if c.n == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)
				ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`, c.name, c.n); err != nil {
				return fmt.Errorf("move the %s counter: %w", c.name, err)
			}
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

// bulkItem writes one item's rows as appendChange would, and its events
// with the sequence numbers after *seq.
func (s *Store) bulkItem(ctx context.Context, exec func(string, ...any) error, b *desk.BulkItem, seq *int64) error {
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
	if err := exec(sqlInsertItem, w.ID, itemNumber(w.ID), w.Kind, w.Stream, w.StreamRevision, w.Status, w.Priority, w.Category,
		w.Service, w.Organisation, w.RequestedBy, w.RequestedFor, team, assignee, step, vstate,
		w.Created.UnixNano(), w.Updated.UnixNano(), w.Version, state); err != nil {
		return fmt.Errorf("insert item %s: %w", w.ID, err)
	}
	form, err := json.Marshal(b.Content.Form)
	if err != nil {
		return fmt.Errorf("item %s: %w", w.ID, err)
	}
	if err := exec(sqlInsertContent, w.ID, b.Content.Title, b.Content.Description, form); err != nil {
		return fmt.Errorf("insert content of %s: %w", w.ID, err)
	}
	// The search row holds public comments as Append leaves it: each
	// appended after a space.
	var public strings.Builder
	for _, c := range b.Comments {
		if c.Public {
			public.WriteString(" " + c.Body)
		}
	}
	if err := exec(`INSERT INTO item_search (item, title, description, comments) VALUES (?, ?, ?, ?)`,
		w.ID, b.Content.Title, b.Content.Description, public.String()); err != nil {
		return fmt.Errorf("index %s: %w", w.ID, err)
	}
	for _, l := range w.Links {
		if l.Type == svcflow.LinkCI {
			if err := exec(`INSERT OR IGNORE INTO item_cis (item, ci) VALUES (?, ?)`, w.ID, l.Other); err != nil {
				return fmt.Errorf("CIs of %s: %w", w.ID, err)
			}
		}
	}
	for _, p := range w.Watchers {
		if err := exec(sqlInsertWatcher, w.ID, p); err != nil {
			return fmt.Errorf("watchers of %s: %w", w.ID, err)
		}
	}
	for _, c := range b.Comments {
		if err := exec(sqlInsertComment, c.ID, c.Item, c.Author, c.Public, c.Body, c.Created.UnixNano()); err != nil {
			return fmt.Errorf("insert comment on %s: %w", w.ID, err)
		}
	}
	for i := range b.Events {
		e := &b.Events[i]
		data, err := json.Marshal(e.Data)
		if err != nil {
			return fmt.Errorf("event of %s: %w", w.ID, err)
		}
		*seq++
		if err := exec(`INSERT INTO events (seq, subject, version, time_ns, actor, type, step, activity, before, after, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			*seq, e.Item, e.Version, e.Time.UnixNano(), e.Actor, e.Type, e.Step, e.Activity, e.Before, e.After, data); err != nil {
			return fmt.Errorf("append event to %s: %w", w.ID, err)
		}
		e.Seq = *seq
	}
	return nil
}

// BulkDone refreshes the planner statistics, reading a bounded sample of
// each index so that it stays quick on a large database.
func (s *Store) BulkDone(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `PRAGMA analysis_limit = 1000; ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
