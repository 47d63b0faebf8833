package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
)

// calStream is a small stream for the calibration tests: the desk triages
// and either fixes the item at once or passes it to the experts.
func calStream() *svcflow.ValueStream {
	return &svcflow.ValueStream{ID: "mend", Steps: []svcflow.Step{
		{ID: "triage", Name: "Triage the item", Team: "desk", Outcomes: []string{"fixed", "escalate"}, Next: []svcflow.Transition{
			{When: "fixed", To: svcflow.End, Probability: 0.5},
			{When: "escalate", To: "fix", Probability: 0.5},
		}},
		{ID: "fix", Name: "Fix it", Team: "experts", Resolves: true, Next: []svcflow.Transition{{To: svcflow.End, Probability: 1}}},
	}}
}

// calLog is a hand-made log of the stream. Case k (k = 0…39) is created at
// hour k and triaged at once: 10 minutes queued, then 10, 20 or 30 minutes
// of work (k mod 3). Every fourth case (k mod 4 = 0) goes on to fix: 10
// minutes queued, 10 active, 20 on hold, 20 active again (cycle 30, blocked
// 20). Every eighth (k mod 8 = 0) comes back from fix to triage (rework,
// which the stream does not design): 10 minutes queued, 20 of work. With
// lifecycle false the log has only completions, and a "created" event
// opening each case.
//
// Hand-computed: 40 cases over a span from hour 0 to the last event, case
// 39's triage completing at 39h20m (39 mod 3 = 0: 10 minutes of work after
// 10 queued); triage has 45 visits, 40 first and 5 rework; routes triage →
// fix 10/45, triage → value 35/45; fix → triage 5/10, fix → value 5/10.
// The desk never works two visits at once, but five visits wait while it
// is busy with another: case 10 (10h00–10h10, case 8's rework active
// 9h50–10h10), case 34 (likewise behind case 32's rework), and the rework
// visits of cases 0, 16 and 24 (e.g. case 0's waits 1h20–1h30 while case
// 1 is worked 1h10–1h30).
func calLog(lifecycle bool) *eventlog.Log {
	b := eventlog.NewBuilder()
	prio := b.CaseColumn("priority")
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixNano()
	mi := int64(time.Minute)
	for k := range 40 {
		c := b.Case(b.InternString("c" + string(rune('A'+k/26)) + string(rune('a'+k%26))))
		p := "P3"
		if k%5 == 0 {
			p = "P2"
		}
		b.SetCaseAttr(c, prio, b.InternString(p))
		t := t0 + int64(k)*int64(time.Hour)
		ev := func(act string, at int64, ph eventlog.Phase, who string) {
			if !lifecycle && ph != eventlog.PhaseComplete && ph != eventlog.PhaseNone {
				return
			}
			if !lifecycle {
				ph = eventlog.PhaseNone
			}
			b.Add(eventlog.Event{Case: c, Activity: b.InternString(act), Resource: b.InternString(who), Time: at, Phase: ph})
		}
		ev("created", t, eventlog.PhaseNone, "")
		work := int64(10+10*(k%3)) * mi
		ev("triage", t, eventlog.PhaseSchedule, "")
		ev("triage", t+10*mi, eventlog.PhaseStart, "ann")
		ev("triage", t+10*mi+work, eventlog.PhaseComplete, "ann")
		if k%4 != 0 {
			continue
		}
		t += 10*mi + work
		ev("fix", t, eventlog.PhaseSchedule, "")
		ev("fix", t+10*mi, eventlog.PhaseStart, "bob")
		ev("fix", t+20*mi, eventlog.PhaseSuspend, "bob")
		ev("fix", t+40*mi, eventlog.PhaseResume, "bob")
		ev("fix", t+60*mi, eventlog.PhaseComplete, "bob")
		if k%8 != 0 {
			continue
		}
		t += 60 * mi
		ev("triage", t, eventlog.PhaseSchedule, "")
		ev("triage", t+10*mi, eventlog.PhaseStart, "ann")
		ev("triage", t+30*mi, eventlog.PhaseComplete, "ann")
	}
	l, _ := b.Build()
	return l
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func step(t *testing.T, c Class, id string) Step {
	t.Helper()
	for _, s := range c.Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no step %q in %v", id, c.Steps)
	return Step{}
}

func routeP(s Step, to string) float64 {
	p := 0.0
	for _, r := range s.Next {
		if r.To == to {
			p += r.Probability
		}
	}
	return p
}

func distMean(d Dist) float64 {
	if d.Kind == DistEmpirical {
		s := 0.0
		for _, v := range d.Samples {
			s += v
		}
		return s / float64(len(d.Samples))
	}
	return d.Mean
}

func TestCalibrateLifecycle(t *testing.T) {
	m, err := Calibrate(calLog(true), CalibrateOptions{Stream: calStream()})
	if err != nil {
		t.Fatal(err)
	}
	if m.DelayOnly || m.Replications != 10 || m.Seed != 1 {
		t.Errorf("delay only %v, replications %d, seed %d; want false, 10, 1", m.DelayOnly, m.Replications, m.Seed)
	}
	if m.Horizon != 30*24*3600 || m.WarmUp != 7*24*3600 {
		t.Errorf("horizon %v, warm-up %v; want 30 days and a week", m.Horizon, m.WarmUp)
	}
	if len(m.Work) != 1 {
		t.Fatalf("%d classes, want 1", len(m.Work))
	}
	c := m.Work[0]
	span := (39*time.Hour + 20*time.Minute).Seconds()
	if c.Arrivals.Kind != ArrivalPoisson || !near(c.Arrivals.Rate, 40/span) {
		t.Errorf("arrivals %+v, want poisson at %v per second", c.Arrivals, 40/span)
	}
	if len(c.Priority) != 2 || c.Priority[0] != (PriorityShare{"P2", 0.2}) || c.Priority[1] != (PriorityShare{"P3", 0.8}) {
		t.Errorf("priority mix %+v, want P2 0.2, P3 0.8", c.Priority)
	}
	// Each step is preceded by its delay: triage's 10 minutes queued while
	// the desk was free (not the five visits whose wait the queue
	// explains); fix's 10 queued and 20 on hold.
	if c.Entry != "triage-delay" {
		t.Errorf("entry %q, want triage-delay", c.Entry)
	}
	triage, fix := step(t, c, "triage"), step(t, c, "fix")
	if got := routeP(triage, "fix-delay"); !near(got, 10.0/45) {
		t.Errorf("triage → fix %v, want 10/45", got)
	}
	if got := routeP(triage, Value); !near(got, 35.0/45) {
		t.Errorf("triage → value %v, want 35/45", got)
	}
	if got := routeP(fix, "triage-delay"); !near(got, 0.5) {
		t.Errorf("fix → triage (rework) %v, want 0.5", got)
	}
	if got := routeP(fix, Value); !near(got, 0.5) {
		t.Errorf("fix → value %v, want 0.5", got)
	}
	// Triage's work: 40 first visits of 10, 20 or 30 minutes (14, 13 and 13
	// of them) and 5 rework visits of 20: (140+260+390+100)/45 minutes.
	if got, want := distMean(triage.Duration), 890.0/45*60; !near(got, want) {
		t.Errorf("triage service mean %v s, want %v", got, want)
	}
	if triage.Duration.Kind != DistEmpirical || len(triage.Duration.Samples) != 45 {
		t.Errorf("triage service %s with %d samples, want empirical with 45", triage.Duration.Kind, len(triage.Duration.Samples))
	}
	if fix.Duration.Kind != DistFixed || fix.Duration.Mean != 1800 {
		t.Errorf("fix service %+v, want fixed 1800 s", fix.Duration)
	}
	if d := step(t, c, "fix-delay"); d.Team != "" || d.Duration.Kind != DistFixed || d.Duration.Mean != 1800 || routeP(d, "fix") != 1 {
		t.Errorf("fix-delay %+v, want a fixed 1800 s delay into fix", d)
	}
	if d := step(t, c, "triage-delay").Duration; d.Kind != DistEmpirical || len(d.Samples) != 45 || d.Samples[4] != 0 || d.Samples[5] != 600 ||
		!near(distMean(d), 40*600/45.0) {
		t.Errorf("triage-delay %+v, want 40 samples of 600 s and 5 of 0", d)
	}
	if triage.Team != "desk" || fix.Team != "experts" || !fix.Resolves || triage.Resolves {
		t.Errorf("triage %s resolves %v, fix %s resolves %v", triage.Team, triage.Resolves, fix.Team, fix.Resolves)
	}
	// One visit active at a time in each team: one person each, no
	// shifts (too few starts to read hours from).
	want := []Team{{ID: "desk", People: 1, Policy: "fifo"}, {ID: "experts", People: 1, Policy: "fifo"}}
	if len(m.Teams) != 2 || m.Teams[0].ID != want[0].ID || m.Teams[0].People != 1 || m.Teams[1].People != 1 ||
		len(m.Teams[0].Shifts)+len(m.Teams[1].Shifts) != 0 {
		t.Errorf("teams %+v, want %+v", m.Teams, want)
	}
	if !strings.HasPrefix(m.Note, "calibrated from 40 items of stream mend, 2026-03-02 to 2026-03-03; ") || !strings.Contains(m.Note, "lifecycle timing") {
		t.Errorf("note %q", m.Note)
	}
}

func TestCalibrateCompletion(t *testing.T) {
	m, err := Calibrate(calLog(false), CalibrateOptions{Stream: calStream(), Replications: 3, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if !m.DelayOnly || len(m.Teams) != 0 || m.Replications != 3 || m.Seed != 9 {
		t.Fatalf("delay only %v, teams %v, replications %d, seed %d", m.DelayOnly, m.Teams, m.Replications, m.Seed)
	}
	if !strings.Contains(m.Note, "completion-only log: each step is modelled as a delay with no queue") ||
		!strings.Contains(m.Note, "capacity what-ifs are refused") {
		t.Errorf("note %q", m.Note)
	}
	c := m.Work[0]
	if c.Entry != "triage" {
		t.Errorf("entry %q, want triage (no delay steps)", c.Entry)
	}
	// Triage's lead time is created → triage: 20, 30 or 40 minutes for the
	// first visits, 30 for the rework ones (fix → triage).
	triage, fix := step(t, c, "triage"), step(t, c, "fix")
	if got, want := distMean(triage.Duration), (14*20+13*30+13*40+5*30)/45.0*60; !near(got, want) || triage.Team != "" {
		t.Errorf("triage delay mean %v s, team %q; want %v, none", got, triage.Team, want)
	}
	if fix.Duration.Kind != DistFixed || fix.Duration.Mean != 3600 || fix.Team != "" {
		t.Errorf("fix %+v, want a fixed 3600 s delay", fix)
	}
	if got := routeP(triage, "fix"); !near(got, 10.0/45) {
		t.Errorf("triage → fix %v, want 10/45", got)
	}
}

func TestCalibrateErrors(t *testing.T) {
	s := calStream()
	s.Steps = append(s.Steps, svcflow.Step{ID: "review", Team: "desk"})
	s.Steps[1].Next = []svcflow.Transition{{To: "review"}}
	s.Steps[2].Next = []svcflow.Transition{{To: svcflow.End}}
	// fix → review is designed but never observed: review has no visit.
	if _, err := Calibrate(calLog(true), CalibrateOptions{Stream: s}); err == nil || !strings.Contains(err.Error(), "step review") {
		t.Errorf("unobserved step without a target: error %v, want one naming step review", err)
	}
	s.TargetLeadTime = svcflow.Duration{Calendar: 2 * time.Hour}
	m, err := Calibrate(calLog(true), CalibrateOptions{Stream: s})
	if err != nil {
		t.Fatal(err)
	}
	if d := step(t, m.Work[0], "review").Duration; d.Kind != DistExponential || d.Mean != 7200 {
		t.Errorf("review %+v, want exponential with the stream's target, 7200 s", d)
	}
	if _, err := Calibrate(&eventlog.Log{Strings: []string{""}, Offsets: []uint32{0}}, CalibrateOptions{Stream: s}); err == nil {
		t.Error("empty log: no error")
	}
	if _, err := Calibrate(calLog(true), CalibrateOptions{}); err == nil {
		t.Error("no stream: no error")
	}
	other := &svcflow.ValueStream{ID: "x", Steps: []svcflow.Step{{ID: "elsewhere", Next: []svcflow.Transition{{To: svcflow.End}}}}}
	if _, err := Calibrate(calLog(true), CalibrateOptions{Stream: other}); err == nil || !strings.Contains(err.Error(), "no activity") {
		t.Errorf("unmapped log: error %v", err)
	}
	if _, err := Calibrate(calLog(true), CalibrateOptions{Stream: calStream(), Flow: flow.Options{Timing: "sometimes"}}); err == nil {
		t.Error("bad timing: no error")
	}
}

// TestCalibrateShifts reads office hours from when work starts, and takes
// as service time only the active time inside them.
func TestCalibrateShifts(t *testing.T) {
	var starts []int64
	mon := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	for d := range 14 {
		day := mon.AddDate(0, 0, d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for h := 8; h < 18; h++ {
			starts = append(starts, day.Add(time.Duration(h)*time.Hour+17*time.Minute).UnixNano())
		}
	}
	starts = append(starts, mon.Add(2*time.Hour).UnixNano()) // one night call: not a shift
	w := calFitWeekHours(starts, time.UTC)
	if w == nil || w.start != 8 || w.end != 18 || w.String() != "Mon-Fri 08:00-18:00" {
		t.Fatalf("hours %+v, want Mon-Fri 08:00-18:00", w)
	}
	sh := w.shifts(3)
	if len(sh) != 1 || sh[0].Start != 8*3600 || sh[0].End != 18*3600 || sh[0].People != 3 || len(sh[0].Days) != 5 || sh[0].Days[0] != 1 {
		t.Errorf("shifts %+v", sh)
	}
	// Friday 17:00 to Monday 09:00 holds two working hours.
	fri := mon.AddDate(0, 0, 4).Add(17 * time.Hour).UnixNano()
	next := mon.AddDate(0, 0, 7).Add(9 * time.Hour).UnixNano()
	if got := time.Duration(w.between(fri, next, time.UTC)); got != 2*time.Hour {
		t.Errorf("working time Friday 17:00 to Monday 09:00: %v, want 2h", got)
	}
	if got := time.Duration(w.between(mon.UnixNano(), mon.AddDate(0, 0, 14).UnixNano(), time.UTC)); got != 100*time.Hour {
		t.Errorf("working time in two weeks: %v, want 100h", got)
	}
	if calFitWeekHours(starts[:10], time.UTC) != nil {
		t.Error("hours read from 10 starts")
	}
}
