package sim

// An event is one entry of the calendar: something that happens to an item
// (or a team, or a class) at a simulated time. Events are plain values so
// that the calendar holds them in one slice and a run allocates nothing per
// event.
type event struct {
	at   float64 // simulated seconds
	seq  uint64  // scheduling order: breaks ties in time, so runs are deterministic
	kind uint8
	ref  int32 // the item, class or team the event is about
}

// Event kinds.
const (
	evArrival uint8 = iota // ref: class; the next item of the class arrives
	evDone                 // ref: item; its current step's duration ends
	evShift                // ref: team; the team's available people change
)

// calendar is the future event list: a 4-ary min-heap on (at, seq). A
// 4-ary heap is shallower than a binary one and its children share cache
// lines, which makes pop, the hot operation, cheaper.
type calendar struct {
	h   []event
	seq uint64
}

func (c *calendar) len() int { return len(c.h) }

// less orders events by time, then by the order they were scheduled in.
func less(a, b *event) bool {
	return a.at < b.at || a.at == b.at && a.seq < b.seq
}

// schedule adds an event at the given time.
func (c *calendar) schedule(at float64, kind uint8, ref int32) {
	c.seq++
	e := event{at: at, seq: c.seq, kind: kind, ref: ref}
	h := append(c.h, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !less(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	c.h = h
}

// peek returns the next event's time; the calendar must not be empty.
func (c *calendar) peek() float64 { return c.h[0].at }

// pop removes and returns the earliest event; the calendar must not be
// empty.
func (c *calendar) pop() event {
	h := c.h
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	c.h = h
	if n == 0 {
		return top
	}
	i := 0
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		m := first
		end := min(first+4, n)
		for j := first + 1; j < end; j++ {
			if less(&h[j], &h[m]) {
				m = j
			}
		}
		if !less(&h[m], &last) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = last
	return top
}

// reset empties the calendar, keeping its storage.
func (c *calendar) reset() {
	c.h = c.h[:0]
	c.seq = 0
}
