package desk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Knowledge stores knowledge articles with their revisions, and the
// suggestion sessions that measure deflection (SPEC §3).
type Knowledge interface {
	// PutArticle saves an article in one transaction: the article at
	// Expected+1 (Expected 0 for a new one), its revision, its knowledge
	// event and the item changes that go with it (links on the source
	// item or the problems). It fails with ErrConflict, writing nothing,
	// when the article or an item is no longer at its expected version.
	PutArticle(ctx context.Context, w ArticleWrite) error
	// Article returns one article, or ErrNotFound.
	Article(ctx context.Context, id string) (*svcflow.Article, error)
	// ArticleRevisions returns an article's revisions, oldest first.
	ArticleRevisions(ctx context.Context, id string) ([]svcflow.ArticleRevision, error)
	// SearchArticles returns the articles matching f, the most relevant
	// first (newest first without text); the text is matched as words,
	// never as query syntax.
	SearchArticles(ctx context.Context, f ArticleFilter) ([]*svcflow.Article, error)
	// PutSuggestionSession records a new session with its event.
	PutSuggestionSession(ctx context.Context, s SuggestionSession, event svcflow.Event) error
	// SuggestionSession returns one session, or ErrNotFound.
	SuggestionSession(ctx context.Context, id string) (SuggestionSession, error)
	// Deflect records that an article of a session solved it, with its
	// event; ErrConflict when the session was deflected already,
	// ErrNotFound when there is no such session.
	Deflect(ctx context.Context, session, article string, at time.Time, event svcflow.Event) error
	// KnowledgeEvents returns the knowledge events at or after since, in
	// sequence order.
	KnowledgeEvents(ctx context.Context, since time.Time) ([]svcflow.Event, error)
	// SessionSubmissions returns the created events at or after since of
	// work items opened from a suggestion session, in time order.
	SessionSubmissions(ctx context.Context, since time.Time) ([]svcflow.Event, error)
}

// ArticleWrite is what one article save writes.
type ArticleWrite struct {
	Article  *svcflow.Article
	Expected int
	Revision svcflow.ArticleRevision
	Event    svcflow.Event
	Items    []*Change
}

// ArticleFilter selects articles; empty fields do not filter.
type ArticleFilter struct {
	Text     string
	Any      bool // any word may match (suggestions); otherwise every word must
	Statuses []svcflow.ArticleStatus
	Service  string
	CI       string
	Limit    int
}

// SuggestionSession is one run of suggestions shown to a person while
// they describe their need. Entry says where: the requester portal or an
// agent's workspace.
type SuggestionSession struct {
	ID        string    `json:"id"`
	Actor     string    `json:"actor"`
	Entry     string    `json:"entry"`
	Service   string    `json:"service,omitempty"`
	Shown     []string  `json:"shown"`
	Created   time.Time `json:"created"`
	Deflected string    `json:"deflected,omitempty"` // the article marked as the solution
}

// Where suggestion sessions start.
const (
	EntryPortal = "portal" // a requester, in self-service
	EntryAgent  = "agent"  // staff writing work up for someone
)

// KnowledgeTeam is the team whose agents may publish and retire articles,
// besides managers and admins (the knowledge-enablement stream's team).
const KnowledgeTeam = "knowledge-team"

// MaxSuggestions is how many articles one suggestion offers.
const MaxSuggestions = 5

func staff(actor *svcflow.Person, what string) error {
	if actor == nil || !actor.Role.AtLeast(svcflow.RoleAgent) {
		return svcflow.Errorf(svcflow.ErrForbidden, "only agents, managers and admins %s", what)
	}
	return nil
}

// CanPublish reports whether a person may publish and retire articles:
// managers, admins and agents of the knowledge team. Any agent may write
// drafts; publishing is the review that makes them visible to requesters.
func CanPublish(p *svcflow.Person) bool {
	return p == nil || p.Role.AtLeast(svcflow.RoleManager) || p.Role == svcflow.RoleAgent && slices.Contains(p.Teams, KnowledgeTeam)
}

func actorID(p *svcflow.Person) string {
	if p == nil {
		return svcflow.SystemActor
	}
	return p.ID
}

// Article returns an article the actor may see: requesters see published
// articles only, and get not found for the others.
func (d *Desk) Article(ctx context.Context, actor *svcflow.Person, id string) (*svcflow.Article, error) {
	a, err := d.store.Article(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && actor != nil && actor.Role == svcflow.RoleRequester && a.Status != svcflow.ArticlePublished {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no knowledge article %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load article %s: %w", id, err)
	}
	return a, nil
}

// ArticleRevisions returns the revision history of an article (staff).
func (d *Desk) ArticleRevisions(ctx context.Context, actor *svcflow.Person, id string) ([]svcflow.ArticleRevision, error) {
	if _, err := d.Article(ctx, actor, id); err != nil {
		return nil, err
	}
	if err := staff(actor, "read the revisions of an article"); err != nil {
		return nil, err
	}
	return d.store.ArticleRevisions(ctx, id)
}

// SearchArticles lists or searches articles; requesters get published ones
// only, whatever they ask for.
func (d *Desk) SearchArticles(ctx context.Context, actor *svcflow.Person, f ArticleFilter) ([]*svcflow.Article, error) {
	for _, s := range f.Statuses {
		if !s.IsValid() {
			return nil, svcflow.FieldErrorf("status", "unknown status %q; expected %s", s, strings.Join(svcflow.ArticleStatuses(), ", "))
		}
	}
	if actor != nil && actor.Role == svcflow.RoleRequester {
		f.Statuses = []svcflow.ArticleStatus{svcflow.ArticlePublished}
	}
	if len(f.Text) > 2000 {
		return nil, svcflow.FieldErrorf("q", "search text is %d bytes; at most 2000", len(f.Text))
	}
	if err := checkText("q", f.Text); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Any {
		if f.Text = significantWords(f.Text); f.Text == "" {
			return []*svcflow.Article{}, nil
		}
	}
	out, err := d.store.SearchArticles(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search articles: %w", err)
	}
	return out, nil
}

// ArticlePatch changes the fields of an article; nil leaves a field alone.
type ArticlePatch struct {
	Title, Symptoms, Cause, Resolution, Workaround *string
	Services, CIs, Keywords, Problems              *[]string
	KnownError                                     *bool
}

func (p ArticlePatch) apply(a *svcflow.Article) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Title, p.Title)
	set(&a.Symptoms, p.Symptoms)
	set(&a.Cause, p.Cause)
	set(&a.Resolution, p.Resolution)
	set(&a.Workaround, p.Workaround)
	for _, l := range []struct {
		dst *[]string
		src *[]string
	}{{&a.Services, p.Services}, {&a.CIs, p.CIs}, {&a.Keywords, p.Keywords}, {&a.Problems, p.Problems}} {
		if l.src != nil {
			*l.dst = slices.Clone(*l.src)
		}
	}
	if p.KnownError != nil {
		a.KnownError = *p.KnownError
	}
	a.Title = strings.TrimSpace(a.Title)
}

// CreateArticle writes a new draft (agents and up; a nil actor is the
// system). Problems it names get a knowledge link in the same transaction.
func (d *Desk) CreateArticle(ctx context.Context, actor *svcflow.Person, p ArticlePatch) (*svcflow.Article, error) {
	return d.createArticle(ctx, actor, p, nil)
}

func (d *Desk) createArticle(ctx context.Context, actor *svcflow.Person, p ArticlePatch, source *svcflow.WorkItem) (*svcflow.Article, error) {
	if actor != nil {
		if err := staff(actor, "write knowledge articles"); err != nil {
			return nil, err
		}
	}
	a := &svcflow.Article{Status: svcflow.ArticleDraft, Author: actorID(actor), Version: 1}
	p.apply(a)
	if source != nil {
		a.SourceItem = source.ID
	}
	if err := validateArticle(a); err != nil {
		return nil, err
	}
	items, err := d.articleLinks(ctx, actor, a, nil)
	if err != nil {
		return nil, err
	}
	if err := d.checkArticleRefs(ctx, a); err != nil {
		return nil, err
	}
	n, err := d.store.NextNumber(ctx, "article")
	if err != nil {
		return nil, fmt.Errorf("allocate article number: %w", err)
	}
	a.ID = fmt.Sprintf("KB-%d", n)
	a.Created, a.Updated = d.now(), d.now()
	if source != nil {
		ch, err := d.linkChange(ctx, actor, source.ID, a.ID)
		if err != nil {
			return nil, err
		}
		items = append(items, ch)
	}
	for _, ch := range items {
		fixLinkOther(ch, a.ID)
	}
	ev := d.knowledgeEvent(actor, svcflow.EventArticleSaved, a.ID)
	ev.Data.Other = string(a.Status)
	if err := d.store.PutArticle(ctx, ArticleWrite{Article: a, Revision: a.RevisionOf(actorID(actor)), Event: ev, Items: items}); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, svcflow.Errorf(svcflow.ErrConflict, "a linked work item changed meanwhile; try again")
		}
		return nil, fmt.Errorf("save article: %w", err)
	}
	return a, nil
}

// fixLinkOther fills in the id of a new article in the link events that
// were decided before the id was allocated.
func fixLinkOther(ch *Change, id string) {
	for i := range ch.Events {
		if ch.Events[i].Data.Link == svcflow.LinkKnowledge && ch.Events[i].Data.Other == pendingArticle {
			ch.Events[i].Data.Other = id
		}
	}
	for i, l := range ch.Item.Links {
		if l.Type == svcflow.LinkKnowledge && l.Other == pendingArticle {
			ch.Item.Links[i].Other = id
		}
	}
}

// pendingArticle stands for the id of an article not yet numbered, so a
// refused link costs no article number.
const pendingArticle = "KB-0"

// UpdateArticle changes an article at an expected version (If-Match);
// agents and up. The text before the change stays readable as a revision.
func (d *Desk) UpdateArticle(ctx context.Context, actor *svcflow.Person, id string, expected int, p ArticlePatch) (*svcflow.Article, error) {
	if err := staff(actor, "edit knowledge articles"); err != nil {
		return nil, err
	}
	a, err := d.Article(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if a.Version != expected {
		return nil, versionConflict(id, a.Version, expected)
	}
	before := slices.Clone(a.Problems)
	p.apply(a)
	if err := validateArticle(a); err != nil {
		return nil, err
	}
	if err := d.checkArticleRefs(ctx, a); err != nil {
		return nil, err
	}
	items, err := d.articleLinks(ctx, actor, a, before)
	if err != nil {
		return nil, err
	}
	ev := d.knowledgeEvent(actor, svcflow.EventArticleSaved, a.ID)
	ev.Data.Other = string(a.Status)
	return a, d.saveArticle(ctx, actor, a, expected, ev, items)
}

func versionConflict(id string, at, expected int) error {
	return &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match",
		Message: fmt.Sprintf("%s is at version %d, not %d; reload it and decide again", id, at, expected)}
}

func (d *Desk) saveArticle(ctx context.Context, actor *svcflow.Person, a *svcflow.Article, expected int, ev svcflow.Event, items []*Change) error {
	a.Version = expected + 1
	a.Updated = d.now()
	err := d.store.PutArticle(ctx, ArticleWrite{Article: a, Expected: expected, Revision: a.RevisionOf(actorID(actor)), Event: ev, Items: items})
	if errors.Is(err, ErrConflict) {
		return &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match", Message: a.ID + " or a linked work item changed meanwhile; reload it"}
	}
	if err != nil {
		return fmt.Errorf("save article %s: %w", a.ID, err)
	}
	return nil
}

// SetArticleStatus publishes or retires an article (managers, admins and
// the knowledge team). With expected > 0 it applies to that version only.
func (d *Desk) SetArticleStatus(ctx context.Context, actor *svcflow.Person, id string, expected int, to svcflow.ArticleStatus) (*svcflow.Article, error) {
	a, err := d.Article(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !CanPublish(actor) {
		return nil, svcflow.Errorf(svcflow.ErrForbidden, "only managers, admins and the %s publish or retire articles", KnowledgeTeam)
	}
	if expected > 0 && a.Version != expected {
		return nil, versionConflict(id, a.Version, expected)
	}
	if err := a.StatusChange(to); err != nil {
		return nil, err
	}
	a.Status = to
	t := svcflow.EventArticlePublished
	if to == svcflow.ArticleRetired {
		t = svcflow.EventArticleRetired
	}
	return a, d.saveArticle(ctx, actor, a, a.Version, d.knowledgeEvent(actor, t, a.ID), nil)
}

func (d *Desk) knowledgeEvent(actor *svcflow.Person, t svcflow.EventType, after string) svcflow.Event {
	return svcflow.Event{Item: svcflow.KnowledgeSubject, Time: d.now(), Actor: actorID(actor), Type: t, After: after}
}

// checkArticleRefs checks that the services and CIs an article names exist.
func (d *Desk) checkArticleRefs(ctx context.Context, a *svcflow.Article) error {
	if len(a.Services) > 0 {
		services, err := d.store.Services(ctx)
		if err != nil {
			return err
		}
		for i, s := range a.Services {
			if !slices.ContainsFunc(services, func(x *svcflow.Service) bool { return x.ID == s }) {
				return svcflow.FieldErrorf(fmt.Sprintf("services[%d]", i), "no service %q", s)
			}
		}
	}
	for i, ci := range a.CIs {
		if _, err := d.store.CI(ctx, ci); err != nil {
			return svcflow.FieldErrorf(fmt.Sprintf("cis[%d]", i), "no configuration item %q", ci)
		}
	}
	return nil
}

// articleLinks decides the knowledge links on the problems an article
// names and did not name before: a known error shows on its problems.
func (d *Desk) articleLinks(ctx context.Context, actor *svcflow.Person, a *svcflow.Article, before []string) ([]*Change, error) {
	var out []*Change
	for i, pid := range a.Problems {
		if slices.Contains(before, pid) {
			continue
		}
		w, _, err := d.load(ctx, orSystem(actor), pid)
		if err != nil || w.Kind != svcflow.KindProblem {
			return nil, svcflow.FieldErrorf(fmt.Sprintf("problems[%d]", i), "no problem %s", pid)
		}
		other := a.ID
		if other == "" {
			other = pendingArticle
		}
		if slices.Contains(w.Links, svcflow.Link{Type: svcflow.LinkKnowledge, Other: other}) {
			continue
		}
		ch, err := d.linkChange(ctx, actor, pid, other)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// orSystem stands a manager-level system person in for a nil actor, for
// reads that apply visibility.
func orSystem(p *svcflow.Person) *svcflow.Person {
	if p == nil {
		return &svcflow.Person{ID: svcflow.SystemActor, Role: svcflow.RoleAdmin}
	}
	return p
}

// linkChange decides a knowledge link from an item to an article.
func (d *Desk) linkChange(ctx context.Context, actor *svcflow.Person, itemID, article string) (*Change, error) {
	p := orSystem(actor)
	w, s, err := d.load(ctx, p, itemID)
	if err != nil {
		return nil, err
	}
	cmd := svcflow.AddLink{Type: svcflow.LinkKnowledge, Other: article}
	if err := mayAct(p, cmd); err != nil {
		return nil, err
	}
	env, err := d.env(ctx, p, w, s)
	if err != nil {
		return nil, err
	}
	res, err := svcflow.Decide(w, env, cmd)
	if err != nil {
		return nil, err
	}
	return changesOf(res, w.Version)[0], nil
}

// ArticleFromItem writes a draft from a resolved work item (agents and
// up): its title, its description as the symptoms, and as the resolution
// the last comment written by someone other than the requester up to the
// resolution, unless p gives them. The item gets a knowledge link in the
// same transaction.
func (d *Desk) ArticleFromItem(ctx context.Context, actor *svcflow.Person, itemID string, p ArticlePatch) (*svcflow.Article, error) {
	v, _, err := d.loadView(ctx, actor, itemID)
	if err != nil {
		return nil, err
	}
	if err := staff(actor, "write knowledge articles"); err != nil {
		return nil, err
	}
	w := v.Item
	if w.FirstResolved.IsZero() {
		return nil, svcflow.Errorf(svcflow.ErrConflict, "%s is %s and was never resolved; write an article from what solved it once it is", w.ID, w.Status)
	}
	if p.Title == nil {
		p.Title = &v.Content.Title
	}
	if p.Symptoms == nil {
		p.Symptoms = &v.Content.Description
	}
	if p.Resolution == nil {
		comments, err := d.store.Comments(ctx, w.ID, true)
		if err != nil {
			return nil, err
		}
		for _, c := range comments {
			if c.Author != w.RequestedBy && c.Author != w.RequestedFor && !c.Created.After(w.LastResolved) {
				p.Resolution = &c.Body
			}
		}
	}
	if p.Services == nil && w.Service != "" {
		p.Services = &[]string{w.Service}
	}
	if p.CIs == nil {
		var cis []string
		for _, l := range w.Links {
			if l.Type == svcflow.LinkCI {
				cis = append(cis, l.Other)
			}
		}
		p.CIs = &cis
	}
	return d.createArticle(ctx, actor, p, w)
}

// LinkArticle links an article to a work item the agent works on: the
// article used to resolve it.
func (d *Desk) LinkArticle(ctx context.Context, actor *svcflow.Person, itemID string, expected int, article string) (*View, error) {
	if _, err := d.Article(ctx, actor, article); err != nil {
		return nil, svcflow.FieldErrorf("article", "no knowledge article %s", article)
	}
	return d.Act(ctx, actor, itemID, expected, svcflow.AddLink{Type: svcflow.LinkKnowledge, Other: article})
}

// stopWords are words too common to tell articles apart. Suggestions
// match any word of what a person types, so "the printer is slow" must not
// bring up every article with "the" in it. (PostgreSQL's English text
// search drops these itself; SQLite's full-text index does not.)
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about after again all also am an and any are as at be been before being but by can
		cannot could did do does doing done for from get gets got had has have having he her here hers him his how i if in into
		is it its itself just me more most my no nor not now of off on once only or other our out over own same she should so
		some still such than that the their them then there these they this those through time to too under until up very was
		we were what when where which while who why will with would you your`) {
		stopWords[w] = true
	}
}

// significantWords drops the stop words of a text, keeping the rest as
// typed; "" when nothing significant is left.
func significantWords(text string) string {
	var keep []string
	for _, w := range strings.Fields(text) {
		if !stopWords[strings.ToLower(strings.Trim(w, ".,;:!?'\"()"))] {
			keep = append(keep, w)
		}
	}
	return strings.Join(keep, " ")
}

// Suggest searches the published articles for what a person is typing and
// records the suggestion session, whose id they can later mark as solved
// or open a work item with. Nothing is recorded, and the id is empty,
// when nothing matches: only sessions shown suggestions count.
func (d *Desk) Suggest(ctx context.Context, actor *svcflow.Person, text, service string) (SuggestionSession, []*svcflow.Article, error) {
	if strings.TrimSpace(text) == "" {
		return SuggestionSession{}, nil, svcflow.FieldErrorf("text", "missing text; send what the person is typing")
	}
	if len(text) > 2000 {
		return SuggestionSession{}, nil, svcflow.FieldErrorf("text", "text is %d bytes; at most 2000", len(text))
	}
	if err := checkText("text", text); err != nil {
		return SuggestionSession{}, nil, err
	}
	if service != "" && !svcflow.IsKebab(service) {
		return SuggestionSession{}, nil, svcflow.FieldErrorf("service", "%q is not a service id", service)
	}
	published := []svcflow.ArticleStatus{svcflow.ArticlePublished}
	var found []*svcflow.Article
	if text = significantWords(text); text == "" {
		return SuggestionSession{}, []*svcflow.Article{}, nil
	}
	if service != "" {
		// The service's own articles first, then the rest.
		var err error
		if found, err = d.store.SearchArticles(ctx, ArticleFilter{Text: text, Any: true, Statuses: published, Service: service, Limit: MaxSuggestions}); err != nil {
			return SuggestionSession{}, nil, err
		}
	}
	if len(found) < MaxSuggestions {
		more, err := d.store.SearchArticles(ctx, ArticleFilter{Text: text, Any: true, Statuses: published, Limit: MaxSuggestions})
		if err != nil {
			return SuggestionSession{}, nil, err
		}
		for _, a := range more {
			if len(found) < MaxSuggestions && !slices.ContainsFunc(found, func(x *svcflow.Article) bool { return x.ID == a.ID }) {
				found = append(found, a)
			}
		}
	}
	if len(found) == 0 {
		return SuggestionSession{}, []*svcflow.Article{}, nil
	}
	id, err := newSessionID()
	if err != nil {
		return SuggestionSession{}, nil, err
	}
	s := SuggestionSession{ID: id, Actor: actor.ID, Entry: EntryPortal, Service: service, Created: d.now()}
	if actor.Role != svcflow.RoleRequester {
		s.Entry = EntryAgent
	}
	for _, a := range found {
		s.Shown = append(s.Shown, a.ID)
	}
	ev := d.knowledgeEvent(actor, svcflow.EventSuggestionsShown, id)
	ev.Data.Other, ev.Data.Service, ev.Data.Entry = strings.Join(s.Shown, ","), service, s.Entry
	if err := d.store.PutSuggestionSession(ctx, s, ev); err != nil {
		return SuggestionSession{}, nil, fmt.Errorf("record suggestion session: %w", err)
	}
	return s, found, nil
}

// session returns a session of the actor's; another person's is not found.
func (d *Desk) session(ctx context.Context, actor *svcflow.Person, id, field string) (SuggestionSession, error) {
	s, err := d.store.SuggestionSession(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && s.Actor != actor.ID {
		if field != "" {
			return s, svcflow.FieldErrorf(field, "no suggestion session %s of yours", id)
		}
		return s, svcflow.Errorf(svcflow.ErrNotFound, "no suggestion session %s", id)
	}
	return s, err
}

// Solved records that an article suggested in a session solved the need:
// a deflection, as long as no work item is opened from the session. A
// session is solved once.
func (d *Desk) Solved(ctx context.Context, actor *svcflow.Person, session, article string) error {
	s, err := d.session(ctx, actor, session, "")
	if err != nil {
		return err
	}
	if !slices.Contains(s.Shown, article) {
		return svcflow.FieldErrorf("article", "%q was not suggested in this session; expected one of %s", article, strings.Join(s.Shown, ", "))
	}
	if s.Deflected != "" {
		return svcflow.Errorf(svcflow.ErrConflict, "session %s was marked solved already (by %s)", session, s.Deflected)
	}
	ev := d.knowledgeEvent(actor, svcflow.EventDeflected, session)
	ev.Data.Other, ev.Data.Entry = article, s.Entry
	err = d.store.Deflect(ctx, session, article, d.now(), ev)
	if errors.Is(err, ErrConflict) {
		return svcflow.Errorf(svcflow.ErrConflict, "session %s was marked solved already", session)
	}
	return err
}

// DeflectionReport gives SPEC §3 deflection for the portal sessions that
// started in [From, To): a deflection is a session marked solved from
// which no work item was opened; a submission is a session a work item was
// opened from, solved or not. Agents' sessions are counted apart.
type DeflectionReport struct {
	From          time.Time `json:"from,omitzero"`
	To            time.Time `json:"to,omitzero"`
	Sessions      int       `json:"sessions"` // portal sessions shown suggestions
	Deflections   int       `json:"deflections"`
	Submissions   int       `json:"submissions"`
	Rate          *float64  `json:"rate"` // deflections ÷ (deflections + submissions); null when both are 0
	AgentSessions int       `json:"agent_sessions"`
	AgentSolved   int       `json:"agent_solved"` // agent sessions marked solved with no item opened
}

// Deflection computes the deflection report from the event log (managers
// and admins). A zero from or to leaves that end open.
func (d *Desk) Deflection(ctx context.Context, actor *svcflow.Person, from, to time.Time) (DeflectionReport, error) {
	r := DeflectionReport{From: from, To: to}
	if !actor.Role.AtLeast(svcflow.RoleManager) {
		return r, svcflow.Errorf(svcflow.ErrForbidden, "deflection figures are for managers and admins")
	}
	evs, err := d.store.KnowledgeEvents(ctx, from)
	if err != nil {
		return r, err
	}
	subs, err := d.store.SessionSubmissions(ctx, from)
	if err != nil {
		return r, err
	}
	submitted := map[string]bool{}
	for _, e := range subs {
		submitted[e.Data.Session] = true
	}
	entry := map[string]string{}
	solved := map[string]bool{}
	for _, e := range evs {
		switch e.Type {
		case svcflow.EventSuggestionsShown:
			if !to.IsZero() && !e.Time.Before(to) {
				continue
			}
			entry[e.After] = e.Data.Entry
		case svcflow.EventDeflected:
			solved[e.After] = true
		}
	}
	for id, en := range entry {
		if en == EntryAgent {
			r.AgentSessions++
			if solved[id] && !submitted[id] {
				r.AgentSolved++
			}
			continue
		}
		r.Sessions++
		switch {
		case submitted[id]:
			r.Submissions++
		case solved[id]:
			r.Deflections++
		}
	}
	if n := r.Deflections + r.Submissions; n > 0 {
		rate := float64(r.Deflections) / float64(n)
		r.Rate = &rate
	}
	return r, nil
}

// checkSuggestionSession checks the session a work item is opened from.
func (d *Desk) checkSuggestionSession(ctx context.Context, actor *svcflow.Person, id string) error {
	if len(id) > 100 {
		return svcflow.FieldErrorf("suggestion_session", "is %d characters; expected a session id", len(id))
	}
	_, err := d.session(ctx, actor, id, "suggestion_session")
	return err
}

// newSessionID returns an unguessable session id: sessions are checked
// against their owner too, but an id should not tell how many there are.
func newSessionID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	return "KS-" + hex.EncodeToString(b[:]), nil
}

// validateArticle checks an article and reports every wrong field at once.
func validateArticle(a *svcflow.Article) error {
	err := svcflow.ValidateArticle(a)
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return err
	}
	fe := &FieldErrors{}
	for _, e := range j.Unwrap() {
		var se *svcflow.Error
		if !errors.As(e, &se) {
			return err
		}
		fe.Errors = append(fe.Errors, se)
	}
	return fe
}
