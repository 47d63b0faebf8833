package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

// saveWebhook is the body of POST /api/v1/webhooks.
type saveWebhook struct {
	ID     string   `json:"id,omitempty"`     // generated when absent
	URL    string   `json:"url"`              // http or https
	Secret string   `json:"secret,omitempty"` // generated when absent
	Events []string `json:"events"`           // event types, or "*"
	Active *bool    `json:"active,omitempty"` // default true
}

// webhookView is a webhook without its secret.
type webhookView struct {
	ID      string    `json:"id"`
	URL     string    `json:"url"`
	Events  []string  `json:"events"`
	Active  bool      `json:"active"`
	Created time.Time `json:"created"`
}

// createdWebhook is a new webhook with its secret, shown this once.
type createdWebhook struct {
	ID      string    `json:"id"`
	URL     string    `json:"url"`
	Events  []string  `json:"events"`
	Active  bool      `json:"active"`
	Created time.Time `json:"created"`
	Secret  string    `json:"secret"`
}

type webhookList struct {
	Items []webhookView `json:"items"`
}

// deliveryView is a delivery with its log of attempts.
type deliveryView struct {
	ID          string                 `json:"id"`
	Rule        string                 `json:"rule"`
	Item        string                 `json:"item"`
	Seq         int64                  `json:"seq"`
	EventType   string                 `json:"event_type"`
	Target      string                 `json:"target"`
	Status      string                 `json:"status"` // pending, delivered or dead
	Attempts    int                    `json:"attempts"`
	NextAttempt time.Time              `json:"next_attempt,omitzero"`
	LastError   string                 `json:"last_error,omitempty"`
	Created     time.Time              `json:"created"`
	Updated     time.Time              `json:"updated"`
	Log         []desk.DeliveryAttempt `json:"log"`
}

type deliveryList struct {
	Items []deliveryView `json:"items"`
}

func viewWebhook(w *desk.Webhook) webhookView {
	return webhookView{ID: w.ID, URL: w.URL, Events: nonNil(w.Events), Active: w.Active, Created: w.Created}
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in saveWebhook
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	active := in.Active == nil || *in.Active
	h, err := s.desk.CreateWebhook(r.Context(), personOf(r), desk.WebhookInput{ID: in.ID, URL: in.URL, Secret: in.Secret, Events: in.Events, Active: active})
	if err != nil {
		return err
	}
	v := viewWebhook(h)
	return writeJSON(w, http.StatusCreated, createdWebhook{ID: v.ID, URL: v.URL, Events: v.Events, Active: v.Active, Created: v.Created, Secret: h.Secret})
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.desk.Webhooks(r.Context(), personOf(r))
	if err != nil {
		return err
	}
	out := webhookList{Items: []webhookView{}}
	for _, h := range hs {
		out.Items = append(out.Items, viewWebhook(h))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	h, err := s.desk.Webhook(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewWebhook(h))
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.desk.DeleteWebhook(r.Context(), personOf(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return newProblem("invalid", "limit must be 1 to 200", fieldError{Field: "limit", Detail: "expected 1 to 200, got " + strconv.Quote(v)})
		}
		limit = n
	}
	ds, log, err := s.desk.WebhookDeliveries(r.Context(), personOf(r), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	out := deliveryList{Items: []deliveryView{}}
	for _, d := range ds {
		out.Items = append(out.Items, deliveryView{ID: d.ID, Rule: d.Rule, Item: d.Item, Seq: d.Seq, EventType: d.EventType, Target: d.Target,
			Status: d.Status, Attempts: d.Attempts, NextAttempt: d.NextAttempt, LastError: d.LastError, Created: d.Created, Updated: d.Updated,
			Log: nonNil(log[d.ID])})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) setWebhookActive(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		h, err := s.desk.SetWebhookActive(r.Context(), personOf(r), r.PathValue("id"), active)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, viewWebhook(h))
	}
}
