package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow/internal/draw"
	"github.com/svcflow/svcflow/internal/flow"
)

// AnalysisOptions tune the analysis reports.
type AnalysisOptions struct {
	TopVariants int // variants listed; the JSON lists them all
	Map         flow.MapOptions
	HTMLOptions
}

// Duration formats seconds for people: "45 s", "12 min", "3.2 h", "4.1 d".
func Duration(sec float64) string {
	switch a := math.Abs(sec); {
	case a < 60:
		return strconv.FormatFloat(sec, 'f', 0, 64) + " s"
	case a < 3600:
		return strconv.FormatFloat(sec/60, 'f', 1, 64) + " min"
	case a < 2*86400:
		return strconv.FormatFloat(sec/3600, 'f', 1, 64) + " h"
	}
	return strconv.FormatFloat(sec/86400, 'f', 1, 64) + " d"
}

// unknown is how the reports print a number the log cannot give.
const unknown = "unknown"

func durPtr(v *float64) string {
	if v == nil {
		return unknown
	}
	return Duration(*v)
}

func pctPtr(v *float64) string {
	if v == nil {
		return unknown
	}
	return pct(*v)
}

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

func numPtr(v *float64) string {
	if v == nil {
		return unknown
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// count formats an integer with thousands separators: 21,348.
func count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func statsLine(s flow.Stats) string {
	if s.Count == 0 {
		return unknown
	}
	return fmt.Sprintf("mean %s, p50 %s, p85 %s, p95 %s, max %s (n=%s)",
		durPtr(s.Mean), durPtr(s.P50), durPtr(s.P85), durPtr(s.P95), durPtr(s.Max), count(s.Count))
}

func timingNote(t flow.Timing) string {
	switch t {
	case flow.TimingCompletion:
		return "completion: each event completes its activity, so wait, cycle and blocked times are unknown"
	case flow.TimingState:
		return "state: each event enters a state that lasts until the next event of the case"
	}
	return "lifecycle: start and complete events split each visit into wait, cycle and blocked time"
}

func path(p []string) string { return strings.Join(p, " → ") }

// AnalysisText writes the terminal summary of an analysis: the headline
// numbers, the top three bottlenecks, the top variants and the conformance.
func AnalysisText(w io.Writer, a *flow.Analysis, opt AnalysisOptions) error {
	var b bytes.Buffer
	if a.Source != nil {
		fmt.Fprintf(&b, "%s (%s)", a.Source.Name, a.Source.Format)
		if a.Source.WarningCount > 0 {
			fmt.Fprintf(&b, ", %s warnings", count(a.Source.WarningCount))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "cases %s, events %s, duplicate rows %s, activities %s, resources %s\n",
		count(a.Cases), count(a.Events), count(a.DuplicateRows), count(a.Activities), count(a.Resources))
	fmt.Fprintf(&b, "from %s to %s\n", a.FirstEvent, a.LastEvent)
	fmt.Fprintf(&b, "timing %s\n", timingNote(a.Timing))
	fmt.Fprintf(&b, "\n%s: %s", a.ItemTime.Measure, statsLine(a.ItemTime.Stats))
	if a.ItemTime.Unresolved > 0 {
		fmt.Fprintf(&b, "; %s without one", plural(a.ItemTime.Unresolved, "case", "cases"))
	}
	b.WriteString("\n")
	if s := a.ItemTimes.TimeToFinalResolve; s != nil {
		fmt.Fprintf(&b, "time_to_final_resolve: %s\n", statsLine(*s))
	}
	if s := a.ItemTimes.StreamLeadTime; s != nil {
		fmt.Fprintf(&b, "stream_lead_time: %s\n", statsLine(*s))
	}
	fmt.Fprintf(&b, "flow: velocity %s items per %s, load %s items, efficiency %s\n",
		numPtr(a.Flow.Velocity), a.Windows.Window, numPtr(a.Flow.Load), pctPtr(a.Flow.Efficiency))
	fmt.Fprintf(&b, "handoffs %s (%s per case), first-time-right %s, reopen rate %s, FCR %s\n",
		count(a.Handoffs.Count), numPtr(a.Handoffs.TransferRate), pctPtr(a.Rework.FirstTimeRight), pctPtr(a.Rework.ReopenRate), pctPtr(a.Outcome.FCR.Rate))
	if r := a.Little.Stream.Ratio; r != nil {
		fmt.Fprintf(&b, "Little's Law L/(λW) over the log: %s\n", numPtr(r))
	}
	if s := a.Outcome.Satisfaction; s != nil {
		fmt.Fprintf(&b, "satisfaction %s\n", satisfactionText(s))
	}
	if a.SLA != nil {
		fmt.Fprintf(&b, "SLA attainment %s (%s met, %s breached, %s open and past target)\n", pctPtr(a.SLA.Overall.Attainment),
			count(a.SLA.Overall.Met), count(a.SLA.Overall.Breached), count(a.SLA.Overall.OpenBreached))
	}

	basis := "wait"
	if a.Bottlenecks.Basis == flow.BasisLead {
		basis = "lead time (wait unknown)"
	}
	fmt.Fprintf(&b, "\nbottlenecks by share of %s:\n", basis)
	for _, s := range a.Bottlenecks.Steps {
		if !s.Top {
			break
		}
		share := s.WaitShare
		if a.Bottlenecks.Basis == flow.BasisLead {
			share = s.LeadShare
		}
		fmt.Fprintf(&b, "  %d. %s: share %s, utilization %s, p85 wait %s", s.Rank, s.Activity, pctPtr(share), pctPtr(s.Utilization), durPtr(s.P85Wait))
		if s.Team != "" {
			fmt.Fprintf(&b, ", team %s", s.Team)
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "\nvariants: %s (share, cases, path)\n", count(len(a.Variants)))
	for i, v := range a.Variants {
		if i >= opt.TopVariants {
			break
		}
		fmt.Fprintf(&b, "  %6s %7s  %s\n", pct(v.Share), count(v.Count), path(v.Path))
	}
	if m := a.Map; m != nil && m.DFG != nil {
		var starts, ends []string
		for _, s := range m.StartActivities {
			starts = append(starts, fmt.Sprintf("%s %s", s.Name, count(s.Count)))
		}
		for _, s := range m.EndActivities {
			ends = append(ends, fmt.Sprintf("%s %s", s.Name, count(s.Count)))
		}
		fmt.Fprintf(&b, "start activities: %s\nend activities: %s\n", strings.Join(starts, ", "), strings.Join(ends, ", "))
	}
	if c := a.Conformance; c != nil {
		fmt.Fprintf(&b, "\nconformance with %s: fitness %s, %s of cases fit (%s of %s)\n",
			c.Stream, strconv.FormatFloat(c.Fitness, 'f', 3, 64), pct(c.ShareFit), count(c.CasesFit), count(c.Cases))
		for i, d := range c.Deviations {
			if i >= 5 {
				break
			}
			fmt.Fprintf(&b, "  %s × %s\n", count(d.Count), DeviationText(d))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func satisfactionText(s *flow.Satisfaction) string {
	if s.Responses == 0 {
		return "unknown: no scores yet"
	}
	return fmt.Sprintf("%s of 5 from %s (response rate %s)", strconv.FormatFloat(*s.Mean, 'f', 2, 64),
		plural(s.Responses, "score", "scores"), pctPtr(s.ResponseRate))
}

// DeviationText says one kind of deviation from the designed stream in words.
func DeviationText(d flow.Deviation) string {
	if d.Kind == flow.ModelMove {
		return "skipped step " + d.Step
	}
	s := "unexpected " + d.Activity
	switch d.Reason {
	case flow.ReasonUnmapped:
		s = d.Activity + " (matches no step)"
	case flow.ReasonRepeat:
		s = d.Activity + " repeated where the stream has no way back"
	}
	if len(d.Cases) > 0 {
		s += " (e.g. " + strings.Join(d.Cases, ", ") + ")"
	}
	return s
}

// AnalysisHTML writes one self-contained offline page: the headline
// numbers, SVG charts (item-time histogram, WIP over time, throughput per
// window, wait and cycle per step), the observed map, the bottlenecks, the
// variants and the conformance.
func AnalysisHTML(w io.Writer, a *flow.Analysis, opt AnalysisOptions) error {
	charts, err := analysisCharts(a)
	if err != nil {
		return err
	}
	var mp bytes.Buffer
	mo := opt.Map
	if mo.ID == "" {
		mo.ID = "observed-map"
	}
	if err := flow.WriteMapSVG(&mp, a.Map.DFG, mo); err != nil {
		return fmt.Errorf("draw observed map: %w", err)
	}
	variants := a.Variants
	if len(variants) > opt.TopVariants {
		variants = variants[:opt.TopVariants]
	}
	title := "Flow analysis"
	if a.Source != nil {
		title += " of " + a.Source.Name
	}
	return render(w, "analysis", title, opt.HTMLOptions, struct {
		Title    string
		A        *flow.Analysis
		Timing   string
		Charts   []template.HTML
		Map      template.HTML
		Variants []flow.Variant
	}{title, a, timingNote(a.Timing), charts, template.HTML(mp.String()), variants}) // SVG from our writers, which escape all text
}

// analysisCharts draws the page's charts.
func analysisCharts(a *flow.Analysis) ([]template.HTML, error) {
	var out []template.HTML
	add := func(c draw.Chart) error {
		h, err := ChartHTML(c)
		out = append(out, h)
		return err
	}
	if h := a.ItemTime.Histogram; h != nil && len(h.Bins) > 0 {
		cats := make([]string, len(h.Bins))
		vals := make([]float64, len(h.Bins))
		for i, bin := range h.Bins {
			cats[i] = Duration(bin.From) + "–" + Duration(bin.To)
			if bin.Overflow {
				cats[i] = "≥ " + Duration(bin.From)
			}
			vals[i] = float64(bin.Count)
		}
		if err := add(draw.Chart{ID: "chart-item-time", Title: "Item time (" + a.ItemTime.Measure + ")",
			Desc: "Number of cases per item-time range", Kind: draw.Bars, Categories: cats,
			Series: []draw.Series{{Name: "cases", Values: vals}}, YLabel: "cases"}); err != nil {
			return nil, err
		}
	}
	if ws := a.Windows.Series; len(ws) > 0 {
		cats := make([]string, len(ws))
		thr, arr, wip := make([]float64, len(ws)), make([]float64, len(ws)), make([]float64, len(ws))
		for i, win := range ws {
			cats[i] = windowLabel(win.Start, a.Windows.Window)
			thr[i], arr[i] = float64(win.Throughput), float64(win.Arrivals)
			wip[i] = math.NaN()
			if win.WIP != nil {
				wip[i] = *win.WIP
			}
		}
		if err := add(draw.Chart{ID: "chart-throughput", Title: "Arrivals and throughput per " + a.Windows.Window,
			Desc: "Cases started and finished in each " + a.Windows.Window, Kind: draw.Bars, Categories: cats,
			Series: []draw.Series{{Name: "arrivals", Values: arr}, {Name: "throughput", Values: thr}}, YLabel: "cases"}); err != nil {
			return nil, err
		}
		if err := add(draw.Chart{ID: "chart-wip", Title: "Work in progress over time",
			Desc: "Time-average number of open items in each " + a.Windows.Window, Kind: draw.Lines, Categories: cats,
			Series: []draw.Series{{Name: "WIP", Values: wip}}, YLabel: "items"}); err != nil {
			return nil, err
		}
	}
	if len(a.Steps) > 0 {
		cats := make([]string, len(a.Steps))
		wait, cycle, blocked, lead := make([]float64, len(a.Steps)), make([]float64, len(a.Steps)), make([]float64, len(a.Steps)), make([]float64, len(a.Steps))
		known := false
		for i, s := range a.Steps {
			cats[i] = s.Activity
			wait[i], cycle[i], blocked[i], lead[i] = meanHours(s.Wait), meanHours(s.Cycle), meanHours(s.Blocked), meanHours(s.Lead)
			known = known || !math.IsNaN(wait[i])
		}
		// Step names are long: a row per step with its name on the left.
		c := draw.Chart{ID: "chart-steps", Kind: draw.Stack, Categories: cats, YLabel: "hours", Horizontal: true}
		if known {
			c.Title, c.Desc = "Mean wait, cycle and blocked time per step", "Mean hours queued, active and blocked per visit of each step"
			c.Series = []draw.Series{{Name: "wait", Values: wait}, {Name: "cycle", Values: cycle}, {Name: "blocked", Values: blocked}}
		} else {
			c.Title, c.Desc = "Mean lead time per step (wait and cycle unknown)", "Mean hours per visit of each step"
			c.Series = []draw.Series{{Name: "lead", Values: lead}}
		}
		if err := add(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func meanHours(s *flow.Stats) float64 {
	if s == nil || s.Mean == nil {
		return math.NaN()
	}
	return *s.Mean / 3600
}

func windowLabel(start, window string) string {
	t, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return start
	}
	switch window {
	case flow.WindowMonth:
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}
