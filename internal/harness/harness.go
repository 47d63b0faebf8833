// Package harness is svcflow's load and fault harness: it drives the HTTP
// API of one or more running svcflow instances open-loop with a mixed
// workload, injects faults on a schedule, records every acknowledgement,
// and at the end replays the event log against those acknowledgements:
// nothing acknowledged may be missing, nothing keyed may be applied twice,
// and each SLA crossing must be recorded exactly once. It starts no
// processes itself; the caller says how to start, kill and disturb them.
package harness

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Mix weighs the operations of the load; each request is one of them.
type Mix struct {
	Create, Pull, Transition, Comment, List, Search int
}

// DefaultMix is a service desk's day in miniature: mostly moves and
// reads, some new work and comments, agents pulling from their queue.
var DefaultMix = Mix{Create: 10, Pull: 10, Transition: 35, Comment: 15, List: 20, Search: 10}

// Fault disturbs the system At into the load; Do returns once the fault
// is over (an instance killed, or a database stopped and started again).
type Fault struct {
	Name string
	At   time.Duration
	Do   func(ctx context.Context) error
}

// Config is one run.
type Config struct {
	Instances []*Instance
	Token     string        // bearer token of an admin
	Rate      int           // requests per second, open-loop
	Duration  time.Duration // of the load
	Items     int           // items moved and commented on during the load
	PullItems int           // items in the pull team's queue
	Workers   int           // most requests in flight
	Mix       Mix
	Faults    []Fault
	// SLATarget is the resolution target of the run's SLA policy, so
	// that warnings (at half of it) and breaches happen during the run;
	// SLASettle is how long to wait after the load for the servers' SLA
	// tickers to record the last crossings. Zero SLATarget skips the SLA
	// check.
	SLATarget, SLASettle time.Duration
	RetryFor             time.Duration // a client's budget of retries per request
	Seed                 uint64
	Out                  io.Writer
}

// Ops in report order.
var opNames = []string{"create", "pull", "transition", "comment", "list", "search"}

// opStats is what one kind of operation saw.
type opStats struct {
	mu                         sync.Mutex
	sent, ok, refused, gaveUp  int
	latencies                  []time.Duration
	firstRefusal, firstFailure string
}

func (s *opStats) record(a answer, err error, since time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent++
	switch {
	case err != nil:
		s.gaveUp++
		if s.firstFailure == "" {
			s.firstFailure = err.Error()
		}
	case a.status >= 400:
		s.refused++
		if s.firstRefusal == "" {
			s.firstRefusal = fmt.Sprintf("%d %s", a.status, firstLine(a.body))
		}
	default:
		s.ok++
		s.latencies = append(s.latencies, since)
	}
}

// run is the state of one run.
type run struct {
	cfg    Config
	c      *client
	id     string // makes keys and titles unique to the run
	items  []*tracked
	pulls  []*tracked
	byID   map[string]*tracked
	stats  map[string]*opStats
	seq    atomic.Int64
	begin  time.Time // of the load
	mu     sync.Mutex
	creats []created // creations during the load
	// unreadable counts acknowledgements whose body could not be read:
	// the check treats them as unanswered, and the report says so.
	unreadable int
}

// tracked is an item whose acknowledged changes the check compares with
// the event log. One request at a time acts on it.
type tracked struct {
	mu        sync.Mutex
	id        string
	active    bool // started, so the next move requeues it
	moves     int  // acknowledged start/requeue transitions
	uncertain int  // writes that got no answer: applied or not
	comments  []string
	lostNotes []string // comments that got no answer
	pulled    int      // acknowledged pulls that started it
}

type created struct {
	token   string
	id      string // "" when the creation got no answer
	unknown bool
}

// Run performs a run and writes its report; it fails when an
// acknowledged write is missing or a keyed one was applied twice.
func Run(ctx context.Context, cfg Config) error {
	if len(cfg.Instances) == 0 || cfg.Rate < 1 || cfg.Duration <= 0 || cfg.Items < 1 || cfg.Workers < 1 {
		return fmt.Errorf("harness: need instances, a positive rate, duration, items and workers")
	}
	cfg.RetryFor = cmp.Or(cfg.RetryFor, 30*time.Second)
	cfg.PullItems = cmp.Or(cfg.PullItems, max(cfg.Items/4, 1))
	if cfg.Mix == (Mix{}) {
		cfg.Mix = DefaultMix
	}
	tr := &http.Transport{MaxIdleConns: cfg.Workers, MaxIdleConnsPerHost: cfg.Workers, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	r := &run{
		cfg:   cfg,
		c:     &client{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, instances: cfg.Instances, token: cfg.Token, retryFor: cfg.RetryFor},
		id:    fmt.Sprintf("r%x", time.Now().UnixNano()%(1<<40)),
		byID:  map[string]*tracked{},
		stats: map[string]*opStats{},
	}
	for _, op := range opNames {
		r.stats[op] = &opStats{}
	}
	out := cfg.Out
	if err := r.setup(ctx); err != nil {
		return err
	}
	if err := r.checkAttachment(ctx, "before the load"); err != nil {
		return err
	}
	faults := r.load(ctx)
	if cfg.SLATarget > 0 && cfg.SLASettle > 0 {
		fmt.Fprintf(out, "waiting %v for the SLA tickers to record the last crossings\n", cfg.SLASettle)
		select {
		case <-time.After(cfg.SLASettle):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.report(faults)
	attachErr := r.checkAttachment(ctx, "after the load")
	if err := r.check(ctx); err != nil {
		return err
	}
	return attachErr
}

func (r *run) key(op string) string {
	return fmt.Sprintf("%s-%s-%d", r.id, op, r.seq.Add(1))
}

// must sends a setup request and wants a 2xx answer.
func (r *run) must(ctx context.Context, method, path string, body any) (answer, error) {
	a, err := r.c.do(ctx, method, path, body, r.key("setup"))
	if err == nil && a.status >= 300 {
		err = fmt.Errorf("%s %s: %d %s", method, path, a.status, firstLine(a.body))
	}
	return a, err
}

const pullTeam = "harness-pull"

// setup makes the pull team, the SLA policy and the items, closed-loop.
func (r *run) setup(ctx context.Context) error {
	start := time.Now()
	if _, err := r.must(ctx, "POST", "/api/v1/teams", map[string]any{"id": pullTeam, "name": "Harness pull team", "queue_policy": "fifo"}); err != nil {
		return fmt.Errorf("make the pull team: %w", err)
	}
	if t := r.cfg.SLATarget; t > 0 {
		d := fmt.Sprintf("%dm", max(1, int(t.Minutes())))
		var targets []map[string]any
		for p := 1; p <= 5; p++ {
			targets = append(targets, map[string]any{"priority": fmt.Sprintf("P%d", p), "response": d, "resolution": d})
		}
		if _, err := r.must(ctx, "POST", "/api/v1/sla-policies", map[string]any{"id": "harness", "name": "Harness", "targets": targets, "warn_at": 0.5}); err != nil {
			return fmt.Errorf("make the SLA policy: %w", err)
		}
	}
	r.items = make([]*tracked, r.cfg.Items)
	r.pulls = make([]*tracked, r.cfg.PullItems)
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	next := atomic.Int64{}
	total := len(r.items) + len(r.pulls)
	for range min(32, total) {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= total {
					return
				}
				a, err := r.must(ctx, "POST", "/api/v1/work-items", map[string]any{"kind": "incident", "title": "harness item " + r.id, "entry": "monitoring"})
				var w struct{ ID string }
				if err == nil {
					err = jsonInto(a.body, &w)
				}
				if err == nil && k >= len(r.items) {
					_, err = r.must(ctx, "POST", "/api/v1/work-items/"+w.ID+"/escalate", map[string]any{"team": pullTeam})
				}
				if err != nil {
					select {
					case errs <- fmt.Errorf("make item %d: %w", k, err):
					default:
					}
					return
				}
				t := &tracked{id: w.ID}
				if k < len(r.items) {
					r.items[k] = t
				} else {
					r.pulls[k-len(r.items)] = t
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	for _, t := range append(slices.Clone(r.items), r.pulls...) {
		r.byID[t.id] = t
	}
	took := time.Since(start)
	fmt.Fprintf(r.cfg.Out, "setup: %d items to move and %d in the pull queue made in %v (%.0f/s, closed loop, 32 clients)\n",
		len(r.items), len(r.pulls), took.Round(time.Millisecond), float64(total)/took.Seconds())
	return nil
}

// faultRecord is when a fault happened.
type faultRecord struct {
	name       string
	start, end time.Time
	err        error
}

// load sends the mixed workload open-loop and runs the faults.
func (r *run) load(ctx context.Context) []*faultRecord {
	cfg := r.cfg
	weights := []int{cfg.Mix.Create, cfg.Mix.Pull, cfg.Mix.Transition, cfg.Mix.Comment, cfg.Mix.List, cfg.Mix.Search}
	sum := 0
	for _, w := range weights {
		sum += w
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	sem := make(chan struct{}, cfg.Workers)
	var wg sync.WaitGroup
	var dropped atomic.Int64
	interval := time.Second / time.Duration(cfg.Rate)
	total := int(cfg.Duration.Seconds() * float64(cfg.Rate))
	begin := time.Now()
	r.begin = begin
	records := make([]*faultRecord, len(cfg.Faults))
	var fwg sync.WaitGroup
	for i, f := range cfg.Faults {
		rec := &faultRecord{name: f.Name}
		records[i] = rec
		fwg.Go(func() {
			select {
			case <-time.After(time.Until(begin.Add(f.At))):
			case <-ctx.Done():
				return
			}
			rec.start = time.Now()
			rec.err = f.Do(ctx)
			rec.end = time.Now()
		})
	}
	for n := range total {
		due := begin.Add(time.Duration(n) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		pick, op := rng.IntN(sum), 0
		for pick >= weights[op] {
			pick -= weights[op]
			op++
		}
		k := rng.IntN(1 << 30)
		select {
		case sem <- struct{}{}:
		default:
			dropped.Add(1)
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.do(ctx, opNames[op], k, due)
		})
	}
	wg.Wait()
	fwg.Wait()
	elapsed := time.Since(begin)
	fmt.Fprintf(cfg.Out, "load: %d requests at %d/s for %v over %d instance(s); %d dropped (no free worker of %d)\n",
		total, cfg.Rate, elapsed.Round(time.Millisecond), len(cfg.Instances), dropped.Load(), cfg.Workers)
	return records
}

// do performs one operation; k picks its item.
func (r *run) do(ctx context.Context, op string, k int, due time.Time) {
	st := r.stats[op]
	switch op {
	case "create":
		token := fmt.Sprintf("hc%s%dz", r.id, r.seq.Add(1)) // z: no token is a prefix of another
		a, err := r.c.do(ctx, "POST", "/api/v1/work-items", map[string]any{"kind": "incident", "title": "harness " + token, "entry": "monitoring"}, r.key("create"))
		st.record(a, err, time.Since(due))
		c := created{token: token, unknown: err != nil}
		if err == nil && a.status == http.StatusCreated {
			var w struct{ ID string }
			if jsonInto(a.body, &w) == nil && w.ID != "" {
				c.id = w.ID
			} else {
				c.unknown = true
				r.mu.Lock()
				r.unreadable++
				r.mu.Unlock()
			}
		}
		if c.id != "" || c.unknown {
			r.mu.Lock()
			r.creats = append(r.creats, c)
			r.mu.Unlock()
		}
	case "transition":
		t := r.items[k%len(r.items)]
		t.mu.Lock()
		defer t.mu.Unlock()
		action := "start"
		if t.active {
			action = "requeue"
		}
		a, err := r.c.do(ctx, "POST", "/api/v1/work-items/"+t.id+"/"+action, map[string]any{}, r.key("move"))
		st.record(a, err, time.Since(due))
		switch {
		case err != nil:
			t.uncertain++
			t.active = r.isActive(ctx, t.id, t.active)
		case a.status == http.StatusOK:
			t.moves++
			t.active = action == "start"
		}
	case "comment":
		t := r.items[k%len(r.items)]
		t.mu.Lock()
		defer t.mu.Unlock()
		key := r.key("comment")
		body := "harness note " + key
		a, err := r.c.do(ctx, "POST", "/api/v1/work-items/"+t.id+"/comment", map[string]any{"body": body, "public": false}, key)
		st.record(a, err, time.Since(due))
		switch {
		case err != nil:
			t.lostNotes = append(t.lostNotes, body)
		case a.status == http.StatusOK:
			t.comments = append(t.comments, body)
		}
	case "pull":
		a, err := r.c.do(ctx, "POST", "/api/v1/teams/"+pullTeam+"/pull", map[string]any{}, r.key("pull"))
		st.record(a, err, time.Since(due))
		if err != nil {
			r.mu.Lock()
			r.pulls[k%len(r.pulls)].uncertain++ // counted against the team's queue as a whole
			r.mu.Unlock()
			return
		}
		if a.status != http.StatusOK {
			return
		}
		var res struct{ Item struct{ ID string } }
		var t *tracked
		if jsonInto(a.body, &res) == nil {
			t = r.byID[res.Item.ID]
		}
		if t == nil { // acknowledged, but of what is not known
			r.mu.Lock()
			r.pulls[k%len(r.pulls)].uncertain++
			r.unreadable++
			r.mu.Unlock()
			return
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		t.pulled++
		// Put it back, so the queue never runs dry; a failure here leaves
		// the item in progress, which the check allows for.
		a, err = r.c.do(ctx, "POST", "/api/v1/work-items/"+t.id+"/requeue", map[string]any{}, r.key("requeue"))
		switch {
		case err != nil:
			t.uncertain++
		case a.status == http.StatusOK:
			t.moves++
		}
	case "list":
		a, err := r.c.do(ctx, "GET", "/api/v1/work-items?status=open&limit=50", nil, "")
		st.record(a, err, time.Since(due))
	case "search":
		a, err := r.c.do(ctx, "GET", "/api/v1/work-items?limit=50&q=harness+item", nil, "")
		st.record(a, err, time.Since(due))
	}
}

// isActive asks whether an item is in progress after a move whose outcome
// is unknown; if even that fails, it keeps the guess.
func (r *run) isActive(ctx context.Context, id string, guess bool) bool {
	a, err := r.c.do(ctx, "GET", "/api/v1/work-items/"+id, nil, "")
	if err != nil || a.status != http.StatusOK {
		return guess
	}
	var w struct{ Status string }
	if jsonInto(a.body, &w) != nil {
		return guess
	}
	return w.Status == "in_progress"
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// quietSpell ends a fault's error window: a gap this long without a failed
// attempt, once the fault is over.
const quietSpell = 2 * time.Second

// report prints the per-operation table and the faults.
func (r *run) report(faults []*faultRecord) {
	out := r.cfg.Out
	secs := r.cfg.Duration.Seconds()
	fmt.Fprintf(out, "\n%-11s %7s %7s %8s %8s %8s %8s %8s %8s %8s\n", "operation", "sent", "ok/s", "ok", "refused", "gave up", "p50 ms", "p95 ms", "p99 ms", "max ms")
	var all []time.Duration
	for _, op := range opNames {
		s := r.stats[op]
		slices.Sort(s.latencies)
		all = append(all, s.latencies...)
		fmt.Fprintf(out, "%-11s %7d %7.0f %8d %8d %8d %8s %8s %8s %8s\n", op, s.sent, float64(s.ok)/secs, s.ok, s.refused, s.gaveUp,
			ms(percentile(s.latencies, .5)), ms(percentile(s.latencies, .95)), ms(percentile(s.latencies, .99)), ms(percentile(s.latencies, 1)))
	}
	slices.Sort(all)
	fmt.Fprintf(out, "%-11s %7s %7.0f %8d %8s %8s %8s %8s %8s %8s\n", "all", "", float64(len(all))/secs, len(all), "", "",
		ms(percentile(all, .5)), ms(percentile(all, .95)), ms(percentile(all, .99)), ms(percentile(all, 1)))
	fmt.Fprintln(out, "latency is from the intended send time (no coordinated omission) to the answer, retries included")
	for _, op := range opNames {
		if s := r.stats[op]; s.firstRefusal != "" || s.firstFailure != "" {
			fmt.Fprintf(out, "  %s: first refusal %q; first request given up %q\n", op, s.firstRefusal, s.firstFailure)
		}
	}
	r.c.mu.Lock()
	failures := slices.Clone(r.c.failures)
	r.c.mu.Unlock()
	slices.SortFunc(failures, func(a, b time.Time) int { return a.Compare(b) })
	for i, f := range faults {
		if f.start.IsZero() {
			fmt.Fprintf(out, "fault %s: did not happen (the load ended first)\n", f.name)
			continue
		}
		until := time.Now()
		if i+1 < len(faults) && !faults[i+1].start.IsZero() {
			until = faults[i+1].start
		}
		// The fault's error window: its failed attempts from the fault on,
		// until a quiet spell (later failures are something else).
		var first, last time.Time
		n := 0
		for _, t := range failures {
			if t.Before(f.start) || !t.Before(until) {
				continue
			}
			if !last.IsZero() && t.Sub(last) > quietSpell && t.After(f.end) {
				break
			}
			if first.IsZero() {
				first = t
			}
			last = t
			n++
		}
		status := "done"
		if f.err != nil {
			status = "failed: " + f.err.Error()
		}
		fmt.Fprintf(out, "fault %s at +%v: %s in %v", f.name, f.start.Sub(r.begin).Round(time.Millisecond), status, f.end.Sub(f.start).Round(time.Millisecond))
		if n == 0 {
			fmt.Fprintf(out, "; no failed attempt\n")
			continue
		}
		fmt.Fprintf(out, "; %d failed attempts from +%v to +%v (error window %v); recovered %v after the fault ended\n",
			n, first.Sub(f.start).Round(time.Millisecond), last.Sub(f.start).Round(time.Millisecond),
			last.Sub(first).Round(time.Millisecond), max(0, last.Sub(f.end)).Round(time.Millisecond))
	}
}

// checkAttachment uploads a file through the first instance and downloads
// it through the last.
func (r *run) checkAttachment(ctx context.Context, when string) error {
	up, down := r.cfg.Instances[0], r.cfg.Instances[len(r.cfg.Instances)-1]
	data := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	one := func(in *Instance) *client {
		return &client{http: r.c.http, instances: []*Instance{in}, token: r.c.token, retryFor: r.c.retryFor}
	}
	item := r.items[0].id
	a, err := one(up).do(ctx, "POST", "/api/v1/work-items/"+item+"/attachments?name=harness.zip", data, r.key("attach"))
	if err == nil && a.status != http.StatusCreated {
		err = fmt.Errorf("status %d: %s", a.status, firstLine(a.body))
	}
	if err != nil {
		return fmt.Errorf("attachment %s: upload through %s: %w", when, up.Base(), err)
	}
	var att struct{ ID string }
	if err := jsonInto(a.body, &att); err != nil {
		return fmt.Errorf("attachment %s: %w", when, err)
	}
	b, err := one(down).do(ctx, "GET", "/api/v1/attachments/"+att.ID, nil, "")
	if err == nil && (b.status != http.StatusOK || string(b.body) != string(data)) {
		err = fmt.Errorf("status %d, %d bytes that differ from the %d uploaded", b.status, len(b.body), len(data))
	}
	if err != nil {
		return fmt.Errorf("attachment %s: download through %s: %w", when, down.Base(), err)
	}
	fmt.Fprintf(r.cfg.Out, "attachment %s: 64 KiB uploaded through %s, the same bytes downloaded through %s\n", when, up.Base(), down.Base())
	return nil
}
