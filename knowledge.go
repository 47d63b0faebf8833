package svcflow

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// KnowledgeSubject is the subject of the events of the knowledge base:
// article saves and suggestion sessions. Like configuration events they
// belong to no work item, so item analytics leave them out.
const KnowledgeSubject = "knowledge"

// Knowledge events.
const (
	EventArticleSaved     EventType = "article_saved"     // After: article id, Data.Other: new status
	EventArticlePublished EventType = "article_published" // After: article id
	EventArticleRetired   EventType = "article_retired"   // After: article id
	EventSuggestionsShown EventType = "suggestions_shown" // After: session, Data.Other: the article ids shown, comma-separated
	EventDeflected        EventType = "deflected"         // After: session, Data.Other: the article that solved it
)

// ArticleStatus is where a knowledge article stands in its life.
type ArticleStatus string

// The article statuses: a draft is written and reviewed by staff; a
// published article is what requesters find and suggestions offer; a
// retired one is kept for history and links but offered no more.
const (
	ArticleDraft     ArticleStatus = "draft"
	ArticlePublished ArticleStatus = "published"
	ArticleRetired   ArticleStatus = "retired"
)

// ArticleStatuses returns the statuses in lifecycle order.
func ArticleStatuses() []string {
	return []string{string(ArticleDraft), string(ArticlePublished), string(ArticleRetired)}
}

// IsValid reports whether s is a known article status.
func (s ArticleStatus) IsValid() bool { return slices.Contains(ArticleStatuses(), string(s)) }

// Article is a knowledge article: the problem as users see it (symptoms),
// why it happens (cause) and how to get past it (resolution, or a
// workaround while no resolution exists). A known error is an article
// that documents a problem whose root cause is known, linked to the
// problem items it describes, as ServiceNow's known error articles and
// iTop's KnownError do.
type Article struct {
	ID         string        `json:"id"` // KB-1001
	Version    int           `json:"version"`
	Title      string        `json:"title"`
	Symptoms   string        `json:"symptoms,omitempty"`
	Cause      string        `json:"cause,omitempty"`
	Resolution string        `json:"resolution,omitempty"`
	Workaround string        `json:"workaround,omitempty"`
	Services   []string      `json:"services,omitempty"`
	CIs        []string      `json:"cis,omitempty"`
	Keywords   []string      `json:"keywords,omitempty"`
	Status     ArticleStatus `json:"status"`
	Author     string        `json:"author"`
	KnownError bool          `json:"known_error,omitempty"`
	Problems   []string      `json:"problems,omitempty"`    // problem items a known error documents
	SourceItem string        `json:"source_item,omitempty"` // the resolved work item it was written from
	Created    time.Time     `json:"created"`
	Updated    time.Time     `json:"updated"`
}

// ArticleRevision is an article's text as one save left it. Revision
// equals the article version the save produced, so revision 1 is the
// first text and the latest revision is the current one.
type ArticleRevision struct {
	Article    string        `json:"article"`
	Revision   int           `json:"revision"`
	Editor     string        `json:"editor"`
	Time       time.Time     `json:"time"`
	Status     ArticleStatus `json:"status"`
	Title      string        `json:"title"`
	Symptoms   string        `json:"symptoms,omitempty"`
	Cause      string        `json:"cause,omitempty"`
	Resolution string        `json:"resolution,omitempty"`
	Workaround string        `json:"workaround,omitempty"`
}

// RevisionOf returns the revision an article is at, written by editor.
func (a *Article) RevisionOf(editor string) ArticleRevision {
	return ArticleRevision{Article: a.ID, Revision: a.Version, Editor: editor, Time: a.Updated, Status: a.Status,
		Title: a.Title, Symptoms: a.Symptoms, Cause: a.Cause, Resolution: a.Resolution, Workaround: a.Workaround}
}

// Limits of article fields.
const (
	MaxArticleTitle = 300
	MaxArticleText  = 64 << 10 // bytes per text field
	MaxKeywords     = 20
	MaxKeyword      = 50
)

var articleID = regexp.MustCompile(`^KB-[0-9]+$`)

// IsArticleID reports whether s has the form of an article id (KB-1001).
func IsArticleID(s string) bool { return articleID.MatchString(s) }

var itemID = regexp.MustCompile(`^[A-Z]+-[0-9]+$`)

// ValidateArticle checks an article on its own and returns nil or an error
// joining one *Error (code invalid) per problem, in field order, with
// Field naming the article field. Whether the services, CIs and problems
// exist is the caller's check.
func ValidateArticle(a *Article) error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldErrorf(field, format, args...))
	}
	text := func(field, s string, max int) {
		switch {
		case !utf8.ValidString(s):
			add(field, "is not valid UTF-8 text")
		case strings.ContainsRune(s, 0):
			add(field, "contains a NUL character")
		case len(s) > max:
			add(field, "is %d bytes; at most %d", len(s), max)
		}
	}
	if strings.TrimSpace(a.Title) == "" {
		add("title", "missing title; say in a few words what the article solves")
	} else {
		text("title", a.Title, MaxArticleTitle)
	}
	text("symptoms", a.Symptoms, MaxArticleText)
	text("cause", a.Cause, MaxArticleText)
	text("resolution", a.Resolution, MaxArticleText)
	text("workaround", a.Workaround, MaxArticleText)
	if strings.TrimSpace(a.Resolution) == "" && strings.TrimSpace(a.Workaround) == "" {
		// An article that tells nobody what to do helps nobody.
		add("resolution", "missing resolution; give a resolution or a workaround")
	}
	ids := func(field string, list []string, example string) {
		seen := map[string]bool{}
		for _, s := range list {
			switch {
			case !IsKebab(s):
				add(field, "%s", idProblem(s, example))
			case seen[s]:
				add(field, "%q is listed twice", s)
			}
			seen[s] = true
		}
	}
	ids("services", a.Services, "payroll")
	ids("cis", a.CIs, "payroll-db")
	if len(a.Keywords) > MaxKeywords {
		add("keywords", "%d keywords; at most %d", len(a.Keywords), MaxKeywords)
	}
	for _, k := range a.Keywords {
		if strings.TrimSpace(k) == "" || len(k) > MaxKeyword || !utf8.ValidString(k) || strings.ContainsAny(k, "\x00,") {
			add("keywords", "keyword %q; expected 1 to %d characters of text without commas", k, MaxKeyword)
		}
	}
	if !a.Status.IsValid() {
		add("status", "unknown status %q; expected %s", a.Status, orList(ArticleStatuses()))
	}
	seen := map[string]bool{}
	for _, p := range a.Problems {
		switch {
		case !itemID.MatchString(p):
			add("problems", "%q is not a work item id; expected one like PRB-1001", p)
		case seen[p]:
			add("problems", "%q is listed twice", p)
		}
		seen[p] = true
	}
	if len(a.Problems) > 0 && !a.KnownError {
		add("known_error", "an article linked to problems documents a known error; set known_error")
	}
	if a.SourceItem != "" && !itemID.MatchString(a.SourceItem) {
		add("source_item", "%q is not a work item id; expected one like INC-1001", a.SourceItem)
	}
	return errors.Join(errs...)
}

// CanBecome reports whether an article in status s may move to status t:
// drafts are published or dropped (retired), published articles retire,
// and a retired article may be published again when it applies again.
func (s ArticleStatus) CanBecome(t ArticleStatus) bool {
	switch s {
	case ArticleDraft:
		return t == ArticlePublished || t == ArticleRetired
	case ArticlePublished:
		return t == ArticleRetired
	case ArticleRetired:
		return t == ArticlePublished
	}
	return false
}

// StatusChange checks a status change and says why it is refused.
func (a *Article) StatusChange(t ArticleStatus) error {
	if a.Status == t {
		return Errorf(ErrConflict, "%s is %s already", a.ID, t)
	}
	if !a.Status.CanBecome(t) {
		return Errorf(ErrConflict, "%s is %s; it cannot become %s", a.ID, a.Status, t)
	}
	return nil
}

// String names an article for messages.
func (a *Article) String() string { return fmt.Sprintf("%s %q", a.ID, a.Title) }
