package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// articleList lists knowledge articles, the most relevant first.
type articleList struct {
	Items []*svcflow.Article `json:"items"`
}

// revisionList is an article's history, oldest first.
type revisionList struct {
	Items []svcflow.ArticleRevision `json:"items"`
}

// saveArticle is the body of POST and PATCH of an article and of writing
// one from a work item: only the fields given are set.
type saveArticle struct {
	Title      *string   `json:"title,omitempty"`
	Symptoms   *string   `json:"symptoms,omitempty"`
	Cause      *string   `json:"cause,omitempty"`
	Resolution *string   `json:"resolution,omitempty"`
	Workaround *string   `json:"workaround,omitempty"`
	Services   *[]string `json:"services,omitempty"`
	CIs        *[]string `json:"cis,omitempty"`
	Keywords   *[]string `json:"keywords,omitempty"`
	KnownError *bool     `json:"known_error,omitempty"`
	Problems   *[]string `json:"problems,omitempty"` // problem items a known error documents
}

func (in saveArticle) patch() desk.ArticlePatch {
	return desk.ArticlePatch{Title: in.Title, Symptoms: in.Symptoms, Cause: in.Cause, Resolution: in.Resolution, Workaround: in.Workaround,
		Services: in.Services, CIs: in.CIs, Keywords: in.Keywords, Problems: in.Problems, KnownError: in.KnownError}
}

// suggestionRequest is what a person is typing, to find articles for.
type suggestionRequest struct {
	Text    string `json:"text"`
	Service string `json:"service,omitempty"`
}

// suggestionResult is a suggestion session: its id (empty when nothing
// matched) names the session when it is marked solved or a work item is
// opened from it.
type suggestionResult struct {
	Session  string             `json:"session"`
	Articles []*svcflow.Article `json:"articles"`
}

// solvedRequest names the suggested article that solved the need.
type solvedRequest struct {
	Article string `json:"article"`
}

// solvedResult confirms a deflection.
type solvedResult struct {
	Session string `json:"session"`
	Article string `json:"article"`
}

var articleParams = []param{
	{"q", "full-text search over title, keywords, symptoms, cause, resolution and workaround; every word must match"},
	{"status", "comma-separated statuses: draft, published, retired (requesters always get published ones)"},
	{"service", "service id"}, {"ci", "configuration item id"}, {"limit", "1 to 200 (default 50)"},
}

func (s *Server) writeArticle(w http.ResponseWriter, status int, a *svcflow.Article) error {
	w.Header().Set("ETag", etag(a.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/knowledge/articles/"+a.ID)
	}
	return writeJSON(w, status, a)
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := desk.ArticleFilter{Text: q.Get("q"), Service: q.Get("service"), CI: q.Get("ci"), Limit: 50}
	for _, st := range splitList(q.Get("status")) {
		f.Statuses = append(f.Statuses, svcflow.ArticleStatus(st))
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return newProblem("invalid", "limit: expected 1 to 200", fieldError{"limit", "expected 1 to 200"})
		}
		f.Limit = n
	}
	as, err := s.desk.SearchArticles(r.Context(), personOf(r), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, articleList{Items: nonNil(as)})
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) error {
	var in saveArticle
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.desk.CreateArticle(r.Context(), personOf(r), in.patch())
	if err != nil {
		return err
	}
	return s.writeArticle(w, http.StatusCreated, a)
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := s.desk.Article(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeArticle(w, http.StatusOK, a)
}

func (s *Server) patchArticle(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get("If-Match") == "" {
		return newProblem("precondition-required", "PATCH needs If-Match with the article's ETag, so it cannot overwrite a change made meanwhile")
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in saveArticle
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.desk.UpdateArticle(r.Context(), personOf(r), r.PathValue("id"), version, in.patch())
	if err != nil {
		return err
	}
	return s.writeArticle(w, http.StatusOK, a)
}

func (s *Server) articleRevisions(w http.ResponseWriter, r *http.Request) error {
	revs, err := s.desk.ArticleRevisions(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, revisionList{Items: nonNil(revs)})
}

// articleStatus publishes or retires an article; If-Match is optional.
func (s *Server) articleStatus(to svcflow.ArticleStatus) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		version, err := ifMatch(r)
		if err != nil {
			return err
		}
		if err := s.decodeEmpty(w, r); err != nil {
			return err
		}
		a, err := s.desk.SetArticleStatus(r.Context(), personOf(r), r.PathValue("id"), version, to)
		if err != nil {
			return err
		}
		return s.writeArticle(w, http.StatusOK, a)
	}
}

// decodeEmpty accepts no body, an empty one or {}.
func (s *Server) decodeEmpty(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	var none struct{}
	return s.decode(w, r, &none)
}

func (s *Server) articleFromItem(w http.ResponseWriter, r *http.Request) error {
	var in saveArticle
	if r.ContentLength != 0 {
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
	}
	a, err := s.desk.ArticleFromItem(r.Context(), personOf(r), r.PathValue("id"), in.patch())
	if err != nil {
		return err
	}
	return s.writeArticle(w, http.StatusCreated, a)
}

func (s *Server) suggest(w http.ResponseWriter, r *http.Request) error {
	var in suggestionRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	ss, as, err := s.desk.Suggest(r.Context(), personOf(r), in.Text, in.Service)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, suggestionResult{Session: ss.ID, Articles: nonNil(as)})
}

func (s *Server) solved(w http.ResponseWriter, r *http.Request) error {
	var in solvedRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Article == "" {
		return newProblem("invalid", "article: missing; name the suggested article that solved it", fieldError{"article", "missing"})
	}
	if err := s.desk.Solved(r.Context(), personOf(r), r.PathValue("session"), in.Article); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, solvedResult{Session: r.PathValue("session"), Article: in.Article})
}

func (s *Server) deflection(w http.ResponseWriter, r *http.Request) error {
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		t, err := timeParam(r, name)
		if err != nil {
			return err
		}
		bounds[i] = t.UTC()
	}
	if !bounds[0].IsZero() && !bounds[1].IsZero() && !bounds[1].After(bounds[0]) {
		return newProblem("invalid", "to must be after from", fieldError{"to", "must be after from"})
	}
	rep, err := s.desk.Deflection(r.Context(), personOf(r), bounds[0], bounds[1])
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}
