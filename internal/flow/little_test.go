package flow

import (
	"slices"
	"testing"

	"github.com/svcflow/svcflow/internal/golden"
)

func TestLittleExactlyOne(t *testing.T) {
	// The lifecycle log without c3: every visit and item that starts in
	// [09:00, 11:20] ends in it, so ∫WIP = Σ lead and the ratio is 1.
	rows := slices.DeleteFunc(slices.Clone(lifecycleRows), func(r string) bool { return r[:2] == "c3" })
	l := metricsLog(t, nil, rows...)
	m := mustMeasure(t, l, Options{ResolvedActivities: []string{"resolved"}})
	checks := map[string]LittleCheck{"stream": m.Little.Stream}
	for _, s := range m.Little.Steps {
		checks[s.Activity] = s.LittleCheck
	}
	for name, c := range checks {
		if c.Ratio == nil || *c.Ratio != 1 {
			t.Errorf("%s: got ratio %v, want exactly 1", name, val(c.Ratio))
		}
		if c.QueueRatio == nil || *c.QueueRatio != 1 {
			t.Errorf("%s: got queue ratio %v, want exactly 1", name, val(c.QueueRatio))
		}
	}
	golden.Check(t, "metrics/little_one.json", metricsJSON(t, m))
}

func TestLittleNotOne(t *testing.T) {
	l := metricsLog(t, nil, lifecycleRows...)
	m := mustMeasure(t, l, Options{ResolvedActivities: []string{"resolved"}})
	steps := map[string]LittleCheck{}
	for _, s := range m.Little.Steps {
		steps[s.Activity] = s.LittleCheck
	}
	// fix over [09:00, 11:20]: ∫WIP = 110 + 55 + 25 + 20 (c3, open) = 210
	// min; departures 110 + 55 + 25 = 190 → 210/190. Queue: 30 + 5 + 10 +
	// 20 = 65 queued minutes over waits 30 + 5 + 10 = 45 → 65/45.
	eq(t, "fix ratio", steps["fix"].Ratio, 210.0/190)
	eq(t, "fix queue ratio", steps["fix"].QueueRatio, 65.0/45)
	eq(t, "fix L", steps["fix"].L, 210.0/140)
	eq(t, "fix W", steps["fix"].W, 190.0/3*60)
	eq(t, "fix λ per day", steps["fix"].LambdaPerDay, 3/(140.0/1440))
	// triage: every visit ends in the window.
	if r := steps["triage"].Ratio; r == nil || *r != 1 {
		t.Errorf("triage: got ratio %v, want 1", val(r))
	}
	// Items: c1 140, c2 70, c3 80 (open until 11:20), c4 10 → ∫ = 300;
	// finished c1, c2, c4: 220 → 300/220.
	eq(t, "stream ratio", m.Little.Stream.Ratio, 300.0/220)

	// A window cutting visits: completion log, [09:00, 11:00].
	// B of c1 [09:00, 10:00) departs; C of c1 [10:00, 12:00) is in WIP for
	// 60 min and departs after; C of c2 [09:30, 10:30) departs.
	// ∫WIP = 60 + 60 + 60 = 180 min, Σ lead of departures = 60 + 60 → 1.5.
	lc := metricsLog(t, nil, completionRows...)
	mc := mustMeasure(t, lc, Options{LittleFrom: mAt(t, "09:00", nil), LittleTo: mAt(t, "11:00", nil)})
	var sum littleSums
	for _, s := range mc.Little.Steps {
		sum.departures += s.Departures
	}
	if sum.departures != 2 {
		t.Errorf("departures: got %d, want 2", sum.departures)
	}
	for _, s := range mc.Little.Steps {
		switch s.Activity {
		case "B":
			eq(t, "B ratio", s.Ratio, 1)
		case "C":
			eq(t, "C ratio", s.Ratio, 2) // ∫ 60 + 60 over the one departure's 60
		}
		isNull(t, s.Activity+" queue ratio", s.QueueRatio)
	}
	// Items: c1 [09:00, 12:00) → 120 in window, c2 [09:30, 10:30) → 60,
	// c3 [11:00, 11:00) → 0; only c2 departs (60) → 3.
	eq(t, "completion stream ratio", mc.Little.Stream.Ratio, 3)
}
