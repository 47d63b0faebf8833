package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// NextNumber allocates the next number of a counter. The upsert is one
// statement, so concurrent callers each get their own number.
func (s *Store) NextNumber(ctx context.Context, counter string) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1001)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, counter).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s number: %w", counter, err)
	}
	return n, nil
}

// queueChanges queues the statements of one append on b: all the
// projections, then all the events (the caller holds the events lock). Each
// statement whose result decides something has a callback that turns it
// into an error (ErrConflict for a stale version); statements that fail
// outright abort the rest, and the caller rolls the append back.
func queueChanges(b *pgx.Batch, changes []*desk.Change) error {
	for _, c := range changes {
		if err := queueProjection(b, c); err != nil {
			return err
		}
	}
	for _, c := range changes {
		for i := range c.Events {
			e := &c.Events[i]
			data, err := json.Marshal(e.Data)
			if err != nil {
				return fmt.Errorf("append event to %s: %w", c.Item.ID, err)
			}
			b.Queue(sqlInsertEvent, e.Item, e.Version, e.Time.UnixNano(), e.Actor, string(e.Type), e.Step, e.Activity, e.Before, e.After, string(data)).
				QueryRow(func(row pgx.Row) error { return row.Scan(&e.Seq) })
		}
	}
	return nil
}

// queueProjection queues what one change does to the item's rows.
func queueProjection(b *pgx.Batch, c *desk.Change) error {
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
		content := c.Content
		if content == nil {
			content = &desk.Content{}
		}
		form, err := json.Marshal(content.Form)
		if err != nil {
			return fmt.Errorf("insert content of %s: %w", w.ID, err)
		}
		b.Queue(sqlInsertItem,
			w.ID, itemNumber(w.ID), string(w.Kind), w.Stream, w.StreamRevision, string(w.Status), string(w.Priority), w.Category, w.Service, w.Organisation,
			w.RequestedBy, w.RequestedFor, team, assignee, step, vstate, w.Created.UnixNano(), w.Updated.UnixNano(), w.Version, string(state))
		b.Queue(`INSERT INTO item_content (item, title, description, form) VALUES ($1, $2, $3, $4)`,
			w.ID, content.Title, content.Description, string(form))
		b.Queue(`INSERT INTO item_search (item, title, description, comments) VALUES ($1, $2, $3, '')`,
			w.ID, content.Title, content.Description)
	} else {
		// Under READ COMMITTED a concurrent writer of the same row makes
		// this wait for its commit and then re-check the WHERE on the new
		// version: the loser affects no row and gets ErrConflict.
		b.Queue(sqlUpdateItem,
			string(w.Kind), string(w.Status), string(w.Priority), w.Category, w.Service, w.RequestedFor, team, assignee, step, vstate,
			w.Updated.UnixNano(), w.Version, string(state), w.ID, c.Expected).
			Exec(func(tag pgconn.CommandTag) error {
				if tag.RowsAffected() != 1 {
					return desk.ErrConflict
				}
				return nil
			})
		if ct := c.Content; ct != nil {
			b.Queue(`UPDATE item_content SET title = $1, description = $2 WHERE item = $3`, ct.Title, ct.Description, w.ID)
			b.Queue(`UPDATE item_search SET title = $1, description = $2 WHERE item = $3`, ct.Title, ct.Description, w.ID)
		}
	}
	for _, l := range w.Links {
		if l.Type == svcflow.LinkCI {
			b.Queue(`INSERT INTO item_cis (item, ci) VALUES ($1, $2) ON CONFLICT DO NOTHING`, w.ID, l.Other)
		}
	}
	if len(w.Watchers) > 0 {
		b.Queue(`INSERT INTO item_watchers (item, person) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, w.ID, w.Watchers)
	}
	if cm := c.Comment; cm != nil {
		b.Queue(`INSERT INTO comments (id, item, author, public, body, created_ns) VALUES ($1, $2, $3, $4, $5, $6)`,
			cm.ID, cm.Item, cm.Author, cm.Public, cm.Body, cm.Created.UnixNano())
		if cm.Public {
			b.Queue(`UPDATE item_search SET comments = comments || ' ' || $1 WHERE item = $2`, cm.Body, w.ID)
		}
	}
	if m := c.SLAMark; m != nil {
		b.Queue(`INSERT INTO sla_marks (item, clock, kind, since_ns) VALUES ($1, $2, $3, $4)`,
			w.ID, string(m.Clock), string(m.Kind), m.Since.UnixNano())
	}
	if f := c.Firing; f != nil {
		b.Queue(`INSERT INTO firings (rule, item, seq, created_ns) VALUES ($1, $2, $3, $4)`, f.Rule, f.Item, f.Seq, f.Created.UnixNano())
		for _, d := range f.Deliveries {
			b.Queue(`INSERT INTO deliveries (id, rule, item, seq, channel, webhook, target, event_type, payload,
				status, attempts, next_ns, created_ns, updated_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $13)`,
				d.ID, f.Rule, f.Item, f.Seq, d.Channel, d.Webhook, d.Target, d.EventType, d.Payload,
				desk.DeliveryPending, d.NextAttempt.UnixNano(), f.Created.UnixNano(), f.Created.UnixNano())
		}
	}
	if a := c.Attachment; a != nil {
		b.Queue(`INSERT INTO attachments (`+attachmentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ID, a.Item, a.Name, a.ContentType, a.Size, a.SHA256, a.UploadedBy, a.Created.UnixNano())
	}
	if m := c.Improvement; m != nil {
		if err := queueImprovement(b, m); err != nil {
			return err
		}
	}
	if f := c.Feedback; f != nil {
		queueFeedback(b, f)
	}
	return nil
}

func insertEvent(ctx context.Context, tx pgx.Tx, e *svcflow.Event) (int64, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = tx.QueryRow(ctx, sqlInsertEvent,
		e.Item, e.Version, e.Time.UnixNano(), e.Actor, string(e.Type), e.Step, e.Activity, e.Before, e.After, string(data)).Scan(&seq)
	return seq, err
}

// appendConfigEvent writes a configuration event with the next version of
// its subject, inside tx. It must be the last write of tx: it takes the
// events lock, which serialises the max(version)+1 across instances.
func appendConfigEvent(ctx context.Context, tx pgx.Tx, e svcflow.Event) error {
	if err := lockEvents(ctx, tx); err != nil {
		return fmt.Errorf("config event: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM events WHERE subject = $1`, e.Item).Scan(&e.Version); err != nil {
		return fmt.Errorf("config event: %w", err)
	}
	if _, err := insertEvent(ctx, tx, &e); err != nil {
		return fmt.Errorf("config event: %w", err)
	}
	return nil
}

// itemNumber is the number after the kind prefix (INC-1042 → 1042).
func itemNumber(id string) int64 {
	if i := strings.LastIndexByte(id, '-'); i >= 0 {
		n, _ := strconv.ParseInt(id[i+1:], 10, 64)
		return n
	}
	return 0
}

// Item loads a work item's state.
func (s *Store) Item(ctx context.Context, id string) (*svcflow.WorkItem, error) {
	var state []byte
	err := s.pool.QueryRow(ctx, `SELECT state FROM items WHERE id = $1`, id).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load item %s: %w", id, err)
	}
	return decodeItem(state)
}

// queryItems runs a query whose one column is an item's state.
func (s *Store) queryItems(ctx context.Context, q string, args ...any) ([]*svcflow.WorkItem, error) {
	rows, err := s.pool.Query(ctx, q, args...)
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

// ItemContent loads an item's title, description and form answers.
func (s *Store) ItemContent(ctx context.Context, id string) (desk.Content, error) {
	var c desk.Content
	var form []byte
	err := s.pool.QueryRow(ctx, `SELECT title, description, form FROM item_content WHERE item = $1`, id).Scan(&c.Title, &c.Description, &form)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, desk.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("load content of %s: %w", id, err)
	}
	if len(form) > 2 { // "{}" and "null" hold no answers
		if err := json.Unmarshal(form, &c.Form); err != nil {
			return c, fmt.Errorf("decode form of %s: %w", id, err)
		}
	}
	return c, nil
}

const eventColumns = `seq, subject, version, time_ns, actor, type, step, activity, before, after, data`

// ItemEvents loads an item's events in version order.
func (s *Store) ItemEvents(ctx context.Context, id string) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE subject = $1 ORDER BY version`, id)
}

// Events returns events after a sequence number, in order.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]svcflow.Event, error) {
	return s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

func (s *Store) queryEvents(ctx context.Context, q string, args ...any) ([]svcflow.Event, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	var out []svcflow.Event
	for rows.Next() {
		var e svcflow.Event
		var ns int64
		var typ string
		var data []byte
		if err := rows.Scan(&e.Seq, &e.Item, &e.Version, &ns, &e.Actor, &typ, &e.Step, &e.Activity, &e.Before, &e.After, &data); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.Type = svcflow.EventType(typ)
		e.Time = time.Unix(0, ns).UTC()
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	return out, nil
}

// Comments returns an item's comments, oldest first.
func (s *Store) Comments(ctx context.Context, item string, includeInternal bool) ([]desk.Comment, error) {
	q := `SELECT id, item, author, public, body, created_ns FROM comments WHERE item = $1`
	if !includeInternal {
		q += ` AND public`
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY created_ns, id`, item)
	if err != nil {
		return nil, fmt.Errorf("query comments of %s: %w", item, err)
	}
	defer rows.Close()
	var out []desk.Comment
	for rows.Next() {
		var c desk.Comment
		var ns int64
		if err := rows.Scan(&c.ID, &c.Item, &c.Author, &c.Public, &c.Body, &ns); err != nil {
			return nil, fmt.Errorf("scan comment of %s: %w", item, err)
		}
		c.Created = time.Unix(0, ns).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query comments of %s: %w", item, err)
	}
	return out, nil
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
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	in := func(col string, vals []string) {
		switch len(vals) {
		case 0:
		case 1:
			// Equality, not = ANY: an index scan with an array condition
			// does not return rows in index order, and the keyset order
			// (service, status, num) then costs a sort of every match.
			where = append(where, col+" = "+arg(vals[0]))
		default:
			where = append(where, col+" = ANY("+arg(vals)+")")
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
		// Literals, not parameters: a generic plan may use the partial
		// index of queued visits only when the query names its value.
		cond, err := visitStateCond(f.VisitStates)
		if err != nil {
			return nil, err
		}
		where = append(where, cond)
	}
	if f.Assignee != "" {
		where = append(where, "i.assignee = "+arg(f.Assignee))
	}
	if f.Service != "" {
		where = append(where, "i.service = "+arg(f.Service))
	}
	if f.Stream != "" {
		where = append(where, "i.stream = "+arg(f.Stream))
	}
	if f.Step != "" {
		where = append(where, "i.step = "+arg(f.Step))
	}
	if !f.Updated.IsZero() {
		where = append(where, "i.updated_ns >= "+arg(f.Updated.UnixNano()))
	}
	if f.Text != "" {
		q := tsQuery(f.Text)
		if q == "" {
			return nil, nil // no word to look for matches nothing, as in SQLite
		}
		where = append(where, "i.id IN (SELECT item FROM item_search WHERE doc @@ to_tsquery('simple', "+arg(q)+"))")
	}
	if f.Before > 0 {
		where = append(where, "i.num < "+arg(f.Before))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	lim := arg(limit)
	type branch struct {
		from  string
		conds []string
	}
	branches := []branch{{from: "items i"}}
	if f.Person != "" {
		p := arg(f.Person)
		branches = []branch{
			{"items i", []string{"i.requested_by = " + p}},
			{"items i", []string{"i.requested_for = " + p}},
			{"item_watchers w JOIN items i ON i.id = w.item", []string{"w.person = " + p}},
		}
	}
	if splitStatus {
		var split []branch
		for _, b := range branches {
			for _, x := range st {
				split = append(split, branch{b.from, append(slices.Clip(b.conds), "i.status = "+arg(x))})
			}
		}
		branches = split
	}
	sqlOf := func(b branch, cols string) string {
		conds := append(slices.Clip(b.conds), where...)
		q := "SELECT " + cols + " FROM " + b.from
		if len(conds) > 0 {
			q += " WHERE " + strings.Join(conds, " AND ")
		}
		return q + " ORDER BY i.num DESC LIMIT " + lim
	}
	q := sqlOf(branches[0], "i.state")
	if len(branches) > 1 {
		parts := make([]string, len(branches))
		for i, b := range branches {
			parts[i] = "(" + sqlOf(b, "i.num") + ")"
		}
		q = "SELECT state FROM items WHERE num IN (" + strings.Join(parts, " UNION ALL ") + ") ORDER BY num DESC LIMIT " + lim
	}
	items, err := s.queryItems(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	return items, nil
}

// tsQuery turns user text into a tsquery with the meaning of the SQLite
// store's FTS5 query: every whitespace-separated word must match, a word's
// last token as a prefix ("upd" finds "update"), and the tokens within one
// word ("555-0100") as a phrase. Punctuation, symbols and control
// characters separate tokens, as in the search column, so quotes,
// backslashes and tsquery operators are dropped and cannot break the
// syntax. Lower-casing is left to the 'simple' dictionary, which folds the
// query as it folded the documents. It returns "" when the text holds no
// token.
func tsQuery(text string) string {
	var words []string
	for _, field := range strings.Fields(text) {
		tokens := strings.FieldsFunc(field, func(r rune) bool {
			return unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) || unicode.IsControl(r)
		})
		if len(tokens) == 0 {
			continue
		}
		for i, t := range tokens {
			tokens[i] = "'" + t + "'"
		}
		tokens[len(tokens)-1] += ":*"
		w := strings.Join(tokens, " <-> ")
		if len(tokens) > 1 {
			w = "(" + w + ")"
		}
		words = append(words, w)
	}
	return strings.Join(words, " & ")
}

const (
	sqlInsertEvent = `INSERT INTO events (subject, version, time_ns, actor, type, step, activity, before, after, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`
	sqlInsertItem = `INSERT INTO items (id, num, kind, stream, stream_revision, status, priority, category,
			service, organisation, requested_by, requested_for, team, assignee, step, visit_state, created_ns, updated_ns, version, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`
	sqlUpdateItem = `UPDATE items SET kind = $1, status = $2, priority = $3, category = $4, service = $5,
			requested_for = $6, team = $7, assignee = $8, step = $9, visit_state = $10, updated_ns = $11, version = $12, state = $13
			WHERE id = $14 AND version = $15`
)

// Stats counts items by status and reads the last event sequence number.
func (s *Store) Stats(ctx context.Context) (desk.Stats, error) {
	st := desk.Stats{ItemsByStatus: map[svcflow.Status]int{}}
	rows, err := s.pool.Query(ctx, `SELECT status, count(*) FROM items GROUP BY status`)
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
	err = s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&st.LastSeq)
	return st, err
}
