package cli

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow/internal/postgres"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// storeTables are the tables migrate-store copies, parents before
// children, with the columns both engines share. Sessions and idempotency
// keys are short-lived and stay behind.
var storeTables = []struct {
	name string
	cols []string
}{
	{"streams", []string{"id", "revision", "digest", "definition", "registered_ns"}},
	{"organisations", []string{"id", "data"}},
	{"teams", []string{"id", "data"}},
	{"services", []string{"id", "data"}},
	{"people", []string{"id", "email", "data"}},
	{"passwords", []string{"person", "hash"}},
	{"tokens", []string{"hash", "id", "person", "name", "created_ns"}},
	{"cis", []string{"id", "data"}},
	{"ci_relationships", []string{"from_ci", "to_ci", "type"}},
	{"calendars", []string{"id", "data"}},
	{"sla_policies", []string{"id", "data"}},
	{"counters", []string{"name", "value"}},
	{"items", []string{"id", "num", "kind", "stream", "stream_revision", "status", "priority", "category", "service", "organisation",
		"requested_by", "requested_for", "team", "assignee", "step", "visit_state", "created_ns", "updated_ns", "version", "state"}},
	{"improvements", []string{"id", "num", "data"}},
	{"feedback", []string{"id", "num", "item", "stream", "person", "role", "score", "comment", "created_ns"}},
	{"item_watchers", []string{"item", "person"}},
	{"item_content", []string{"item", "title", "description", "form"}},
	{"item_search", []string{"item", "title", "description", "comments"}},
	{"comments", []string{"id", "item", "author", "public", "body", "created_ns"}},
	{"attachments", []string{"id", "item", "name", "content_type", "size", "sha256", "uploaded_by", "created_ns"}},
	{"item_cis", []string{"item", "ci"}},
	{"sla_marks", []string{"item", "clock", "kind", "since_ns"}},
	{"articles", []string{"id", "num", "version", "status", "updated_ns", "data"}},
	{"article_services", []string{"article", "service"}},
	{"article_cis", []string{"article", "ci"}},
	{"article_revisions", []string{"article", "revision", "data"}},
	{"article_search", []string{"article", "title", "keywords", "symptoms", "cause", "resolution", "workaround"}},
	{"suggestion_sessions", []string{"id", "actor", "created_ns", "deflected", "data"}},
	{"events", []string{"seq", "subject", "version", "time_ns", "actor", "type", "step", "activity", "before", "after", "data"}},
}

// boolColumns are INTEGER in SQLite and boolean in PostgreSQL.
var boolColumns = map[string]bool{"comments.public": true}

// runMigrateStore copies a whole embedded store into an empty PostgreSQL
// database in one transaction, then checks row counts and an event-log
// checksum on both sides: `svcflow migrate-store --from DIR --to URL`.
func runMigrateStore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate-store", "migrate-store --from DATA_DIR --to postgres://… [--to-schema NAME]")
	from := fs.String("from", "", "the data `DIR` of the embedded store to copy (stop its server first)")
	to := fs.String("to", "", "the PostgreSQL `URL` to copy into; its svcflow tables must be empty")
	schema := fs.String("to-schema", "", "the PostgreSQL schema (default public)")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 || *from == "" || *to == "" {
		return usagef("usage: svcflow migrate-store --from DATA_DIR --to postgres://…")
	}
	if _, err := os.Stat(filepath.Join(*from, sqlite.FileName)); err != nil {
		return fmt.Errorf("migrate-store: no store in %s", *from)
	}
	src, err := sqlite.Open(ctx, *from, sqlite.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, *to, postgres.Options{Schema: *schema})
	if err != nil {
		return err
	}
	defer dst.Close()
	var n int
	if err := dst.Pool().QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		return fmt.Errorf("migrate-store: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("migrate-store: the target already holds %d events; copy into an empty database or schema", n)
	}
	tx, err := dst.Pool().Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate-store: %w", err)
	}
	defer tx.Rollback(ctx)
	copied := map[string]int64{}
	// Migrations seed counters (the SLA generation); the copy brings the
	// source's own.
	if _, err := tx.Exec(ctx, `DELETE FROM counters`); err != nil {
		return fmt.Errorf("migrate-store: counters: %w", err)
	}
	for _, t := range storeTables {
		c, err := copyTable(ctx, src.DB(), tx, t.name, t.cols)
		if err != nil {
			return fmt.Errorf("migrate-store: table %s: %w", t.name, err)
		}
		copied[t.name] = c
	}
	if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('events', 'seq'), greatest((SELECT max(seq) FROM events), 1))`); err != nil {
		return fmt.Errorf("migrate-store: event sequence: %w", err)
	}
	blobs, err := copyBlobs(ctx, filepath.Join(*from, attachmentsDir), tx)
	if err != nil {
		return fmt.Errorf("migrate-store: attachments: %w", err)
	}
	// Check inside the transaction, before anything becomes visible.
	for _, t := range storeTables {
		var got int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+t.name).Scan(&got); err != nil {
			return fmt.Errorf("migrate-store: count %s: %w", t.name, err)
		}
		if got != copied[t.name] {
			return fmt.Errorf("migrate-store: %s has %d rows in the target, %d in the source", t.name, got, copied[t.name])
		}
	}
	srcSum, err := eventChecksum(ctx, src.DB().QueryContext)
	if err != nil {
		return err
	}
	dstSum, err := eventChecksum(ctx, func(ctx context.Context, q string, _ ...any) (rowScanner, error) { return tx.Query(ctx, q) })
	if err != nil {
		return err
	}
	if srcSum != dstSum {
		return fmt.Errorf("migrate-store: event log checksums differ (%s, %s); nothing was written", srcSum, dstSum)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate-store: commit: %w", err)
	}
	fmt.Fprintf(e.stdout, "copied %d work items, %d events and %d attachment files; event log checksum %s on both sides\n",
		copied["items"], copied["events"], blobs, srcSum[:16])
	return nil
}

// copyTable streams one table from SQLite into PostgreSQL with COPY.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, table string, cols []string) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var all [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				vals[i] = string(x) // text in both engines
			case int64:
				if boolColumns[table+"."+cols[i]] {
					vals[i] = x != 0
				}
			}
		}
		all = append(all, vals)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(all))
}

// copyBlobs puts the attachment files of the SQLite store into the blobs table.
func copyBlobs(ctx context.Context, dir string, tx pgx.Tx) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && p == dir {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != d.Name() {
			return fmt.Errorf("%s does not hold the contents its name says", p)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO blobs (sha256, data) VALUES ($1, $2) ON CONFLICT DO NOTHING`, d.Name(), b); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

type rowScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
}

// eventChecksum hashes the whole event log in sequence order, every column.
func eventChecksum[R rowScanner](ctx context.Context, query func(context.Context, string, ...any) (R, error)) (string, error) {
	rows, err := query(ctx, `SELECT seq, subject, version, time_ns, actor, type, step, activity, before, after, data FROM events ORDER BY seq`)
	if err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	h := sha256.New()
	for rows.Next() {
		var seq, version, ns int64
		var subject, actor, typ, step, activity, before, after, data string
		if err := rows.Scan(&seq, &subject, &version, &ns, &actor, &typ, &step, &activity, &before, &after, &data); err != nil {
			return "", fmt.Errorf("checksum: %w", err)
		}
		fmt.Fprintf(h, "%d\x1f%s\x1f%d\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1e", seq, subject, version, ns, actor, typ, step, activity, before, after, data)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
