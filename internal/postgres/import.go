package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow/internal/desk"
)

// Import writes a whole batch in one transaction: all of it, or nothing.
func (s *Store) Import(ctx context.Context, b *desk.ImportBatch) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		put := func(table, id string, v any) error {
			data, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("import %s %s: %w", table, id, err)
			}
			if err := upsertJSON(ctx, tx, table, id, data); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			return nil
		}
		for _, p := range b.People {
			err := upsertPerson(ctx, tx, p)
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
		for _, ci := range b.CIs {
			data, err := json.Marshal(ci)
			if err != nil {
				return fmt.Errorf("import CI %s: %w", ci.ID, err)
			}
			var own = b.Relationships[:0:0]
			for _, r := range b.Relationships {
				if r.From == ci.ID {
					own = append(own, r)
				}
			}
			if err := putCI(ctx, tx, ci.ID, data, own); err != nil {
				return fmt.Errorf("import: %w", err)
			}
		}
		for _, e := range b.Events {
			if err := appendConfigEvent(ctx, tx, e); err != nil {
				return fmt.Errorf("import: %w", err)
			}
		}
		return nil
	})
}
