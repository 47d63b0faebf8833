package flow

import (
	"testing"
	"time"
)

func TestWindowBounds(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	for _, c := range []struct {
		window   string
		loc      *time.Location
		from, to string
		want     []string
	}{
		// Wednesday 25 March 2026 in Berlin; DST starts Sunday 29 March:
		// that week is 167 hours long.
		{WindowWeek, berlin, "2026-03-25T10:00:00+01:00", "2026-04-01T10:00:00+02:00",
			[]string{"2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00", "2026-04-06T00:00:00+02:00"}},
		// A Sunday belongs to the week that began the Monday before.
		{WindowWeek, time.UTC, "2026-03-08T23:59:00Z", "2026-03-08T23:59:00Z",
			[]string{"2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"}},
		{WindowDay, berlin, "2026-03-28T12:00:00+01:00", "2026-03-29T12:00:00+02:00",
			[]string{"2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"}},
		{WindowMonth, time.UTC, "2026-01-31T10:00:00Z", "2026-03-01T00:00:00Z",
			[]string{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"}},
	} {
		b, err := windowBounds(c.window, c.loc, at(c.from), at(c.to))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range b {
			got = append(got, time.Unix(0, x).In(c.loc).Format(time.RFC3339))
		}
		if len(got) != len(c.want) {
			t.Errorf("%s %s: got %v, want %v", c.window, c.from, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s %s: got %v, want %v", c.window, c.from, got, c.want)
				break
			}
		}
	}
	if _, err := windowBounds(WindowDay, time.UTC, at("1700-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z")); err == nil {
		t.Error("centuries by day: got no error")
	}
}

func TestWindowsAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Days after mBase (Monday 2 March) in Berlin time: 23 = Wednesday 25
	// March, 30 = Wednesday 1 April.
	//
	// c1: A Wed 25 10:00, B Wed 1 Apr 10:00 (B in progress across the change)
	// c2: A Thu 26 10:00, B Fri 27 10:00
	l := metricsLog(t, berlin,
		"c1, A, ann, 23d 10:00",
		"c1, B, ann, 30d 10:00",
		"c2, A, ann, 24d 10:00",
		"c2, B, ann, 25d 10:00",
	)
	m := mustMeasure(t, l, Options{Location: berlin})
	w := m.Windows
	if w.Location != "Europe/Berlin" || len(w.Series) != 2 {
		t.Fatalf("got %+v", w)
	}
	first, second := w.Series[0], w.Series[1]
	if first.Start != "2026-03-23T00:00:00+01:00" || first.End != "2026-03-30T00:00:00+02:00" {
		t.Errorf("first week: got %s – %s", first.Start, first.End)
	}
	if first.Arrivals != 2 || first.Throughput != 1 || second.Throughput != 1 {
		t.Errorf("got arrivals %d, throughput %d then %d; want 2, 1, 1", first.Arrivals, first.Throughput, second.Throughput)
	}
	// First week, covered from Wed 25 10:00 CET to Mon 30 00:00 CEST: 4 days
	// 14 h less the lost hour = 109 h. Items in progress: c1 the whole 109 h,
	// c2 24 h → (109 + 24) / 109.
	eq(t, "first week WIP", first.WIP, 133.0/109)
	// Second week, covered from Mon 30 00:00 to Wed 1 10:00: 58 h, c1 only.
	eq(t, "second week WIP", second.WIP, 1)
	// B's visit of c1 runs Wed 25 10:00 → Wed 1 10:00, 167 h in all.
	for _, s := range first.Steps {
		if s.Activity == "B" {
			eq(t, "first week B WIP", s.WIP, (109.0+24)/109)
		}
	}
	if m.ItemTime.Max == nil || *m.ItemTime.Max != 167*3600 {
		t.Errorf("c1 case_duration: got %v, want 167 h", val(m.ItemTime.Max))
	}
}
