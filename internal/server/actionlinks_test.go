package server

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/notify"
	"github.com/svcflow/svcflow/internal/notify/smtptest"
)

var (
	linkRE      = regexp.MustCompile(`https?://\S+/items/(\S+)/(confirm|reopen)\?token=\S+`)
	formTokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)
	formPathRE  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

// TestResolvedMailLinks is the done-when of mail: resolving an item mails
// its requester through SMTP; following the confirm link (the page, then
// its form) closes it, and another item's reopen link reopens that one.
func TestResolvedMailLinks(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	sink := smtptest.Start(t)
	resolve := func(title string) string {
		w := e.open("ursula", map[string]any{"kind": "incident", "title": title})
		e.action("alice", w.ID, "start", nil)
		e.action("alice", w.ID, "complete", nil)
		e.action("alice", w.ID, "start", nil)
		e.action("alice", w.ID, "complete", map[string]any{"outcome": "fixed"})
		return w.ID
	}
	first, second := resolve("Printer jams on every page"), resolve("Mailbox full")

	from := mail.Address{Name: "Service desk", Address: "desk@example.org"}
	c := &notify.Consumer{Store: e.store, Rules: notify.DefaultRules, From: from, Base: e.http.URL, Keys: &notify.Keys{Store: e.store}, Now: e.clock}
	if _, err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	wk := &notify.Worker{Store: e.store, Now: e.clock, Mailer: &notify.SMTP{Addr: sink.Addr}, From: from.Address}
	if _, err := wk.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{} // "item action" → link
	for _, m := range sink.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.To) != 1 || m.To[0] != "ursula@example.org" {
			t.Errorf("mail to %v, want the requester", m.To)
		}
		for _, l := range linkRE.FindAllStringSubmatch(string(body), -1) {
			links[l[1]+" "+l[2]] = l[0]
		}
	}
	if len(links) != 4 {
		t.Fatalf("links %v, want confirm and reopen for both items", links)
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(link string) (int, string) {
		t.Helper()
		res, err := client.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		return res.StatusCode, string(b)
	}
	// follow opens a link, then posts its form as a browser would.
	follow := func(link string, extra url.Values) (int, string) {
		t.Helper()
		status, page := get(link)
		if status != 200 {
			t.Fatalf("GET %s: %d\n%s", link, status, page)
		}
		tok, action := formTokenRE.FindStringSubmatch(page), formPathRE.FindStringSubmatch(page)
		if tok == nil || action == nil {
			t.Fatalf("no form on the page:\n%s", page)
		}
		form := url.Values{"token": {tok[1]}}
		for k, v := range extra {
			form[k] = v
		}
		req, _ := http.NewRequest("POST", e.http.URL+action[1], strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status := func(id string) svcflow.Status {
		w, err := e.store.Item(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return w.Status
	}

	// GET never changes anything.
	before := e.eventCount()
	if code, page := get(links[first+" confirm"]); code != 200 || !strings.Contains(page, "Printer jams on every page") {
		t.Errorf("confirm page: %d\n%s", code, page)
	}
	if e.eventCount() != before || status(first) != svcflow.StatusResolved {
		t.Fatalf("GET changed the item")
	}

	if code, page := follow(links[first+" confirm"], nil); code != 200 || !strings.Contains(page, "closed") {
		t.Errorf("confirm: %d\n%s", code, page)
	}
	if got := status(first); got != svcflow.StatusClosed {
		t.Errorf("%s is %s after confirming, want closed", first, got)
	}
	evs, _ := e.store.ItemEvents(ctx, first)
	if last := evs[len(evs)-1]; last.Actor != "ursula" {
		t.Errorf("closed by %q, want the requester", last.Actor)
	}

	if code, page := follow(links[second+" reopen"], url.Values{"reason": {"Still full after the cleanup"}}); code != 200 || !strings.Contains(page, "open again") {
		t.Errorf("reopen: %d\n%s", code, page)
	}
	if got := status(second); got != svcflow.StatusInProgress {
		t.Errorf("%s is %s after reopening, want in_progress", second, got)
	}
	evs, _ = e.store.ItemEvents(ctx, second)
	reopened := false
	for _, ev := range evs {
		reopened = reopened || ev.Type == svcflow.EventReopened && ev.Actor == "ursula" && ev.Data.Reason == "Still full after the cleanup"
	}
	if !reopened {
		t.Errorf("no reopened event by the requester with the reason")
	}

	// The links cannot be bent: an item no longer resolved, another item,
	// another action, a changed token, an expired one.
	swapped := strings.Replace(links[second+" confirm"], "/items/"+second+"/", "/items/"+first+"/", 1)
	asConfirm := strings.Replace(links[first+" reopen"], "/reopen?", "/confirm?", 1)
	u, _ := url.Parse(links[second+" confirm"])
	tok := u.Query().Get("token")
	tampered := strings.Replace(links[second+" confirm"], url.QueryEscape(tok), url.QueryEscape(tok[:len(tok)-3]+"AAA"), 1)
	for _, tt := range []struct {
		name, link string
		want       int
	}{
		{"closed item", links[first+" reopen"], http.StatusConflict},
		{"reopened item", links[second+" confirm"], http.StatusConflict},
		{"another item", swapped, http.StatusForbidden},
		{"another action", asConfirm, http.StatusForbidden},
		{"tampered", tampered, http.StatusForbidden},
		{"no token", e.http.URL + "/items/" + first + "/confirm", http.StatusForbidden},
	} {
		if code, page := get(tt.link); code != tt.want {
			t.Errorf("%s: %d, want %d\n%s", tt.name, code, tt.want, page)
		}
	}
	// A forged POST is refused like a forged GET.
	req, _ := http.NewRequest("POST", e.http.URL+"/items/"+second+"/confirm", strings.NewReader("token=x.y"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("forged POST: %d, want 403", res.StatusCode)
	}
	e.mu.Lock()
	e.now = e.now.Add(notify.DefaultLinkTTL + time.Minute)
	e.mu.Unlock()
	if code, page := get(links[first+" reopen"]); code != http.StatusGone || !strings.Contains(page, "expired") {
		t.Errorf("expired link: %d\n%s", code, page)
	}
}
