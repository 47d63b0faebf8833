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

// queueImprovement queues the insert or replacement of a register entry.
func queueImprovement(b *pgx.Batch, m *svcflow.Improvement) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b.Queue(`INSERT INTO improvements (id, num, data) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data`, m.Item, itemNumber(m.Item), string(data))
	return nil
}

// Improvement returns the register entry of an improvement item.
func (s *Store) Improvement(ctx context.Context, item string) (*svcflow.Improvement, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM improvements WHERE id = $1`, item).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load register entry of %s: %w", item, err)
	}
	var m svcflow.Improvement
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode register entry of %s: %w", item, err)
	}
	return &m, nil
}

// Improvements returns the whole register, newest item first.
func (s *Store) Improvements(ctx context.Context) ([]*svcflow.Improvement, error) {
	return listJSON[svcflow.Improvement](ctx, s, "improvements", "num DESC")
}
