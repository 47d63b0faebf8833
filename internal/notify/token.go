package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/svcflow/svcflow/internal/desk"
)

// Actions a mailed link may perform.
const (
	ActionConfirm = "confirm"
	ActionReopen  = "reopen"
)

// Token errors.
var (
	ErrBadToken     = errors.New("the link is not valid")
	ErrExpiredToken = errors.New("the link has expired")
)

// linkKeyName names the installation secret that signs action links.
const linkKeyName = "action-link-key"

// Keys loads the installation's link signing key from the store, creating
// it on first use; every instance gets the same key.
type Keys struct {
	Store desk.Outbox

	mu  sync.Mutex
	key []byte
}

// Key returns the signing key.
func (k *Keys) Key(ctx context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	candidate := make([]byte, 32)
	rand.Read(candidate)
	key, err := k.Store.Secret(ctx, linkKeyName, candidate)
	if err != nil {
		return nil, fmt.Errorf("link signing key: %w", err)
	}
	k.key = key
	return key, nil
}

// MakeToken signs (item, action, person) until expires: a token is good
// for one action on one item, as one person.
func MakeToken(key []byte, item, action, person string, expires time.Time) string {
	payload := strings.Join([]string{"v1", item, action, person, strconv.FormatInt(expires.Unix(), 10)}, "\n")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(tokenMAC(key, payload))
}

func tokenMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("svcflow action link\n" + payload))
	return m.Sum(nil)
}

// CheckToken verifies a token for an action on an item at now and returns
// the person it acts as. Errors: ErrBadToken, ErrExpiredToken.
func CheckToken(key []byte, token, item, action string, now time.Time) (string, error) {
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return "", ErrBadToken
	}
	raw, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, tokenMAC(key, string(raw))) {
		return "", ErrBadToken
	}
	f := strings.Split(string(raw), "\n")
	if len(f) != 5 || f[0] != "v1" || f[1] != item || f[2] != action {
		return "", ErrBadToken
	}
	exp, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return "", ErrBadToken
	}
	if !now.Before(time.Unix(exp, 0)) {
		return "", ErrExpiredToken
	}
	return f[3], nil
}

// Links makes absolute links to svcflow pages.
type Links struct {
	Base string // the public URL, without a trailing slash
	Key  []byte
	TTL  time.Duration // how long action links stay good
	Now  time.Time
}

// DefaultLinkTTL is how long a mailed confirm or reopen link stays good.
const DefaultLinkTTL = 14 * 24 * time.Hour

// Action returns the link that performs action on item as person.
func (l Links) Action(item, action, person string) string {
	ttl := l.TTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	tok := MakeToken(l.Key, item, action, person, l.Now.Add(ttl))
	return l.Base + "/items/" + url.PathEscape(item) + "/" + action + "?token=" + url.QueryEscape(tok)
}

// Item returns the API link of an item.
func (l Links) Item(item string) string {
	return l.Base + "/api/v1/work-items/" + url.PathEscape(item)
}
