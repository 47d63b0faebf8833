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
// empty. It moves the hole left by the top down along the least children
// to a leaf, then lifts the last event from there: the last event belongs
// near the bottom, so this makes fewer comparisons than sifting it down
// from the top.
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
		if first+3 < n {
			// Four children: the common case, without bounds checks.
			kids := h[first : first+4 : first+4]
			m := 0
			if less(&kids[1], &kids[m]) {
				m = 1
			}
			if less(&kids[2], &kids[m]) {
				m = 2
			}
			if less(&kids[3], &kids[m]) {
				m = 3
			}
			h[i] = kids[m]
			i = first + m
			continue
		}
		if first >= n {
			break
		}
		m := first
		for j := first + 1; j < n; j++ {
			if less(&h[j], &h[m]) {
				m = j
			}
		}
		h[i] = h[m]
		i = m
	}
	for i > 0 {
		p := (i - 1) / 4
		if !less(&last, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = last
	return top
}

// reset empties the calendar, keeping its storage.
func (c *calendar) reset() {
	c.h = c.h[:0]
	c.seq = 0
}
