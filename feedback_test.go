package svcflow_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

// A stream's feedback sample asks about its share of items, the same
// items wherever it is decided.
func TestAsksFeedbackSample(t *testing.T) {
	share := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		sample *float64
		lo, hi int // asked out of 10,000
	}{
		{nil, 10000, 10000},
		{share(0), 0, 0},
		{share(1), 10000, 10000},
		// 3,000 ± 3 binomial standard deviations (46).
		{share(0.3), 2862, 3138},
	} {
		s := &svcflow.ValueStream{FeedbackSample: tt.sample}
		n := 0
		for i := range 10000 {
			if s.AsksFeedback(fmt.Sprintf("INC-%d", 1001+i)) {
				n++
			}
		}
		if n < tt.lo || n > tt.hi {
			name := "nil"
			if tt.sample != nil {
				name = fmt.Sprint(*tt.sample)
			}
			t.Errorf("sample %s: asked %d of 10000, want %d to %d", name, n, tt.lo, tt.hi)
		}
	}
	s := &svcflow.ValueStream{FeedbackSample: share(0.5)}
	for i := range 100 {
		id := fmt.Sprintf("REQ-%d", i)
		if s.AsksFeedback(id) != s.AsksFeedback(id) {
			t.Fatalf("%s drawn differently twice", id)
		}
	}
}

// The requester is asked once, at the first resolution; a reopened item
// resolved again is not asked twice; an agent's feedback leaves the
// requester's score alone; and a requester's needs a score in range.
func TestFeedbackRequestedOnce(t *testing.T) {
	d := newDesk(t)
	w := d.open("restore-live-service", at(0), svcflow.OpenRequest{Kind: svcflow.KindIncident, RequestedBy: "ursula", Entry: "monitoring"})
	d.do(w.ID, at(1), alice, svcflow.Start{})
	w = d.do(w.ID, at(9), alice, svcflow.Complete{Outcome: "fixed"})
	if !w.FeedbackRequested.Equal(at(9)) {
		t.Fatalf("feedback requested %v, want at the resolution", w.FeedbackRequested)
	}
	d.do(w.ID, at(10), ursula, svcflow.Reopen{Reason: "again"})
	d.do(w.ID, at(11), alice, svcflow.Start{})
	w = d.do(w.ID, at(12), alice, svcflow.Complete{Outcome: "fixed"})
	if n := strings.Count(d.types(w.ID), "feedback_requested"); n != 1 {
		t.Errorf("asked %d times: %s", n, d.types(w.ID))
	}
	if _, err := d.try(w.ID, at(13), ursula, svcflow.GiveFeedback{Score: 6, ID: "FB-1"}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("score 6: %v", err)
	}
	w = d.do(w.ID, at(13), ursula, svcflow.GiveFeedback{Score: 4, ID: "FB-1"})
	w = d.do(w.ID, at(14), alice, svcflow.GiveAgentFeedback{ID: "FB-2"})
	if w.Feedback != 4 {
		t.Errorf("score %d after agent feedback, want the requester's 4", w.Feedback)
	}
	if _, err := d.try(w.ID, at(15), alice, svcflow.GiveAgentFeedback{}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("agent feedback without score or comment: %v", err)
	}
}
