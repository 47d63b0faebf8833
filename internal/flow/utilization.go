package flow

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Utilization is busy person-time ÷ available person-time in business
// hours (SPEC §3). A person is busy while at least one visit they work is
// active; overlapping visits of one person count once. Everyone is
// available in business hours over the whole span of the log (first event
// to as_of), so a person who joined late shows a lower utilization. A
// person belongs to the team most of their visits were worked by.
type Utilization struct {
	BusinessHours string              `json:"business_hours"`
	Location      string              `json:"location"`
	Available     float64             `json:"available"` // business seconds per person over the span
	Teams         []TeamUtilization   `json:"teams"`
	Persons       []PersonUtilization `json:"persons"` // the busiest, most busy first
}

// TeamUtilization is one team's utilization.
type TeamUtilization struct {
	Team        string   `json:"team"`
	Persons     int      `json:"persons"`
	Busy        float64  `json:"busy"` // seconds, summed over persons
	Utilization *float64 `json:"utilization"`
}

// PersonUtilization is one person's utilization.
type PersonUtilization struct {
	Person      string   `json:"person"`
	Team        string   `json:"team"`
	Busy        float64  `json:"busy"`
	Utilization *float64 `json:"utilization"`
}

// calendar measures business time: cum[d] is the business time before
// day d of the span, so the business time in [s, e) is at(e) − at(s),
// two binary searches however long the interval.
type calendar struct {
	day            []int64 // day starts, one past the last day
	openAt, shutAt []int64 // business hours of each day (equal when closed)
	cum            []int64
}

func newCalendar(h *BusinessHours, loc *time.Location, from, to int64) *calendar {
	t := time.Unix(0, from).In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	work := [7]bool{}
	for _, wd := range h.Days {
		work[wd] = true
	}
	clock := func(day time.Time, off time.Duration) int64 {
		if off >= 24*time.Hour {
			return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc).UnixNano()
		}
		return time.Date(day.Year(), day.Month(), day.Day(), int(off/time.Hour), int(off%time.Hour/time.Minute),
			int(off%time.Minute/time.Second), int(off%time.Second), loc).UnixNano()
	}
	c := &calendar{}
	var cum int64
	for {
		start := d.UnixNano()
		if start > to {
			c.day = append(c.day, start)
			break
		}
		open, shut := start, start
		if work[d.Weekday()] {
			open, shut = clock(d, h.Start), clock(d, h.End)
		}
		c.day = append(c.day, start)
		c.openAt = append(c.openAt, open)
		c.shutAt = append(c.shutAt, shut)
		c.cum = append(c.cum, cum)
		cum += shut - open
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	}
	return c
}

// at returns the business time from the start of the calendar to t.
func (c *calendar) at(t int64) int64 {
	k, found := slices.BinarySearch(c.day, t)
	if !found {
		k--
	}
	if k < 0 {
		return 0
	}
	if k >= len(c.cum) {
		k = len(c.cum) - 1
		return c.cum[k] + c.shutAt[k] - c.openAt[k]
	}
	return c.cum[k] + min(max(t-c.openAt[k], 0), c.shutAt[k]-c.openAt[k])
}

// between returns the business time in [s, e).
func (c *calendar) between(s, e int64) int64 { return c.at(e) - c.at(s) }

// utilization holds busy and available time per person and team.
type utilization struct {
	hours     *BusinessHours
	available int64
	teamOf    map[uint32]uint32 // person → team
	busy      map[uint32]int64  // person → busy business time
	teamUtil  map[uint32]float64
	teamSize  map[uint32]int
	teamBusy  map[uint32]int64
	overall   float64 // everyone's busy time ÷ everyone's available time; NaN without people
}

// utilization measures the teams, or returns nil when active time is
// unknown (completion timing).
func (r *run) utilization() *utilization {
	v := r.v
	if !v.hasStates() {
		return nil
	}
	h := r.opt.BusinessHours
	if h == nil {
		h = DefaultBusinessHours()
	}
	cal := newCalendar(h, r.loc, r.first, r.asOf)
	u := &utilization{hours: h, available: cal.between(r.first, r.asOf),
		teamOf: map[uint32]uint32{}, busy: map[uint32]int64{},
		teamUtil: map[uint32]float64{}, teamSize: map[uint32]int{}, teamBusy: map[uint32]int64{}}

	// Each person's team: the one most of their visits were worked by.
	votes := map[[2]uint32]int{}
	for i, p := range v.person {
		if p != 0 {
			t := v.team[i]
			if t == 0 {
				t = p
			}
			votes[[2]uint32{p, t}]++
		}
	}
	best := map[uint32]int{}
	for k, n := range votes {
		p, t := k[0], k[1]
		if cur, ok := u.teamOf[p]; !ok || n > best[p] || n == best[p] && r.l.Strings[t] < r.l.Strings[cur] {
			u.teamOf[p], best[p] = t, n
		}
	}

	// Busy time: the union of each person's active segments.
	seg := &v.seg
	var idx []int
	for k := range seg.visit {
		if seg.state[k] == stActive && seg.person[k] != 0 {
			idx = append(idx, k)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(seg.person[a], seg.person[b]); c != 0 {
			return c
		}
		return cmp.Compare(seg.from[a], seg.from[b])
	})
	for i := 0; i < len(idx); {
		p := seg.person[idx[i]]
		var busy int64
		from, to := seg.from[idx[i]], seg.to[idx[i]]
		j := i + 1
		for ; j < len(idx) && seg.person[idx[j]] == p; j++ {
			k := idx[j]
			if seg.from[k] > to {
				busy += cal.between(from, to)
				from, to = seg.from[k], seg.to[k]
			} else {
				to = max(to, seg.to[k])
			}
		}
		busy += cal.between(from, to)
		u.busy[p] = busy
		if _, ok := u.teamOf[p]; !ok {
			u.teamOf[p] = p
		}
		i = j
	}
	for p, t := range u.teamOf {
		u.teamSize[t]++
		u.teamBusy[t] += u.busy[p]
	}
	var busy int64
	for t, n := range u.teamSize {
		busy += u.teamBusy[t]
		if u.available > 0 {
			u.teamUtil[t] = float64(u.teamBusy[t]) / (float64(n) * float64(u.available))
		}
	}
	u.overall = math.NaN()
	if len(u.teamOf) > 0 && u.available > 0 {
		u.overall = float64(busy) / (float64(len(u.teamOf)) * float64(u.available))
	}
	return u
}

func (u *utilization) json(r *run) *Utilization {
	if u == nil {
		return nil
	}
	out := &Utilization{BusinessHours: u.hours.String(), Location: r.loc.String(),
		Available: seconds(u.available), Teams: []TeamUtilization{}, Persons: []PersonUtilization{}}
	avail := float64(u.available)
	for t, n := range u.teamSize {
		out.Teams = append(out.Teams, TeamUtilization{Team: r.l.Strings[t], Persons: n, Busy: seconds(u.teamBusy[t]),
			Utilization: ratio(float64(u.teamBusy[t]), float64(n)*avail)})
	}
	slices.SortFunc(out.Teams, func(a, b TeamUtilization) int { return cmp.Compare(a.Team, b.Team) })
	for p, t := range u.teamOf {
		out.Persons = append(out.Persons, PersonUtilization{Person: r.l.Strings[p], Team: r.l.Strings[t],
			Busy: seconds(u.busy[p]), Utilization: ratio(float64(u.busy[p]), avail)})
	}
	slices.SortFunc(out.Persons, func(a, b PersonUtilization) int {
		if c := cmp.Compare(b.Busy, a.Busy); c != 0 {
			return c
		}
		return cmp.Compare(a.Person, b.Person)
	})
	top := r.opt.TopPersons
	if top <= 0 {
		top = 20
	}
	if len(out.Persons) > top {
		out.Persons = out.Persons[:top]
	}
	return out
}
