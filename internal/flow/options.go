package flow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// Timing is how times in a log become visits (SPEC §3).
type Timing string

// The timing kinds.
const (
	// TimingLifecycle reads XES lifecycle transitions (or start and
	// complete times on each row).
	TimingLifecycle Timing = "lifecycle"
	// TimingCompletion takes each event as the completion of its activity.
	TimingCompletion Timing = "completion"
	// TimingState takes each event as entering a state named by its
	// activity, classified by Options.States.
	TimingState Timing = "state"
)

// StateClass is what a state of a state-timed log means for flow.
type StateClass string

// The state classes.
const (
	StateQueued  StateClass = "queued"
	StateActive  StateClass = "active"
	StateBlocked StateClass = "blocked"
	StateDone    StateClass = "done"
)

// Windows for the time series.
const (
	WindowDay   = "day"
	WindowWeek  = "week"
	WindowMonth = "month"
)

// Options say how Measure reads a log. The zero value measures with the
// timing the log supports, a weekly series in UTC and case_duration as the
// item time.
type Options struct {
	// Timing is "" to choose from the log: lifecycle when it has lifecycle
	// phases that include a start, or start times on its rows; completion
	// otherwise.
	Timing Timing
	// States classifies each state (log activity) for state timing, where
	// it is required.
	States map[string]StateClass
	// ResolvedActivities are the activities whose first occurrence in a
	// case resolves it; item time is then time_to_resolve, else
	// case_duration.
	ResolvedActivities []string
	// ResolvedOptional accepts a log in which no event has a resolved
	// activity yet (a live store before its first resolution): every case
	// is then unresolved, where a file gets an error that catches a
	// misspelt --resolved-activity.
	ResolvedOptional bool
	// ValueActivities mark when an item reached value (svcflow's "value");
	// with them the report gives stream_lead_time.
	ValueActivities []string
	// EndedActivities end a case that was never resolved (svcflow's
	// "cancelled"): when one is a case's last event, it is not open, so it
	// leaves the backlog.
	EndedActivities []string
	// ScoreAttr names the event attribute holding satisfaction scores
	// (1-5); "" means "score" when the log has it.
	ScoreAttr string
	// Window is day, week (the default; weeks start on Monday) or month.
	Window string
	// Location places window boundaries and business hours; nil is UTC.
	Location *time.Location
	// TeamAttr names the event (or case) attribute holding the team that
	// works a visit. "" means "org:group" when the log has it; without a
	// team attribute, each resource is its own team.
	TeamAttr string
	// KindAttr names the case (or event) attribute holding the kind of
	// work for the flow distribution. "" means "kind" when the log has it.
	KindAttr string
	// SLATargets is the resolution target per value of SLAAttr; the key ""
	// applies to cases whose value has no target of its own.
	SLATargets map[string]time.Duration
	// SLAAttr names the case (or event) attribute that selects the target,
	// such as "priority".
	SLAAttr string
	// GroupBy names case (or event) attributes to break item times down by.
	GroupBy []string
	// BusinessHours is when people are available for team utilization;
	// nil is Monday to Friday, 09:00 to 17:00 in Location.
	BusinessHours *BusinessHours
	// AsOf is "now" for open cases, in nanoseconds since the Unix epoch;
	// 0 is the time of the last event. A time before the last event is
	// taken as the last event.
	AsOf int64
	// LittleFrom and LittleTo bound the Little's Law check window [a, b];
	// 0 is the first (last) event.
	LittleFrom, LittleTo int64
	// TopPersons limits the persons listed under utilization, by busy time
	// (0 lists 20).
	TopPersons int
}

// BusinessHours is a weekly working time: the same hours on each working
// day, in the Location of the Options.
type BusinessHours struct {
	Days  []time.Weekday
	Start time.Duration // since midnight
	End   time.Duration // since midnight, after Start, at most 24h
}

// DefaultBusinessHours is Monday to Friday, 09:00 to 17:00.
func DefaultBusinessHours() *BusinessHours {
	return &BusinessHours{
		Days:  []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		Start: 9 * time.Hour,
		End:   17 * time.Hour,
	}
}

// String gives the hours as "Mon-Fri 09:00-17:00" or a day list.
func (h *BusinessHours) String() string {
	days := slices.Clone(h.Days)
	slices.Sort(days)
	days = slices.Compact(days)
	var names []string
	for _, d := range days {
		names = append(names, d.String()[:3])
	}
	ds := strings.Join(names, ",")
	if len(days) == 5 && days[0] == time.Monday && days[4] == time.Friday {
		ds = "Mon-Fri"
	} else if len(days) == 7 {
		ds = "Mon-Sun"
	}
	clock := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return ds + " " + clock(h.Start) + "-" + clock(h.End)
}

func (h *BusinessHours) validate() error {
	if h.Start < 0 || h.End > 24*time.Hour || h.End <= h.Start {
		return fmt.Errorf("business hours %v to %v: want 0 ≤ start < end ≤ 24h", h.Start, h.End)
	}
	for _, d := range h.Days {
		if d < time.Sunday || d > time.Saturday {
			return fmt.Errorf("business hours: %d is not a weekday", d)
		}
	}
	return nil
}

func (o *Options) validate() error {
	switch o.Timing {
	case "", TimingLifecycle, TimingCompletion, TimingState:
	default:
		return fmt.Errorf("timing %q: want lifecycle, completion or state", o.Timing)
	}
	if o.Timing == TimingState && len(o.States) == 0 {
		return fmt.Errorf("state timing needs a states mapping (state: queued | active | blocked | done)")
	}
	for s, c := range o.States {
		if !c.valid() {
			return fmt.Errorf("state %q: class %q: want queued, active, blocked or done", s, c)
		}
	}
	switch o.Window {
	case "", WindowDay, WindowWeek, WindowMonth:
	default:
		return fmt.Errorf("window %q: want day, week or month", o.Window)
	}
	for k, d := range o.SLATargets {
		if d <= 0 {
			return fmt.Errorf("SLA target for %q is %v: want a positive duration", k, d)
		}
	}
	if o.BusinessHours != nil {
		if err := o.BusinessHours.validate(); err != nil {
			return err
		}
	}
	if o.LittleFrom != 0 && o.LittleTo != 0 && o.LittleTo <= o.LittleFrom {
		return fmt.Errorf("Little's Law window ends before it starts")
	}
	return nil
}

func (c StateClass) valid() bool {
	switch c {
	case StateQueued, StateActive, StateBlocked, StateDone:
		return true
	}
	return false
}

// LiveOptions are the options for a log eventlog.ItemLog built from
// svcflow's own events, as of an instant: its resolution and value
// milestones; items may all be open yet.
func LiveOptions(asOf int64) Options {
	return Options{
		ResolvedActivities: []string{eventlog.ActivityResolved},
		ResolvedOptional:   true,
		ValueActivities:    []string{eventlog.ActivityValue},
		EndedActivities:    []string{eventlog.ActivityCancelled},
		AsOf:               asOf,
	}
}
