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
// each table's rows rowsPerInsert to a statement: a statement's own cost,
// not its rows', is most of a small insert's. The search rows come last:
// FTS5 flushes what it holds pending at every statement, so none may be
// pending while the other tables fill.
func (s *Store) BulkLoad(ctx context.Context, items []desk.BulkItem) error {
	if len(items) == 0 {
		return nil
	}
	// A large transaction spills its pages to the WAL early when the page
	// cache is small, and its statements journal to a temporary file:
	// give the write connection room in memory for the batch. Every
	// statement here runs on the write pool's one connection.
	if _, err := s.write.ExecContext(ctx, `PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY`); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer s.write.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT`)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stmts := map[string]*sql.Stmt{}
		defer func() {
			for _, st := range stmts {
				st.Close()
			}
		}()
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
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
			return fmt.Errorf("last event: %w", err)
		}
		buf := func(table, conflict string, cols ...string) *rowBuffer {
			return &rowBuffer{exec: exec, table: table, conflict: conflict, cols: cols}
		}
		t := bulkTables{
			items: buf("items", "", "id", "num", "kind", "stream", "stream_revision", "status", "priority", "category",
				"service", "organisation", "requested_by", "requested_for", "team", "assignee", "step", "visit_state",
				"created_ns", "updated_ns", "version", "state"),
			content:  buf("item_content", "", "item", "title", "description", "form"),
			watchers: buf("item_watchers", "OR IGNORE", "item", "person"),
			cis:      buf("item_cis", "OR IGNORE", "item", "ci"),
			comments: buf("comments", "", "id", "item", "author", "public", "body", "created_ns"),
			events:   buf("events", "", "seq", "subject", "version", "time_ns", "actor", "type", "step", "activity", "before", "after", "data"),
			search:   buf("item_search", "", "item", "title", "description", "comments"),
		}
		// Rows that reference an item wait for every item row (foreign
		// keys); the search rows wait for everything (see above).
		for _, b := range []*rowBuffer{t.content, t.watchers, t.cis, t.comments, t.search} {
			b.keep = true
		}
		var maxItem, maxComment int64
		for i := range items {
			b := &items[i]
			if err := t.add(b, &seq); err != nil {
				return err
			}
			maxItem = max(maxItem, itemNumber(b.Item.ID))
			for _, c := range b.Comments {
				maxComment = max(maxComment, itemNumber(c.ID))
			}
		}
		for _, b := range []*rowBuffer{t.items, t.content, t.watchers, t.cis, t.comments, t.events, t.search} {
			if err := b.flush(); err != nil {
				return fmt.Errorf("insert into %s: %w", b.table, err)
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

// bulkTables are the row buffers of one bulk load.
type bulkTables struct {
	items, content, watchers, cis, comments, events, search *rowBuffer
}

// add buffers one item's rows as appendChange would write them, its
// events numbered after *seq.
func (t *bulkTables) add(b *desk.BulkItem, seq *int64) error {
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
	if err := t.items.add(w.ID, itemNumber(w.ID), w.Kind, w.Stream, w.StreamRevision, w.Status, w.Priority, w.Category,
		w.Service, w.Organisation, w.RequestedBy, w.RequestedFor, team, assignee, step, vstate,
		w.Created.UnixNano(), w.Updated.UnixNano(), w.Version, state); err != nil {
		return fmt.Errorf("insert items: %w", err)
	}
	form, err := json.Marshal(b.Content.Form)
	if err != nil {
		return fmt.Errorf("item %s: %w", w.ID, err)
	}
	if err := t.content.add(w.ID, b.Content.Title, b.Content.Description, form); err != nil {
		return fmt.Errorf("insert content: %w", err)
	}
	// The search row holds public comments as Append leaves it: each
	// appended after a space.
	var public strings.Builder
	for _, c := range b.Comments {
		if c.Public {
			public.WriteString(" " + c.Body)
		}
	}
	if err := t.search.add(w.ID, b.Content.Title, b.Content.Description, public.String()); err != nil {
		return fmt.Errorf("index items: %w", err)
	}
	for _, l := range w.Links {
		if l.Type == svcflow.LinkCI {
			if err := t.cis.add(w.ID, l.Other); err != nil {
				return fmt.Errorf("insert CIs: %w", err)
			}
		}
	}
	for _, p := range w.Watchers {
		if err := t.watchers.add(w.ID, p); err != nil {
			return fmt.Errorf("insert watchers: %w", err)
		}
	}
	for _, c := range b.Comments {
		if err := t.comments.add(c.ID, c.Item, c.Author, c.Public, c.Body, c.Created.UnixNano()); err != nil {
			return fmt.Errorf("insert comments: %w", err)
		}
	}
	for i := range b.Events {
		e := &b.Events[i]
		data, err := json.Marshal(e.Data)
		if err != nil {
			return fmt.Errorf("event of %s: %w", w.ID, err)
		}
		*seq++
		e.Seq = *seq
		if err := t.events.add(e.Seq, e.Item, e.Version, e.Time.UnixNano(), e.Actor, e.Type, e.Step, e.Activity, e.Before, e.After, data); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}
	return nil
}

// rowsPerInsert is how many rows one bulk statement inserts.
const rowsPerInsert = 32

// rowBuffer gathers the rows of one table and inserts them rowsPerInsert
// to a statement; with keep, only when flushed.
type rowBuffer struct {
	exec     func(string, ...any) error
	table    string
	conflict string // "OR IGNORE" where Append ignores a repeat
	cols     []string
	keep     bool
	args     []any
	rows     int
}

func (b *rowBuffer) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if b.rows++; b.rows == rowsPerInsert && !b.keep {
		return b.flush()
	}
	return nil
}

// flush inserts the rows gathered.
func (b *rowBuffer) flush() error {
	width := len(b.cols)
	for len(b.args) > 0 {
		n := min(len(b.args)/width, rowsPerInsert)
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
		q := "INSERT " + b.conflict + " INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		if err := b.exec(q, b.args[:n*width]...); err != nil {
			return err
		}
		b.args = b.args[n*width:]
	}
	b.args, b.rows = b.args[:0], 0
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
