package demo

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The generator is a small discrete-event simulation: every work item has
// at most one pending action on each of two tracks (what the people who
// work it do next, and what its requester does next), and one agenda holds
// them all in time order. Each action sets the clock, issues a desk command
// (rarely two at the same instant) and plans what follows from the item's
// state as the desk returned it, so the generator always reasons about the
// state the domain decided, never about one it imagines.

type track int

const (
	trackArrival   track = iota // new work arrives; belongs to no item yet
	trackWork                   // the teams working the item
	trackRequester              // the requester (or the manager closing up)
)

// action is one thing that happens at a time. gen invalidates actions
// planned on a state the item has since left.
type action struct {
	at    time.Time
	seq   int
	it    *item
	track track
	gen   int
	do    func() error
}

// agenda is a min-heap of actions by time, then by the order they were
// planned, so equal times run in a repeatable order.
type agenda []*action

func (a agenda) Len() int { return len(a) }
func (a agenda) Less(i, j int) bool {
	if !a[i].at.Equal(a[j].at) {
		return a[i].at.Before(a[j].at)
	}
	return a[i].seq < a[j].seq
}
func (a agenda) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a *agenda) Push(x any)   { *a = append(*a, x.(*action)) }
func (a *agenda) Pop() any {
	old := *a
	x := old[len(old)-1]
	*a = old[:len(old)-1]
	return x
}

type moveKind int

const (
	moveComment moveKind = iota
	moveTask
	moveLink
	movePause
	moveSwarm
	moveLeave
	moveEscalate
	moveReclassify
	moveUpdate
	moveComplete
)

// move is one thing the owner of an active visit does, off (working time)
// after the visit started.
type move struct {
	off    time.Duration
	kind   moveKind
	text   string // comment body, task id, team, link or pause reason
	public bool
	who    *svcflow.Person // swarm member
}

type reaction int

const (
	reactNone      reaction = iota
	reactFeedback           // rate the work, then close
	reactClose              // confirm the resolution
	reactReopen             // it is not fixed after all
	reactAutoClose          // nobody answered: the manager closes it
)

// item is the generator's view of one work item.
type item struct {
	w       *svcflow.WorkItem // as the desk last returned it
	stream  *svcflow.ValueStream
	reactor *svcflow.Person // the requester who confirms, rates and reopens; nil: the manager closes
	parent  string
	dupOf   string            // mark as a duplicate of this item at the first pick-up
	force   map[string]string // step → outcome, for work the demo must show

	// work track
	gen        int
	startAt    time.Time
	decideAt   time.Time
	resumeAt   time.Time
	replyAt    time.Time // the requester answers while the visit is on hold
	holdReason string
	plan       []move
	planFrom   time.Time     // plan offsets count from here...
	planOff    time.Duration // ...minus this (the offset the plan resumed at)
	resumeOff  time.Duration
	visits     map[string]int             // visits per step, to bound loops
	owners     map[string]*svcflow.Person // last owner per team: the same person tends to carry on
	escalated  bool
	assigned   bool
	rejected   bool

	// requester track
	rgen         int
	seenResolved time.Time
	react        reaction
	reactAt      time.Time
	reopened     bool
	cancelAt     time.Time
}

// urgent items (P1 incidents) are worked around the clock; the rest in
// business hours. Problems and changes spawned from a major incident
// inherit its impact and urgency, hence P1, but wait for the morning.
func (it *item) urgent() bool {
	return it.w != nil && it.w.Priority == svcflow.P1 && it.w.Kind == svcflow.KindIncident
}

type sim struct {
	ctx      context.Context
	d        *desk.Desk
	clock    *Clock
	rng      *rand.Rand
	logf     func(string, ...any)
	start    time.Time
	end      time.Time
	now      time.Time
	streams  map[string]*svcflow.ValueStream
	dir      *directory
	items    map[string]*item
	order    []*item
	agenda   agenda
	seq      int
	commands int
	vendor   int // vendor ticket numbers
}

// at plans an action; never before now, so the clock only moves forward.
func (s *sim) at(it *item, tr track, t time.Time, do func() error) {
	if t.Before(s.now) {
		t = s.now
	}
	// Whole seconds read better in the UI and exports.
	if r := t.Truncate(time.Second); !r.Equal(t) {
		t = r.Add(time.Second)
	}
	gen := 0
	if it != nil {
		switch tr {
		case trackWork:
			gen = it.gen
		case trackRequester:
			gen = it.rgen
		}
	}
	s.seq++
	heap.Push(&s.agenda, &action{at: t, seq: s.seq, it: it, track: tr, gen: gen, do: do})
}

// run processes the agenda up to the end of the history. Whatever is
// planned later stays undone, which leaves a realistic backlog.
func (s *sim) run() error {
	week := s.start
	for s.agenda.Len() > 0 {
		a := heap.Pop(&s.agenda).(*action)
		if a.at.After(s.end) {
			break
		}
		if a.it != nil && (a.track == trackWork && a.gen != a.it.gen || a.track == trackRequester && a.gen != a.it.rgen) {
			continue // planned on a state the item has left
		}
		if err := s.ctx.Err(); err != nil {
			return err
		}
		s.now = a.at
		s.clock.set(a.at)
		if err := a.do(); err != nil {
			return err
		}
		if s.now.Sub(week) >= 7*24*time.Hour {
			week = s.now
			s.logf("demo: history at %s: %d items, %d commands", s.now.Format("2006-01-02"), len(s.order), s.commands)
		}
	}
	return nil
}

// Random helpers.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (s *sim) chance(p float64) bool { return s.rng.Float64() < p }

// between returns a uniform duration in [a, b).
func (s *sim) between(a, b time.Duration) time.Duration {
	return a + time.Duration(s.rng.Float64()*float64(b-a))
}

// weighted returns an index drawn with the given weights (all zero: 0).
func (s *sim) weighted(ws []float64) int {
	total := 0.0
	for _, w := range ws {
		total += w
	}
	if total <= 0 {
		return 0
	}
	x := s.rng.Float64() * total
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

// poisson draws a Poisson count (Knuth; fine for the rates used here).
func (s *sim) poisson(lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= s.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// lognormal returns a multiplier with median 1.
func (s *sim) lognormal(sigma float64) float64 { return math.Exp(sigma * s.rng.NormFloat64()) }

// later returns the instant d of working time after from: business time,
// or calendar time for urgent items.
func (s *sim) later(it *item, from time.Time, d time.Duration) time.Time {
	if it != nil && it.urgent() {
		return from.Add(d)
	}
	return addBusiness(from, d)
}

// Step timing. A step's target lead time says how long it should take;
// waits and work are drawn around it so that reports have spread, and
// some visits overrun their targets.

// targetWork turns a step's target into working time of the demo calendar.
func targetWork(st *svcflow.Step) time.Duration {
	t := st.TargetLeadTime
	switch {
	case t.IsZero():
		return time.Hour
	case t.IsBusiness():
		return time.Duration(t.BusinessDays * float64(businessDay))
	case t.Calendar < 24*time.Hour:
		return t.Calendar
	default: // calendar days and weeks: the business share of them
		return time.Duration(float64(t.Calendar) * float64(5*businessDay) / float64(7*24*time.Hour))
	}
}

// habit is how people behave in a step, beyond starting and completing it.
type habit struct {
	hold       float64 // chance of a pause
	vendor     float64 // share of pauses that wait for a vendor, not the requester
	reply      float64 // chance of a public reply to the requester
	note       float64 // chance of an internal note
	escalate   float64 // chance of handing the visit to escalateTo
	escalateTo string
	swarm      float64       // chance of swarming on a P1 (half that on a P2)
	waitShare  float64       // share of the target spent queued (default 0.35)
	wait       time.Duration // mean queue wait at P3, where the target says little about the queue
	tasks      float64       // chance of ticking each optional task
}

var habits = map[string]habit{
	"register":           {reply: 0.2, wait: 80 * time.Minute},
	"investigate":        {hold: 0.12, reply: 0.4, note: 0.3, swarm: 0.5, tasks: 0.06, wait: 40 * time.Minute},
	"obtain-fix":         {hold: 0.25, vendor: 0.5, note: 0.5, escalate: 0.15, escalateTo: "infrastructure-ops", swarm: 0.6, tasks: 0.1},
	"deploy-fix":         {note: 0.3, tasks: 0.1},
	"verify":             {reply: 0.6},
	"improve":            {note: 0.2},
	"log-request":        {hold: 0.08, reply: 0.2, wait: 2 * time.Hour},
	"fulfil":             {hold: 0.12, reply: 0.4, note: 0.2},
	"confirm":            {reply: 0.4},
	"desk-request":       {wait: time.Hour},
	"desk-reset":         {reply: 0.2},
	"log-and-triage":     {note: 0.1, wait: time.Hour},
	"configure-access":   {hold: 0.05, note: 0.2},
	"confirm-access":     {reply: 0.6},
	"assess":             {note: 0.5, wait: 4 * time.Hour},
	"schedule":           {note: 0.3},
	"build-and-test":     {hold: 0.1, vendor: 1, note: 0.4},
	"implement":          {note: 0.5},
	"review":             {note: 0.4},
	"log-problem":        {note: 0.3},
	"analyse":            {hold: 0.15, vendor: 1, note: 0.7, escalate: 0.1, escalateTo: "application-support"},
	"record-known-error": {note: 0.4},
	"verify-fix":         {note: 0.3},
	"requirements":       {reply: 0.5, note: 0.5},
	"design":             {note: 0.5},
	"build":              {hold: 0.1, vendor: 1, note: 0.5},
	"deploy":             {note: 0.3},
	"release":            {note: 0.3},
	"proposed":           {note: 0.3},
	"in-progress":        {note: 0.5},
	"measuring":          {note: 0.3},
	"declare":            {note: 0.5},
	"swarm":              {note: 0.8, swarm: 1},
	"stand-down":         {reply: 0.5},
	"hr-notice":          {note: 0.3, wait: 4 * time.Hour},
	"day-one":            {waitShare: 0.85, reply: 0.3},
	"check-in":           {reply: 0.3},
}

// priorityWait scales queue waits: queues serve urgent work first.
var priorityWait = map[svcflow.Priority]float64{svcflow.P1: 0.05, svcflow.P2: 0.4, svcflow.P3: 1, svcflow.P4: 1.3, svcflow.P5: 1.6}

func (s *sim) queueWait(it *item, st *svcflow.Step) time.Duration {
	h := habits[st.ID]
	share := h.waitShare
	if share == 0 {
		share = 0.35
	}
	mean := float64(targetWork(st)) * share
	if h.wait > 0 {
		mean = float64(h.wait)
	}
	mean *= priorityWait[it.w.Priority]
	if it.visits[st.ID] > 1 {
		mean *= 0.5 // work that comes back is usually picked up faster
	}
	d := time.Duration(s.rng.ExpFloat64() * mean)
	return max(d, time.Minute)
}

func (s *sim) cycle(it *item, st *svcflow.Step) time.Duration {
	share := habits[st.ID].waitShare
	if share == 0 {
		share = 0.35
	}
	d := time.Duration(float64(targetWork(st)) * (1 - share) * 0.8 * s.lognormal(0.6))
	return max(d, 2*time.Minute)
}

// next plans what the teams working an item do next, from its state.
func (s *sim) next(it *item) {
	it.gen++
	w := it.w
	if w.Status.IsFinal() || w.Visit == nil {
		return
	}
	v := w.Visit
	st := it.stream.Step(v.Step)
	if st == nil {
		return
	}
	switch {
	case w.Kind == svcflow.KindImprovement && v.Step == desk.StepMeasuring:
		return // the register's job measures it and completes the step
	case st.Approval != nil:
		if it.decideAt.IsZero() {
			it.decideAt = s.later(it, s.now, s.approvalDelay(st))
		}
		s.at(it, trackWork, it.decideAt, func() error { return s.decide(it, st) })
	case v.State == svcflow.Queued:
		if it.startAt.IsZero() {
			it.startAt = s.later(it, s.now, s.queueWait(it, st))
		}
		s.at(it, trackWork, it.startAt, func() error { return s.pickUp(it) })
	case v.State == svcflow.Blocked:
		if it.holdReason == svcflow.HoldAwaitingChange {
			if !s.childrenDone(it) {
				return // the child's progress calls next again
			}
			if it.resumeAt.IsZero() {
				it.resumeAt = s.later(it, s.now, s.between(20*time.Minute, 3*time.Hour))
				it.resumeOff = 0
			}
		}
		if !it.replyAt.IsZero() {
			s.at(it, trackWork, it.replyAt, func() error { return s.reply(it) })
			return
		}
		if it.resumeAt.IsZero() {
			it.resumeAt = s.later(it, s.now, time.Hour)
		}
		s.at(it, trackWork, it.resumeAt, func() error { return s.resume(it) })
	default: // active
		if len(it.plan) == 0 {
			s.plan(it, st)
		}
		m := it.plan[0]
		s.at(it, trackWork, s.later(it, it.planFrom, m.off-it.planOff), func() error { return s.do(it, st) })
	}
}

// childrenDone reports whether every item the visit waits for reached value.
func (s *sim) childrenDone(it *item) bool {
	for _, id := range it.w.Visit.Waiting {
		c := s.items[id]
		if c == nil || c.w.ValueReached.IsZero() {
			return false
		}
	}
	return true
}

// agent picks who in a team takes the work: often whoever worked it for
// that team before, otherwise anyone in the team.
func (s *sim) agent(it *item, team string) *svcflow.Person {
	if p := it.owners[team]; p != nil && s.chance(0.7) {
		return p
	}
	if as := s.dir.agents(team); len(as) > 0 {
		return pick(s.rng, as)
	}
	return s.dir.manager // a team without agents: the manager steps in
}

func (s *sim) owner(it *item) *svcflow.Person {
	if p := s.dir.byID[it.w.Visit.Person]; p != nil {
		return p
	}
	return s.dir.manager
}

// pickUp starts a queued visit. Escalated work may first be assigned by
// the manager, and a report of something already reported is closed as a
// duplicate.
func (s *sim) pickUp(it *item) error {
	it.startAt = time.Time{}
	v := it.w.Visit
	if p := s.dir.byID[v.Person]; p != nil {
		return s.act(it, p, svcflow.Start{}) // assigned: the assignee starts
	}
	team := v.Team
	p := s.agent(it, team)
	if it.escalated && !it.assigned && s.chance(0.5) {
		// The manager dispatches escalated work to a named specialist,
		// who picks it up shortly after.
		it.assigned, it.owners[team] = true, p
		it.startAt = s.later(it, s.now, s.between(5*time.Minute, 45*time.Minute))
		return s.act(it, s.dir.manager, svcflow.Assign{Person: p.ID})
	}
	if it.dupOf != "" {
		of := it.dupOf
		it.dupOf = ""
		if err := s.comment(it, p, "Already reported in "+of+"; we'll keep you updated there.", true); err != nil {
			return err
		}
		return s.act(it, p, svcflow.Duplicate{Of: of})
	}
	it.owners[team] = p
	return s.act(it, p, svcflow.Start{})
}

// plan decides what the owner of a just-started visit will do, and when.
func (s *sim) plan(it *item, st *svcflow.Step) {
	v := it.w.Visit
	it.planFrom, it.planOff = s.now, 0
	cyc := s.cycle(it, st)
	var plan []move
	add := func(frac float64, m move) {
		m.off = time.Duration(frac * float64(cyc))
		plan = append(plan, m)
	}
	if len(v.Waiting) > 0 && !s.childrenDone(it) {
		// Cascading streams: park the visit until the spawned work is live.
		add(0.05, move{kind: moveComment, text: "Raised the fix as " + v.Waiting[0] + "; waiting for it to go live."})
		add(0.1, move{kind: movePause, text: svcflow.HoldAwaitingChange})
		it.plan = plan
		return
	}
	h := habits[st.ID]
	user := it.reactor != nil
	if st.ID == "investigate" && it.w.Kind == svcflow.KindQuery && s.chance(0.6) {
		add(0.1, move{kind: moveReclassify})
	}
	if st.ID == "investigate" && it.w.Urgency > 1 && s.chance(0.06) {
		add(0.15, move{kind: moveUpdate})
	}
	if user && s.chance(h.reply) {
		add(0.12, move{kind: moveComment, text: pick(s.rng, agentReplies), public: true})
	}
	if s.chance(h.note) {
		add(0.3, move{kind: moveComment, text: pick(s.rng, internalNotes)})
	}
	escalate := !it.escalated && it.w.Visit.Team != "security" && (st.ID == "investigate" && it.w.Category == "security" || s.chance(h.escalate))
	switch {
	case escalate && st.ID == "investigate":
		add(0.2, move{kind: moveEscalate, text: "security"})
		it.plan = plan
		return
	case escalate && h.escalateTo != "" && h.escalateTo != v.Team:
		add(0.3, move{kind: moveEscalate, text: h.escalateTo})
		it.plan = plan
		return
	}
	if p := h.swarm * map[svcflow.Priority]float64{svcflow.P1: 1, svcflow.P2: 0.5}[it.w.Priority]; s.chance(p) {
		helpers := s.swarmers(v.Person)
		n := 1 + s.rng.IntN(2)
		for i := 0; i < n && i < len(helpers); i++ {
			add(0.15+0.05*float64(i), move{kind: moveSwarm, who: helpers[i]})
			add(0.8+0.05*float64(i), move{kind: moveLeave, who: helpers[i]})
		}
	}
	if s.chance(h.hold) {
		if h.vendor > 0 && s.chance(h.vendor) || !user {
			s.vendor++
			add(0.5, move{kind: moveLink, text: fmt.Sprintf("VND-%d", 40000+s.vendor)})
			add(0.5, move{kind: movePause, text: svcflow.HoldAwaitingVendor})
		} else {
			add(0.5, move{kind: moveComment, text: pick(s.rng, askRequester), public: true})
			add(0.5, move{kind: movePause, text: svcflow.HoldAwaitingRequester})
		}
	}
	var tasks []string
	for _, a := range st.Actions {
		for _, t := range a.Tasks {
			if st.RequireTasks || s.chance(h.tasks) {
				tasks = append(tasks, t.ID)
			}
		}
	}
	for i, t := range tasks {
		add(0.2+0.7*float64(i+1)/float64(len(tasks)+1), move{kind: moveTask, text: t})
	}
	add(1, move{kind: moveComplete})
	slices.SortStableFunc(plan, func(a, b move) int { return int(a.off - b.off) })
	it.plan = plan
}

// swarmers are specialists from other teams who join a P1 or P2.
func (s *sim) swarmers(owner string) []*svcflow.Person {
	var out []*svcflow.Person
	for _, team := range []string{"infrastructure-ops", "development", "application-support", "security"} {
		for _, p := range s.dir.agents(team) {
			if p.ID != owner && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	s.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// do carries out the next move of the active visit's plan.
func (s *sim) do(it *item, st *svcflow.Step) error {
	m := it.plan[0]
	it.plan = it.plan[1:]
	owner := s.owner(it)
	switch m.kind {
	case moveComment:
		return s.comment(it, owner, m.text, m.public)
	case moveTask:
		return s.act(it, owner, svcflow.DoTask{Task: m.text})
	case moveLink:
		return s.act(it, owner, svcflow.AddLink{Type: svcflow.LinkVendorTicket, Other: m.text})
	case movePause:
		it.holdReason, it.resumeOff = m.text, m.off
		switch m.text {
		case svcflow.HoldAwaitingRequester:
			it.replyAt = s.later(it, s.now, s.between(20*time.Minute, 12*time.Hour))
			it.resumeAt = s.later(it, it.replyAt, s.between(5*time.Minute, 2*time.Hour))
		case svcflow.HoldAwaitingVendor:
			it.resumeAt = s.later(it, s.now, s.between(2*time.Hour, 20*time.Hour))
		}
		return s.act(it, owner, svcflow.Pause{Reason: m.text})
	case moveSwarm:
		return s.act(it, owner, svcflow.Swarm{Person: m.who.ID})
	case moveLeave:
		return s.act(it, m.who, svcflow.Swarm{Person: m.who.ID, Leave: true})
	case moveEscalate:
		it.plan, it.escalated = nil, true
		return s.act(it, owner, svcflow.Escalate{Team: m.text, Reason: "needs " + m.text})
	case moveReclassify:
		return s.act(it, owner, svcflow.Reclassify{Kind: svcflow.KindIncident})
	case moveUpdate:
		u := it.w.Urgency - 1
		return s.act(it, owner, svcflow.Update{Urgency: &u})
	case moveComplete:
		it.plan = nil
		return s.act(it, owner, svcflow.Complete{Outcome: s.outcome(it, st)})
	}
	return fmt.Errorf("demo: unknown move %d", m.kind)
}

// outcome chooses how a step completes: the stream's own probabilities,
// a few demo-specific shares, and no more than one loop back per step.
func (s *sim) outcome(it *item, st *svcflow.Step) string {
	choices := st.ChoosableOutcomes()
	if len(choices) == 0 {
		return ""
	}
	if o, ok := it.force[st.ID]; ok && slices.Contains(choices, o) {
		return o
	}
	ws := make([]float64, len(choices))
	for i, o := range choices {
		t, _ := st.Follow(o)
		ws[i] = t.Probability
		if t.To != svcflow.End && it.visits[t.To] >= 2 {
			ws[i] = 0
		}
		if it.stream.ID == "restore-live-service" && st.ID == "investigate" {
			// 60–70 % of contacts are fixed at the desk; queries nearly all.
			fixed := 0.6
			if it.w.Kind == svcflow.KindQuery {
				fixed = 0.95
			}
			if o == "fixed" {
				ws[i] = fixed
			} else {
				ws[i] = 1 - fixed
			}
		}
	}
	return choices[s.weighted(ws)]
}

func (s *sim) reply(it *item) error {
	it.replyAt = time.Time{}
	return s.comment(it, it.reactor, pick(s.rng, requesterReplies), true)
}

func (s *sim) resume(it *item) error {
	it.resumeAt = time.Time{}
	it.holdReason = ""
	it.planFrom, it.planOff = s.now, it.resumeOff
	return s.act(it, s.owner(it), svcflow.Resume{})
}

// Approvals.

func (s *sim) approvalDelay(st *svcflow.Step) time.Duration {
	switch st.ID {
	case "approve":
		return s.between(30*time.Minute, 10*time.Hour)
	case "review-and-approve": // 004: approval is most of the delay
		return time.Duration(float64(2*time.Hour+30*time.Minute) * s.lognormal(0.7))
	case "authorize", "approve-deployment":
		return s.between(2*time.Hour, 16*time.Hour)
	case "invest-decision":
		return s.between(20*time.Hour, 60*time.Hour)
	case "approved":
		return s.between(5*time.Hour, 30*time.Hour)
	case "authorize-fix":
		return s.between(10*time.Minute, 40*time.Minute)
	}
	return s.between(time.Hour, 8*time.Hour)
}

var rejectShare = map[string]float64{
	"approve": 0.06, "review-and-approve": 0.05, "authorize": 0.1, "invest-decision": 0.15,
	"approved": 0.12, "approve-profile": 0.05,
}

// approvers returns who may decide now: people matching an entry without a
// decision, who have not decided and can see the item. Requesters are
// left out of their own approvals unless nobody else qualifies (a hiring
// manager approves the profile they asked for).
func (s *sim) approvers(it *item, a *svcflow.Approval) []*svcflow.Person {
	v := it.w.Visit
	decided := map[string]bool{}
	for _, dec := range v.Decisions {
		decided[dec.Approver], decided[dec.Person] = true, true
	}
	var own, others []*svcflow.Person
	for _, p := range s.dir.people {
		if decided[p.ID] || p == s.dir.monitoring || p == s.dir.portal || p.Role == svcflow.RoleAdmin {
			continue
		}
		act := p.Actor()
		match := false
		for _, ap := range a.Approvers {
			if decided[ap.String()] {
				continue
			}
			if ap.Role != "" && slices.Contains(act.Roles, ap.Role) || ap.Team != "" && slices.Contains(act.Teams, ap.Team) || ap.Person == p.ID {
				match = true
			}
		}
		if !match || p.Role == svcflow.RoleRequester && !it.w.CanSee(p.ID) {
			continue
		}
		if p.ID == it.w.RequestedBy || p.ID == it.w.RequestedFor {
			own = append(own, p)
		} else {
			others = append(others, p)
		}
	}
	if len(others) > 0 {
		return others
	}
	return own
}

func (s *sim) decide(it *item, st *svcflow.Step) error {
	it.decideAt = time.Time{}
	cands := s.approvers(it, st.Approval)
	if len(cands) == 0 {
		return fmt.Errorf("demo: nobody in the demo directory may approve step %q of %s", st.ID, it.w.ID)
	}
	p := pick(s.rng, cands)
	if !it.rejected && s.chance(rejectShare[st.ID]) {
		it.rejected = true
		return s.act(it, p, svcflow.Reject{Reason: pick(s.rng, rejectReasons)})
	}
	return s.act(it, p, svcflow.Approve{})
}

// The requester track.

func (s *sim) nextRequester(it *item) {
	it.rgen++
	w := it.w
	if w.Status.IsFinal() {
		return
	}
	if w.Status != svcflow.StatusResolved {
		if !it.cancelAt.IsZero() {
			s.at(it, trackRequester, it.cancelAt, func() error { return s.withdraw(it) })
		}
		return
	}
	switch {
	case it.reactor == nil:
		// Work nobody outside IT confirms is closed by the manager once
		// its stream has reached value.
		if w.ValueReached.IsZero() {
			return
		}
		if it.react == reactNone {
			it.react, it.reactAt = reactAutoClose, s.later(it, s.now, s.between(time.Hour, 2*businessDay))
		}
	case !it.seenResolved.Equal(w.LastResolved):
		it.seenResolved = w.LastResolved
		r := s.rng.Float64()
		switch {
		case !it.reopened && r < 0.05:
			it.react, it.reactAt = reactReopen, s.later(it, s.now, s.between(time.Hour, 15*time.Hour))
		case r < 0.45:
			it.react, it.reactAt = reactFeedback, s.later(it, s.now, s.between(10*time.Minute, 10*time.Hour))
		case r < 0.80:
			it.react, it.reactAt = reactClose, s.later(it, s.now, s.between(30*time.Minute, 2*businessDay))
		default:
			it.react, it.reactAt = reactAutoClose, addBusiness(s.now, 5*businessDay)
		}
	}
	if it.react != reactNone {
		s.at(it, trackRequester, it.reactAt, func() error { return s.respond(it) })
	}
}

// feedbackScores skews satisfaction high, as real surveys do.
var feedbackScores = []float64{0.05, 0.07, 0.13, 0.33, 0.42}

func (s *sim) respond(it *item) error {
	switch r := it.react; r {
	case reactFeedback:
		it.react, it.reactAt = reactClose, s.later(it, s.now, s.between(time.Minute, 8*time.Hour))
		return s.act(it, it.reactor, svcflow.GiveFeedback{Score: 1 + s.weighted(feedbackScores)})
	case reactClose, reactAutoClose:
		it.react = reactNone
		who, reason := it.reactor, "confirmed by the requester"
		if r == reactAutoClose || who == nil {
			who, reason = s.dir.manager, "closed after five business days without reply"
			if it.reactor == nil {
				reason = "work complete"
			}
		}
		return s.act(it, who, svcflow.Close{Reason: reason})
	case reactReopen:
		it.react, it.reopened = reactNone, true
		return s.act(it, it.reactor, svcflow.Reopen{Reason: pick(s.rng, reopenReasons)})
	}
	return nil
}

func (s *sim) withdraw(it *item) error {
	it.cancelAt = time.Time{}
	return s.act(it, it.reactor, svcflow.Cancel{Reason: "no longer needed"})
}

// Talking to the desk.

func (s *sim) act(it *item, who *svcflow.Person, cmd svcflow.Command) error {
	v, err := s.d.Act(s.ctx, who, it.w.ID, it.w.Version, cmd)
	if err != nil {
		return fmt.Errorf("demo: %s on %s by %s at %s: %w", svcflow.CommandName(cmd), it.w.ID, who.ID, s.now.Format(time.RFC3339), err)
	}
	s.commands++
	return s.update(it, v.Item)
}

func (s *sim) comment(it *item, who *svcflow.Person, body string, public bool) error {
	v, _, err := s.d.PostComment(s.ctx, who, it.w.ID, it.w.Version, body, public)
	if err != nil {
		return fmt.Errorf("demo: comment on %s by %s at %s: %w", it.w.ID, who.ID, s.now.Format(time.RFC3339), err)
	}
	s.commands++
	return s.update(it, v.Item)
}

// open opens new work and starts following it.
func (s *sim) open(who *svcflow.Person, in desk.OpenInput, reactor *svcflow.Person) (*item, error) {
	if in.Description == "" {
		in.Description = pick(s.rng, descriptions)
	}
	v, err := s.d.Open(s.ctx, who, in)
	if err != nil {
		return nil, fmt.Errorf("demo: open %s %q for %s at %s: %w", in.Kind, in.Title, who.ID, s.now.Format(time.RFC3339), err)
	}
	s.commands++
	it := s.track(v.Item, reactor)
	if it.reactor != nil && v.Item.Kind == svcflow.KindServiceRequest && s.chance(0.03) {
		it.cancelAt = s.later(it, s.now, s.between(30*time.Minute, 6*time.Hour))
	}
	return it, s.update(it, v.Item)
}

// track registers an item the generator will move on.
func (s *sim) track(w *svcflow.WorkItem, reactor *svcflow.Person) *item {
	it := &item{stream: s.streams[w.Stream], reactor: reactor, visits: map[string]int{}, owners: map[string]*svcflow.Person{}}
	s.items[w.ID] = it
	s.order = append(s.order, it)
	return it
}

func visitKey(w *svcflow.WorkItem) string {
	if w == nil || w.Visit == nil {
		return ""
	}
	return w.Visit.Step + "@" + w.Visit.Entered.String()
}

// update takes the item's new state from the desk, follows any spawned
// work, and plans both tracks again.
func (s *sim) update(it *item, w *svcflow.WorkItem) error {
	old := it.w
	it.w = w
	if visitKey(old) != visitKey(w) {
		it.startAt, it.decideAt, it.resumeAt, it.replyAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		it.plan, it.escalated, it.assigned, it.holdReason = nil, false, false, ""
		if w.Visit != nil {
			it.visits[w.Visit.Step]++
		}
	}
	for _, l := range w.Links {
		if l.Type != svcflow.LinkSpawned || s.items[l.Other] != nil {
			continue
		}
		v, err := s.d.Item(s.ctx, s.dir.manager, l.Other)
		if err != nil {
			return fmt.Errorf("demo: load %s spawned by %s: %w", l.Other, w.ID, err)
		}
		child := s.track(v.Item, nil)
		child.parent = w.ID
		if err := s.update(child, v.Item); err != nil {
			return err
		}
	}
	s.next(it)
	s.nextRequester(it)
	if it.parent != "" && !w.ValueReached.IsZero() {
		if p := s.items[it.parent]; p != nil && p.w.Visit != nil && slices.Contains(p.w.Visit.Waiting, w.ID) {
			s.next(p)
		}
	}
	return nil
}
