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

// saveImprovement inserts or replaces a register entry inside tx.
func (s *Store) saveImprovement(ctx context.Context, tx *sql.Tx, m *svcflow.Improvement) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO improvements (id, num, data) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data`, m.Item, itemNumber(m.Item), data)
	if err != nil {
		return fmt.Errorf("save register entry of %s: %w", m.Item, err)
	}
	return nil
}

// Improvement returns the register entry of an improvement item.
func (s *Store) Improvement(ctx context.Context, item string) (*svcflow.Improvement, error) {
	var data []byte
	err := s.read.QueryRowContext(ctx, `SELECT data FROM improvements WHERE id = ?`, item).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
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
	return listJSON[svcflow.Improvement](ctx, s.read, "improvements", "num DESC")
}
