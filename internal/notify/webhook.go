package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Webhook headers.
const (
	HeaderSignature = "X-Svcflow-Signature"
	HeaderDelivery  = "X-Svcflow-Delivery"
	HeaderEvent     = "X-Svcflow-Event"
)

// WebhookPayload is the JSON body of a webhook delivery: the event and the
// item's state right after it. Free text (titles, comments) is left out;
// receivers that need it read the item through the API.
type WebhookPayload struct {
	ID    string            `json:"id"` // the delivery id, also in Idempotency-Key
	Type  svcflow.EventType `json:"type"`
	Event svcflow.Event     `json:"event"`
	Item  *svcflow.WorkItem `json:"item"`
	URL   string            `json:"url,omitempty"` // the item in the API
}

// Sign returns the signature header value of body sent at t: the HMAC-
// SHA256, keyed with the webhook secret, of "<unix seconds>.<body>".
func Sign(secret string, t time.Time, body []byte) string {
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(signature(secret, t.Unix(), body)))
}

func signature(secret string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(unix, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// ErrSignature is returned by Verify for a missing, malformed, wrong or
// too old signature.
var ErrSignature = errors.New("webhook signature does not verify")

// Verify checks a signature header as a receiver should: one of its v1
// signatures matches, and its time is within tolerance of now (which
// refuses replays of old deliveries).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var unix int64 = -1
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ErrSignature
			}
			unix = n
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if unix < 0 || len(sigs) == 0 {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrSignature
	}
	want := signature(secret, unix, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrSignature
}

func marshalPayload(p WebhookPayload) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode webhook payload: %w", err)
	}
	return b, nil
}
