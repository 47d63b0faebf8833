package flow

import (
	"slices"
	"strings"
	"testing"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
)

// TestVisitsOf reads one case by hand: a visit of "Log it" queued 5
// minutes and worked 10, then "fix" queued 20, worked 15, on hold 30 and
// worked 5 more.
func TestVisitsOf(t *testing.T) {
	b := eventlog.NewBuilder()
	c := b.Case(b.InternString("c1"))
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	add := func(act string, at int, ph eventlog.Phase) {
		b.Add(eventlog.Event{Case: c, Activity: b.InternString(act), Resource: b.InternString("ann"),
			Time: t0.Add(time.Duration(at) * time.Minute).UnixNano(), Phase: ph})
	}
	add("Log it", 0, eventlog.PhaseSchedule)
	add("Log it", 5, eventlog.PhaseStart)
	add("Log it", 15, eventlog.PhaseComplete)
	add("fix", 15, eventlog.PhaseSchedule)
	add("fix", 35, eventlog.PhaseStart)
	add("fix", 50, eventlog.PhaseSuspend)
	add("fix", 80, eventlog.PhaseResume)
	add("fix", 85, eventlog.PhaseComplete)
	l, _ := b.Build()

	vt, err := VisitsOf(l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if vt.Timing != TimingLifecycle || vt.Len() != 2 || len(vt.Offsets) != 2 || vt.Offsets[1] != 2 {
		t.Fatalf("timing %s, %d visits, offsets %v", vt.Timing, vt.Len(), vt.Offsets)
	}
	m := time.Minute.Nanoseconds()
	want := []struct {
		act                  string
		wait, cycle, blocked int64
	}{{"Log it", 5 * m, 10 * m, 0}, {"fix", 20 * m, 20 * m, 30 * m}}
	for i, w := range want {
		if got := l.Str(vt.Activity[i]); got != w.act || vt.Wait[i] != w.wait || vt.Cycle[i] != w.cycle || vt.Blocked[i] != w.blocked {
			t.Errorf("visit %d: %s wait %d cycle %d blocked %d, want %+v", i, got, vt.Wait[i], vt.Cycle[i], vt.Blocked[i], w)
		}
		if lead, ok := vt.Lead(i); !ok || lead != w.wait+w.cycle+w.blocked {
			t.Errorf("visit %d: lead %d (%v), want wait + cycle + blocked", i, lead, ok)
		}
	}
	if vt.Started[1] != t0.Add(35*time.Minute).UnixNano() || vt.Case[1] != 0 || l.Str(vt.Resource[1]) != "ann" {
		t.Errorf("fix started %d, case %d, resource %q", vt.Started[1], vt.Case[1], l.Str(vt.Resource[1]))
	}
	// The segments of fix: queued, active, blocked, active.
	var states []string
	for k, v := range vt.Segments.Visit {
		if v == 1 {
			states = append(states, string(vt.Segments.State[k]))
		}
	}
	if got := strings.Join(states, " "); got != "queued active blocked active" {
		t.Errorf("fix segments %s", got)
	}

	vt, err = VisitsOf(l, Options{Timing: TimingCompletion})
	if err != nil {
		t.Fatal(err)
	}
	if vt.Len() != l.Events() || vt.Wait[0] != -1 || vt.Cycle[3] != -1 || vt.Started[3] != eventlog.NoTime || len(vt.Segments.Visit) != 0 {
		t.Errorf("completion timing: %d visits, wait %d, cycle %d, started %d, %d segments", vt.Len(), vt.Wait[0], vt.Cycle[3], vt.Started[3], len(vt.Segments.Visit))
	}
	if _, err := VisitsOf(&eventlog.Log{Strings: []string{""}, Offsets: []uint32{0}}, Options{}); err == nil {
		t.Error("empty log: no error")
	}
}

func TestStepsOf(t *testing.T) {
	b := eventlog.NewBuilder()
	c := b.Case(b.InternString("c1"))
	for i, a := range []string{"Log it", "FIX", "Something else"} {
		b.Add(eventlog.Event{Case: c, Activity: b.InternString(a), Time: int64(i)})
	}
	l, _ := b.Build()
	s := &svcflow.ValueStream{ID: "s", Steps: []svcflow.Step{
		{ID: "register", Name: "Log it", Next: []svcflow.Transition{{To: "fix"}}},
		{ID: "fix", Next: []svcflow.Transition{{To: svcflow.End}}},
	}}
	steps, err := StepsOf(l, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, st := range steps {
		if i > 0 && st != "" {
			got[l.Strings[i]] = st
		}
	}
	if len(got) != 2 || got["Log it"] != "register" || got["FIX"] != "fix" {
		t.Errorf("steps %v, want Log it → register (by name), FIX → fix (by id)", got)
	}
	m, err := ParseMapping(strings.NewReader("Something else: fix\n"), "map.yaml")
	if err != nil {
		t.Fatal(err)
	}
	steps, err = StepsOf(l, s, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := steps[slices.Index(l.Strings, "Something else")]; got != "fix" {
		t.Errorf("mapped activity: %v", steps)
	}
	m, _ = ParseMapping(strings.NewReader("Something else: nowhere\n"), "map.yaml")
	if _, err := StepsOf(l, s, m); err == nil || !strings.Contains(err.Error(), "map.yaml:1") {
		t.Errorf("mapping to an unknown step: error %v", err)
	}
}
