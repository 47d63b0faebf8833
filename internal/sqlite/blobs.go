package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

// blobDir is the directory of attachment contents inside the data directory.
const blobDir = "attachments"

// blobPath spreads files over 256 subdirectories by the hash's first byte.
func (s *Store) blobPath(sum string) string {
	return filepath.Join(filepath.Dir(s.path), blobDir, sum[:2], sum)
}

// PutBlob streams r into the blob directory under its SHA-256. The file is
// written beside its final name and renamed after an fsync, so a crash
// leaves either the whole file or none; identical contents are stored once.
func (s *Store) PutBlob(ctx context.Context, r io.Reader, max int64) (string, int64, error) {
	root := filepath.Join(filepath.Dir(s.path), blobDir)
	if err := os.MkdirAll(root, 0o750); err != nil {
		return "", 0, fmt.Errorf("blob directory: %w", err)
	}
	tmp, err := os.CreateTemp(root, ".upload-*")
	if err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	if n > max {
		return "", 0, desk.ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dst := s.blobPath(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	return sum, n, nil
}

// OpenBlob opens stored contents by their SHA-256.
func (s *Store) OpenBlob(_ context.Context, sum string) (io.ReadCloser, error) {
	if len(sum) != 64 {
		return nil, desk.ErrNotFound
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return nil, desk.ErrNotFound
	}
	f, err := os.Open(s.blobPath(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, desk.ErrNotFound
	}
	return f, err
}

// insertAttachment writes an attachment's metadata inside an append.
func (s *Store) insertAttachment(ctx context.Context, tx *sql.Tx, a *desk.Attachment) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO attachments (id, item, name, content_type, size, sha256, uploaded_by, created_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Item, a.Name, a.ContentType, a.Size, a.SHA256, a.UploadedBy, a.Created.UnixNano())
	return err
}

const attachmentColumns = `id, item, name, content_type, size, sha256, uploaded_by, created_ns`

func scanAttachment(sc interface{ Scan(...any) error }) (desk.Attachment, error) {
	var a desk.Attachment
	var ns int64
	err := sc.Scan(&a.ID, &a.Item, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.UploadedBy, &ns)
	a.Created = time.Unix(0, ns).UTC()
	return a, err
}

// Attachment loads one attachment's metadata.
func (s *Store) Attachment(ctx context.Context, id string) (desk.Attachment, error) {
	a, err := scanAttachment(s.readRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, desk.ErrNotFound
	}
	return a, err
}

// Attachments lists an item's attachments, oldest first.
func (s *Store) Attachments(ctx context.Context, item string) ([]desk.Attachment, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE item = ? ORDER BY created_ns, id`, item)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	var out []desk.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
