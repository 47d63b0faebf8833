package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// PutCI saves a configuration item and replaces the relationships that
// start at it, with its configuration event, in one transaction.
func (s *Store) PutCI(ctx context.Context, ci *svcflow.CI, rels []svcflow.Relationship, e svcflow.Event) error {
	data, err := json.Marshal(ci)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := putCI(ctx, tx, ci.ID, data, rels); err != nil {
			return err
		}
		return s.appendConfigEvent(ctx, tx, e)
	})
}

func putCI(ctx context.Context, tx *sql.Tx, id string, data []byte, rels []svcflow.Relationship) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO cis (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`, id, data); err != nil {
		return fmt.Errorf("save CI %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ci_relationships WHERE from_ci = ?`, id); err != nil {
		return fmt.Errorf("save CI %s: %w", id, err)
	}
	for _, r := range rels {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO ci_relationships (from_ci, to_ci, type) VALUES (?, ?, ?)`, r.From, r.To, r.Type); err != nil {
			return fmt.Errorf("save relationship of %s: %w", id, err)
		}
	}
	return nil
}

// CI loads one configuration item.
func (s *Store) CI(ctx context.Context, id string) (*svcflow.CI, error) {
	var data []byte
	err := s.readRow(ctx, `SELECT data FROM cis WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var ci svcflow.CI
	if err := json.Unmarshal(data, &ci); err != nil {
		return nil, fmt.Errorf("decode CI %s: %w", id, err)
	}
	return &ci, nil
}

// CIs lists every configuration item by id.
func (s *Store) CIs(ctx context.Context) ([]*svcflow.CI, error) {
	return listJSON[svcflow.CI](ctx, s.read, "cis", "id")
}

// Relationships lists every relationship between configuration items.
func (s *Store) Relationships(ctx context.Context) ([]svcflow.Relationship, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT from_ci, to_ci, type FROM ci_relationships ORDER BY from_ci, to_ci, type`)
	if err != nil {
		return nil, fmt.Errorf("list relationships: %w", err)
	}
	defer rows.Close()
	var out []svcflow.Relationship
	for rows.Next() {
		var r svcflow.Relationship
		if err := rows.Scan(&r.From, &r.To, &r.Type); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
