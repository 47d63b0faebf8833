package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

// Backoff is the retry schedule: after the n-th failed attempt the next one
// waits Delays[n-1] plus jitter; after len(Delays)+1 failed attempts the
// delivery is given up (dead).
type Backoff struct {
	Delays []time.Duration
	// Jitter returns the extra wait added to a delay, so that deliveries
	// failing together do not retry together; nil adds up to a fifth.
	Jitter func(time.Duration) time.Duration
}

// DefaultBackoff retries for about eight hours: 30s, 1m, 2m, 5m, 10m, 30m,
// 1h, 2h, 4h.
var DefaultBackoff = Backoff{Delays: []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour}}

// MaxAttempts is how many attempts a delivery gets.
func (b Backoff) MaxAttempts() int { return len(b.Delays) + 1 }

// Next returns the wait after the given number of failed attempts, or
// false when there is to be no further attempt.
func (b Backoff) Next(failed int) (time.Duration, bool) {
	if failed < 1 || failed > len(b.Delays) {
		return 0, false
	}
	d := b.Delays[failed-1]
	if b.Jitter != nil {
		return d + b.Jitter(d), true
	}
	return d + time.Duration(rand.Int64N(int64(d)/5+1)), true
}

// Worker sends due deliveries. Workers on several instances claim through
// the store, so no two send the same attempt at once.
type Worker struct {
	Store   desk.Store
	HTTP    *http.Client // nil: a client with a 10s timeout, no redirects
	Mailer  Mailer       // nil: mail deliveries wait
	From    string       // the envelope sender of mail
	Backoff Backoff      // zero: DefaultBackoff
	Now     func() time.Time
	// Lease is how long a claim holds (default 2m). A pass starts no
	// attempt after half of it, and every send is bounded well below the
	// other half (10s for HTTP, 30s for SMTP), so no attempt outlives its
	// lease and another worker never sends the same delivery meanwhile.
	Lease time.Duration
	Batch int // deliveries claimed per pass (default 20)
	// Observe, if set, is told each attempt's channel and result
	// ("delivered", "retry", "dead"), for metrics.
	Observe func(channel, result string)

	once   sync.Once
	client *http.Client
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.client = w.HTTP
		if w.client == nil {
			w.client = &http.Client{Timeout: 10 * time.Second,
				// A redirect is an answer, not a delivery: the receiver
				// fixes its URL.
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
		if len(w.Backoff.Delays) == 0 {
			w.Backoff = DefaultBackoff
		}
	})
}

// Pass claims the due deliveries and attempts each once; it returns how
// many it attempted.
func (w *Worker) Pass(ctx context.Context) (int, error) {
	w.init()
	lease, batch := w.Lease, w.Batch
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	if batch <= 0 {
		batch = 20
	}
	channels := []string{desk.ChannelWebhook}
	if w.Mailer != nil {
		channels = append(channels, desk.ChannelEmail)
	} // mail waits for an instance that has it
	claimed := w.now()
	ds, err := w.Store.ClaimDeliveries(ctx, claimed, lease, batch, channels...)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range ds {
		if w.now().Sub(claimed) > lease/2 {
			break // the rest are claimed again once their lease runs out
		}
		if err := w.attempt(ctx, d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// attempt sends one delivery and records the outcome.
func (w *Worker) attempt(ctx context.Context, d desk.Delivery) error {
	a := desk.DeliveryAttempt{Delivery: d.ID, N: d.Attempts + 1}
	var err error
	permanent := false
	switch d.Channel {
	case desk.ChannelWebhook:
		a.Code, a.Reply, permanent, err = w.sendWebhook(ctx, d)
	case desk.ChannelEmail:
		a.Code, err = w.Mailer.Send(ctx, w.From, d.Target, d.Payload)
	default:
		permanent, err = true, fmt.Errorf("unknown channel %q", d.Channel)
	}
	a.Time = w.now()
	d.Attempts++
	result := "delivered"
	if err == nil {
		a.OK = true
		d.Status, d.LastError = desk.DeliveryDelivered, ""
	} else {
		a.Error = truncate(err.Error(), 500)
		d.LastError = a.Error
		if wait, ok := w.Backoff.Next(d.Attempts); ok && !permanent {
			d.NextAttempt = a.Time.Add(wait)
			result = "retry"
		} else {
			d.Status = desk.DeliveryDead
			result = "dead"
		}
	}
	if w.Observe != nil {
		w.Observe(d.Channel, result)
	}
	err = w.Store.RecordAttempt(context.WithoutCancel(ctx), d, a)
	if errors.Is(err, desk.ErrConflict) {
		return nil // the lease ran out and another worker has it now
	}
	return err
}

// sendWebhook posts a delivery; permanent says a retry cannot help.
func (w *Worker) sendWebhook(ctx context.Context, d desk.Delivery) (code int, reply string, permanent bool, err error) {
	h, err := w.Store.Webhook(ctx, d.Webhook)
	if errors.Is(err, desk.ErrNotFound) {
		return 0, "", true, errors.New("the webhook was deleted")
	}
	if err != nil {
		return 0, "", false, err
	}
	if !h.Active {
		return 0, "", true, errors.New("the webhook is disabled")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, "", true, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "svcflow-webhook/1")
	req.Header.Set("Idempotency-Key", d.ID)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderEvent, d.EventType)
	req.Header.Set(HeaderSignature, Sign(h.Secret, w.now(), d.Payload))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, "", false, fmt.Errorf("post to webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, resp.Status, false, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return resp.StatusCode, resp.Status, false, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
