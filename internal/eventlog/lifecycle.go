package eventlog

import svcflow "github.com/svcflow/svcflow"

// Transition is a transition of the XES standard lifecycle model (the
// lifecycle extension with lifecycle:model "standard").
type Transition string

// The transitions of the standard lifecycle model.
const (
	TransitionSchedule   Transition = "schedule"
	TransitionAssign     Transition = "assign"
	TransitionReassign   Transition = "reassign"
	TransitionStart      Transition = "start"
	TransitionSuspend    Transition = "suspend"
	TransitionResume     Transition = "resume"
	TransitionComplete   Transition = "complete"
	TransitionAutoSkip   Transition = "autoskip"
	TransitionManualSkip Transition = "manualskip"
	TransitionWithdraw   Transition = "withdraw"
	TransitionATEAbort   Transition = "ate_abort"
	TransitionPIAbort    Transition = "pi_abort"
	TransitionUnknown    Transition = "unknown"
)

// IsStandard reports whether t is one of the thirteen transitions of the
// standard model. A lifecycle column holding anything else is not a
// lifecycle (SPEC §3) and stays an ordinary attribute.
func (t Transition) IsStandard() bool {
	switch t {
	case TransitionSchedule, TransitionAssign, TransitionReassign, TransitionStart,
		TransitionSuspend, TransitionResume, TransitionComplete, TransitionAutoSkip,
		TransitionManualSkip, TransitionWithdraw, TransitionATEAbort, TransitionPIAbort,
		TransitionUnknown:
		return true
	}
	return false
}

// Lifecycle returns the transition a step event is exported as, and false
// for the events that are not step events (they have no lifecycle).
//
// Entering a step schedules the activity instance and a requeue hands it
// back to a queue (reassign), so tools pair start with complete and see the
// queued time before start as waiting. An exit is ate_abort: the activity
// instance ends without completing while the case goes on.
func Lifecycle(t svcflow.EventType) (Transition, bool) {
	switch t {
	case svcflow.EventStepEntered:
		return TransitionSchedule, true
	case svcflow.EventStepStarted:
		return TransitionStart, true
	case svcflow.EventStepPaused:
		return TransitionSuspend, true
	case svcflow.EventStepResumed:
		return TransitionResume, true
	case svcflow.EventStepRequeued:
		return TransitionReassign, true
	case svcflow.EventStepCompleted:
		return TransitionComplete, true
	case svcflow.EventStepExited:
		return TransitionATEAbort, true
	}
	return "", false
}

// StepEvent returns the step event a transition read from a log stands
// for, the inverse of Lifecycle widened to what other tools write (SPEC §3):
// assign enters like schedule, and pi_abort and withdraw end a visit like
// ate_abort. The skips and unknown have no visit event and return false.
func (t Transition) StepEvent() (svcflow.EventType, bool) {
	switch t {
	case TransitionSchedule, TransitionAssign:
		return svcflow.EventStepEntered, true
	case TransitionReassign:
		return svcflow.EventStepRequeued, true
	case TransitionStart:
		return svcflow.EventStepStarted, true
	case TransitionSuspend:
		return svcflow.EventStepPaused, true
	case TransitionResume:
		return svcflow.EventStepResumed, true
	case TransitionComplete:
		return svcflow.EventStepCompleted, true
	case TransitionATEAbort, TransitionPIAbort, TransitionWithdraw:
		return svcflow.EventStepExited, true
	}
	return "", false
}
