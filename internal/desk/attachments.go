package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/svcflow/svcflow"
)

// MaxAttachmentBytes is the default size limit of one attachment.
const MaxAttachmentBytes = 20 << 20

// AllowedContentTypes are the media types accepted as attachments: what a
// service desk exchanges (screenshots, documents, logs, archives), and no
// executables or active content (no HTML, no SVG with scripts).
var allowedContentTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp",
	"application/pdf", "text/plain", "text/csv", "application/json", "application/xml",
	"application/zip", "application/gzip",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"message/rfc822",
}

// AllowedContentTypes returns the accepted attachment media types.
func AllowedContentTypes() []string { return slices.Clone(allowedContentTypes) }

// Attach adds a file to a work item: the contents go to the blob store,
// the metadata and the attachment_added event in one transaction.
func (d *Desk) Attach(ctx context.Context, actor *svcflow.Person, id, name, contentType string, r io.Reader) (*Attachment, error) {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || len(name) > 255 || !utf8.ValidString(name) {
		return nil, svcflow.FieldErrorf("name", "expected a file name of 1 to 255 characters")
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || !slices.Contains(allowedContentTypes, mt) {
		return nil, svcflow.FieldErrorf("Content-Type", "%q is not accepted; expected one of %s", contentType, strings.Join(allowedContentTypes, ", "))
	}
	if _, _, err := d.load(ctx, actor, id); err != nil {
		return nil, err
	}
	sum, size, err := d.store.PutBlob(ctx, r, MaxAttachmentBytes)
	if errors.Is(err, ErrTooLarge) {
		return nil, svcflow.FieldErrorf("body", "the file is larger than %d MiB", MaxAttachmentBytes>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("attach to %s: %w", id, err)
	}
	n, err := d.store.NextNumber(ctx, "attachment")
	if err != nil {
		return nil, err
	}
	a := &Attachment{ID: fmt.Sprintf("ATT-%d", n), Item: id, Name: name, ContentType: mt, Size: size, SHA256: sum, UploadedBy: actor.ID, Created: d.now()}
	if _, err := d.actWith(ctx, actor, id, 0, svcflow.Attach{ID: a.ID}, func(c *Change) { c.Attachment = a }); err != nil {
		return nil, err
	}
	return a, nil
}

// Attachments lists an item's attachments for someone who may see it.
func (d *Desk) Attachments(ctx context.Context, actor *svcflow.Person, id string) ([]Attachment, error) {
	if _, _, err := d.load(ctx, actor, id); err != nil {
		return nil, err
	}
	return d.store.Attachments(ctx, id)
}

// OpenAttachment returns an attachment and its contents, for someone who
// may see its item.
func (d *Desk) OpenAttachment(ctx context.Context, actor *svcflow.Person, attID string) (Attachment, io.ReadCloser, error) {
	a, err := d.store.Attachment(ctx, attID)
	if errors.Is(err, ErrNotFound) {
		return a, nil, svcflow.Errorf(svcflow.ErrNotFound, "no attachment %s", attID)
	}
	if err != nil {
		return a, nil, err
	}
	if _, _, err := d.load(ctx, actor, a.Item); err != nil {
		return a, nil, svcflow.Errorf(svcflow.ErrNotFound, "no attachment %s", attID)
	}
	rc, err := d.store.OpenBlob(ctx, a.SHA256)
	if err != nil {
		return a, nil, fmt.Errorf("open attachment %s: %w", attID, err)
	}
	return a, rc, nil
}
