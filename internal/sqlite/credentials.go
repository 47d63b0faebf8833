package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// SetPassword stores a person's password hash.
func (s *Store) SetPassword(ctx context.Context, person, hash string, e svcflow.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.setPasswordTx(ctx, tx, person, hash, e) })
}

func (s *Store) setPasswordTx(ctx context.Context, tx *sql.Tx, person, hash string, e svcflow.Event) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO passwords (person, hash) VALUES (?, ?)
		ON CONFLICT (person) DO UPDATE SET hash = excluded.hash`, person, hash); err != nil {
		return fmt.Errorf("set password of %s: %w", person, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE person = ?`, person); err != nil {
		return fmt.Errorf("end the sessions of %s: %w", person, err)
	}
	return s.appendConfigEvent(ctx, tx, e)
}

// PutPersonWithPassword saves a person and their password in one
// transaction.
func (s *Store) PutPersonWithPassword(ctx context.Context, p *svcflow.Person, hash string, accepts func([]byte) bool, events [2]svcflow.Event) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		stored, err := storedConfig(ctx, tx, desk.ConfigPerson, p.ID)
		if err != nil {
			return err
		}
		if !accepts(stored) {
			return desk.ErrChanged
		}
		if err := s.putPersonTx(ctx, tx, p, data, events[0]); err != nil {
			return err
		}
		return s.setPasswordTx(ctx, tx, p.ID, hash, events[1])
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

// IdempotentRecord loads the record of a key created after since.
func (s *Store) IdempotentRecord(ctx context.Context, key string, since time.Time) (*desk.IdempotentRecord, error) {
	var rec desk.IdempotentRecord
	var r desk.IdempotentResponse
	err := s.readRow(ctx, `SELECT result, status, content_type, etag, body FROM idempotency WHERE key = ? AND created_ns >= ?`,
		key, since.UnixNano()).Scan(&rec.Result, &r.Status, &r.ContentType, &r.ETag, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
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
// write transaction of its own.
func (s *Store) RememberResponse(ctx context.Context, key string, now, expired time.Time, r desk.IdempotentResponse, claimed bool) error {
	purge := s.purgeDue(now)
	write := func(ctx context.Context, tx *sql.Tx) error {
		if purge {
			if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE created_ns < ?`, expired.UnixNano()); err != nil {
				return fmt.Errorf("drop expired idempotency keys: %w", err)
			}
		}
		q := `INSERT INTO idempotency (key, created_ns, status, content_type, etag, body) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING`
		args := []any{key, now.UnixNano(), r.Status, r.ContentType, r.ETag, r.Body}
		if claimed {
			q = sqlRemember
			args = []any{r.Status, r.ContentType, r.ETag, r.Body, key}
		}
		if _, err := s.txExec(ctx, tx, q, args...); err != nil {
			return fmt.Errorf("remember idempotent response: %w", err)
		}
		return nil
	}
	if claimed {
		// Not waited for: the change and its key are committed already,
		// and a retry that comes before this answer waits for it.
		return s.enqueue(&appendRequest{ctx: context.WithoutCancel(ctx), write: write, done: make(chan error, 1)})
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return write(ctx, tx) })
}

const sqlRemember = `UPDATE idempotency SET status = ?, content_type = ?, etag = ?, body = ? WHERE key = ?`

// sqlClaimKey records a request's key in its append's transaction unless
// a live record holds it.
const sqlClaimKey = `INSERT INTO idempotency (key, created_ns, result) VALUES (?, ?, ?)
	ON CONFLICT (key) DO UPDATE SET created_ns = excluded.created_ns, result = excluded.result, status = 0, content_type = '', etag = '', body = NULL
	WHERE idempotency.created_ns < ?`

// claimIdempotencyKey records the key of the request an append belongs
// to; a live record under the key means the change was made already.
func (s *Store) claimIdempotencyKey(ctx context.Context, tx *sql.Tx, c *desk.IdempotencyClaim, result string) error {
	res, err := s.txExec(ctx, tx, sqlClaimKey, c.Key, c.Created.UnixNano(), result, c.Expired.UnixNano())
	if err != nil {
		return fmt.Errorf("record idempotency key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return desk.ErrKeyUsed
	}
	return nil
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
