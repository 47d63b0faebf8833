package flow

import (
	"fmt"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
)

// outcomeRows is a completion log with a resolution point:
//
//	c1 A alice, resolved alice 09:30, B bob, resolved bob: reopened (B between);
//	   one handoff (alice → bob, after the resolution); rework (resolved again)
//	c2 A alice, resolved alice twice at once (a duplicate, not a reopen): FCR
//	c3 A alice, B bob, A carol (rework), resolved carol: handoffs alice → bob → carol
//	c4 A alice, B alice, resolved alice: FCR
//	c5 A bob, resolved dave: one handoff, resolved by another team
//	c6 A alice: not resolved
var outcomeRows = []string{
	"c1, A, alice, 09:00", "c1, resolved, alice, 09:30", "c1, B, bob, 10:00", "c1, resolved, bob, 10:30",
	"c2, A, alice, 09:00", "c2, resolved, alice, 09:20", "c2, resolved, alice, 09:20",
	"c3, A, alice, 09:00", "c3, B, bob, 09:30", "c3, A, carol, 10:00", "c3, resolved, carol, 10:30",
	"c4, A, alice, 09:00", "c4, B, alice, 09:10", "c4, resolved, alice, 09:40",
	"c5, A, bob, 09:00", "c5, resolved, dave, 09:05",
	"c6, A, alice, 11:00",
}

func TestHandoffsReworkOutcome(t *testing.T) {
	l := metricsLog(t, nil, outcomeRows...)
	m := mustMeasure(t, l, Options{ResolvedActivities: []string{"resolved"}})
	if h := m.Handoffs; h.Count != 4 || h.Items != 3 {
		t.Errorf("handoffs: got %d in %d items, want 4 in 3", h.Count, h.Items)
	}
	eq(t, "transfer rate", m.Handoffs.TransferRate, 4.0/6)
	rw := m.Rework
	if rw.Visits != 2 || rw.Items != 2 || rw.Reopens != 1 || rw.ReopenedItems != 1 {
		t.Errorf("rework: got %+v, want 2 visits, 2 items, 1 reopen in 1 item", rw)
	}
	eq(t, "first-time-right", rw.FirstTimeRight, 3.0/5) // c2, c4, c5 of 5 resolved
	eq(t, "reopen rate", rw.ReopenRate, 1.0/5)
	eq(t, "outcome reopen rate", m.Outcome.ReopenRate, 1.0/5)
	if f := m.Outcome.FCR; f.Count != 2 || f.Of != 5 {
		t.Errorf("FCR: got %d of %d, want 2 of 5 (c2, c4)", f.Count, f.Of)
	}
	if m.DuplicateRows != 1 {
		t.Errorf("duplicate rows: got %d, want 1", m.DuplicateRows)
	}
	if b := m.Outcome.Backlog; b == nil || b.Open != 1 {
		t.Errorf("backlog: got %+v, want c6 open", b)
	}
	if got := stepOf(t, m, "A").ReworkVisits; got != 1 {
		t.Errorf("A rework visits: got %d, want 1", got)
	}
}

func TestFCRTeams(t *testing.T) {
	// No handoff can be seen (the middle visit has no team or person), but
	// the item is resolved by another team than the one that first worked it.
	l := metricsLog(t, nil,
		"c1, A, , 09:00, , org:group=desk",
		"c1, B, , 09:10",
		"c1, resolved, , 09:20, , org:group=network",
		"c2, A, , 09:00, , org:group=desk",
		"c2, resolved, , 09:20, , org:group=desk",
	)
	m := mustMeasure(t, l, Options{ResolvedActivities: []string{"resolved"}})
	if f := m.Outcome.FCR; f.Count != 1 || f.Of != 2 || m.Handoffs.Count != 0 {
		t.Errorf("FCR: got %d of %d with %d handoffs, want 1 of 2 with 0", f.Count, f.Of, m.Handoffs.Count)
	}
}

func TestBacklogGroups(t *testing.T) {
	l := metricsLog(t, nil,
		"c1, New, , 09:00, , @priority=P1",
		"c2, New, , 1d 09:00, , @priority=P2",
		"c3, New, , 5d 09:00, , @priority=P1",
		"c3, Resolved, , 5d 10:00",
		"c4, New, , 40d 09:00",
		"c5, New, , 44d 09:00",
	)
	m := mustMeasure(t, l, Options{Timing: TimingState, States: readStates(t, "states.yaml"), GroupBy: []string{"priority"}})
	// As of day 44 09:00: c1 44 d, c2 43 d, c4 4 d, c5 0 d old; c3 done.
	want := []int{1, 0, 1, 0, 2}
	for i, b := range m.Outcome.Backlog.Buckets {
		if b.Count != want[i] {
			t.Errorf("bucket %s: got %d, want %d", b.Label, b.Count, want[i])
		}
	}
	g := m.Outcome.Groups[0]
	if g.Attribute != "priority" || len(g.Values) != 3 || g.Values[0].Value != "" || g.Values[1].Value != "P1" || g.Values[1].Cases != 2 || g.Values[1].Finished != 1 {
		t.Errorf("groups: got %+v", g)
	}
	eq(t, "P1 mean", g.Values[1].Mean, 3600) // c3 ends in a done state: case_duration 1 h
}

// Where the log says which requesters were asked for feedback, the
// response rate is of those asked: three items resolved, two asked, one
// answered.
func TestSatisfactionResponseRateOfThoseAsked(t *testing.T) {
	x := eventlog.NewItemLog()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, asked := range []bool{true, true, false} {
		id := fmt.Sprintf("INC-%d", 1001+i)
		v := 0
		add := func(typ svcflow.EventType, set func(*svcflow.Event)) {
			v++
			e := svcflow.Event{Item: id, Version: v, Time: t0.Add(time.Duration(v) * time.Minute), Type: typ}
			if set != nil {
				set(&e)
			}
			x.Add(e)
		}
		add(svcflow.EventCreated, func(e *svcflow.Event) { e.Data.Kind, e.Data.Stream = svcflow.KindIncident, "restore" })
		add(svcflow.EventStatusChanged, func(e *svcflow.Event) { e.After = string(svcflow.StatusResolved) })
		if asked {
			add(svcflow.EventFeedbackRequested, nil)
		}
		if i == 0 {
			add(svcflow.EventFeedback, func(e *svcflow.Event) { e.Data.Score = 4 })
		}
	}
	m, err := Measure(x.Build(), LiveOptions(0))
	if err != nil {
		t.Fatal(err)
	}
	s := m.Outcome.Satisfaction
	if s == nil || s.Asked == nil || *s.Asked != 2 || s.Responses != 1 || s.ResponseRate == nil || *s.ResponseRate != 0.5 {
		t.Errorf("satisfaction %+v, want 1 response of 2 asked", s)
	}
}

// A cancelled item is no longer open: it leaves the backlog and breaches
// no SLA while it sits there; an item still in progress stays in it.
func TestCancelledItemsLeaveTheBacklog(t *testing.T) {
	x := eventlog.NewItemLog()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, last := range []svcflow.Status{svcflow.StatusCancelled, svcflow.StatusInProgress} {
		id := fmt.Sprintf("INC-%d", 1001+i)
		x.Add(svcflow.Event{Item: id, Version: 1, Time: t0, Type: svcflow.EventCreated,
			Data: svcflow.EventData{Kind: svcflow.KindIncident, Stream: "restore"}})
		x.Add(svcflow.Event{Item: id, Version: 2, Time: t0.Add(time.Hour), Type: svcflow.EventStatusChanged, After: string(last)})
	}
	l := x.Build()
	opt := LiveOptions(t0.Add(72 * time.Hour).UnixNano())
	m, err := Measure(l, opt)
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Outcome.Backlog; b == nil || b.Open != 1 {
		t.Errorf("backlog %+v, want the one item in progress", b)
	}
	opt.EndedActivities = nil
	m, err = Measure(l, opt)
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Outcome.Backlog; b == nil || b.Open != 2 {
		t.Errorf("without ended activities the backlog is %+v, want both items", b)
	}
}
