package svcflow_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/library"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

// desk runs decisions in memory the way the engine does: one item at a
// time, folding each result, keeping every event.
type desk struct {
	t       *testing.T
	streams []*svcflow.ValueStream
	items   map[string]*svcflow.WorkItem
	events  map[string][]svcflow.Event
	next    int
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &desk{t: t, streams: streams, items: map[string]*svcflow.WorkItem{}, events: map[string][]svcflow.Event{}}
}

func (d *desk) env(stream string, now time.Time, actor svcflow.Actor) svcflow.Env {
	return svcflow.Env{
		Now: now, Actor: actor, Stream: library.ByID(d.streams, stream),
		Streams: func(id string) *svcflow.ValueStream { return library.ByID(d.streams, id) },
		NewID:   func(svcflow.Kind) (string, error) { d.next++; return fmt.Sprintf("WI-%d", d.next), nil },
	}
}

func (d *desk) keep(r svcflow.Result) {
	d.items[r.Item.ID] = r.Item
	d.events[r.Item.ID] = append(d.events[r.Item.ID], r.Events...)
	for _, s := range r.Spawned {
		d.keep(s)
	}
}

func (d *desk) open(stream string, now time.Time, req svcflow.OpenRequest) *svcflow.WorkItem {
	d.t.Helper()
	d.next++
	req.ID = fmt.Sprintf("WI-%d", d.next)
	r, err := svcflow.Open(d.env(stream, now, svcflow.Actor{ID: req.RequestedBy}), req)
	if err != nil {
		d.t.Fatalf("open: %v", err)
	}
	d.keep(r)
	return r.Item
}

func (d *desk) do(id string, now time.Time, actor svcflow.Actor, cmd svcflow.Command) *svcflow.WorkItem {
	d.t.Helper()
	w, err := d.try(id, now, actor, cmd)
	if err != nil {
		d.t.Fatalf("%s on %s: %v", svcflow.CommandName(cmd), id, err)
	}
	return w
}

func (d *desk) try(id string, now time.Time, actor svcflow.Actor, cmd svcflow.Command) (*svcflow.WorkItem, error) {
	w := d.items[id]
	env := d.env(w.Stream, now, actor)
	env.Children = map[string]*svcflow.WorkItem{}
	for _, it := range d.items {
		env.Children[it.ID] = it
	}
	r, err := svcflow.Decide(w, env, cmd)
	if err != nil {
		return nil, err
	}
	d.keep(r)
	return r.Item, nil
}

func (d *desk) types(id string) string {
	var ts []string
	for _, e := range d.events[id] {
		s := string(e.Type)
		if e.Step != "" {
			s += ":" + e.Step
		}
		if e.Type == svcflow.EventStatusChanged {
			s += ":" + e.After
		}
		ts = append(ts, s)
	}
	return strings.Join(ts, " ")
}

var (
	alice   = svcflow.Actor{ID: "alice", Roles: []string{"agent"}, Teams: []string{"service-desk"}}
	bob     = svcflow.Actor{ID: "bob", Roles: []string{"agent"}, Teams: []string{"application-support"}}
	carol   = svcflow.Actor{ID: "carol", Roles: []string{"agent"}, Teams: []string{"infrastructure-ops"}}
	ursula  = svcflow.Actor{ID: "ursula", Roles: []string{"requester"}}
	changeM = svcflow.Actor{ID: "cm", Roles: []string{"agent", "change-manager"}}
)

// TestRestorationWalkthrough drives a query through every step of the
// restoration stream and checks the status and each visit's times against
// the injected clock, including a pause while queued and an escalation.
func TestRestorationWalkthrough(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindQuery, RequestedBy: "ursula", Impact: 2, Urgency: 2})
	if w.Priority != svcflow.P3 || w.Status != svcflow.StatusNew || w.Visit.Step != "register" || w.Visit.State != svcflow.Queued {
		t.Fatalf("after open: %+v %+v", w, w.Visit)
	}
	id := w.ID
	d.do(id, at(2), alice, svcflow.Start{})
	d.do(id, at(5), alice, svcflow.Complete{})                                   // register: wait 2, cycle 3
	d.do(id, at(6), alice, svcflow.Pause{Reason: svcflow.HoldAwaitingRequester}) // paused while queued
	if w := d.items[id]; w.Status != svcflow.StatusOnHold || w.HoldReason != svcflow.HoldAwaitingRequester {
		t.Errorf("pause: status %s %q", w.Status, w.HoldReason)
	}
	d.do(id, at(16), alice, svcflow.Resume{})
	if w := d.items[id]; w.Status != svcflow.StatusInProgress || w.Visit.State != svcflow.Queued {
		t.Errorf("resume returns to the state paused from: %s %s", w.Status, w.Visit.State)
	}
	d.do(id, at(20), alice, svcflow.Start{})
	d.do(id, at(30), alice, svcflow.Reclassify{Kind: svcflow.KindIncident})
	d.do(id, at(35), alice, svcflow.Complete{Outcome: "not_fixed"}) // investigate: wait 1+4, blocked 10, cycle 15
	d.do(id, at(45), bob, svcflow.Start{})
	d.do(id, at(50), bob, svcflow.Escalate{Team: "infrastructure-ops"})
	d.do(id, at(70), carol, svcflow.Start{})
	d.do(id, at(100), carol, svcflow.Complete{}) // obtain-fix: wait 10+20, cycle 5+30
	d.do(id, at(100), carol, svcflow.Start{})
	d.do(id, at(130), carol, svcflow.Complete{}) // deploy-fix
	d.do(id, at(140), alice, svcflow.Start{})
	w = d.do(id, at(150), alice, svcflow.Complete{}) // verify resolves
	if w.Status != svcflow.StatusResolved || !w.FirstResolved.Equal(at(150)) || w.Visit.Step != "feedback" {
		t.Errorf("after verify: %s resolved %v visit %v", w.Status, w.FirstResolved, w.Visit)
	}
	if w.Kind != svcflow.KindIncident {
		t.Errorf("reclassified in place: kind %s", w.Kind)
	}
	d.do(id, at(160), alice, svcflow.Start{})
	d.do(id, at(170), alice, svcflow.Complete{})
	d.do(id, at(180), alice, svcflow.Start{})
	w = d.do(id, at(200), alice, svcflow.Complete{})
	if w.Visit != nil || !w.ValueReached.Equal(at(200)) || w.Status != svcflow.StatusResolved {
		t.Errorf("after improve: visit %v value %v status %s", w.Visit, w.ValueReached, w.Status)
	}
	wantTypes := "created step_entered:register step_started:register status_changed:in_progress step_completed:register " +
		"step_entered:investigate step_paused:investigate status_changed:on_hold step_resumed:investigate status_changed:in_progress " +
		"step_started:investigate reclassified:investigate step_completed:investigate step_entered:obtain-fix " +
		"step_started:obtain-fix step_requeued:obtain-fix step_started:obtain-fix step_completed:obtain-fix " +
		"step_entered:deploy-fix step_started:deploy-fix step_completed:deploy-fix step_entered:verify step_started:verify " +
		"step_completed:verify status_changed:resolved feedback_requested step_entered:feedback step_started:feedback step_completed:feedback " +
		"step_entered:improve step_started:improve step_completed:improve value_reached"
	if got := d.types(id); got != wantTypes {
		t.Errorf("events:\n got %s\nwant %s", got, wantTypes)
	}

	type times struct{ wait, cycle, blocked int }
	want := map[string]times{
		"register": {2, 3, 0}, "investigate": {5, 15, 10}, "obtain-fix": {30, 35, 0},
		"deploy-fix": {0, 30, 0}, "verify": {10, 10, 0}, "feedback": {10, 10, 0}, "improve": {10, 20, 0},
	}
	visits := svcflow.Visits(d.events[id], time.Time{})
	if len(visits) != 7 {
		t.Fatalf("got %d visits, want 7", len(visits))
	}
	for _, v := range visits {
		m := func(x time.Duration) int { return int(x / time.Minute) }
		got := times{m(v.Wait), m(v.Cycle), m(v.Blocked)}
		if got != want[v.Step] {
			t.Errorf("%s: wait/cycle/blocked %v, want %v", v.Step, got, want[v.Step])
		}
		if v.Lead() != v.Ended.Sub(v.Entered) {
			t.Errorf("%s: lead %v != end − entered %v", v.Step, v.Lead(), v.Ended.Sub(v.Entered))
		}
	}
	fix := visits[2]
	if fix.Requeues != 1 || strings.Join(fix.Teams, ",") != "application-support,infrastructure-ops" || strings.Join(fix.Persons, ",") != "bob,carol" {
		t.Errorf("obtain-fix handoff: %+v", fix)
	}
	replayed, err := svcflow.Replay(d.events[id])
	if err != nil || replayed.Version != d.items[id].Version || replayed.Status != svcflow.StatusResolved {
		t.Errorf("replay: %v %+v", err, replayed)
	}
}

func TestFixedGoesStraightToValue(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", Entry: "monitoring"})
	if w.Visit.Step != "investigate" {
		t.Fatalf("monitoring entry: %s", w.Visit.Step)
	}
	d.do(w.ID, at(1), alice, svcflow.Start{})
	w = d.do(w.ID, at(9), alice, svcflow.Complete{Outcome: "fixed"})
	if w.Status != svcflow.StatusResolved || w.Visit != nil || !w.ValueReached.Equal(at(9)) {
		t.Errorf("fixed: %s visit %v value %v", w.Status, w.Visit, w.ValueReached)
	}
	if got := d.types(w.ID); !strings.HasSuffix(got, "step_completed:investigate value_reached status_changed:resolved feedback_requested") {
		t.Errorf("events: %s", got)
	}
	// Closing a resolved item that reached value needs no visit to end.
	w = d.do(w.ID, at(20), ursula, svcflow.Close{})
	if w.Status != svcflow.StatusClosed {
		t.Errorf("close: %s", w.Status)
	}
	if _, err := d.try(w.ID, at(21), alice, svcflow.Reopen{}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("reopen after close: %v", err)
	}
}

func TestReopen(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", Entry: "monitoring"})
	d.do(w.ID, at(1), alice, svcflow.Complete{Outcome: "fixed"})
	w = d.do(w.ID, at(60), ursula, svcflow.Reopen{Reason: "still broken"})
	if w.Status != svcflow.StatusInProgress || w.Visit.Step != "investigate" || w.Reopens != 1 {
		t.Fatalf("reopen: %s %v %d", w.Status, w.Visit, w.Reopens)
	}
	d.do(w.ID, at(70), alice, svcflow.Complete{Outcome: "fixed"})
	w = d.items[w.ID]
	if !w.FirstResolved.Equal(at(1)) || !w.LastResolved.Equal(at(70)) {
		t.Errorf("resolved first %v last %v", w.FirstResolved, w.LastResolved)
	}
	visits := svcflow.Visits(d.events[w.ID], time.Time{})
	if len(visits) != 2 || visits[1].Ordinal != 2 || visits[1].Step != "investigate" {
		t.Errorf("the reopen is a second visit to investigate: %+v", visits)
	}
}

func TestReopenDuringFeedbackExitsTheVisit(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula"})
	for _, step := range []string{"register", "investigate", "obtain-fix", "deploy-fix", "verify"} {
		out := ""
		if step == "investigate" {
			out = "not_fixed"
		}
		if d.items[w.ID].Visit.Step != step {
			t.Fatalf("at %s, want %s", d.items[w.ID].Visit.Step, step)
		}
		d.do(w.ID, at(10), alice, svcflow.Complete{Outcome: out})
	}
	w = d.do(w.ID, at(20), ursula, svcflow.Reopen{})
	if got := d.types(w.ID); !strings.HasSuffix(got, "step_exited:feedback reopened status_changed:in_progress step_entered:investigate") {
		t.Errorf("events: %s", got)
	}
	if v := svcflow.Visits(d.events[w.ID], time.Time{}); v[len(v)-2].ExitReason != svcflow.ExitRerouted {
		t.Errorf("feedback visit exit: %+v", v[len(v)-2])
	}
}

func TestRefusedCommandsChangeNothing(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", Entry: "monitoring"})
	before := d.types(w.ID)
	tests := []struct {
		cmd   svcflow.Command
		actor svcflow.Actor
		code  svcflow.ErrorCode
		want  string
	}{
		{svcflow.Complete{Outcome: "fixd"}, alice, svcflow.ErrInvalid, `did you mean "fixed"?`},
		{svcflow.Complete{}, alice, svcflow.ErrInvalid, "expects one of fixed, not_fixed"},
		{svcflow.Resume{}, alice, svcflow.ErrConflict, "not paused"},
		{svcflow.Pause{}, alice, svcflow.ErrInvalid, "needs a reason"},
		{svcflow.Approve{}, alice, svcflow.ErrConflict, "asks for no approval"},
		{svcflow.Close{}, alice, svcflow.ErrConflict, "only a resolved item"},
		{svcflow.Reopen{}, alice, svcflow.ErrConflict, "only a resolved item"},
		{svcflow.Escalate{Team: "service-desk"}, alice, svcflow.ErrInvalid, "already in the queue"},
		{svcflow.Escalate{}, alice, svcflow.ErrInvalid, "missing team"},
		{svcflow.Reclassify{Kind: svcflow.KindIncident}, alice, svcflow.ErrInvalid, "already a incident"},
		{svcflow.Reclassify{Kind: "bug"}, alice, svcflow.ErrInvalid, "unknown kind"},
		{svcflow.GiveFeedback{Score: 4}, ursula, svcflow.ErrConflict, "after resolution"},
		{svcflow.GiveFeedback{Score: 9}, ursula, svcflow.ErrInvalid, "expected 1 to 5"},
		{svcflow.DoTask{Task: "nope"}, alice, svcflow.ErrInvalid, "has no task"},
		{svcflow.Duplicate{Of: w.ID}, alice, svcflow.ErrInvalid, "another work item"},
		{svcflow.AddLink{Type: "likes", Other: "x"}, alice, svcflow.ErrInvalid, "link type"},
		{svcflow.Swarm{Leave: true}, alice, svcflow.ErrConflict, "not swarming"},
	}
	for _, tt := range tests {
		_, err := d.try(w.ID, at(5), tt.actor, tt.cmd)
		if svcflow.ErrorCodeOf(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %+v: got %v (%s), want %s containing %q", svcflow.CommandName(tt.cmd), tt.cmd, err, svcflow.ErrorCodeOf(err), tt.code, tt.want)
		}
	}
	if after := d.types(w.ID); after != before {
		t.Errorf("refused commands changed the log:\n%s\n%s", before, after)
	}
	d.do(w.ID, at(6), alice, svcflow.Start{})
	if _, err := d.try(w.ID, at(7), alice, svcflow.Start{}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("second start: %v", err)
	}
	d.do(w.ID, at(8), alice, svcflow.Cancel{Reason: "raised by mistake"})
	if _, err := d.try(w.ID, at(9), alice, svcflow.Start{}); err == nil || !strings.Contains(err.Error(), "nothing more can happen") {
		t.Errorf("start after cancel: %v", err)
	}
	if _, err := d.try(w.ID, at(9), alice, svcflow.AddComment{ID: "c1"}); err != nil {
		t.Errorf("comments stay possible after cancel: %v", err)
	}
}

// TestCompletePausedResumesAtSameInstant: SPEC §3.
func TestCompletePausedResumesAtSameInstant(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", Entry: "monitoring"})
	d.do(w.ID, at(1), alice, svcflow.Start{})
	d.do(w.ID, at(3), alice, svcflow.Pause{Reason: svcflow.HoldAwaitingVendor})
	w = d.do(w.ID, at(13), alice, svcflow.Complete{Outcome: "fixed"})
	if !strings.HasSuffix(d.types(w.ID), "step_paused:investigate status_changed:on_hold step_resumed:investigate status_changed:in_progress step_completed:investigate value_reached status_changed:resolved feedback_requested") {
		t.Errorf("events: %s", d.types(w.ID))
	}
	v := svcflow.Visits(d.events[w.ID], time.Time{})[0]
	if v.Wait != time.Minute || v.Cycle != 2*time.Minute || v.Blocked != 10*time.Minute {
		t.Errorf("times %v %v %v", v.Wait, v.Cycle, v.Blocked)
	}
}

func TestSwarmEffort(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", Entry: "monitoring"})
	d.do(w.ID, at(0), alice, svcflow.Start{})
	d.do(w.ID, at(10), bob, svcflow.Swarm{})
	d.do(w.ID, at(15), carol, svcflow.Swarm{})
	d.do(w.ID, at(20), bob, svcflow.Swarm{Leave: true})
	d.do(w.ID, at(30), alice, svcflow.Complete{Outcome: "fixed"})
	v := svcflow.Visits(d.events[w.ID], time.Time{})[0]
	want := map[string]time.Duration{"alice": 30 * time.Minute, "bob": 10 * time.Minute, "carol": 15 * time.Minute}
	for p, e := range want {
		if v.Effort[p] != e {
			t.Errorf("effort of %s: %v, want %v", p, v.Effort[p], e)
		}
	}
	if v.Cycle != 30*time.Minute {
		t.Errorf("cycle %v: effort is reported apart from cycle", v.Cycle)
	}
}

func TestApprovals(t *testing.T) {
	d := newDesk(t)
	w := d.open("service-change", at(0), svcflow.OpenRequest{Kind: svcflow.KindChange, RequestedBy: "ursula", Impact: 2, Urgency: 2})
	d.do(w.ID, at(10), changeM, svcflow.Complete{})
	w = d.items[w.ID]
	if w.Visit.Step != "authorize" {
		t.Fatalf("at %s", w.Visit.Step)
	}
	if _, err := d.try(w.ID, at(11), alice, svcflow.Approve{}); svcflow.ErrorCodeOf(err) != svcflow.ErrForbidden {
		t.Errorf("approval by a non-approver: %v", err)
	}
	if _, err := d.try(w.ID, at(11), changeM, svcflow.Start{}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("starting an approval step: %v", err)
	}
	w = d.do(w.ID, at(70), changeM, svcflow.Approve{})
	if w.Visit.Step != "schedule" {
		t.Errorf("after approval: %s", w.Visit.Step)
	}
	v := svcflow.Visits(d.events[w.ID], time.Time{})[1]
	if v.Step != "authorize" || v.Wait != time.Hour || v.Cycle != 0 || v.Outcome != svcflow.Approved {
		t.Errorf("time awaiting approval is wait: %+v", v)
	}

	// A rejection follows on_reject (back to assess).
	w2 := d.open("service-change", at(0), svcflow.OpenRequest{Kind: svcflow.KindChange, RequestedBy: "ursula"})
	d.do(w2.ID, at(1), changeM, svcflow.Complete{})
	cab := svcflow.Actor{ID: "dave", Teams: []string{"cab"}}
	w2 = d.do(w2.ID, at(2), cab, svcflow.Reject{Reason: "no rollback plan"})
	if w2.Visit.Step != "assess" {
		t.Errorf("after rejection: %s", w2.Visit.Step)
	}

	// A standard change is approved by the engine as it enters.
	w3 := d.open("service-change", at(0), svcflow.OpenRequest{Kind: svcflow.KindChange, Category: "standard", RequestedBy: "ursula"})
	w3 = d.do(w3.ID, at(5), changeM, svcflow.Complete{})
	if w3.Visit.Step != "schedule" || !strings.Contains(d.types(w3.ID), "approval_requested:authorize approval_decided:authorize step_completed:authorize") {
		t.Errorf("auto-approval: at %s, %s", w3.Visit.Step, d.types(w3.ID))
	}
}

func TestAutomatedSteps(t *testing.T) {
	d := newDesk(t)
	w := d.open("password-reset", at(0), svcflow.OpenRequest{Kind: svcflow.KindServiceRequest, Category: "password-reset", RequestedBy: "ursula", Entry: "self_service"})
	if w.Visit != nil || w.Status != svcflow.StatusResolved || !w.ValueReached.Equal(at(0)) {
		t.Fatalf("self-service reset should run to value at once: %s %v", w.Status, w.Visit)
	}
	for _, e := range d.events[w.ID] {
		if (e.Type == svcflow.EventStepStarted || e.Type == svcflow.EventStepCompleted) && e.Actor != svcflow.SystemActor {
			t.Errorf("%s by %s, want system", e.Type, e.Actor)
		}
	}
}

// TestSpawnWaitsForValue: the problem stream raises a change and cannot
// complete that step until the change reaches value.
func TestSpawnWaitsForValue(t *testing.T) {
	d := newDesk(t)
	p := d.open("problem-fix", at(0), svcflow.OpenRequest{Kind: svcflow.KindProblem, RequestedBy: "alice"})
	d.do(p.ID, at(1), alice, svcflow.Complete{})
	d.do(p.ID, at(2), alice, svcflow.Complete{Outcome: "root_cause_found"})
	p = d.do(p.ID, at(3), alice, svcflow.Complete{Outcome: "permanent_fix"})
	if p.Visit.Step != "raise-fix" || len(p.Visit.Waiting) != 1 {
		t.Fatalf("at %s waiting %v", p.Visit.Step, p.Visit.Waiting)
	}
	child := d.items[p.Visit.Waiting[0]]
	if child == nil || child.Kind != svcflow.KindChange || child.Stream != "service-change" || child.Links[0] != (svcflow.Link{Type: svcflow.LinkSpawnedBy, Other: p.ID}) {
		t.Fatalf("spawned child: %+v", child)
	}
	if _, err := d.try(p.ID, at(4), alice, svcflow.Complete{}); err == nil || !strings.Contains(err.Error(), "waits for") {
		t.Errorf("complete before the change reaches value: %v", err)
	}
	// Run the change to value.
	for i := 0; d.items[child.ID].ValueReached.IsZero() && i < 20; i++ {
		c := d.items[child.ID]
		var cmd svcflow.Command = svcflow.Complete{}
		st := library.ByID(d.streams, "service-change").Step(c.Visit.Step)
		switch {
		case st.Approval != nil:
			cmd = svcflow.Approve{}
		case len(st.Outcomes) > 0:
			cmd = svcflow.Complete{Outcome: st.Outcomes[0]}
		}
		d.do(child.ID, at(10+i), changeM, cmd)
	}
	p = d.do(p.ID, at(40), alice, svcflow.Complete{})
	if p.Visit.Step != "verify-fix" {
		t.Errorf("after the change: %s", p.Visit.Step)
	}
}

func TestRequiredTasks(t *testing.T) {
	d := newDesk(t)
	s := library.ByID(d.streams, "new-hire-onboarding")
	var step *svcflow.Step
	for i := range s.Steps {
		if s.Steps[i].RequireTasks {
			step = &s.Steps[i]
			break
		}
	}
	if step == nil {
		t.Fatal("no step with required tasks in new-hire-onboarding")
	}
	w := d.open("new-hire-onboarding", at(0), svcflow.OpenRequest{Kind: svcflow.KindServiceRequest, Category: "onboarding", RequestedBy: "ursula"})
	for i := 0; d.items[w.ID].Visit.Step != step.ID && i < 10; i++ {
		c := d.items[w.ID]
		st := s.Step(c.Visit.Step)
		var cmd svcflow.Command = svcflow.Complete{}
		if st.Approval != nil {
			cmd = svcflow.Approve{}
		} else if len(st.Outcomes) > 0 {
			cmd = svcflow.Complete{Outcome: st.Outcomes[0]}
		}
		approver := svcflow.Actor{ID: "boss", Roles: []string{"hr-manager", "hiring-manager", "line-manager", "manager"}, Teams: []string{"hr-operations"}}
		d.do(w.ID, at(i+1), approver, cmd)
	}
	if d.items[w.ID].Visit.Step != step.ID {
		t.Fatalf("did not reach %s", step.ID)
	}
	outcome := ""
	if len(step.Outcomes) > 0 {
		outcome = step.Outcomes[0]
	}
	if _, err := d.try(w.ID, at(20), alice, svcflow.Complete{Outcome: outcome}); err == nil || !strings.Contains(err.Error(), "needs every task done") {
		t.Errorf("complete with open tasks: %v", err)
	}
	for _, a := range step.Actions {
		for _, task := range a.Tasks {
			d.do(w.ID, at(21), alice, svcflow.DoTask{Task: task.ID})
		}
	}
	d.do(w.ID, at(22), alice, svcflow.Complete{Outcome: outcome})
}

func TestFeedbackAndDuplicate(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", RequestedFor: "victor", Entry: "monitoring"})
	d.do(w.ID, at(1), alice, svcflow.Complete{Outcome: "fixed"})
	if _, err := d.try(w.ID, at(2), alice, svcflow.GiveFeedback{Score: 5}); svcflow.ErrorCodeOf(err) != svcflow.ErrForbidden {
		t.Errorf("feedback by an agent: %v", err)
	}
	w = d.do(w.ID, at(2), svcflow.Actor{ID: "victor"}, svcflow.GiveFeedback{Score: 4})
	if w.Feedback != 4 {
		t.Errorf("feedback %d", w.Feedback)
	}
	w2 := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula"})
	w2 = d.do(w2.ID, at(3), alice, svcflow.Duplicate{Of: w.ID})
	if w2.Status != svcflow.StatusCancelled || w2.Links[0] != (svcflow.Link{Type: svcflow.LinkDuplicateOf, Other: w.ID}) {
		t.Errorf("duplicate: %s %v", w2.Status, w2.Links)
	}
	if v := svcflow.Visits(d.events[w2.ID], time.Time{}); v[0].ExitReason != svcflow.ExitDuplicate {
		t.Errorf("visit exit %q", v[0].ExitReason)
	}
}

func TestUpdateRecomputesPriority(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", Impact: 3, Urgency: 3})
	one := 1
	w = d.do(w.ID, at(1), alice, svcflow.Update{Impact: &one, Urgency: &one})
	if w.Priority != svcflow.P1 || w.Impact != 1 {
		t.Errorf("priority %s impact %d", w.Priority, w.Impact)
	}
	if _, err := d.try(w.ID, at(2), alice, svcflow.Update{Impact: &one}); err == nil {
		t.Error("an update that changes nothing was accepted")
	}
	four := 4
	if _, err := d.try(w.ID, at(2), alice, svcflow.Update{Urgency: &four}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("urgency 4: %v", err)
	}
}

func TestPriorityMatrix(t *testing.T) {
	want := map[[2]int]svcflow.Priority{
		{1, 1}: "P1", {1, 2}: "P2", {2, 1}: "P2", {1, 3}: "P3", {2, 2}: "P3", {3, 1}: "P3", {2, 3}: "P4", {3, 2}: "P4", {3, 3}: "P5",
	}
	for iu, p := range want {
		got, err := svcflow.DefaultPriorityMatrix.Priority(iu[0], iu[1])
		if err != nil || got != p {
			t.Errorf("impact %d urgency %d: %s %v, want %s", iu[0], iu[1], got, err, p)
		}
	}
	if err := svcflow.DefaultPriorityMatrix.Validate(); err != nil {
		t.Error(err)
	}
}

// TestCancelledSpawnEndsTheWait: a step waiting for a spawned item can
// complete once that item is cancelled; it will never reach value.
func TestCancelledSpawnEndsTheWait(t *testing.T) {
	d := newDesk(t)
	p := d.open("problem-fix", at(0), svcflow.OpenRequest{Kind: svcflow.KindProblem, RequestedBy: "alice"})
	d.do(p.ID, at(1), alice, svcflow.Complete{})
	d.do(p.ID, at(2), alice, svcflow.Complete{Outcome: "root_cause_found"})
	p = d.do(p.ID, at(3), alice, svcflow.Complete{Outcome: "permanent_fix"})
	child := p.Visit.Waiting[0]
	d.do(child, at(4), changeM, svcflow.Cancel{Reason: "fix not needed after all"})
	if p = d.do(p.ID, at(5), alice, svcflow.Complete{}); p.Visit.Step != "verify-fix" {
		t.Errorf("after the cancelled change: %s", p.Visit.Step)
	}
}

// TestReclassifyLinked: in link mode the new incident takes over the
// query's creation time and current visit (its times included); the query
// ends, linked forward.
func TestReclassifyLinked(t *testing.T) {
	d := newDesk(t)
	q := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindQuery, RequestedBy: "ursula"})
	d.do(q.ID, at(5), alice, svcflow.Complete{})
	d.do(q.ID, at(7), alice, svcflow.Start{})
	env := d.env(q.Stream, at(20), alice)
	env.History = d.events[q.ID]
	r, err := svcflow.Decide(d.items[q.ID], env, svcflow.Reclassify{Kind: svcflow.KindIncident, Link: true})
	if err != nil {
		t.Fatal(err)
	}
	d.keep(r)
	if len(r.Spawned) != 1 {
		t.Fatalf("%d new items, want 1", len(r.Spawned))
	}
	inc := r.Spawned[0].Item
	if inc.Kind != svcflow.KindIncident || !inc.Created.Equal(at(0)) || inc.Visit == nil || inc.Visit.Step != "investigate" ||
		inc.Visit.State != svcflow.Active || !inc.Visit.Entered.Equal(at(5)) || inc.Status != svcflow.StatusInProgress {
		t.Errorf("new incident %+v %+v", inc, inc.Visit)
	}
	if inc.Links[0] != (svcflow.Link{Type: svcflow.LinkReclassifiedFrom, Other: q.ID}) {
		t.Errorf("links %v", inc.Links)
	}
	query := d.items[q.ID]
	if query.Status != svcflow.StatusCancelled || query.Visit != nil || query.Links[0].Type != svcflow.LinkReclassifiedTo {
		t.Errorf("query after: %s %v %v", query.Status, query.Visit, query.Links)
	}
	d.do(inc.ID, at(30), alice, svcflow.Complete{Outcome: "fixed"})
	v := svcflow.Visits(d.events[inc.ID], time.Time{})
	if len(v) != 1 || v[0].Wait != 2*time.Minute || v[0].Cycle != 23*time.Minute {
		t.Errorf("the incident's visit keeps the query's times: %+v", v)
	}
}
