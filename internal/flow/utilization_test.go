package flow

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin wherever the tests run
)

func TestUtilizationLifecycle(t *testing.T) {
	l := metricsLog(t, nil, lifecycleRows...)
	m := mustMeasure(t, l, Options{})
	// Available: 09:00–11:20 on a Monday, all in business hours: 140 min.
	// Busy (active, overlaps once): alice 20 + 10 + 10 = 40 min; bob
	// 09:20–10:10 (c2) with 10:00–10:30 and 11:00–11:20 (c1) = 90 min, not
	// 100; carol 15 + 15 = 30; dave 15.
	u := m.Utilization
	if u.Available != 8400 {
		t.Fatalf("available: got %v, want 8400", u.Available)
	}
	want := map[string]float64{"alice": 2400, "bob": 5400, "carol": 1800, "dave": 900}
	for _, p := range u.Persons {
		if p.Busy != want[p.Person] {
			t.Errorf("%s busy: got %v, want %v", p.Person, p.Busy, want[p.Person])
		}
		eq(t, p.Person+" utilization", p.Utilization, want[p.Person]/8400)
	}
	if len(u.Persons) != 4 || u.Persons[0].Person != "bob" {
		t.Errorf("persons: got %+v, want bob first", u.Persons)
	}
}

func TestUtilizationTeams(t *testing.T) {
	// Two people in team "desk", one in "net"; Monday 09:00–13:00 (4 h).
	l := metricsLog(t, nil,
		"c1, A, ann, 09:00, start, org:group=desk",
		"c1, A, ann, 11:00, complete, org:group=desk",
		"c2, A, ben, 10:00, start, org:group=desk",
		"c2, A, ben, 11:00, complete, org:group=desk",
		"c3, B, nia, 09:00, start, org:group=net",
		"c3, B, nia, 13:00, complete, org:group=net",
	)
	m := mustMeasure(t, l, Options{})
	got := map[string]TeamUtilization{}
	for _, tu := range m.Utilization.Teams {
		got[tu.Team] = tu
	}
	if got["desk"].Persons != 2 || got["net"].Persons != 1 {
		t.Fatalf("teams: got %+v", m.Utilization.Teams)
	}
	eq(t, "desk", got["desk"].Utilization, 3.0/8) // (2 h + 1 h) ÷ (2 × 4 h)
	eq(t, "net", got["net"].Utilization, 1)
}

func TestCalendar(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, y int, mo time.Month, d, h, m int) int64 {
		return time.Date(y, mo, d, h, m, 0, 0, loc).UnixNano()
	}
	h := DefaultBusinessHours()
	all := &BusinessHours{Days: []time.Weekday{0, 1, 2, 3, 4, 5, 6}, End: 24 * time.Hour}
	for _, c := range []struct {
		name  string
		hours *BusinessHours
		loc   *time.Location
		s, e  int64
		want  time.Duration
	}{
		{"within a day", h, time.UTC, at(time.UTC, 2026, 3, 2, 8, 0), at(time.UTC, 2026, 3, 2, 10, 30), 90 * time.Minute},
		{"over a weekend", h, time.UTC, at(time.UTC, 2026, 3, 6, 16, 0), at(time.UTC, 2026, 3, 9, 10, 0), 2 * time.Hour},
		{"a whole week", h, time.UTC, at(time.UTC, 2026, 3, 2, 0, 0), at(time.UTC, 2026, 3, 9, 0, 0), 40 * time.Hour},
		// 29 March 2026: clocks go forward in Berlin; working hours are wall clock.
		{"across DST", h, berlin, at(berlin, 2026, 3, 27, 16, 0), at(berlin, 2026, 3, 30, 10, 0), 2 * time.Hour},
		{"24×7 across DST", all, berlin, at(berlin, 2026, 3, 29, 0, 0), at(berlin, 2026, 3, 30, 0, 0), 23 * time.Hour},
	} {
		cal := newCalendar(c.hours, c.loc, c.s, c.e)
		if got := time.Duration(cal.between(c.s, c.e)); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if s := h.String(); s != "Mon-Fri 09:00-17:00" {
		t.Errorf("got %q", s)
	}
}
