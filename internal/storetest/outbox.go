package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/notify"
)

// pendingDelivery is a webhook delivery due at t0.
func pendingDelivery(id, item string, seq int64) desk.Delivery {
	return desk.Delivery{ID: id, Item: item, Seq: seq, Channel: desk.ChannelWebhook, Webhook: "hook", Target: "http://127.0.0.1:1/x",
		EventType: "created", Payload: []byte(`{"id":"` + id + `"}`), NextAttempt: t0}
}

// testFiringsOnce: racing writers of one firing record it, and its
// deliveries, once.
func testFiringsOnce(t *testing.T, s desk.Store) {
	ctx := context.Background()
	const writers = 8
	var wg sync.WaitGroup
	wins := make(chan int, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := desk.Firing{Rule: "r1", Item: "INC-1", Seq: 7, Created: t0,
				Deliveries: []desk.Delivery{pendingDelivery(fmt.Sprintf("d-%d-a", i), "INC-1", 7), pendingDelivery(fmt.Sprintf("d-%d-b", i), "INC-1", 7)}}
			ok, err := s.RecordFiring(ctx, f)
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
			if ok {
				wins <- i
			}
		}()
	}
	wg.Wait()
	close(wins)
	var won []int
	for i := range wins {
		won = append(won, i)
	}
	if len(won) != 1 {
		t.Fatalf("%d writers recorded the firing, want 1", len(won))
	}
	ds, err := s.Deliveries(ctx, desk.DeliveryFilter{Item: "INC-1"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
		if d.Status != desk.DeliveryPending || d.Rule != "r1" || d.Seq != 7 || !d.NextAttempt.Equal(t0) {
			t.Errorf("delivery %+v", d)
		}
	}
	slices.Sort(ids)
	want := []string{fmt.Sprintf("d-%d-a", won[0]), fmt.Sprintf("d-%d-b", won[0])}
	if !slices.Equal(ids, want) {
		t.Errorf("deliveries %v, want the winner's %v", ids, want)
	}
	// Another rule, or another event, is another firing.
	for _, f := range []desk.Firing{{Rule: "r2", Item: "INC-1", Seq: 7, Created: t0}, {Rule: "r1", Item: "INC-1", Seq: 8, Created: t0}} {
		if ok, err := s.RecordFiring(ctx, f); !ok || err != nil {
			t.Errorf("firing %s@%d: %v %v, want recorded", f.Rule, f.Seq, ok, err)
		}
	}
}

// testDeliveryClaims: concurrent workers claim disjoint deliveries, a
// lease keeps others off, and only the holder of a claim records its
// attempt.
func testDeliveryClaims(t *testing.T, s desk.Store) {
	ctx := context.Background()
	const n = 10
	f := desk.Firing{Rule: "r", Item: "INC-2", Seq: 1, Created: t0}
	for i := range n {
		f.Deliveries = append(f.Deliveries, pendingDelivery(fmt.Sprintf("c-%02d", i), "INC-2", 1))
	}
	if _, err := s.RecordFiring(ctx, f); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds, err := s.ClaimDeliveries(ctx, t0, time.Minute, 4)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			for _, d := range ds {
				got[d.ID]++
				if d.Claim == "" || !bytes.Equal(d.Payload, []byte(`{"id":"`+d.ID+`"}`)) {
					t.Errorf("claimed %+v", d)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("claimed %d distinct deliveries, want %d", len(got), n)
	}
	for id, k := range got {
		if k != 1 {
			t.Errorf("%s claimed %d times", id, k)
		}
	}
	if ds, _ := s.ClaimDeliveries(ctx, t0.Add(30*time.Second), time.Minute, 100); len(ds) != 0 {
		t.Errorf("claimed %d leased deliveries", len(ds))
	}
	// A worker without mail leaves mail to others.
	m := pendingDelivery("mail-1", "INC-3", 1)
	m.Channel, m.Webhook, m.Target = desk.ChannelEmail, "", "ursula@example.org"
	if _, err := s.RecordFiring(ctx, desk.Firing{Rule: "m", Item: "INC-3", Seq: 1, Created: t0, Deliveries: []desk.Delivery{m}}); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.ClaimDeliveries(ctx, t0, time.Minute, 100, desk.ChannelWebhook); len(ds) != 0 || err != nil {
		t.Errorf("a webhook-only claim took %d deliveries: %v", len(ds), err)
	}
	if ds, err := s.ClaimDeliveries(ctx, t0, time.Minute, 100, desk.ChannelWebhook, desk.ChannelEmail); len(ds) != 1 || err != nil || ds[0].ID != "mail-1" {
		t.Errorf("a claim with mail took %+v: %v", ds, err)
	}
	// After the lease, a new claim takes one over; the old claim's attempt
	// is refused.
	ds, err := s.ClaimDeliveries(ctx, t0.Add(2*time.Minute), time.Minute, 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim after the lease: %d %v", len(ds), err)
	}
	d := ds[0]
	stale := d
	stale.Claim = "someone-else"
	stale.Attempts, stale.Status = 1, desk.DeliveryDelivered
	if err := s.RecordAttempt(ctx, stale, desk.DeliveryAttempt{Delivery: d.ID, N: 1, Time: t0, OK: true}); !errors.Is(err, desk.ErrConflict) {
		t.Errorf("attempt under a stale claim: %v, want ErrConflict", err)
	}
	// A failure with a retry in 30s: not due before, due after.
	failAt := t0.Add(2 * time.Minute)
	d.Attempts, d.NextAttempt, d.LastError = 1, failAt.Add(30*time.Second), "webhook answered 500"
	if err := s.RecordAttempt(ctx, d, desk.DeliveryAttempt{Delivery: d.ID, N: 1, Time: failAt, Code: 500, Error: "webhook answered 500"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, d, desk.DeliveryAttempt{Delivery: d.ID, N: 2, Time: failAt, OK: true}); !errors.Is(err, desk.ErrConflict) {
		t.Errorf("a second attempt under a released claim: %v, want ErrConflict", err)
	}
	claimOne := func(at time.Time) []desk.Delivery {
		ds, err := s.ClaimDeliveries(ctx, at, time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(ds, func(x desk.Delivery) bool { return x.ID != d.ID })
	}
	if ds := claimOne(failAt.Add(10 * time.Second)); len(ds) != 0 {
		t.Errorf("claimed before its retry time")
	}
	ds = claimOne(failAt.Add(31 * time.Second))
	if len(ds) != 1 || ds[0].Attempts != 1 || ds[0].LastError != "webhook answered 500" {
		t.Fatalf("retry claim: %+v", ds)
	}
	d = ds[0]
	okAt := failAt.Add(31 * time.Second)
	d.Attempts, d.Status, d.LastError = 2, desk.DeliveryDelivered, ""
	if err := s.RecordAttempt(ctx, d, desk.DeliveryAttempt{Delivery: d.ID, N: 2, Time: okAt, OK: true, Code: 204, Reply: "204 No Content"}); err != nil {
		t.Fatal(err)
	}
	if ds := claimOne(okAt.Add(time.Hour)); len(ds) != 0 {
		t.Errorf("a delivered delivery was claimed again")
	}
	got2, err := s.Delivery(ctx, d.ID)
	if err != nil || got2.Status != desk.DeliveryDelivered || got2.Attempts != 2 || !got2.Updated.Equal(okAt) {
		t.Errorf("delivery %+v %v", got2, err)
	}
	log, err := s.DeliveryAttempts(ctx, d.ID)
	want := []desk.DeliveryAttempt{
		{Delivery: d.ID, N: 1, Time: failAt, Code: 500, Error: "webhook answered 500"},
		{Delivery: d.ID, N: 2, Time: okAt, OK: true, Code: 204, Reply: "204 No Content"},
	}
	if err != nil || !slices.Equal(log, want) {
		t.Errorf("log %+v %v\nwant %+v", log, err, want)
	}
	if _, err := s.Delivery(ctx, "nope"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("missing delivery: %v", err)
	}
}

// testWebhooksAndSecrets: webhooks with their config events; cursors only
// move forward; a secret is the first one stored.
func testWebhooksAndSecrets(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w, err := f.desk.CreateWebhook(ctx, f.admin, desk.WebhookInput{ID: "ops", URL: "https://hooks.example.org/svcflow", Events: []string{"created", "status_changed"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Secret) < 32 {
		t.Errorf("generated secret %q", w.Secret)
	}
	got, err := s.Webhook(ctx, "ops")
	if err != nil || got.URL != w.URL || got.Secret != w.Secret || !got.Active || !slices.Equal(got.Events, w.Events) || !got.Created.Equal(t0) {
		t.Errorf("webhook %+v %v", got, err)
	}
	for _, bad := range []desk.WebhookInput{
		{ID: "a", URL: "ftp://x/y", Events: []string{"*"}},
		{ID: "b", URL: "https://hooks.example.org", Events: nil},
		{ID: "ops", URL: "https://hooks.example.org", Events: []string{"*"}},
		{ID: "c", URL: "https://hooks.example.org", Events: []string{"*"}, Secret: "short"},
	} {
		if _, err := f.desk.CreateWebhook(ctx, f.admin, bad); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
			t.Errorf("%+v: %v, want invalid", bad, err)
		}
	}
	if _, err := f.desk.CreateWebhook(ctx, f.agent, desk.WebhookInput{URL: "https://x.example.org", Events: []string{"*"}}); svcflow.ErrorCodeOf(err) != svcflow.ErrForbidden {
		t.Errorf("agent creates a webhook: %v", err)
	}
	if err := f.desk.DeleteWebhook(ctx, f.admin, "ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhook(ctx, "ops"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("deleted webhook: %v", err)
	}
	if err := f.desk.DeleteWebhook(ctx, f.admin, "ops"); svcflow.ErrorCodeOf(err) != svcflow.ErrNotFound {
		t.Errorf("delete twice: %v", err)
	}
	evs, _ := s.ItemEvents(ctx, desk.ConfigSubject)
	var types []svcflow.EventType
	for _, e := range evs {
		if e.After == "ops" {
			types = append(types, e.Type)
		}
	}
	if !slices.Equal(types, []svcflow.EventType{desk.EventWebhookSaved, desk.EventWebhookDeleted}) {
		t.Errorf("config events %v", types)
	}

	for _, step := range []struct{ advance, want int64 }{{5, 5}, {3, 5}, {9, 9}} {
		if err := s.AdvanceCursor(ctx, "c", step.advance); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Cursor(ctx, "c"); got != step.want || err != nil {
			t.Errorf("after advancing to %d: cursor %d %v, want %d", step.advance, got, err, step.want)
		}
	}
	if got, err := s.Cursor(ctx, "other"); got != 0 || err != nil {
		t.Errorf("new cursor %d %v", got, err)
	}

	var wg sync.WaitGroup
	keys := make([][]byte, 4)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := s.Secret(ctx, "k", []byte{byte(i + 1), 2, 3})
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys {
		if !bytes.Equal(k, keys[0]) || len(k) != 3 {
			t.Errorf("secrets %v differ", keys)
		}
	}
}

// testNotifyExactlyOnce: two consumers reading the log at once record each
// firing once, and together catch up with the log.
func testNotifyExactlyOnce(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	if _, err := f.desk.CreateWebhook(ctx, f.admin, desk.WebhookInput{ID: "all", URL: "http://127.0.0.1:1/hook", Events: []string{"*"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	var assigned []string
	for i := range 6 {
		w := f.open(fmt.Sprintf("Item %d", i), desk.OpenInput{})
		f.act(f.agent, w.ID, svcflow.Start{}) // started by alice for herself: no mail
		if i%2 == 0 {
			f.act(f.admin, w.ID, svcflow.Assign{Person: "bob"})   // not a person on file: no mail
			f.act(f.admin, w.ID, svcflow.Assign{Person: "alice"}) // mail
			assigned = append(assigned, w.ID)
		}
	}
	all, err := s.Events(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	itemEvents := 0
	for _, e := range all {
		if e.Item != desk.ConfigSubject {
			itemEvents++
		}
	}
	keys := &notify.Keys{Store: s}
	consumer := func() *notify.Consumer {
		return &notify.Consumer{Store: s, Rules: notify.DefaultRules, From: mail.Address{Name: "svcflow", Address: "svcflow@example.org"},
			Base: "https://desk.example.org", Keys: keys, Now: f.clock, Batch: 7}
	}
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := consumer().Run(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	wantFirings := itemEvents + len(assigned) // one per event for the webhook, one mail per assignment to alice
	if counts[0]+counts[1] != wantFirings {
		t.Errorf("consumers recorded %d + %d firings, want %d in all", counts[0], counts[1], wantFirings)
	}
	if cur, _ := s.Cursor(ctx, notify.CursorName); cur != all[len(all)-1].Seq {
		t.Errorf("cursor %d, want %d", cur, all[len(all)-1].Seq)
	}
	ds, err := s.Deliveries(ctx, desk.DeliveryFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	perEvent := map[string]int{}
	mails := 0
	for _, d := range ds {
		perEvent[fmt.Sprintf("%s %s@%d", d.Channel, d.Item, d.Seq)]++
		if d.Channel == desk.ChannelEmail {
			mails++
			if d.Target != "alice@example.org" || d.Rule != "default-assigned-mail" || !bytes.Contains(d.Payload, []byte("Message-ID: <"+d.ID+"@example.org>")) {
				t.Errorf("mail delivery %+v\n%s", d, d.Payload)
			}
		}
	}
	if len(ds) != wantFirings || mails != len(assigned) {
		t.Errorf("%d deliveries (%d mails), want %d (%d mails)", len(ds), mails, wantFirings, len(assigned))
	}
	for k, n := range perEvent {
		if n != 1 {
			t.Errorf("%s: %d deliveries", k, n)
		}
	}
	// Once caught up, a pass records nothing.
	if n, err := consumer().Run(ctx); n != 0 || err != nil {
		t.Errorf("a pass after catching up recorded %d: %v", n, err)
	}
}

// testErasureRedactsMail: erasing a person empties the mail kept for
// retries that went to them or is about their items, and stops what was
// not sent; other mail stays.
func testErasureRedactsMail(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	mine := f.open("Ursula's laptop is slow", desk.OpenInput{})
	for _, cmd := range []svcflow.Command{svcflow.Start{}, svcflow.Complete{}, svcflow.Start{}, svcflow.Complete{Outcome: "fixed"}} {
		f.act(f.agent, mine.ID, cmd)
	}
	other, err := f.desk.Open(ctx, f.other, desk.OpenInput{Kind: svcflow.KindIncident, Title: "Victor's printer"})
	if err != nil {
		t.Fatal(err)
	}
	f.act(f.admin, other.Item.ID, svcflow.Assign{Person: "alice"})
	c := &notify.Consumer{Store: s, Rules: notify.DefaultRules, From: mail.Address{Address: "desk@example.org"},
		Base: "https://desk.example.org", Keys: &notify.Keys{Store: s}, Now: f.clock}
	if _, err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.ErasePerson(ctx, f.admin, "ursula"); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Deliveries(ctx, desk.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var erased, kept int
	for _, d := range ds {
		switch d.Item {
		case mine.ID:
			erased++
			if len(d.Payload) != 0 || d.Target == "ursula@example.org" || d.Status != desk.DeliveryDead {
				t.Errorf("mail about the erased person's item: %s to %s, %d bytes", d.Status, d.Target, len(d.Payload))
			}
		case other.Item.ID:
			kept++
			if d.Target != "alice@example.org" || !bytes.Contains(d.Payload, []byte("Victor's printer")) || d.Status != desk.DeliveryPending {
				t.Errorf("other mail changed: %s to %s\n%s", d.Status, d.Target, d.Payload)
			}
		}
	}
	if erased != 1 || kept != 1 {
		t.Errorf("%d mails about the erased person's item and %d others, want 1 and 1", erased, kept)
	}
}
