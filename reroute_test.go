package svcflow_test

import (
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

// A query that turns out to be a request for something is rerouted to the
// request stream: its visit ends as rerouted, it enters the new stream's
// first step, and from then on follows that stream.
func TestReroute(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindQuery, RequestedBy: "ursula"})
	d.do(w.ID, at(1), alice, svcflow.Start{})
	d.do(w.ID, at(2), alice, svcflow.Complete{})
	for _, tt := range []struct {
		name string
		cmd  svcflow.Reroute
		code svcflow.ErrorCode
	}{
		{"unknown stream", svcflow.Reroute{Stream: "nowhere"}, svcflow.ErrInvalid},
		{"the same stream", svcflow.Reroute{Stream: "restore-live-service"}, svcflow.ErrInvalid},
		{"unknown entry", svcflow.Reroute{Stream: "request-fulfilment", Entry: "side-door"}, svcflow.ErrInvalid},
	} {
		if _, err := d.try(w.ID, at(3), alice, tt.cmd); svcflow.ErrorCodeOf(err) != tt.code {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
	w = d.do(w.ID, at(5), alice, svcflow.Reroute{Stream: "request-fulfilment", Reason: "a request for a new licence"})
	rf := d.streams[0]
	for _, s := range d.streams {
		if s.ID == "request-fulfilment" {
			rf = s
		}
	}
	if w.Stream != "request-fulfilment" || w.StreamRevision != rf.Revision || w.Visit == nil || w.Visit.Step != rf.Steps[0].ID {
		t.Fatalf("after the reroute: stream %s@%d at %+v; want request-fulfilment@%d at %s", w.Stream, w.StreamRevision, w.Visit, rf.Revision, rf.Steps[0].ID)
	}
	if got := d.types(w.ID); !strings.HasSuffix(got, "step_exited:investigate rerouted step_entered:"+rf.Steps[0].ID) {
		t.Errorf("events: %s", got)
	}
	v := svcflow.Visits(d.events[w.ID], at(6))
	if last := v[len(v)-2]; last.Step != "investigate" || last.ExitReason != svcflow.ExitRerouted {
		t.Errorf("the investigate visit ended %+v, want rerouted", last)
	}
	// The item follows its new stream: work starts in its step there.
	if w = d.do(w.ID, at(7), alice, svcflow.Start{}); w.Visit.State != svcflow.Active || w.Visit.Step != rf.Steps[0].ID {
		t.Errorf("after start: %+v", w.Visit)
	}
	if _, err := d.try(w.ID, at(8), alice, svcflow.Reroute{Stream: "restore-live-service"}); err != nil {
		t.Errorf("back to the first stream: %v", err)
	}

	// A rule reroutes as the rule.
	r := &svcflow.Rule{ID: "requests-to-fulfilment", Then: []svcflow.RuleAction{{Reroute: "request-fulfilment"}}}
	plan := r.Plan(svcflow.RuleInput{Item: w}, svcflow.PriorityMatrix{})
	if len(plan) != 1 || plan[0].Action != "reroute" || plan[0].Command != (svcflow.Reroute{Stream: "request-fulfilment", Reason: "rule:requests-to-fulfilment"}) {
		t.Errorf("plan %+v", plan)
	}
}

// ReplayTo gives an item as one of its events left it, and refuses a
// history that stops short of the version asked for.
func TestReplayTo(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindQuery, RequestedBy: "ursula"})
	d.do(w.ID, at(1), alice, svcflow.Start{})
	evs := d.events[w.ID]
	at2, err := svcflow.ReplayTo(evs, 2)
	if err != nil || at2.Version != 2 || at2.Visit == nil || at2.Visit.State != svcflow.Queued {
		t.Errorf("at version 2: %+v, %v; want the queued item", at2, err)
	}
	if _, err := svcflow.ReplayTo(evs[:2], 3); err == nil {
		t.Errorf("a history of 2 events replayed to version 3 without an error")
	}
}
