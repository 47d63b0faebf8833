package svcflow_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
)

var queueNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// queueAgo returns queueNow minus d, and queueIn queueNow plus d.
func queueAgo(d time.Duration) time.Time { return queueNow.Add(-d) }
func queueIn(d time.Duration) time.Time  { return queueNow.Add(d) }

const (
	qMin  = time.Minute
	qHour = time.Hour
	qDay  = 24 * time.Hour
)

// queueItems is the one queue every policy orders in TestRankQueuePolicies.
//
//	item  prio  waiting  SLA       category  expected  cost  size  tier
//	A     P1    30m      in 1h     network   2h        -     -     2
//	B     P2    3h       in 35m    email     30m       -     -     1
//	C     P2    1h       in 4h     laptop    1h        9     -     3
//	D     P3    6h       none      network   2h        -     15m   1
//	E     P3    10m      in 8h     email     30m       2     4h    unknown
//	F     P4    1d       none      access    15m       -     -     2
//	G     P5    3d       none      access    15m       -     -     1
//	H     P4    2h       20m ago   laptop    unknown   6     1h    3
func queueItems() []svcflow.QueueEntry {
	return []svcflow.QueueEntry{
		{Item: "A", Priority: svcflow.P1, Entered: queueAgo(30 * qMin), Created: queueAgo(40 * qMin), SLADue: queueIn(qHour),
			Category: "network", ExpectedCycle: 2 * qHour, Tier: 2, Step: "diagnose"},
		{Item: "B", Priority: svcflow.P2, Entered: queueAgo(3 * qHour), Created: queueAgo(5 * qHour), SLADue: queueIn(35 * qMin),
			Category: "email", ExpectedCycle: 30 * qMin, Tier: 1, Step: "diagnose"},
		{Item: "C", Priority: svcflow.P2, Entered: queueAgo(qHour), Created: queueAgo(qHour), SLADue: queueIn(4 * qHour),
			Category: "laptop", ExpectedCycle: qHour, CostOfDelay: 9, Tier: 3, Step: "obtain-fix"},
		{Item: "D", Priority: svcflow.P3, Entered: queueAgo(6 * qHour), Created: queueAgo(2 * qDay),
			Category: "network", ExpectedCycle: 2 * qHour, Size: 15 * qMin, Tier: 1, Step: "obtain-fix"},
		{Item: "E", Priority: svcflow.P3, Entered: queueAgo(10 * qMin), Created: queueAgo(10 * qMin), SLADue: queueIn(8 * qHour),
			Category: "email", ExpectedCycle: 30 * qMin, CostOfDelay: 2, Size: 4 * qHour, Step: "diagnose"},
		{Item: "F", Priority: svcflow.P4, Entered: queueAgo(qDay), Created: queueAgo(3 * qDay),
			Category: "access", ExpectedCycle: 15 * qMin, Tier: 2, Step: "fulfil"},
		{Item: "G", Priority: svcflow.P5, Entered: queueAgo(3 * qDay), Created: queueAgo(5 * qDay),
			Category: "access", ExpectedCycle: 15 * qMin, Tier: 1, Step: "fulfil"},
		{Item: "H", Priority: svcflow.P4, Entered: queueAgo(2 * qHour), Created: queueAgo(2 * qHour), SLADue: queueAgo(20 * qMin),
			Category: "laptop", CostOfDelay: 6, Size: qHour, Tier: 3, Step: "obtain-fix"},
	}
}

func queueOrder(ranked []svcflow.RankedEntry) string {
	ids := make([]string, len(ranked))
	for i, r := range ranked {
		ids[i] = r.Item
	}
	return strings.Join(ids, " ")
}

func TestRankQueuePolicies(t *testing.T) {
	tests := []struct {
		policy string
		want   string
		why    string
	}{
		{"fifo", "G F D B H C A E", "longest waiting first"},
		{"lifo", "E A C H B D F G", "newest first"},
		{"priority", "A B C E D H F G", "P-level; P2s by SLA due (B 35m before C 4h); P3 E with an SLA before D without; P4 H with an SLA before F"},
		{"shortest_first", "F G B E C A D H", "15m (F P4 before G P5), 30m (B P2 before E P3), 1h, 2h (A P1 before D P3), H unknown counts 8h"},
		{"wsjf", "D B F C H A G E", "WSJF per hour: D 5/0.25h=20, B 8/0.5h=16, F 3/0.25h=12, C 9/1h=9, H 6/1h=6, A 10/2h=5, G 1/0.25h=4, E 2/4h=0.5"},
		{"entitlement", "B D G A F C H E", "tier 1 (B P2, D P3, G P5), tier 2 (A P1, F P4), tier 3 (C P2, H P4), E unknown last"},
		// Aging adds one class per 4h window, counted from 4h before the
		// deadline: G 1+18 (due 68h ago without SLA), F 2+6, A 5+0.75,
		// B 4+0.85, D 3+1.5, C 4+0 (window opens now), H 2+1.08, E 3+0.
		{"priority+aging=4h", "G F A B D C H E", "old G and F climb to the top; D passes C; H is still below E"},
		// A week-long window hardly moves anything: H, 20m past its SLA,
		// only just reaches P3 and stays below D, which has aged 6h/168h.
		{"priority+aging=1w", "A B C E D H F G", "the same as priority"},
		// lifo alone would never reach G; aging brings old work back up.
		{"lifo+aging=4h", "G F A E H C B D", "G −6.19+18, F −4.64+6, A −0.58+0.75, E −0.22, H −1.58+1.08, C −1, B −2+0.85, D −2.81+1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			p := svcflow.MustParseQueuePolicy(tt.policy)
			got := queueOrder(svcflow.RankQueue(p, queueItems(), queueNow))
			if got != tt.want {
				t.Errorf("RankQueue(%s) got %s, want %s (%s)", tt.policy, got, tt.want, tt.why)
			}
		})
	}
}

func TestRankQueueWhy(t *testing.T) {
	tests := []struct {
		policy, item, want string
	}{
		{"fifo", "G", "waiting 3d"},
		{"priority", "B", "P2, SLA due in 35m, waiting 3h"},
		{"priority", "D", "P3, waiting 6h"},
		{"shortest_first", "B", "expected 30m for email, P2, waiting 3h"},
		{"shortest_first", "H", "expected 8h (no data or target), P4, waiting 2h"},
		{"wsjf", "D", "WSJF 20 = cost of delay 5 from P3 ÷ size 15m, waiting 6h"},
		{"wsjf", "A", "WSJF 5 = cost of delay 10 from P1 ÷ size 2h expected for network, waiting 30m"},
		{"wsjf", "E", "WSJF 0.5 = cost of delay 2 ÷ size 4h, waiting 10m"},
		{"entitlement", "E", "tier unknown, P3, SLA due in 8h, waiting 10m"},
		{"priority+aging=4h", "H", "P4, SLA overdue by 20m, waiting 2h, aged +1.08"},
		{"priority+aging=4h", "G", "P5, waiting 3d, aged +18.00 (no SLA; due 2d20h ago)"},
		{"priority+aging=4h", "C", "P2, SLA due in 4h, waiting 1h"},
		{"fifo+aging=4h", "B", "waiting 3h, aged +0.85 (SLA due in 35m)"},
	}
	for _, tt := range tests {
		ranked := svcflow.RankQueue(svcflow.MustParseQueuePolicy(tt.policy), queueItems(), queueNow)
		i := slices.IndexFunc(ranked, func(r svcflow.RankedEntry) bool { return r.Item == tt.item })
		if got := ranked[i].Why; got != tt.want {
			t.Errorf("%s: why of %s got %q, want %q", tt.policy, tt.item, got, tt.want)
		}
	}
}

func TestRankQueueScores(t *testing.T) {
	ranked := svcflow.RankQueue(svcflow.MustParseQueuePolicy("priority+aging=4h"), queueItems(), queueNow)
	want := map[string][2]float64{ // score, aged
		"A": {5.75, 0.75}, "B": {4 + 205.0/240, 205.0 / 240}, "C": {4, 0}, "D": {4.5, 1.5},
		"E": {3, 0}, "F": {8, 6}, "G": {19, 18}, "H": {2 + 260.0/240, 260.0 / 240},
	}
	for _, r := range ranked {
		w := want[r.Item]
		if diff(r.Score, w[0]) > 1e-9 || diff(r.Aged, w[1]) > 1e-9 {
			t.Errorf("%s: got score %.4f aged %.4f, want %.4f aged %.4f", r.Item, r.Score, r.Aged, w[0], w[1])
		}
	}
}

func diff(a, b float64) float64 { return max(a-b, b-a) }

// TestQueueAgingLiftsOldLowPriority follows a P5 item whose SLA falls due 10h
// after it joined, under priority with 2h aging, against a P4 and a P3
// that have just joined at each moment.
func TestQueueAgingLiftsOldLowPriority(t *testing.T) {
	joined := queueNow
	due := joined.Add(10 * qHour)
	queue := func(at time.Time) []svcflow.QueueEntry {
		return []svcflow.QueueEntry{
			{Item: "old-p5", Priority: svcflow.P5, Entered: joined, SLADue: due, ExpectedCycle: 30 * qMin},
			{Item: "new-p4", Priority: svcflow.P4, Entered: at, ExpectedCycle: 30 * qMin},
			{Item: "new-p3", Priority: svcflow.P3, Entered: at, ExpectedCycle: 30 * qMin},
		}
	}
	tests := []struct {
		policy string
		after  time.Duration // since old-p5 joined
		want   string
		aged   float64 // of old-p5
	}{
		{"priority+aging=2h", 7 * qHour, "new-p3 new-p4 old-p5", 0},                 // before the window
		{"priority+aging=2h", 8 * qHour, "new-p3 new-p4 old-p5", 0},                 // the window opens
		{"priority+aging=2h", 9 * qHour, "new-p3 new-p4 old-p5", 0.5},               // half way: P5 + 0.5
		{"priority+aging=2h", 10 * qHour, "new-p3 new-p4 old-p5", 1},                // at the deadline: level with P4, which wins the tie
		{"priority+aging=2h", 10*qHour + qMin, "new-p3 old-p5 new-p4", 1 + 1.0/120}, // just overdue: above P4
		{"priority+aging=2h", 12 * qHour, "new-p3 old-p5 new-p4", 2},                // level with P3
		{"priority+aging=2h", 12*qHour + qMin, "old-p5 new-p3 new-p4", 2 + 1.0/120},
		{"priority", 100 * qHour, "new-p3 new-p4 old-p5", 0}, // without aging it never moves
	}
	for _, tt := range tests {
		at := joined.Add(tt.after)
		ranked := svcflow.RankQueue(svcflow.MustParseQueuePolicy(tt.policy), queue(at), at)
		if got := queueOrder(ranked); got != tt.want {
			t.Errorf("%s after %v: got %s, want %s", tt.policy, tt.after, got, tt.want)
		}
		i := slices.IndexFunc(ranked, func(r svcflow.RankedEntry) bool { return r.Item == "old-p5" })
		if got := ranked[i].Aged; diff(got, tt.aged) > 1e-9 {
			t.Errorf("%s after %v: old-p5 got aged %.4f, want %.4f", tt.policy, tt.after, got, tt.aged)
		}
	}
}

// TestQueueAgingNothingStarves runs a queue that two fresh P2 items join every
// ten minutes while the team pulls one: demand is twice capacity, the queue
// grows without end, and the P2s alone could keep it busy forever. An old
// P5 (no SLA) waits in it.
//
// With aging=4h the P5 is due 4h after joining, so its score is 1 + t/4h;
// a P2 that joined at e scores 4 + (t−e)/4h. The P5 outranks exactly the
// P2s that joined more than 3 windows (12h) after it. The 146 P2s that
// joined at 0h, 10m, …, 12h go first, one per tick, so the P5 is pulled at
// tick 146: after 24h20m. Without aging it is never pulled.
func TestQueueAgingNothingStarves(t *testing.T) {
	const tick = 10 * qMin
	run := func(policy string, ticks int) (pulledAt time.Duration, ok bool) {
		p := svcflow.MustParseQueuePolicy(policy)
		queue := []svcflow.QueueEntry{{Item: "old-p5", Priority: svcflow.P5, Entered: queueNow, ExpectedCycle: 30 * qMin, Step: "work"}}
		for k := range ticks {
			at := queueNow.Add(time.Duration(k) * tick)
			for j := range 2 {
				queue = append(queue, svcflow.QueueEntry{Item: fmt.Sprintf("p2-%04d-%d", k, j), Priority: svcflow.P2,
					Entered: at, ExpectedCycle: 30 * qMin, Step: "work"})
			}
			chosen, _ := svcflow.Pull(svcflow.RankQueue(p, queue, at), nil)
			if chosen.Item == "old-p5" {
				return at.Sub(queueNow), true
			}
			queue = slices.DeleteFunc(queue, func(e svcflow.QueueEntry) bool { return e.Item == chosen.Item })
		}
		return 0, false
	}
	if got, ok := run("priority+aging=4h", 3*24*6); !ok || got != 24*qHour+20*qMin {
		t.Errorf("priority+aging=4h: got the P5 pulled after %v (pulled: %v), want after 24h20m", got, ok)
	}
	if got, ok := run("priority", 3*24*6); ok {
		t.Errorf("priority: got the P5 pulled after %v, want it still waiting after 3 days", got)
	}
}

func TestRankQueueDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	policies := []string{"fifo", "lifo", "priority", "shortest_first", "wsjf", "entitlement", "priority+aging=4h", "lifo+aging=4h", "wsjf+aging=1h"}
	// Twins that differ only in id, and in nothing at all but their step,
	// must come out the same way every time.
	items := queueItems()
	twin := items[2]
	twin.Item = "C2"
	items = append(items, twin, twin)
	items[len(items)-1].Step = "diagnose"
	for _, policy := range policies {
		p := svcflow.MustParseQueuePolicy(policy)
		want := svcflow.RankQueue(p, items, queueNow)
		for range 50 {
			shuffled := slices.Clone(items)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got := svcflow.RankQueue(p, shuffled, queueNow)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: shuffled input got %s, want %s", policy, queueOrder(got), queueOrder(want))
			}
		}
	}
}

func TestRankQueueEdges(t *testing.T) {
	if got := svcflow.RankQueue(svcflow.MustParseQueuePolicy("wsjf+aging=4h"), nil, queueNow); len(got) != 0 {
		t.Errorf("empty queue: got %d entries, want 0", len(got))
	}
	// Nothing sized, costs out of range, a future Entered: no division by
	// zero, no NaN; an unknown order ranks as fifo.
	odd := []svcflow.QueueEntry{
		{Item: "x", Priority: "P9", Entered: queueIn(qHour), CostOfDelay: 50},
		{Item: "y", Priority: svcflow.P3, Entered: queueAgo(qHour), CostOfDelay: -3, Size: time.Nanosecond},
	}
	for _, policy := range []svcflow.QueuePolicy{
		{Order: "wsjf"}, {Order: "shortest_first", Aging: qHour}, {Order: "entitlement"}, {Order: "lifo", Aging: qMin},
	} {
		for _, r := range svcflow.RankQueue(policy, odd, queueNow) {
			if r.Score != r.Score || r.Score > 1e6 || r.Score < -1e6 {
				t.Errorf("%s: %s got score %v, want a finite score", policy, r.Item, r.Score)
			}
		}
	}
	if got := queueOrder(svcflow.RankQueue(svcflow.QueuePolicy{Order: "bogus"}, queueItems(), queueNow)); got != "G F D B H C A E" {
		t.Errorf("unknown order: got %s, want the fifo order G F D B H C A E", got)
	}
	wsjf := svcflow.RankQueue(svcflow.QueuePolicy{Order: "wsjf"}, odd, queueNow)
	if got, want := queueOrder(wsjf), "y x"; got != want {
		// y: 5 (P3) ÷ 1m (the minimum) = 300/h; x: 10 (clamped) ÷ 8h = 1.25/h.
		t.Errorf("wsjf with odd values: got %s, want %s", got, want)
	}
}

func TestQueueDefaultCostOfDelay(t *testing.T) {
	for p, want := range map[svcflow.Priority]int{"P1": 10, "P2": 8, "P3": 5, "P4": 3, "P5": 1, "": 1, "P7": 1} {
		if got := svcflow.DefaultCostOfDelay(p); got != want {
			t.Errorf("DefaultCostOfDelay(%q) got %d, want %d", p, got, want)
		}
	}
}

func TestPull(t *testing.T) {
	ranked := func(items ...string) []svcflow.RankedEntry {
		var out []svcflow.RankedEntry
		for _, s := range items {
			item, step, _ := strings.Cut(s, "@")
			out = append(out, svcflow.RankedEntry{QueueEntry: svcflow.QueueEntry{Item: item, Step: step}})
		}
		return out
	}
	full := "step obtain-fix is full: 3 of 3 in progress"
	tests := []struct {
		name     string
		ranked   []svcflow.RankedEntry
		capacity map[string]svcflow.StepCapacity
		want     string // the chosen item, "" for none
		skipped  []svcflow.Skip
	}{
		{"first has room", ranked("A@diagnose", "B@obtain-fix"),
			map[string]svcflow.StepCapacity{"diagnose": {WIPLimit: 5, InProgress: 4}, "obtain-fix": {WIPLimit: 3, InProgress: 3}},
			"A", nil},
		{"skips a full step", ranked("A@obtain-fix", "B@obtain-fix", "C@diagnose", "D@fulfil"),
			map[string]svcflow.StepCapacity{"obtain-fix": {WIPLimit: 3, InProgress: 3}, "diagnose": {WIPLimit: 0, InProgress: 12}},
			"C", []svcflow.Skip{{"A", "obtain-fix", full}, {"B", "obtain-fix", full}}},
		{"over the limit", ranked("A@obtain-fix", "B@fulfil"),
			map[string]svcflow.StepCapacity{"obtain-fix": {WIPLimit: 3, InProgress: 4}, "fulfil": {WIPLimit: 2, InProgress: 1}},
			"B", []svcflow.Skip{{"A", "obtain-fix", "step obtain-fix is full: 4 of 3 in progress"}}},
		{"every step full", ranked("A@obtain-fix", "B@approve"),
			map[string]svcflow.StepCapacity{"obtain-fix": {WIPLimit: 3, InProgress: 3}, "approve": {WIPLimit: 1, InProgress: 1}},
			"", []svcflow.Skip{{"A", "obtain-fix", full}, {"B", "approve", "step approve is full: 1 of 1 in progress"}}},
		{"a step not in the map has no limit", ranked("A@obtain-fix", "B@elsewhere"),
			map[string]svcflow.StepCapacity{"obtain-fix": {WIPLimit: 3, InProgress: 3}},
			"B", []svcflow.Skip{{"A", "obtain-fix", full}}},
		{"no capacity at all", ranked("A@x"), nil, "A", nil},
		{"empty queue", nil, nil, "", nil},
	}
	for _, tt := range tests {
		chosen, skipped := svcflow.Pull(tt.ranked, tt.capacity)
		got := ""
		if chosen != nil {
			got = chosen.Item
		}
		if got != tt.want {
			t.Errorf("%s: got %q chosen, want %q", tt.name, got, tt.want)
		}
		if !reflect.DeepEqual(skipped, tt.skipped) {
			t.Errorf("%s: got skipped %q, want %q", tt.name, skipped, tt.skipped)
		}
	}
}

func TestPullCheckRoom(t *testing.T) {
	err := svcflow.StepCapacity{WIPLimit: 3, InProgress: 3}.CheckRoom("obtain-fix")
	var e *svcflow.Error
	if !errors.As(err, &e) || e.Code != svcflow.ErrConflict || e.Message != "step obtain-fix is full: 3 of 3 in progress" {
		t.Errorf("full step: got %v, want a conflict saying step obtain-fix is full: 3 of 3 in progress", err)
	}
	for _, c := range []svcflow.StepCapacity{{}, {WIPLimit: 0, InProgress: 9}, {WIPLimit: 3, InProgress: 2}} {
		if err := c.CheckRoom("s"); err != nil || !c.HasRoom() {
			t.Errorf("%+v: got %v (has room %v), want room", c, err, c.HasRoom())
		}
	}
}

func TestParseQueuePolicy(t *testing.T) {
	tests := []struct {
		in   string
		want svcflow.QueuePolicy
		str  string
	}{
		{"fifo", svcflow.QueuePolicy{Order: "fifo"}, "fifo"},
		{" priority ", svcflow.QueuePolicy{Order: "priority"}, "priority"},
		{"wsjf+aging=4h", svcflow.QueuePolicy{Order: "wsjf", Aging: 4 * qHour}, "wsjf+aging=4h"},
		{"lifo+aging=1d", svcflow.QueuePolicy{Order: "lifo", Aging: qDay}, "lifo+aging=1d"},
		{"entitlement + aging = 90m", svcflow.QueuePolicy{Order: "entitlement", Aging: 90 * qMin}, "entitlement+aging=1h30m"},
		{"shortest_first+aging=1w", svcflow.QueuePolicy{Order: "shortest_first", Aging: 7 * qDay}, "shortest_first+aging=1w"},
	}
	for _, tt := range tests {
		got, err := svcflow.ParseQueuePolicy(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseQueuePolicy(%q) got %+v, %v, want %+v", tt.in, got, err, tt.want)
			continue
		}
		if s := got.String(); s != tt.str {
			t.Errorf("%+v.String() got %q, want %q", got, s, tt.str)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%q: Validate got %v, want nil", tt.in, err)
		}
	}
}

func TestParseQueuePolicyErrors(t *testing.T) {
	orders := "expected one of fifo, lifo, priority, shortest_first, wsjf, entitlement"
	tests := []struct {
		in, want string
	}{
		{"", "empty queue policy; " + orders + ", optionally followed by +aging=DURATION"},
		{"  ", "empty queue policy"},
		{"priorty", `unknown queue order "priorty" (did you mean "priority"?); ` + orders},
		{"random", `unknown queue order "random"; ` + orders},
		{"+aging=4h", "missing queue order; " + orders},
		{"wsjf+aging", `aging without a duration in "wsjf+aging"; expected aging=DURATION, such as aging=4h`},
		{"wsjf+aging=", "aging without a duration"},
		{"wsjf+aging=0m", "expected a positive calendar duration such as 30m, 4h or 2d"},
		{"wsjf+aging=-1h", "expected a positive calendar duration"},
		{"wsjf+aging=soon", "expected a positive calendar duration"},
		{"wsjf+aging=2bd", `aging "2bd" is in business days; expected a calendar duration such as 4h or 2d`},
		{"wsjf+cost=1", `unknown option "cost=1" in "wsjf+cost=1"; expected aging=DURATION, such as aging=4h`},
		{"wsjf+", `unknown option ""`},
		{"wsjf+aging=1h+aging=2h", `aging given twice in "wsjf+aging=1h+aging=2h"`},
	}
	for _, tt := range tests {
		_, err := svcflow.ParseQueuePolicy(tt.in)
		var e *svcflow.Error
		if !errors.As(err, &e) || e.Code != svcflow.ErrInvalid || e.Field != "queue_policy" || !strings.Contains(e.Message, tt.want) {
			t.Errorf("ParseQueuePolicy(%q) got error %v, want an invalid queue_policy error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestQueuePolicyValidate(t *testing.T) {
	tests := []struct {
		p    svcflow.QueuePolicy
		want string // "" for valid
	}{
		{svcflow.QueuePolicy{Order: "wsjf", Aging: 4 * qHour}, ""},
		{svcflow.QueuePolicy{Order: "fifo"}, ""},
		{svcflow.QueuePolicy{}, "missing queue order"},
		{svcflow.QueuePolicy{Order: "FIFO"}, `unknown queue order "FIFO"`},
		{svcflow.QueuePolicy{Order: "fifo", Aging: -qHour}, "aging -1h0m0s is negative"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: got %v, want valid", tt.p, err)
		case tt.want != "" && (err == nil || svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: got %v, want an invalid error containing %q", tt.p, err, tt.want)
		}
	}
}

func FuzzParseQueuePolicy(f *testing.F) {
	for _, s := range []string{"fifo", "wsjf+aging=4h", "priority+aging=1h30m", "lifo+aging=0.5d", "x+y=z", "+", "wsjf+aging=2bd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := svcflow.ParseQueuePolicy(s)
		if err != nil {
			if svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
				t.Fatalf("ParseQueuePolicy(%q) got error code %s, want invalid", s, svcflow.ErrorCodeOf(err))
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParseQueuePolicy(%q) = %+v, which Validate refuses: %v", s, p, err)
		}
		again, err := svcflow.ParseQueuePolicy(p.String())
		if err != nil || again.Order != p.Order || diff(float64(again.Aging), float64(p.Aging)) > float64(time.Microsecond) {
			t.Fatalf("round trip of %q through %q got %+v, %v, want %+v", s, p.String(), again, err, p)
		}
	})
}

func ExampleRankQueue() {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	queue := []svcflow.QueueEntry{
		{Item: "INC-7", Priority: svcflow.P2, Entered: now.Add(-2 * time.Hour), SLADue: now.Add(35 * time.Minute), Step: "diagnose"},
		{Item: "INC-9", Priority: svcflow.P2, Entered: now.Add(-20 * time.Minute), SLADue: now.Add(3 * time.Hour), Step: "diagnose"},
		{Item: "REQ-3", Priority: svcflow.P5, Entered: now.Add(-30 * time.Hour), ExpectedCycle: time.Hour, Step: "fulfil"},
	}
	for _, policy := range []string{"priority", "priority+aging=8h"} {
		fmt.Println(policy + ":")
		for _, r := range svcflow.RankQueue(svcflow.MustParseQueuePolicy(policy), queue, now) {
			fmt.Printf("  %s  %.2f  %s\n", r.Item, r.Score, r.Why)
		}
	}
	chosen, skipped := svcflow.Pull(svcflow.RankQueue(svcflow.MustParseQueuePolicy("priority"), queue, now),
		map[string]svcflow.StepCapacity{"diagnose": {WIPLimit: 3, InProgress: 3}})
	fmt.Println("pull:", chosen.Item, skipped)
	// Output:
	// priority:
	//   INC-7  4.00  P2, SLA due in 35m, waiting 2h
	//   INC-9  4.00  P2, SLA due in 3h, waiting 20m
	//   REQ-3  1.00  P5, waiting 1d6h
	// priority+aging=8h:
	//   INC-7  4.93  P2, SLA due in 35m, waiting 2h, aged +0.93
	//   REQ-3  4.75  P5, waiting 1d6h, aged +3.75 (no SLA; due 22h ago)
	//   INC-9  4.62  P2, SLA due in 3h, waiting 20m, aged +0.62
	// pull: REQ-3 [{INC-7 diagnose step diagnose is full: 3 of 3 in progress} {INC-9 diagnose step diagnose is full: 3 of 3 in progress}]
}

// QueueScore and CompareQueued are the fast path the simulator ranks with;
// they must give RankQueue's scores and order for every policy.
func TestQueueScoreMatchesRankQueue(t *testing.T) {
	entries := queueItems()
	unknown := svcflow.UnknownTier(entries)
	for _, order := range append(svcflow.QueueOrders(), "bogus") {
		for _, aging := range []time.Duration{0, 30 * qMin, 4 * qHour} {
			p := svcflow.QueuePolicy{Order: order, Aging: aging}
			ranked := svcflow.RankQueue(p, entries, queueNow)
			for _, r := range ranked {
				if got := svcflow.QueueScore(p, r.QueueEntry, queueNow, unknown); got != r.Score {
					t.Errorf("%s: QueueScore(%s) = %v, want %v", p, r.Item, got, r.Score)
				}
			}
			for i := 1; i < len(ranked); i++ {
				if c := svcflow.CompareQueued(order, ranked[i-1], ranked[i]); c > 0 {
					t.Errorf("%s: CompareQueued(%s, %s) = %d, want ≤ 0", p, ranked[i-1].Item, ranked[i].Item, c)
				}
			}
		}
	}
}
