package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/streamdef"
)

// The value stream pages: the streams with their revisions, and an upload
// that checks a definition the way `svcflow streams validate` does (the
// domain's rules, and routing and spawn targets across every stored
// stream) and stores it as a new revision, or shows each problem under its
// line and stores nothing.

// maxStreamUpload bounds a definition, as the definition reader does.
const maxStreamUpload = streamdef.MaxFileSize

// streamRevision is a stored revision of a stream.
type streamRevision struct {
	Revision int
	At       time.Time
	By       string
}

// streamRow is a stream in the list.
type streamRow struct {
	*svcflow.ValueStream
	Revisions []streamRevision
}

// adminStreamsView is the streams page.
type adminStreamsView struct {
	Streams []streamRow
}

// uploadView is the upload page.
type uploadView struct {
	Source   string
	FileName string
	MaxKiB   int
	Check    *sourceView // the definition with its problems, when refused
}

func (s *Server) adminStreams(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	all, err := s.streams(r)
	if err != nil {
		return err
	}
	// The stored revisions are known by their registration events.
	events, err := s.desk.Store().ItemEvents(r.Context(), desk.ConfigSubject)
	if err != nil {
		return err
	}
	revs := map[string][]streamRevision{}
	for _, e := range events {
		if e.Type == desk.EventStreamRegistered && e.Data.Stream != "" {
			revs[e.Data.Stream] = append(revs[e.Data.Stream], streamRevision{Revision: e.Data.StreamRevision, At: e.Time, By: e.Actor})
		}
	}
	var v adminStreamsView
	for _, st := range all {
		rs := revs[st.ID]
		slices.SortFunc(rs, func(a, b streamRevision) int { return b.Revision - a.Revision })
		v.Streams = append(v.Streams, streamRow{ValueStream: st, Revisions: rs})
	}
	slices.SortFunc(v.Streams, func(a, b streamRow) int { return strings.Compare(a.Name, b.Name) })
	return render(w, http.StatusOK, "adminstreams", s.adminData(p, sess, "Value streams", v))
}

func (s *Server) adminStreamUpload(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.showUpload(w, p, sess, http.StatusOK, uploadView{}, "", "")
}

func (s *Server) showUpload(w http.ResponseWriter, p *svcflow.Person, sess desk.Session, status int, v uploadView, notice, problem string) error {
	v.MaxKiB = maxStreamUpload >> 10
	d := s.adminData(p, sess, "Upload a value stream", v)
	d.Notice, d.Error = notice, problem
	return render(w, status, "adminupload", d)
}

// readUpload reads the upload form, multipart or not, within the size
// cap, checks its synchronizer token, and returns the definition: the
// file when one was chosen, else the text.
func readUpload(w http.ResponseWriter, r *http.Request, sess desk.Session) (source, name string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxStreamUpload+64<<10) // the file, the text and the form's framing
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxStreamUpload)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return "", "", newProblem("payload-too-large", fmt.Sprintf("the upload is over %d KiB; a definition may be at most %d KiB", maxStreamUpload>>10, maxStreamUpload>>10))
		}
		return "", "", newProblem("invalid", "the form could not be read")
	}
	if !sameToken(r.PostFormValue("csrf_token"), sess.CSRF) {
		return "", "", newProblem("forbidden", "the form is not from this session; reload the page and try again")
	}
	source, name = r.PostFormValue("source"), "pasted text"
	if f, hdr, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxStreamUpload+1))
		if err != nil {
			return "", "", newProblem("invalid", "the file could not be read")
		}
		if len(b) > maxStreamUpload {
			return "", "", newProblem("payload-too-large", fmt.Sprintf("the file is over %d KiB; a definition may be at most %d KiB", maxStreamUpload>>10, maxStreamUpload>>10))
		}
		if len(b) > 0 {
			source, name = string(b), hdr.Filename
		}
	}
	return strings.ReplaceAll(source, "\r\n", "\n"), name, nil
}

var revisionLine = regexp.MustCompile(`(?m)^revision\s*:`)

func (s *Server) adminStreamSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	source, name, err := readUpload(w, r, sess)
	if err != nil {
		return err
	}
	v := uploadView{Source: source, FileName: name}
	if strings.TrimSpace(source) == "" {
		return s.showUpload(w, p, sess, http.StatusUnprocessableEntity, v, "", "Paste a value stream definition or choose a file.")
	}
	stored, err := s.streams(r)
	if err != nil {
		return err
	}
	st, problems := checkUpload(source, stored)
	if st != nil {
		if latest := find(stored, st.ID, func(x *svcflow.ValueStream) string { return x.ID }); latest != nil && st.Revision <= latest.Revision {
			same, err := s.desk.Store().StreamRevision(r.Context(), st.ID, st.Revision)
			if err != nil && !errors.Is(err, desk.ErrNotFound) {
				return err
			}
			if same != nil && desk.Digest(same) == desk.Digest(st) {
				return s.showUpload(w, p, sess, http.StatusOK, uploadView{},
					fmt.Sprintf("Revision %d of %s is stored already with this very content; nothing new was saved.", st.Revision, st.ID), "")
			}
			problems = append(problems, sourceProblem{Line: lineOf(revisionLine, source), Column: 1, Message: fmt.Sprintf(
				"revision %d of %s is not new: revision %d is stored; raise the revision to %d to store this as a new one",
				st.Revision, st.ID, latest.Revision, latest.Revision+1)})
			st = nil
		}
	}
	if st == nil {
		v.Check = newSourceView(source, problems)
		return s.showUpload(w, p, sess, http.StatusUnprocessableEntity, v, "",
			fmt.Sprintf("The value stream was not saved: %s, each shown under its line.", plural(v.Check.Errors, "problem", "problems")))
	}
	if err := s.desk.RegisterStreams(r.Context(), p.ID, []*svcflow.ValueStream{st}); err != nil {
		fp, ok := problemsOf(err)
		if !ok {
			return err
		}
		return s.showUpload(w, p, sess, http.StatusConflict, v, "", "The value stream was not saved: "+fp.Summary)
	}
	http.Redirect(w, r, "/streams/"+st.ID, http.StatusSeeOther)
	return nil
}

// uploadFile names the uploaded definition in diagnostics.
const uploadFile = "upload.yaml"

// checkUpload reads and checks a definition against the stored streams it
// would join (replacing its own earlier revision). It returns the stream
// when there is no error, and every problem found, warnings included.
func checkUpload(source string, stored []*svcflow.ValueStream) (*svcflow.ValueStream, []sourceProblem) {
	f, read := streamdef.Parse(uploadFile, []byte(source))
	diags := read
	if f != nil && f.Stream != nil {
		files := []*streamdef.File{}
		for _, st := range stored {
			if st.ID != f.Stream.ID {
				files = append(files, &streamdef.File{Name: "stored stream " + st.ID, Stream: st})
			}
		}
		files = append(files, f)
		reported := map[string]bool{}
		for _, d := range read {
			reported[d.Path] = true
		}
		for _, d := range streamdef.Check(files) {
			switch {
			case d.File == uploadFile && reported[d.Path]:
				// reading reported this field already
			case d.File == uploadFile || d.Severity == svcflow.SeverityError:
				diags = append(diags, d)
			}
		}
	}
	streamdef.Sort(diags)
	var problems []sourceProblem
	for _, d := range diags {
		msg := d.Message
		if d.Path != "" {
			msg = d.Path + ": " + msg
		}
		if d.Hint != "" {
			msg += " (" + d.Hint + ")"
		}
		sp := sourceProblem{Line: d.Line, Column: d.Column, Message: msg, Warning: d.Severity != svcflow.SeverityError}
		if d.File != uploadFile { // a problem the upload causes in a stored stream
			sp = sourceProblem{Message: d.File + ": " + msg}
		}
		problems = append(problems, sp)
	}
	if streamdef.HasErrors(diags) || f == nil {
		return nil, problems
	}
	return f.Stream, problems
}
