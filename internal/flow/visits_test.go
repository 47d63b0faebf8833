package flow

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// TestLeadIdentityRandom checks lead = wait + cycle + blocked = end −
// entered for every visit of random lifecycle and start-time logs, sound
// or not (transitions in any order, instances, unknown resources).
func TestLeadIdentityRandom(t *testing.T) {
	phases := []eventlog.Phase{eventlog.PhaseSchedule, eventlog.PhaseAssign, eventlog.PhaseReassign, eventlog.PhaseStart,
		eventlog.PhaseSuspend, eventlog.PhaseResume, eventlog.PhaseComplete, eventlog.PhaseATEAbort, eventlog.PhaseNone, eventlog.PhaseAutoSkip}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 3))
		b := eventlog.NewBuilder()
		b.EventColumn("concept:instance")
		acts := []uint32{b.InternString("a"), b.InternString("b")}
		res := []uint32{0, b.InternString("x"), b.InternString("y")}
		ids := []uint32{0, b.InternString("1"), b.InternString("2")}
		withStart := seed%4 == 0
		for c := range 5 {
			id := b.Case(b.InternString(string(rune('A' + c))))
			t0 := mBase.UnixNano()
			for range 3 + rng.IntN(12) {
				t0 += rng.Int64N(int64(time.Hour))
				e := eventlog.Event{Case: id, Activity: acts[rng.IntN(2)], Resource: res[rng.IntN(3)], Time: t0,
					Attrs: []uint32{ids[rng.IntN(3)]}}
				if withStart {
					if rng.IntN(5) > 0 {
						e.Start = t0 - rng.Int64N(int64(2*time.Hour))
					}
				} else {
					e.Phase = phases[rng.IntN(len(phases))]
				}
				b.Add(e)
			}
		}
		l, _ := b.Build()
		if l.Phase == nil && l.Start == nil {
			continue
		}
		r := newTestRun(t, l, Options{AsOf: mBase.Add(48 * time.Hour).UnixNano()})
		r.teamPerEvent()
		v := lifecycleVisits(r)
		checkLeadIdentity(t, v, r.asOf)
		for i := range v.len() {
			if v.entered[i] > v.end(i, r.asOf) || (v.started[i] != eventlog.NoTime && v.started[i] < v.entered[i]) {
				t.Fatalf("seed %d visit %d: entered %d started %d end %d", seed, i, v.entered[i], v.started[i], v.end(i, r.asOf))
			}
		}
		if _, err := Measure(l, Options{AsOf: r.asOf}); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}
