package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/notify"
	"github.com/svcflow/svcflow/internal/notify/smtptest"
	"github.com/svcflow/svcflow/internal/sqlite"
)

func TestServeMailFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-addr", "127.0.0.1:25"}, "--smtp-addr needs --smtp-from"},
		{[]string{"--smtp-from", "desk@example.org"}, "--smtp-from needs --smtp-addr"},
		{[]string{"--smtp-addr", "nowhere", "--smtp-from", "desk@example.org"}, "expected HOST:PORT"},
		{[]string{"--smtp-addr", "127.0.0.1:25", "--smtp-from", "not an address"}, "expected a mail address"},
		{[]string{"--notify-every", "0s"}, "--notify-every must be positive"},
	}
	for _, tt := range tests {
		code, _, errOut := run(t, append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tt.args, code, errOut, ExitUsage, tt.want)
		}
	}
}

// TestServeSendsWebhooks: serve runs the notification consumers and worker;
// an item opened through the API reaches a webhook, signed, and its
// resolution mails the requester through SMTP.
func TestServeSendsWebhooks(t *testing.T) {
	got := make(chan *http.Request, 10)
	bodies := make(chan []byte, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer rcv.Close()

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(desk.Options{Store: st})
	admin := &svcflow.Person{ID: "ada", Name: "Ada", Email: "ada@example.org", Role: svcflow.RoleAdmin}
	if err := d.SavePerson(ctx, nil, admin); err != nil {
		t.Fatal(err)
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CreateToken(ctx, nil, desk.Token{Hash: hash, ID: "t1", Person: "ada", Name: "test"}); err != nil {
		t.Fatal(err)
	}
	hook, err := d.CreateWebhook(ctx, admin, desk.WebhookInput{ID: "rcv", URL: rcv.URL, Events: []string{"created"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	old, err := d.Open(ctx, admin, desk.OpenInput{Kind: svcflow.KindIncident, Title: "Before notifications were on"})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	sink := smtptest.Start(t)
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--notify-every", "50ms", "--public-url", "https://desk.example.org",
			"--smtp-addr", sink.Addr, "--smtp-from", "Service desk <desk@example.org>"}, strings.NewReader(""), pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no start-up line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.Fields(line[strings.Index(line, "http://"):])[0]
	post := func(path, body string, want int) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+plain)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d", path, res.StatusCode, want)
		}
		return res
	}
	res := post("api/v1/work-items", `{"kind":"incident","title":"Webhook through serve"}`, http.StatusCreated)
	var opened struct{ ID string }
	err = json.NewDecoder(res.Body).Decode(&opened)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		body := <-bodies
		if r.Header.Get(notify.HeaderEvent) != "created" || r.Header.Get("Idempotency-Key") == "" {
			t.Errorf("headers %v", r.Header)
		}
		if err := notify.Verify(hook.Secret, r.Header.Get(notify.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("signature: %v", err)
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil || p.Type != svcflow.EventCreated || p.Item.ID != opened.ID {
			t.Errorf("payload %s: %v, want the created event of %s", body, err, opened.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook delivery from serve")
	}
	for _, a := range []struct{ action, body string }{{"start", `{}`}, {"complete", `{}`}, {"start", `{}`}, {"complete", `{"outcome":"fixed"}`}} {
		post("api/v1/work-items/"+opened.ID+"/"+a.action, a.body, http.StatusOK).Body.Close()
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(sink.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ada@example.org" || msgs[0].From != "desk@example.org" ||
		!strings.Contains(string(msgs[0].Data), "https://desk.example.org/items/"+opened.ID+"/confirm?token=") {
		t.Fatalf("mails %+v, want the resolved mail to ada with a confirm link", msgs)
	}
	cancel()
	if code := <-exit; code != ExitOK {
		t.Errorf("exit %d", code)
	}
	// What happened before notifications were first switched on is not sent.
	st, err = sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.Deliveries(context.Background(), desk.DeliveryFilter{Webhook: "rcv"})
	var items []string
	for _, x := range ds {
		items = append(items, x.Item)
	}
	if err != nil || len(ds) != 1 || ds[0].Item != opened.ID {
		t.Errorf("deliveries for %v (%v), want one, for %s and not %s", items, err, opened.ID, old.Item.ID)
	}
}
