package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The calendar pops events in time order, and events at the same time in
// the order they were scheduled.
func TestCalendarOrder(t *testing.T) {
	g := rand.New(rand.NewPCG(1, 2))
	var c calendar
	type key struct {
		at  float64
		ref int32
	}
	var want []key
	for i := range 5000 {
		at := float64(g.IntN(300)) // many ties
		c.schedule(at, evDone, int32(i))
		want = append(want, key{at, int32(i)})
		if i%7 == 0 { // interleave pops with pushes, as a run does
			e := c.pop()
			k := slices.IndexFunc(want, func(k key) bool { return k.ref == e.ref })
			want = slices.Delete(want, k, k+1)
			for _, w := range want {
				if w.at < e.at || w.at == e.at && w.ref < e.ref {
					t.Fatalf("popped %v at %v before %v at %v", e.ref, e.at, w.ref, w.at)
				}
			}
		}
	}
	slices.SortStableFunc(want, func(a, b key) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	for _, w := range want {
		e := c.pop()
		if e.at != w.at || e.ref != w.ref {
			t.Fatalf("popped %v at %v, want %v at %v", e.ref, e.at, w.ref, w.at)
		}
	}
	if c.len() != 0 {
		t.Fatalf("%d events left", c.len())
	}
}

// BenchmarkCalendar is the hold model: a calendar of 256 pending events,
// each pop followed by a push at an exponential distance.
func BenchmarkCalendar(b *testing.B) {
	g := rand.New(rand.NewPCG(1, 2))
	var c calendar
	for i := range 256 {
		c.schedule(g.ExpFloat64(), evDone, int32(i))
	}
	for b.Loop() {
		e := c.pop()
		c.schedule(e.at+g.ExpFloat64(), evDone, e.ref)
	}
}
