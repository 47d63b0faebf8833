package demo

import (
	"sync"
	"time"
)

// Clock is the time source the demo moves while it writes history. Pass
// its Now to desk.Options when building the desk that Seed will use:
//
//	clock := new(demo.Clock)
//	d := desk.New(desk.Options{Store: store, Now: clock.Now})
//
// Outside Seed (before it starts and after it returns) a Clock follows the
// wall clock, so the same desk serves live traffic once the history is
// written. While Seed runs, every caller of Now sees the simulated time;
// serve requests only after Seed has returned.
type Clock struct {
	mu  sync.Mutex
	now time.Time // zero: follow the wall clock
}

// Now returns the simulated time while Seed runs, the wall clock otherwise.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

// set moves the simulated time. The generator only ever moves it forward,
// so the global event sequence and event times agree.
func (c *Clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// release hands the clock back to the wall clock.
func (c *Clock) release() { c.set(time.Time{}) }

// The demo's business calendar: weekdays 08:00–18:00 UTC. Real calendars
// live in SLA policies; the demo needs only something plausible to schedule
// people's work in.
const (
	dayStart = 8
	dayEnd   = 18
	// businessDay is the length of one business day of this calendar, used
	// to turn a stream's "Nbd" targets into working time.
	businessDay = (dayEnd - dayStart) * time.Hour
)

func isWorkday(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// openAt returns the earliest business instant at or after t.
func openAt(t time.Time) time.Time {
	t = t.UTC()
	for i := 0; i < 8; i++ {
		day := midnight(t)
		open, close := day.Add(dayStart*time.Hour), day.Add(dayEnd*time.Hour)
		if isWorkday(t) && t.Before(close) {
			if t.Before(open) {
				return open
			}
			return t
		}
		t = day.AddDate(0, 0, 1)
	}
	return t // unreachable: a week always has a workday
}

// addBusiness returns the instant d of business time after t (or after
// the next opening, when t is outside business hours).
func addBusiness(t time.Time, d time.Duration) time.Time {
	t = openAt(t)
	for d > 0 {
		close := midnight(t).Add(dayEnd * time.Hour)
		left := close.Sub(t)
		if d < left {
			return t.Add(d)
		}
		d -= left
		t = openAt(close)
	}
	return t
}
