package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// inFlightTimeout is how long a reserved idempotency key without a response
// blocks repeats; after it the first request is taken to have died.
const inFlightTimeout = time.Minute

// SetPassword stores a person's password hash.
func (s *Store) SetPassword(ctx context.Context, person, hash string, e svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO passwords (person, hash) VALUES ($1, $2)
			ON CONFLICT (person) DO UPDATE SET hash = excluded.hash`, person, hash); err != nil {
			return fmt.Errorf("set password of %s: %w", person, err)
		}
		return appendConfigEvent(ctx, tx, e)
	})
}

// PasswordHash loads a person's password hash.
func (s *Store) PasswordHash(ctx context.Context, person string) (string, error) {
	var h string
	err := s.pool.QueryRow(ctx, `SELECT hash FROM passwords WHERE person = $1`, person).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", desk.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("load password of %s: %w", person, err)
	}
	return h, nil
}

// PutToken stores a token's hash.
func (s *Store) PutToken(ctx context.Context, t desk.Token, e svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tokens (hash, id, person, name, created_ns) VALUES ($1, $2, $3, $4, $5)`,
			t.Hash, t.ID, t.Person, t.Name, t.Created.UnixNano())
		if isUniqueViolation(err) {
			return desk.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("save token %s: %w", t.ID, err)
		}
		return appendConfigEvent(ctx, tx, e)
	})
}

// TokenByHash finds a token by the hash of its secret.
func (s *Store) TokenByHash(ctx context.Context, hash string) (desk.Token, error) {
	t := desk.Token{Hash: hash}
	var ns int64
	err := s.pool.QueryRow(ctx, `SELECT id, person, name, created_ns FROM tokens WHERE hash = $1`, hash).Scan(&t.ID, &t.Person, &t.Name, &ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, desk.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("load token: %w", err)
	}
	t.Created = time.Unix(0, ns).UTC()
	return t, nil
}

// PutSession stores a session and drops expired ones.
func (s *Store) PutSession(ctx context.Context, ss desk.Session) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_ns < $1`, ss.Created.UnixNano()); err != nil {
			return fmt.Errorf("drop expired sessions: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (hash, person, csrf, created_ns, expires_ns) VALUES ($1, $2, $3, $4, $5)`,
			ss.Hash, ss.Person, ss.CSRF, ss.Created.UnixNano(), ss.Expires.UnixNano()); err != nil {
			return fmt.Errorf("save session of %s: %w", ss.Person, err)
		}
		return nil
	})
}

// SessionByHash loads a session that has not expired at now.
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (desk.Session, error) {
	ss := desk.Session{Hash: hash}
	var c, x int64
	err := s.pool.QueryRow(ctx, `SELECT person, csrf, created_ns, expires_ns FROM sessions WHERE hash = $1 AND expires_ns > $2`,
		hash, now.UnixNano()).Scan(&ss.Person, &ss.CSRF, &c, &x)
	if errors.Is(err, pgx.ErrNoRows) {
		return ss, desk.ErrNotFound
	}
	if err != nil {
		return ss, fmt.Errorf("load session: %w", err)
	}
	ss.Created, ss.Expires = time.Unix(0, c).UTC(), time.Unix(0, x).UTC()
	return ss, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// ReserveIdempotencyKey claims a key, or returns its remembered response.
// Two instances reserving the same new key at once both insert it; the
// primary key makes the later one fail, which is the in-flight conflict.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, key string, now time.Time, ttl time.Duration) (*desk.IdempotentResponse, error) {
	var out *desk.IdempotentResponse
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency WHERE created_ns < $1`, now.Add(-ttl).UnixNano()); err != nil {
			return fmt.Errorf("drop expired idempotency keys: %w", err)
		}
		var r desk.IdempotentResponse
		var created int64
		err := tx.QueryRow(ctx, `SELECT status, content_type, etag, body, created_ns FROM idempotency WHERE key = $1 FOR UPDATE`, key).
			Scan(&r.Status, &r.ContentType, &r.ETag, &r.Body, &created)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			_, err = tx.Exec(ctx, `INSERT INTO idempotency (key, created_ns) VALUES ($1, $2)`, key, now.UnixNano())
			if isUniqueViolation(err) {
				return desk.ErrConflict
			}
			if err != nil {
				return fmt.Errorf("reserve idempotency key: %w", err)
			}
			return nil
		case err != nil:
			return fmt.Errorf("load idempotency key: %w", err)
		case r.Status != 0:
			out = &r
			return nil
		case now.Sub(time.Unix(0, created)) > inFlightTimeout:
			if _, err := tx.Exec(ctx, `UPDATE idempotency SET created_ns = $1 WHERE key = $2`, now.UnixNano(), key); err != nil {
				return fmt.Errorf("take over idempotency key: %w", err)
			}
			return nil
		default:
			return desk.ErrConflict
		}
	})
	return out, err
}

// CompleteIdempotencyKey remembers the response of a reserved key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, key string, r desk.IdempotentResponse) error {
	if _, err := s.pool.Exec(ctx, `UPDATE idempotency SET status = $1, content_type = $2, etag = $3, body = $4 WHERE key = $5`,
		r.Status, r.ContentType, r.ETag, r.Body, key); err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a reserved key whose request failed, so a
// retry can run.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM idempotency WHERE key = $1 AND status = 0`, key); err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
