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

// ScheduleSLA saves when items next need an SLA look, unless the SLA
// inputs changed since generation.
func (s *Store) ScheduleSLA(ctx context.Context, generation int64, schedules []desk.SLASchedule) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Shared with other savers, exclusive against a change of inputs,
		// which moves the generation on before it clears the schedule.
		var now int64
		if err := tx.QueryRow(ctx, `SELECT value FROM counters WHERE name = 'sla_generation' FOR SHARE`).Scan(&now); err != nil {
			return fmt.Errorf("SLA generation: %w", err)
		}
		if now != generation {
			return nil // the SLA inputs changed while these were computed
		}
		var b pgx.Batch
		for _, sc := range schedules {
			next := int64(math.MaxInt64) // never, until the item or the policies change
			if !sc.Next.IsZero() {
				next = sc.Next.UnixNano()
			}
			due := int64(0)
			if !sc.Due.IsZero() {
				due = sc.Due.UnixNano()
			}
			b.Queue(`INSERT INTO sla_schedule (item, version, next_ns, due_ns) VALUES ($1, $2, $3, $4)
				ON CONFLICT (item) DO UPDATE SET version = excluded.version, next_ns = excluded.next_ns, due_ns = excluded.due_ns
				WHERE excluded.version >= sla_schedule.version`, sc.Item, sc.Version, next, due)
		}
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("schedule SLA looks: %w", err)
		}
		return nil
	})
}

// SLASchedules returns the saved schedules of the items among ids.
func (s *Store) SLASchedules(ctx context.Context, ids []string) (map[string]desk.SLASchedule, error) {
	out := make(map[string]desk.SLASchedule, len(ids))
	rows, err := s.pool.Query(ctx, `SELECT item, version, next_ns, due_ns FROM sla_schedule WHERE item = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("SLA schedules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sc desk.SLASchedule
		var next, due int64
		if err := rows.Scan(&sc.Item, &sc.Version, &next, &due); err != nil {
			return nil, fmt.Errorf("SLA schedules: %w", err)
		}
		if next != math.MaxInt64 {
			sc.Next = time.Unix(0, next).UTC()
		}
		if due != 0 {
			sc.Due = time.Unix(0, due).UTC()
		}
		out[sc.Item] = sc
	}
	return out, rows.Err()
}

// SLAGeneration counts the changes to SLA inputs.
func (s *Store) SLAGeneration(ctx context.Context) (int64, error) {
	var g int64
	if err := s.pool.QueryRow(ctx, `SELECT value FROM counters WHERE name = 'sla_generation'`).Scan(&g); err != nil {
		return 0, fmt.Errorf("SLA generation: %w", err)
	}
	return g, nil
}
