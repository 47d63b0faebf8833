package desk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Configuration events of webhooks.
const (
	EventWebhookSaved   svcflow.EventType = "webhook_saved"
	EventWebhookDeleted svcflow.EventType = "webhook_deleted"
)

// Delivery channels.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Delivery statuses: pending until sent or given up on.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead" // every attempt failed
)

// Webhook is an outbound HTTP endpoint that receives matching events,
// signed with its secret. Events lists event types, or "*" for all.
type Webhook struct {
	ID      string    `json:"id"`
	URL     string    `json:"url"`
	Secret  string    `json:"-"` // shown once, when created
	Events  []string  `json:"events"`
	Active  bool      `json:"active"`
	Created time.Time `json:"created"`
}

// Matches reports whether the webhook wants events of type t.
func (w *Webhook) Matches(t svcflow.EventType) bool {
	return w.Active && (slices.Contains(w.Events, "*") || slices.Contains(w.Events, string(t)))
}

// Firing is one notification rule firing on one event of one item: the
// unit recorded exactly once (SPEC §5), with the deliveries it causes.
type Firing struct {
	Rule       string
	Item       string
	Seq        int64 // the triggering event
	Created    time.Time
	Deliveries []Delivery
}

// Delivery is one message to the outside, sent at least once. Its ID is
// stable across retries, so receivers can de-duplicate on it.
type Delivery struct {
	ID          string    `json:"id"`
	Rule        string    `json:"rule"`
	Item        string    `json:"item"`
	Seq         int64     `json:"seq"`
	Channel     string    `json:"channel"`
	Webhook     string    `json:"webhook,omitempty"` // the webhook it goes to, for webhook deliveries
	Target      string    `json:"target"`            // a URL or a mail address
	EventType   string    `json:"event_type"`
	Payload     []byte    `json:"-"` // the JSON body or the whole mail message
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Claim       string    `json:"-"` // the lease a worker holds it under
}

// DeliveryAttempt is one entry of the delivery log.
type DeliveryAttempt struct {
	Delivery string    `json:"delivery"`
	N        int       `json:"n"`
	Time     time.Time `json:"time"`
	OK       bool      `json:"ok"`
	Code     int       `json:"code,omitempty"`  // HTTP status or SMTP reply code
	Reply    string    `json:"reply,omitempty"` // short reply text
	Error    string    `json:"error,omitempty"`
}

// DeliveryFilter selects deliveries for a log; empty fields do not filter.
type DeliveryFilter struct {
	Webhook string
	Item    string
	Limit   int
}

// Outbox stores notification firings, their deliveries with the log of
// attempts, webhooks, consumer cursors and installation secrets. Several
// instances share it: it is how they coordinate background notification
// work.
type Outbox interface {
	// RecordFiring writes a firing and its deliveries in one transaction;
	// a firing already recorded under (rule, item, seq) writes nothing and
	// returns false.
	RecordFiring(ctx context.Context, f Firing) (bool, error)
	// Cursor returns where a named consumer of the event log stands (0 at
	// first); AdvanceCursor moves it forward, never back.
	Cursor(ctx context.Context, name string) (int64, error)
	AdvanceCursor(ctx context.Context, name string, seq int64) error
	// ClaimDeliveries leases at most limit pending deliveries due at now
	// and not leased, until now+lease, under a new claim each carries;
	// two workers never hold one at once. Given channels, it claims only
	// deliveries of those (an instance without mail leaves mail alone).
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int, channels ...string) ([]Delivery, error)
	// RecordAttempt logs an attempt and saves the delivery's new status,
	// attempts, next attempt and last error, releasing the lease; it fails
	// with ErrConflict when the claim is no longer the delivery's.
	RecordAttempt(ctx context.Context, d Delivery, a DeliveryAttempt) error
	Delivery(ctx context.Context, id string) (Delivery, error)
	Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	DeliveryAttempts(ctx context.Context, delivery string) ([]DeliveryAttempt, error)
	PutWebhook(ctx context.Context, w *Webhook, event svcflow.Event) error
	Webhook(ctx context.Context, id string) (*Webhook, error)
	Webhooks(ctx context.Context) ([]*Webhook, error)
	DeleteWebhook(ctx context.Context, id string, event svcflow.Event) error
	// Secret returns the installation secret of a name, storing candidate
	// first when there is none: every instance gets the same one.
	Secret(ctx context.Context, name string, candidate []byte) ([]byte, error)
}

// NewDeliveryID returns a random UUID (version 4) for a delivery.
func NewDeliveryID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// WebhookInput is what an admin gives to create a webhook.
type WebhookInput struct {
	ID     string
	URL    string
	Secret string // generated when empty
	Events []string
	Active bool
}

// CreateWebhook saves a new webhook (admins). The returned webhook carries
// its secret, which is not shown again. Errors: ErrForbidden, ErrInvalid
// naming the field, ErrConflict for a taken id.
func (d *Desk) CreateWebhook(ctx context.Context, actor *svcflow.Person, in WebhookInput) (*Webhook, error) {
	if err := admin(actor); err != nil {
		return nil, err
	}
	if in.ID == "" {
		in.ID = "wh-" + strings.ToLower(rand.Text()[:10])
	}
	if err := checkID("id", in.ID); err != nil {
		return nil, err
	}
	u, err := url.Parse(in.URL)
	if in.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, svcflow.FieldErrorf("url", "expected an absolute http or https URL without credentials, got %q", in.URL)
	}
	if len(in.Events) == 0 {
		return nil, svcflow.FieldErrorf("events", "name the event types to send, or \"*\" for all")
	}
	for _, e := range in.Events {
		if e != "*" && (e == "" || strings.ContainsAny(e, " ,")) {
			return nil, svcflow.FieldErrorf("events", "%q is not an event type", e)
		}
	}
	if in.Secret == "" {
		var b [32]byte
		rand.Read(b[:])
		in.Secret = "whsec_" + hex.EncodeToString(b[:])
	} else if len(in.Secret) < 16 {
		return nil, svcflow.FieldErrorf("secret", "at least 16 characters, or leave it out to have one generated")
	}
	if _, err := d.store.Webhook(ctx, in.ID); err == nil {
		return nil, svcflow.FieldErrorf("id", "webhook %q exists", in.ID)
	}
	w := &Webhook{ID: in.ID, URL: in.URL, Secret: in.Secret, Events: slices.Clone(in.Events), Active: in.Active, Created: d.now()}
	if err := d.store.PutWebhook(ctx, w, d.configEvent(actor, EventWebhookSaved, w.ID)); err != nil {
		return nil, fmt.Errorf("save webhook %s: %w", w.ID, err)
	}
	return w, nil
}

// Webhooks lists the webhooks (admins); secrets stay hidden.
func (d *Desk) Webhooks(ctx context.Context, actor *svcflow.Person) ([]*Webhook, error) {
	if err := admin(actor); err != nil {
		return nil, err
	}
	return d.store.Webhooks(ctx)
}

// Webhook returns one webhook (admins). Errors: ErrForbidden, ErrNotFound.
func (d *Desk) Webhook(ctx context.Context, actor *svcflow.Person, id string) (*Webhook, error) {
	if err := admin(actor); err != nil {
		return nil, err
	}
	w, err := d.store.Webhook(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no webhook %s", id)
	}
	return w, err
}

// SetWebhookActive enables or disables a webhook (admins). A disabled
// webhook gets no new deliveries, and its pending ones are given up when
// their turn comes. Errors: ErrForbidden, ErrNotFound.
func (d *Desk) SetWebhookActive(ctx context.Context, actor *svcflow.Person, id string, active bool) (*Webhook, error) {
	w, err := d.Webhook(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	w.Active = active
	if err := d.store.PutWebhook(ctx, w, d.configEvent(actor, EventWebhookSaved, w.ID)); err != nil {
		return nil, fmt.Errorf("save webhook %s: %w", w.ID, err)
	}
	return w, nil
}

// DeleteWebhook removes a webhook (admins); its pending deliveries are
// given up when their turn comes. Errors: ErrForbidden, ErrNotFound.
func (d *Desk) DeleteWebhook(ctx context.Context, actor *svcflow.Person, id string) error {
	if _, err := d.Webhook(ctx, actor, id); err != nil {
		return err
	}
	return d.store.DeleteWebhook(ctx, id, d.configEvent(actor, EventWebhookDeleted, id))
}

// WebhookDeliveries returns a webhook's deliveries, newest first, with
// their attempts (admins). Errors: ErrForbidden, ErrNotFound.
func (d *Desk) WebhookDeliveries(ctx context.Context, actor *svcflow.Person, id string, limit int) ([]Delivery, map[string][]DeliveryAttempt, error) {
	if _, err := d.Webhook(ctx, actor, id); err != nil {
		return nil, nil, err
	}
	ds, err := d.store.Deliveries(ctx, DeliveryFilter{Webhook: id, Limit: limit})
	if err != nil {
		return nil, nil, err
	}
	attempts := make(map[string][]DeliveryAttempt, len(ds))
	for _, x := range ds {
		as, err := d.store.DeliveryAttempts(ctx, x.ID)
		if err != nil {
			return nil, nil, err
		}
		attempts[x.ID] = as
	}
	return ds, attempts, nil
}
