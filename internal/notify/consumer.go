package notify

import (
	"context"
	"fmt"
	"net/mail"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// Cursor names: webhooks and mail keep their own places in the log, so an
// instance without mail configured does not move mail past events that an
// instance with mail has yet to see.
const (
	CursorName     = "notify"
	MailCursorName = "notify-mail"
)

// WebhookRule is the rule id of a webhook's firings.
func WebhookRule(webhook string) string { return "webhook:" + webhook }

// Consumer turns events of the log into firings and deliveries. Several
// consumers may run against one store: a firing is unique by (rule, item,
// event), so what two of them produce for one event is recorded once.
type Consumer struct {
	Store desk.Store
	// Rules are the mail rules in force; without a From address no mail
	// is produced (mail is off).
	Rules []Rule
	From  mail.Address
	// Base is the public URL links are made from; Keys signs action links.
	Base string
	Keys *Keys
	Now  func() time.Time // nil: time.Now
	// Batch is how many events a pass reads (default 200).
	Batch int
	// Cursor names the consumer's place in the log (default CursorName).
	Cursor string
	// NoWebhooks leaves webhooks to another consumer.
	NoWebhooks bool
}

func (c *Consumer) cursor() string {
	if c.Cursor != "" {
		return c.Cursor
	}
	return CursorName
}

func (c *Consumer) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// StartAtEnd moves a consumer that has never run to the end of the log:
// switching notifications on must not send what happened before (a whole
// history of resolved items, or the demo's). A consumer that has run keeps
// its place.
func (c *Consumer) StartAtEnd(ctx context.Context) error {
	cur, err := c.Store.Cursor(ctx, c.cursor())
	if err != nil || cur > 0 {
		return err
	}
	st, err := c.Store.Stats(ctx)
	if err != nil {
		return err
	}
	return c.Store.AdvanceCursor(ctx, c.cursor(), st.LastSeq)
}

// Run passes until the consumer has caught up with the log, and returns
// the firings it recorded.
func (c *Consumer) Run(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := c.Pass(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// Pass reads one batch of events after the cursor, records the firings
// they cause, and moves the cursor past them. more says a full batch was
// read, so there may be more to read.
func (c *Consumer) Pass(ctx context.Context) (recorded int, more bool, err error) {
	batch := c.Batch
	if batch <= 0 {
		batch = 200
	}
	cursor, err := c.Store.Cursor(ctx, c.cursor())
	if err != nil {
		return 0, false, err
	}
	events, err := c.Store.Events(ctx, cursor, batch)
	if err != nil || len(events) == 0 {
		return 0, false, err
	}
	var items []string
	seen := map[string]bool{}
	for _, e := range events {
		if e.Item != desk.ConfigSubject && !seen[e.Item] {
			seen[e.Item] = true
			items = append(items, e.Item)
		}
	}
	var hooks []*desk.Webhook
	if !c.NoWebhooks {
		if hooks, err = c.Store.Webhooks(ctx); err != nil {
			return 0, false, err
		}
	}
	mailOn := c.From.Address != "" && len(c.Rules) > 0
	var env Input
	var titles map[string]desk.Content
	if mailOn && len(items) > 0 {
		people, err := c.Store.People(ctx)
		if err != nil {
			return 0, false, err
		}
		env.Directory = NewDirectory(people)
		env.Links = Links{Base: c.Base, Now: c.now()}
		if c.Keys != nil {
			if env.Links.Key, err = c.Keys.Key(ctx); err != nil {
				return 0, false, err
			}
		}
		if titles, err = c.Store.ItemContents(ctx, items); err != nil {
			return 0, false, err
		}
	}
	var histories map[string][]svcflow.Event
	if len(items) > 0 {
		if histories, err = c.Store.EventsOfItems(ctx, items); err != nil {
			return 0, false, err
		}
	}
	for _, e := range events {
		if e.Item == desk.ConfigSubject {
			continue
		}
		w, err := svcflow.ReplayTo(histories[e.Item], e.Version)
		if err != nil {
			return recorded, false, err
		}
		var firings []desk.Firing
		for _, h := range hooks {
			if h.Matches(e.Type) {
				f, err := c.webhookFiring(h, e, w)
				if err != nil {
					return recorded, false, err
				}
				firings = append(firings, f)
			}
		}
		if mailOn {
			in := env
			in.Event, in.Item, in.Title = e, w, titles[e.Item].Title
			for _, r := range c.Rules {
				if !containsType(r.Events, e.Type) {
					continue
				}
				if mails := r.Produce(in); len(mails) > 0 {
					firings = append(firings, c.mailFiring(r.ID, e, mails))
				}
			}
		}
		for _, f := range firings {
			ok, err := c.Store.RecordFiring(ctx, f)
			if err != nil {
				return recorded, false, fmt.Errorf("record %s on event %d: %w", f.Rule, e.Seq, err)
			}
			if ok {
				recorded++
			}
		}
	}
	if err := c.Store.AdvanceCursor(ctx, c.cursor(), events[len(events)-1].Seq); err != nil {
		return recorded, false, err
	}
	return recorded, len(events) == batch, nil
}

func containsType(ts []svcflow.EventType, t svcflow.EventType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func (c *Consumer) webhookFiring(h *desk.Webhook, e svcflow.Event, w *svcflow.WorkItem) (desk.Firing, error) {
	now := c.now()
	id := desk.NewDeliveryID()
	p := WebhookPayload{ID: id, Type: e.Type, Event: e, Item: w}
	if c.Base != "" {
		p.URL = Links{Base: c.Base}.Item(w.ID)
	}
	body, err := marshalPayload(p)
	if err != nil {
		return desk.Firing{}, err
	}
	rule := WebhookRule(h.ID)
	return desk.Firing{Rule: rule, Item: e.Item, Seq: e.Seq, Created: now, Deliveries: []desk.Delivery{{
		ID: id, Rule: rule, Item: e.Item, Seq: e.Seq, Channel: desk.ChannelWebhook, Webhook: h.ID, Target: h.URL,
		EventType: string(e.Type), Payload: body, NextAttempt: now,
	}}}, nil
}

func (c *Consumer) mailFiring(rule string, e svcflow.Event, mails []Mail) desk.Firing {
	now := c.now()
	f := desk.Firing{Rule: rule, Item: e.Item, Seq: e.Seq, Created: now}
	for _, m := range mails {
		id := desk.NewDeliveryID()
		to := mail.Address{Name: m.To.Name, Address: m.To.Email}
		f.Deliveries = append(f.Deliveries, desk.Delivery{
			ID: id, Rule: rule, Item: e.Item, Seq: e.Seq, Channel: desk.ChannelEmail, Target: m.To.Email,
			EventType: string(e.Type), Payload: RenderMail(id, c.From, to, m.Subject, m.Text, now), NextAttempt: now,
		})
	}
	return f
}
