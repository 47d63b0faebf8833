package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow/internal/desk"
)

const feedbackColumns = `id, item, stream, person, role, score, comment, created_ns`

func queueFeedback(b *pgx.Batch, f *desk.Feedback) {
	b.Queue(`INSERT INTO feedback (num, `+feedbackColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		itemNumber(f.ID), f.ID, f.Item, f.Stream, f.Person, f.Role, f.Score, f.Comment, f.Created.UnixNano())
}

// FeedbackEntry returns one feedback entry.
func (s *Store) FeedbackEntry(ctx context.Context, id string) (desk.Feedback, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+feedbackColumns+` FROM feedback WHERE id = $1`, id)
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
	where, args := []string{"true"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Item != "" {
		add("item = $%d", f.Item)
	}
	if f.Stream != "" {
		add("stream = $%d", f.Stream)
	}
	if f.Role != "" {
		add("role = $%d", f.Role)
	}
	if !f.From.IsZero() {
		add("created_ns >= $%d", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("created_ns < $%d", f.To.UnixNano())
	}
	args = append(args, f.Limit)
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT `+feedbackColumns+` FROM feedback WHERE `+strings.Join(where, " AND ")+
		` ORDER BY num DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("query feedback: %w", err)
	}
	return scanFeedback(rows)
}

func scanFeedback(rows pgx.Rows) ([]desk.Feedback, error) {
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
	return out, rows.Err()
}
