package improve

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// engine drives the real work engine (desk over SQLite) under an injected
// clock: incidents arrive at random into the restoration stream, each
// team's free people pull from its queue, a visit lasts a random time
// around its step's mean, and a step with several transitions completes
// with one of their outcomes by their probabilities. It is a small
// discrete-event loop over the engine, so that what it produces is what
// the engine ranks, routes and records.
type engine struct {
	t      testing.TB
	ctx    context.Context
	d      *desk.Desk
	now    time.Time
	rng    *rand.Rand
	stream *svcflow.ValueStream
	rate   float64 // arrivals per hour
	mean   map[string]time.Duration
	free   map[string][]*svcflow.Person
	user   *svcflow.Person
	cal    calendar
	seq    int
	people int
}

// entry is a calendar entry: an arrival, or the end of a visit in
// progress.
type entry struct {
	at     time.Time
	seq    int
	item   string // "" for an arrival
	person *svcflow.Person
	team   string
}

type calendar []entry

func (c calendar) Len() int { return len(c) }
func (c calendar) Less(i, j int) bool {
	return c[i].at.Before(c[j].at) || c[i].at.Equal(c[j].at) && c[i].seq < c[j].seq
}
func (c calendar) Swap(i, j int) { c[i], c[j] = c[j], c[i] }
func (c *calendar) Push(x any)   { *c = append(*c, x.(entry)) }
func (c *calendar) Pop() any {
	old := *c
	e := old[len(old)-1]
	*c = old[:len(old)-1]
	return e
}

var engineStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// newEngine opens a store with the library, the restoration stream's
// teams staffed as given (fifo queues), a requester, and the people the
// improvement needs: its owner in the improvement team and an approver
// on the portfolio board. The improvement team is not staffed by the
// loop, so only the test works improvements.
func newEngine(t testing.TB, seed uint64, staff map[string]int) *engine {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &engine{t: t, ctx: ctx, now: engineStart, rng: rand.New(rand.NewPCG(seed, 1)), rate: 2,
		free: map[string][]*svcflow.Person{},
		mean: map[string]time.Duration{"register": 4 * time.Minute, "investigate": 15 * time.Minute,
			"obtain-fix": time.Hour, "deploy-fix": 20 * time.Minute, "verify": 5 * time.Minute, "feedback": 5 * time.Minute}}
	e.d = desk.New(desk.Options{Store: st, Now: func() time.Time { return e.now }})
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	e.stream = streams[slices.IndexFunc(streams, func(s *svcflow.ValueStream) bool { return s.ID == "restore-live-service" })]
	for _, team := range []string{"service-desk", "application-support", "infrastructure-ops", "improvement-team", "portfolio-board"} {
		if err := e.d.SaveTeam(ctx, nil, &svcflow.Team{ID: team, Name: team, QueuePolicy: "fifo"}); err != nil {
			t.Fatal(err)
		}
	}
	teams := make([]string, 0, len(staff))
	for team := range staff {
		teams = append(teams, team)
	}
	slices.Sort(teams)
	for _, team := range teams {
		for range staff[team] {
			e.addPerson(team)
		}
	}
	e.user = e.save(&svcflow.Person{ID: "ulla", Name: "Ulla User", Email: "ulla@example.org", Role: svcflow.RoleRequester})
	e.schedule(entry{at: e.now.Add(e.exp(time.Duration(float64(time.Hour) / e.rate)))})
	return e
}

func (e *engine) save(p *svcflow.Person) *svcflow.Person {
	e.t.Helper()
	if err := e.d.SavePerson(e.ctx, nil, p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// addPerson adds a person to a team, free at once.
func (e *engine) addPerson(team string) *svcflow.Person {
	e.people++
	p := e.save(&svcflow.Person{ID: fmt.Sprintf("agent-%d", e.people), Name: fmt.Sprintf("Agent %d", e.people),
		Email: fmt.Sprintf("agent-%d@example.org", e.people), Role: svcflow.RoleAgent, Teams: []string{team}})
	e.free[team] = append(e.free[team], p)
	return p
}

func (e *engine) schedule(x entry) {
	e.seq++
	x.seq = e.seq
	heap.Push(&e.cal, x)
}

// exp draws an exponential duration of the given mean, in whole seconds.
func (e *engine) exp(mean time.Duration) time.Duration {
	return max(time.Second, time.Duration(e.rng.ExpFloat64()*mean.Seconds())*time.Second)
}

// runUntil works the stream until end, then sets the clock to end.
func (e *engine) runUntil(end time.Time) {
	e.t.Helper()
	for e.cal.Len() > 0 && !e.cal[0].at.After(end) {
		x := heap.Pop(&e.cal).(entry)
		e.now = x.at
		if x.item == "" {
			e.schedule(entry{at: e.now.Add(e.exp(time.Duration(float64(time.Hour) / e.rate)))})
			v, err := e.d.Open(e.ctx, e.user, desk.OpenInput{Kind: svcflow.KindIncident, Title: "Cannot use the service", Impact: 2, Urgency: 2})
			if err != nil {
				e.t.Fatal(err)
			}
			e.dispatch(v.Item.Visit.Team)
			continue
		}
		w, err := e.d.Item(e.ctx, x.person, x.item)
		if err != nil {
			e.t.Fatal(err)
		}
		st := e.stream.Step(w.Item.Visit.Step)
		v, err := e.d.Act(e.ctx, x.person, x.item, 0, svcflow.Complete{Outcome: e.outcome(st)})
		if err != nil {
			e.t.Fatalf("complete %s in %s: %v", x.item, st.ID, err)
		}
		e.free[x.team] = append(e.free[x.team], x.person)
		if v.Item.Visit != nil {
			e.dispatch(v.Item.Visit.Team)
		}
		e.dispatch(x.team)
	}
	e.now = end
}

// outcome picks the outcome of a completed visit: by the transitions'
// probabilities where there are several.
func (e *engine) outcome(st *svcflow.Step) string {
	if len(st.Next) > 1 {
		u := e.rng.Float64()
		for _, tr := range st.Next {
			if u -= tr.Probability; u < 0 {
				return tr.When
			}
		}
		return st.Next[len(st.Next)-1].When
	}
	if len(st.Outcomes) > 0 {
		return st.Outcomes[0]
	}
	return ""
}

// dispatch lets the team's free people pull work while there is some.
func (e *engine) dispatch(team string) {
	e.t.Helper()
	for len(e.free[team]) > 0 {
		p := e.free[team][0]
		res, err := e.d.Pull(e.ctx, p, team)
		if svcflow.ErrorCodeOf(err) == svcflow.ErrConflict {
			return // nothing to start
		}
		if err != nil {
			e.t.Fatalf("pull %s: %v", team, err)
		}
		e.free[team] = e.free[team][1:]
		w := res.View.Item
		e.schedule(entry{at: e.now.Add(e.exp(e.mean[w.Visit.Step])), item: w.ID, person: p, team: team})
	}
}

// act runs a command on the test's behalf, failing the test on an error.
func (e *engine) act(p *svcflow.Person, id string, cmds ...svcflow.Command) {
	e.t.Helper()
	for _, c := range cmds {
		if _, err := e.d.Act(e.ctx, p, id, 0, c); err != nil {
			e.t.Fatalf("%s on %s: %v", svcflow.CommandName(c), id, err)
		}
	}
}

func (e *engine) log() *eventlog.Log {
	e.t.Helper()
	l, err := eventlog.ReadItemLog(func(after int64) ([]svcflow.Event, error) { return e.d.Store().Events(e.ctx, after, 5000) })
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// The acceptance: an improvement raised on the step the bottleneck
// score ranks first in the restoration stream, its baseline captured at
// approval, one more person given to that step's team through the engine,
// and at the end of its window the register job validates it, with its
// p-value on the register entry and in the log.
func TestRegisterValidatesAQueueingChange(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a few thousand visits through the engine on SQLite")
	}
	const window = 10 * 24 * time.Hour
	e := newEngine(t, 1, map[string]int{"service-desk": 1, "application-support": 2, "infrastructure-ops": 1})
	owner := e.addPerson("improvement-team")
	e.free["improvement-team"] = nil // the loop leaves improvements to the test
	approver := e.save(&svcflow.Person{ID: "pat", Name: "Pat Portfolio", Email: "pat@example.org", Role: svcflow.RoleAgent, Teams: []string{"portfolio-board"}})
	manager := e.save(&svcflow.Person{ID: "max", Name: "Max Manager", Email: "max@example.org", Role: svcflow.RoleManager})

	approval := engineStart.Add(2*24*time.Hour + window) // two days to fill the queues, then the baseline window
	e.runUntil(approval)
	in, err := FromBottleneck(e.log(), "restore-live-service", e.now, window)
	if err != nil {
		t.Fatal(err)
	}
	step := in.Register.Step
	team := e.stream.Step(step).Team
	t.Logf("top bottleneck: %s (team %s); %s", step, team, in.Register.ProblemObserved)
	if team != "service-desk" {
		t.Errorf("the top bottleneck %s is worked by %s; the desk, at one person, should be the bottleneck", step, team)
	}
	in.Register.ProposedAction = "Give the " + team + " team one more person"
	in.Register.Owner = owner.ID
	imp, err := e.d.RaiseImprovement(e.ctx, manager, in)
	if err != nil {
		t.Fatal(err)
	}
	id := imp.Item.ID
	e.act(owner, id, svcflow.Start{}, svcflow.Complete{})
	e.act(approver, id, svcflow.Approve{})

	pass, err := Run(e.ctx, e.d)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pass.Baselines, []string{id}) || len(pass.Evaluations) != 0 {
		t.Fatalf("first pass %+v, want the baseline of %s", pass, id)
	}
	got, err := e.d.Improvement(e.ctx, manager, id)
	if err != nil {
		t.Fatal(err)
	}
	b := got.Register.Baseline
	if b == nil || !b.To.Equal(approval) || !b.From.Equal(approval.Add(-window)) || len(b.Values) != 10 {
		t.Fatalf("baseline %+v, want 10 daily values over the 10 days before the approval at %v", b, approval)
	}
	if again, err := Run(e.ctx, e.d); err != nil || len(again.Baselines)+len(again.Evaluations) != 0 {
		t.Fatalf("a second pass did %+v (%v), want nothing", again, err)
	}

	// The change: one more person on the step's team, then the
	// improvement is carried out and put in use, which starts its window.
	e.addPerson(team)
	e.dispatch(team)
	e.act(owner, id, svcflow.Start{}, svcflow.Complete{}, svcflow.Start{}, svcflow.Complete{})
	got, err = e.d.Improvement(e.ctx, manager, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Item.Visit == nil || got.Item.Visit.Step != desk.StepMeasuring {
		t.Fatalf("after implementing, the improvement is at %+v, want measuring", got.Item.Visit)
	}
	measuring := got.Item.Visit.Entered

	e.runUntil(measuring.Add(window - time.Hour))
	if pass, err := Run(e.ctx, e.d); err != nil || len(pass.Evaluations) != 0 {
		t.Fatalf("before the window ends: %+v (%v), want no evaluation", pass, err)
	}
	e.runUntil(measuring.Add(window))
	if pass, err = Run(e.ctx, e.d); err != nil || !slices.Equal(pass.Evaluations, []string{id}) {
		t.Fatalf("at the window's end: %+v (%v), want the evaluation of %s", pass, err, id)
	}

	got, err = e.d.Improvement(e.ctx, manager, id)
	if err != nil {
		t.Fatal(err)
	}
	ev := got.Register.Evaluation
	t.Logf("%s at %s: baseline %.0f s, post %.0f s, effect %.0f s %v, days %v, p = %.3g, outcome %s",
		got.Register.Criterion.Metric, step, ev.Baseline, ev.Post, ev.Effect, *ev.EffectCI95, ev.Days, ev.PValue, got.Outcome)
	if got.Outcome != svcflow.OutcomeValidated || !ev.Validated || ev.PValue >= Alpha || !ev.MeetsTarget {
		t.Errorf("got outcome %q with %+v, want validated", got.Outcome, ev)
	}
	if ev.Days != [2]int{10, 10} || math.Abs(ev.Baseline-b.Mean) > 1e-9 || ev.Effect >= 0 || ev.EffectCI95[1] >= 0 {
		t.Errorf("evaluation %+v: want 10 days a side, the captured baseline, and a wait cut with an interval below 0", ev)
	}
	if got.Item.Visit != nil || got.Item.ValueReached.IsZero() {
		t.Errorf("after its evaluation the improvement is at %+v, value %v; want it past measuring, at value", got.Item.Visit, got.Item.ValueReached)
	}
	evs, err := e.d.ItemEvents(e.ctx, manager, id)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(evs, func(x svcflow.Event) bool { return x.Type == svcflow.EventImprovementEvaluated })
	if i < 0 || evs[i].After != svcflow.OutcomeValidated || !strings.HasPrefix(evs[i].Data.Other, "p=") || evs[i].Actor != svcflow.SystemActor {
		t.Fatalf("events %+v: want improvement_evaluated validated with its p-value, by the system", evs)
	}
	if c := evs[i+2]; c.Type != svcflow.EventStepCompleted || c.Step != desk.StepMeasuring || c.Data.Outcome != svcflow.OutcomeValidated {
		t.Errorf("after the evaluation came %+v, want measuring completed as validated", c)
	}
}

// Two instances running the register's job at once record each baseline
// and each evaluation once: the loser of each race finds it recorded.
func TestRegisterJobRecordsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a week of work through the engine")
	}
	const window = 7 * 24 * time.Hour
	e := newEngine(t, 3, map[string]int{"service-desk": 2, "application-support": 2, "infrastructure-ops": 1})
	e.rate = 0.5 // a quiet desk: the race is the point, not the load
	owner := e.addPerson("improvement-team")
	e.free["improvement-team"] = nil
	approver := e.save(&svcflow.Person{ID: "pat", Name: "Pat Portfolio", Email: "pat@example.org", Role: svcflow.RoleAgent, Teams: []string{"portfolio-board"}})
	e.runUntil(engineStart.Add(window + 24*time.Hour))
	imp, err := e.d.RaiseImprovement(e.ctx, owner, desk.RaiseInput{Title: "Resolve sooner", Register: svcflow.Improvement{
		ProblemObserved: "Incidents take long", ProposedAction: "Swarm on the oldest", Stream: "restore-live-service",
		Criterion: svcflow.Criterion{Metric: svcflow.MetricTimeToResolveMean, Direction: svcflow.Decrease, Target: 3600, Window: svcflow.Duration{Calendar: window}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := imp.Item.ID
	e.act(owner, id, svcflow.Start{}, svcflow.Complete{})
	e.act(approver, id, svcflow.Approve{})

	// The second instance: another desk over the same store and clock.
	other := desk.New(desk.Options{Store: e.d.Store(), Now: func() time.Time { return e.now }})
	race := func() (recorded int) {
		t.Helper()
		passes := make(chan Pass, 2)
		errs := make(chan error, 2)
		for _, d := range []*desk.Desk{e.d, other} {
			go func() {
				p, err := Run(e.ctx, d)
				passes <- p
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			p := <-passes
			recorded += len(p.Baselines) + len(p.Evaluations)
		}
		return recorded
	}
	count := func(typ svcflow.EventType) int {
		evs, err := e.d.Store().ItemEvents(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if ev.Type == typ {
				n++
			}
		}
		return n
	}
	if n := race(); n != 1 || count(svcflow.EventBaselineCaptured) != 1 {
		t.Fatalf("two instances recorded %d baselines, %d events; want 1", n, count(svcflow.EventBaselineCaptured))
	}
	e.act(owner, id, svcflow.Start{}, svcflow.Complete{}, svcflow.Start{}, svcflow.Complete{})
	e.runUntil(e.now.Add(window))
	if n := race(); n != 1 || count(svcflow.EventImprovementEvaluated) != 1 {
		t.Fatalf("two instances recorded %d evaluations, %d events; want 1", n, count(svcflow.EventImprovementEvaluated))
	}
}
