package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// Redacted is what erased free text reads as.
const Redacted = "[erased]"

// ErasePerson redacts a person and the free text tied to them, in one
// transaction, and rewrites the search rows of the items whose text
// changed. The old row versions stay in the table files until VACUUM
// reclaims them (SQLite's secure_delete has no PostgreSQL counterpart);
// the search column is generated from the rewritten text, so no old term
// stays findable.
func (s *Store) ErasePerson(ctx context.Context, id string, e svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var data []byte
		err := tx.QueryRow(ctx, `SELECT data FROM people WHERE id = $1 FOR UPDATE`, id).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return desk.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
		var p svcflow.Person
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
		oldEmail := p.Email
		p.Name, p.Email, p.Identities, p.Erased = "Erased person", "erased-"+id+"@erased.invalid", nil, true
		data, err = json.Marshal(&p)
		if err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
		steps := []struct {
			q    string
			args []any
		}{
			{`UPDATE people SET email = $1, data = $2 WHERE id = $3`, []any{p.Email, string(data), id}},
			{`DELETE FROM passwords WHERE person = $1`, []any{id}},
			{`DELETE FROM tokens WHERE person = $1`, []any{id}},
			{`DELETE FROM sessions WHERE person = $1`, []any{id}},
			{`UPDATE comments SET body = $1 WHERE author = $2`, []any{Redacted, id}},
			{`UPDATE feedback SET comment = $1 WHERE person = $2 AND comment <> ''`, []any{Redacted, id}},
			{`UPDATE attachments SET name = $1 WHERE uploaded_by = $2`, []any{Redacted, id}},
			{`UPDATE item_content SET title = $1, description = '', form = '{}'
				WHERE item IN (SELECT id FROM items WHERE requested_by = $2 OR requested_for = $2)`, []any{Redacted, id}},
			// Mail kept for retries holds names, addresses and titles:
			// what was sent to them or about their items goes, and what
			// was not sent yet never will be.
			{`UPDATE deliveries SET payload = '', target = $1, last_error = CASE WHEN status = 'pending' THEN 'erased' ELSE last_error END,
				status = CASE WHEN status = 'pending' THEN 'dead' ELSE status END
				WHERE channel = 'email' AND (target = $2 OR item IN (SELECT id FROM items WHERE requested_by = $3 OR requested_for = $3))`,
				[]any{Redacted, oldEmail, id}},
			// Rebuild the search rows of every item whose text changed from
			// its content and public comments, so the index keeps nothing
			// the tables no longer hold.
			{`UPDATE item_search s SET title = c.title, description = c.description,
				comments = coalesce((SELECT string_agg(body, ' ' ORDER BY created_ns, id) FROM comments WHERE item = s.item AND public), '')
				FROM item_content c
				WHERE c.item = s.item AND s.item IN (
					SELECT id FROM items WHERE requested_by = $1 OR requested_for = $1
					UNION SELECT item FROM comments WHERE author = $1)`, []any{id}},
		}
		for _, st := range steps {
			if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
				return fmt.Errorf("erase %s: %w", id, err)
			}
		}
		return appendConfigEvent(ctx, tx, e)
	})
}
