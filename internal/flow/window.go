package flow

import (
	"fmt"
	"slices"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// Windows is the time series: calendar windows in a location, from the one
// holding the first event to the one holding as_of. Averages are over the
// part of a window inside the log's span (first event to as_of), so a
// partial first or last window is not diluted by time before or after the
// data.
type Windows struct {
	Window   string   `json:"window"` // day, week (from Monday) or month
	Location string   `json:"location"`
	Series   []Window `json:"series"`
}

// Window is one window of the series.
type Window struct {
	Start      string `json:"start"` // RFC 3339 in the location
	End        string `json:"end"`
	Arrivals   int    `json:"arrivals"`   // cases that started
	Throughput int    `json:"throughput"` // cases whose item time ended
	// WIP is the time-average number of items in progress.
	WIP *float64 `json:"wip"`
	// InProgress and Queue are time averages of visits in progress and
	// queued, over all steps.
	InProgress *float64 `json:"in_progress"`
	Queue      *float64 `json:"queue"`
	// ItemTime summarises the items whose item time ended in the window.
	ItemTime *Stats       `json:"item_time"`
	Steps    []WindowStep `json:"steps"` // steps with a visit in the window
}

// WindowStep is one step in one window: visits entering and leaving it,
// and the time averages of its counts.
type WindowStep struct {
	Activity   string   `json:"activity"`
	Arrivals   int      `json:"arrivals"`
	Departures int      `json:"departures"`
	WIP        *float64 `json:"wip"`
	InProgress *float64 `json:"in_progress"`
	Queue      *float64 `json:"queue"`
}

// maxWindows bounds the series; a log spanning decades by day is more
// likely a bad timestamp than a wish.
const maxWindows = 100_000

// windowSeries holds the integrals behind Windows, per window and per
// activity × window (index a*W + k).
type windowSeries struct {
	window     string
	bounds     []int64 // W+1 boundaries
	covered    []int64 // per window, the part inside [first, as_of]
	arrivals   []int
	throughput []int
	wip        []float64 // time integral of items in progress (ns; float64, as a big backlog over a month overflows int64)
	itemStats  []*Stats

	stepWIP, stepInProgress, stepQueue []float64 // time integrals of visit counts
	stepArr, stepDep                   []int32
}

// windowBounds returns the boundaries of the windows from the one holding
// from to the one holding to, in loc: days from midnight, weeks from
// Monday midnight, months from the first; a DST change makes a window an
// hour shorter or longer, as the calendar does.
func windowBounds(window string, loc *time.Location, from, to int64) ([]int64, error) {
	t := time.Unix(0, from).In(loc)
	y, mo, d := t.Date()
	var cur time.Time
	step := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc) }
	switch window {
	case WindowDay:
		cur = time.Date(y, mo, d, 0, 0, 0, 0, loc)
	case WindowMonth:
		cur = time.Date(y, mo, 1, 0, 0, 0, 0, loc)
		step = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc) }
	default:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		cur = time.Date(y, mo, d-back, 0, 0, 0, 0, loc)
		step = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day()+7, 0, 0, 0, 0, loc) }
	}
	bounds := []int64{cur.UnixNano()}
	for bounds[len(bounds)-1] <= to {
		if len(bounds) > maxWindows {
			return nil, fmt.Errorf("the log spans more than %d %s windows (%s to %s); choose a longer window",
				maxWindows, window, utc(from), utc(to))
		}
		cur = step(cur)
		bounds = append(bounds, cur.UnixNano())
	}
	return bounds, nil
}

// index returns the window holding t, looking at hint and its neighbour
// first: the events of a case come in time order, so most lookups are
// where the last one was.
func (w *windowSeries) index(t int64, hint int) int {
	b := w.bounds
	if hint >= 0 && hint+1 < len(b) && b[hint] <= t {
		if t < b[hint+1] {
			return hint
		}
		if hint+2 < len(b) && t < b[hint+2] {
			return hint + 1
		}
	}
	k, found := slices.BinarySearch(b, t)
	if !found {
		k--
	}
	return min(max(k, 0), len(b)-2)
}

// integrate adds the interval [s, e) to the integrals part (per window)
// and diff (counts of windows wholly covered, as differences), for the
// series starting at base. It returns the window of s as the next hint.
func (w *windowSeries) integrate(part []float64, diff []int32, base, dbase int, s, e int64, hint int) int {
	if e <= s {
		return hint
	}
	i := w.index(s, hint)
	j := w.index(e, i)
	if i == j {
		part[base+i] += float64(e - s)
		return i
	}
	part[base+i] += float64(w.bounds[i+1] - s)
	part[base+j] += float64(e - w.bounds[j])
	diff[dbase+i+1]++
	diff[dbase+j]--
	return i
}

// settle turns the differences into whole-window time and adds them.
func (w *windowSeries) settle(part []float64, diff []int32, series int) {
	n := len(w.bounds) - 1
	for s := range series {
		var count int64
		for k := range n {
			count += int64(diff[s*(n+1)+k])
			part[s*n+k] += float64(count) * float64(w.bounds[k+1]-w.bounds[k])
		}
	}
}

// windows computes the series with sweep lines: each interval touches the
// windows of its two ends, and the windows between get it through a
// running count, so the work is O(events + windows), not a scan of the
// events per window.
func (r *run) windows() (*windowSeries, error) {
	window := r.opt.Window
	if window == "" {
		window = WindowWeek
	}
	bounds, err := windowBounds(window, r.loc, r.first, r.asOf)
	if err != nil {
		return nil, err
	}
	n := len(bounds) - 1
	w := &windowSeries{window: window, bounds: bounds, covered: make([]int64, n),
		arrivals: make([]int, n), throughput: make([]int, n), wip: make([]float64, n)}
	for k := range n {
		w.covered[k] = max(0, min(bounds[k+1], r.asOf)-max(bounds[k], r.first))
	}
	if r.asOf == r.first && n > 0 {
		w.covered[w.index(r.first, 0)] = 0
	}

	// Items.
	diff := make([]int32, n+1)
	ends := make([]int32, len(r.itemEnd))
	hint := 0
	for c := range r.start {
		hint = w.index(r.start[c], hint)
		w.arrivals[hint]++
		w.integrate(w.wip, diff, 0, 0, r.start[c], r.wipEnd[c], hint)
		ends[c] = -1
		if e := r.itemEnd[c]; e != eventlog.NoTime {
			k := w.index(e, hint)
			w.throughput[k]++
			ends[c] = int32(k)
		}
	}
	w.settle(w.wip, diff, 1)
	offs := make([]int, n+1)
	for k := range n {
		offs[k+1] = offs[k] + w.throughput[k]
	}
	buf := make([]int64, offs[n])
	next := slices.Clone(offs[:n])
	for c, k := range ends {
		if k >= 0 {
			buf[next[k]] = r.itemEnd[c] - r.start[c]
			next[k]++
		}
	}
	w.itemStats = make([]*Stats, n)
	for k := range n {
		w.itemStats[k] = nsStats(buf[offs[k]:offs[k+1]])
	}

	// Steps.
	v, nAct := r.v, len(r.acts)
	w.stepWIP, w.stepArr, w.stepDep = make([]float64, nAct*n), make([]int32, nAct*n), make([]int32, nAct*n)
	sdiff := make([]int32, nAct*(n+1))
	hint = 0
	for i := range v.len() {
		a := int(r.actOf[v.act[i]])
		end := v.end(i, r.asOf)
		if e := v.entered[i]; e != eventlog.NoTime {
			hint = w.index(e, hint)
			w.stepArr[a*n+hint]++
			w.integrate(w.stepWIP, sdiff, a*n, a*(n+1), e, end, hint)
		}
		if v.ended[i] != eventlog.NoTime {
			hint = w.index(v.ended[i], hint)
			w.stepDep[a*n+hint]++
		}
	}
	w.settle(w.stepWIP, sdiff, nAct)
	if v.hasStates() {
		w.stepInProgress, w.stepQueue = make([]float64, nAct*n), make([]float64, nAct*n)
		clear(sdiff)
		for i := range v.len() {
			if s := v.started[i]; s != eventlog.NoTime {
				a := int(r.actOf[v.act[i]])
				hint = w.integrate(w.stepInProgress, sdiff, a*n, a*(n+1), s, v.end(i, r.asOf), hint)
			}
		}
		w.settle(w.stepInProgress, sdiff, nAct)
		clear(sdiff)
		seg := &v.seg
		for k := range seg.visit {
			if seg.state[k] == stQueued {
				a := int(r.actOf[v.act[seg.visit[k]]])
				hint = w.integrate(w.stepQueue, sdiff, a*n, a*(n+1), seg.from[k], seg.to[k], hint)
			}
		}
		w.settle(w.stepQueue, sdiff, nAct)
	}
	return w, nil
}

// trend returns the least-squares slope, per week, of the time average of
// a series of activity a over the windows (x: window midpoints in weeks).
func (w *windowSeries) trend(series []float64, a int) float64 {
	n := len(w.bounds) - 1
	var x, y []float64
	for k := range n {
		if w.covered[k] == 0 {
			continue
		}
		mid := float64(w.bounds[k]+w.bounds[k+1]) / 2
		x = append(x, (mid-float64(w.bounds[0]))/float64(7*24*time.Hour))
		y = append(y, series[a*n+k]/float64(w.covered[k]))
	}
	return slope(x, y)
}

func (w *windowSeries) json(r *run) Windows {
	out := Windows{Window: w.window, Location: r.loc.String()}
	n := len(w.bounds) - 1
	states := w.stepQueue != nil
	out.Series = make([]Window, n)
	for k := range n {
		cov := float64(w.covered[k])
		win := Window{
			Start:      time.Unix(0, w.bounds[k]).In(r.loc).Format(time.RFC3339),
			End:        time.Unix(0, w.bounds[k+1]).In(r.loc).Format(time.RFC3339),
			Arrivals:   w.arrivals[k],
			Throughput: w.throughput[k],
			WIP:        ratio(w.wip[k], cov),
			ItemTime:   w.itemStats[k],
			Steps:      []WindowStep{},
		}
		var inProgress, queue float64
		for a := range r.acts {
			i := a*n + k
			if w.stepArr[i] == 0 && w.stepDep[i] == 0 && w.stepWIP[i] == 0 {
				continue
			}
			ws := WindowStep{
				Activity:   r.l.Strings[r.acts[a]],
				Arrivals:   int(w.stepArr[i]),
				Departures: int(w.stepDep[i]),
				WIP:        ratio(w.stepWIP[i], cov),
			}
			if states {
				ws.InProgress = ratio(w.stepInProgress[i], cov)
				ws.Queue = ratio(w.stepQueue[i], cov)
			}
			win.Steps = append(win.Steps, ws)
		}
		if states {
			for a := range r.acts {
				inProgress += w.stepInProgress[a*n+k]
				queue += w.stepQueue[a*n+k]
			}
			win.InProgress = ratio(inProgress, cov)
			win.Queue = ratio(queue, cov)
		}
		out.Series[k] = win
	}
	return out
}
