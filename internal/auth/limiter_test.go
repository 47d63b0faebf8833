package auth

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a hand-written clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestLimiter(t testing.TB, o Options) (*Limiter, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	o.Now = clock.Now
	l, err := NewLimiter(o)
	if err != nil {
		t.Fatal(err)
	}
	return l, clock
}

// step is one action of a limiter scenario. For "allow", want and retry are
// checked; the other ops return nothing.
type step struct {
	op            string // allow, fail, succeed, release, guess (an Allow that must pass, then Fail), wait
	account, addr string
	d             time.Duration // for wait
	want          bool
	retry         time.Duration
}

func allow(account, addr string, want bool, retry time.Duration) step {
	return step{op: "allow", account: account, addr: addr, want: want, retry: retry}
}
func guess(account, addr string) step   { return step{op: "guess", account: account, addr: addr} }
func fail(account, addr string) step    { return step{op: "fail", account: account, addr: addr} }
func succeed(account, addr string) step { return step{op: "succeed", account: account, addr: addr} }
func release(account, addr string) step { return step{op: "release", account: account, addr: addr} }
func wait(d time.Duration) step         { return step{op: "wait", d: d} }

func TestLimiter(t *testing.T) {
	const ip1, ip2 = "192.0.2.1:5000", "198.51.100.7:6000"
	min := time.Minute
	opts := Options{PerAccount: 3, PerAddress: 5, Window: 10 * min, MaxKeys: 100}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"under the limit", []step{
			guess("alice", ip1), guess("alice", ip1),
			allow("alice", ip1, true, 0),
		}},
		{"account limit and retryAfter", []step{
			guess("alice", ip1), wait(min), guess("alice", ip1), wait(min), guess("alice", ip1), wait(min),
			// Blocked until the first failure, 3 minutes ago, leaves the window.
			allow("alice", ip1, false, 7*min),
			allow("alice", ip2, false, 7*min), // another address does not help
			allow("ALICE", ip1, false, 7*min), // nor another spelling
			allow("bob", ip1, true, 0),        // the address itself is not blocked
		}},
		{"sliding window expiry", []step{
			guess("alice", ip1), wait(5 * min), guess("alice", ip1), wait(4 * min), guess("alice", ip1),
			wait(30 * time.Second),
			allow("alice", ip1, false, 30*time.Second),
			wait(30*time.Second - time.Nanosecond),
			allow("alice", ip1, false, time.Nanosecond),
			wait(time.Nanosecond), // t=10m: the first failure has left the window
			guess("alice", ip1),
			// Now failures at 5m, 9m and 10m: blocked until 15m.
			allow("alice", ip1, false, 5*min),
			wait(5 * min),
			allow("alice", ip1, true, 0),
		}},
		{"address limit across accounts", []step{
			guess("a", ip1), guess("b", ip1), guess("c", ip1), guess("d", ip1), guess("e", ip1),
			allow("f", ip1, false, 10*min),
			allow("f", ip2, true, 0),
		}},
		{"retryAfter is the longer of the two", []step{
			guess("a", ip1), wait(min), guess("b", ip1), wait(min), guess("c", ip1), guess("c", ip1), guess("c", ip1),
			// Address: failures at 0, 1, 2, 2, 2 → free at 10m (8m from now);
			// account c: failures at 2, 2, 2 → free at 12m (10m from now).
			allow("c", ip1, false, 10*min),
			allow("d", ip1, false, 8*min),
		}},
		{"success resets the account but not the address", []step{
			guess("alice", ip1), guess("alice", ip1),
			allow("alice", ip1, true, 0), succeed("alice", ip1),
			// The account starts afresh: three more failures are allowed...
			guess("alice", ip1), guess("alice", ip1), guess("alice", ip1),
			allow("alice", ip2, false, 10*min),
			// ...but the address kept its first two: 2 + 3 = 5 = PerAddress.
			allow("mallory", ip1, false, 10*min),
		}},
		{"success from elsewhere clears the account", []step{
			guess("alice", ip1), guess("alice", ip1), guess("alice", ip1),
			succeed("alice", ip2),
			allow("alice", ip1, true, 0),
		}},
		{"Allow reserves until Fail or Succeed", []step{
			allow("alice", ip1, true, 0), allow("alice", ip1, true, 0), allow("alice", ip1, true, 0),
			// Three attempts are in flight: a fourth must wait for them.
			allow("alice", ip1, false, 10*min),
			succeed("alice", ip1),
			allow("alice", ip1, true, 0),
		}},
		{"Fail resolves the reservation rather than adding to it", []step{
			allow("alice", ip1, true, 0), fail("alice", ip1),
			allow("alice", ip1, true, 0), fail("alice", ip1),
			allow("alice", ip1, true, 0),
		}},
		{"Release gives the reservation back without counting", []step{
			guess("alice", ip1), guess("alice", ip1),
			allow("alice", ip1, true, 0), release("alice", ip1),
			allow("alice", ip1, true, 0), release("alice", ip1),
			allow("alice", ip1, true, 0), release("alice", ip1),
			// Still only the two failures: one more goes through.
			guess("alice", ip1),
			allow("alice", ip1, false, 10*min),
			release("alice", ip1), // nothing reserved: a no-op, not a refund of a failure
			allow("alice", ip1, false, 10*min),
		}},
		{"an unresolved reservation expires with the window", []step{
			allow("a", ip1, true, 0), allow("a", ip1, true, 0), allow("a", ip1, true, 0),
			wait(10 * min),
			allow("a", ip1, true, 0),
		}},
		{"Fail without Allow still counts", []step{
			fail("alice", ip1), fail("alice", ip1), fail("alice", ip1), wait(min), fail("alice", ip1),
			// Only the newest three are kept: blocked until 10m after the second (t=0).
			allow("alice", ip1, false, 9*min),
		}},
		{"IPv6 counts per /64", []step{
			guess("a", "[2001:db8:1:2::1]:443"), guess("b", "[2001:db8:1:2::2]:443"),
			guess("c", "2001:db8:1:2:ffff:ffff:ffff:ffff"), guess("d", "[2001:db8:1:2:abcd::1]:1"),
			guess("e", "2001:db8:1:2::5"),
			allow("f", "[2001:db8:1:2:dead:beef::1]:443", false, 10*min),
			allow("f", "[2001:db8:1:3::1]:443", true, 0), // the next /64 is someone else
		}},
		{"IPv4 counts per address", []step{
			guess("a", "192.0.2.1"), guess("b", "192.0.2.1"), guess("c", "192.0.2.1"),
			guess("d", "::ffff:192.0.2.1"), guess("e", "192.0.2.1:1"),
			allow("f", "192.0.2.1:2", false, 10*min),
			allow("f", "192.0.2.2:2", true, 0),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, clock := newTestLimiter(t, opts)
			for i, s := range tc.steps {
				switch s.op {
				case "allow":
					ok, retry := l.Allow(s.account, s.addr)
					if ok != s.want || retry != s.retry {
						t.Fatalf("step %d: Allow(%q, %q) = %v, %v; want %v, %v", i, s.account, s.addr, ok, retry, s.want, s.retry)
					}
				case "guess":
					if ok, retry := l.Allow(s.account, s.addr); !ok {
						t.Fatalf("step %d: Allow(%q, %q) = false, %v; want true", i, s.account, s.addr, retry)
					}
					l.Fail(s.account, s.addr)
				case "fail":
					l.Fail(s.account, s.addr)
				case "succeed":
					l.Succeed(s.account, s.addr)
				case "release":
					l.Release(s.account, s.addr)
				case "wait":
					clock.Advance(s.d)
				default:
					t.Fatalf("step %d: unknown op %q", i, s.op)
				}
			}
		})
	}
}

func TestLimiterEviction(t *testing.T) {
	l, clock := newTestLimiter(t, Options{PerAccount: 1, PerAddress: 10, Window: time.Hour, MaxKeys: 4})
	l.Fail("a", "192.0.2.1")
	clock.Advance(time.Second)
	l.Fail("b", "192.0.2.2")
	if got := l.Keys(); got != 4 {
		t.Fatalf("got %d keys, want 4", got)
	}
	clock.Advance(time.Second)
	l.Fail("c", "192.0.2.3") // evicts a and 192.0.2.1, the oldest
	if got := l.Keys(); got != 4 {
		t.Fatalf("got %d keys, want 4 (MaxKeys)", got)
	}
	if ok, _ := l.Allow("b", "192.0.2.9"); ok {
		t.Error("b was forgotten; want the oldest keys evicted first")
	}
	if ok, _ := l.Allow("a", "192.0.2.9"); !ok {
		t.Error("a is still blocked; want it evicted")
	}
	if got := l.Keys(); got > 4 {
		t.Errorf("got %d keys, want at most 4", got)
	}

	// Keys whose attempts have all left the window go at the next write.
	clock.Advance(time.Hour)
	l.Fail("d", "192.0.2.4")
	if got := l.Keys(); got != 2 {
		t.Errorf("got %d keys after the window passed, want 2 (only d and its address)", got)
	}
	// Succeed drops what it cleared.
	l.Succeed("d", "192.0.2.4")
	if got := l.Keys(); got != 1 {
		t.Errorf("got %d keys after Succeed, want 1 (the address keeps its failure)", got)
	}
}

func TestNewLimiterOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       Options
		wantMsg string
	}{
		{"negative PerAccount", Options{PerAccount: -1}, "PerAccount is -1, want at least 1"},
		{"negative PerAddress", Options{PerAddress: -5}, "PerAddress is -5"},
		{"one key", Options{MaxKeys: 1}, "MaxKeys is 1, want at least 2"},
		{"negative window", Options{Window: -time.Second}, "Window is -1s, want a positive duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLimiter(tc.o)
			if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("got %v, want ErrInvalidOptions containing %q", err, tc.wantMsg)
			}
		})
	}
	l, err := NewLimiter(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l.perAccount != DefaultPerAccount || l.perAddress != DefaultPerAddress || l.window != DefaultWindow ||
		l.maxKeys != DefaultMaxKeys || l.now == nil {
		t.Errorf("zero Options gave %+v, want the defaults", l)
	}
	// The real clock works too.
	if ok, _ := l.Allow("alice", "192.0.2.1"); !ok {
		t.Error("first attempt refused")
	}
}

func TestAddressKey(t *testing.T) {
	long := strings.Repeat("x", 100)
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1", "n:192.0.2.1"},
		{"192.0.2.1:54321", "n:192.0.2.1"},
		{" 192.0.2.1 ", "n:192.0.2.1"},
		{"::ffff:192.0.2.1", "n:192.0.2.1"},
		{"[::ffff:192.0.2.1]:80", "n:192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "n:2001:db8:1:2::/64"},
		{"[2001:db8:1:2:3:4:5:6]:443", "n:2001:db8:1:2::/64"},
		{"[2001:db8:1:2::]", "n:2001:db8:1:2::/64"},
		{"2001:DB8:1:2::1", "n:2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "n:fe80::/64"},
		{"::1", "n:::/64"},
		{"", "?:"},
		{"unix socket", "?:unix socket"},
		{long, "?:#" + HashToken(long)},
	} {
		if got := addressKey(tc.in); got != tc.want {
			t.Errorf("addressKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAccountKey(t *testing.T) {
	long := strings.Repeat("A", 1<<20)
	for _, tc := range []struct{ in, want string }{
		{"alice", "a:alice"},
		{"Alice@Example.COM", "a:alice@example.com"},
		{"", "a:"},
		{strings.Repeat("b", maxKeyLen), "a:" + strings.Repeat("b", maxKeyLen)},
		{long, "a:#" + HashToken(strings.ToLower(long))},
	} {
		if got := accountKey(tc.in); got != tc.want {
			t.Errorf("accountKey(%.20q…) = %.40q…, want %.40q…", tc.in, got, tc.want)
		}
	}
}

// TestLimiterConcurrentReservations checks the point of reserving in Allow:
// however many requests race for one account, only PerAccount get through.
func TestLimiterConcurrentReservations(t *testing.T) {
	l, _ := newTestLimiter(t, Options{PerAccount: 5, PerAddress: 1000})
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for i := range 64 {
		wg.Go(func() {
			ok, _ := l.Allow("victim", fmt.Sprintf("192.0.2.%d", i))
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Errorf("%d concurrent attempts allowed, want 5", allowed)
	}
}

// TestLimiterConcurrent exercises every method from many goroutines with
// eviction constantly at work; run it with -race.
func TestLimiterConcurrent(t *testing.T) {
	l, clock := newTestLimiter(t, Options{PerAccount: 3, PerAddress: 7, Window: time.Minute, MaxKeys: 16})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				account := fmt.Sprintf("user%d", (g*31+i)%13)
				addr := fmt.Sprintf("[2001:db8:%x::1]:443", i%11)
				if ok, retry := l.Allow(account, addr); ok {
					switch i % 5 {
					case 0:
						l.Succeed(account, addr)
					case 1:
						l.Release(account, addr)
					default:
						l.Fail(account, addr)
					}
				} else if retry <= 0 || retry > time.Minute {
					t.Errorf("refused with retryAfter %v, want within (0, 1m]", retry)
					return
				}
				if i%50 == 0 {
					clock.Advance(7 * time.Second)
				}
				if n := l.Keys(); n > 16 {
					t.Errorf("%d keys, want at most MaxKeys = 16", n)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkLimiterMemory fills a limiter with full address entries, the
// largest kind, and reports the heap each key costs (the figure behind
// DefaultMaxKeys), along with the time of an Allow/Fail pair.
func BenchmarkLimiterMemory(b *testing.B) {
	const keys = 10_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l, _ := newTestLimiter(b, Options{MaxKeys: keys})
	for i := range keys - 1 {
		addr := fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)
		for range DefaultPerAddress {
			l.Fail("user", addr) // one account key; the rest are addresses
		}
	}
	if n := l.Keys(); n != keys {
		b.Fatalf("%d keys, want %d", n, keys)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perKey := float64(after.HeapAlloc-before.HeapAlloc) / keys
	i := 0
	for b.Loop() {
		i++
		account, addr := fmt.Sprintf("u%d", i), fmt.Sprintf("10.200.%d.%d", (i>>8)&255, i&255)
		if ok, _ := l.Allow(account, addr); ok {
			l.Fail(account, addr)
		}
	}
	// After the loop: b.Loop's first call resets reported metrics.
	b.ReportMetric(perKey, "B/key")
}
