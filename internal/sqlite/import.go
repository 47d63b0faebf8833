package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/svcflow/svcflow/internal/desk"
)

// Import writes a whole batch in one transaction.
func (s *Store) Import(ctx context.Context, b *desk.ImportBatch) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		put := func(table, id string, v any) error {
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO `+table+` (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`, id, data)
			if err != nil {
				return fmt.Errorf("import %s %s: %w", table, id, err)
			}
			return nil
		}
		for _, p := range b.People {
			data, err := json.Marshal(p)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO people (id, email, data) VALUES (?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET email = excluded.email, data = excluded.data`, p.ID, p.Email, data)
			if isUniqueViolation(err) {
				return fmt.Errorf("import person %s: email %s: %w", p.ID, p.Email, desk.ErrConflict)
			}
			if err != nil {
				return fmt.Errorf("import person %s: %w", p.ID, err)
			}
		}
		for _, t := range b.Teams {
			if err := put("teams", t.ID, t); err != nil {
				return err
			}
		}
		for _, sv := range b.Services {
			if err := put("services", sv.ID, sv); err != nil {
				return err
			}
		}
		rels := map[string][]byte{}
		for _, ci := range b.CIs {
			data, err := json.Marshal(ci)
			if err != nil {
				return err
			}
			rels[ci.ID] = data
		}
		for _, ci := range b.CIs {
			var own = b.Relationships[:0:0]
			for _, r := range b.Relationships {
				if r.From == ci.ID {
					own = append(own, r)
				}
			}
			if err := putCI(ctx, tx, ci.ID, rels[ci.ID], own); err != nil {
				return err
			}
		}
		for _, e := range b.Events {
			if err := s.appendConfigEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}
