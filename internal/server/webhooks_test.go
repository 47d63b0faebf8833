package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/notify"
)

// TestWebhooksAPI: an admin adds a webhook (its secret shown once), lists
// it, reads its delivery log after a delivery, and deletes it; bodies match
// the document, and bad input names the field.
func TestWebhooksAPI(t *testing.T) {
	e := newTestEnv(t)
	doc := loadDoc(t, e)
	ctx := context.Background()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer rcv.Close()

	body := map[string]any{"id": "chatops", "url": rcv.URL + "/in", "events": []string{"created", "status_changed"}}
	validateRequest(t, doc, "POST", "/api/v1/webhooks", body)
	r := e.must(201, "ada", "POST", "/api/v1/webhooks", body)
	validateResponse(t, doc, "POST", "/api/v1/webhooks", r.status, r.body)
	var created createdWebhook
	r.json(t, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || !created.Active || created.ID != "chatops" {
		t.Errorf("created %+v", created)
	}
	for _, path := range []string{"/api/v1/webhooks", "/api/v1/webhooks/chatops"} {
		r := e.must(200, "ada", "GET", path, nil)
		validateResponse(t, doc, "GET", path, r.status, r.body)
		if strings.Contains(string(r.body), created.Secret) || strings.Contains(string(r.body), "secret") {
			t.Errorf("GET %s shows the secret: %s", path, r.body)
		}
	}

	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"url": "file:///etc/passwd", "events": []string{"*"}}, "url"},
		{map[string]any{"url": "https://x.example.org", "events": []string{}}, "events"},
		{map[string]any{"url": "https://x.example.org", "events": []string{"*"}, "secret": "short"}, "secret"},
		{map[string]any{"id": "chatops", "url": "https://x.example.org", "events": []string{"*"}}, "id"},
	} {
		r := e.must(422, "ada", "POST", "/api/v1/webhooks", tt.body)
		if !strings.Contains(string(r.body), `"field":"`+tt.field+`"`) {
			t.Errorf("%v: %s, want an error naming %s", tt.body, r.body, tt.field)
		}
	}

	e.open("ursula", map[string]any{"kind": "incident", "title": "Webhook me"})
	if _, err := (&notify.Consumer{Store: e.store, Now: e.clock}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := (&notify.Worker{Store: e.store, Now: e.clock}).Pass(ctx); n != 1 || err != nil {
		t.Fatalf("worker sent %d: %v", n, err)
	}
	r = e.must(200, "ada", "GET", "/api/v1/webhooks/chatops/deliveries", nil)
	validateResponse(t, doc, "GET", "/api/v1/webhooks/chatops/deliveries", r.status, r.body)
	var log deliveryList
	r.json(t, &log)
	if len(log.Items) != 1 || log.Items[0].Status != "delivered" || len(log.Items[0].Log) != 1 || log.Items[0].Log[0].Code != 202 {
		t.Errorf("delivery log %+v", log)
	}
	e.must(422, "ada", "GET", "/api/v1/webhooks/chatops/deliveries?limit=0", nil)

	for _, tt := range []struct {
		action string
		active bool
	}{{"disable", false}, {"enable", true}} {
		r := e.must(200, "ada", "POST", "/api/v1/webhooks/chatops/"+tt.action, nil)
		validateResponse(t, doc, "POST", "/api/v1/webhooks/chatops/"+tt.action, r.status, r.body)
		var v webhookView
		r.json(t, &v)
		if v.Active != tt.active {
			t.Errorf("%s: active %v", tt.action, v.Active)
		}
	}
	e.must(404, "ada", "POST", "/api/v1/webhooks/nope/disable", nil)

	e.must(204, "ada", "DELETE", "/api/v1/webhooks/chatops", nil)
	e.must(404, "ada", "GET", "/api/v1/webhooks/chatops", nil)
	e.must(404, "ada", "DELETE", "/api/v1/webhooks/chatops", nil)
}
