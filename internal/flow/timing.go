package flow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// chooseTiming returns the timing kind Measure uses. Left to the log, a
// lifecycle column counts only when some event starts work: a log whose
// every event is "complete" (common in XES exports) carries no more than
// completion timing, and reading it as lifecycle would report every visit
// as all wait.
func chooseTiming(l *eventlog.Log, t Timing) (Timing, error) {
	switch t {
	case TimingLifecycle:
		if l.Phase == nil && l.Start == nil {
			return "", fmt.Errorf("lifecycle timing needs a lifecycle column or start times; the log has neither")
		}
		return t, nil
	case TimingCompletion, TimingState:
		return t, nil
	}
	if l.Start != nil && l.Phase == nil {
		return TimingLifecycle, nil
	}
	if slices.ContainsFunc(l.Phase, func(p eventlog.Phase) bool {
		return p == eventlog.PhaseStart || p == eventlog.PhaseSchedule || p == eventlog.PhaseAssign
	}) {
		return TimingLifecycle, nil
	}
	return TimingCompletion, nil
}

// stateClasses maps each activity string of l to its class for state
// timing, or an error listing every state the mapping leaves out.
func stateClasses(l *eventlog.Log, states map[string]StateClass) ([]int8, error) {
	cls := make([]int8, len(l.Strings))
	for i := range cls {
		cls[i] = -1
	}
	var missing []string
	for _, a := range l.Activity {
		if cls[a] >= 0 {
			continue
		}
		c, ok := states[l.Strings[a]]
		if !ok {
			cls[a] = stNone
			missing = append(missing, l.Strings[a])
			continue
		}
		cls[a] = classState(c)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		missing = slices.Compact(missing)
		q := make([]string, len(missing))
		for i, m := range missing {
			q[i] = fmt.Sprintf("%q", m)
		}
		return nil, fmt.Errorf("the states mapping does not classify %d state(s) of the log: %s", len(missing), strings.Join(q, ", "))
	}
	return cls, nil
}

// The states of a visit (and of a segment of one).
const (
	stQueued int8 = iota
	stActive
	stBlocked
	stDone
	stNone // unmapped
)

func classState(c StateClass) int8 {
	switch c {
	case StateQueued:
		return stQueued
	case StateActive:
		return stActive
	case StateBlocked:
		return stBlocked
	}
	return stDone
}
