package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

const feedbackColumns = `id, item, stream, person, role, score, comment, created_ns`

func (s *Store) insertFeedback(ctx context.Context, tx *sql.Tx, f *desk.Feedback) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO feedback (num, `+feedbackColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		itemNumber(f.ID), f.ID, f.Item, f.Stream, f.Person, f.Role, f.Score, f.Comment, f.Created.UnixNano())
	if err != nil {
		return fmt.Errorf("insert feedback %s: %w", f.ID, err)
	}
	return nil
}

// FeedbackEntry returns one feedback entry.
func (s *Store) FeedbackEntry(ctx context.Context, id string) (desk.Feedback, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+feedbackColumns+` FROM feedback WHERE id = ?`, id)
	if err != nil {
		return desk.Feedback{}, fmt.Errorf("load feedback %s: %w", id, err)
	}
	out, err := scanFeedback(rows)
	if err != nil {
		return desk.Feedback{}, err
	}
	if len(out) == 0 {
		return desk.Feedback{}, desk.ErrNotFound
	}
	return out[0], nil
}

// FeedbackEntries returns the entries f selects, newest first.
func (s *Store) FeedbackEntries(ctx context.Context, f desk.FeedbackFilter) ([]desk.Feedback, error) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Item != "" {
		add("item = ?", f.Item)
	}
	if f.Stream != "" {
		add("stream = ?", f.Stream)
	}
	if f.Role != "" {
		add("role = ?", f.Role)
	}
	if !f.From.IsZero() {
		add("created_ns >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("created_ns < ?", f.To.UnixNano())
	}
	args = append(args, f.Limit)
	rows, err := s.read.QueryContext(ctx, `SELECT `+feedbackColumns+` FROM feedback WHERE `+strings.Join(where, " AND ")+
		` ORDER BY num DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("query feedback: %w", err)
	}
	return scanFeedback(rows)
}

func scanFeedback(rows *sql.Rows) ([]desk.Feedback, error) {
	defer rows.Close()
	out := []desk.Feedback{}
	for rows.Next() {
		var f desk.Feedback
		var ns int64
		if err := rows.Scan(&f.ID, &f.Item, &f.Stream, &f.Person, &f.Role, &f.Score, &f.Comment, &ns); err != nil {
			return nil, err
		}
		f.Created = time.Unix(0, ns).UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return out, nil
}
