package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// SLADue returns the items the SLA ticker must look at: open or changed
// lately, and without a current schedule or due for a look.
func (s *Store) SLADue(ctx context.Context, now, changedSince time.Time, limit int) ([]*svcflow.WorkItem, error) {
	items, err := s.queryItems(ctx, `SELECT i.state FROM items i LEFT JOIN sla_schedule s ON s.item = i.id
		WHERE i.id IN (SELECT id FROM items WHERE status IN ('new', 'in_progress', 'on_hold', 'resolved')
			UNION SELECT id FROM items WHERE updated_ns >= ?)
		AND (s.item IS NULL OR s.version <> i.version OR s.next_ns <= ?)
		ORDER BY i.num LIMIT ?`, changedSince.UnixNano(), now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("items due for an SLA look: %w", err)
	}
	return items, nil
}

// ScheduleSLA saves when items next need an SLA look.
func (s *Store) ScheduleSLA(ctx context.Context, schedules []desk.SLASchedule) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO sla_schedule (item, version, next_ns) VALUES (?, ?, ?)
			ON CONFLICT (item) DO UPDATE SET version = excluded.version, next_ns = excluded.next_ns
			WHERE excluded.version >= sla_schedule.version`)
		if err != nil {
			return fmt.Errorf("schedule SLA looks: %w", err)
		}
		defer st.Close()
		for _, sc := range schedules {
			if _, err := st.ExecContext(ctx, sc.Item, sc.Version, nextNS(sc.Next)); err != nil {
				return fmt.Errorf("schedule the SLA look of %s: %w", sc.Item, err)
			}
		}
		return nil
	})
}

// nextNS stores "never" as the largest time, so one comparison serves.
func nextNS(t time.Time) int64 {
	if t.IsZero() {
		return math.MaxInt64
	}
	return t.UnixNano()
}
