// Package scale generates realistic work at scale (a million work items,
// twenty million events) and measures the list queries against it. Every
// item is opened with svcflow.Open and moved with svcflow.Decide, so each
// event stream is one the engine itself would write and each stored state
// is the replay of its events; only the writing is bulk, through the
// store's desk.BulkLoader. Generation is deterministic: the same options
// write the same items, events and free text.
package scale

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
)

// Options configures Generate.
type Options struct {
	Items int    // work items arriving (spawned ones come on top)
	Seed  uint64 // the same seed writes the same data
	// End is the "now" of the history: work planned after it stays
	// undone. Zero means the start of the current UTC day.
	End time.Time
	// Span is how far the history reaches back from End (default two years).
	Span time.Duration
	// People is the number of people who raise work (default 20,000).
	People int
	// Batch is how many items one bulk load writes (default 10,000):
	// memory holds about two batches, never the whole history.
	Batch int
	// Progress, when set, is called after each batch is written.
	Progress func(Progress)
}

// Progress is how far a generation has got.
type Progress struct {
	Arrivals      int // arrivals written so far, of Total
	Items, Events int // written so far, spawned items included
	Total         int // arrivals to write (Options.Items)
	Elapsed       time.Duration
}

// Summary says what Generate wrote.
type Summary struct {
	Items, Events, Comments int
	ByStatus                map[svcflow.Status]int
	Queued                  map[string]int // queued visits per team at End
	First, Last             int64          // the item numbers used
	LastComment             int64          // the last comment number used
	Took                    time.Duration
}

// Open counts the items not yet closed or cancelled.
func (s Summary) Open() int {
	n := 0
	for st, c := range s.ByStatus {
		if !st.IsFinal() {
			n += c
		}
	}
	return n
}

// Generate writes the directory (people, teams, services, an SLA
// calendar and policies), registers the library streams, and writes
// opt.Items work items with their histories in batches. The store must
// implement desk.BulkLoader.
func Generate(ctx context.Context, s desk.Store, opt Options) (Summary, error) {
	began := time.Now()
	bl, ok := s.(desk.BulkLoader)
	if !ok {
		return Summary{}, errors.New("generate: the store cannot bulk load")
	}
	if opt.Items <= 0 {
		return Summary{}, fmt.Errorf("generate: %d items; expected at least 1", opt.Items)
	}
	if opt.End.IsZero() {
		opt.End = time.Now().UTC().Truncate(24 * time.Hour)
	}
	opt.End = opt.End.UTC()
	if opt.Span <= 0 {
		opt.Span = 2 * 365 * 24 * time.Hour
	}
	if opt.People <= 0 {
		opt.People = 20000
	}
	if opt.Batch <= 0 {
		opt.Batch = 10000
	}
	start := opt.End.Add(-opt.Span)
	setup := start.Add(-24 * time.Hour)
	d := desk.New(desk.Options{Store: s, Now: func() time.Time { return setup }})
	streams, err := library.Load()
	if err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		return Summary{}, fmt.Errorf("generate: register the library: %w", err)
	}
	latest, err := s.LatestStreams(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("generate: load streams: %w", err)
	}
	wd := buildWorld(opt.Seed, opt.People)
	if err := wd.save(ctx, d); err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	// Numbers continue the store's counters; the bulk load moves them on.
	first, err := s.NextNumber(ctx, "item")
	if err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	comment, err := s.NextNumber(ctx, "comment")
	if err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	g := &gen{wd: wd, streams: latest, end: opt.End, item: first - 1, comment: comment - 1}
	arr := newArrivals(start, opt.End, opt.Items)

	sum := Summary{ByStatus: map[svcflow.Status]int{}, Queued: map[string]int{}, First: first}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		items    []desk.BulkItem
		arrivals int // arrivals written once it is
	}
	batches := make(chan batch, 1)
	genErr := make(chan error, 1)
	go func() {
		defer close(batches)
		var b []desk.BulkItem
		for i := range opt.Items {
			if ctx.Err() != nil {
				genErr <- ctx.Err()
				return
			}
			tree, err := g.arrival(i, opt.Seed, arr.at(i, opt.Seed))
			if err != nil {
				genErr <- err
				return
			}
			for _, l := range tree {
				b = append(b, desk.BulkItem{Item: l.w, Events: l.events, Content: l.content, Comments: l.comments})
			}
			if len(b) >= opt.Batch || i == opt.Items-1 {
				select {
				case batches <- batch{b, i + 1}:
				case <-ctx.Done():
					genErr <- ctx.Err()
					return
				}
				b = nil
			}
		}
		genErr <- nil
	}()
	for batch := range batches {
		if err := bl.BulkLoad(ctx, batch.items); err != nil {
			cancel()
			for range batches {
			}
			return sum, fmt.Errorf("generate: %w", err)
		}
		for _, b := range batch.items {
			w := b.Item
			sum.Items++
			sum.Events += len(b.Events)
			sum.Comments += len(b.Comments)
			sum.ByStatus[w.Status]++
			if v := w.Visit; v != nil && v.State == svcflow.Queued {
				sum.Queued[v.Team]++
			}
		}
		if opt.Progress != nil {
			opt.Progress(Progress{Arrivals: batch.arrivals, Items: sum.Items, Events: sum.Events, Total: opt.Items, Elapsed: time.Since(began)})
		}
	}
	if err := <-genErr; err != nil {
		return sum, fmt.Errorf("generate: %w", err)
	}
	sum.Last, sum.LastComment = g.item, g.comment
	if err := bl.BulkDone(ctx); err != nil {
		return sum, fmt.Errorf("generate: %w", err)
	}
	sum.Took = time.Since(began)
	return sum, nil
}

// arrivals spreads arrival times over the history with the rhythm of an
// office: busy weekday mornings, quiet nights and weekends, and a slow
// growth in demand. Arrival i's time depends on i alone, and times
// increase with i, so item numbers follow creation order.
type arrivals struct {
	start time.Time
	cum   []float64 // cumulative intensity per hour
	n     int
}

func newArrivals(start, end time.Time, n int) *arrivals {
	hours := max(1, int(end.Sub(start)/time.Hour))
	cum := make([]float64, hours)
	sum := 0.0
	for h := range hours {
		t := start.Add(time.Duration(h) * time.Hour)
		w := 0.15 // nights
		if hr := t.Hour(); hr >= 7 && hr < 19 {
			w = 1 + 0.6*math.Exp(-math.Pow(float64(hr)-9.5, 2)/6)
		}
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.2
		}
		w *= 0.8 + 0.4*float64(h)/float64(hours)
		sum += w
		cum[h] = sum
	}
	return &arrivals{start: start, cum: cum, n: n}
}

// at is the arrival time of item i, to the second.
func (a *arrivals) at(i int, seed uint64) time.Time {
	r := rand.New(rand.NewPCG(seed^0xa77, uint64(i))).Float64()
	x := (float64(i) + r) / float64(a.n) * a.cum[len(a.cum)-1]
	h := sort.SearchFloat64s(a.cum, x)
	h = min(h, len(a.cum)-1)
	lo := 0.0
	if h > 0 {
		lo = a.cum[h-1]
	}
	frac := (x - lo) / (a.cum[h] - lo)
	return a.start.Add(time.Duration(h)*time.Hour + time.Duration(frac*float64(time.Hour))).Truncate(time.Second)
}

// demand is one kind of work with its share of arrivals.
type demand struct {
	kind    svcflow.Kind
	share   float64
	shape   func(l *arrivalSpec, rng *rand.Rand)
	byStaff bool // raised by staff rather than by the business
}

// arrivalSpec is what a new item is opened with.
type arrivalSpec struct {
	req     svcflow.OpenRequest
	opener  *svcflow.Person
	reactor *svcflow.Person
	service string
}

var incidentCategories = []string{"hardware", "software", "network", "access", "performance", "data"}
var requestCategories = []string{"hardware", "software", "access", "licence", "mailbox", "peripheral", "storage"}

var demands = []demand{
	{svcflow.KindIncident, 0.47, func(a *arrivalSpec, rng *rand.Rand) {
		a.req.Category = oneOf(rng, incidentCategories)
		switch x := rng.Float64(); {
		case x < 0.012:
			a.req.Category, a.req.Impact, a.req.Urgency = "major", 1, 1
		case x < 0.16:
			a.req.Entry = "monitoring"
		}
	}, false},
	{svcflow.KindQuery, 0.06, func(a *arrivalSpec, rng *rand.Rand) { a.req.Category = "how-to" }, false},
	{svcflow.KindServiceRequest, 0.37, func(a *arrivalSpec, rng *rand.Rand) {
		switch x := rng.Float64(); {
		case x < 0.22:
			a.req.Category, a.service = "password-reset", "identity"
			if rng.Float64() < 0.6 {
				a.req.Entry = desk.SelfServiceEntry
			}
		case x < 0.28:
			a.req.Category, a.service = "hr-app-access", "hr-portal"
		case x < 0.31:
			a.req.Category, a.service = "onboarding", "hr-portal"
		default:
			a.req.Category = oneOf(rng, requestCategories)
		}
	}, false},
	{svcflow.KindChange, 0.055, func(a *arrivalSpec, rng *rand.Rand) {
		switch x := rng.Float64(); {
		case x < 0.45:
			a.req.Category, a.req.Entry = "standard", "standard"
		case x < 0.50:
			a.req.Category, a.req.Entry = "emergency", "emergency"
		case x < 0.60:
			a.req.Category = "release"
		default:
			a.req.Category = "normal"
		}
	}, true},
	{svcflow.KindProblem, 0.012, func(a *arrivalSpec, rng *rand.Rand) {}, true},
	{svcflow.KindDemand, 0.008, func(a *arrivalSpec, rng *rand.Rand) {
		if rng.Float64() < 0.4 {
			a.req.Category = "product"
		}
		a.req.CostOfDelay = 1 + rng.IntN(10)
		a.req.Size = svcflow.Duration{BusinessDays: float64(5 + rng.IntN(55))}
	}, false},
	{svcflow.KindImprovement, 0.015, func(a *arrivalSpec, rng *rand.Rand) {
		if rng.Float64() < 0.3 {
			a.req.Category = "knowledge"
		}
		a.req.CostOfDelay = 1 + rng.IntN(10)
		a.req.Size = svcflow.Duration{BusinessDays: float64(1 + rng.IntN(20))}
	}, true},
}

var demandCum = func() []float64 {
	ws := make([]float64, len(demands))
	for i, d := range demands {
		ws[i] = d.share
	}
	return cumulative(ws)
}()

// level draws an impact or urgency: 1 (high) to 3 (low), mostly low.
func level(rng *rand.Rand, high, medium float64) int {
	switch x := rng.Float64(); {
	case x < high:
		return 1
	case x < high+medium:
		return 2
	}
	return 3
}

// arrival opens arrival i at time at and plays its life and the lives of
// what it spawns, which come back after it. Each arrival draws from its
// own generator, seeded with the seed and i.
func (g *gen) arrival(i int, seed uint64, at time.Time) ([]*life, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	wd := g.wd
	dm := demands[pick(rng, demandCum)]
	a := &arrivalSpec{req: svcflow.OpenRequest{Kind: dm.kind, Impact: level(rng, 0.05, 0.30), Urgency: level(rng, 0.08, 0.37)}}
	dm.shape(a, rng)
	requester := wd.requester(rng)
	a.opener, a.reactor = requester, requester
	if dm.byStaff {
		teamOf := map[svcflow.Kind]string{svcflow.KindChange: "infrastructure-ops", svcflow.KindProblem: "problem-management", svcflow.KindImprovement: "improvement-team"}
		a.opener = wd.agent(rng, teamOf[dm.kind])
		a.reactor = a.opener
	}
	switch {
	case a.req.Entry == "monitoring":
		a.opener, a.reactor = wd.monitoring, nil
	case a.req.Category == "onboarding":
		a.opener = wd.lineMgrs[rng.IntN(len(wd.lineMgrs))]
		a.reactor = a.opener
	}
	if a.service == "" {
		a.service = wd.service(rng)
	}
	a.req.Service = a.service
	a.req.RequestedBy = a.opener.ID
	a.req.Organisation = a.opener.Organisation
	if a.opener.Role == svcflow.RoleRequester && rng.Float64() < 0.07 {
		a.req.RequestedFor = wd.requester(rng).ID
	}
	if rng.Float64() < 0.06 {
		for range 1 + rng.IntN(2) {
			if p := wd.requester(rng).ID; p != a.req.RequestedBy && p != a.req.RequestedFor && !slices.Contains(a.req.Watchers, p) {
				a.req.Watchers = append(a.req.Watchers, p)
			}
		}
	}
	stream, err := svcflow.Route(g.streams, a.req.Kind, a.req.Category, a.req.Service)
	if err != nil {
		return nil, fmt.Errorf("arrival %d: %w", i, err)
	}
	if a.req.ID, err = g.newID(a.req.Kind); err != nil {
		return nil, err
	}
	env := svcflow.Env{Now: at, Actor: a.opener.Actor(), Stream: stream, Streams: g.stream, NewID: g.newID}
	res, err := svcflow.Open(env, a.req)
	if err != nil {
		return nil, fmt.Errorf("open arrival %d (%s %s): %w", i, a.req.Kind, a.req.Category, err)
	}
	l := g.newLife(rng, res.Item, res.Events, at)
	l.reactor = a.reactor
	l.content = desk.Content{Title: title(rng, a.req.Kind, a.service), Description: oneOf(rng, descriptions)}
	if rng.Float64() < 0.025 {
		l.cancelAt = at.Add(lognormal(rng, 6*time.Hour, 1.2))
	}
	if err := l.adopt(res.Spawned, at); err != nil {
		return nil, err
	}
	if err := l.run(); err != nil {
		return nil, err
	}
	tree := append([]*life{l}, l.spawned...)
	return tree, nil
}
