package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
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
func (s *Store) ScheduleSLA(ctx context.Context, generation int64, schedules []desk.SLASchedule) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var now int64
		if err := tx.QueryRowContext(ctx, sqlSLAGeneration).Scan(&now); err != nil {
			return fmt.Errorf("SLA generation: %w", err)
		}
		if now != generation {
			return nil // the SLA inputs changed while these were computed
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO sla_schedule (item, version, next_ns, due_ns) VALUES (?, ?, ?, ?)
			ON CONFLICT (item) DO UPDATE SET version = excluded.version, next_ns = excluded.next_ns, due_ns = excluded.due_ns
			WHERE excluded.version >= sla_schedule.version`)
		if err != nil {
			return fmt.Errorf("schedule SLA looks: %w", err)
		}
		defer st.Close()
		for _, sc := range schedules {
			if _, err := st.ExecContext(ctx, sc.Item, sc.Version, nextNS(sc.Next), dueNS(sc.Due)); err != nil {
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

// dueNS stores "no due time" as 0.
func dueNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// SLASchedules returns the saved schedules of the items among ids.
func (s *Store) SLASchedules(ctx context.Context, ids []string) (map[string]desk.SLASchedule, error) {
	out := make(map[string]desk.SLASchedule, len(ids))
	for start := 0; start < len(ids); start += 500 { // within SQLite's limit on parameters
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.read.QueryContext(ctx, `SELECT item, version, next_ns, due_ns FROM sla_schedule WHERE item IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("SLA schedules: %w", err)
		}
		for rows.Next() {
			var sc desk.SLASchedule
			var next, due int64
			if err := rows.Scan(&sc.Item, &sc.Version, &next, &due); err != nil {
				rows.Close()
				return nil, fmt.Errorf("SLA schedules: %w", err)
			}
			sc.Next, sc.Due = timeOfNS(next), timeOfNS(due)
			out[sc.Item] = sc
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("SLA schedules: %w", err)
		}
	}
	return out, nil
}

// timeOfNS reads a stored instant; 0 and the largest value mean none.
func timeOfNS(ns int64) time.Time {
	if ns == 0 || ns == math.MaxInt64 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

const sqlSLAGeneration = `SELECT value FROM counters WHERE name = 'sla_generation'`

// SLAGeneration counts the changes to SLA inputs.
func (s *Store) SLAGeneration(ctx context.Context) (int64, error) {
	var g int64
	if err := s.readRow(ctx, sqlSLAGeneration).Scan(&g); err != nil {
		return 0, fmt.Errorf("SLA generation: %w", err)
	}
	return g, nil
}
