package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// inFlightTimeout is how long a reserved idempotency key without a response
// blocks repeats; after it the first request is taken to have died.
const inFlightTimeout = time.Minute

// SetPassword stores a person's password hash.
func (s *Store) SetPassword(ctx context.Context, person, hash string, e svcflow.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO passwords (person, hash) VALUES (?, ?)
			ON CONFLICT (person) DO UPDATE SET hash = excluded.hash`, person, hash); err != nil {
			return fmt.Errorf("set password of %s: %w", person, err)
		}
		return s.appendConfigEvent(ctx, tx, e)
	})
}

// PasswordHash loads a person's password hash.
func (s *Store) PasswordHash(ctx context.Context, person string) (string, error) {
	var h string
	err := s.read.QueryRowContext(ctx, `SELECT hash FROM passwords WHERE person = ?`, person).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", desk.ErrNotFound
	}
	return h, err
}

// PutToken stores a token's hash.
func (s *Store) PutToken(ctx context.Context, t desk.Token, e svcflow.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, id, person, name, created_ns) VALUES (?, ?, ?, ?, ?)`,
			t.Hash, t.ID, t.Person, t.Name, t.Created.UnixNano())
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("save token: %w", err)
		}
		return s.appendConfigEvent(ctx, tx, e)
	})
}

// TokenByHash finds a token by the hash of its secret.
func (s *Store) TokenByHash(ctx context.Context, hash string) (desk.Token, error) {
	t := desk.Token{Hash: hash}
	var ns int64
	err := s.readRow(ctx, `SELECT id, person, name, created_ns FROM tokens WHERE hash = ?`, hash).Scan(&t.ID, &t.Person, &t.Name, &ns)
	if errors.Is(err, sql.ErrNoRows) {
		return t, desk.ErrNotFound
	}
	t.Created = time.Unix(0, ns).UTC()
	return t, err
}

// PutSession stores a session and drops expired ones.
func (s *Store) PutSession(ctx context.Context, ss desk.Session) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_ns < ?`, ss.Created.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, person, csrf, created_ns, expires_ns) VALUES (?, ?, ?, ?, ?)`,
			ss.Hash, ss.Person, ss.CSRF, ss.Created.UnixNano(), ss.Expires.UnixNano())
		return err
	})
}

// SessionByHash loads a session that has not expired at now.
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (desk.Session, error) {
	ss := desk.Session{Hash: hash}
	var c, x int64
	err := s.read.QueryRowContext(ctx, `SELECT person, csrf, created_ns, expires_ns FROM sessions WHERE hash = ? AND expires_ns > ?`,
		hash, now.UnixNano()).Scan(&ss.Person, &ss.CSRF, &c, &x)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, desk.ErrNotFound
	}
	ss.Created, ss.Expires = time.Unix(0, c).UTC(), time.Unix(0, x).UTC()
	return ss, err
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
		return err
	})
}

// ReserveIdempotencyKey claims a key, or returns its remembered response.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, key string, now time.Time, ttl time.Duration) (*desk.IdempotentResponse, error) {
	var out *desk.IdempotentResponse
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE created_ns < ?`, now.Add(-ttl).UnixNano()); err != nil {
			return err
		}
		var r desk.IdempotentResponse
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT status, content_type, etag, body, created_ns FROM idempotency WHERE key = ?`, key).
			Scan(&r.Status, &r.ContentType, &r.ETag, &r.Body, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO idempotency (key, created_ns) VALUES (?, ?)`, key, now.UnixNano())
			return err
		case err != nil:
			return err
		case r.Status != 0:
			out = &r
			return nil
		case now.Sub(time.Unix(0, created)) > inFlightTimeout:
			_, err = tx.ExecContext(ctx, `UPDATE idempotency SET created_ns = ? WHERE key = ?`, now.UnixNano(), key)
			return err
		default:
			return desk.ErrConflict
		}
	})
	return out, err
}

// CompleteIdempotencyKey remembers the response of a reserved key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, key string, r desk.IdempotentResponse) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE idempotency SET status = ?, content_type = ?, etag = ?, body = ? WHERE key = ?`,
			r.Status, r.ContentType, r.ETag, r.Body, key)
		return err
	})
}

// ReleaseIdempotencyKey forgets a reserved key whose request failed, so a
// retry can run.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE key = ? AND status = 0`, key)
		return err
	})
}
