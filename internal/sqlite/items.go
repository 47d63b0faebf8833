package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// NextNumber allocates the next number of a counter.
func (s *Store) NextNumber(ctx context.Context, counter string) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return s.txQueryRow(ctx, tx, sqlNextNumber, counter).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("next %s number: %w", counter, err)
	}
	return n, nil
}

func (s *Store) appendChange(ctx context.Context, tx *sql.Tx, c *desk.Change) error {
	w := c.Item
	if len(c.Events) == 0 {
		return fmt.Errorf("append to %s: no events", w.ID)
	}
	if c.Expected+len(c.Events) != w.Version {
		return fmt.Errorf("append to %s: %d events from version %d do not reach %d", w.ID, len(c.Events), c.Expected, w.Version)
	}
	state, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("append to %s: %w", w.ID, err)
	}
	team, assignee, step, vstate := "", "", "", ""
	if v := w.Visit; v != nil {
		team, assignee, step, vstate = v.Team, v.Person, v.Step, string(v.State)
	}
	if c.Expected == 0 {
		num := itemNumber(w.ID)
		_, err = s.txExec(ctx, tx, sqlInsertItem,
			w.ID, num, w.Kind, w.Stream, w.StreamRevision, w.Status, w.Priority, w.Category, w.Service, w.Organisation,
			w.RequestedBy, w.RequestedFor, team, assignee, step, vstate, w.Created.UnixNano(), w.Updated.UnixNano(), w.Version, state)
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("insert item %s: %w", w.ID, err)
		}
		content := c.Content
		if content == nil {
			content = &desk.Content{}
		}
		form, err := json.Marshal(content.Form)
		if err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, sqlInsertContent, w.ID, content.Title, content.Description, form); err != nil {
			return fmt.Errorf("insert content of %s: %w", w.ID, err)
		}
		if _, err := s.txExec(ctx, tx, sqlInsertSearch, w.ID, content.Title, content.Description); err != nil {
			return fmt.Errorf("index %s: %w", w.ID, err)
		}
	} else {
		res, err := s.txExec(ctx, tx, sqlUpdateItem,
			w.Kind, w.Status, w.Priority, w.Category, w.Service, w.RequestedFor, team, assignee, step, vstate,
			w.Updated.UnixNano(), w.Version, state, w.ID, c.Expected)
		if err != nil {
			return fmt.Errorf("update item %s: %w", w.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return desk.ErrConflict
		}
		if ct := c.Content; ct != nil {
			if _, err := s.txExec(ctx, tx, sqlUpdateContent, ct.Title, ct.Description, w.ID); err != nil {
				return fmt.Errorf("update content of %s: %w", w.ID, err)
			}
			if _, err := s.txExec(ctx, tx, sqlUpdateSearch, ct.Title, ct.Description, w.ID); err != nil {
				return fmt.Errorf("index %s: %w", w.ID, err)
			}
		}
	}
	for _, l := range w.Links {
		if l.Type == svcflow.LinkCI {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO item_cis (item, ci) VALUES (?, ?)`, w.ID, l.Other); err != nil {
				return fmt.Errorf("CIs of %s: %w", w.ID, err)
			}
		}
	}
	for _, p := range w.Watchers {
		if _, err := s.txExec(ctx, tx, sqlInsertWatcher, w.ID, p); err != nil {
			return fmt.Errorf("watchers of %s: %w", w.ID, err)
		}
	}
	if cm := c.Comment; cm != nil {
		if _, err := s.txExec(ctx, tx, sqlInsertComment,
			cm.ID, cm.Item, cm.Author, cm.Public, cm.Body, cm.Created.UnixNano()); err != nil {
			return fmt.Errorf("insert comment on %s: %w", w.ID, err)
		}
		if cm.Public {
			if _, err := s.txExec(ctx, tx, sqlIndexComment, cm.Body, w.ID); err != nil {
				return fmt.Errorf("index comment on %s: %w", w.ID, err)
			}
		}
	}
	if m := c.SLAMark; m != nil {
		_, err := tx.ExecContext(ctx, `INSERT INTO sla_marks (item, clock, kind, since_ns) VALUES (?, ?, ?, ?)`, w.ID, m.Clock, m.Kind, m.Since.UnixNano())
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("SLA mark on %s: %w", w.ID, err)
		}
	}
	if f := c.Firing; f != nil {
		_, err := tx.ExecContext(ctx, `INSERT INTO firings (rule, item, seq, created_ns) VALUES (?, ?, ?, ?)`, f.Rule, f.Item, f.Seq, f.Created.UnixNano())
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("firing %s on %s: %w", f.Rule, w.ID, err)
		}
		for _, d := range f.Deliveries {
			_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, rule, item, seq, channel, webhook, target, event_type, payload,
				status, attempts, next_ns, created_ns, updated_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
				d.ID, f.Rule, f.Item, f.Seq, d.Channel, d.Webhook, d.Target, d.EventType, d.Payload,
				desk.DeliveryPending, d.NextAttempt.UnixNano(), f.Created.UnixNano(), f.Created.UnixNano())
			if err != nil {
				return fmt.Errorf("record delivery %s: %w", d.ID, err)
			}
		}
	}
	if a := c.Attachment; a != nil {
		if err := s.insertAttachment(ctx, tx, a); err != nil {
			return fmt.Errorf("insert attachment on %s: %w", w.ID, err)
		}
	}
	if m := c.Improvement; m != nil {
		if err := s.saveImprovement(ctx, tx, m); err != nil {
			return err
		}
	}
	if f := c.Feedback; f != nil {
		if err := s.insertFeedback(ctx, tx, f); err != nil {
			return err
		}
	}
	for i := range c.Events {
		seq, err := s.insertEvent(ctx, tx, &c.Events[i])
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("append event to %s: %w", w.ID, err)
		}
		c.Events[i].Seq = seq
	}
	return nil
}

func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, e *svcflow.Event) (int64, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = s.txQueryRow(ctx, tx, sqlInsertEvent,
		e.Item, e.Version, e.Time.UnixNano(), e.Actor, e.Type, e.Step, e.Activity, e.Before, e.After, data).Scan(&seq)
	return seq, err
}

// appendConfigEvent writes a configuration event with the next version of
// the config subject, inside tx.
func (s *Store) appendConfigEvent(ctx context.Context, tx *sql.Tx, e svcflow.Event) error {
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM events WHERE subject = ?`, e.Item).Scan(&e.Version); err != nil {
		return fmt.Errorf("config event: %w", err)
	}
	if _, err := s.insertEvent(ctx, tx, &e); err != nil {
		return fmt.Errorf("config event: %w", err)
	}
	return nil
}

// itemNumber is the number after the kind prefix (INC-1042 → 1042).
func itemNumber(id string) int64 {
	var n int64
	if i := strings.LastIndexByte(id, '-'); i >= 0 {
		fmt.Sscan(id[i+1:], &n)
	}
	return n
}

// Item loads a work item's state.
func (s *Store) Item(ctx context.Context, id string) (*svcflow.WorkItem, error) {
	var state []byte
	err := s.readRow(ctx, `SELECT state FROM items WHERE id = ?`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load item %s: %w", id, err)
	}
	return decodeItem(state)
}

// queryItems runs a query whose one column is an item's state.
func (s *Store) queryItems(ctx context.Context, q string, args ...any) ([]*svcflow.WorkItem, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*svcflow.WorkItem
	for rows.Next() {
		var state []byte
		if err := rows.Scan(&state); err != nil {
			return nil, err
		}
		w, err := decodeItem(state)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func decodeItem(state []byte) (*svcflow.WorkItem, error) {
	var w svcflow.WorkItem
	if err := json.Unmarshal(state, &w); err != nil {
		return nil, fmt.Errorf("decode item state: %w", err)
	}
	return &w, nil
}

// ItemContent loads an item's title and description.
func (s *Store) ItemContent(ctx context.Context, id string) (desk.Content, error) {
	var c desk.Content
	var form []byte
	err := s.readRow(ctx, `SELECT title, description, form FROM item_content WHERE item = ?`, id).Scan(&c.Title, &c.Description, &form)
	if errors.Is(err, sql.ErrNoRows) {
		return c, desk.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	if len(form) > 2 {
		if err := json.Unmarshal(form, &c.Form); err != nil {
			return c, fmt.Errorf("decode form of %s: %w", id, err)
		}
	}
	return c, nil
}

// ItemEvents loads an item's events in version order.
func (s *Store) ItemEvents(ctx context.Context, id string) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT seq, subject, version, time_ns, actor, type, step, activity, before, after, data
		FROM events WHERE subject = ? ORDER BY version`, id)
}

// Events returns events after a sequence number, in order.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT seq, subject, version, time_ns, actor, type, step, activity, before, after, data
		FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

func (s *Store) queryEvents(ctx context.Context, q string, args ...any) ([]svcflow.Event, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	var out []svcflow.Event
	for rows.Next() {
		var e svcflow.Event
		var ns int64
		var data []byte
		if err := rows.Scan(&e.Seq, &e.Item, &e.Version, &ns, &e.Actor, &e.Type, &e.Step, &e.Activity, &e.Before, &e.After, &data); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.Time = time.Unix(0, ns).UTC()
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Comments returns an item's comments, oldest first.
func (s *Store) Comments(ctx context.Context, item string, includeInternal bool) ([]desk.Comment, error) {
	q := `SELECT id, item, author, public, body, created_ns FROM comments WHERE item = ?`
	if !includeInternal {
		q += ` AND public = 1`
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY created_ns, id`, item)
	if err != nil {
		return nil, fmt.Errorf("query comments: %w", err)
	}
	defer rows.Close()
	var out []desk.Comment
	for rows.Next() {
		var c desk.Comment
		var ns int64
		if err := rows.Scan(&c.ID, &c.Item, &c.Author, &c.Public, &c.Body, &ns); err != nil {
			return nil, err
		}
		c.Created = time.Unix(0, ns).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListItems returns items matching f, newest first, with keyset paging on
// the item number. A filter that ORs indexed conditions (a person's own,
// on-behalf and watched items; several statuses of a service) runs as a
// union of branches, each an ordered range scan of its own index cut at
// the page size: a page then costs a few index probes however many items
// there are, where one WHERE with OR would read every match and sort it.
func (s *Store) ListItems(ctx context.Context, f desk.ItemFilter) ([]*svcflow.WorkItem, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	var st, ks []string
	for _, x := range f.Statuses {
		st = append(st, string(x))
	}
	for _, x := range f.Kinds {
		ks = append(ks, string(x))
	}
	// Several statuses of one service: a branch per status, each in the
	// order of the (service, status, num) index.
	splitStatus := len(st) > 1 && f.Service != ""
	if !splitStatus {
		in("i.status", st)
	}
	in("i.kind", ks)
	in("i.team", f.Teams)
	if len(f.VisitStates) > 0 {
		// Literals, not parameters: only then may SQLite use the partial
		// index of queued visits.
		cond, err := visitStateCond(f.VisitStates)
		if err != nil {
			return nil, err
		}
		where = append(where, cond)
	}
	if f.Assignee != "" {
		where = append(where, "i.assignee = ?")
		args = append(args, f.Assignee)
	}
	if f.Service != "" {
		where = append(where, "i.service = ?")
		args = append(args, f.Service)
	}
	if f.Stream != "" {
		where = append(where, "i.stream = ?")
		args = append(args, f.Stream)
	}
	if f.Step != "" {
		where = append(where, "i.step = ?")
		args = append(args, f.Step)
	}
	if !f.Updated.IsZero() {
		where = append(where, "i.updated_ns >= ?")
		args = append(args, f.Updated.UnixNano())
	}
	if f.Text != "" {
		where = append(where, "i.id IN (SELECT item FROM item_search WHERE item_search MATCH ?)")
		args = append(args, ftsQuery(f.Text))
	}
	if f.Before > 0 {
		where = append(where, "i.num < ?")
		args = append(args, f.Before)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	type branch struct {
		from  string
		conds []string
		args  []any
	}
	branches := []branch{{from: "items i"}}
	if f.Person != "" {
		branches = []branch{
			{"items i", []string{"i.requested_by = ?"}, []any{f.Person}},
			{"items i", []string{"i.requested_for = ?"}, []any{f.Person}},
			// CROSS JOIN fixes the join order: from the person's few
			// watcher rows to their items, never a walk of all items.
			{"item_watchers w CROSS JOIN items i ON i.id = w.item", []string{"w.person = ?"}, []any{f.Person}},
		}
	}
	if splitStatus {
		var split []branch
		for _, b := range branches {
			for _, x := range st {
				split = append(split, branch{b.from, append(slices.Clip(b.conds), "i.status = ?"), append(slices.Clip(b.args), x)})
			}
		}
		branches = split
	}
	sqlOf := func(b branch, cols string) (string, []any) {
		conds := append(slices.Clip(b.conds), where...)
		q := "SELECT " + cols + " FROM " + b.from
		if len(conds) > 0 {
			q += " WHERE " + strings.Join(conds, " AND ")
		}
		return q + " ORDER BY i.num DESC LIMIT ?", append(append(slices.Clip(b.args), args...), limit)
	}
	var q string
	var qargs []any
	if len(branches) == 1 {
		q, qargs = sqlOf(branches[0], "i.state")
	} else {
		parts := make([]string, len(branches))
		for i, b := range branches {
			bq, bargs := sqlOf(b, "i.num AS num")
			parts[i] = "SELECT num FROM (" + bq + ")"
			qargs = append(qargs, bargs...)
		}
		q = "SELECT state FROM items WHERE num IN (" + strings.Join(parts, " UNION ALL ") + ") ORDER BY num DESC LIMIT ?"
		qargs = append(qargs, limit)
	}
	items, err := s.queryItems(ctx, q, qargs...)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	return items, nil
}

// ftsQuery turns user text into an FTS5 query of quoted terms, each a
// prefix, so punctuation in the text cannot break the query syntax.
func ftsQuery(text string) string {
	var terms []string
	for _, f := range strings.Fields(text) {
		f = strings.ReplaceAll(f, `"`, `""`)
		terms = append(terms, `"`+f+`"*`)
	}
	if len(terms) == 0 {
		return `""`
	}
	return strings.Join(terms, " ")
}

// The statements of the hot write path, prepared once at Open.
const (
	sqlNextNumber = `INSERT INTO counters (name, value) VALUES (?, 1001)
			ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`
	sqlInsertItem = `INSERT INTO items (id, num, kind, stream, stream_revision, status, priority, category,
			service, organisation, requested_by, requested_for, team, assignee, step, visit_state, created_ns, updated_ns, version, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlInsertContent = `INSERT INTO item_content (item, title, description, form) VALUES (?, ?, ?, ?)`
	sqlInsertSearch  = `INSERT INTO item_search (item, title, description, comments) VALUES (?, ?, ?, '')`
	sqlUpdateItem    = `UPDATE items SET kind = ?, status = ?, priority = ?, category = ?, service = ?,
			requested_for = ?, team = ?, assignee = ?, step = ?, visit_state = ?, updated_ns = ?, version = ?, state = ?
			WHERE id = ? AND version = ?`
	sqlUpdateContent = `UPDATE item_content SET title = ?, description = ? WHERE item = ?`
	sqlUpdateSearch  = `UPDATE item_search SET title = ?, description = ? WHERE item = ?`
	sqlInsertWatcher = `INSERT OR IGNORE INTO item_watchers (item, person) VALUES (?, ?)`
	sqlInsertComment = `INSERT INTO comments (id, item, author, public, body, created_ns) VALUES (?, ?, ?, ?, ?, ?)`
	sqlIndexComment  = `UPDATE item_search SET comments = comments || ' ' || ? WHERE item = ?`
	sqlInsertEvent   = `INSERT INTO events (subject, version, time_ns, actor, type, step, activity, before, after, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`
)

var hotWrites = []string{sqlNextNumber, sqlInsertItem, sqlInsertContent, sqlInsertSearch, sqlUpdateItem, sqlUpdateContent, sqlUpdateSearch, sqlInsertWatcher, sqlInsertComment, sqlIndexComment, sqlInsertEvent, sqlClaimKey, sqlRemember}

// Stats counts items by status and reads the last event sequence number.
func (s *Store) Stats(ctx context.Context) (desk.Stats, error) {
	st := desk.Stats{ItemsByStatus: map[svcflow.Status]int{}}
	rows, err := s.read.QueryContext(ctx, `SELECT status, count(*) FROM items GROUP BY status`)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return st, err
		}
		st.ItemsByStatus[svcflow.Status(status)] = n
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	err = s.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&st.LastSeq)
	return st, err
}
