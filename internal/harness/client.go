package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Instance is one svcflow server the load is spread over.
type Instance struct {
	base      atomic.Pointer[string]
	downUntil atomic.Int64 // unix ns: clients avoid it until then
}

// shunFor is how long clients avoid an instance that did not answer, as a
// load balancer's health check would.
const shunFor = time.Second

// NewInstance returns an instance serving at base (http://host:port).
func NewInstance(base string) *Instance {
	in := &Instance{}
	in.SetBase(base)
	return in
}

// Base is where the instance serves now.
func (in *Instance) Base() string { return *in.base.Load() }

// SetBase records where a restarted instance serves, and that it is up.
func (in *Instance) SetBase(base string) {
	b := strings.TrimSuffix(base, "/")
	in.base.Store(&b)
	in.downUntil.Store(0)
}

// shun makes clients avoid the instance for a while.
func (in *Instance) shun() { in.downUntil.Store(time.Now().Add(shunFor).UnixNano()) }

func (in *Instance) avoided() bool { return time.Now().UnixNano() < in.downUntil.Load() }

// client sends requests round-robin over the instances and retries what
// it may: reads always, writes only with their Idempotency-Key, on
// transport errors, 5xx answers and "idempotency-in-flight" conflicts,
// with a growing pause, until retryFor has passed. Every failed attempt is
// recorded with its time for the fault report.
type client struct {
	http      *http.Client
	instances []*Instance
	token     string
	retryFor  time.Duration
	next      atomic.Uint64

	mu       sync.Mutex
	failures []time.Time // failed attempts, retried or not
}

// errGaveUp is a request that found no answer within the retry budget.
var errGaveUp = errors.New("no answer within the retry budget")

type answer struct {
	status int
	body   []byte
	header http.Header
}

func (c *client) pick() *Instance {
	n := len(c.instances)
	start := int(c.next.Add(1) % uint64(n))
	for k := range n {
		if in := c.instances[(start+k)%n]; !in.avoided() {
			return in
		}
	}
	return c.instances[start]
}

func (c *client) failed() {
	c.mu.Lock()
	c.failures = append(c.failures, time.Now())
	c.mu.Unlock()
}

// do sends one request; body may be nil, a []byte or a value to encode as
// JSON. key is the Idempotency-Key of a write ("" for reads).
func (c *client) do(ctx context.Context, method, path string, body any, key string, header ...string) (answer, error) {
	var raw []byte
	contentType := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		raw, contentType = b, "application/zip"
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return answer{}, err
		}
		contentType = "application/json"
	}
	deadline := time.Now().Add(c.retryFor)
	pause := 20 * time.Millisecond
	var last error
	for {
		in := c.pick()
		req, err := http.NewRequestWithContext(ctx, method, in.Base()+path, strings.NewReader(string(raw)))
		if err != nil {
			return answer{}, err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := c.http.Do(req)
		if err != nil && ctx.Err() == nil {
			in.shun() // no answer at all: the instance is gone or unreachable
		}
		if err == nil {
			var b []byte
			b, err = io.ReadAll(res.Body)
			res.Body.Close()
			a := answer{status: res.StatusCode, body: b, header: res.Header}
			switch {
			case err != nil:
			case res.StatusCode >= 500:
				err = fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, firstLine(b))
			case res.StatusCode == http.StatusConflict && strings.Contains(string(b), "idempotency-in-flight"):
				err = fmt.Errorf("%s %s: the first attempt is still running", method, path)
			default:
				return a, nil
			}
		}
		last = err
		c.failed()
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		if method != http.MethodGet && key == "" {
			return answer{}, err // a write without a key must not be sent twice
		}
		if time.Now().Add(pause).After(deadline) {
			return answer{}, fmt.Errorf("%w: %w", errGaveUp, last)
		}
		time.Sleep(pause)
		pause = min(2*pause, time.Second)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
