package scale

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// QueryOptions configures Query.
type QueryOptions struct {
	Runs int // timed runs of each query (default 1000)
	Seed uint64
	// Now is the desk's clock for ranking queues; zero means the wall clock.
	Now time.Time
}

// QueryStats are the latencies of one list query over its runs.
type QueryStats struct {
	Name               string
	Runs               int
	Rows               int // rows returned, all runs together
	P50, P95, P99, Max time.Duration
}

// The three list queries Query measures.
const (
	QueryTeamQueueFirst = "team queue, first view" // each team's first view, SLA due times computed afresh
	QueryTeamQueue      = "team queue"             // a team's queue in its policy's order, first 50
	QueryRequester      = "requester items"        // requested by or for a person, or watched, newest first
	QueryService        = "service and status"     // a service's items in some statuses changed since a time
)

// pageSize is the page every list asks for.
const pageSize = 50

// Query runs each list query opt.Runs times with random parameters drawn
// from the store (a team, a person who raises work, a service, statuses
// and a changed-since window of a day to a year) and returns the
// latencies. Half the list runs read the first page, three in ten one of
// the next five pages (following the cursor, untimed, to it), one in five
// the page before a random item number: a jump deep into the history. A
// tenth of the runs, untimed, warm up; before them, the first view of
// every team's queue is timed on its own (QueryTeamQueueFirst), since
// later views reuse the SLA due times it computed.
func Query(ctx context.Context, s desk.Store, opt QueryOptions) ([]QueryStats, error) {
	if opt.Runs <= 0 {
		opt.Runs = 1000
	}
	clock := time.Now
	if !opt.Now.IsZero() {
		clock = func() time.Time { return opt.Now }
	}
	d := desk.New(desk.Options{Store: s, Now: clock})
	teams, err := s.Teams(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	people, err := s.People(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	var requesters []string
	for _, p := range people {
		if p.Role == svcflow.RoleRequester {
			requesters = append(requesters, p.ID)
		}
	}
	services, err := s.Services(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	newest, err := s.ListItems(ctx, desk.ItemFilter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	if len(teams) == 0 || len(requesters) == 0 || len(services) == 0 || len(newest) == 0 {
		return nil, fmt.Errorf("query: the store holds no generated data (teams, requesters, services and items are needed)")
	}
	hi, end := number(newest[0].ID), newest[0].Updated
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e77))
	manager := &svcflow.Person{ID: "scale-query", Role: svcflow.RoleManager}

	// cursor draws the page of f to read: 0 for the first, else the
	// Before of a deeper page.
	cursor := func(f desk.ItemFilter) (int64, error) {
		switch x := rng.Float64(); {
		case x < 0.5:
			return 0, nil
		case x < 0.8:
			for range 1 + rng.IntN(5) {
				page, err := s.ListItems(ctx, f)
				if err != nil {
					return 0, err
				}
				if len(page) < f.Limit {
					break
				}
				f.Before = number(page[len(page)-1].ID)
			}
			return f.Before, nil
		default:
			return 1001 + rng.Int64N(max(1, hi-1000)), nil
		}
	}
	var out []QueryStats
	first := QueryStats{Name: QueryTeamQueueFirst, Runs: len(teams)}
	var firstLat []time.Duration
	for _, t := range teams {
		began := time.Now()
		q, err := d.Queue(ctx, manager, t.ID)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", first.Name, err)
		}
		firstLat = append(firstLat, time.Since(began))
		first.Rows += min(pageSize, len(q.Entries))
	}
	out = append(out, percentiles(first, firstLat))
	queries := []struct {
		name string
		run  func() (int, time.Duration, error) // rows, and the time of the call measured
	}{
		{QueryTeamQueue, func() (int, time.Duration, error) {
			team := teams[rng.IntN(len(teams))].ID
			began := time.Now()
			q, err := d.Queue(ctx, manager, team)
			if err != nil {
				return 0, 0, err
			}
			return min(pageSize, len(q.Entries)), time.Since(began), nil
		}},
		{QueryRequester, func() (int, time.Duration, error) {
			f := desk.ItemFilter{Person: requesters[rng.IntN(len(requesters))], Limit: pageSize}
			var err error
			if f.Before, err = cursor(f); err != nil {
				return 0, 0, err
			}
			return timedList(ctx, s, f)
		}},
		{QueryService, func() (int, time.Duration, error) {
			f := desk.ItemFilter{Service: services[rng.IntN(len(services))].ID, Limit: pageSize,
				Updated: end.Add(-time.Duration(math.Exp(rng.Float64()*math.Log(365)) * float64(24*time.Hour)))}
			all := []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold,
				svcflow.StatusResolved, svcflow.StatusClosed, svcflow.StatusCancelled}
			if rng.Float64() < 0.25 {
				f.Statuses = all[:3] // the open ones
			} else {
				f.Statuses = []svcflow.Status{all[rng.IntN(len(all))]}
			}
			var err error
			if f.Before, err = cursor(f); err != nil {
				return 0, 0, err
			}
			return timedList(ctx, s, f)
		}},
	}
	for _, q := range queries {
		st := QueryStats{Name: q.name, Runs: opt.Runs}
		lat := make([]time.Duration, 0, opt.Runs)
		for i := range opt.Runs + opt.Runs/10 {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			n, took, err := q.run()
			if err != nil {
				return out, fmt.Errorf("query %s: %w", q.name, err)
			}
			if i < opt.Runs/10 {
				continue // warming up
			}
			st.Rows += n
			lat = append(lat, took)
		}
		out = append(out, percentiles(st, lat))
	}
	return out, nil
}

// percentiles fills in the latency figures of st.
func percentiles(st QueryStats, lat []time.Duration) QueryStats {
	slices.Sort(lat)
	at := func(p float64) time.Duration {
		return lat[max(0, min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1))]
	}
	st.P50, st.P95, st.P99, st.Max = at(0.50), at(0.95), at(0.99), lat[len(lat)-1]
	return st
}

// timedList reads one page and times it: when a run reads a first page
// to find its cursor, only the page asked for counts.
func timedList(ctx context.Context, s desk.Items, f desk.ItemFilter) (int, time.Duration, error) {
	began := time.Now()
	page, err := s.ListItems(ctx, f)
	return len(page), time.Since(began), err
}
