package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// RecordFiring writes a firing and its deliveries, or nothing when the
// firing is recorded already.
func (s *Store) RecordFiring(ctx context.Context, f desk.Firing) (bool, error) {
	created := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO firings (rule, item, seq, created_ns) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			f.Rule, f.Item, f.Seq, f.Created.UnixNano())
		if err != nil {
			return fmt.Errorf("record firing %s on %s@%d: %w", f.Rule, f.Item, f.Seq, err)
		}
		if n := res.RowsAffected(); n == 0 {
			return nil // another instance recorded it first
		}
		created = true
		for _, d := range f.Deliveries {
			_, err := tx.Exec(ctx, `INSERT INTO deliveries (id, rule, item, seq, channel, webhook, target, event_type, payload,
				status, attempts, next_ns, created_ns, updated_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $13)`,
				d.ID, f.Rule, f.Item, f.Seq, d.Channel, d.Webhook, d.Target, d.EventType, d.Payload,
				desk.DeliveryPending, d.NextAttempt.UnixNano(), f.Created.UnixNano(), f.Created.UnixNano())
			if err != nil {
				return fmt.Errorf("record delivery %s: %w", d.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// Cursor returns where a consumer stands.
func (s *Store) Cursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT seq FROM consumer_cursors WHERE name = $1`, name).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cursor %s: %w", name, err)
	}
	return seq, nil
}

// AdvanceCursor moves a consumer's cursor forward, never back.
func (s *Store) AdvanceCursor(ctx context.Context, name string, seq int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO consumer_cursors (name, seq) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET seq = greatest(consumer_cursors.seq, excluded.seq)`, name, seq)
		if err != nil {
			return fmt.Errorf("advance cursor %s: %w", name, err)
		}
		return nil
	})
}

const deliveryColumns = `id, rule, item, seq, channel, webhook, target, event_type, payload, status, attempts, next_ns, last_error, created_ns, updated_ns, claim`

func scanDelivery(sc interface{ Scan(...any) error }) (desk.Delivery, error) {
	var d desk.Delivery
	var next, created, updated int64
	err := sc.Scan(&d.ID, &d.Rule, &d.Item, &d.Seq, &d.Channel, &d.Webhook, &d.Target, &d.EventType, &d.Payload,
		&d.Status, &d.Attempts, &next, &d.LastError, &created, &updated, &d.Claim)
	if err != nil {
		return d, err
	}
	if d.Status == desk.DeliveryPending {
		d.NextAttempt = time.Unix(0, next).UTC()
	}
	d.Created, d.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return d, nil
}

// ClaimDeliveries leases due deliveries; SKIP LOCKED lets workers on
// several instances claim at once without waiting for or taking each
// other's rows.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int, channels ...string) ([]desk.Delivery, error) {
	var out []desk.Delivery
	err := s.tx(ctx, func(tx pgx.Tx) error {
		claim := rand.Text()
		res, err := tx.Exec(ctx, `UPDATE deliveries SET claim = $1, lease_ns = $2 WHERE id IN (
			SELECT id FROM deliveries WHERE status = 'pending' AND next_ns <= $3 AND lease_ns <= $4
				AND (cardinality($6::text[]) = 0 OR channel = ANY($6)) ORDER BY next_ns LIMIT $5 FOR UPDATE SKIP LOCKED)`,
			claim, now.Add(lease).UnixNano(), now.UnixNano(), now.UnixNano(), limit, append([]string{}, channels...))
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		if n := res.RowsAffected(); n == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE claim = $1 AND status = 'pending' ORDER BY next_ns`, claim)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return fmt.Errorf("claim deliveries: %w", err)
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// RecordAttempt logs an attempt and updates its delivery, if the claim
// still holds.
func (s *Store) RecordAttempt(ctx context.Context, d desk.Delivery, a desk.DeliveryAttempt) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE deliveries SET status = $1, attempts = $2, next_ns = $3, last_error = $4, updated_ns = $5,
			claim = '', lease_ns = 0 WHERE id = $6 AND claim = $7 AND status = 'pending'`,
			d.Status, d.Attempts, d.NextAttempt.UnixNano(), d.LastError, a.Time.UnixNano(), d.ID, d.Claim)
		if err != nil {
			return fmt.Errorf("record attempt on %s: %w", d.ID, err)
		}
		if n := res.RowsAffected(); n == 0 {
			return desk.ErrConflict // the lease ran out and another worker took it
		}
		_, err = tx.Exec(ctx, `INSERT INTO delivery_attempts (delivery, n, time_ns, ok, code, reply, error) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			d.ID, a.N, a.Time.UnixNano(), a.OK, a.Code, a.Reply, a.Error)
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("log attempt on %s: %w", d.ID, err)
		}
		return nil
	})
}

// Delivery loads one delivery.
func (s *Store) Delivery(ctx context.Context, id string) (desk.Delivery, error) {
	d, err := scanDelivery(s.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, desk.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("load delivery %s: %w", id, err)
	}
	return d, nil
}

// Deliveries lists deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, f desk.DeliveryFilter) ([]desk.Delivery, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE ($1 = '' OR webhook = $2) AND ($3 = '' OR item = $4) ORDER BY created_ns DESC, id LIMIT $5`,
		f.Webhook, f.Webhook, f.Item, f.Item, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []desk.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliveryAttempts returns a delivery's log, oldest first.
func (s *Store) DeliveryAttempts(ctx context.Context, delivery string) ([]desk.DeliveryAttempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT n, time_ns, ok, code, reply, error FROM delivery_attempts WHERE delivery = $1 ORDER BY n`, delivery)
	if err != nil {
		return nil, fmt.Errorf("delivery log of %s: %w", delivery, err)
	}
	defer rows.Close()
	var out []desk.DeliveryAttempt
	for rows.Next() {
		a := desk.DeliveryAttempt{Delivery: delivery}
		var ns int64
		if err := rows.Scan(&a.N, &ns, &a.OK, &a.Code, &a.Reply, &a.Error); err != nil {
			return nil, fmt.Errorf("delivery log of %s: %w", delivery, err)
		}
		a.Time = time.Unix(0, ns).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutWebhook saves a webhook with its configuration event.
func (s *Store) PutWebhook(ctx context.Context, w *desk.Webhook, e svcflow.Event) error {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO webhooks (id, url, secret, events, active, created_ns) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret, events = excluded.events, active = excluded.active`,
			w.ID, w.URL, w.Secret, string(events), w.Active, w.Created.UnixNano())
		if err != nil {
			return fmt.Errorf("save webhook %s: %w", w.ID, err)
		}
		return appendConfigEvent(ctx, tx, e)
	})
}

const webhookColumns = `id, url, secret, events, active, created_ns`

func scanWebhook(sc interface{ Scan(...any) error }) (*desk.Webhook, error) {
	var w desk.Webhook
	var events string
	var ns int64
	if err := sc.Scan(&w.ID, &w.URL, &w.Secret, &events, &w.Active, &ns); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("decode events of webhook %s: %w", w.ID, err)
	}
	w.Created = time.Unix(0, ns).UTC()
	return &w, nil
}

// Webhook loads one webhook, secret included.
func (s *Store) Webhook(ctx context.Context, id string) (*desk.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook %s: %w", id, err)
	}
	return w, nil
}

// Webhooks lists webhooks by id.
func (s *Store) Webhooks(ctx context.Context) ([]*desk.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	var out []*desk.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook removes a webhook with its configuration event.
func (s *Store) DeleteWebhook(ctx context.Context, id string, e svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete webhook %s: %w", id, err)
		}
		if n := res.RowsAffected(); n == 0 {
			return desk.ErrNotFound
		}
		return appendConfigEvent(ctx, tx, e)
	})
}

// Secret returns the named installation secret, storing candidate when
// there is none yet.
func (s *Store) Secret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	var v []byte
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, name, candidate); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
		if err := tx.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
		return nil
	})
	return v, err
}
