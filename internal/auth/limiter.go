package auth

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Limiter defaults: five wrong passwords per account and twenty per address
// in fifteen minutes. The address limit is higher because offices and mobile
// carriers put many people behind one address; the account limit is what
// stops guessing one person's password, the address limit what stops one
// machine spraying a common password over many accounts.
const (
	DefaultPerAccount = 5
	DefaultPerAddress = 20
	DefaultWindow     = 15 * time.Minute
	// DefaultMaxKeys bounds memory to about 25 MB in the worst case (every
	// key an address with a full log, about 480 bytes each; see
	// BenchmarkLimiterMemory). Filling it takes some 2,400 addresses, since
	// each can create at most PerAddress+1 keys per window.
	DefaultMaxKeys = 50_000
)

// maxKeyLen bounds the bytes kept per key; longer account names (or
// unparseable addresses) are stored as their SHA-256, so a client sending a
// megabyte user name costs no more memory than anyone else.
const maxKeyLen = 64

// Options configure a Limiter. Zero fields take the defaults above.
type Options struct {
	Now        func() time.Time // the clock; time.Now if nil
	PerAccount int              // attempts per account per Window
	PerAddress int              // attempts per client address (IPv6: per /64) per Window
	Window     time.Duration    // how far back attempts count
	MaxKeys    int              // accounts and addresses tracked at once, at least 2
}

// Limiter rate-limits sign-in attempts per account and per client address
// (SPEC §8). It is safe for concurrent use.
//
// It keeps a sliding log: each key remembers the times of its recent
// attempts, at most as many as its limit, and an attempt counts until Window
// has passed since it. Unlike fixed buckets, this gives no burst of twice the
// limit around a bucket boundary, and with limits of 5 and 20 the log is tiny.
//
// The sequence for one sign-in is Allow, then (only if allowed) the password
// check, then Fail or Succeed. Allow reserves the attempt: it counts against
// both keys at once, so a client firing many requests in parallel cannot get
// them all past Allow before the first Fail lands. Fail turns the reservation
// into a failure; Succeed releases it and clears the account; Release gives it
// back when the check could not be made. A reservation never resolved (an
// error path that forgot all three) counts as a failure until it leaves the
// window, which errs on the safe side.
//
// Memory is bounded by MaxKeys: beyond it, the key touched least recently is
// forgotten, and keys whose attempts have all left the window are dropped as
// they reach the end of the recency list. An attacker who can fill MaxKeys
// could thereby reset another account's count, but needs many addresses to do
// it, since each address is itself limited.
type Limiter struct {
	now        func() time.Time
	perAccount int
	perAddress int
	window     time.Duration
	maxKeys    int
	// epoch is the clock reading at creation; attempts are stored as offsets
	// from it, half the size of a time.Time and, with the real clock,
	// measured on the monotonic clock, so a wall-clock step cannot unblock
	// anyone.
	epoch time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // values are *limitEntry
	lru  *list.List               // front: touched most recently
}

type attempt struct {
	at      time.Duration // since Limiter.epoch
	pending bool          // reserved by Allow, not yet resolved by Fail or Succeed
}

type limitEntry struct {
	key      string
	attempts []attempt // oldest first, at most the key's limit
}

// ErrInvalidOptions is returned by NewLimiter for negative or too small
// option values.
var ErrInvalidOptions = errors.New("auth: invalid limiter options")

// NewLimiter returns a Limiter with the given options, zero fields replaced
// by the defaults. Errors: ErrInvalidOptions.
func NewLimiter(o Options) (*Limiter, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
		min  int
	}{
		{"PerAccount", &o.PerAccount, DefaultPerAccount, 1},
		{"PerAddress", &o.PerAddress, DefaultPerAddress, 1},
		// One attempt touches two keys; with one slot the second would evict the first.
		{"MaxKeys", &o.MaxKeys, DefaultMaxKeys, 2},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < f.min {
			return nil, fmt.Errorf("%w: %s is %d, want at least %d (or 0 for %d)", ErrInvalidOptions, f.name, *f.v, f.min, f.def)
		}
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.Window < 0 {
		return nil, fmt.Errorf("%w: Window is %v, want a positive duration (or 0 for %v)", ErrInvalidOptions, o.Window, DefaultWindow)
	}
	return &Limiter{
		now:        o.Now,
		perAccount: o.PerAccount,
		perAddress: o.PerAddress,
		window:     o.Window,
		maxKeys:    o.MaxKeys,
		epoch:      o.Now(),
		keys:       make(map[string]*list.Element),
		lru:        list.New(),
	}, nil
}

// Allow reports whether a sign-in attempt for account from addr may proceed
// to the password check and, if not, how long until it may. Call it before
// verifying the password and, when it returns true, call Fail or Succeed
// afterwards (Release if the check could not be made). addr is a client
// address with or without a port (http.Request.RemoteAddr will do); IPv6
// addresses count per /64, since whoever has one address usually has the
// whole /64. Account names are compared case-insensitively.
func (l *Limiter) Allow(account, addr string) (ok bool, retryAfter time.Duration) {
	keys := l.keysOf(account, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	// Read the clock under the lock so attempts are logged in order.
	now := l.now().Sub(l.epoch)
	wait := max(l.blockedFor(keys[0], now), l.blockedFor(keys[1], now))
	if wait > 0 {
		return false, wait
	}
	for _, kl := range keys {
		e := l.touch(kl, now)
		e.attempts = append(e.attempts, attempt{at: now, pending: true})
	}
	l.shrink(now)
	return true, 0
}

// Fail records a failed sign-in (wrong password or unknown account) for an
// attempt that Allow let through. Called without a preceding Allow it still
// records the failure.
func (l *Limiter) Fail(account, addr string) {
	keys := l.keysOf(account, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now().Sub(l.epoch)
	for _, kl := range keys {
		e := l.touch(kl, now)
		// The failure replaces the reservation and is logged at the time it
		// happened, which keeps the log in time order.
		e.attempts = removePending(e.attempts)
		e.attempts = append(e.attempts, attempt{at: now})
		if n := len(e.attempts) - kl.limit; n > 0 {
			// Only reachable by Fail without Allow: keep the newest.
			e.attempts = append(e.attempts[:0], e.attempts[n:]...)
		}
	}
	l.shrink(now)
}

// Succeed records a successful sign-in: the account's count starts afresh,
// and the address's reservation is released but its earlier failures stand,
// so an attacker cannot clear an address's count by signing in to an account
// of their own between guesses.
func (l *Limiter) Succeed(account, addr string) {
	keys := l.keysOf(account, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.remove(keys[0].key)
	l.unreserve(keys[1].key)
}

// Release gives back the reservation of an attempt that ended before the
// password could be checked (a store error, say), counting it neither way.
// Without it, an outage would count every attempt as a failure and lock
// people out once it is over.
func (l *Limiter) Release(account, addr string) {
	keys := l.keysOf(account, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, kl := range keys {
		l.unreserve(kl.key)
	}
}

// unreserve drops key's oldest reservation, and key itself once empty.
func (l *Limiter) unreserve(key string) {
	el, ok := l.keys[key]
	if !ok {
		return
	}
	e := el.Value.(*limitEntry)
	e.attempts = removePending(e.attempts)
	if len(e.attempts) == 0 {
		l.remove(key)
	}
}

// keyLimit is a key with the limit that applies to it.
type keyLimit struct {
	key   string
	limit int
}

// keysOf returns the account key and the address key of an attempt. It runs
// outside the lock: normalising (and maybe hashing) needs no shared state.
func (l *Limiter) keysOf(account, addr string) [2]keyLimit {
	return [2]keyLimit{{accountKey(account), l.perAccount}, {addressKey(addr), l.perAddress}}
}

// blockedFor returns how long key must wait before its next attempt: zero if
// it has fewer than limit attempts in the window, else until the oldest one
// leaves the window. Expired attempts are pruned on the way.
func (l *Limiter) blockedFor(kl keyLimit, now time.Duration) time.Duration {
	el, ok := l.keys[kl.key]
	if !ok {
		return 0
	}
	e := el.Value.(*limitEntry)
	e.attempts = l.prune(e.attempts, now)
	if len(e.attempts) < kl.limit {
		return 0
	}
	// The log holds at most limit attempts, so freeing one slot means
	// waiting for the oldest.
	return e.attempts[0].at + l.window - now
}

// prune drops attempts that have left the window.
func (l *Limiter) prune(a []attempt, now time.Duration) []attempt {
	i := 0
	for i < len(a) && now-a[i].at >= l.window {
		i++
	}
	if i == 0 {
		return a
	}
	return append(a[:0], a[i:]...)
}

// removePending drops the oldest reservation, if any.
func removePending(a []attempt) []attempt {
	for i := range a {
		if a[i].pending {
			return append(a[:i], a[i+1:]...)
		}
	}
	return a
}

// touch returns key's entry, creating it if needed, and marks it as the most
// recently used. A new entry gets room for exactly limit attempts, which the
// log never exceeds, so append never over-allocates.
func (l *Limiter) touch(kl keyLimit, now time.Duration) *limitEntry {
	if el, ok := l.keys[kl.key]; ok {
		l.lru.MoveToFront(el)
		e := el.Value.(*limitEntry)
		e.attempts = l.prune(e.attempts, now)
		return e
	}
	e := &limitEntry{key: kl.key, attempts: make([]attempt, 0, kl.limit)}
	l.keys[kl.key] = l.lru.PushFront(e)
	return e
}

func (l *Limiter) remove(key string) {
	if el, ok := l.keys[key]; ok {
		l.lru.Remove(el)
		delete(l.keys, key)
	}
}

// shrink drops expired keys from the cold end of the recency list, then the
// least recently touched ones until at most maxKeys remain. Each call does
// work proportional to what it removes, so the cost is amortised over the
// calls that added the keys.
func (l *Limiter) shrink(now time.Duration) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		e := el.Value.(*limitEntry)
		if n := len(e.attempts); n > 0 && now-e.attempts[n-1].at < l.window {
			break
		}
		l.remove(e.key)
	}
	for l.lru.Len() > l.maxKeys {
		l.remove(l.lru.Back().Value.(*limitEntry).key)
	}
}

// Keys returns the number of accounts and addresses currently tracked, for
// metrics and tests.
func (l *Limiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// accountKey folds case, since most sign-in forms treat "Alice" and "alice"
// as one account; folding can only merge counts, never split them, so it errs
// on the strict side where sign-in is case-sensitive.
func accountKey(account string) string {
	return boundKey("a:", strings.ToLower(account))
}

// addressKey maps a client address to the unit it is limited by: an IPv4
// address, or the /64 of an IPv6 one (an end site usually gets at least a
// /64, so one client can rotate through 2^64 addresses). IPv4-mapped IPv6
// addresses count as IPv4, not as part of one shared ::ffff:0:0/64. Anything
// unparseable is limited as the literal string, which still errs on the safe
// side (all such attempts with one string share one count).
func addressKey(addr string) string {
	ip, ok := parseIP(strings.TrimSpace(addr))
	if !ok {
		return boundKey("?:", addr)
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		return "n:" + netip.PrefixFrom(ip, 64).Masked().String()
	}
	return "n:" + ip.String()
}

// parseIP accepts "ip", "ip:port", "[ipv6]" and "[ipv6]:port".
func parseIP(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	ip, err := netip.ParseAddr(s)
	return ip, err == nil
}

func boundKey(kind, s string) string {
	if len(s) <= maxKeyLen {
		return kind + s
	}
	sum := sha256.Sum256([]byte(s))
	// A different marker keeps a digest from colliding with a literal name.
	return kind + "#" + hex.EncodeToString(sum[:])
}
