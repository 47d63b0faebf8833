package flow

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
)

// Analysis is every analysis of one log, the document `svcflow analyze
// --json` writes and /api/v1/analytics serves: the metrics at the top level
// (cases, events, duplicate_rows, timing, …), the observed map, every
// variant, and the conformance with a designed stream when one was given.
type Analysis struct {
	Source *Source `json:"source,omitempty"`
	*Metrics
	Map         *ObservedMap `json:"map"`
	Variants    []Variant    `json:"variants"` // every variant, by count then path
	Conformance *Conformance `json:"conformance"`
}

// Histogram counts values in equal bins [From, To), in seconds. When the
// values run on past about their 95th percentile, a last Overflow bin
// holds everything from its From up.
type Histogram struct {
	Bins []Bin `json:"bins"`
}

// Bin is one bin of a Histogram.
type Bin struct {
	From     float64 `json:"from"`
	To       float64 `json:"to"` // the largest value in an overflow bin
	Count    int     `json:"count"`
	Overflow bool    `json:"overflow,omitempty"`
}

// histogramBins is about how many bins a histogram gets.
const histogramBins = 20

// newHistogram bins durations in nanoseconds. The bin width is 1, 2 or 5
// times a power of ten of seconds, minutes, hours or days, chosen so that
// about histogramBins bins cover the values up to their 95th percentile;
// the long tail beyond goes into the last bin rather than stretching the
// chart until the bulk is one bar.
func newHistogram(ns []int64) *Histogram {
	if len(ns) == 0 {
		return &Histogram{Bins: []Bin{}}
	}
	x := slices.Clone(ns)
	slices.Sort(x)
	top := float64(x[(len(x)-1)*95/100]) / 1e9
	maxV := float64(x[len(x)-1]) / 1e9
	width := niceWidth(max(top, 1) / histogramBins)
	n := int(math.Floor(top/width)) + 1
	overflow := maxV >= float64(n)*width
	if overflow {
		n++
	}
	h := &Histogram{Bins: make([]Bin, n)}
	for i := range h.Bins {
		h.Bins[i] = Bin{From: float64(i) * width, To: float64(i+1) * width}
	}
	if overflow {
		h.Bins[n-1].To, h.Bins[n-1].Overflow = maxV, true
	}
	for _, v := range x {
		i := min(int(float64(v)/1e9/width), n-1)
		h.Bins[i].Count++
	}
	return h
}

// humanWidths are the bin widths people read without arithmetic, in
// seconds: 1, 2, 5, 10, 15 and 30 seconds or minutes, 1, 2, 3, 6 and 12
// hours, 1, 2 and 5 days, a week, two weeks, 30 days.
var humanWidths = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
	3600, 7200, 10800, 21600, 43200, 86400, 172800, 432000, 604800, 1209600, 2592000}

// niceWidth rounds a bin width in seconds up to a human width; below a
// second and above 30 days it rounds up to 1, 2 or 5 times a power of ten
// (of seconds, or of 30 days).
func niceWidth(w float64) float64 {
	if w >= 1 {
		for _, h := range humanWidths {
			if h >= w {
				return h
			}
		}
		const month = 2592000
		return month * niceWidth(w/month)
	}
	mag := math.Pow(10, math.Floor(math.Log10(w)))
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= w {
			return m * mag
		}
	}
	return 10 * mag
}

// ObservedMap is the directly-follows graph without its variants, which
// the Analysis lists at its top level.
type ObservedMap struct {
	*DFG
	Variants []Variant `json:"variants,omitempty"` // shadows DFG.Variants: always empty here
}

// Source says where the log came from and how it was read.
type Source struct {
	Name         string            `json:"name"`   // the file, or "store"
	Format       string            `json:"format"` // csv, xes or store
	Columns      map[string]string `json:"columns,omitempty"`
	Warnings     []string          `json:"warnings"`
	WarningCount int               `json:"warning_count"`
}

// AnalyzeOptions are Measure's options plus a stream to conform with.
type AnalyzeOptions struct {
	Options
	Stream  *svcflow.ValueStream // nil: no conformance
	Mapping *Mapping             // activities to steps; nil maps by step id or name
	// ConformLog, when set, is the log conformance judges instead of the
	// one analysed, such as only the finished items of a live store.
	ConformLog *eventlog.Log
}

// Analyze measures l, discovers its map and variants and, with a stream,
// checks conformance; the three run concurrently over the shared log.
func Analyze(l *eventlog.Log, opt AnalyzeOptions) (*Analysis, error) {
	var (
		wg   sync.WaitGroup
		dfg  *DFG
		conf *Conformance
		cerr error
	)
	wg.Go(func() { dfg = Discover(l) })
	if opt.Stream != nil {
		cl := l
		if opt.ConformLog != nil {
			cl = opt.ConformLog
		}
		wg.Go(func() { conf, cerr = Conform(cl, opt.Stream, opt.Mapping) })
	}
	m, err := Measure(l, opt.Options)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if cerr != nil {
		return nil, fmt.Errorf("conformance with %s: %w", opt.Stream.ID, cerr)
	}
	a := &Analysis{Metrics: m, Map: &ObservedMap{DFG: dfg}, Variants: dfg.Variants, Conformance: conf}
	if a.Variants == nil {
		a.Variants = []Variant{}
	}
	return a, nil
}

// TopBottleneck returns the activity ranked first, or "".
func (a *Analysis) TopBottleneck() string {
	if len(a.Bottlenecks.Steps) == 0 {
		return ""
	}
	return a.Bottlenecks.Steps[0].Activity
}

// Empty is the analysis of a selection without events, such as a filter
// no work item matches: every count 0, every list empty, the rest null.
// (Measure refuses an empty log, which for a file is a mistake to report.)
func Empty(opt AnalyzeOptions) *Analysis {
	timing := opt.Timing
	if timing == "" {
		timing = TimingCompletion
	}
	measure := MeasureCaseDuration
	if len(opt.ResolvedActivities) > 0 {
		measure = MeasureTimeToResolve
	}
	window := opt.Window
	if window == "" {
		window = WindowWeek
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	m := &Metrics{
		Timing:      timing,
		ItemTime:    ItemTime{Measure: measure, Histogram: &Histogram{Bins: []Bin{}}},
		Steps:       []StepMetrics{},
		Windows:     Windows{Window: window, Location: loc.String(), Series: []Window{}},
		Little:      Little{Steps: []LittleStep{}},
		Bottlenecks: Bottlenecks{Basis: BasisWait, Steps: []Bottleneck{}},
		Outcome:     Outcome{Groups: []Group{}},
		Flow:        FlowView{Time: Stats{}},
	}
	a := &Analysis{Metrics: m, Map: &ObservedMap{DFG: Discover(&eventlog.Log{Strings: []string{""}, Offsets: []uint32{0}})}, Variants: []Variant{}}
	if opt.Stream != nil {
		a.Conformance = &Conformance{Stream: opt.Stream.ID, Mapping: []ActivityMapping{}, Unmapped: []string{},
			Variants: []VariantFitness{}, Deviations: []Deviation{}}
	}
	return a
}
