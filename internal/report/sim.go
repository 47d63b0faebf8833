package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/svcflow/svcflow/internal/draw"
	"github.com/svcflow/svcflow/internal/sim"
)

// SimRun is one simulated scenario.
type SimRun struct {
	Name   string      `json:"name"`
	Report *sim.Report `json:"report"`
}

// SimComparison compares one scenario with the baseline, metric by metric.
type SimComparison struct {
	Baseline string           `json:"baseline"`
	Scenario string           `json:"scenario"`
	Metrics  []sim.Comparison `json:"metrics"`
}

// SimDocument is what `svcflow sim run` and `sim compare` report.
type SimDocument struct {
	Scenarios   []SimRun        `json:"scenarios"`
	Comparisons []SimComparison `json:"comparisons,omitempty"`
}

func hoursCI(v float64, ci *float64) string {
	s := Duration(v)
	if ci != nil {
		s += " ± " + Duration(*ci)
	}
	return s
}

func shareCI(v float64, ci *float64) string {
	s := pct(v)
	if ci != nil {
		s += " ± " + strconv.FormatFloat(100**ci, 'f', 1, 64) + " pt"
	}
	return s
}

// SimText writes the terminal summary of simulated scenarios and their
// comparisons.
func SimText(w io.Writer, doc SimDocument) error {
	var b bytes.Buffer
	for i, run := range doc.Scenarios {
		r := run.Report
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: %d replications of %s after %s of warm-up (seed %d, %s events)\n",
			run.Name, r.Replications, Duration(r.Horizon), Duration(r.WarmUp), r.Seed, count(int(r.Events)))
		t := r.TimeToResolve
		fmt.Fprintf(&b, "time_to_resolve: mean %s, p50 %s, p85 %s, p95 %s (n=%s)\n",
			hoursCI(t.Mean, t.MeanCI95), hoursCI(t.P50, t.P50CI95), hoursCI(t.P85, t.P85CI95), hoursCI(t.P95, t.P95CI95), count(int(t.Count)))
		if len(r.Classes) > 1 {
			for _, c := range r.Classes {
				t := c.TimeToResolve
				fmt.Fprintf(&b, "  %s: mean %s, p50 %s, p85 %s, p95 %s (n=%s)\n", c.Class,
					hoursCI(t.Mean, t.MeanCI95), hoursCI(t.P50, t.P50CI95), hoursCI(t.P85, t.P85CI95), hoursCI(t.P95, t.P95CI95), count(int(t.Count)))
			}
		}
		fmt.Fprintf(&b, "throughput %s per hour; %s items open at the end on average\n",
			strconv.FormatFloat(r.ThroughputPerHour, 'g', 4, 64), strconv.FormatFloat(r.OpenItems, 'f', 1, 64))
		for _, s := range r.SLA {
			fmt.Fprintf(&b, "SLA %s within %s: %s\n", s.Priority, Duration(s.Target), shareCI(s.Attainment, s.AttainmentCI95))
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "team\tpeople\tutilization")
		for _, t := range r.Teams {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", t.Team, t.People, shareCI(t.Utilization, t.UtilizationCI95))
		}
		tw.Flush()
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "step\tvisits\tqueue\tWIP\tin progress\twait\tcycle")
		for _, s := range r.Steps {
			fmt.Fprintf(tw, "%s/%s\t%s\t%.2f\t%.2f\t%.2f\t%s\t%s\n", s.Class, s.Step, count(int(s.Visits)),
				s.MeanQueue, s.MeanWIP, s.MeanInProgress, Duration(s.MeanWait), Duration(s.MeanCycle))
		}
		tw.Flush()
	}
	for _, c := range doc.Comparisons {
		fmt.Fprintf(&b, "\n%s compared with %s:\n", c.Scenario, c.Baseline)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "metric\tbaseline\tscenario\tdifference\t95% CI\tp\tsignificant")
		for _, m := range c.Metrics {
			ci := ""
			if m.CI95 != nil {
				ci = fmt.Sprintf("[%s, %s]", num4(m.CI95.Low), num4(m.CI95.High))
			}
			sig := "no"
			if m.Significant {
				sig = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Metric, num4(m.MeanA), num4(m.MeanB), num4(m.Difference), ci,
				strconv.FormatFloat(m.PValue, 'g', 3, 64), sig)
		}
		tw.Flush()
	}
	_, err := w.Write(b.Bytes())
	return err
}

func num4(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// SimHTML writes one self-contained page: each scenario's figures, the
// time-to-resolve distributions overlaid, utilization bars per team and
// scenario, and the comparisons.
func SimHTML(w io.Writer, doc SimDocument, opt HTMLOptions) error {
	charts, err := simCharts(doc)
	if err != nil {
		return err
	}
	names := make([]string, len(doc.Scenarios))
	for i, s := range doc.Scenarios {
		names[i] = s.Name
	}
	title := "Simulation of " + strings.Join(names, ", ")
	return render(w, "sim", title, opt, struct {
		Title  string
		Doc    SimDocument
		Charts []template.HTML
	}{title, doc, charts})
}

// simCharts draws the time-to-resolve distributions (share of items per
// bin, every scenario on the same bins) and utilization per team.
func simCharts(doc SimDocument) ([]template.HTML, error) {
	var out []template.HTML
	add := func(c draw.Chart) error {
		h, err := ChartHTML(c)
		out = append(out, h)
		return err
	}
	var all []float64
	for _, s := range doc.Scenarios {
		for _, run := range s.Report.Runs {
			all = append(all, run.TimeToResolve...)
		}
	}
	if len(all) > 0 {
		slices.Sort(all)
		top := all[(len(all)-1)*95/100]
		const bins = 24
		width := max(top, 1) / bins
		cats := make([]string, bins+1)
		for i := range bins {
			cats[i] = Duration(float64(i) * width)
		}
		cats[bins] = "≥ " + Duration(float64(bins)*width)
		var series []draw.Series
		for _, s := range doc.Scenarios {
			vals := make([]float64, bins+1)
			n := 0
			for _, run := range s.Report.Runs {
				for _, v := range run.TimeToResolve {
					vals[min(int(v/width), bins)]++
					n++
				}
			}
			for i := range vals {
				vals[i] = 100 * vals[i] / math.Max(float64(n), 1)
			}
			series = append(series, draw.Series{Name: s.Name, Values: vals})
		}
		if err := add(draw.Chart{ID: "sim-ttr", Title: "Time to resolve", Desc: "Share of resolved items per time-to-resolve range, each scenario a line",
			Kind: draw.Lines, Categories: cats, Series: series, YLabel: "% of items"}); err != nil {
			return nil, err
		}
	}
	var teams []string
	for _, s := range doc.Scenarios {
		for _, t := range s.Report.Teams {
			if !slices.Contains(teams, t.Team) {
				teams = append(teams, t.Team)
			}
		}
	}
	if len(teams) > 0 {
		var series []draw.Series
		for _, s := range doc.Scenarios {
			vals := make([]float64, len(teams))
			for i, team := range teams {
				vals[i] = math.NaN()
				for _, t := range s.Report.Teams {
					if t.Team == team {
						vals[i] = 100 * t.Utilization
					}
				}
			}
			series = append(series, draw.Series{Name: s.Name, Values: vals})
		}
		if err := add(draw.Chart{ID: "sim-utilization", Title: "Utilization per team", Desc: "Busy share of each team's available time, per scenario",
			Kind: draw.Bars, Horizontal: true, Categories: teams, Series: series, YLabel: "% busy"}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
