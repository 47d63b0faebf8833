// Package postgres is the scale-out store: any number of svcflow instances
// share one PostgreSQL database through a pgx connection pool. Its tables
// live in the schema of the connection's search_path (default public, or
// Options.Schema); the event log is the table events. Every connection runs
// with synchronous_commit=on, so an acknowledged write survives a crash of
// the database server (SPEC §7, §8). Attachments are stored in the database
// itself. Migrations are embedded, forward-only, and applied under a
// session advisory lock so instances starting together cannot race.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/svcflow/svcflow/internal/desk"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options tunes the store.
type Options struct {
	// Schema, when set, is created if missing and made the search_path of
	// every connection, so several stores (or test runs) can share one
	// database without seeing each other's tables.
	Schema string
	// BeforeCommit, when set, runs in every Append after the events are
	// written and before the commit: tests use it to delay commits and
	// prove the event cursor never skips one.
	BeforeCommit func()
	// MaxConns bounds the pool (default: pgxpool's, the larger of 4 and
	// the number of CPUs).
	MaxConns int32
}

// Store is the PostgreSQL implementation of desk.Store.
type Store struct {
	pool         *pgxpool.Pool
	schema       string
	beforeCommit func()
	w            *writer      // the group-commit queue of appends
	lastPurge    atomic.Int64 // when expired idempotency keys were last dropped
}

var _ desk.Store = (*Store)(nil)

// Lock keys (hashed by hashtext into advisory lock numbers).
const (
	// migrateLock is held, per schema, by the instance migrating it.
	migrateLock = "svcflow-migrate"
	// eventsLock is taken by every transaction that writes events, and
	// held to its commit. It makes seq order commit order, so a consumer
	// reading Events(after) never skips an event that commits late with a
	// lower seq, and it serialises the max(version)+1 of configuration
	// events. The group commit of appends takes it first of all, before
	// any item row; configuration writes take it last, after rows that
	// appends do not lock. So it cannot join a deadlock with row locks.
	eventsLock = "svcflow-events"
)

// Open connects to the database at url (a postgres:// URL or key=value
// DSN), and migrates it.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	// Runtime parameters travel in the startup message: no extra round
	// trip per connection, and no connection can be used without them.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	if opt.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opt.Schema}.Sanitize()
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s := &Store{pool: pool, schema: opt.Schema, beforeCommit: opt.BeforeCommit}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.startWriter()
	return s, nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.stopWriter()
	s.pool.Close()
	return nil
}

// Pool returns the connection pool, for tests and maintenance that need
// raw SQL.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// migrate applies the embedded migrations not yet applied, each in its own
// transaction with its version row, holding a session advisory lock on one
// connection so that concurrent instances apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	key := migrateLock + ":" + s.schema
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext($1))`, key); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// A lock left behind would block every later start, so unlock even
		// when ctx has ended; a broken connection drops it anyway.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext($1))`, key); err != nil {
			conn.Conn().Close(context.Background())
		}
	}()
	if s.schema != "" {
		if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
			return fmt.Errorf("migrate: create schema %s: %w", s.schema, err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_ns bigint NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := path.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", base)
		}
		var applied bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, v).Scan(&applied); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if applied {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// Without arguments pgx sends the simple protocol, which runs
			// a file of several statements in one call.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_ns) VALUES ($1, $2)`, v, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v *int
	if err := s.pool.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// tx runs f in a transaction and commits, or rolls back on error. The
// commit runs without ctx's cancellation: once the statements are written,
// the caller must learn whether they were committed, and a commit cut off
// mid-flight would leave that unknown (the SQLite store likewise waits for
// the verdict of a queued append).
func (s *Store) tx(ctx context.Context, f func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return conflictOr(err)
	}
	if err := tx.Commit(context.WithoutCancel(ctx)); err != nil {
		return conflictOr(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// PostgreSQL error codes the store maps to desk errors.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// isUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool { return pgCode(err) == codeUniqueViolation }

// conflictOr turns the errors that mean "another transaction got there
// first" into desk.ErrConflict, so callers retry or report a conflict as
// they do with SQLite. A deadlock can arise here and not in SQLite (which
// has one writer): an Append of several changes locks their item rows in
// the order given.
func conflictOr(err error) error {
	switch pgCode(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return fmt.Errorf("%w: %w", desk.ErrConflict, err)
	}
	return err
}

// lockEvents takes the events lock for the rest of tx (see eventsLock).
func lockEvents(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, eventsLock); err != nil {
		return fmt.Errorf("lock the event log: %w", err)
	}
	return nil
}
