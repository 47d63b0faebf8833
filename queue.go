package svcflow

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Queues form wherever demand exceeds the capacity to meet it in time, and
// then the work waiting in them must be put in order (003 §5.1). Each team
// has one queue and picks how it is ordered; the rules here are pure (time is
// passed in) so that the engine's pull and the simulator rank alike.

// The queue orders a team can choose (SPEC §5). Each is one of the
// prioritization techniques of 003 §5.1.3.
const (
	OrderFIFO          = "fifo"           // age: the longest-waiting item first
	OrderLIFO          = "lifo"           // age: the newest item first
	OrderPriority      = "priority"       // triage: P-level, then SLA due time, then the item's age
	OrderShortestFirst = "shortest_first" // time factors: the shortest expected cycle first
	OrderWSJF          = "wsjf"           // economic: cost of delay ÷ size, highest first
	OrderEntitlement   = "entitlement"    // source of demand: the organisation's tier, 1 first
)

// DefaultQueuePolicy orders the queue of a team that names no policy, in
// the engine and in the simulator alike: a service desk triages.
const DefaultQueuePolicy = OrderPriority

// QueueOrders returns the queue orders, in the order SPEC §5 lists them.
func QueueOrders() []string {
	return []string{OrderFIFO, OrderLIFO, OrderPriority, OrderShortestFirst, OrderWSJF, OrderEntitlement}
}

// UnsizedCycle is the expected cycle assumed for an item whose step has
// neither cycle data for its category nor a target: one business day. It is
// deliberately neither quick nor huge, so unknown work is neither favoured
// by shortest_first and wsjf nor buried by them.
const UnsizedCycle = BusinessDayHours * time.Hour

// minQueueSize keeps WSJF and shortest_first away from dividing by zero or
// by a few seconds: nothing counts as smaller than a minute of work.
const minQueueSize = time.Minute

// QueuePolicy is how a team orders its queue: an order and optional aging.
// Its text form is the order alone ("priority") or the order with aging
// ("wsjf+aging=4h"); see ParseQueuePolicy.
type QueuePolicy struct {
	Order string // fifo, lifo, priority, shortest_first, wsjf or entitlement

	// Aging is the window before an item's deadline in which its rank starts
	// to rise, one class per window, so that nothing starves; 0 turns aging
	// off. RankQueue documents the formula.
	Aging time.Duration
}

// ParseQueuePolicy parses a team's queue policy: an order, optionally
// followed by "+aging=DURATION" with a calendar duration ("priority",
// "wsjf+aging=4h", "lifo+aging=1d"). Errors are ErrInvalid on the field
// queue_policy and name the values expected.
func ParseQueuePolicy(s string) (QueuePolicy, error) {
	if strings.TrimSpace(s) == "" {
		return QueuePolicy{}, FieldErrorf("queue_policy", "empty queue policy; expected one of %s, optionally followed by +aging=DURATION (e.g. priority+aging=4h)",
			strings.Join(QueueOrders(), ", "))
	}
	parts := strings.Split(s, "+")
	p := QueuePolicy{Order: strings.TrimSpace(parts[0])}
	if err := checkQueueOrder(p.Order); err != nil {
		return QueuePolicy{}, err
	}
	seen := false
	for _, opt := range parts[1:] {
		key, value, ok := strings.Cut(opt, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key != "aging" {
			return QueuePolicy{}, FieldErrorf("queue_policy", "unknown option %q in %q; expected aging=DURATION, such as aging=4h", strings.TrimSpace(opt), s)
		}
		if !ok || value == "" {
			return QueuePolicy{}, FieldErrorf("queue_policy", "aging without a duration in %q; expected aging=DURATION, such as aging=4h", s)
		}
		if seen {
			return QueuePolicy{}, FieldErrorf("queue_policy", "aging given twice in %q; expected it once", s)
		}
		seen = true
		d, err := ParseDuration(value)
		if err != nil {
			return QueuePolicy{}, FieldErrorf("queue_policy", "aging: %v; expected a positive calendar duration such as 30m, 4h or 2d", err)
		}
		if d.IsBusiness() {
			// Aging is measured against the clock; a business day has no
			// length without the team's calendar.
			return QueuePolicy{}, FieldErrorf("queue_policy", "aging %q is in business days; expected a calendar duration such as 4h or 2d", value)
		}
		p.Aging = d.Calendar
	}
	return p, nil
}

// MustParseQueuePolicy is ParseQueuePolicy for constants in code and tests;
// it panics on error.
func MustParseQueuePolicy(s string) QueuePolicy {
	p, err := ParseQueuePolicy(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Validate checks the order is known and aging is not negative. Errors are
// ErrInvalid on the field queue_policy.
func (p QueuePolicy) Validate() error {
	if err := checkQueueOrder(p.Order); err != nil {
		return err
	}
	if p.Aging < 0 {
		return FieldErrorf("queue_policy", "aging %v is negative; expected a positive duration, or 0 for no aging", p.Aging)
	}
	return nil
}

// String returns the policy in the form ParseQueuePolicy reads.
func (p QueuePolicy) String() string {
	if p.Aging > 0 {
		return p.Order + "+aging=" + Duration{Calendar: p.Aging}.String()
	}
	return p.Order
}

func checkQueueOrder(order string) error {
	orders := QueueOrders()
	if slices.Contains(orders, order) {
		return nil
	}
	hint := ""
	if s := didYouMean(order, orders); s != "" {
		hint = " (" + s + ")"
	}
	if order == "" {
		return FieldErrorf("queue_policy", "missing queue order; expected one of %s", strings.Join(orders, ", "))
	}
	return FieldErrorf("queue_policy", "unknown queue order %q%s; expected one of %s", order, hint, strings.Join(orders, ", "))
}

// QueueEntry is what ranking needs to know of one queued visit. The caller
// fills it from the work item, its visit, its organisation, its SLA and the
// step's flow so far; ranking reads nothing else.
type QueueEntry struct {
	Item     string
	Priority Priority
	Entered  time.Time // when it joined this queue: the visit's entered or requeued time
	Created  time.Time // when the item was created; zero: use Entered
	SLADue   time.Time // the SLA due time that applies now; zero when none
	Category string

	// ExpectedCycle is the step's median cycle for the category so far, else
	// the step's target; zero when neither is known (UnsizedCycle is used).
	ExpectedCycle time.Duration

	CostOfDelay int           // 1–10; 0: from the priority (DefaultCostOfDelay)
	Size        time.Duration // expected effort; 0: ExpectedCycle
	Tier        int           // the organisation's entitlement tier, 1 best; 0 unknown, ranked last
	Step        string        // the step whose WIP limit Pull checks
}

// RankedEntry is a queue entry with its place explained.
type RankedEntry struct {
	QueueEntry

	// Score is the entry's rank value in classes: higher ranks first, and
	// aging adds one class per aging window (see RankQueue).
	Score float64
	// Aged is the part of Score that aging added (0 when aging is off or
	// the item's window has not opened).
	Aged float64
	// Why says in words what put the entry here: "P2, SLA due in 35m,
	// waiting 2h".
	Why string
}

// DefaultCostOfDelay is the WSJF cost of delay (1–10) of an item that was
// not given one, from its priority: P1 10, P2 8, P3 5, P4 3, P5 1, and 1
// for an unknown priority. The steps are uneven on purpose: a critical
// item's delay costs far more than a planning item's (003 §5.1.3, Cost of
// Delay), while P3 sits mid-scale.
func DefaultCostOfDelay(p Priority) int {
	switch p {
	case P1:
		return 10
	case P2:
		return 8
	case P3:
		return 5
	case P4:
		return 3
	}
	return 1
}

// RankQueue orders the entries of one queue best first, as the policy says,
// and explains each place. It does not change entries. Every policy is one
// of the prioritization techniques of 003 §5.1.3, and each gives an entry a
// base score in classes, higher first; a continuous measure counts one class
// per factor of two, so that aging (below) means the same in every policy:
//
//   - fifo: log2(1 + hours waiting in this queue). Age, oldest first.
//   - lifo: −log2(1 + hours waiting). Age, newest first; useful only with
//     aging, which keeps old items from starving.
//   - priority: 6 − P-level (P1 5 … P5 1, unknown 0). Triage; ties go to the
//     earlier SLA due time (none last), then the older item (Created).
//   - shortest_first: −log2(expected cycle in hours), the expected cycle
//     being ExpectedCycle, UnsizedCycle when unknown, at least a minute.
//     Time factors: the quickest item first.
//   - wsjf: log2(cost of delay ÷ size in hours): Weighted Shortest Job First.
//     Cost of delay is CostOfDelay (clamped to 1–10), else
//     DefaultCostOfDelay(Priority); size is Size, else the expected cycle as
//     above, at least a minute.
//   - entitlement: −tier, an unknown tier counting one worse than the worst
//     known tier in the queue. Source of demand: silver before bronze.
//
// Orders other than fifo and lifo break ties in score the way priority
// does (P-level, SLA due, item age); all orders then break ties by Entered
// (earlier first) and Item, so the result never depends on the input's
// order. An unknown order ranks as fifo, which never starves; check policies
// with Validate.
//
// Aging is the "procedure to ensure low priority work is not left
// unattended" that 003 §5.1.3 asks triage to be supplemented with: the
// priority of open work is raised as deadlines approach. With window W =
// p.Aging > 0, an entry's deadline is its SLADue, or, without an SLA,
// Entered + max(expected cycle, W): an item without an SLA is due once it
// has waited as long as its work is expected to take, and never starts
// aged. Then
//
//	Aged  = max(0, now − (deadline − W)) ÷ W
//	Score = base + Aged
//
// Aged grows linearly from 0 when the window opens to 1 class at the
// deadline, where the item draws level with the next better class (and
// passes it an instant later), and by one more class for every further W
// overdue, without bound. For every order but fifo and lifo the base is
// fixed, so once both are in their windows entry a ranks above b exactly
// when deadline(a) − W·base(a) < deadline(b) − W·base(b): one class is worth
// one window of deadline, an item is passed only by items due less than
// (their class advantage) × W after it, and nothing starves however many
// better-class items keep arriving. Under lifo the base falls only with the
// logarithm of the wait while Aged rises linearly, so old items come back
// too. A team sets W to how much lateness it will trade for one class
// (P-level, tier, doubling of WSJF). A negative Aging counts as off.
func RankQueue(p QueuePolicy, entries []QueueEntry, now time.Time) []RankedEntry {
	order := rankOrder(p.Order)
	unknownTier := UnknownTier(entries)
	out := make([]RankedEntry, len(entries))
	for i, e := range entries {
		out[i] = rankEntry(order, p.Aging, e, now, unknownTier)
	}
	slices.SortStableFunc(out, func(a, b RankedEntry) int { return CompareQueued(order, a, b) })
	return out
}

// rankOrder is the order RankQueue applies: an unknown one ranks as fifo.
func rankOrder(order string) string {
	if !slices.Contains(QueueOrders(), order) {
		return OrderFIFO
	}
	return order
}

// UnknownTier is the tier RankQueue gives entries of an unknown tier in a
// queue of these entries: one worse than the worst known tier, 1 when no
// tier is known.
func UnknownTier(entries []QueueEntry) int {
	t := 1
	for _, e := range entries {
		if e.Tier > 0 {
			t = max(t, e.Tier+1)
		}
	}
	return t
}

// QueueScore returns the Score RankQueue gives e in a queue ordered by p at
// now, where unknownTier is UnknownTier of the whole queue, without writing
// the explanation: the fast path for a caller that ranks often, such as the
// simulator. RankQueue scores with it, so the two cannot drift.
func QueueScore(p QueuePolicy, e QueueEntry, now time.Time, unknownTier int) float64 {
	order := rankOrder(p.Order)
	base := queueBase(order, &e, now, unknownTier)
	if p.Aging > 0 {
		if _, _, opened := queueAging(p.Aging, &e, now); opened > 0 {
			return agedScore(base, opened, p.Aging)
		}
	}
	return base
}

// CompareQueued orders two scored entries of a queue ordered by order as
// RankQueue does, best first: a negative result puts a before b. It
// compares scores, then for orders other than fifo and lifo the P-level,
// the SLA due time (none last) and the item's age, then for every order
// Entered, Item and Step. An unknown order compares as fifo.
func CompareQueued(order string, a, b RankedEntry) int {
	// The package declares a cmp of its own, hiding the standard one, so the
	// comparisons are written out.
	if a.Score != b.Score {
		if a.Score > b.Score {
			return -1
		}
		return 1
	}
	if order = rankOrder(order); order != OrderFIFO && order != OrderLIFO {
		if c := a.Priority.Rank() - b.Priority.Rank(); c != 0 {
			return c
		}
		if c := compareDue(a.SLADue, b.SLADue); c != 0 {
			return c
		}
		if c := a.created().Compare(b.created()); c != 0 {
			return c
		}
	}
	if c := a.Entered.Compare(b.Entered); c != 0 {
		return c
	}
	if c := compareItemIDs(a.Item, b.Item); c != 0 {
		return c
	}
	return strings.Compare(a.Step, b.Step)
}

// compareItemIDs orders work item ids by the number after their kind
// prefix, which counts items in the order they were opened across kinds
// (INC-1002 before REQ-1010, INC-9999 before INC-10000), then as text; ids
// without such a number compare as text.
func compareItemIDs(a, b string) int {
	na, nb := idNumber(a), idNumber(b)
	if na != "" && nb != "" {
		if len(na) != len(nb) {
			if len(na) < len(nb) {
				return -1
			}
			return 1
		}
		if c := strings.Compare(na, nb); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

// idNumber returns the digits after the last '-' of id, without leading
// zeros, or "" when there are none.
func idNumber(id string) string {
	i := strings.LastIndexByte(id, '-')
	n := id[i+1:]
	if n == "" {
		return ""
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return ""
		}
	}
	if n = strings.TrimLeft(n, "0"); n == "" {
		return "0"
	}
	return n
}

// expectedCycle is the entry's expected cycle for ranking, UnsizedCycle
// when unknown, and whether it was known.
func (e *QueueEntry) expectedCycle() (time.Duration, bool) {
	if e.ExpectedCycle > 0 {
		return e.ExpectedCycle, true
	}
	return UnsizedCycle, false
}

// wsjfInputs are the cost of delay and size WSJF divides, and whether each
// was defaulted (from the priority, from the expected cycle).
func (e *QueueEntry) wsjfInputs() (cod int, codDefault bool, size time.Duration, sizeDefault bool) {
	cod = e.CostOfDelay
	if cod <= 0 {
		cod, codDefault = DefaultCostOfDelay(e.Priority), true
	}
	cod = min(cod, 10)
	size = e.Size
	if size <= 0 {
		size, _ = e.expectedCycle()
		sizeDefault = true
	}
	return cod, codDefault, max(size, minQueueSize), sizeDefault
}

// queueBase is the entry's base score under an order RankQueue knows.
func queueBase(order string, e *QueueEntry, now time.Time, unknownTier int) float64 {
	switch order {
	case OrderLIFO:
		return -math.Log2(1 + hours(now.Sub(e.Entered)))
	case OrderPriority:
		return float64(6 - e.Priority.Rank())
	case OrderShortestFirst:
		expected, _ := e.expectedCycle()
		return -math.Log2(hours(max(expected, minQueueSize)))
	case OrderWSJF:
		cod, _, size, _ := e.wsjfInputs()
		return math.Log2(float64(cod) / hours(size))
	case OrderEntitlement:
		if e.Tier <= 0 {
			return float64(-unknownTier)
		}
		return float64(-e.Tier)
	}
	return math.Log2(1 + hours(now.Sub(e.Entered)))
}

// queueAging returns the entry's deadline under aging window w (> 0),
// whether it is the SLA's, and how long its aging window has been open at
// now (not positive: not yet).
func queueAging(w time.Duration, e *QueueEntry, now time.Time) (deadline time.Time, bySLA bool, opened time.Duration) {
	deadline, bySLA = e.SLADue, true
	if deadline.IsZero() {
		expected, _ := e.expectedCycle()
		deadline, bySLA = e.Entered.Add(max(expected, w)), false
	}
	return deadline, bySLA, now.Sub(deadline.Add(-w))
}

// rankEntry scores one entry with QueueScore and writes its explanation.
func rankEntry(order string, window time.Duration, e QueueEntry, now time.Time, unknownTier int) RankedEntry {
	var why []string
	slaShown := false
	sla := func() {
		if !e.SLADue.IsZero() {
			why = append(why, "SLA "+dueText(e.SLADue, now))
			slaShown = true
		}
	}
	expected, expectedKnown := e.expectedCycle()
	// expectedFor says whose expected cycle it is: "for email", or that
	// there was none.
	expectedFor := "(no data or target)"
	if expectedKnown && e.Category != "" {
		expectedFor = "for " + e.Category
	} else if expectedKnown {
		expectedFor = "for the step"
	}
	switch order {
	case OrderPriority:
		why = append(why, priorityText(e.Priority))
		sla()
	case OrderShortestFirst:
		why = append(why, "expected "+spanText(expected)+" "+expectedFor, priorityText(e.Priority))
	case OrderWSJF:
		cod, codDefault, size, sizeDefault := e.wsjfInputs()
		codFrom, sizeFrom := "", ""
		if codDefault {
			codFrom = " from " + priorityText(e.Priority)
		}
		if sizeDefault {
			sizeFrom = " expected " + expectedFor
		}
		wsjf := float64(cod) / hours(size)
		why = append(why, fmt.Sprintf("WSJF %s = cost of delay %d%s ÷ size %s%s",
			strconv.FormatFloat(math.Round(wsjf*100)/100, 'f', -1, 64), cod, codFrom, spanText(size), sizeFrom))
	case OrderEntitlement:
		tierText := "tier " + strconv.Itoa(e.Tier)
		if e.Tier <= 0 {
			tierText = "tier unknown"
		}
		why = append(why, tierText, priorityText(e.Priority))
		sla()
	}
	why = append(why, "waiting "+spanText(now.Sub(e.Entered)))

	var aged float64
	if window > 0 {
		deadline, bySLA, opened := queueAging(window, &e, now)
		if opened > 0 {
			aged = float64(opened) / float64(window)
			s := "aged +" + strconv.FormatFloat(aged, 'f', 2, 64)
			switch {
			case bySLA && !slaShown:
				s += " (SLA " + dueText(deadline, now) + ")"
			case !bySLA:
				if d := deadline.Sub(now); d >= 0 {
					s += " (no SLA; due in " + spanText(d) + ")"
				} else {
					s += " (no SLA; due " + spanText(-d) + " ago)"
				}
			}
			why = append(why, s)
		}
	}
	score := QueueScore(QueuePolicy{Order: order, Aging: window}, e, now, unknownTier)
	return RankedEntry{QueueEntry: e, Score: score, Aged: aged, Why: strings.Join(why, ", ")}
}

// agedScore returns base + aged. For a whole-number base (priority,
// entitlement) it is one division of whole nanoseconds, so that entries
// which are level in exact arithmetic (a P5 at its deadline and a P4 that
// has just joined) are exactly level, and the documented tie-breakers, not
// rounding, decide between them.
func agedScore(base float64, opened, window time.Duration) float64 {
	const limit = math.MaxInt64 / 4
	if b := math.Trunc(base); b == base && math.Abs(b) <= float64(limit/window) && opened <= limit {
		return float64(int64(b)*int64(window)+int64(opened)) / float64(window)
	}
	return base + float64(opened)/float64(window)
}

// created is the item's creation time, or Entered when it is not known.
func (e *QueueEntry) created() time.Time {
	if e.Created.IsZero() {
		return e.Entered
	}
	return e.Created
}

// compareDue orders SLA due times earliest first, with none (zero) last.
func compareDue(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

func hours(d time.Duration) float64 { return max(d, 0).Hours() }

func priorityText(p Priority) string {
	if p.IsValid() {
		return string(p)
	}
	return "priority unknown"
}

// dueText says how far a deadline is: "due in 35m", "overdue by 2h".
func dueText(due, now time.Time) string {
	if d := due.Sub(now); d >= 0 {
		return "due in " + spanText(d)
	}
	return "overdue by " + spanText(now.Sub(due))
}

// spanText writes a span for people: minutes under a day, hours beyond
// ("under 1m", "35m", "2h30m", "3d2h").
func spanText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under 1m"
	case d < 24*time.Hour:
		return Duration{Calendar: d.Round(time.Minute)}.String()
	}
	return Duration{Calendar: d.Round(time.Hour)}.String()
}

// StepCapacity is how full a step is: its WIP limit (0 for none) and how
// many of its visits are in progress (started and not ended, blocked
// included: what WIP limits count, SPEC §3).
type StepCapacity struct {
	WIPLimit   int
	InProgress int
}

// HasRoom reports whether one more item may start in the step.
func (c StepCapacity) HasRoom() bool { return c.WIPLimit <= 0 || c.InProgress < c.WIPLimit }

// CheckRoom returns nil when the step has room, else an ErrConflict error
// that says so: "step obtain-fix is full: 3 of 3 in progress". Pulling into
// a full step is refused with this message (SPEC §5).
func (c StepCapacity) CheckRoom(step string) error {
	if c.HasRoom() {
		return nil
	}
	return Errorf(ErrConflict, "step %s is full: %d of %d in progress", step, c.InProgress, c.WIPLimit)
}

// Skip is an item Pull passed over, and why.
type Skip struct {
	Item   string `json:"item"`
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// Pull chooses the first of the ranked entries whose step has room under its
// WIP limit and reports the better-ranked entries it skipped, in rank order,
// with the reason. A step missing from capacity has no limit. It returns nil
// when every entry's step is full (all are then skipped) or there are none.
// Limiting work in progress and taking the work whose resources are free is
// prioritization by resource availability (003 §5.1.3): starting more in a
// full step only lengthens its queue (003 §5.1.1).
func Pull(ranked []RankedEntry, capacity map[string]StepCapacity) (chosen *RankedEntry, skipped []Skip) {
	for i := range ranked {
		e := ranked[i]
		if err := capacity[e.Step].CheckRoom(e.Step); err != nil {
			skipped = append(skipped, Skip{Item: e.Item, Step: e.Step, Reason: err.Error()})
			continue
		}
		return &e, skipped
	}
	return nil, skipped
}
