// Package demo builds a realistic demo organisation and about 30 days of
// history for it, produced through the domain's own decisions: people,
// teams, organisations and services are saved with the desk's directory
// use cases, and every work item is opened and moved with desk.Open,
// desk.Act and desk.PostComment while an injected Clock moves time and
// seeded randomness decides what happens. No row is written behind the
// desk's back, so every event in the log is one the domain decided, and
// the history satisfies the same invariants live work does.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
)

// Options configures Seed.
type Options struct {
	// Days of history to write (default 30).
	Days int
	// Seed makes the history repeatable: the same Seed, Days and End give
	// the same history.
	Seed uint64
	// End is when the history ends, the "now" of the demo. A live demo
	// passes time.Now(); tests pass a fixed time. Zero means time.Now().
	End time.Time
	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// Summary says what Seed wrote.
type Summary struct {
	Items  int // work items, spawned ones included
	Events int // work item events (configuration events not counted)
	Open   int // items still new, in progress or on hold at End
	People int
	Teams  int
	Took   time.Duration // wall-clock time Seed took

	// Commands counts the desk calls (Open, Act, PostComment) that wrote
	// the history: each is one store transaction, which is what Took
	// mostly pays for.
	Commands int

	ByStatus map[svcflow.Status]int
	ByStream map[string]int
	ByKind   map[svcflow.Kind]int
}

// setupLead is how long before the history the directory is created, so
// that people and services exist before their first work item.
const setupLead = 7 * 24 * time.Hour

// Seed writes the demo organisation and its history through d. The desk
// must have been built with clock.Now as its clock (see Clock); Seed moves
// that clock through the history and hands it back to the wall clock when
// it returns. Seed registers the built-in library streams itself with
// d.RegisterStreams (a no-op for revisions already registered), so the
// caller need not. The store must hold no work items yet.
//
// Errors: conflict when the store already holds work items or a library
// stream is registered with different content; otherwise the first desk
// error, wrapped with the command, item and simulated time, which means a
// bug in the generator or the domain rather than bad input.
func Seed(ctx context.Context, d *desk.Desk, clock *Clock, opt Options) (Summary, error) {
	began := time.Now()
	if d == nil || clock == nil {
		return Summary{}, fmt.Errorf("demo: seed needs a desk and the clock it was built with")
	}
	if opt.Days <= 0 {
		opt.Days = 30
	}
	if opt.End.IsZero() {
		opt.End = time.Now()
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	end := opt.End.UTC().Truncate(time.Second)
	start := end.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	defer clock.release()
	clock.set(midnight(start.Add(-setupLead)).Add(dayStart * time.Hour))

	existing, err := d.Store().ListItems(ctx, desk.ItemFilter{Limit: 1})
	if err != nil {
		return Summary{}, fmt.Errorf("demo: look for existing work: %w", err)
	}
	if len(existing) > 0 {
		return Summary{}, svcflow.Errorf(svcflow.ErrConflict, "the store already holds work items; the demo needs an empty store")
	}
	lib, err := library.Load()
	if err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, lib); err != nil {
		return Summary{}, fmt.Errorf("demo: register the library: %w", err)
	}
	// Items follow the latest stored revisions, which desk.Open routes to.
	latest, err := d.Store().LatestStreams(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: load streams: %w", err)
	}
	dir := buildDirectory()
	if err := dir.save(ctx, d); err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	if err := publishArticles(ctx, d, dir.agents("knowledge-team")[0]); err != nil {
		return Summary{}, err
	}

	s := &sim{
		ctx: ctx, d: d, clock: clock, logf: opt.Logf,
		rng:   rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		start: start, end: end, now: start,
		streams: map[string]*svcflow.ValueStream{}, dir: dir, items: map[string]*item{},
	}
	for _, st := range latest {
		s.streams[st.ID] = st
	}
	s.planArrivals()
	if err := s.run(); err != nil {
		return Summary{}, err
	}

	sum := Summary{
		Items: len(s.order), People: len(dir.people), Teams: len(teams), Commands: s.commands,
		ByStatus: map[svcflow.Status]int{}, ByStream: map[string]int{}, ByKind: map[svcflow.Kind]int{},
	}
	for _, it := range s.order {
		sum.Events += it.w.Version
		sum.ByStatus[it.w.Status]++
		sum.ByStream[it.w.Stream]++
		sum.ByKind[it.w.Kind]++
		switch it.w.Status {
		case svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold:
			sum.Open++
		}
	}
	sum.Took = time.Since(began)
	opt.Logf("demo: %d days of history: %d items (%d open), %d events, %d commands in %v",
		opt.Days, sum.Items, sum.Open, sum.Events, sum.Commands, sum.Took.Round(time.Millisecond))
	return sum, nil
}
