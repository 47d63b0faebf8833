// Package sqlite is the embedded default store: one SQLite database file in
// a data directory, with WAL, synchronous=NORMAL (FULL on request), foreign
// keys and a busy timeout; writes go through a one-connection pool so they
// queue in Go instead of failing on SQLITE_BUSY, reads through their own
// pool. Migrations are embedded and applied forward-only.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/svcflow/svcflow/internal/desk"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// FileName is the database file inside the data directory.
const FileName = "svcflow.db"

// Options tunes the store.
type Options struct {
	// SyncFull sets synchronous=FULL: a commit survives power loss, not only
	// a process crash, at some cost in write speed.
	SyncFull bool
	// Readers is the size of the read pool (default 4).
	Readers int
}

// Store is the SQLite implementation of desk.Store.
type Store struct {
	path  string
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB

	writeStmts, readStmts sync.Map // query text → *sql.Stmt

	lastPurge atomic.Int64 // when expired idempotency keys were last dropped

	appends    chan *appendRequest // the group-commit queue
	writerDone chan struct{}
	closeOnce  sync.Once
	sendMu     sync.RWMutex // held to send; Close takes it to close the queue
	closed     bool
}

var _ desk.Store = (*Store)(nil)

// Open opens (creating if needed) the store in dir and migrates it.
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	sync := "NORMAL"
	if opt.SyncFull {
		sync = "FULL"
	}
	dsn := func(txlock string) string {
		q := []string{
			"_pragma=journal_mode(WAL)",
			"_pragma=synchronous(" + sync + ")",
			"_pragma=foreign_keys(1)",
			"_pragma=busy_timeout(10000)",
			"_txlock=" + txlock,
		}
		return "file:" + path + "?" + strings.Join(q, "&")
	}
	write, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	readers := opt.Readers
	if readers <= 0 {
		readers = 4
	}
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	s := &Store{path: path, write: write, read: read}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepareWrites(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.startWriter()
	return s, nil
}

// Path returns the database file.
func (s *Store) Path() string { return s.path }

// Close waits for queued appends, then closes both pools.
func (s *Store) Close() error {
	s.stopWriter()
	return errors.Join(s.read.Close(), s.write.Close())
}

// migrate applies the embedded migrations not yet applied, each in its own
// transaction with its version row.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ns INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", base)
		}
		var n int
		if err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_ns) VALUES (?, ?)`, v, time.Now().UnixNano())
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
	var v sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// tx runs f in a write transaction (BEGIN IMMEDIATE through the one-writer
// pool) and commits, or rolls back on error.
func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok").
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	err := s.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res)
	return res, err
}

// isUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// DB returns the write pool, for tests and maintenance that need raw SQL.
func (s *Store) DB() *sql.DB { return s.write }

// prepared returns the statement for q on db, preparing it once: SQLite
// parses SQL in pure Go here, and parsing the same text on every call was
// a large share of a transition's CPU time.
func (s *Store) prepared(ctx context.Context, db *sql.DB, cache *sync.Map, q string) (*sql.Stmt, error) {
	if st, ok := cache.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := cache.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// txExec runs a write statement inside tx, prepared when it is one of the
// statements prepared at Open. Preparing lazily is not possible here: the
// write pool's one connection belongs to the transaction.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st, ok := s.writeStmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// txQueryRow runs a write-side query (INSERT … RETURNING) inside tx.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st, ok := s.writeStmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// prepareWrites prepares the statements of the hot write path once, on the
// write pool's connection, before any transaction holds it.
func (s *Store) prepareWrites(ctx context.Context) error {
	for _, q := range hotWrites {
		if _, err := s.prepared(ctx, s.write, &s.writeStmts, q); err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
	}
	return nil
}

// readRow runs a read query through the prepared cache of the read pool.
func (s *Store) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, s.read, &s.readStmts, q)
	if err != nil {
		return s.read.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Backup writes a consistent copy of the database to path while the store
// stays online (VACUUM INTO: one read transaction, a compact file), then
// checks the copy's integrity. Attachments live beside the database and
// are copied by the caller.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", path)
	}
	if _, err := s.read.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return CheckFile(ctx, path)
}

// CheckFile runs PRAGMA integrity_check on a database file.
func CheckFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("check %s: integrity check says %q", path, res)
	}
	return nil
}
