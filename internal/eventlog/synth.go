package eventlog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// SynthOptions shapes a synthetic log; zero fields take the defaults
// (100,000 cases, 10 activities, 50 resources, seed 0, starting
// 2024-01-01 UTC).
type SynthOptions struct {
	Cases, Activities, Resources int
	Seed                         uint64
	Start                        time.Time
}

// synthNames are the help-desk activities of a synthetic log, in the order
// of the main path; further activities are numbered.
var synthNames = []string{"Register ticket", "Classify", "Assign", "Investigate", "Wait for customer",
	"Escalate", "Resolve", "Verify", "Close", "Survey"}

// synthEvent is one row waiting in the heap until no earlier row can come.
type synthEvent struct {
	sec      int64 // seconds since the Unix epoch
	seq      uint64
	caseNo   int
	act, res int
}

// synthHeap is a min-heap of events by time, then creation order.
type synthHeap []synthEvent

func (h synthHeap) less(i, j int) bool {
	return h[i].sec < h[j].sec || h[i].sec == h[j].sec && h[i].seq < h[j].seq
}

func (h *synthHeap) push(e synthEvent) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *synthHeap) pop() synthEvent {
	q := *h
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && q.less(l, m) {
			m = l
		}
		if r < n && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return top
}

// Synthesize writes a synthetic help-desk log as CSV (case_id, activity,
// timestamp, resource; zone-less ISO 8601 times to the second), rows
// sorted by time with cases interleaved. Cases arrive as a Poisson process
// and walk the activities along a main path with seeded skips and loops
// back, so a few variants dominate and many are rare; the gaps between
// events are lognormal. The same options give the same bytes. Memory stays
// bounded: a case's events wait in a heap only until the next arrival
// passes them.
func Synthesize(w io.Writer, opt SynthOptions) error {
	if opt.Cases < 0 || opt.Activities < 0 || opt.Resources < 0 {
		return errors.New("synthesize: negative count")
	}
	if opt.Cases == 0 {
		opt.Cases = 100000
	}
	if opt.Activities == 0 {
		opt.Activities = 10
	}
	if opt.Resources == 0 {
		opt.Resources = 50
	}
	start := opt.Start
	if start.IsZero() {
		start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	n := opt.Activities
	names := make([]string, n)
	for i := range names {
		if i < len(synthNames) {
			names[i] = synthNames[i]
		} else {
			names[i] = "Activity " + strconv.Itoa(i+1)
		}
	}
	// Each activity has a median gap before it (between 5 minutes and 8
	// hours), so activities differ in how long they take.
	median := make([]float64, n)
	for i := range median {
		median[i] = 300 * math.Pow(96, rng.Float64())
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("case_id,activity,timestamp,resource\n")
	var (
		h        synthHeap
		seq      uint64
		line     []byte
		day      int64  = -1
		dayBytes []byte // "2024-01-02T" of day
	)
	flush := func(before int64) {
		for len(h) > 0 && h[0].sec < before {
			e := h.pop()
			line = append(line[:0], "case-"...)
			line = strconv.AppendInt(line, int64(e.caseNo), 10)
			line = append(line, ',')
			line = append(line, names[e.act]...)
			line = append(line, ',')
			if d := e.sec / 86400; d != day {
				day = d
				dayBytes = time.Unix(d*86400, 0).UTC().AppendFormat(dayBytes[:0], "2006-01-02T")
			}
			line = append(line, dayBytes...)
			sod := e.sec % 86400
			line = append(line, byte('0'+sod/36000), byte('0'+sod/3600%10), ':',
				byte('0'+sod%3600/600), byte('0'+sod%600/60), ':', byte('0'+sod%60/10), byte('0'+sod%10))
			line = append(line, ",agent-"...)
			line = strconv.AppendInt(line, int64(e.res), 10)
			line = append(line, '\n')
			bw.Write(line)
		}
	}
	// Arrivals: one every 5 minutes on average.
	arrival := float64(start.Unix())
	maxEvents := 3 * n
	for c := 1; c <= opt.Cases; c++ {
		arrival += rng.ExpFloat64() * 300
		at := int64(arrival)
		flush(at)
		t := at
		act := 0
		for k := 0; k < maxEvents; k++ {
			// A team of resources per activity, some shared.
			res := (act*opt.Resources/n + rng.IntN(max(1, opt.Resources/n+2))) % opt.Resources
			h.push(synthEvent{sec: t, seq: seq, caseNo: c, act: act, res: res})
			seq++
			if act == n-1 {
				break
			}
			switch r := rng.Float64(); {
			case r < 0.80 || n < 3:
				act++
			case r < 0.88 && act+2 < n:
				act += 2 // skip one
			case r < 0.97 && act > 0:
				act-- // rework: back one step
			default:
				act++
			}
			if act >= n {
				act = n - 1
			}
			gap := median[act] * math.Exp(0.8*rng.NormFloat64())
			t += int64(gap) + 1
		}
	}
	flush(math.MaxInt64)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("synthesize: %w", err)
	}
	return nil
}
