package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/notify"
	"github.com/svcflow/svcflow/internal/notify/smtptest"
	"github.com/svcflow/svcflow/internal/sqlite"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is a desk over a real SQLite store with a clock the test moves.
type env struct {
	t     *testing.T
	store *sqlite.Store
	desk  *desk.Desk
	mu    sync.Mutex
	now   time.Time
	admin *svcflow.Person
	agent *svcflow.Person
	user  *svcflow.Person
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, now: t0}
	e.desk = desk.New(desk.Options{Store: st, Now: e.clock})
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.desk.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	e.admin = &svcflow.Person{ID: "ada", Name: "Ada Admin", Email: "ada@example.org", Role: svcflow.RoleAdmin}
	e.agent = &svcflow.Person{ID: "alice", Name: "Alice Agent", Email: "alice@example.org", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}}
	e.user = &svcflow.Person{ID: "ursula", Name: "Ursula Üser", Email: "ursula@example.org", Role: svcflow.RoleRequester}
	for _, p := range []*svcflow.Person{e.admin, e.agent, e.user} {
		if err := e.desk.SavePerson(ctx, nil, p); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func (e *env) open(title string) *svcflow.WorkItem {
	e.t.Helper()
	v, err := e.desk.Open(context.Background(), e.user, desk.OpenInput{Kind: svcflow.KindIncident, Title: title})
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Item
}

// noJitter makes the retry schedule exact.
var noJitter = notify.Backoff{Delays: []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute},
	Jitter: func(time.Duration) time.Duration { return 0 }}

// TestWebhookRetriesUnderOneDeliveryID is the done-when of webhooks: a
// receiver that fails twice and then succeeds gets the same delivery id
// every time, the log holds two failures and one success, and every
// signature verifies with the secret.
func TestWebhookRetriesUnderOneDeliveryID(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	type received struct {
		key, delivery, event, sig string
		body                      []byte
	}
	var mu sync.Mutex
	var got []received
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Header.Get("Idempotency-Key"), r.Header.Get(notify.HeaderDelivery), r.Header.Get(notify.HeaderEvent), r.Header.Get(notify.HeaderSignature), body})
		n := len(got)
		mu.Unlock()
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		if n <= 2 {
			http.Error(w, "not now", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	hook, err := e.desk.CreateWebhook(ctx, e.admin, desk.WebhookInput{ID: "receiver", URL: rcv.URL + "/svcflow", Events: []string{"created"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	item := e.open("VPN drops every hour")

	c := &notify.Consumer{Store: e.store, Now: e.clock}
	if n, err := c.Run(ctx); n != 1 || err != nil {
		t.Fatalf("consumer recorded %d firings: %v, want 1", n, err)
	}
	w := &notify.Worker{Store: e.store, Now: e.clock, Backoff: noJitter}
	// Attempt 1 fails; nothing is due until the first delay has passed.
	steps := []struct {
		advance time.Duration
		sent    int
	}{{0, 1}, {29 * time.Second, 0}, {time.Second, 1}, {59 * time.Second, 0}, {time.Second, 1}, {time.Hour, 0}}
	for i, s := range steps {
		e.advance(s.advance)
		n, err := w.Pass(ctx)
		if err != nil || n != s.sent {
			t.Fatalf("step %d: sent %d: %v, want %d", i, n, err, s.sent)
		}
	}
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	id := got[0].key
	for i, r := range got {
		if r.key == "" || r.key != id || r.delivery != id {
			t.Errorf("attempt %d: Idempotency-Key %q, X-Svcflow-Delivery %q, want both %q", i+1, r.key, r.delivery, id)
		}
		if r.event != "created" {
			t.Errorf("attempt %d: event %q", i+1, r.event)
		}
		if err := notify.Verify(hook.Secret, r.sig, r.body, e.clock(), 2*time.Hour); err != nil {
			t.Errorf("attempt %d: signature %q: %v", i+1, r.sig, err)
		}
		if err := notify.Verify("whsec_wrong-secret-entirely", r.sig, r.body, e.clock(), 2*time.Hour); err == nil {
			t.Errorf("attempt %d: verifies with the wrong secret", i+1)
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(r.body, &p); err != nil || p.ID != id || p.Type != svcflow.EventCreated || p.Item.ID != item.ID || p.Event.Item != item.ID {
			t.Errorf("attempt %d: payload %s: %v", i+1, r.body, err)
		}
	}
	ds, attempts, err := e.desk.WebhookDeliveries(ctx, e.admin, "receiver", 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	if d := ds[0]; d.ID != id || d.Status != desk.DeliveryDelivered || d.Attempts != 3 {
		t.Errorf("delivery %+v", d)
	}
	var oks, fails int
	for _, a := range attempts[id] {
		if a.OK {
			oks++
			if a.Code != 204 {
				t.Errorf("success logged with code %d", a.Code)
			}
		} else {
			fails++
			if a.Code != 503 || !strings.Contains(a.Error, "503") {
				t.Errorf("failure logged as %+v", a)
			}
		}
	}
	if oks != 1 || fails != 2 {
		t.Errorf("log has %d successes and %d failures, want 1 and 2", oks, fails)
	}
}

// TestWebhookGivesUp: after the last attempt a delivery is dead, and a
// deleted webhook's deliveries die at once.
func TestWebhookGivesUp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	calls := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	defer rcv.Close()
	if _, err := e.desk.CreateWebhook(ctx, e.admin, desk.WebhookInput{ID: "broken", URL: rcv.URL, Events: []string{"*"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	e.open("One")
	if _, err := (&notify.Consumer{Store: e.store, Now: e.clock}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{Store: e.store, Now: e.clock, Backoff: noJitter}
	for range noJitter.MaxAttempts() + 2 {
		if _, err := w.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		e.advance(time.Hour)
	}
	ds, _ := e.store.Deliveries(ctx, desk.DeliveryFilter{Webhook: "broken"})
	for _, d := range ds {
		if d.Status != desk.DeliveryDead || d.Attempts != noJitter.MaxAttempts() {
			t.Errorf("delivery %s: %s after %d attempts, want dead after %d", d.ID, d.Status, d.Attempts, noJitter.MaxAttempts())
		}
	}
	if want := len(ds) * noJitter.MaxAttempts(); calls != want || len(ds) == 0 {
		t.Errorf("receiver called %d times for %d deliveries, want %d", calls, len(ds), want)
	}

	e.open("Two")
	if _, err := (&notify.Consumer{Store: e.store, Now: e.clock}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.desk.DeleteWebhook(ctx, e.admin, "broken"); err != nil {
		t.Fatal(err)
	}
	before := calls
	if _, err := w.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	ds, _ = e.store.Deliveries(ctx, desk.DeliveryFilter{Webhook: "broken"})
	for _, d := range ds {
		if d.Status != desk.DeliveryDead {
			t.Errorf("delivery %s of a deleted webhook: %s", d.ID, d.Status)
		}
	}
	if calls != before {
		t.Errorf("a deleted webhook was called")
	}
}

func TestBackoff(t *testing.T) {
	b := notify.Backoff{Delays: []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute},
		Jitter: func(d time.Duration) time.Duration { return d / 10 }}
	tests := []struct {
		failed int
		want   time.Duration
		ok     bool
	}{{0, 0, false}, {1, 33 * time.Second, true}, {2, 66 * time.Second, true}, {3, 132 * time.Second, true}, {4, 0, false}}
	for _, tt := range tests {
		got, ok := b.Next(tt.failed)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Next(%d) = %v, %v; want %v, %v", tt.failed, got, ok, tt.want, tt.ok)
		}
	}
	if b.MaxAttempts() != 4 {
		t.Errorf("MaxAttempts %d", b.MaxAttempts())
	}
	// The default jitter adds at most a fifth, never takes away.
	for failed := 1; failed <= len(notify.DefaultBackoff.Delays); failed++ {
		base := notify.DefaultBackoff.Delays[failed-1]
		for range 50 {
			got, ok := notify.DefaultBackoff.Next(failed)
			if !ok || got < base || got > base+base/5 {
				t.Fatalf("Next(%d) = %v, want within [%v, %v]", failed, got, base, base+base/5)
			}
		}
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	at := time.Unix(1_800_000_000, 0)
	sig := notify.Sign("secret-one-of-enough-length", at, body)
	if !strings.HasPrefix(sig, "t=1800000000,v1=") {
		t.Fatalf("signature header %q", sig)
	}
	tests := []struct {
		name, secret, header string
		body                 []byte
		now                  time.Time
		ok                   bool
	}{
		{"good", "secret-one-of-enough-length", sig, body, at.Add(time.Minute), true},
		{"second signature of a rotated secret", "secret-one-of-enough-length", "t=1800000000,v1=00ff," + strings.Split(sig, ",")[1], body, at, true},
		{"other secret", "secret-two-of-enough-length", sig, body, at, false},
		{"tampered body", "secret-one-of-enough-length", sig, []byte(`{"id":"y"}`), at, false},
		{"old", "secret-one-of-enough-length", sig, body, at.Add(6 * time.Minute), false},
		{"changed time", "secret-one-of-enough-length", strings.Replace(sig, "t=1800000000", "t=1800000001", 1), body, at, false},
		{"no time", "secret-one-of-enough-length", strings.Split(sig, ",")[1], body, at, false},
		{"empty", "secret-one-of-enough-length", "", body, at, false},
	}
	for _, tt := range tests {
		err := notify.Verify(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute)
		if (err == nil) != tt.ok {
			t.Errorf("%s: Verify = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	exp := t0.Add(time.Hour)
	tok := notify.MakeToken(key, "INC-1001", notify.ActionConfirm, "ursula", exp)
	if p, err := notify.CheckToken(key, tok, "INC-1001", notify.ActionConfirm, t0); p != "ursula" || err != nil {
		t.Fatalf("good token: %q %v", p, err)
	}
	flip := []byte(tok)
	flip[3] ^= 1
	tests := []struct {
		name, token, item, action string
		key                       []byte
		now                       time.Time
		want                      error
	}{
		{"other item", tok, "INC-1002", notify.ActionConfirm, key, t0, notify.ErrBadToken},
		{"other action", tok, "INC-1001", notify.ActionReopen, key, t0, notify.ErrBadToken},
		{"other key", tok, "INC-1001", notify.ActionConfirm, []byte("another key entirely, 32 bytes!!"), t0, notify.ErrBadToken},
		{"tampered", string(flip), "INC-1001", notify.ActionConfirm, key, t0, notify.ErrBadToken},
		{"mac cut", tok[:len(tok)-2], "INC-1001", notify.ActionConfirm, key, t0, notify.ErrBadToken},
		{"garbage", "not-a-token", "INC-1001", notify.ActionConfirm, key, t0, notify.ErrBadToken},
		{"expired", tok, "INC-1001", notify.ActionConfirm, key, exp, notify.ErrExpiredToken},
	}
	for _, tt := range tests {
		if _, err := notify.CheckToken(tt.key, tt.token, tt.item, tt.action, tt.now); err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestMailThroughSMTP: the resolved mail reaches a local SMTP server with
// its headers, and a refused message is retried under the same Message-ID.
func TestMailThroughSMTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sink := smtptest.Start(t)
	sink.Refuse(1)
	item := e.open("Laptop will not charge")
	for _, cmd := range []svcflow.Command{svcflow.Start{}, svcflow.Complete{}, svcflow.Start{}, svcflow.Complete{Outcome: "fixed"}} {
		if _, err := e.desk.Act(ctx, e.agent, item.ID, 0, cmd); err != nil {
			t.Fatalf("%s: %v", svcflow.CommandName(cmd), err)
		}
	}
	from := mail.Address{Name: "svcflow desk", Address: "desk@example.org"}
	c := &notify.Consumer{Store: e.store, Rules: notify.DefaultRules, From: from, Base: "https://desk.example.org", Keys: &notify.Keys{Store: e.store}, Now: e.clock}
	if _, err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{Store: e.store, Now: e.clock, Backoff: noJitter, Mailer: &notify.SMTP{Addr: sink.Addr}, From: from.Address}
	if n, err := w.Pass(ctx); n != 1 || err != nil {
		t.Fatalf("first pass sent %d: %v", n, err)
	}
	e.advance(30 * time.Second)
	if n, err := w.Pass(ctx); n != 1 || err != nil {
		t.Fatalf("retry sent %d: %v", n, err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("sink holds %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "desk@example.org" || len(m.To) != 1 || m.To[0] != "ursula@example.org" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := e.store.Deliveries(ctx, desk.DeliveryFilter{Item: item.ID})
	if len(ds) != 1 {
		t.Fatalf("%d deliveries", len(ds))
	}
	log, _ := e.store.DeliveryAttempts(ctx, ds[0].ID)
	if len(log) != 2 || log[0].OK || log[0].Code != 451 || !log[1].OK || log[1].Code != 250 {
		t.Errorf("delivery log %+v", log)
	}
	subject, err := new(mimeDecoder).decode(msg.Header.Get("Subject"))
	if err != nil || subject != "["+item.ID+"] Resolved: Laptop will not charge" {
		t.Errorf("subject %q %v", subject, err)
	}
	for k, want := range map[string]string{
		"Message-ID":   "<" + ds[0].ID + "@example.org>",
		"From":         `"svcflow desk" <desk@example.org>`,
		"MIME-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8",
	} {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Ursula Üser" || to[0].Address != "ursula@example.org" {
		t.Errorf("To %v %v", to, err)
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(t0) {
		t.Errorf("Date %v %v", d, err)
	}
	body := decodeQP(t, msg.Body)
	for _, want := range []string{"https://desk.example.org/items/" + item.ID + "/confirm?token=", "https://desk.example.org/items/" + item.ID + "/reopen?token="} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
}
