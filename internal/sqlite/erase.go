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

// Redacted is what erased free text reads as.
const Redacted = "[erased]"

// ErasePerson redacts a person and the free text tied to them. It runs
// with secure_delete on, so the old text is overwritten in the file rather
// than left in free pages, and merges the full-text index so no old term
// survives in its segments.
func (s *Store) ErasePerson(ctx context.Context, id string, e svcflow.Event) error {
	if _, err := s.write.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("erase %s: %w", id, err)
	}
	defer s.write.ExecContext(context.Background(), `PRAGMA secure_delete = OFF`)
	return s.tx(ctx, func(tx *sql.Tx) error {
		var data []byte
		if err := tx.QueryRowContext(ctx, `SELECT data FROM people WHERE id = ?`, id).Scan(&data); err == sql.ErrNoRows {
			return desk.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
		var p svcflow.Person
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
		oldEmail := p.Email
		p.Name, p.Email, p.Identities, p.Erased = "Erased person", "erased-"+id+"@erased.invalid", nil, true
		data, err := json.Marshal(&p)
		if err != nil {
			return err
		}
		steps := []struct {
			q    string
			args []any
		}{
			{`UPDATE people SET email = ?, data = ? WHERE id = ?`, []any{p.Email, data, id}},
			{`DELETE FROM passwords WHERE person = ?`, []any{id}},
			{`DELETE FROM tokens WHERE person = ?`, []any{id}},
			{`DELETE FROM sessions WHERE person = ?`, []any{id}},
			{`UPDATE comments SET body = ? WHERE author = ?`, []any{Redacted, id}},
			{`UPDATE feedback SET comment = ? WHERE person = ? AND comment <> ''`, []any{Redacted, id}},
			{`UPDATE attachments SET name = ? WHERE uploaded_by = ?`, []any{Redacted, id}},
			{`UPDATE item_content SET title = ?, description = '', form = '{}'
				WHERE item IN (SELECT id FROM items WHERE requested_by = ? OR requested_for = ?)`, []any{Redacted, id, id}},
			// Mail kept for retries holds names, addresses and titles:
			// what was sent to them or about their items goes, and what
			// was not sent yet never will be.
			{`UPDATE deliveries SET payload = X'', target = ?, last_error = CASE WHEN status = 'pending' THEN 'erased' ELSE last_error END,
				status = CASE WHEN status = 'pending' THEN 'dead' ELSE status END
				WHERE channel = 'email' AND (target = ? OR item IN (SELECT id FROM items WHERE requested_by = ? OR requested_for = ?))`,
				[]any{Redacted, oldEmail, id, id}},
		}
		for _, st := range steps {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return fmt.Errorf("erase %s: %w", id, err)
			}
		}
		// Rebuild the search rows of every item whose text changed, so the
		// index keeps nothing the tables no longer hold.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM items WHERE requested_by = ? OR requested_for = ?
			UNION SELECT item FROM comments WHERE author = ?`, id, id, id)
		if err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
		var items []string
		for rows.Next() {
			var it string
			if err := rows.Scan(&it); err != nil {
				rows.Close()
				return err
			}
			items = append(items, it)
		}
		rows.Close()
		for _, it := range items {
			if err := reindex(ctx, tx, it); err != nil {
				return fmt.Errorf("erase %s: %w", id, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_search (item_search) VALUES ('optimize')`); err != nil {
			return fmt.Errorf("erase %s: merge the search index: %w", id, err)
		}
		return s.appendConfigEvent(ctx, tx, e)
	})
}

// reindex rewrites an item's full-text row from its content and public comments.
func reindex(ctx context.Context, tx *sql.Tx, item string) error {
	var title, desc string
	if err := tx.QueryRowContext(ctx, `SELECT title, description FROM item_content WHERE item = ?`, item).Scan(&title, &desc); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT body FROM comments WHERE item = ? AND public = 1 ORDER BY created_ns, id`, item)
	if err != nil {
		return err
	}
	var bodies []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		bodies = append(bodies, b)
	}
	rows.Close()
	_, err = tx.ExecContext(ctx, `UPDATE item_search SET title = ?, description = ?, comments = ? WHERE item = ?`, title, desc, strings.Join(bodies, " "), item)
	return err
}
