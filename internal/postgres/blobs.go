package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow/internal/desk"
)

// PutBlob stores r's contents in the blobs table under their SHA-256
// (SPEC §7: with PostgreSQL the database holds attachments, so every
// instance can serve every file and a backup holds them too). It reads at
// most max+1 bytes into memory, so the limit also bounds the memory a
// request can take; identical contents are stored once.
func (s *Store) PutBlob(ctx context.Context, r io.Reader, max int64) (string, int64, error) {
	var buf bytes.Buffer
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(&buf, h), io.LimitReader(r, max+1))
	if err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	if n > max {
		return "", 0, desk.ErrTooLarge
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if _, err := s.pool.Exec(ctx, `INSERT INTO blobs (sha256, data) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING`, sum, buf.Bytes()); err != nil {
		return "", 0, fmt.Errorf("store blob %s: %w", sum, err)
	}
	return sum, n, nil
}

// OpenBlob returns a reader over stored contents by their SHA-256.
func (s *Store) OpenBlob(ctx context.Context, sum string) (io.ReadCloser, error) {
	if len(sum) != 64 {
		return nil, desk.ErrNotFound
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return nil, desk.ErrNotFound
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM blobs WHERE sha256 = $1`, sum).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, desk.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", sum, err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
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
	a, err := scanAttachment(s.pool.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, desk.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("load attachment %s: %w", id, err)
	}
	return a, nil
}

// Attachments lists an item's attachments, oldest first.
func (s *Store) Attachments(ctx context.Context, item string) ([]desk.Attachment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE item = $1 ORDER BY created_ns, id`, item)
	if err != nil {
		return nil, fmt.Errorf("list attachments of %s: %w", item, err)
	}
	defer rows.Close()
	var out []desk.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("list attachments of %s: %w", item, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments of %s: %w", item, err)
	}
	return out, nil
}
