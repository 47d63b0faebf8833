package svcflow

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Calendar is a business-hours calendar: working hours per weekday in one
// time zone, minus holidays. SLA clocks count only the time it is open.
//
// Hours and holidays are wall-clock times in the calendar's zone, read on
// each date: a working day of 08:00–17:00 is nine hours of working time on
// the days the clocks change too, because the calendar converts each date's
// wall-clock span to instants rather than adding 24 hours to the day before.
//
// A calendar with no hours is open all day, every day, except on its
// holidays; a nil *Calendar is open at every instant (24×7). The methods
// read an invalid calendar as best they can (an unknown zone as UTC, a span
// or date that does not parse as absent), so call Validate when loading one.
type Calendar struct {
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	TimeZone string         `json:"time_zone,omitempty"` // IANA name, such as Europe/Berlin
	Hours    []WorkingHours `json:"hours,omitempty"`
	Holidays []string       `json:"holidays,omitempty"` // dates in the calendar's zone: "2026-12-25"
}

// WorkingHours is one span of working time on some weekdays. A day may have
// several spans (a lunch break is the gap between two).
type WorkingHours struct {
	Days  []time.Weekday `json:"days"`
	Start string         `json:"start"` // "08:00"
	End   string         `json:"end"`   // "17:30"; "24:00" is the end of the day
}

// Validate checks the calendar and returns every problem found, joined, each
// an ErrInvalid *Error naming its field (time_zone, hours[1].end,
// holidays[0]…).
func (c *Calendar) Validate() error {
	var errs []error
	if strings.TrimSpace(c.ID) == "" {
		errs = append(errs, FieldErrorf("id", "missing calendar id"))
	}
	switch {
	case c.TimeZone == "":
		if len(c.Hours) > 0 || len(c.Holidays) > 0 {
			errs = append(errs, FieldErrorf("time_zone", "missing time zone; hours and holidays need one, such as Europe/Berlin or UTC"))
		}
	case c.TimeZone == "Local":
		// Local is whatever zone the server runs in: the same calendar
		// would count differently on another machine.
		errs = append(errs, FieldErrorf("time_zone", "Local depends on the server; name the zone, such as Europe/Berlin"))
	default:
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			errs = append(errs, FieldErrorf("time_zone", "unknown time zone %q; expected an IANA name such as Europe/Berlin or UTC", c.TimeZone))
		}
	}
	type placed struct {
		index int
		span  workSpan
	}
	var byDay [7][]placed
	for i, h := range c.Hours {
		field := fmt.Sprintf("hours[%d]", i)
		if len(h.Days) == 0 {
			errs = append(errs, FieldErrorf(field+".days", "no days; expected weekdays 0 (Sunday) to 6 (Saturday)"))
		}
		seen := [7]bool{}
		validDays := true
		for j, d := range h.Days {
			switch {
			case d < time.Sunday || d > time.Saturday:
				errs = append(errs, FieldErrorf(fmt.Sprintf("%s.days[%d]", field, j), "weekday %d; expected 0 (Sunday) to 6 (Saturday)", d))
				validDays = false
			case seen[d]:
				errs = append(errs, FieldErrorf(fmt.Sprintf("%s.days[%d]", field, j), "%s is listed twice", d))
			default:
				seen[d] = true
			}
		}
		start, okStart := parseClock(h.Start, false)
		if !okStart {
			errs = append(errs, FieldErrorf(field+".start", "start %q; expected a time of day such as 08:00", h.Start))
		}
		end, okEnd := parseClock(h.End, true)
		if !okEnd {
			errs = append(errs, FieldErrorf(field+".end", "end %q; expected a time of day such as 17:30, or 24:00", h.End))
		}
		if !okStart || !okEnd {
			continue
		}
		if end <= start {
			errs = append(errs, FieldErrorf(field+".end", "end %s is not after start %s", h.End, h.Start))
			continue
		}
		if !validDays {
			continue
		}
		for d := range seen {
			if seen[d] {
				byDay[d] = append(byDay[d], placed{i, workSpan{start, end}})
			}
		}
	}
	reported := map[[2]int]bool{} // a pair of spans overlaps on each of its days: say it once
	for d, ps := range byDay {
		slices.SortStableFunc(ps, func(a, b placed) int { return a.span.start - b.span.start })
		for k := 1; k < len(ps); k++ {
			// prev is the span reaching furthest so far, which a later
			// start must clear.
			prev, cur := ps[0], ps[k]
			for _, p := range ps[:k] {
				if p.span.end > prev.span.end {
					prev = p
				}
			}
			if cur.span.start < prev.span.end && !reported[[2]int{cur.index, prev.index}] {
				reported[[2]int{cur.index, prev.index}] = true
				errs = append(errs, FieldErrorf(fmt.Sprintf("hours[%d]", cur.index),
					"%s %s overlaps hours[%d] %s; spans of one day must not overlap",
					time.Weekday(d), cur.span, prev.index, prev.span))
			}
		}
	}
	for i, h := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			errs = append(errs, FieldErrorf(fmt.Sprintf("holidays[%d]", i), "date %q; expected YYYY-MM-DD such as 2026-12-25", h))
		}
	}
	return errors.Join(errs...)
}

// BusinessTime returns the working time between two instants: how long the
// calendar is open in [from, to). It is zero when to is not after from.
func (c *Calendar) BusinessTime(from, to time.Time) time.Duration {
	return c.rules().businessTime(from, to)
}

// AddBusiness returns the earliest instant at which d of working time has
// passed since from, in from's location. It never rolls past a closed
// period: 1h of work from Friday 16:00 in an office that closes at 17:00
// ends Friday 17:00, not Monday morning. For d ≤ 0 it returns from.
func (c *Calendar) AddBusiness(from time.Time, d time.Duration) time.Time {
	return c.rules().addBusiness(from, d)
}

// IsOpen reports whether t falls in working time.
func (c *Calendar) IsOpen(t time.Time) bool {
	return c.rules().isOpen(t)
}

// BusinessDuration returns the working time a target of d stands for on this
// calendar, for a clock that starts at start.
//
// A calendar duration ("4h", "2d") is working time as it stands: "4h" is four
// working hours, so "2d" is 48 working hours, not two working days (as in
// ServiceNow and JSM); write "2bd" for those.
//
// Business days ("3bd") count whole working days from the start, the way a
// customer reads a promise of three working days: from the first working
// instant at or after start, to the same time of day three working days
// later (skipping weekends and holidays); a fraction is that share of the
// landing day's working time. On a calendar whose days all have the same
// hours this equals n times the working day; where they differ (a short
// Friday) it keeps "raised Tuesday 10:00, due Friday 10:00" true, which an
// average working day would not. The result is working time, so pauses push
// the due instant back like any other target.
func (c *Calendar) BusinessDuration(d Duration, start time.Time) time.Duration {
	if d.IsBusiness() {
		return c.rules().businessDays(d.BusinessDays, start)
	}
	return max(d.Calendar, 0)
}

// workSpan is one working span of a weekday, in minutes after midnight: [start, end).
type workSpan struct{ start, end int }

func (s workSpan) String() string {
	return fmt.Sprintf("%02d:%02d–%02d:%02d", s.start/60, s.start%60, s.end/60, s.end%60)
}

// openInterval is a stretch of real time [start, end).
type openInterval struct{ start, end time.Time }

// parseClock reads "HH:MM" (or "H:MM") as minutes after midnight; "24:00"
// only when allowEnd.
func parseClock(s string, allowEnd bool) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || hh[0] == '+' || hh[0] == '-' || mm[0] == '+' || mm[0] == '-' {
		return 0, false
	}
	switch {
	case h == 24 && m == 0 && allowEnd:
		return 24 * 60, true
	case h < 0 || h > 23 || m < 0 || m > 59:
		return 0, false
	}
	return h*60 + m, true
}

// calRules is a calendar compiled for arithmetic. Days are numbered as
// civil dates (days since 1970-01-01, whatever the zone), so date
// arithmetic is integer arithmetic and never adds 24 hours to an instant.
type calRules struct {
	loc      *time.Location
	week     [7][]workSpan // merged and sorted, per weekday
	weekLen  time.Duration // nominal working time of a week: exact in weeks without holidays or zone changes
	workdays int           // weekdays with working hours
	holidays []int64       // sorted day numbers
	always   bool          // open at every instant: no instant needs a look-up
}

// rules compiles c. Loading the zone costs microseconds, so callers doing a
// lot of arithmetic (Compute) compile once.
// zones caches time zones by name: time.LoadLocation reads and parses the
// zone file on every call, which was a tenth of computing the SLA of a
// queue's items, and a zone's rules do not change while the process runs.
var zones sync.Map // name → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

func (c *Calendar) rules() *calRules {
	r := &calRules{loc: time.UTC}
	if c == nil {
		r.fill()
		return r
	}
	if c.TimeZone != "" && c.TimeZone != "Local" {
		if loc, err := loadLocation(c.TimeZone); err == nil {
			r.loc = loc
		}
	}
	for _, h := range c.Hours {
		start, ok1 := parseClock(h.Start, false)
		end, ok2 := parseClock(h.End, true)
		if !ok1 || !ok2 || end <= start {
			continue
		}
		for _, d := range h.Days {
			if d >= time.Sunday && d <= time.Saturday {
				r.week[d] = append(r.week[d], workSpan{start, end})
			}
		}
	}
	for _, h := range c.Holidays {
		if t, err := time.Parse(time.DateOnly, h); err == nil {
			r.holidays = append(r.holidays, civilDay(t.Date()))
		}
	}
	slices.Sort(r.holidays)
	r.holidays = slices.Compact(r.holidays)
	r.fill()
	return r
}

// fill merges the spans of each day, opens every day fully when no span is
// left, and derives the weekly figures.
func (r *calRules) fill() {
	empty := true
	for d := range r.week {
		ss := r.week[d]
		slices.SortFunc(ss, func(a, b workSpan) int { return a.start - b.start })
		var merged []workSpan
		for _, s := range ss {
			if n := len(merged); n > 0 && s.start <= merged[n-1].end {
				merged[n-1].end = max(merged[n-1].end, s.end)
				continue
			}
			merged = append(merged, s)
		}
		r.week[d] = merged
		if len(merged) > 0 {
			empty = false
		}
	}
	if empty {
		for d := range r.week {
			r.week[d] = []workSpan{{0, 24 * 60}}
		}
	}
	r.always = len(r.holidays) == 0
	for _, ss := range r.week {
		if len(ss) > 0 {
			r.workdays++
		}
		for _, s := range ss {
			r.weekLen += time.Duration(s.end-s.start) * time.Minute
		}
		if len(ss) != 1 || ss[0] != (workSpan{0, 24 * 60}) {
			r.always = false
		}
	}
}

const daySeconds = 24 * 60 * 60

func civilDay(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / daySeconds
}

func civilDate(day int64) (int, time.Month, int) {
	return time.Unix(day*daySeconds, 0).UTC().Date()
}

// weekdayOf returns the weekday of a day number; day 0, 1970-01-01, was a Thursday.
func weekdayOf(day int64) time.Weekday {
	return time.Weekday((day%7 + 11) % 7)
}

func (r *calRules) dayOf(t time.Time) int64 {
	return civilDay(t.In(r.loc).Date())
}

func (r *calRules) isHoliday(day int64) bool {
	_, found := slices.BinarySearch(r.holidays, day)
	return found
}

// intervals appends to buf the instants whose wall clock in the calendar's
// zone falls in a working span of the given date, in time order. It is the
// exact preimage of the wall-clock spans: around a zone change each span is
// cut at the change and each piece converted with its own offset, so a span
// that contains a skipped hour is an hour shorter, one that contains a
// repeated hour an hour longer, and a 08:00–17:00 day is nine hours.
func (r *calRules) intervals(day int64, buf []openInterval) []openInterval {
	buf = buf[:0]
	spans := r.week[weekdayOf(day)]
	if len(spans) == 0 || r.isHoliday(day) {
		return buf
	}
	base := day * daySeconds // the date's midnight, read as if it were UTC
	// Offsets are less than a day, so the date's instants lie within
	// [base-1d, base+2d).
	var segs [3]zoneSegment
	for _, seg := range r.segments(base-daySeconds, base+2*daySeconds, segs[:0]) {
		for _, s := range spans {
			a := max(base+int64(s.start)*60-int64(seg.offset), seg.lo)
			b := min(base+int64(s.end)*60-int64(seg.offset), seg.hi)
			if b <= a {
				continue
			}
			at, bt := time.Unix(a, 0).In(r.loc), time.Unix(b, 0).In(r.loc)
			if n := len(buf); n > 0 && !at.After(buf[n-1].end) {
				buf[n-1].end = laterTime(buf[n-1].end, bt)
				continue
			}
			buf = append(buf, openInterval{at, bt})
		}
	}
	return buf
}

// zoneSegment is a stretch [lo, hi) of Unix seconds with one UTC offset.
type zoneSegment struct {
	lo, hi int64
	offset int
}

func (r *calRules) offsetAt(unix int64) int {
	_, off := time.Unix(unix, 0).In(r.loc).Zone()
	return off
}

// segments splits [lo, hi) where the zone's offset changes, finding each
// change by bisection on the offset. It reads the offset only rather than
// Time.ZoneBounds, whose bounds are wrong on the last day of leap years
// served by a zone's footer rule (golang/go#81583). It assumes no offset
// changes and changes back within the range (a few days), which no zone does.
func (r *calRules) segments(lo, hi int64, out []zoneSegment) []zoneSegment {
	first := r.offsetAt(lo)
	if r.offsetAt(hi-1) == first {
		return append(out, zoneSegment{lo, hi, first})
	}
	a, b := lo, hi-1 // the offset at a is first's, at b it is not
	for b-a > 1 {
		if m := a + (b-a)/2; r.offsetAt(m) == first {
			a = m
		} else {
			b = m
		}
	}
	return r.segments(b, hi, append(out, zoneSegment{lo, b, first}))
}

func laterTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlierTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// plainWeeks returns how many whole weeks from day, at most limit, hold no
// holiday and no zone change, so that each is exactly weekLen of working
// time and can be skipped without looking at its days.
func (r *calRules) plainWeeks(day, limit int64) int64 {
	n := limit
	if n <= 0 {
		return 0
	}
	if i, _ := slices.BinarySearch(r.holidays, day); i < len(r.holidays) {
		n = min(n, (r.holidays[i]-day)/7)
	}
	// Each skipped week keeps the offset of the day before the block until
	// the day after it (a zone does not change and change back in a week).
	off := r.offsetAt((day - 1) * daySeconds)
	for w := int64(1); w <= n; w++ {
		if r.offsetAt((day+7*w+1)*daySeconds) != off {
			return w - 1
		}
	}
	return n
}

func (r *calRules) businessTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if r.always {
		return to.Sub(from)
	}
	var total time.Duration
	var buf []openInterval
	first, last := r.dayOf(from), r.dayOf(to)
	for day := first; day <= last; {
		if day > first {
			// Days strictly between first and last lie wholly in [from, to).
			if n := r.plainWeeks(day, (last-day)/7); n > 0 {
				total += time.Duration(n) * r.weekLen
				day += 7 * n
				continue
			}
		}
		buf = r.intervals(day, buf)
		for _, iv := range buf {
			a, b := laterTime(iv.start, from), earlierTime(iv.end, to)
			if b.After(a) {
				total += b.Sub(a)
			}
		}
		day++
	}
	return total
}

// addBusiness walks the working intervals from from in time order. It
// assumes local dates follow real time, which holds in every zone except
// one that turns its clocks back across midnight by more than the time past
// midnight (none does today).
func (r *calRules) addBusiness(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	if r.always {
		return from.Add(d)
	}
	rem := d
	var buf []openInterval
	first := r.dayOf(from)
	for day := first; ; {
		if day > first {
			// Skip weeks only while more than their time remains, so the
			// instant found is in a day looked at.
			if n := r.plainWeeks(day, int64((rem-1)/r.weekLen)); n > 0 {
				rem -= time.Duration(n) * r.weekLen
				day += 7 * n
				continue
			}
		}
		buf = r.intervals(day, buf)
		for _, iv := range buf {
			a := laterTime(iv.start, from)
			if !iv.end.After(a) {
				continue
			}
			n := iv.end.Sub(a)
			if rem <= n {
				return a.Add(rem).In(from.Location())
			}
			rem -= n
		}
		day++
	}
}

func (r *calRules) isOpen(t time.Time) bool {
	if r.always {
		return true
	}
	for _, iv := range r.intervals(r.dayOf(t), nil) {
		if !t.Before(iv.start) && t.Before(iv.end) {
			return true
		}
	}
	return false
}

// nextOpen returns the first working instant at or after t.
func (r *calRules) nextOpen(t time.Time) time.Time {
	if r.always {
		return t
	}
	var buf []openInterval
	for day := r.dayOf(t); ; day++ {
		buf = r.intervals(day, buf)
		for _, iv := range buf {
			if iv.end.After(t) {
				return laterTime(iv.start, t).In(t.Location())
			}
		}
	}
}

func (r *calRules) isWorkday(day int64) bool {
	return len(r.week[weekdayOf(day)]) > 0 && !r.isHoliday(day)
}

// maxBusinessDays bounds a business-day count so that it fits the day
// arithmetic; SLA targets are validated far below it.
const maxBusinessDays = 100_000

// businessDays converts n business days counted from start to working
// time; see BusinessDuration.
func (r *calRules) businessDays(n float64, start time.Time) time.Duration {
	if !(n > 0) {
		return 0
	}
	n = min(n, maxBusinessDays)
	a := r.nextOpen(start)
	whole := math.Floor(n)
	frac := n - whole
	k := int64(whole)
	day := r.dayOf(a)
	for k > 0 {
		// Whole weeks hold workdays working days each, less the holidays
		// that fall on working weekdays.
		if w := (k - 1) / int64(r.workdays); w > 0 {
			lo, _ := slices.BinarySearch(r.holidays, day+1)
			hi, _ := slices.BinarySearch(r.holidays, day+7*w+1)
			off := int64(0)
			for _, h := range r.holidays[lo:hi] {
				if len(r.week[weekdayOf(h)]) > 0 {
					off++
				}
			}
			k -= w*int64(r.workdays) - off
			day += 7 * w
			continue
		}
		day++
		if r.isWorkday(day) {
			k--
		}
	}
	local := a.In(r.loc)
	y, m, d := civilDate(day)
	land := time.Date(y, m, d, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), r.loc)
	total := r.businessTime(start, land)
	if frac > 0 {
		var length time.Duration
		for _, iv := range r.intervals(day, nil) {
			length += iv.end.Sub(iv.start)
		}
		total += time.Duration(frac * float64(length))
	}
	return total
}
