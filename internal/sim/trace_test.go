package sim

import (
	"encoding/json"
	"testing"

	"github.com/svcflow/svcflow"
)

// A trace tells each item's story without changing it: the visits chain
// step to step, each lasts what was sampled, resolution falls where the
// visits say, and the report is the same as without tracing.
func TestTrace(t *testing.T) {
	m := restoration(10*day, 2, 3)
	traced := mustRun(t, m, RunOptions{Trace: true})
	plain := mustRun(t, m, RunOptions{})
	a, _ := json.Marshal(traced)
	b, _ := json.Marshal(plain)
	if string(a) != string(b) {
		t.Fatalf("tracing changed the report:\n%s\nwant\n%s", a, b)
	}
	resolves := map[string]bool{}
	for _, s := range m.Work[0].Steps {
		resolves[s.ID] = s.Resolves
	}
	visits := 0
	for _, run := range traced.Runs {
		if plain.Runs[0].Items[0].Visits != nil {
			t.Fatal("visits kept without Trace")
		}
		for n, it := range run.Items {
			vs := it.Visits
			if len(vs) == 0 || vs[0].Step != m.Work[0].Entry || vs[0].Entered != it.Arrival {
				t.Fatalf("item %d: first visit %+v, want %s entered at %v", n, vs, m.Work[0].Entry, it.Arrival)
			}
			resolved := -1.0
			for k, v := range vs {
				visits++
				open := v.To == ""
				switch {
				case v.Started < 0 && (!open || v.Duration != 0):
					t.Fatalf("item %d visit %d: never started but %+v", n, k, v)
				case v.Started >= 0 && (v.Started < v.Entered || v.Duration < 0):
					t.Fatalf("item %d visit %d: %+v", n, k, v)
				case !open && v.Ended != v.Started+v.Duration:
					t.Fatalf("item %d visit %d: ended at %v, want start %v + duration %v", n, k, v.Ended, v.Started, v.Duration)
				case !open && v.To != Value && (k+1 >= len(vs) || vs[k+1].Step != v.To || vs[k+1].Entered != v.Ended):
					t.Fatalf("item %d visit %d: went to %s at %v, then %+v", n, k, v.To, v.Ended, vs[k+1:])
				case open && k != len(vs)-1, v.To == Value && k != len(vs)-1:
					t.Fatalf("item %d: visits after the last one: %+v", n, vs)
				}
				if !open && resolved < 0 && (resolves[v.Step] || v.To == Value) {
					resolved = v.Ended
				}
			}
			if it.Resolved != (resolved >= 0) || it.Resolved && it.ResolvedAt != resolved {
				t.Fatalf("item %d: resolved %v at %v, the visits say %v", n, it.Resolved, it.ResolvedAt, resolved)
			}
			last := vs[len(vs)-1]
			if it.Done != (last.To == Value) || it.Done && it.DoneAt != last.Ended {
				t.Fatalf("item %d: done %v at %v, last visit %+v", n, it.Done, it.DoneAt, last)
			}
		}
	}
	if visits == 0 {
		t.Fatal("no visits traced")
	}
}

// Items that join a fifo or lifo queue at the same instant tie on age;
// the work engine breaks the tie by name, and so must the simulator,
// whatever order they joined in.
func TestSameInstantJoinsRankAsTheWorkEngine(t *testing.T) {
	for _, policy := range []string{"fifo", "lifo"} {
		for _, limited := range []bool{false, true} {
			m := &Model{
				Teams: []Team{{ID: "t", People: 1, Policy: policy}},
				Work: []Class{{ID: "c", Arrivals: Arrivals{Kind: ArrivalPoisson, Rate: 1}, Entry: "a",
					Steps: []Step{
						{ID: "a", Team: "t", Duration: Dist{Kind: DistFixed, Mean: minute}, Next: []Route{{To: "b", Probability: 1}}},
						{ID: "b", Team: "t", Duration: Dist{Kind: DistFixed, Mean: minute}, Next: []Route{{To: Value, Probability: 1}}},
					}}},
				Horizon: day, Seed: 1,
			}
			if limited {
				m.Work[0].Steps[0].WIPLimit = 1
			}
			c, err := compile(m)
			if err != nil {
				t.Fatal(err)
			}
			r := newRun(c, 0, RunOptions{})
			g := newRNG(42, 0, streamRouting, 0)
			// Thirty items join at six instants, five at each, in an order
			// unrelated to their arrival numbers.
			for k, seq := range g.r.Perm(30) {
				r.now = float64(k/5) * minute
				i := int32(len(r.items))
				r.items = append(r.items, item{arrival: 0, entered: r.now, step: int32(k % 2), seq: int64(seq + 1), res: -1})
				r.join(0, i)
			}
			r.now = hour
			for n := 0; r.teams[0].head < len(r.teams[0].queue); n++ {
				r.steps[0].inProgress = n % 3 / 2 // step a is full every third take
				var entries []svcflow.QueueEntry
				for _, q := range r.teams[0].queue[r.teams[0].head:] {
					e := r.queueEntry(q.item)
					e.Item = itemID(r.items[q.item].seq)
					entries = append(entries, e)
				}
				ranked := svcflow.RankQueue(c.teams[0].policy, entries, r.clock())
				want, _ := svcflow.Pull(ranked, map[string]svcflow.StepCapacity{"a": {WIPLimit: m.Work[0].Steps[0].WIPLimit, InProgress: r.steps[0].inProgress}})
				k := r.pick(0)
				if want == nil || k < 0 {
					if (want == nil) != (k < 0) {
						t.Fatalf("%s, limited %v, take %d: picked %d, want %v", policy, limited, n, k, want)
					}
					continue
				}
				if got := itemID(r.items[r.take(0, k)].seq); got != want.Item {
					t.Fatalf("%s, limited %v, take %d: picked %s, want %s (%s)", policy, limited, n, got, want.Item, want.Why)
				}
			}
		}
	}
}
