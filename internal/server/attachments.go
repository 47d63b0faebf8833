package server

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/svcflow/svcflow/internal/desk"
)

// attachmentList lists an item's attachments.
type attachmentList struct {
	Items []desk.Attachment `json:"items"`
}

// uploadAttachment takes the file as the raw request body, its media type
// in Content-Type and its name in ?name=.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) error {
	name := r.URL.Query().Get("name")
	if name == "" {
		return newProblem("invalid", "name: missing; pass the file name as ?name=", fieldError{"name", "missing"})
	}
	body := http.MaxBytesReader(w, r.Body, desk.MaxAttachmentBytes+1)
	a, err := s.desk.Attach(r.Context(), personOf(r), r.PathValue("id"), name, r.Header.Get("Content-Type"), body)
	var tooBig *http.MaxBytesError
	if err != nil && asErr(err, &tooBig) {
		return newProblem("payload-too-large", fmt.Sprintf("the file is larger than %d MiB", desk.MaxAttachmentBytes>>20))
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/attachments/"+a.ID)
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) listAttachments(w http.ResponseWriter, r *http.Request) error {
	as, err := s.desk.Attachments(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, attachmentList{Items: nonNil(as)})
}

// downloadAttachment serves a file as a download: never rendered inline,
// never sniffed, so an uploaded file cannot act as a page of this site.
func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) error {
	a, rc, err := s.desk.OpenAttachment(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("ETag", `"`+a.SHA256+`"`)
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	_, err = io.Copy(w, rc)
	return err
}
