package eventlog

import (
	"testing"

	svcflow "github.com/svcflow/svcflow"
)

func TestLifecycle(t *testing.T) {
	tests := []struct {
		typ  svcflow.EventType
		want Transition // "" for events without a lifecycle
	}{
		{svcflow.EventStepEntered, TransitionSchedule},
		{svcflow.EventStepStarted, TransitionStart},
		{svcflow.EventStepPaused, TransitionSuspend},
		{svcflow.EventStepResumed, TransitionResume},
		{svcflow.EventStepRequeued, TransitionReassign},
		{svcflow.EventStepCompleted, TransitionComplete},
		{svcflow.EventStepExited, TransitionATEAbort},
		{svcflow.EventCreated, ""},
		{svcflow.EventStatusChanged, ""},
		{svcflow.EventValueReached, ""},
		{svcflow.EventApprovalGiven, ""},
		{svcflow.EventAssigned, ""},
		{"no_such_event", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			got, ok := Lifecycle(tt.typ)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("got %q %t, want %q", got, ok, tt.want)
			}
			if ok != tt.typ.IsStepEvent() {
				t.Errorf("Lifecycle and IsStepEvent disagree")
			}
			if !ok {
				return
			}
			if !got.IsStandard() {
				t.Errorf("%q is not a standard transition", got)
			}
			if back, ok := got.StepEvent(); back != tt.typ || !ok {
				t.Errorf("the inverse gives %q %t, want %q", back, ok, tt.typ)
			}
		})
	}
}

func TestTransitionStepEvent(t *testing.T) {
	tests := []struct {
		tr       Transition
		standard bool
		want     svcflow.EventType // "" when no step event
	}{
		{TransitionSchedule, true, svcflow.EventStepEntered},
		{TransitionAssign, true, svcflow.EventStepEntered},
		{TransitionReassign, true, svcflow.EventStepRequeued},
		{TransitionStart, true, svcflow.EventStepStarted},
		{TransitionSuspend, true, svcflow.EventStepPaused},
		{TransitionResume, true, svcflow.EventStepResumed},
		{TransitionComplete, true, svcflow.EventStepCompleted},
		{TransitionATEAbort, true, svcflow.EventStepExited},
		{TransitionPIAbort, true, svcflow.EventStepExited},
		{TransitionWithdraw, true, svcflow.EventStepExited},
		{TransitionAutoSkip, true, ""},
		{TransitionManualSkip, true, ""},
		{TransitionUnknown, true, ""},
		{"Complete", false, ""}, // the standard values are lower case
		{"in progress", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.tr), func(t *testing.T) {
			if got := tt.tr.IsStandard(); got != tt.standard {
				t.Errorf("IsStandard: got %t, want %t", got, tt.standard)
			}
			got, ok := tt.tr.StepEvent()
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("StepEvent: got %q %t, want %q", got, ok, tt.want)
			}
		})
	}
}
