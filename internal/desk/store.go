// Package desk holds svcflow's use cases: opening work items, acting on
// them, reading them with the visibility rules of SPEC §8, and registering
// value streams by revision. It decides with the domain's pure rules and
// persists through the Store interfaces it defines; it knows nothing of
// SQL or HTTP.
package desk

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/svcflow/svcflow"
)

// ErrNotFound is returned by stores for a missing row.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned by stores when an expected version no longer
// holds or a unique key is taken: someone else changed the data first.
var ErrConflict = errors.New("conflict")

// Content is the free text of a work item, kept beside its events so it can
// be redacted without touching the log.
type Content struct {
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Form        map[string]string `json:"form,omitempty"` // answers to the catalogue entry's request form
}

// Comment is a comment on a work item; public ones are visible to requesters.
type Comment struct {
	ID      string    `json:"id"`
	Item    string    `json:"item"`
	Author  string    `json:"author"`
	Public  bool      `json:"public"`
	Body    string    `json:"body"`
	Created time.Time `json:"created"`
}

// Change is what one decision writes for one item: its events, the state
// they lead to, and for a new item its content. Expected is the version the
// decision was made on (0 for a new item).
type Change struct {
	Item       *svcflow.WorkItem
	Expected   int
	Events     []svcflow.Event
	Content    *Content
	Comment    *Comment
	Attachment *Attachment
	SLAMark    *SLAMark
	// Improvement is the register entry of an improvement item, saved
	// (inserted or replaced) with the events.
	Improvement *svcflow.Improvement
	// Firing is an automation rule's firing that caused the events: it is
	// recorded with them, and the change fails with ErrConflict when it is
	// recorded already.
	Firing *Firing
	// Feedback is a feedback entry given with the events.
	Feedback *Feedback
}

// SLAMark makes an SLA crossing unique: the change that records it fails
// with ErrConflict when another instance has recorded it already.
type SLAMark struct {
	Clock, Kind string
	Since       time.Time
}

// Attachment is a file on a work item: metadata in the store, the bytes in
// the blob store under their SHA-256.
type Attachment struct {
	ID          string    `json:"id"`
	Item        string    `json:"item"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	Created     time.Time `json:"created"`
}

// Blobs stores file contents by their SHA-256 (SPEC §7: a directory for
// SQLite, the database or a bucket for PostgreSQL), so any instance can
// serve any file. PutBlob reads at most max bytes and fails with
// ErrTooLarge beyond that, storing nothing.
type Blobs interface {
	PutBlob(ctx context.Context, r io.Reader, max int64) (sha256 string, size int64, err error)
	OpenBlob(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// ErrTooLarge is returned by PutBlob for contents over the limit.
var ErrTooLarge = errors.New("too large")

// ItemFilter selects work items for a list; empty fields do not filter.
type ItemFilter struct {
	Statuses []svcflow.Status
	Kinds    []svcflow.Kind
	Teams    []string // current visit's team
	Person   string   // requested by, requested for or watching
	Assignee string
	Service  string
	Stream   string
	Step     string
	Updated  time.Time // changed at or after this instant
	Text     string    // full-text search over title, description and public comments
	Before   int64     // keyset cursor: items numbered below this
	Limit    int

	// VisitStates keeps items whose current visit is in one of these
	// states (queued, active, blocked).
	VisitStates []svcflow.VisitState
}

// Items is the store of work items and their events. Append writes every
// change atomically: all events and projections, or none; a change whose
// Expected version no longer holds fails the whole append with ErrConflict.
// Append sets the Seq of each event it writes.
type Items interface {
	// NextNumber allocates the next number of a named counter ("item",
	// "comment"), starting at 1001.
	NextNumber(ctx context.Context, counter string) (int64, error)
	Append(ctx context.Context, changes ...*Change) error
	Item(ctx context.Context, id string) (*svcflow.WorkItem, error)
	ItemContent(ctx context.Context, id string) (Content, error)
	// ItemView loads an item and its content at once.
	ItemView(ctx context.Context, id string) (*svcflow.WorkItem, Content, error)
	// ItemContents loads the content of many items at once; missing ones
	// are absent from the map.
	ItemContents(ctx context.Context, ids []string) (map[string]Content, error)
	ItemEvents(ctx context.Context, id string) ([]svcflow.Event, error)
	// EventsOfItems loads the events of several items in one query, each
	// item's in version order; items without events are left out.
	EventsOfItems(ctx context.Context, ids []string) (map[string][]svcflow.Event, error)
	Comments(ctx context.Context, item string, includeInternal bool) ([]Comment, error)
	ListItems(ctx context.Context, f ItemFilter) ([]*svcflow.WorkItem, error)
	// Events returns events with Seq > after in Seq order, at most limit.
	Events(ctx context.Context, after int64, limit int) ([]svcflow.Event, error)
	Attachment(ctx context.Context, id string) (Attachment, error)
	Attachments(ctx context.Context, item string) ([]Attachment, error)
	// Stats counts work items by status and returns the highest event
	// sequence number: figures of the whole database, so instances that
	// export them do not add up to more than there is.
	Stats(ctx context.Context) (Stats, error)
}

// Stats are database-wide figures for monitoring.
type Stats struct {
	ItemsByStatus map[svcflow.Status]int
	LastSeq       int64
}

// StoredStream is a value stream definition at one revision.
type StoredStream struct {
	Stream     *svcflow.ValueStream
	Digest     string // SHA-256 of the canonical JSON: equal content, equal digest
	Registered time.Time
}

// Streams stores value stream definitions by (id, revision).
type Streams interface {
	// PutStream stores a revision; storing the same digest again is a no-op
	// (created false); a different digest under a stored revision is
	// ErrConflict.
	PutStream(ctx context.Context, s StoredStream, event svcflow.Event) (created bool, err error)
	StreamRevision(ctx context.Context, id string, revision int) (*svcflow.ValueStream, error)
	LatestStreams(ctx context.Context) ([]*svcflow.ValueStream, error)
}

// Directory stores organisations, teams, people and services. Each Put
// writes its configuration event in the same transaction.
type Directory interface {
	PutOrganisation(ctx context.Context, o *svcflow.Organisation, event svcflow.Event) error
	Organisations(ctx context.Context) ([]*svcflow.Organisation, error)
	PutTeam(ctx context.Context, t *svcflow.Team, event svcflow.Event) error
	// PutConfigIf saves a configuration object as its Put method does, in
	// one transaction with a look at the object stored now: accepts gets
	// its JSON (nil when there is none), and a false answer makes the save
	// ErrChanged, with nothing written.
	PutConfigIf(ctx context.Context, kind ConfigKind, id string, v any, accepts func(stored []byte) bool, event svcflow.Event) error
	Teams(ctx context.Context) ([]*svcflow.Team, error)
	PutPerson(ctx context.Context, p *svcflow.Person, event svcflow.Event) error
	Person(ctx context.Context, id string) (*svcflow.Person, error)
	PersonByEmail(ctx context.Context, email string) (*svcflow.Person, error)
	People(ctx context.Context) ([]*svcflow.Person, error)
	PutService(ctx context.Context, s *svcflow.Service, event svcflow.Event) error
	Services(ctx context.Context) ([]*svcflow.Service, error)
	// ErasePerson redacts a person in one transaction: their name, email
	// and identities, their credentials, the comments they wrote and the
	// free text of the items requested by or for them; event writes the
	// erasure to the log. The event log itself is untouched.
	ErasePerson(ctx context.Context, id string, event svcflow.Event) error
	// PutCI saves a configuration item and replaces the relationships
	// that start at it.
	PutCI(ctx context.Context, ci *svcflow.CI, rels []svcflow.Relationship, event svcflow.Event) error
	CI(ctx context.Context, id string) (*svcflow.CI, error)
	CIs(ctx context.Context) ([]*svcflow.CI, error)
	Relationships(ctx context.Context) ([]svcflow.Relationship, error)
	// Import saves a whole batch in one transaction, each object with its
	// configuration event: all of it, or nothing.
	Import(ctx context.Context, b *ImportBatch) error
	PutCalendar(ctx context.Context, c *svcflow.Calendar, event svcflow.Event) error
	Calendars(ctx context.Context) ([]*svcflow.Calendar, error)
	PutSLAPolicy(ctx context.Context, p *svcflow.SLAPolicy, event svcflow.Event) error
	SLAPolicies(ctx context.Context) ([]*svcflow.SLAPolicy, error)
}

// ImportBatch is what one bulk import writes.
type ImportBatch struct {
	People        []*svcflow.Person
	Teams         []*svcflow.Team
	Services      []*svcflow.Service
	CIs           []*svcflow.CI
	Relationships []svcflow.Relationship
	Events        []svcflow.Event // one configuration event per object
}

// Store is everything the desk persists.
type Store interface {
	Items
	Streams
	Directory
	Credentials
	Blobs
	SLASchedules
	Improvements
	FeedbackStore
	Knowledge
	Outbox
	Rules
	Close() error
}

// Token is a stored API token: only the SHA-256 of the secret is kept.
type Token struct {
	Hash    string    `json:"-"`
	ID      string    `json:"id"`
	Person  string    `json:"person"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// Session is a signed-in browser session; Hash is the SHA-256 of the cookie
// value, CSRF the synchronizer token its forms carry.
type Session struct {
	Hash    string
	Person  string
	CSRF    string
	Created time.Time
	Expires time.Time
}

// IdempotentResponse is the answer remembered for an Idempotency-Key.
type IdempotentResponse struct {
	Status      int
	ContentType string
	ETag        string
	Body        []byte
}

// IdempotentRecord is what is known of an Idempotency-Key: what the keyed
// request made or changed (desk.ClaimResult), when it changed anything,
// and the response once it is remembered.
type IdempotentRecord struct {
	Result   string
	Response *IdempotentResponse
}

// Credentials stores passwords, tokens, sessions and idempotency keys.
// SetPassword and PutToken write a configuration event (never the secret).
type Credentials interface {
	// PutPersonWithPassword saves a person (when accepts takes the one
	// stored now, else ErrChanged) and their password hash, ending their
	// browser sessions, in one transaction with both events.
	PutPersonWithPassword(ctx context.Context, p *svcflow.Person, hash string, accepts func(stored []byte) bool, events [2]svcflow.Event) error
	// SetPassword also ends the person's browser sessions, in the same
	// transaction.
	SetPassword(ctx context.Context, person, hash string, event svcflow.Event) error
	PasswordHash(ctx context.Context, person string) (string, error)
	PutToken(ctx context.Context, t Token, event svcflow.Event) error
	TokenByHash(ctx context.Context, hash string) (Token, error)
	PutSession(ctx context.Context, s Session) error
	SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, hash string) error
	// IdempotentRecord returns the record of a key created after since,
	// or ErrNotFound.
	IdempotentRecord(ctx context.Context, key string, since time.Time) (*IdempotentRecord, error)
	// RememberResponse stores the response to a keyed request and drops
	// keys created before expired. When claimed, an append has recorded
	// the key already and the response only completes it (it may be lost
	// in a crash without harm: the change is recorded), so it may return
	// before the response is stored, which it is by the time an append
	// submitted afterwards returns; otherwise it records the key, unless a
	// live record holds it.
	RememberResponse(ctx context.Context, key string, now, expired time.Time, r IdempotentResponse, claimed bool) error
}
