package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The knowledge base pages: search, an article with its history and links,
// writing and editing drafts, publishing and retiring. Requesters see what
// the desk lets them: published articles only.

// kbView is the search page.
type kbView struct {
	Q, Status string
	Staff     bool
	Statuses  []regOption
	Articles  []kbRow
}

// kbRow is an article in a list.
type kbRow struct {
	ID, Title, Summary string
	Status, StatusText string
	KnownError         bool
	Updated            time.Time
}

// kbStatusText says an article's status in words; the badge shows
// the words, so colour is never the only signal.
var kbStatusText = map[svcflow.ArticleStatus]string{
	svcflow.ArticleDraft: "Draft", svcflow.ArticlePublished: "Published", svcflow.ArticleRetired: "Retired",
}

func (s *Server) kbListPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	q := r.URL.Query()
	v := &kbView{Q: q.Get("q"), Status: q.Get("status"), Staff: p.Role.AtLeast(svcflow.RoleAgent)}
	f := desk.ArticleFilter{Text: v.Q, Limit: 100}
	if v.Staff {
		for _, st := range svcflow.ArticleStatuses() {
			v.Statuses = append(v.Statuses, regOption{Value: st, Label: kbStatusText[svcflow.ArticleStatus(st)]})
		}
		if v.Status != "" {
			f.Statuses = []svcflow.ArticleStatus{svcflow.ArticleStatus(v.Status)}
		}
	}
	d := pageData{Title: "Knowledge", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/knowledge"), View: v}
	as, err := s.desk.SearchArticles(r.Context(), p, f)
	if ae := fromDomain(err); ae != nil && ae.p.Status == http.StatusUnprocessableEntity {
		d.Error = capitalize(ae.p.Detail) + "."
		return render(w, http.StatusUnprocessableEntity, "knowledge", d)
	}
	if err != nil {
		return err
	}
	for _, a := range as {
		row := kbRow{ID: a.ID, Title: a.Title, Status: string(a.Status), StatusText: kbStatusText[a.Status],
			KnownError: a.KnownError, Updated: a.Updated, Summary: kbFirstLine(a.Symptoms, 160)}
		v.Articles = append(v.Articles, row)
	}
	return render(w, http.StatusOK, "knowledge", d)
}

// kbFirstLine is the start of a text, cut at a word near max bytes.
func kbFirstLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) <= max {
		return s
	}
	cut := strings.LastIndex(s[:max], " ")
	if cut < max/2 {
		cut = max
		for cut > 0 && !kbRuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + "…"
}

func kbRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// kbArticleView is an article as its page shows it.
type kbArticleView struct {
	A                     *svcflow.Article
	StatusText, Author    string
	Sections              []kbSection
	Revisions             []kbRevision
	Staff                 bool
	CanPublish, CanRetire bool
}

// kbSection is one text field of an article, in kbParagraphs.
type kbSection struct {
	Heading    string
	Paragraphs []string
}

// kbRevision is one save of an article.
type kbRevision struct {
	Revision      int
	Editor, Title string
	StatusText    string
	Time          time.Time
}

// kbParagraphs splits text at blank lines; each paragraph keeps its own
// line breaks (shown with white-space: pre-wrap), and all of it stays
// text for the template to escape.
func kbParagraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) kbArticlePage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.kbRenderArticle(w, r, p, sess, http.StatusOK, "")
}

func (s *Server) kbRenderArticle(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, problem string) error {
	a, err := s.desk.Article(r.Context(), p, r.PathValue("id"))
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return regNotFound(w, p, sess)
	}
	if err != nil {
		return err
	}
	names := s.regPeople(r.Context())
	v := &kbArticleView{A: a, StatusText: kbStatusText[a.Status], Author: names(a.Author), Staff: p.Role.AtLeast(svcflow.RoleAgent)}
	for _, f := range []struct{ heading, text string }{
		{"Symptoms", a.Symptoms}, {"Cause", a.Cause}, {"Resolution", a.Resolution}, {"Workaround", a.Workaround},
	} {
		if ps := kbParagraphs(f.text); len(ps) > 0 {
			v.Sections = append(v.Sections, kbSection{Heading: f.heading, Paragraphs: ps})
		}
	}
	if v.Staff {
		revs, err := s.desk.ArticleRevisions(r.Context(), p, a.ID)
		if err != nil {
			return err
		}
		// Newest first: the latest save is what the article says now.
		for _, rv := range slices.Backward(revs) {
			v.Revisions = append(v.Revisions, kbRevision{Revision: rv.Revision, Editor: names(rv.Editor), Title: rv.Title,
				StatusText: kbStatusText[rv.Status], Time: rv.Time})
		}
		can := desk.CanPublish(p)
		v.CanPublish = can && a.Status != svcflow.ArticlePublished
		v.CanRetire = can && a.Status != svcflow.ArticleRetired
	}
	return render(w, status, "article", pageData{Title: a.Title, Person: p, CSRF: sess.CSRF, Nav: nav(p, "/knowledge"), Error: problem, View: v})
}

// kbForm is the write and edit form of an article.
type kbForm struct {
	Action, From, ID string
	FromTitle        string
	Version          int
	Values           map[string]string
	Errors           map[string]string
	KnownError       bool
	Unsaved          []regOption // what a stale form held that differs from the article now
}

// kbTextLabels name the text fields of an article.
var kbTextLabels = []regOption{{"title", "Title"}, {"symptoms", "Symptoms"}, {"cause", "Cause"},
	{"resolution", "Resolution"}, {"workaround", "Workaround"}}

// kbFields are the form fields of an article, in form order.
var kbFields = []string{"title", "symptoms", "cause", "resolution", "workaround", "services", "cis", "keywords", "problems", "known_error"}

func kbValues(a *svcflow.Article) map[string]string {
	return map[string]string{"title": a.Title, "symptoms": a.Symptoms, "cause": a.Cause, "resolution": a.Resolution,
		"workaround": a.Workaround, "services": strings.Join(a.Services, ", "), "cis": strings.Join(a.CIs, ", "),
		"keywords": strings.Join(a.Keywords, ", "), "problems": strings.Join(a.Problems, ", ")}
}

func (s *Server) kbRenderForm(w http.ResponseWriter, p *svcflow.Person, sess desk.Session, status int, title string, f *kbForm, problem string) error {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	f.KnownError = f.Values["known_error"] != ""
	return render(w, status, "articleform", pageData{Title: title, Person: p, CSRF: sess.CSRF, Nav: nav(p, "/knowledge"), Error: problem, View: f})
}

func (s *Server) kbNewPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	f := &kbForm{Action: "/knowledge/new", Values: map[string]string{}}
	title := "Write an article"
	if from := r.URL.Query().Get("from"); from != "" {
		v, err := s.desk.Item(r.Context(), p, from)
		if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
			return regNotFound(w, p, sess)
		}
		if err != nil {
			return err
		}
		f.From, f.FromTitle, title = v.Item.ID, v.Content.Title, "Write an article from "+v.Item.ID
		if v.Item.FirstResolved.IsZero() {
			return s.kbRenderForm(w, p, sess, http.StatusConflict, title, f,
				v.Item.ID+" was never resolved; write an article from what solved it once it is.")
		}
	}
	return s.kbRenderForm(w, p, sess, http.StatusOK, title, f, "")
}

// kbPatch reads the posted article fields; blank ones are left out
// when blanks mean "take it from the item".
func kbPatch(r *http.Request, skipBlank bool) (desk.ArticlePatch, map[string]string) {
	v := map[string]string{}
	for _, f := range kbFields {
		v[f] = regFormText(r, f)
	}
	text := func(f string) *string {
		if skipBlank && strings.TrimSpace(v[f]) == "" {
			return nil
		}
		return regPtr(v[f])
	}
	list := func(f string) *[]string {
		if skipBlank && strings.TrimSpace(v[f]) == "" {
			return nil
		}
		out := []string{}
		for _, x := range strings.Split(v[f], ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return &out
	}
	known := v["known_error"] != ""
	return desk.ArticlePatch{Title: text("title"), Symptoms: text("symptoms"), Cause: text("cause"), Resolution: text("resolution"),
		Workaround: text("workaround"), Services: list("services"), CIs: list("cis"), Keywords: list("keywords"),
		Problems: list("problems"), KnownError: &known}, v
}

func (s *Server) kbNewSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	from := strings.TrimSpace(r.PostFormValue("from"))
	patch, values := kbPatch(r, from != "")
	var a *svcflow.Article
	var err error
	title := "Write an article"
	if from != "" {
		title = "Write an article from " + from
		a, err = s.desk.ArticleFromItem(r.Context(), p, from, patch)
	} else {
		a, err = s.desk.CreateArticle(r.Context(), p, patch)
	}
	f := &kbForm{Action: "/knowledge/new", From: from, Values: values, Errors: map[string]string{}}
	if general, ok := regFormErrors(err, kbFields, f.Errors); ok {
		return s.kbRenderForm(w, p, sess, http.StatusUnprocessableEntity, title, f, general)
	}
	switch svcflow.ErrorCodeOf(err) {
	case svcflow.ErrNotFound:
		return regNotFound(w, p, sess)
	case svcflow.ErrConflict:
		return s.kbRenderForm(w, p, sess, http.StatusConflict, title, f, capitalize(fromDomain(err).p.Detail)+".")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/knowledge/"+a.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) kbEditPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return s.kbRenderEdit(w, r, p, sess, http.StatusOK, "", nil)
}

// kbRenderEdit shows the edit form with the article as it is now.
func (s *Server) kbRenderEdit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, problem string, posted map[string]string) error {
	a, err := s.desk.Article(r.Context(), p, r.PathValue("id"))
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return regNotFound(w, p, sess)
	}
	if err != nil {
		return err
	}
	v := kbValues(a)
	if a.KnownError {
		v["known_error"] = "1"
	}
	f := &kbForm{Action: "/knowledge/" + a.ID + "/edit", ID: a.ID, Version: a.Version, Values: v, Unsaved: regUnsaved(posted, v, kbTextLabels)}
	return s.kbRenderForm(w, p, sess, status, "Edit "+a.ID, f, problem)
}

func (s *Server) kbEditSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	id := r.PathValue("id")
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || version < 1 {
		return newProblem("invalid", "version: the form has no version; reload the page", fieldError{"version", "missing"})
	}
	patch, values := kbPatch(r, false)
	_, err = s.desk.UpdateArticle(r.Context(), p, id, version, patch)
	var de *svcflow.Error
	if errors.As(err, &de) && de.Code == svcflow.ErrConflict {
		return s.kbRenderEdit(w, r, p, sess, http.StatusConflict, regStaleMessage, values)
	}
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return regNotFound(w, p, sess)
	}
	f := &kbForm{Action: "/knowledge/" + id + "/edit", ID: id, Version: version, Values: values, Errors: map[string]string{}}
	if general, ok := regFormErrors(err, kbFields, f.Errors); ok {
		return s.kbRenderForm(w, p, sess, http.StatusUnprocessableEntity, "Edit "+id, f, general)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/knowledge/"+id, http.StatusSeeOther)
	return nil
}

// kbStatusSubmit publishes or retires an article at the version the
// page showed; a stale page shows the article as it is now.
func (s *Server) kbStatusSubmit(to svcflow.ArticleStatus) func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	return func(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
		if err := checkForm(w, r, sess); err != nil {
			return err
		}
		id := r.PathValue("id")
		version, err := strconv.Atoi(r.PostFormValue("version"))
		if err != nil || version < 1 {
			return newProblem("invalid", "version: the form has no version; reload the page", fieldError{"version", "missing"})
		}
		_, err = s.desk.SetArticleStatus(r.Context(), p, id, version, to)
		var de *svcflow.Error
		switch {
		case svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound:
			return regNotFound(w, p, sess)
		case errors.As(err, &de) && de.Code == svcflow.ErrConflict && de.Field == "If-Match":
			return s.kbRenderArticle(w, r, p, sess, http.StatusConflict, regStaleMessage)
		case errors.As(err, &de) && de.Code == svcflow.ErrConflict:
			return s.kbRenderArticle(w, r, p, sess, http.StatusConflict, capitalize(de.Message)+".")
		case err != nil:
			return err
		}
		http.Redirect(w, r, "/knowledge/"+id, http.StatusSeeOther)
		return nil
	}
}
