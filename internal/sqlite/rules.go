package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// PutRule saves a rule and its configuration event.
func (s *Store) PutRule(ctx context.Context, r *svcflow.Rule, e svcflow.Event) error {
	def, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.putRuleTx(ctx, tx, r.ID, def, e) })
}

func (s *Store) putRuleTx(ctx context.Context, tx *sql.Tx, id string, def []byte, e svcflow.Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO rules (id, definition) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET definition = excluded.definition`, id, string(def))
	if err != nil {
		return fmt.Errorf("save rule %s: %w", id, err)
	}
	return s.appendConfigEvent(ctx, tx, e)
}

func decodeRule(def string) (*svcflow.Rule, error) {
	var r svcflow.Rule
	if err := json.Unmarshal([]byte(def), &r); err != nil {
		return nil, fmt.Errorf("decode rule: %w", err)
	}
	return &r, nil
}

// Rule loads one rule.
func (s *Store) Rule(ctx context.Context, id string) (*svcflow.Rule, error) {
	var def string
	err := s.read.QueryRowContext(ctx, `SELECT definition FROM rules WHERE id = ?`, id).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load rule %s: %w", id, err)
	}
	return decodeRule(def)
}

// AllRules loads every rule, by id.
func (s *Store) AllRules(ctx context.Context) ([]*svcflow.Rule, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT definition FROM rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	var out []*svcflow.Rule
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			return nil, err
		}
		r, err := decodeRule(def)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteRule removes a rule and writes its configuration event.
func (s *Store) DeleteRule(ctx context.Context, id string, e svcflow.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM rules WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete rule %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.ErrNotFound
		}
		return s.appendConfigEvent(ctx, tx, e)
	})
}

// FiringRecorded reports whether a firing is recorded.
func (s *Store) FiringRecorded(ctx context.Context, rule, item string, seq int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM firings WHERE rule = ? AND item = ? AND seq = ?`, rule, item, seq).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("firing %s on %s@%d: %w", rule, item, seq, err)
	}
	return n > 0, nil
}

// ItemsOnCI lists the items of a kind on a configuration item created in
// [from, to], oldest first.
func (s *Store) ItemsOnCI(ctx context.Context, ci string, kind svcflow.Kind, from, to time.Time) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT i.id FROM item_cis c JOIN items i ON i.id = c.item
		WHERE c.ci = ? AND i.kind = ? AND i.created_ns BETWEEN ? AND ? ORDER BY i.created_ns, i.num`,
		ci, string(kind), from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("items on %s: %w", ci, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MarkDefaultRule records a shipped rule as installed, once.
func (s *Store) MarkDefaultRule(ctx context.Context, id string) (bool, error) {
	first := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO default_rules (id) VALUES (?) ON CONFLICT DO NOTHING`, id)
		if err != nil {
			return fmt.Errorf("mark default rule %s: %w", id, err)
		}
		n, _ := res.RowsAffected()
		first = n == 1
		return nil
	})
	return first, err
}
