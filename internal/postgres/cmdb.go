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

// PutCI saves a configuration item and replaces the relationships that
// start at it, with its configuration event, in one transaction.
func (s *Store) PutCI(ctx context.Context, ci *svcflow.CI, rels []svcflow.Relationship, e svcflow.Event) error {
	data, err := json.Marshal(ci)
	if err != nil {
		return fmt.Errorf("encode CI %s: %w", ci.ID, err)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := putCI(ctx, tx, ci.ID, data, rels); err != nil {
			return err
		}
		return appendConfigEvent(ctx, tx, e)
	})
}

func putCI(ctx context.Context, tx pgx.Tx, id string, data []byte, rels []svcflow.Relationship) error {
	if err := upsertJSON(ctx, tx, "cis", id, data); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM ci_relationships WHERE from_ci = $1`, id); err != nil {
		return fmt.Errorf("save CI %s: %w", id, err)
	}
	for _, r := range rels {
		if _, err := tx.Exec(ctx, `INSERT INTO ci_relationships (from_ci, to_ci, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			r.From, r.To, string(r.Type)); err != nil {
			return fmt.Errorf("save relationship of %s: %w", id, err)
		}
	}
	return nil
}

// CI loads one configuration item.
func (s *Store) CI(ctx context.Context, id string) (*svcflow.CI, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM cis WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load CI %s: %w", id, err)
	}
	var ci svcflow.CI
	if err := json.Unmarshal(data, &ci); err != nil {
		return nil, fmt.Errorf("decode CI %s: %w", id, err)
	}
	return &ci, nil
}

// CIs lists every configuration item by id.
func (s *Store) CIs(ctx context.Context) ([]*svcflow.CI, error) {
	return listJSON[svcflow.CI](ctx, s, "cis", "id")
}

// Relationships lists every relationship between configuration items.
func (s *Store) Relationships(ctx context.Context) ([]svcflow.Relationship, error) {
	rows, err := s.pool.Query(ctx, `SELECT from_ci, to_ci, type FROM ci_relationships ORDER BY from_ci, to_ci, type`)
	if err != nil {
		return nil, fmt.Errorf("list relationships: %w", err)
	}
	defer rows.Close()
	var out []svcflow.Relationship
	for rows.Next() {
		var r svcflow.Relationship
		var typ string
		if err := rows.Scan(&r.From, &r.To, &typ); err != nil {
			return nil, fmt.Errorf("list relationships: %w", err)
		}
		r.Type = svcflow.RelationType(typ)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list relationships: %w", err)
	}
	return out, nil
}
