package cli

import (
	"container/heap"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sim"
	"github.com/svcflow/svcflow/internal/sqlite"
	"github.com/svcflow/svcflow/internal/streamdef"
)

// The simulator and the work engine must agree: the arrivals, priorities,
// durations and routes one simulated run sampled, replayed through the
// real engine (desk over SQLite, under an injected clock), must resolve
// every item at the same instant the simulator did. The engine ranks the
// queues, applies the WIP limits and follows the transitions; the replay
// only supplies what a simulation samples (when work arrives, how long a
// person works on it, which outcome they choose) and how many people each
// team has free.

// agreeStream is a small restoration stream: the service desk logs and
// triages, specialists fix what triage cannot, the desk verifies (which
// resolves, or sends the fix back) and asks for feedback after resolving.
// The desk works four steps, so a full step makes its pulls skip work.
// Each step's target is the mean of its simulated durations (below): the
// engine sizes work by the target, the simulator by the mean, for
// shortest_first, wsjf and aging.
const agreeStream = `schema: svcflow/stream/v1
id: agree
revision: 1
name: Agreement
reopen_to: triage
steps:
  - id: log
    target_lead_time: 3m
    name: Log the call
    activity: engage
    team: desk
    raci: {accountable: lead}
    next: [{to: triage}]
  - id: triage
    target_lead_time: 8m
    name: Triage and try a known fix
    activity: deliver_support
    team: desk
    raci: {accountable: lead}
    outcomes: [fixed, not_fixed]
    next:
      - {when: fixed, to: value, probability: 0.4}
      - {when: not_fixed, to: fix, probability: 0.6}
  - id: fix
    target_lead_time: 30m
    name: Fix it
    activity: obtain_build
    team: specialists
    raci: {accountable: lead}
    next: [{to: verify}]
  - id: verify
    target_lead_time: 5m
    name: Verify with the user
    activity: deliver_support
    team: desk
    resolves: true
    raci: {accountable: lead}
    outcomes: [restored, failed]
    next:
      - {when: restored, to: feedback, probability: 0.8}
      - {when: failed, to: fix, probability: 0.2}
  - id: feedback
    target_lead_time: 2m
    name: Ask for feedback
    activity: engage
    team: desk
    raci: {accountable: lead}
    next: [{to: value}]
`

// agreeDurations are each step's service times, whole seconds drawn
// uniformly, so that every simulated instant is a whole second, exact as
// a float64 and as a time.Time; whole seconds also make instants collide
// (an arrival as a visit ends), which exercises the tie-breaking rules.
var agreeDurations = map[string][]float64{
	"log":      {60, 120, 180, 240, 300},           // 3m on average
	"triage":   {120, 300, 480, 600, 900},          // 8m
	"fix":      {600, 900, 1200, 1800, 2400, 3900}, // 30m
	"verify":   {120, 300, 300, 480},               // 5m
	"feedback": {60, 120, 180},                     // 2m
}

// agreeModel maps the stream to a simulation model: the same steps,
// teams, routes (each with its outcome) and WIP limits, one class of
// incidents arriving every one to twenty-five minutes.
func agreeModel(t *testing.T, s *svcflow.ValueStream, people map[string]int, policy string, prios []sim.PriorityShare, items int) *sim.Model {
	t.Helper()
	m := &sim.Model{Name: s.ID, Replications: 1, Seed: 7}
	for _, team := range []string{"desk", "specialists"} {
		m.Teams = append(m.Teams, sim.Team{ID: team, People: people[team], Policy: policy})
	}
	gaps := []float64{60, 120, 300, 300, 600, 600, 900, 1200, 1500}
	class := sim.Class{ID: "incident", Stream: s.ID, Entry: s.Steps[0].ID, Priority: prios,
		Arrivals: sim.Arrivals{Kind: sim.ArrivalEmpirical, Samples: gaps, Bootstrap: true}}
	for _, st := range s.Steps {
		sum := 0.0
		for _, d := range agreeDurations[st.ID] {
			sum += d
		}
		if mean := sum / float64(len(agreeDurations[st.ID])); time.Duration(mean)*time.Second != st.TargetLeadTime.Estimate() {
			t.Fatalf("step %s: durations average %vs, target %v; the engine and the simulator would size its work differently", st.ID, mean, st.TargetLeadTime.Estimate())
		}
		ss := sim.Step{ID: st.ID, Team: st.Team, WIPLimit: st.WIPLimit, Resolves: st.Resolves,
			Duration: sim.Dist{Kind: sim.DistEmpirical, Samples: agreeDurations[st.ID]}}
		for _, tr := range st.Next {
			ss.Next = append(ss.Next, sim.Route{To: tr.To, Probability: tr.Probability, Outcome: tr.When})
		}
		class.Steps = append(class.Steps, ss)
	}
	m.Work = []sim.Class{class}
	mean := 0.0
	for _, g := range gaps {
		mean += g
	}
	// The horizon lets about the wanted number of items arrive.
	m.Horizon = float64(items) * mean / float64(len(gaps))
	return m
}

// TestSimulatorAgreesWithEngine replays simulated runs of agreeStream
// under each queue policy through the work engine and compares every
// item's resolution.
func TestSimulatorAgreesWithEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a few hundred items through SQLite")
	}
	// Each scenario must show what it is about: a priority queue lets
	// better priorities overtake, a WIP limit makes pulls skip work. The
	// first four are the acceptance's; the others cover every other order
	// the engine offers, and aging, which the simulator ranks by scanning.
	mix := []sim.PriorityShare{{Priority: "P1", Share: 0.15}, {Priority: "P2", Share: 0.2}, {Priority: "P3", Share: 0.4}, {Priority: "P4", Share: 0.15}, {Priority: "P5", Share: 0.1}}
	small := map[string]int{"desk": 2, "specialists": 3}
	limits := map[string]int{"triage": 1, "fix": 3}
	large := map[string]int{"desk": 3, "specialists": 4}
	tests := []struct {
		name      string
		policy    string
		wip       map[string]int // WIP limits by step
		people    map[string]int
		prios     []sim.PriorityShare
		overtakes bool // want some
		skips     bool // want some
	}{
		{name: "fifo", policy: "fifo", people: small},
		{name: "priority", policy: "priority", people: small, prios: mix, overtakes: true},
		{name: "wip-limited", policy: "fifo", wip: limits, people: large, skips: true},
		{name: "priority-wip-limited", policy: "priority", wip: limits, people: large, overtakes: true, skips: true,
			prios: []sim.PriorityShare{{Priority: "P1", Share: 0.2}, {Priority: "P3", Share: 0.5}, {Priority: "P5", Share: 0.3}}},
		{name: "lifo", policy: "lifo", people: small, prios: mix},
		{name: "shortest_first", policy: "shortest_first", people: small, prios: mix, overtakes: true},
		{name: "wsjf", policy: "wsjf", people: small, prios: mix, overtakes: true},
		{name: "entitlement", policy: "entitlement", people: small, prios: mix, overtakes: true},
		{name: "priority-aging", policy: "priority+aging=20m", people: small, prios: mix, overtakes: true},
		{name: "lifo-aging-wip-limited", policy: "lifo+aging=30m", wip: limits, people: large, prios: mix, skips: true},
		{name: "wsjf-aging", policy: "wsjf+aging=1h", people: small, prios: mix, overtakes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := agreeStream
			for step, n := range tt.wip {
				yaml = strings.Replace(yaml, "  - id: "+step+"\n", fmt.Sprintf("  - id: %s\n    wip_limit: %d\n", step, n), 1)
			}
			streams, diags := streamdef.Load(map[string][]byte{"agree.yaml": []byte(yaml)})
			if streamdef.HasErrors(diags) {
				t.Fatal(diags)
			}
			m := agreeModel(t, streams[0], tt.people, tt.policy, tt.prios, 150)
			rep, err := sim.Run(context.Background(), m, sim.RunOptions{Trace: true})
			if err != nil {
				t.Fatal(err)
			}
			simmed := rep.Runs[0].Items
			replayed, skips := replay(t, streams[0], m, simmed)
			checkAgreement(t, simmed, replayed)
			n := overtakes(streams[0], simmed)
			t.Logf("%d items; %d visits started before a worse priority that waited longer; %d pulls skipped items of a full step", len(simmed), n, skips)
			if tt.overtakes && n == 0 {
				t.Errorf("no visit started before one of a worse priority that waited longer; the scenario shows no ranking by priority")
			}
			if tt.skips && skips == 0 {
				t.Errorf("no pull skipped an item of a full step; the scenario shows no WIP limit")
			}
		})
	}
}

// agreeStart is simulated time 0 on the engine's clock.
var agreeStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// replayedItem is an item as the engine left it.
type replayedItem struct {
	id       string
	resolved time.Time // first resolved; zero: not resolved
	value    time.Time // zero: not at value
	started  int       // visits the replay started
}

// replayEvent is one entry of the replay's calendar: an item's arrival,
// or the end of its visit in progress.
type replayEvent struct {
	at   float64
	seq  int
	item int
	done bool
}

// replayCalendar orders events by time, then by the order they were
// scheduled in: the simulator's calendar rule, so that events at the same
// instant happen in the same order in both.
type replayCalendar []replayEvent

func (c replayCalendar) Len() int { return len(c) }
func (c replayCalendar) Less(i, j int) bool {
	return c[i].at < c[j].at || c[i].at == c[j].at && c[i].seq < c[j].seq
}
func (c replayCalendar) Swap(i, j int) { c[i], c[j] = c[j], c[i] }
func (c *replayCalendar) Push(x any)   { *c = append(*c, x.(replayEvent)) }
func (c *replayCalendar) Pop() any {
	old := *c
	e := old[len(old)-1]
	*c = old[:len(old)-1]
	return e
}

// replay runs the simulated items through the work engine. Items are
// opened at their arrival with their priority; whenever a team has a free
// person, it pulls from the team's queue, and the engine chooses what
// starts (rank, WIP limits); the visit lasts what the simulator sampled
// for that item's visit, and completes with the outcome of the route the
// simulator took. The replay fails at once when the engine starts a visit
// the simulator did not start at that instant, naming both. It returns
// the items and how many pulls started one after skipping items of a
// full step.
func replay(t *testing.T, s *svcflow.ValueStream, m *sim.Model, simmed []sim.ItemResult) ([]replayedItem, int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := agreeStart
	d := desk.New(desk.Options{Store: st, Now: func() time.Time { return now }})
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, []*svcflow.ValueStream{s}); err != nil {
		t.Fatal(err)
	}
	people := map[string]int{}
	for _, team := range m.Teams {
		people[team.ID] = team.People
		if err := d.SaveTeam(ctx, nil, &svcflow.Team{ID: team.ID, Name: team.ID, QueuePolicy: team.Policy}); err != nil {
			t.Fatal(err)
		}
	}
	lead := &svcflow.Person{ID: "lead", Name: "Lead", Email: "lead@example.org", Role: svcflow.RoleManager}
	if err := d.SavePerson(ctx, nil, lead); err != nil {
		t.Fatal(err)
	}
	teamOf := map[string]string{}
	for _, step := range s.Steps {
		teamOf[step.ID] = step.Team
	}

	out := make([]replayedItem, len(simmed))
	visit := make([]int, len(simmed)) // the visit in progress, by item
	byID := map[string]int{}
	busy := map[string]int{}
	skips := 0
	var cal replayCalendar
	seq := 0
	schedule := func(at float64, item int, done bool) {
		seq++
		heap.Push(&cal, replayEvent{at: at, seq: seq, item: item, done: done})
	}
	clock := func(sec float64) time.Time { return agreeStart.Add(time.Duration(sec) * time.Second) }

	// dispatch starts work of a team while it has a free person and the
	// engine has an item it may start.
	dispatch := func(team string, sec float64) {
		for busy[team] < people[team] {
			res, err := d.Pull(ctx, lead, team)
			if svcflow.ErrorCodeOf(err) == svcflow.ErrConflict {
				return // nothing waits, or every waiting item's step is full
			}
			if err != nil {
				t.Fatalf("at %vs: pull %s: %v", sec, team, err)
			}
			w := res.View.Item
			i, ok := byID[w.ID]
			if !ok {
				t.Fatalf("at %vs: %s pulled %s, which was never opened", sec, team, w.ID)
			}
			v := simmed[i].Visits[visit[i]]
			if v.Started != sec || v.Step != w.Visit.Step {
				t.Fatalf("at %vs: %s pulled %s (simulated item %d) into %s; the simulator started that visit (to %s) at %vs\n%s",
					sec, team, w.ID, i+1, w.Visit.Step, v.Step, v.Started, simStarts(simmed, sec, team, teamOf))
			}
			if len(res.Skipped) > 0 {
				skips++
			}
			busy[team]++
			out[i].started++
			schedule(sec+v.Duration, i, true)
		}
	}

	// The first arrival of the class, then each arrival schedules the
	// next before its item enters, as in the simulator.
	if len(simmed) > 0 {
		schedule(simmed[0].Arrival, 0, false)
	}
	end := m.WarmUp + m.Horizon
	for cal.Len() > 0 && cal[0].at <= end {
		e := heap.Pop(&cal).(replayEvent)
		now = clock(e.at)
		i := e.item
		if !e.done {
			if i+1 < len(simmed) {
				schedule(simmed[i+1].Arrival, i+1, false)
			}
			view, err := d.Open(ctx, lead, desk.OpenInput{Kind: svcflow.KindIncident, Title: fmt.Sprintf("item %d", i+1),
				Stream: s.ID, Impact: impactOf(simmed[i].Priority), Urgency: urgencyOf(simmed[i].Priority)})
			if err != nil {
				t.Fatalf("at %vs: open item %d: %v", e.at, i+1, err)
			}
			w := view.Item
			if w.Priority != simmed[i].Priority {
				t.Fatalf("item %d opened as %s, simulated as %s", i+1, w.Priority, simmed[i].Priority)
			}
			// Ties in time are broken by name in the engine, by arrival
			// number in the simulator: the two agree while names sort in
			// arrival order, as the engine's do while their numbers have
			// one width (it numbers from 1001).
			if i > 0 && w.ID <= out[i-1].id {
				t.Fatalf("item %d is named %s, after %s: names no longer sort in arrival order", i+1, w.ID, out[i-1].id)
			}
			out[i].id, byID[w.ID] = w.ID, i
			dispatch(teamOf[w.Visit.Step], e.at)
			continue
		}
		v := simmed[i].Visits[visit[i]]
		team := teamOf[v.Step]
		busy[team]--
		view, err := d.Act(ctx, lead, out[i].id, 0, svcflow.Complete{Outcome: v.Outcome})
		if err != nil {
			t.Fatalf("at %vs: complete %s (item %d) in %s with %q: %v", e.at, out[i].id, i+1, v.Step, v.Outcome, err)
		}
		w := view.Item
		visit[i]++
		if v.To != sim.Value {
			if w.Visit == nil || w.Visit.Step != v.To {
				t.Fatalf("at %vs: %s left %s for %v; the simulator went to %s", e.at, w.ID, v.Step, w.Visit, v.To)
			}
			dispatch(teamOf[v.To], e.at)
		}
		dispatch(team, e.at)
	}

	for i := range out {
		view, err := d.Item(ctx, lead, out[i].id)
		if err != nil {
			t.Fatal(err)
		}
		out[i].resolved, out[i].value = view.Item.FirstResolved, view.Item.ValueReached
	}
	return out, skips
}

// simStarts lists the visits of a team's steps the simulator started at an
// instant, to explain a disagreement.
func simStarts(simmed []sim.ItemResult, sec float64, team string, teamOf map[string]string) string {
	var b strings.Builder
	for i, it := range simmed {
		for _, v := range it.Visits {
			if v.Started == sec && teamOf[v.Step] == team {
				fmt.Fprintf(&b, "  simulated: item %d (%s) started %s, entered at %vs\n", i+1, it.Priority, v.Step, v.Entered)
			}
		}
	}
	if b.Len() == 0 {
		return "  simulated: nothing started then"
	}
	return b.String()
}

// impactOf and urgencyOf give a priority's impact and urgency under the
// default matrix (SPEC §5).
func impactOf(p svcflow.Priority) int {
	return map[svcflow.Priority]int{svcflow.P1: 1, svcflow.P2: 1, svcflow.P3: 2, svcflow.P4: 2, svcflow.P5: 3}[p]
}

func urgencyOf(p svcflow.Priority) int {
	return map[svcflow.Priority]int{svcflow.P1: 1, svcflow.P2: 2, svcflow.P3: 2, svcflow.P4: 3, svcflow.P5: 3}[p]
}

// checkAgreement compares the items in arrival order: how many visits
// started, resolved or not and when, at value or not and when.
func checkAgreement(t *testing.T, simmed []sim.ItemResult, replayed []replayedItem) {
	t.Helper()
	resolved := 0
	same := func(i int, what string, simDone bool, simAt float64, got time.Time) {
		r := replayed[i]
		if simDone != !got.IsZero() {
			t.Errorf("item %d (%s): %s %v in the simulator, %v in the engine", i+1, r.id, what, simDone, !got.IsZero())
			return
		}
		if at := got.Sub(agreeStart).Seconds(); simDone && at != simAt {
			t.Errorf("item %d (%s): %s at %vs in the engine, %vs in the simulator", i+1, r.id, what, at, simAt)
		}
	}
	for i, s := range simmed {
		started := 0
		for _, v := range s.Visits {
			if v.Started >= 0 {
				started++
			}
		}
		if started != replayed[i].started {
			t.Errorf("item %d (%s): %d visits started in the simulator, %d in the engine", i+1, replayed[i].id, started, replayed[i].started)
		}
		same(i, "resolved", s.Resolved, s.ResolvedAt, replayed[i].resolved)
		same(i, "at value", s.Done, s.DoneAt, replayed[i].value)
		if s.Resolved {
			resolved++
		}
	}
	if resolved < len(simmed)/2 {
		t.Errorf("only %d of %d items resolved: the scenario is too short to compare", resolved, len(simmed))
	}
}

// overtakes counts the visits that started while an item of a worse
// priority, which had joined the same team's queue earlier, still waited.
func overtakes(s *svcflow.ValueStream, simmed []sim.ItemResult) int {
	teamOf := map[string]string{}
	for _, st := range s.Steps {
		teamOf[st.ID] = st.Team
	}
	type wait struct {
		team          string
		prio          int
		from, started float64 // started < 0: still waiting at the end
	}
	var waits []wait
	for _, it := range simmed {
		for _, v := range it.Visits {
			waits = append(waits, wait{teamOf[v.Step], it.Priority.Rank(), v.Entered, v.Started})
		}
	}
	n := 0
	for _, a := range waits {
		if a.started < 0 {
			continue
		}
		for _, b := range waits {
			if b.team == a.team && b.prio > a.prio && b.from < a.from && (b.started < 0 || b.started > a.started) {
				n++
				break
			}
		}
	}
	return n
}
