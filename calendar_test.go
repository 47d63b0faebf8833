package svcflow_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the same zone rules on every machine, with or without /usr/share/zoneinfo

	"github.com/svcflow/svcflow"
)

var (
	calWeekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	calWeekend  = []time.Weekday{time.Saturday, time.Sunday}
)

// berlinOffice is the calendar most tests use: calWeekdays 08:00–12:00 and
// 13:00–17:00 (a lunch break), the German public holidays of 2026.
func berlinOffice() *svcflow.Calendar {
	return &svcflow.Calendar{
		ID: "berlin-office", Name: "Berlin office", TimeZone: "Europe/Berlin",
		Hours: []svcflow.WorkingHours{
			{Days: calWeekdays, Start: "08:00", End: "12:00"},
			{Days: calWeekdays, Start: "13:00", End: "17:00"},
		},
		Holidays: []string{
			"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
			"2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26",
		},
	}
}

// dstNight is open at night around the hour the clocks change, with span
// ends inside the skipped and the repeated hour.
func dstNight() *svcflow.Calendar {
	return &svcflow.Calendar{ID: "dst-night", TimeZone: "Europe/Berlin", Holidays: []string{"2026-03-28"}, Hours: []svcflow.WorkingHours{
		{Days: []time.Weekday{time.Sunday}, Start: "00:00", End: "00:30"},
		{Days: []time.Weekday{time.Sunday}, Start: "01:00", End: "02:30"},
		{Days: []time.Weekday{time.Sunday}, Start: "02:45", End: "04:00"},
		{Days: []time.Weekday{time.Saturday, time.Monday}, Start: "22:00", End: "24:00"},
	}}
}

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// inZone parses "2006-01-02 15:04" in loc.
func inZone(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCalendarValidate(t *testing.T) {
	ok := berlinOffice()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid calendar: %v", err)
	}
	if err := (&svcflow.Calendar{ID: "always"}).Validate(); err != nil {
		t.Errorf("24×7 calendar without zone: %v", err)
	}
	tests := []struct {
		name string
		edit func(c *svcflow.Calendar)
		want []string // field: message fragments, all expected
	}{
		{"missing id", func(c *svcflow.Calendar) { c.ID = " " }, []string{"id: missing"}},
		{"unknown zone", func(c *svcflow.Calendar) { c.TimeZone = "Europe/Atlantis" }, []string{`time_zone: unknown time zone "Europe/Atlantis"`}},
		{"local zone", func(c *svcflow.Calendar) { c.TimeZone = "Local" }, []string{"time_zone: Local depends on the server"}},
		{"no zone", func(c *svcflow.Calendar) { c.TimeZone = "" }, []string{"time_zone: missing"}},
		{"bad start", func(c *svcflow.Calendar) { c.Hours[0].Start = "8h" }, []string{`hours[0].start: start "8h"`}},
		{"bad minutes", func(c *svcflow.Calendar) { c.Hours[0].Start = "08:60" }, []string{`hours[0].start: start "08:60"`}},
		{"start 24:00", func(c *svcflow.Calendar) { c.Hours[1].Start = "24:00" }, []string{`hours[1].start: start "24:00"`}},
		{"end 24:30", func(c *svcflow.Calendar) { c.Hours[1].End = "24:30" }, []string{`hours[1].end: end "24:30"`}},
		{"end before start", func(c *svcflow.Calendar) { c.Hours[0].End = "07:00" }, []string{"hours[0].end: end 07:00 is not after start 08:00"}},
		{"end equals start", func(c *svcflow.Calendar) { c.Hours[0].End = "08:00" }, []string{"hours[0].end: end 08:00 is not after start 08:00"}},
		{"overlap", func(c *svcflow.Calendar) { c.Hours[1].Start = "11:30" }, []string{"hours[1]: Monday 11:30–17:00 overlaps hours[0] 08:00–12:00"}},
		{"overlap with a long span", func(c *svcflow.Calendar) {
			c.Hours = append(c.Hours, svcflow.WorkingHours{Days: []time.Weekday{time.Friday}, Start: "07:00", End: "18:00"})
		}, []string{"hours[0]: Friday 08:00–12:00 overlaps hours[2] 07:00–18:00", "hours[1]: Friday 13:00–17:00 overlaps hours[2] 07:00–18:00"}},
		{"no days", func(c *svcflow.Calendar) { c.Hours[0].Days = nil }, []string{"hours[0].days: no days"}},
		{"bad day", func(c *svcflow.Calendar) { c.Hours[0].Days = []time.Weekday{7} }, []string{"hours[0].days[0]: weekday 7"}},
		{"day twice", func(c *svcflow.Calendar) { c.Hours[0].Days = []time.Weekday{1, 1} }, []string{"hours[0].days[1]: Monday is listed twice"}},
		{"bad holiday", func(c *svcflow.Calendar) { c.Holidays[1] = "2026-02-30" }, []string{`holidays[1]: date "2026-02-30"`}},
		{"several", func(c *svcflow.Calendar) { c.TimeZone = "Mars/Olympus"; c.Holidays = []string{"25.12.2026"} },
			[]string{"time_zone: unknown", `holidays[0]: date "25.12.2026"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := berlinOffice()
			tt.edit(c)
			wantInvalid(t, c.Validate(), tt.want)
		})
	}
}

func TestCalendarBusinessTime(t *testing.T) {
	loc := berlin(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	office := berlinOffice()
	night := &svcflow.Calendar{ID: "night", TimeZone: "Europe/Berlin", Hours: []svcflow.WorkingHours{
		{Days: []time.Weekday{time.Saturday}, Start: "20:00", End: "24:00"},
		{Days: []time.Weekday{time.Sunday}, Start: "00:00", End: "04:00"},
	}}
	// Open 01:00–04:00 on Sundays: the spans the clock changes cut into.
	dstNight := &svcflow.Calendar{ID: "dst-night", TimeZone: "Europe/Berlin", Hours: []svcflow.WorkingHours{
		{Days: []time.Weekday{time.Sunday}, Start: "01:00", End: "04:00"},
	}}
	// All day every day, one holiday, so the calendar cannot take its 24×7 shortcut.
	allDay := &svcflow.Calendar{ID: "all-day", TimeZone: "Europe/Berlin", Holidays: []string{"2026-12-25"}}
	tests := []struct {
		name     string
		cal      *svcflow.Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"within a morning", office, inZone(t, loc, "2026-03-02 09:00"), inZone(t, loc, "2026-03-02 11:00"), 2 * time.Hour},
		{"over the lunch break", office, inZone(t, loc, "2026-03-02 11:00"), inZone(t, loc, "2026-03-02 14:00"), 2 * time.Hour},
		{"inside the lunch break", office, inZone(t, loc, "2026-03-02 12:10"), inZone(t, loc, "2026-03-02 12:50"), 0},
		{"a whole day", office, inZone(t, loc, "2026-03-02 00:00"), inZone(t, loc, "2026-03-03 00:00"), 8 * time.Hour},
		{"over a calWeekend", office, inZone(t, loc, "2026-03-06 16:00"), inZone(t, loc, "2026-03-09 09:00"), 2 * time.Hour},
		{"calWeekend only", office, inZone(t, loc, "2026-03-07 09:00"), inZone(t, loc, "2026-03-08 17:00"), 0},
		{"over Easter: Good Friday and Easter Monday", office, inZone(t, loc, "2026-04-02 16:00"), inZone(t, loc, "2026-04-07 09:00"), 2 * time.Hour},
		{"a week with a holiday", office, inZone(t, loc, "2026-05-11 00:00"), inZone(t, loc, "2026-05-18 00:00"), 32 * time.Hour},
		{"over the spring clock change", office, inZone(t, loc, "2026-03-27 08:00"), inZone(t, loc, "2026-03-30 17:00"), 16 * time.Hour},
		{"over the autumn clock change", office, inZone(t, loc, "2026-10-23 08:00"), inZone(t, loc, "2026-10-26 17:00"), 16 * time.Hour},
		{"the spring day of 23 hours", allDay, inZone(t, loc, "2026-03-29 00:00"), inZone(t, loc, "2026-03-30 00:00"), 23 * time.Hour},
		{"the autumn day of 25 hours", allDay, inZone(t, loc, "2026-10-25 00:00"), inZone(t, loc, "2026-10-26 00:00"), 25 * time.Hour},
		{"all day but a holiday", allDay, inZone(t, loc, "2026-12-24 12:00"), inZone(t, loc, "2026-12-26 12:00"), 24 * time.Hour},
		{"a span the spring change cuts", dstNight, inZone(t, loc, "2026-03-29 00:00"), inZone(t, loc, "2026-03-29 12:00"), 2 * time.Hour},
		{"a span the autumn change stretches", dstNight, inZone(t, loc, "2026-10-25 00:00"), inZone(t, loc, "2026-10-25 12:00"), 4 * time.Hour},
		{"a normal Sunday", dstNight, inZone(t, loc, "2026-03-22 00:00"), inZone(t, loc, "2026-03-22 12:00"), 3 * time.Hour},
		{"through 24:00 into the next day", night, inZone(t, loc, "2026-03-07 22:00"), inZone(t, loc, "2026-03-08 02:00"), 4 * time.Hour},
		{"instants in UTC", office, time.Date(2026, 3, 30, 6, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 15, 0, 0, 0, time.UTC), 8 * time.Hour},
		{"instants in another zone", office, time.Date(2026, 3, 2, 3, 0, 0, 0, ny), time.Date(2026, 3, 2, 5, 30, 0, 0, ny), 150 * time.Minute}, // 09:00–11:30 CET,
		{"to before from", office, inZone(t, loc, "2026-03-02 11:00"), inZone(t, loc, "2026-03-02 09:00"), 0},
		// 261 calWeekdays, 7 of them holidays (2026-10-03 and 12-26 are Saturdays).
		{"a year", office, inZone(t, loc, "2026-01-01 00:00"), inZone(t, loc, "2027-01-01 00:00"), (261 - 7) * 8 * time.Hour},
		{"nil calendar is 24×7", nil, inZone(t, loc, "2026-03-28 12:00"), inZone(t, loc, "2026-03-29 12:00"), 23 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.BusinessTime(tt.from, tt.to); got != tt.want {
				t.Errorf("BusinessTime(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestCalendarAddBusiness(t *testing.T) {
	loc := berlin(t)
	office := berlinOffice()
	tests := []struct {
		name string
		cal  *svcflow.Calendar
		from string
		d    time.Duration
		want string
	}{
		{"within a morning", office, "2026-03-02 09:00", 2 * time.Hour, "2026-03-02 11:00"},
		{"ends at closing, not next morning", office, "2026-03-06 16:00", time.Hour, "2026-03-06 17:00"},
		{"a minute more is Monday", office, "2026-03-06 16:00", time.Hour + time.Minute, "2026-03-09 08:01"},
		{"over lunch", office, "2026-03-02 11:30", time.Hour, "2026-03-02 13:30"},
		{"ends at the lunch break", office, "2026-03-02 11:30", 30 * time.Minute, "2026-03-02 12:00"},
		{"from a Saturday", office, "2026-03-07 10:00", time.Hour, "2026-03-09 09:00"},
		{"zero stays put, even when closed", office, "2026-03-07 10:00", 0, "2026-03-07 10:00"},
		{"over Easter", office, "2026-04-02 16:00", 2 * time.Hour, "2026-04-07 09:00"},
		{"over the spring clock change", office, "2026-03-27 16:00", 2 * time.Hour, "2026-03-30 09:00"},
		// The 25th working day is Tuesday after Easter; the work ends with it.
		{"five weeks of work", office, "2026-03-02 08:00", 25 * 8 * time.Hour, "2026-04-07 17:00"},
		{"nil calendar, over the autumn change", nil, "2026-10-24 22:00", 8 * time.Hour, "2026-10-25 05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddBusiness(inZone(t, loc, tt.from), tt.d)
			if want := inZone(t, loc, tt.want); !got.Equal(want) {
				t.Errorf("AddBusiness(%s, %v) = %s, want %s", tt.from, tt.d, got.In(loc), want)
			}
		})
	}
}

func TestCalendarIsOpen(t *testing.T) {
	loc := berlin(t)
	office := berlinOffice()
	tests := []struct {
		at   string
		want bool
	}{
		{"2026-03-02 07:59", false},
		{"2026-03-02 08:00", true},
		{"2026-03-02 11:59", true},
		{"2026-03-02 12:00", false}, // spans are [start, end)
		{"2026-03-02 13:00", true},
		{"2026-03-02 17:00", false},
		{"2026-03-07 10:00", false}, // Saturday
		{"2026-04-06 10:00", false}, // Easter Monday
		{"2026-03-30 08:30", true},  // the Monday after the clock change
	}
	for _, tt := range tests {
		if got := office.IsOpen(inZone(t, loc, tt.at)); got != tt.want {
			t.Errorf("IsOpen(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
	// 06:30 UTC is 07:30 in winter (closed) and 08:30 in summer (open).
	if office.IsOpen(time.Date(2026, 3, 27, 6, 30, 0, 0, time.UTC)) {
		t.Error("Friday 2026-03-27 06:30 UTC (07:30 CET) is open, want closed")
	}
	if !office.IsOpen(time.Date(2026, 3, 30, 6, 30, 0, 0, time.UTC)) {
		t.Error("Monday 2026-03-30 06:30 UTC (08:30 CEST) is closed, want open")
	}
}

func TestCalendarBusinessDuration(t *testing.T) {
	loc := berlin(t)
	office := berlinOffice()
	shortFriday := &svcflow.Calendar{ID: "short-friday", TimeZone: "Europe/Berlin", Hours: []svcflow.WorkingHours{
		{Days: calWeekdays[:4], Start: "08:00", End: "17:00"},
		{Days: []time.Weekday{time.Friday}, Start: "08:00", End: "14:00"},
	}}
	tests := []struct {
		name  string
		cal   *svcflow.Calendar
		d     string
		start string
		want  time.Duration
		due   string // AddBusiness(start, want), as a reader checks it
	}{
		{"hours are working hours", office, "4h", "2026-03-06 16:00", 4 * time.Hour, "2026-03-09 11:00"},
		{"a day is 24 working hours", office, "1d", "2026-03-02 08:00", 24 * time.Hour, "2026-03-04 17:00"},
		{"3bd from a Tuesday morning", office, "3bd", "2026-03-03 10:00", 24 * time.Hour, "2026-03-06 10:00"},
		{"3bd from a Saturday", office, "3bd", "2026-03-07 10:00", 24 * time.Hour, "2026-03-11 17:00"},
		{"3bd over Easter", office, "3bd", "2026-04-02 10:00", 24 * time.Hour, "2026-04-09 10:00"},
		{"0.5bd", office, "0.5bd", "2026-03-02 08:00", 4 * time.Hour, "2026-03-02 12:00"},
		{"1.5bd", office, "1.5bd", "2026-03-02 10:00", 12 * time.Hour, "2026-03-03 15:00"},
		{"20bd, whole weeks skipped", office, "20bd", "2026-03-02 10:00", 160 * time.Hour, "2026-03-30 10:00"},
		{"a short Friday keeps the time of day", shortFriday, "3bd", "2026-03-03 10:00", 7*time.Hour + 9*time.Hour + 9*time.Hour + 2*time.Hour, "2026-03-06 10:00"},
		{"landing after a short Friday's close", shortFriday, "3bd", "2026-03-03 15:00", 2*time.Hour + 9*time.Hour + 9*time.Hour + 6*time.Hour, "2026-03-06 14:00"},
		{"24×7", nil, "2bd", "2026-03-02 10:00", 48 * time.Hour, "2026-03-04 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := inZone(t, loc, tt.start)
			got := tt.cal.BusinessDuration(svcflow.MustParseDuration(tt.d), start)
			if got != tt.want {
				t.Errorf("BusinessDuration(%s, %s) = %v, want %v", tt.d, tt.start, got, tt.want)
			}
			if due, want := tt.cal.AddBusiness(start, got), inZone(t, loc, tt.due); !due.Equal(want) {
				t.Errorf("due %s, want %s", due.In(loc), want)
			}
		})
	}
}

// minuteCount is the reference the fast arithmetic is checked against: it
// looks at every minute of [from, to) and asks whether the calendar's wall
// clock shows a working time. It shares no code with the calendar.
func minuteCount(c *svcflow.Calendar, loc *time.Location, from, to time.Time) time.Duration {
	holidays := map[string]bool{}
	for _, h := range c.Holidays {
		holidays[h] = true
	}
	var n time.Duration
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		l := m.In(loc)
		if holidays[l.Format(time.DateOnly)] {
			continue
		}
		if len(c.Hours) == 0 {
			n += time.Minute // no hours: open all day
			continue
		}
		hm := l.Format("15:04")
		for _, h := range c.Hours {
			for _, d := range h.Days {
				if d == l.Weekday() && hm >= h.Start && hm < h.End {
					n += time.Minute
				}
			}
		}
	}
	return n
}

// TestCalendarMatchesMinuteCount compares BusinessTime with minuteCount on
// random minute-aligned spans of up to three weeks around both clock changes
// of 2026 and Easter, on calendars whose spans the changes cut.
func TestCalendarMatchesMinuteCount(t *testing.T) {
	loc := berlin(t)
	cals := []*svcflow.Calendar{
		berlinOffice(),
		dstNight(),
	}
	for _, c := range cals {
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	centres := []time.Time{inZone(t, loc, "2026-03-29 02:00"), inZone(t, loc, "2026-10-25 02:00"), inZone(t, loc, "2026-04-04 12:00")}
	for i := range 150 {
		c := cals[i%len(cals)]
		centre := centres[i%len(centres)]
		from := centre.Add(time.Duration(rng.IntN(14*24*60)-7*24*60) * time.Minute)
		to := from.Add(time.Duration(rng.IntN(21*24*60)) * time.Minute)
		want := minuteCount(c, loc, from, to)
		if got := c.BusinessTime(from, to); got != want {
			t.Fatalf("%s: BusinessTime(%s, %s) = %v, want %v (minute by minute)", c.ID, from.In(loc), to.In(loc), got, want)
		}
	}
}

// TestCalendarLeapYearEnd covers the last day of a leap year after a zone's
// last listed transition (2056), where Time.ZoneBounds reports an end before
// the instant asked about (golang/go#81583); arithmetic that followed those
// bounds never finished there.
func TestCalendarLeapYearEnd(t *testing.T) {
	loc := berlin(t)
	from, to := inZone(t, loc, "2056-12-27 00:00"), inZone(t, loc, "2057-01-04 00:00")
	for _, c := range []*svcflow.Calendar{berlinOffice(), dstNight(), {ID: "all-day", TimeZone: "Europe/Berlin", Holidays: []string{"2057-01-01"}}} {
		want := minuteCount(c, loc, from, to)
		if got := c.BusinessTime(from, to); got != want {
			t.Errorf("%s: BusinessTime = %v, want %v", c.ID, got, want)
		}
		if got := c.BusinessTime(from, c.AddBusiness(from, want)); got != want {
			t.Errorf("%s: BusinessTime(from, AddBusiness(from, %v)) = %v", c.ID, want, got)
		}
	}
}

// TestCalendarInverse checks on random instants (fixed seed) that
// AddBusiness finds the earliest instant at which BusinessTime reaches d.
func TestCalendarInverse(t *testing.T) {
	loc := berlin(t)
	cals := []*svcflow.Calendar{berlinOffice(), nil, {ID: "all-day", TimeZone: "Europe/Berlin", Holidays: []string{"2026-10-25"}}}
	rng := rand.New(rand.NewPCG(3, 4))
	base := inZone(t, loc, "2026-01-01 00:00")
	for i := range 2000 {
		c := cals[i%len(cals)]
		a := base.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		d := time.Duration(rng.Int64N(int64(60 * 24 * time.Hour)))
		if i%5 == 0 {
			d = time.Duration(rng.IntN(600)) * time.Minute // short ones, landing in the same day
		}
		b := c.AddBusiness(a, d)
		if got := c.BusinessTime(a, b); got != d {
			t.Fatalf("BusinessTime(a, AddBusiness(a, %v)) = %v with a = %s", d, got, a.In(loc))
		}
		if d > 0 {
			if got := c.BusinessTime(a, b.Add(-time.Nanosecond)); got >= d {
				t.Fatalf("AddBusiness(%s, %v) = %s is not the earliest: a nanosecond before, %v had passed", a.In(loc), d, b.In(loc), got)
			}
		}
	}
}

// TestCalendarLongSpans checks that skipping whole weeks gives what adding
// the months one by one gives, over six years with both clock changes and
// holidays in each, and that a year takes microseconds.
func TestCalendarLongSpans(t *testing.T) {
	loc := berlin(t)
	c := berlinOffice()
	start := inZone(t, loc, "2024-06-05 10:17")
	var sum time.Duration
	from := start
	for range 72 {
		to := from.AddDate(0, 1, 0)
		sum += c.BusinessTime(from, to)
		from = to
	}
	if got := c.BusinessTime(start, from); got != sum {
		t.Errorf("six years in one go = %v, month by month = %v", got, sum)
	}
	if back := c.AddBusiness(start, sum); !back.Equal(from) && c.BusinessTime(back, from) != 0 {
		t.Errorf("AddBusiness(start, %v) = %s, want %s or the last working instant before it", sum, back.In(loc), from.In(loc))
	}
	// Minute or day stepping would take milliseconds a year; skipping
	// weeks takes tens of microseconds. The bound is loose for slow machines.
	began := time.Now()
	for range 100 {
		c.BusinessTime(start, start.AddDate(1, 0, 0))
	}
	if per := time.Since(began) / 100; per > 5*time.Millisecond {
		t.Errorf("a year of BusinessTime takes %v, want well under a millisecond", per)
	}
}

func BenchmarkCalendarBusinessTimeYear(b *testing.B) {
	loc := berlin(b)
	c := berlinOffice()
	from := inZone(b, loc, "2026-01-15 10:00")
	for b.Loop() {
		c.BusinessTime(from, from.AddDate(1, 0, 0))
	}
}

func BenchmarkCalendarAddBusinessYear(b *testing.B) {
	loc := berlin(b)
	c := berlinOffice()
	from := inZone(b, loc, "2026-01-15 10:00")
	for b.Loop() {
		c.AddBusiness(from, 2000*time.Hour)
	}
}

// FuzzCalendarBusinessTime checks the arithmetic on arbitrary instants in
// 2000–2100 (both clock changes every year), on the office calendar and on
// one whose spans the clock changes cut: AddBusiness inverts BusinessTime,
// both are monotonic, and spans add up.
func FuzzCalendarBusinessTime(f *testing.F) {
	f.Add(int64(0), int64(3600), int64(7200))
	f.Add(int64(1774746000), int64(9*3600), int64(86400*3))  // 2026-03-29, the spring change
	f.Add(int64(1792890000), int64(40*3600), int64(86400*9)) // 2026-10-25, the autumn change
	f.Add(int64(1792890048), int64(144091), int64(777539))   // over 2056-12-31: see TestCalendarLeapYearEnd
	cals := []*svcflow.Calendar{berlinOffice(), dstNight()}
	lo := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, at, dSec, gapSec int64) {
		c := cals[fuzzMod(gapSec, 2)]
		a := time.Unix(lo+fuzzMod(at, hi-lo), fuzzMod(at, 1e9))
		d := time.Duration(fuzzMod(dSec, 3*365*86400)) * time.Second
		b := c.AddBusiness(a, d)
		if got := c.BusinessTime(a, b); got != d {
			t.Fatalf("BusinessTime(%s, AddBusiness(.., %v) = %s) = %v", a, d, b, got)
		}
		if b.Before(a) {
			t.Fatalf("AddBusiness(%s, %v) = %s is before the start", a, d, b)
		}
		d2 := d + time.Duration(fuzzMod(gapSec, 30*86400))*time.Second
		if b2 := c.AddBusiness(a, d2); b2.Before(b) {
			t.Fatalf("AddBusiness not monotonic: %v → %s, %v → %s", d, b, d2, b2)
		}
		m := a.Add(time.Duration(fuzzMod(gapSec, 60*86400)) * time.Second)
		n := m.Add(time.Duration(fuzzMod(dSec, 60*86400)) * time.Second)
		ab, bc, ac := c.BusinessTime(a, m), c.BusinessTime(m, n), c.BusinessTime(a, n)
		if ab+bc != ac {
			t.Fatalf("BusinessTime(a,m) + BusinessTime(m,n) = %v + %v, BusinessTime(a,n) = %v", ab, bc, ac)
		}
		if ac > n.Sub(a) || ab > ac {
			t.Fatalf("BusinessTime(a,n) = %v over %v of real time, or less than BusinessTime(a,m) = %v", ac, n.Sub(a), ab)
		}
	})
}

// fuzzMod returns x modulo m in [0, m).
func fuzzMod(x, m int64) int64 {
	r := x % m
	if r < 0 {
		r += m
	}
	return r
}

// wantInvalid checks err is an invalid-input error mentioning every want.
func wantInvalid(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", want)
	}
	if code := svcflow.ErrorCodeOf(err); code != svcflow.ErrInvalid {
		t.Errorf("got code %q, want %q", code, svcflow.ErrInvalid)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("got %q, want it to contain %q", err, w)
		}
	}
}
