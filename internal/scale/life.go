package scale

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// Each work item lives on its own clock: a short simulation with two
// tracks, the people who work it (one planned visit at a time) and its
// requester (cancel before resolution; confirm, rate or reopen after),
// each issuing commands through svcflow.Decide. Whatever is planned after
// the end of the history stays undone, which leaves the recent items open
// in every state a live desk shows.

// gen is what every item's simulation shares.
type gen struct {
	wd      *world
	streams []*svcflow.ValueStream
	end     time.Time
	item    int64 // the last item number handed out
	comment int64 // the last comment number handed out
}

// kindPrefix gives ids the prefixes the desk gives them (INC-1042).
var kindPrefix = map[svcflow.Kind]string{
	svcflow.KindQuery: "QRY", svcflow.KindIncident: "INC", svcflow.KindServiceRequest: "REQ",
	svcflow.KindChange: "CHG", svcflow.KindProblem: "PRB", svcflow.KindDemand: "DEM", svcflow.KindImprovement: "IMP",
}

func (g *gen) newID(k svcflow.Kind) (string, error) {
	g.item++
	p, ok := kindPrefix[k]
	if !ok {
		p = "WI"
	}
	return p + "-" + strconv.FormatInt(g.item, 10), nil
}

func (g *gen) stream(id string) *svcflow.ValueStream {
	for _, s := range g.streams {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// move is one planned command. A nil actor is the system.
type move struct {
	at    time.Time
	actor *svcflow.Person
	cmd   svcflow.Command
	body  string // the text of a comment
}

// life is one work item being simulated.
type life struct {
	g        *gen
	rng      *rand.Rand
	w        *svcflow.WorkItem
	stream   *svcflow.ValueStream
	events   []svcflow.Event
	content  desk.Content
	comments []desk.Comment
	reactor  *svcflow.Person // confirms, rates, reopens; nil: the system closes after a quiet period
	t        time.Time       // the time of the last event
	spawned  []*life         // items it spawned, theirs included, in the order opened
	kids     map[string]*svcflow.WorkItem

	plan     []move // the work track of the current visit
	planKey  string
	stuck    bool // waits for a spawned item that does not reach value in time
	visits   map[string]int
	reqPlan  []move
	reqKey   string
	reopened bool
	asked    bool // the requester has chased it up once
	awaited  bool // a step of the item that spawned it waits for it to reach value
	updated  bool // its urgency has been changed once
	cancelAt time.Time
}

// maxMoves bounds one item's commands, so a generator bug cannot loop.
const maxMoves = 500

// run plays the item's life until it is closed or the history ends.
func (l *life) run() error {
	for range maxMoves {
		if l.w.Status.IsFinal() {
			return nil
		}
		l.planWork()
		l.planRequester()
		var m move
		switch {
		case len(l.plan) > 0 && (len(l.reqPlan) == 0 || !l.reqPlan[0].at.Before(l.plan[0].at)):
			m, l.plan = l.plan[0], l.plan[1:]
		case len(l.reqPlan) > 0:
			m, l.reqPlan = l.reqPlan[0], l.reqPlan[1:]
		default:
			return nil
		}
		if m.at.After(l.g.end) {
			return nil
		}
		if err := l.do(m); err != nil {
			return err
		}
	}
	return nil
}

// do decides one command and folds its events in.
func (l *life) do(m move) error {
	at := m.at.Truncate(time.Second)
	if at.Before(l.t) {
		at = l.t
	}
	actor := svcflow.Actor{ID: svcflow.SystemActor}
	if m.actor != nil {
		actor = m.actor.Actor()
	}
	cmd := m.cmd
	var comment *desk.Comment
	if c, ok := cmd.(svcflow.AddComment); ok {
		l.g.comment++
		c.ID = "C-" + strconv.FormatInt(l.g.comment, 10)
		cmd = c
		comment = &desk.Comment{ID: c.ID, Item: l.w.ID, Author: actor.ID, Public: c.Public, Body: m.body, Created: at}
	}
	if c, ok := cmd.(svcflow.Complete); ok && l.w.Visit != nil && len(l.w.Visit.Waiting) > 0 {
		// The step waits for what it spawned: complete once that has
		// reached value, or never.
		ready := at
		for _, id := range l.w.Visit.Waiting {
			k := l.kids[id]
			switch {
			case k == nil || k.ValueReached.IsZero() && k.Status != svcflow.StatusCancelled:
				l.stuck, l.plan = true, nil
				return nil
			case !k.ValueReached.IsZero() && k.ValueReached.After(ready):
				ready = k.ValueReached
			case k.ValueReached.IsZero() && k.Closed.After(ready):
				ready = k.Closed
			}
		}
		if ready.After(at) {
			l.plan = append([]move{{at: ready.Add(time.Duration(l.rng.IntN(3600)) * time.Second), actor: m.actor, cmd: c}}, l.plan...)
			return nil
		}
	}
	env := svcflow.Env{Now: at, Actor: actor, Stream: l.stream, Streams: l.g.stream, NewID: l.g.newID, Children: l.kids}
	res, err := svcflow.Decide(l.w, env, cmd)
	if err != nil {
		return fmt.Errorf("%s on %s at %s: %w", svcflow.CommandName(cmd), l.w.ID, at.Format(time.RFC3339), err)
	}
	l.w, l.t = res.Item, at
	l.events = append(l.events, res.Events...)
	if comment != nil {
		l.comments = append(l.comments, *comment)
	}
	return l.adopt(res.Spawned, at)
}

// adopt simulates the items a decision spawned, each to its own end, so
// a step that waits for one knows when it reaches value.
func (l *life) adopt(spawned []svcflow.Result, at time.Time) error {
	for _, sp := range spawned {
		child := l.g.newLife(l.rng, sp.Item, sp.Events, at)
		child.content = desk.Content{Title: fmt.Sprintf("%s spawned by %s", sp.Item.Kind, l.w.ID)}
		child.reactor = l.reactor
		child.awaited = l.w.Visit != nil && slices.Contains(l.w.Visit.Waiting, sp.Item.ID)
		if err := child.run(); err != nil {
			return err
		}
		if l.kids == nil {
			l.kids = map[string]*svcflow.WorkItem{}
		}
		l.kids[child.w.ID] = child.w
		l.spawned = append(l.spawned, child)
		l.spawned = append(l.spawned, child.spawned...)
		child.spawned = nil
	}
	return nil
}

func (g *gen) newLife(rng *rand.Rand, w *svcflow.WorkItem, events []svcflow.Event, at time.Time) *life {
	return &life{g: g, rng: rng, w: w, stream: g.stream(w.Stream), events: events, t: at, visits: map[string]int{}}
}

// planWork plans the current visit once: who picks it up when, what they
// do and when they complete it.
func (l *life) planWork() {
	v := l.w.Visit
	if v == nil || l.stuck {
		l.plan, l.planKey = nil, ""
		return
	}
	key := v.Step + "|" + strconv.FormatInt(v.Entered.UnixNano(), 10) + "|" + strconv.FormatInt(v.Queued.UnixNano(), 10)
	if key == l.planKey {
		return
	}
	l.planKey = key
	st := l.stream.Step(v.Step)
	if st == nil {
		l.plan = nil
		return
	}
	l.visits[st.ID]++
	if st.Approval != nil {
		l.plan = l.approvalPlan(st)
		return
	}
	l.plan = l.visitPlan(st, v)
}

// lognormal draws a duration around median with spread sigma.
func lognormal(rng *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(rng.NormFloat64()*sigma))
}

// target is the step's target lead time as calendar time: a business day
// spans about a working day and the night after it.
func target(st *svcflow.Step) time.Duration {
	d := st.TargetLeadTime
	if d.IsBusiness() {
		return time.Duration(d.BusinessDays * 24 * float64(time.Hour))
	}
	if d.Calendar > 0 {
		return d.Calendar
	}
	return 4 * time.Hour
}

func clampDur(d, lo, hi time.Duration) time.Duration { return max(lo, min(d, hi)) }

// visitPlan plans a team visit: the wait in the queue, sometimes an
// assignment, the start, comments, tasks, maybe a hold, a swarm or an
// escalation, and the completion.
func (l *life) visitPlan(st *svcflow.Step, v *svcflow.Visit) []move {
	rng, wd := l.rng, l.g.wd
	base := l.t
	tgt := target(st)
	wait := lognormal(rng, clampDur(tgt/5, 5*time.Minute, 2*24*time.Hour), 1.0)
	work := lognormal(rng, clampDur(tgt/4, 3*time.Minute, 10*24*time.Hour), 0.8)
	switch l.w.Kind {
	case svcflow.KindChange, svcflow.KindProblem, svcflow.KindDemand, svcflow.KindImprovement:
		wait, work = wait*2, work*5/2 // planned work competes with projects
	}
	if rng.Float64() < 0.015 {
		wait += lognormal(rng, 12*24*time.Hour, 0.8) // forgotten in the queue: the backlog every desk has
	}
	if l.w.Priority == svcflow.P1 {
		wait /= 6
	}
	worker := wd.agent(rng, v.Team)
	if worker == nil {
		worker = wd.staff[rng.IntN(len(wd.staff))]
	}
	var plan []move
	if v.State == svcflow.Queued {
		if rng.Float64() < 0.12 {
			if lead := wd.agent(rng, v.Team); lead != nil {
				plan = append(plan, move{at: base.Add(wait / 3), actor: lead, cmd: svcflow.Assign{Person: worker.ID}})
			}
		}
		plan = append(plan, move{at: base.Add(wait), actor: worker, cmd: svcflow.Start{}})
		base = base.Add(wait)
	} else if v.Person != "" {
		worker = l.person(v.Person)
	}
	type step struct {
		off time.Duration
		m   move
	}
	var steps []step
	add := func(frac float64, actor *svcflow.Person, cmd svcflow.Command, body string) {
		steps = append(steps, step{time.Duration(frac * float64(work)), move{actor: actor, cmd: cmd, body: body}})
	}
	for range poisson(rng, 0.4) {
		add(rng.Float64(), worker, svcflow.AddComment{Public: rng.Float64() < 0.55}, oneOf(rng, agentComments))
	}
	for _, a := range st.Actions {
		for _, t := range a.Tasks {
			if !slices.Contains(v.TasksDone, t.ID) && (st.RequireTasks || rng.Float64() < 0.12) {
				add(rng.Float64()*0.95, worker, svcflow.DoTask{Task: t.ID}, "")
			}
		}
	}
	if l.w.Kind == svcflow.KindQuery && l.visits[st.ID] == 1 && rng.Float64() < 0.2 {
		add(0.05, worker, svcflow.Reclassify{Kind: svcflow.KindIncident}, "")
	}
	if !l.updated && rng.Float64() < 0.03 {
		l.updated = true
		u := 1 + (l.w.Urgency+rng.IntN(2))%3
		add(0.08, worker, svcflow.Update{Urgency: &u}, "")
	}
	if rng.Float64() < 0.03 && len(wd.byTeam[v.Team]) > 1 {
		if other := wd.agent(rng, v.Team); other.ID != worker.ID && !slices.Contains(v.Swarm, other.ID) {
			add(0.2, other, svcflow.Swarm{}, "")
			if rng.Float64() < 0.5 {
				add(0.7, other, svcflow.Swarm{Leave: true}, "")
			}
		}
	}
	escalate := l.w.Kind == svcflow.KindIncident && rng.Float64() < 0.05
	complete := svcflow.Command(svcflow.Complete{Outcome: l.outcome(st)})
	if escalate {
		to := escalationTeams[rng.IntN(len(escalationTeams))]
		if to != v.Team {
			complete = svcflow.Escalate{Team: to, Reason: "needs " + to}
		}
	}
	sortSteps := func() {
		slices.SortStableFunc(steps, func(a, b step) int { return cmp.Compare(a.off, b.off) })
	}
	sortSteps()
	end := work
	if rng.Float64() < 0.12 {
		// A hold: everything after it moves by the time it lasts.
		at := time.Duration(rng.Float64() * 0.6 * float64(work))
		reason, held := svcflow.HoldAwaitingRequester, lognormal(rng, 24*time.Hour, 1.0)
		switch x := rng.Float64(); {
		case x < 0.25:
			reason, held = svcflow.HoldAwaitingVendor, lognormal(rng, 4*24*time.Hour, 1.0)
		case x < 0.35:
			reason, held = svcflow.HoldAwaitingChange, lognormal(rng, 6*24*time.Hour, 0.8)
		case x < 0.50:
			held = lognormal(rng, 30*24*time.Hour, 0.7) // the requester went quiet
		}
		for i := range steps {
			if steps[i].off > at {
				steps[i].off += held
			}
		}
		steps = append(steps, step{at, move{actor: worker, cmd: svcflow.Pause{Reason: reason}}},
			step{at + held, move{actor: worker, cmd: svcflow.Resume{}}})
		end += held
		sortSteps()
	}
	for _, s := range steps {
		s.m.at = base.Add(s.off)
		plan = append(plan, s.m)
	}
	return append(plan, move{at: base.Add(end), actor: worker, cmd: complete})
}

// approvalPlan plans the decisions of an approval step: approvers decide
// in the order listed until the quorum is reached; a few reject.
func (l *life) approvalPlan(st *svcflow.Step) []move {
	rng, a := l.rng, st.Approval
	need := int(a.Quorum)
	if a.Quorum == svcflow.QuorumAll || need > len(a.Approvers) {
		need = len(a.Approvers)
	}
	at := l.t
	var plan []move
	var used []string
	for i := range need {
		at = at.Add(lognormal(rng, 5*time.Hour, 1.1))
		p := l.approver(a.Approvers[i], used)
		if p == nil {
			return plan // nobody may decide: it waits
		}
		used = append(used, p.ID)
		if i == 0 && rng.Float64() < 0.05 {
			return append(plan, move{at: at, actor: p, cmd: svcflow.Reject{Reason: "not justified"}})
		}
		plan = append(plan, move{at: at, actor: p, cmd: svcflow.Approve{}})
	}
	return plan
}

// approver draws someone who may decide for the entry and has not yet.
func (l *life) approver(ap svcflow.Approver, used []string) *svcflow.Person {
	var pool []*svcflow.Person
	switch {
	case ap.Role != "":
		pool = l.g.wd.byRole[ap.Role]
	case ap.Team != "":
		pool = l.g.wd.byTeam[ap.Team]
	default:
		if p := l.person(ap.Person); p != nil {
			pool = []*svcflow.Person{p}
		}
	}
	for range 8 {
		if len(pool) == 0 {
			return nil
		}
		if p := pool[l.rng.IntN(len(pool))]; !slices.Contains(used, p.ID) {
			return p
		}
	}
	return nil
}

// person finds a staff member by id; nil for anyone else.
func (l *life) person(id string) *svcflow.Person { return l.g.wd.staffByID[id] }

// outcome draws a step's outcome by its transitions' probabilities; a
// step visited often takes its likeliest way on, so loops end.
func (l *life) outcome(st *svcflow.Step) string {
	choices := st.ChoosableOutcomes()
	if len(choices) == 0 {
		return ""
	}
	weights := make([]float64, len(choices))
	for i, o := range choices {
		if t, ok := st.Follow(o); ok {
			weights[i] = t.Probability
		}
		if weights[i] <= 0 {
			weights[i] = 0.01
		}
	}
	if l.visits[st.ID] > 2 {
		return choices[slices.Index(weights, slices.Max(weights))]
	}
	return choices[pick(l.rng, cumulative(weights))]
}

// planRequester plans what the requester does next: before resolution a
// chase-up or a cancellation; after it, a reopen, or feedback and
// confirmation, or silence until the system closes the item.
func (l *life) planRequester() {
	key := string(l.w.Status) + "|" + strconv.FormatInt(l.w.LastResolved.UnixNano(), 10) + "|" + strconv.FormatBool(l.w.Visit == nil)
	if key == l.reqKey {
		return
	}
	l.reqKey = key
	l.reqPlan = nil
	rng, r := l.rng, l.reactor
	switch l.w.Status {
	case svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold:
		if r != nil && !l.asked && rng.Float64() < 0.12 {
			l.asked = true
			l.reqPlan = append(l.reqPlan, move{at: l.t.Add(lognormal(rng, 10*time.Hour, 1)), actor: r,
				cmd: svcflow.AddComment{Public: true}, body: oneOf(rng, requesterComments)})
		}
		if r != nil && !l.cancelAt.IsZero() && l.cancelAt.After(l.t) {
			l.reqPlan = append(l.reqPlan, move{at: l.cancelAt, actor: r, cmd: svcflow.Cancel{Reason: "no longer needed"}})
			slices.SortStableFunc(l.reqPlan, func(a, b move) int { return a.at.Compare(b.at) })
		}
	case svcflow.StatusResolved:
		if l.awaited && l.w.Visit != nil {
			return // an item another one waits for is closed only after it reaches value
		}
		at := l.w.LastResolved.Add(lognormal(rng, 40*time.Hour, 1.0))
		switch x := rng.Float64(); {
		case r != nil && !l.reopened && x < 0.04:
			l.reopened = true
			l.reqPlan = []move{{at: at, actor: r, cmd: svcflow.Reopen{Reason: "still not working"}}}
		case r != nil && x < 0.65:
			if rng.Float64() < 0.45 {
				score := 5 - min(4, int(math.Abs(rng.NormFloat64()*1.3)))
				l.reqPlan = append(l.reqPlan, move{at: at, actor: r, cmd: svcflow.GiveFeedback{Score: score}})
			}
			l.reqPlan = append(l.reqPlan, move{at: at.Add(time.Minute), actor: r, cmd: svcflow.Close{Reason: "confirmed"}})
		default:
			// Nobody answered: closed after the quiet period.
			l.reqPlan = []move{{at: l.w.LastResolved.Add(quietPeriod), cmd: svcflow.Close{Reason: "no answer"}}}
		}
	}
}

// quietPeriod is how long a resolved item waits for its requester before
// it is closed without an answer.
const quietPeriod = 7 * 24 * time.Hour

// poisson draws a small count with the given mean.
func poisson(rng *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
