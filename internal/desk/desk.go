package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/svcflow/svcflow"
)

// Options configures a Desk.
type Options struct {
	Store  Store
	Now    func() time.Time        // the clock; tests and the demo inject theirs
	Matrix *svcflow.PriorityMatrix // nil: the default matrix of SPEC §5
}

// Desk runs the use cases over a store.
type Desk struct {
	store Store
	now   func() time.Time
	mat   *svcflow.PriorityMatrix

	mu        sync.Mutex
	revisions map[string]*svcflow.ValueStream // "id@rev": revisions never change, so caching is safe
	latest    []*svcflow.ValueStream          // the latest revisions, read again after latestTTL
	latestAt  time.Time

	dues dueCache // SLA due times of queued items, by version

	pullMu  sync.Mutex
	pulling map[string]bool // items a pull on this instance is starting now
}

// latestTTL is how long the list of latest stream revisions is reused. A
// revision registered by another instance is picked up within it; this
// instance's own registrations are seen at once.
const latestTTL = 5 * time.Second

// New returns a desk over the store.
func New(opt Options) *Desk {
	clock := opt.Now
	if clock == nil {
		clock = time.Now
	}
	// UTC without a monotonic reading: what is stored and replayed is the
	// same instant in the same form.
	now := func() time.Time { return clock().UTC().Round(0) }
	return &Desk{store: opt.Store, now: now, mat: opt.Matrix, revisions: map[string]*svcflow.ValueStream{}}
}

// Store returns the desk's store, for callers that read it directly.
func (d *Desk) Store() Store { return d.store }

// maxRetries bounds how often a command without an expected version is
// decided again after losing a race; each retry decides on fresh state.
const maxRetries = 8

// kindPrefix gives each kind the prefix of its ids (INC-1042), as service
// desks are used to.
var kindPrefix = map[svcflow.Kind]string{
	svcflow.KindQuery: "QRY", svcflow.KindIncident: "INC", svcflow.KindServiceRequest: "REQ",
	svcflow.KindChange: "CHG", svcflow.KindProblem: "PRB", svcflow.KindDemand: "DEM", svcflow.KindImprovement: "IMP",
}

func (d *Desk) newID(ctx context.Context) func(svcflow.Kind) (string, error) {
	return func(k svcflow.Kind) (string, error) {
		n, err := d.store.NextNumber(ctx, "item")
		if err != nil {
			return "", fmt.Errorf("allocate item number: %w", err)
		}
		p, ok := kindPrefix[k]
		if !ok {
			p = "WI"
		}
		return fmt.Sprintf("%s-%d", p, n), nil
	}
}

// Digest returns the SHA-256 of a stream's canonical JSON: the same
// definition always gives the same digest.
func Digest(s *svcflow.ValueStream) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("marshal stream %s: %v", s.ID, err)) // domain types always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// RegisterStreams stores the given definitions by revision. A revision
// already stored with the same content is left alone; changed content under
// an unchanged revision is refused, naming every such stream.
func (d *Desk) RegisterStreams(ctx context.Context, actor string, streams []*svcflow.ValueStream) error {
	var refused []string
	for _, s := range streams {
		digest := Digest(s)
		ev := svcflow.Event{Item: ConfigSubject, Time: d.now(), Actor: actor, Type: EventStreamRegistered,
			After: fmt.Sprintf("%s@%d", s.ID, s.Revision), Data: svcflow.EventData{Stream: s.ID, StreamRevision: s.Revision, Other: digest}}
		_, err := d.store.PutStream(ctx, StoredStream{Stream: s, Digest: digest, Registered: d.now()}, ev)
		switch {
		case errors.Is(err, ErrConflict):
			refused = append(refused, fmt.Sprintf("%s revision %d", s.ID, s.Revision))
		case err != nil:
			return fmt.Errorf("register stream %s: %w", s.ID, err)
		}
	}
	d.mu.Lock()
	d.latest = nil
	d.mu.Unlock()
	if len(refused) > 0 {
		return svcflow.Errorf(svcflow.ErrConflict, "changed content under an unchanged revision: %s; raise the revision of each", strings.Join(refused, ", "))
	}
	return nil
}

// latestStreams returns the latest revision of every stream, cached for
// latestTTL (wall clock, not the desk's clock, which tests and the demo move).
func (d *Desk) latestStreams(ctx context.Context) ([]*svcflow.ValueStream, error) {
	d.mu.Lock()
	if d.latest != nil && time.Since(d.latestAt) < latestTTL {
		l := d.latest
		d.mu.Unlock()
		return l, nil
	}
	d.mu.Unlock()
	l, err := d.store.LatestStreams(ctx)
	if err != nil {
		return nil, fmt.Errorf("load streams: %w", err)
	}
	d.mu.Lock()
	d.latest, d.latestAt = l, time.Now()
	d.mu.Unlock()
	return l, nil
}

// ConfigSubject is the subject of configuration events.
const ConfigSubject = "config"

// Configuration event types.
const (
	EventStreamRegistered svcflow.EventType = "stream_registered"
	EventPersonSaved      svcflow.EventType = "person_saved"
	EventTeamSaved        svcflow.EventType = "team_saved"
	EventOrgSaved         svcflow.EventType = "organisation_saved"
	EventServiceSaved     svcflow.EventType = "service_saved"
)

// stream returns a stream at a revision, from the cache or the store.
func (d *Desk) stream(ctx context.Context, id string, rev int) (*svcflow.ValueStream, error) {
	key := fmt.Sprintf("%s@%d", id, rev)
	d.mu.Lock()
	s := d.revisions[key]
	d.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := d.store.StreamRevision(ctx, id, rev)
	if err != nil {
		return nil, fmt.Errorf("load stream %s: %w", key, err)
	}
	d.mu.Lock()
	d.revisions[key] = s
	d.mu.Unlock()
	return s, nil
}

// SelfServiceEntry is the entry point requesters may choose themselves:
// the self-service path of a stream (password resets through the portal).
const SelfServiceEntry = "self_service"

// OpenInput is what a person asks for when opening a work item.
type OpenInput struct {
	Kind         svcflow.Kind
	Title        string
	Description  string
	Category     string
	Service      string
	Organisation string
	Impact       int
	Urgency      int
	CostOfDelay  int
	Size         svcflow.Duration
	RequestedFor string
	Watchers     []string
	Entry        string // entry point; "" for the usual one
	Stream       string // force a stream instead of routing (agents and up)
	// Catalogue names a catalogue entry as "SERVICE/ENTRY": it sets the
	// kind, category and service, and Form answers its request form.
	Catalogue string
	Form      map[string]string
	CIs       []string // configuration items the work concerns
	// SuggestionSession names the knowledge suggestion session the item
	// is opened from: the session then counts as a submission.
	SuggestionSession string
}

// View is a work item as its reader may see it.
type View struct {
	Item    *svcflow.WorkItem
	Content Content
}

// Open routes new work to its stream and opens it there.
func (d *Desk) Open(ctx context.Context, actor *svcflow.Person, in OpenInput) (*View, error) {
	return d.open(ctx, actor, in, nil, nil)
}

// open opens new work with links to other items besides its CIs; with,
// when given, adds the rows that travel with its events.
func (d *Desk) open(ctx context.Context, actor *svcflow.Person, in OpenInput, links []svcflow.Link, with func(*Change)) (*View, error) {
	if in.Catalogue != "" {
		if err := d.applyCatalogue(ctx, &in); err != nil {
			return nil, err
		}
	} else if len(in.Form) > 0 {
		return nil, svcflow.FieldErrorf("form", "a form belongs to a catalogue entry; name it in catalogue")
	}
	for i, ci := range in.CIs {
		if _, err := d.store.CI(ctx, ci); err != nil {
			return nil, svcflow.FieldErrorf(fmt.Sprintf("cis[%d]", i), "no configuration item %q", ci)
		}
	}
	if in.SuggestionSession != "" {
		if err := d.checkSuggestionSession(ctx, actor, in.SuggestionSession); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(in.Title) == "" {
		return nil, svcflow.FieldErrorf("title", "missing title; say in a few words what is needed")
	}
	if err := checkText("title", in.Title); err != nil {
		return nil, err
	}
	if err := checkText("description", in.Description); err != nil {
		return nil, err
	}
	for k, v := range in.Form {
		if err := checkText("form."+k, v); err != nil {
			return nil, err
		}
	}
	if len(in.Title) > 300 {
		return nil, svcflow.FieldErrorf("title", "title is %d characters; at most 300", len(in.Title))
	}
	if !in.Kind.IsValid() {
		return nil, svcflow.FieldErrorf("kind", "unknown kind %q; expected one of %s", in.Kind, strings.Join(svcflow.KindIDs(), ", "))
	}
	if actor.Role == svcflow.RoleRequester && (in.Stream != "" || in.Entry != "" && in.Entry != SelfServiceEntry) {
		return nil, svcflow.Errorf(svcflow.ErrForbidden, "a requester may not choose the stream or entry point (only %s)", SelfServiceEntry)
	}
	if actor.Role == svcflow.RoleRequester && in.Organisation != "" && in.Organisation != actor.Organisation {
		// The organisation decides entitlement and SLA tier: requesters raise work for their own.
		return nil, svcflow.FieldErrorf("organisation", "a requester raises work for their own organisation")
	}
	if in.RequestedFor == "" {
		in.RequestedFor = actor.ID
	}
	latest, err := d.latestStreams(ctx)
	if err != nil {
		return nil, err
	}
	var stream *svcflow.ValueStream
	if in.Stream != "" {
		if stream = byID(latest)(in.Stream); stream == nil {
			return nil, svcflow.FieldErrorf("stream", "no value stream %q", in.Stream)
		}
	} else if stream, err = svcflow.Route(latest, in.Kind, in.Category, in.Service); err != nil {
		return nil, svcflow.FieldErrorf("kind", "%v", err)
	}
	org := in.Organisation
	if org == "" {
		org = actor.Organisation
	}
	id, err := d.newID(ctx)(in.Kind)
	if err != nil {
		return nil, err
	}
	env := svcflow.Env{Now: d.now(), Actor: actor.Actor(), Stream: stream, Streams: byID(latest), NewID: d.newID(ctx), Matrix: d.mat}
	res, err := svcflow.Open(env, svcflow.OpenRequest{
		ID: id, Kind: in.Kind, Category: in.Category, Service: in.Service, Organisation: org,
		Impact: in.Impact, Urgency: in.Urgency, CostOfDelay: in.CostOfDelay, Size: in.Size,
		RequestedBy: actor.ID, RequestedFor: in.RequestedFor,
		Watchers: in.Watchers, Entry: in.Entry,
	})
	if err != nil {
		return nil, err
	}
	first := res
	if len(first.Events) > 0 && first.Events[0].Type == svcflow.EventCreated {
		first.Events[0].Data.Session = in.SuggestionSession
	}
	for _, ci := range in.CIs {
		links = append(links, svcflow.Link{Type: svcflow.LinkCI, Other: ci})
	}
	for _, l := range links {
		res, err = svcflow.Decide(res.Item, env, svcflow.AddLink{Type: l.Type, Other: l.Other})
		if err != nil {
			return nil, err
		}
		first.Events = append(first.Events, res.Events...)
		first.Item = res.Item
	}
	res = first
	content := Content{Title: strings.TrimSpace(in.Title), Description: in.Description, Form: in.Form}
	changes := changesOf(res, 0)
	changes[0].Content = &content
	if with != nil {
		with(changes[0])
	}
	if err := d.store.Append(ctx, changes...); err != nil {
		return nil, fmt.Errorf("open %s: %w", id, err)
	}
	return &View{Item: res.Item, Content: content}, nil
}

// changesOf flattens a decision into store changes: the item first, then
// every spawned item (new, with a title naming their origin).
func changesOf(res svcflow.Result, expected int) []*Change {
	out := []*Change{{Item: res.Item, Expected: expected, Events: res.Events}}
	for _, sp := range res.Spawned {
		for _, c := range changesOf(sp, 0) {
			if c.Content == nil && c.Expected == 0 {
				c.Content = &Content{Title: fmt.Sprintf("%s spawned by %s", c.Item.Kind, res.Item.ID)}
			}
			out = append(out, c)
		}
	}
	return out
}

// load reads an item the actor may see; others get not found, so an item's
// existence does not leak (SPEC §8).
func (d *Desk) load(ctx context.Context, actor *svcflow.Person, id string) (*svcflow.WorkItem, *svcflow.ValueStream, error) {
	v, s, err := d.loadView(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	return v.Item, s, nil
}

// loadView loads an item the actor may see with its content, in one read.
func (d *Desk) loadView(ctx context.Context, actor *svcflow.Person, id string) (*View, *svcflow.ValueStream, error) {
	w, c, err := d.store.ItemView(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, svcflow.Errorf(svcflow.ErrNotFound, "no work item %s", id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", id, err)
	}
	s, err := d.stream(ctx, w.Stream, w.StreamRevision)
	if err != nil {
		return nil, nil, err
	}
	if !canSee(actor, w, s) {
		return nil, nil, svcflow.Errorf(svcflow.ErrNotFound, "no work item %s", id)
	}
	return &View{Item: w, Content: c}, s, nil
}

// Item returns a work item the actor may see.
func (d *Desk) Item(ctx context.Context, actor *svcflow.Person, id string) (*View, error) {
	v, _, err := d.loadView(ctx, actor, id)
	return v, err
}

// ItemEvents returns an item's events, for those who may see the item.
func (d *Desk) ItemEvents(ctx context.Context, actor *svcflow.Person, id string) ([]svcflow.Event, error) {
	if _, _, err := d.load(ctx, actor, id); err != nil {
		return nil, err
	}
	return d.store.ItemEvents(ctx, id)
}

// Act decides a command on an item and stores its events. With expected > 0
// the command applies only to that version (If-Match) and fails with a
// conflict otherwise; with 0 it is decided again on fresh state when
// another writer got there first, so no update is lost.
func (d *Desk) Act(ctx context.Context, actor *svcflow.Person, id string, expected int, cmd svcflow.Command) (*View, error) {
	return d.actWith(ctx, actor, id, expected, cmd, nil)
}

// PostComment adds a comment: the text in its row, the event in the log.
func (d *Desk) PostComment(ctx context.Context, actor *svcflow.Person, id string, expected int, body string, public bool) (*View, *Comment, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, nil, svcflow.FieldErrorf("body", "empty comment")
	}
	if err := checkText("body", body); err != nil {
		return nil, nil, err
	}
	if len(body) > 64<<10 {
		return nil, nil, svcflow.FieldErrorf("body", "comment is %d bytes; at most 65536", len(body))
	}
	n, err := d.store.NextNumber(ctx, "comment")
	if err != nil {
		return nil, nil, err
	}
	c := &Comment{ID: fmt.Sprintf("C-%d", n), Item: id, Author: actor.ID, Public: public, Body: body, Created: d.now()}
	v, err := d.actWith(ctx, actor, id, expected, svcflow.AddComment{ID: c.ID, Public: public}, func(ch *Change) { ch.Comment = c })
	return v, c, err
}

// actWith decides and stores a command; with, when given, adds the rows
// that travel with its events (a comment, an attachment).
func (d *Desk) actWith(ctx context.Context, actor *svcflow.Person, id string, expected int, cmd svcflow.Command, with func(*Change)) (*View, error) {
	for attempt := 0; ; attempt++ {
		view, s, err := d.loadView(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		w := view.Item
		if err := mayAct(actor, cmd); err != nil {
			return nil, err
		}
		if l, ok := cmd.(svcflow.AddLink); ok && l.Type == svcflow.LinkCI {
			if _, err := d.store.CI(ctx, l.Other); err != nil {
				return nil, svcflow.FieldErrorf("other", "no configuration item %q", l.Other)
			}
		}
		if l, ok := cmd.(svcflow.AddLink); ok && l.Type == svcflow.LinkKnowledge {
			if _, err := d.store.Article(ctx, l.Other); err != nil {
				return nil, svcflow.FieldErrorf("other", "no knowledge article %q", l.Other)
			}
		}
		if expected > 0 && w.Version != expected {
			return nil, &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match",
				Message: fmt.Sprintf("%s is at version %d, not %d; reload it and decide again", id, w.Version, expected)}
		}
		env, err := d.env(ctx, actor, w, s)
		if err != nil {
			return nil, err
		}
		if rc, ok := cmd.(svcflow.Reclassify); ok && rc.Link {
			if env.History, err = d.store.ItemEvents(ctx, id); err != nil {
				return nil, err
			}
		}
		res, err := svcflow.Decide(w, env, cmd)
		if err != nil {
			return nil, err
		}
		changes := changesOf(res, w.Version)
		if rc, ok := cmd.(svcflow.Reclassify); ok && rc.Link && len(changes) > 1 {
			// The new item takes over the free text too.
			content, err := d.store.ItemContent(ctx, id)
			if err != nil {
				return nil, err
			}
			changes[1].Content = &content
		}
		if with != nil {
			with(changes[0])
		}
		err = d.store.Append(ctx, changes...)
		if errors.Is(err, ErrConflict) && expected == 0 && attempt < maxRetries {
			continue
		}
		if errors.Is(err, ErrConflict) {
			return nil, svcflow.Errorf(svcflow.ErrConflict, "%s changed meanwhile; reload it and decide again", id)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", svcflow.CommandName(cmd), id, err)
		}
		// An action does not change the item's own text (Patch does), so
		// the text read with the item is still current.
		return &View{Item: res.Item, Content: view.Content}, nil
	}
}

// env builds the decision environment: the item's own stream revision, the
// latest streams for spawns, and the spawned items the step waits for.
func (d *Desk) env(ctx context.Context, actor *svcflow.Person, w *svcflow.WorkItem, s *svcflow.ValueStream) (svcflow.Env, error) {
	env := svcflow.Env{Now: d.now(), Actor: actor.Actor(), Stream: s, NewID: d.newID(ctx), Matrix: d.mat}
	if w.Visit != nil && len(w.Visit.Waiting) > 0 {
		env.Children = map[string]*svcflow.WorkItem{}
		for _, cid := range w.Visit.Waiting {
			c, err := d.store.Item(ctx, cid)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return env, fmt.Errorf("load spawned item %s: %w", cid, err)
			}
			if c != nil {
				env.Children[cid] = c
			}
		}
	}
	// Spawns open items in other streams, and a reroute moves the item to
	// one: both need the latest streams (cached, so this costs nothing).
	latest, err := d.latestStreams(ctx)
	if err != nil {
		return env, err
	}
	env.Streams = byID(latest)
	return env, nil
}

// byID finds a stream among the given ones by id; nil when it is not.
func byID(streams []*svcflow.ValueStream) func(string) *svcflow.ValueStream {
	return func(id string) *svcflow.ValueStream {
		for _, s := range streams {
			if s.ID == id {
				return s
			}
		}
		return nil
	}
}

func stepOf(w *svcflow.WorkItem) string {
	if w.Visit == nil {
		return ""
	}
	return w.Visit.Step
}

// List returns the items matching f that the actor may see. Requesters are
// limited to their own items by the filter itself, so pages stay full.
func (d *Desk) List(ctx context.Context, actor *svcflow.Person, f ItemFilter) ([]*svcflow.WorkItem, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if actor.Role == svcflow.RoleRequester {
		f.Person = actor.ID
	}
	items, err := d.store.ListItems(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list work items: %w", err)
	}
	if actor.Role.AtLeast(svcflow.RoleManager) || actor.Role == svcflow.RoleRequester {
		return items, nil
	}
	out := items[:0]
	for _, w := range items {
		s, err := d.stream(ctx, w.Stream, w.StreamRevision)
		if err != nil {
			return nil, err
		}
		if canSee(actor, w, s) {
			out = append(out, w)
		}
	}
	return out, nil
}

// Comments returns an item's comments; requesters see public ones only.
func (d *Desk) Comments(ctx context.Context, actor *svcflow.Person, id string) ([]Comment, error) {
	if _, _, err := d.load(ctx, actor, id); err != nil {
		return nil, err
	}
	return d.store.Comments(ctx, id, actor.Role != svcflow.RoleRequester)
}

// Events returns the global event log after a cursor, for managers and
// admins (integrators use an admin's token).
func (d *Desk) Events(ctx context.Context, actor *svcflow.Person, after int64, limit int) ([]svcflow.Event, error) {
	if !actor.Role.AtLeast(svcflow.RoleManager) {
		return nil, svcflow.Errorf(svcflow.ErrForbidden, "the event log is for managers and admins")
	}
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	return d.store.Events(ctx, after, limit)
}

// StreamStep returns a step of a stream revision.
func (d *Desk) StreamStep(ctx context.Context, stream string, rev int, step string) (*svcflow.Step, error) {
	s, err := d.stream(ctx, stream, rev)
	if err != nil {
		return nil, err
	}
	st := s.Step(step)
	if st == nil {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no step %s in %s", step, stream)
	}
	return st, nil
}

// Contents pairs items with their free text, for lists.
func (d *Desk) Contents(ctx context.Context, items []*svcflow.WorkItem) ([]*View, error) {
	ids := make([]string, len(items))
	for i, w := range items {
		ids[i] = w.ID
	}
	contents, err := d.store.ItemContents(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*View, len(items))
	for i, w := range items {
		c, ok := contents[w.ID]
		if !ok {
			return nil, fmt.Errorf("load content of %s: %w", w.ID, ErrNotFound)
		}
		out[i] = &View{Item: w, Content: c}
	}
	return out, nil
}

// Patch changes fields of an item at an expected version (PATCH needs
// If-Match): the free text in its row, everything else through an Update
// decision, one transaction for both.
type Patch struct {
	Title       *string
	Description *string
	Update      svcflow.Update
}

// Patch applies a Patch.
func (d *Desk) Patch(ctx context.Context, actor *svcflow.Person, id string, expected int, p Patch) (*View, error) {
	w, s, err := d.load(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if actor.Role == svcflow.RoleRequester {
		return nil, svcflow.Errorf(svcflow.ErrForbidden, "a requester may not edit a work item; add a comment instead")
	}
	if w.Version != expected {
		return nil, &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match",
			Message: fmt.Sprintf("%s is at version %d, not %d; reload it and decide again", id, w.Version, expected)}
	}
	content, err := d.store.ItemContent(ctx, id)
	if err != nil {
		return nil, err
	}
	u := p.Update
	if p.Title != nil {
		t := strings.TrimSpace(*p.Title)
		if t == "" || len(t) > 300 {
			return nil, svcflow.FieldErrorf("title", "expected 1 to 300 characters")
		}
		if err := checkText("title", t); err != nil {
			return nil, err
		}
		u.Title = t != content.Title
		content.Title = t
	}
	if p.Description != nil {
		if err := checkText("description", *p.Description); err != nil {
			return nil, err
		}
		u.Description = *p.Description != content.Description
		content.Description = *p.Description
	}
	env, err := d.env(ctx, actor, w, s)
	if err != nil {
		return nil, err
	}
	res, err := svcflow.Decide(w, env, u)
	if err != nil {
		return nil, err
	}
	changes := changesOf(res, w.Version)
	if u.Title || u.Description {
		changes[0].Content = &content
	}
	if err := d.store.Append(ctx, changes...); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match", Message: id + " changed meanwhile; reload it"}
		}
		return nil, err
	}
	return &View{Item: res.Item, Content: content}, nil
}

// applyCatalogue fills kind, category and service from a catalogue entry
// and checks the answers to its form, reporting every wrong field.
func (d *Desk) applyCatalogue(ctx context.Context, in *OpenInput) error {
	svcID, entryID, ok := strings.Cut(in.Catalogue, "/")
	if !ok {
		return svcflow.FieldErrorf("catalogue", "%q; expected SERVICE/ENTRY", in.Catalogue)
	}
	services, err := d.store.Services(ctx)
	if err != nil {
		return err
	}
	var entry *svcflow.CatalogueEntry
	for _, sv := range services {
		if sv.ID != svcID || sv.Status != svcflow.ServiceLive {
			continue
		}
		for i := range sv.Catalogue {
			if sv.Catalogue[i].ID == entryID {
				entry = &sv.Catalogue[i]
			}
		}
	}
	if entry == nil {
		return svcflow.FieldErrorf("catalogue", "no catalogue entry %s in a live service", in.Catalogue)
	}
	in.Kind, in.Category, in.Service = entry.Kind, entry.Category, svcID
	if in.Title == "" {
		in.Title = entry.Name
	}
	exists := func(kind, id string) bool {
		var err error
		if kind == "person" {
			_, err = d.store.Person(ctx, id)
		} else {
			_, err = d.store.CI(ctx, id)
		}
		return err == nil
	}
	if errs := entry.ValidateForm(in.Form, exists); len(errs) > 0 {
		return &FieldErrors{Errors: errs}
	}
	return nil
}

// FieldErrors carries several field errors of one request.
type FieldErrors struct{ Errors []*svcflow.Error }

func (f *FieldErrors) Error() string {
	msgs := make([]string, len(f.Errors))
	for i, e := range f.Errors {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}
