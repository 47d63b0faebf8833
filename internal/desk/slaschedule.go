package desk

import (
	"context"
	"time"

	"github.com/svcflow/svcflow"
)

// SLASchedule is when an item's SLA clocks next need a look, as computed
// for one version of the item under the policies in force: the next
// warning or breach of a running clock, or never (zero Next) when none is
// running. A new version of the item makes it void, and so does any change
// to SLA policies, calendars or organisations, which clears the schedule
// and moves the SLA generation on in the same transaction; schedules
// computed under an older generation are not saved. It lives in the store, not in one instance's
// memory, so that every instance's ticker skips the same items.
type SLASchedule struct {
	Item    string
	Version int
	Next    time.Time
	Due     time.Time // the first due time of its running clocks, zero without one
}

// SLASchedules is how the SLA ticker finds the few items it must look at
// among many.
type SLASchedules interface {
	// SLADue returns at most limit items, open or changed at or after
	// changedSince, that have no schedule for their current version or
	// whose scheduled look is at or before now.
	SLADue(ctx context.Context, now, changedSince time.Time, limit int) ([]*svcflow.WorkItem, error)
	// SLAGeneration counts the changes to SLA inputs (policies, calendars,
	// organisations): each one voids every schedule.
	SLAGeneration(ctx context.Context) (int64, error)
	// ScheduleSLA saves schedules computed under the inputs of generation;
	// when the inputs have changed since, it saves nothing (the schedules
	// may be stale). One for an older version of an item than the one
	// saved already is ignored.
	ScheduleSLA(ctx context.Context, generation int64, s []SLASchedule) error
	// SLASchedules returns the saved schedules of the items among ids that
	// have one, whatever their version.
	SLASchedules(ctx context.Context, ids []string) (map[string]SLASchedule, error)
}

// nextSLALook is the next instant after now at which a running clock of
// st warns or breaches; zero when no clock is running towards one. It is
// not known (false) for an item that did not exist yet at now, as when
// history is replayed.
func nextSLALook(st *svcflow.SLAStatus, now time.Time) (time.Time, bool) {
	var next time.Time
	for _, c := range []svcflow.Clock{st.Response, st.Resolution} {
		if c.State == "" {
			return time.Time{}, false
		}
		if c.Stopped || c.Paused {
			continue
		}
		for _, t := range []time.Time{c.WarnAt, c.Due} {
			if t.After(now) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next, true
}
