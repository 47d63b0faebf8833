package postgres

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// SLADue returns the items the SLA ticker must look at: open or changed
// lately, and without a current schedule or due for a look.
func (s *Store) SLADue(ctx context.Context, now, changedSince time.Time, limit int) ([]*svcflow.WorkItem, error) {
	items, err := s.queryItems(ctx, `SELECT i.state FROM items i LEFT JOIN sla_schedule s ON s.item = i.id
		WHERE i.id IN (SELECT id FROM items WHERE status IN ('new', 'in_progress', 'on_hold', 'resolved')
			UNION SELECT id FROM items WHERE updated_ns >= $1)
		AND (s.item IS NULL OR s.version <> i.version OR s.next_ns <= $2)
		ORDER BY i.num LIMIT $3`, changedSince.UnixNano(), now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("items due for an SLA look: %w", err)
	}
	return items, nil
}

// ScheduleSLA saves when items next need an SLA look, in one round trip.
func (s *Store) ScheduleSLA(ctx context.Context, schedules []desk.SLASchedule) error {
	var b pgx.Batch
	for _, sc := range schedules {
		next := int64(math.MaxInt64) // never, until the item or the policies change
		if !sc.Next.IsZero() {
			next = sc.Next.UnixNano()
		}
		b.Queue(`INSERT INTO sla_schedule (item, version, next_ns) VALUES ($1, $2, $3)
			ON CONFLICT (item) DO UPDATE SET version = excluded.version, next_ns = excluded.next_ns
			WHERE excluded.version >= sla_schedule.version`, sc.Item, sc.Version, next)
	}
	if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("schedule SLA looks: %w", err)
	}
	return nil
}
