package svcflow

import (
	"slices"
	"time"
)

// VisitTimes is one visit of a work item to a step, measured from its
// events as SPEC §3 defines: wait is queued time, cycle active time,
// blocked paused time, and Lead() = wait + cycle + blocked = end − entered.
type VisitTimes struct {
	Item       string                   `json:"item"`
	Step       string                   `json:"step"`
	Activity   Activity                 `json:"activity"`
	Ordinal    int                      `json:"ordinal"` // 1 for the first visit of the item to this step, 2 for a loop back…
	Entered    time.Time                `json:"entered"`
	Ended      time.Time                `json:"ended,omitzero"` // zero while the visit is open
	Completed  bool                     `json:"completed"`      // ended by step_completed, else by step_exited
	Outcome    string                   `json:"outcome,omitempty"`
	ExitReason string                   `json:"exit_reason,omitempty"`
	Wait       time.Duration            `json:"wait"`
	Cycle      time.Duration            `json:"cycle"`
	Blocked    time.Duration            `json:"blocked"`
	Teams      []string                 `json:"teams,omitempty"`   // every team whose queue the visit was in
	Persons    []string                 `json:"persons,omitempty"` // owners, in order
	Effort     map[string]time.Duration `json:"effort,omitempty"`  // active person-time, swarm included
	Requeues   int                      `json:"requeues,omitempty"`
}

// Lead returns the visit's step lead time.
func (v VisitTimes) Lead() time.Duration { return v.Wait + v.Cycle + v.Blocked }

// IsOpen reports whether the visit has not ended.
func (v VisitTimes) IsOpen() bool { return v.Ended.IsZero() }

// Visits measures every visit in one item's events (in version order).
// Open visits are measured up to asOf when it is later than their last
// event, and left open.
func Visits(events []Event, asOf time.Time) []VisitTimes {
	var out []VisitTimes
	ordinal := map[string]int{}
	var cur *VisitTimes
	var state, pausedFrom VisitState
	var since time.Time
	var owner string
	var swarm []string

	// advance charges the time since the last change to the current state.
	advance := func(t time.Time) {
		if cur == nil || !t.After(since) {
			return
		}
		d := t.Sub(since)
		switch state {
		case Queued:
			cur.Wait += d
		case Active:
			cur.Cycle += d
			for _, p := range append([]string{owner}, swarm...) {
				if p != "" {
					cur.Effort[p] += d
				}
			}
		case Blocked:
			cur.Blocked += d
		}
		since = t
	}
	addTeam := func(team string) {
		if team != "" && !slices.Contains(cur.Teams, team) {
			cur.Teams = append(cur.Teams, team)
		}
	}
	addPerson := func(p string) {
		if p != "" && p != owner {
			owner = p
			if !slices.Contains(cur.Persons, p) {
				cur.Persons = append(cur.Persons, p)
			}
		}
	}
	end := func(e Event) {
		advance(e.Time)
		cur.Ended = e.Time
		if len(cur.Effort) == 0 {
			cur.Effort = nil
		}
		out = append(out, *cur)
		cur = nil
	}
	for _, e := range events {
		if cur != nil && e.Step != cur.Step && e.Type.IsStepEvent() && e.Type != EventStepEntered {
			continue // not this visit's event; a sound log has none
		}
		switch e.Type {
		case EventStepEntered:
			if cur != nil { // a sound log ends a visit first; close it here if not
				end(e)
			}
			ordinal[e.Step]++
			cur = &VisitTimes{Item: e.Item, Step: e.Step, Activity: e.Activity, Ordinal: ordinal[e.Step], Entered: e.Time, Effort: map[string]time.Duration{}}
			state, since, owner, swarm = Queued, e.Time, "", nil
			addTeam(e.Data.Team)
		case EventStepStarted:
			advance(e.Time)
			state = Active
			addPerson(e.Data.Person)
		case EventStepPaused:
			advance(e.Time)
			pausedFrom, state = state, Blocked
		case EventStepResumed:
			advance(e.Time)
			state = pausedFrom
		case EventStepRequeued:
			advance(e.Time)
			state, owner, swarm = Queued, "", nil
			cur.Requeues++
			addTeam(e.Data.Team)
		case EventAssigned:
			if cur != nil {
				advance(e.Time)
				addPerson(e.Data.Person)
				addTeam(e.Data.Team)
			}
		case EventSwarmJoined:
			if cur != nil {
				advance(e.Time)
				swarm = append(swarm, e.Data.Person)
			}
		case EventSwarmLeft:
			if cur != nil {
				advance(e.Time)
				swarm = slices.DeleteFunc(swarm, func(p string) bool { return p == e.Data.Person })
			}
		case EventStepCompleted:
			if cur != nil {
				cur.Completed, cur.Outcome = true, e.Data.Outcome
				end(e)
			}
		case EventStepExited:
			if cur != nil {
				cur.ExitReason = e.Data.Reason
				end(e)
			}
		}
	}
	if cur != nil {
		advance(asOf)
		if len(cur.Effort) == 0 {
			cur.Effort = nil
		}
		out = append(out, *cur)
	}
	return out
}
