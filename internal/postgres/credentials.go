package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// SetPassword stores a person's password hash.
func (s *Store) SetPassword(ctx context.Context, person, hash string, e svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return setPasswordTx(ctx, tx, person, hash, e) })
}

func setPasswordTx(ctx context.Context, tx pgx.Tx, person, hash string, e svcflow.Event) error {
	if _, err := tx.Exec(ctx, `INSERT INTO passwords (person, hash) VALUES ($1, $2)
		ON CONFLICT (person) DO UPDATE SET hash = excluded.hash`, person, hash); err != nil {
		return fmt.Errorf("set password of %s: %w", person, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE person = $1`, person); err != nil {
		return fmt.Errorf("end the sessions of %s: %w", person, err)
	}
	return appendConfigEvent(ctx, tx, e)
}

// PutPersonWithPassword saves a person and their password in one
// transaction, under the same lock as PutConfigIf.
func (s *Store) PutPersonWithPassword(ctx context.Context, p *svcflow.Person, hash string, accepts func([]byte) bool, events [2]svcflow.Event) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := lockedConfig(ctx, tx, desk.ConfigPerson, p.ID)
		if err != nil {
			return err
		}
		if !accepts(cur) {
			return desk.ErrChanged
		}
		if err := putPersonTx(ctx, tx, p, events[0]); err != nil {
			return err
		}
		return setPasswordTx(ctx, tx, p.ID, hash, events[1])
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

// IdempotentRecord loads the record of a key created after since.
func (s *Store) IdempotentRecord(ctx context.Context, key string, since time.Time) (*desk.IdempotentRecord, error) {
	var rec desk.IdempotentRecord
	var r desk.IdempotentResponse
	err := s.pool.QueryRow(ctx, `SELECT result, status, content_type, etag, body FROM idempotency WHERE key = $1 AND created_ns >= $2`,
		key, since.UnixNano()).Scan(&rec.Result, &r.Status, &r.ContentType, &r.ETag, &r.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load idempotency key: %w", err)
	}
	if r.Status != 0 {
		rec.Response = &r
	}
	return &rec, nil
}

// RememberResponse stores the response to a keyed request. A claimed
// key's answer rides along in the next group commit, unawaited, instead of taking a
// transaction of its own.
func (s *Store) RememberResponse(ctx context.Context, key string, now, expired time.Time, r desk.IdempotentResponse, claimed bool) error {
	purge := s.purgeDue(now)
	write := func(b *pgx.Batch) {
		if purge {
			b.Queue(`DELETE FROM idempotency WHERE created_ns < $1`, expired.UnixNano())
		}
		if claimed {
			b.Queue(`UPDATE idempotency SET status = $1, content_type = $2, etag = $3, body = $4 WHERE key = $5`,
				r.Status, r.ContentType, r.ETag, r.Body, key)
		} else {
			b.Queue(`INSERT INTO idempotency (key, created_ns, status, content_type, etag, body) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (key) DO NOTHING`, key, now.UnixNano(), r.Status, r.ContentType, r.ETag, r.Body)
		}
	}
	if claimed {
		// Not waited for: the change and its key are committed already,
		// and a retry that comes before this answer waits for it.
		return s.enqueue(&appendRequest{ctx: context.WithoutCancel(ctx), write: write, done: make(chan error, 1)})
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		write(&b)
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("remember idempotent response: %w", err)
		}
		return nil
	})
}

// queueClaim queues the recording of the key of the request an append
// belongs to; a live record under the key means the change was made
// already, and the append fails with ErrKeyUsed.
func queueClaim(b *pgx.Batch, c *desk.IdempotencyClaim, result string) {
	b.Queue(`INSERT INTO idempotency (key, created_ns, result) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET created_ns = excluded.created_ns, result = excluded.result, status = 0, content_type = '', etag = '', body = NULL
		WHERE idempotency.created_ns < $4`, c.Key, c.Created.UnixNano(), result, c.Expired.UnixNano()).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() == 0 {
				return desk.ErrKeyUsed
			}
			return nil
		})
}

// purgeEvery is how often a store drops expired idempotency keys: rarely,
// since they only take room.
const purgeEvery = time.Minute

// purgeDue reports whether it is time to drop expired idempotency keys,
// and if so takes the turn.
func (s *Store) purgeDue(now time.Time) bool {
	last := s.lastPurge.Load()
	return now.UnixNano()-last >= int64(purgeEvery) && s.lastPurge.CompareAndSwap(last, now.UnixNano())
}
