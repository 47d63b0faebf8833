package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/svcflow/svcflow/internal/sqlite"
)

// attachmentsDir is where the SQLite store keeps attachment contents.
const attachmentsDir = "attachments"

// runBackup copies the embedded store while it runs: `svcflow backup
// --data DIR BACKUP_DIR`. PostgreSQL users back up with pg_dump.
func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", "backup BACKUP_DIR [--data DIR]")
	var sf storeFlags
	sf.register(e, fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		return usagef("usage: svcflow backup BACKUP_DIR [--data DIR]")
	}
	if sf.db != "" {
		return usagef("backup copies the embedded store; back PostgreSQL up with pg_dump")
	}
	dst := pos[0]
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return fmt.Errorf("backup: %s is not empty; choose a new directory", dst)
	}
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(filepath.Join(sf.data, sqlite.FileName)); err != nil {
		return fmt.Errorf("backup: no store in %s", sf.data)
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.(*sqlite.Store).Backup(ctx, filepath.Join(dst, sqlite.FileName)); err != nil {
		return err
	}
	// Attachment files never change once written, so copying them after
	// the database snapshot copies at least every file it refers to.
	n, err := copyTree(filepath.Join(sf.data, attachmentsDir), filepath.Join(dst, attachmentsDir))
	if err != nil {
		return fmt.Errorf("backup attachments: %w", err)
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s (database checked, %d attachment files)\n", sf.data, dst, n)
	return nil
}

// runRestore puts a backup in place of an empty data directory, with the
// server stopped: `svcflow restore BACKUP_DIR --data DIR`.
func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", "restore BACKUP_DIR [--data DIR]")
	var sf storeFlags
	sf.register(e, fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 || sf.db != "" {
		return usagef("usage: svcflow restore BACKUP_DIR [--data DIR] (the embedded store only)")
	}
	src := pos[0]
	db := filepath.Join(src, sqlite.FileName)
	if err := sqlite.CheckFile(ctx, db); err != nil {
		return fmt.Errorf("restore: the backup is not sound: %w", err)
	}
	target := filepath.Join(sf.data, sqlite.FileName)
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("restore: %s already holds a store; restore into an empty data directory", sf.data)
	}
	if err := os.MkdirAll(sf.data, 0o750); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := copyTree(filepath.Join(src, attachmentsDir), filepath.Join(sf.data, attachmentsDir)); err != nil {
		return fmt.Errorf("restore attachments: %w", err)
	}
	// The database goes in last and by rename: a store appears whole or not at all.
	tmp := target + ".restore"
	if err := copyFile(db, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(e.stdout, "restored %s into %s\n", src, sf.data)
	return nil
}

// copyTree copies the regular files under src to dst, keeping the layout;
// a missing src copies nothing.
func copyTree(src, dst string) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == src {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o750)
		}
		if !d.Type().IsRegular() || filepath.Base(p)[0] == '.' {
			return nil // skip half-written uploads
		}
		n++
		return copyFile(p, filepath.Join(dst, rel))
	})
	return n, err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
