package flow

import "testing"

// TestItemTimesAndSatisfaction: a reopened item has a time_to_resolve to
// its first resolution and a time_to_final_resolve to its last; the
// stream lead time runs to value; scores give satisfaction.
func TestItemTimesAndSatisfaction(t *testing.T) {
	l := metricsLog(t, nil,
		// a: created 09:00, resolved 10:00, reopened, resolved again 12:00, value 13:00; score 4.
		"a, created, , 09:00, -, @score=4",
		"a, fix, ann, 09:30, complete",
		"a, resolved, , 10:00",
		"a, reopened, , 11:00",
		"a, fix, ann, 11:30, complete",
		"a, resolved, , 12:00",
		"a, value, , 13:00",
		// b: created 09:00, resolved 09:20, no value yet, score 2.
		"b, created, , 09:00, -, @score=2",
		"b, fix, bob, 09:10, complete",
		"b, resolved, , 09:20",
		// c: open, no score.
		"c, created, , 10:00",
	)
	m, err := Measure(l, Options{ResolvedActivities: []string{"resolved"}, ValueActivities: []string{"value"}})
	if err != nil {
		t.Fatal(err)
	}
	// time_to_resolve: a 60 min, b 20 min; final: a 180 min, b 20 min; stream lead: a 240 min.
	check := func(name string, s *Stats, count int, mean float64) {
		t.Helper()
		if s == nil || s.Count != count || s.Mean == nil || *s.Mean != mean {
			t.Errorf("%s: %+v, want %d items with mean %v s", name, s, count, mean)
		}
	}
	check("time_to_resolve", &m.ItemTime.Stats, 2, 40*60)
	check("time_to_final_resolve", m.ItemTimes.TimeToFinalResolve, 2, 100*60)
	check("stream_lead_time", m.ItemTimes.StreamLeadTime, 1, 240*60)
	if m.Rework.Reopens != 1 {
		t.Errorf("reopens %d, want 1", m.Rework.Reopens)
	}
	s := m.Outcome.Satisfaction
	if s == nil || s.Responses != 2 || *s.Mean != 3 || s.Scores != [5]int{0, 1, 0, 1, 0} || *s.ResponseRate != 1 {
		t.Errorf("satisfaction %+v, want 2 responses, mean 3, one 2 and one 4, every finished item answered", s)
	}

	// Without the end points, the extra item times are null, and without
	// scores so is satisfaction.
	m, err = Measure(metricsLog(t, nil, "x, a, , 09:00", "x, b, , 10:00"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.ItemTimes.TimeToFinalResolve != nil || m.ItemTimes.StreamLeadTime != nil || m.Outcome.Satisfaction != nil {
		t.Errorf("item times %+v, satisfaction %+v; want null", m.ItemTimes, m.Outcome.Satisfaction)
	}
}
