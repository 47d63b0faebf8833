package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/svcflow/svcflow"
)

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "<br>")
}

func cells(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = cell(x)
	}
	return strings.Join(out, "<br>")
}

// mdWriter collects the first write error so the rendering code stays linear.
type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func (m *mdWriter) row(label, value string) {
	m.printf("| %s | %s |\n", label, value)
}

// StreamMarkdown writes the stream template (003 Table 4.1) followed by one
// step template (Table 4.2) per step, as Markdown tables.
func StreamMarkdown(w io.Writer, s *svcflow.ValueStream) error {
	m := &mdWriter{w: w}
	m.printf("# %s\n\n", cell(s.Name))
	m.printf("Value stream `%s`, revision %d.\n\n", s.ID, s.Revision)
	m.printf("| Value stream | %s |\n|---|---|\n", cell(s.Name))
	for _, f := range StreamFields(s) {
		m.row(f.Label, cells(f.Values))
	}
	for _, st := range s.Steps {
		m.printf("\n## Step %d: %s\n\n", st.Number, cell(st.Name))
		m.printf("| Value stream name | %s |\n|---|---|\n", cell(s.Name))
		for _, f := range StepFields(&st) {
			m.row(f.Label, cells(f.Values))
		}
		if len(st.Practices) > 0 {
			m.printf("\n| Supporting practice | How it contributes to this step | Source |\n|---|---|---|\n")
			for _, pc := range st.Practices {
				m.printf("| %s | %s | %s |\n", cell(practiceName(pc.Practice)), cell(pc.Contribution), cell(pc.Source))
			}
		}
		if len(st.Actions) > 0 {
			m.printf("\n| Action | Tasks |\n|---|---|\n")
			for _, a := range st.Actions {
				var tasks []string
				for _, t := range a.Tasks {
					tasks = append(tasks, t.Name)
				}
				m.printf("| %s | %s |\n", cell(a.Name), cells(tasks))
			}
		}
	}
	return m.err
}

// Field is one labelled row of a template.
type Field struct {
	Label  string
	Values []string
}

// StreamFields returns the rows of 003 Table 4.1 for s, plus routing rows.
func StreamFields(s *svcflow.ValueStream) []Field {
	fs := []Field{
		{"Owned by", one(s.Owner)},
		{"Description", one(s.Description)},
		{"Use case", one(s.UseCase)},
		{"Demand", one(s.Demand)},
		{"Trigger", s.Triggers},
		{"Outcomes", s.Outcomes},
		{"Value created", one(s.Value)},
		{"Estimated or target lead time", one(s.TargetLeadTime.String())},
		{"Applies to", one(describeAppliesTo(s))},
		{"Steps", one(strconv.Itoa(len(s.Steps)))},
	}
	return fs
}

// StepFields returns the rows of 003 Table 4.2 for st, plus what svcflow
// needs to run the step.
func StepFields(st *svcflow.Step) []Field {
	var next []string
	for _, t := range st.Next {
		s := "→ " + t.To
		if t.When != "" {
			s = t.When + " " + s
		}
		if t.Probability != 1 {
			s += fmt.Sprintf(" (p=%s)", strconv.FormatFloat(t.Probability, 'f', -1, 64))
		}
		next = append(next, s)
	}
	fs := []Field{
		{"Step number", one(strconv.Itoa(st.Number))},
		{"Step name", one(st.Name)},
		{"Value chain activity", one(st.Activity.Name())},
		{"Inputs (triggers and information)", st.Inputs},
		{"Outputs (triggers and information)", st.Outputs},
		{"Desired outcomes", st.DesiredOutcomes},
		{"Estimated or target lead time", one(st.TargetLeadTime.String())},
		{"Accountable", one(st.RACI.Accountable)},
		{"Responsible", st.RACI.Responsible},
		{"Consulted", st.RACI.Consulted},
		{"Informed", st.RACI.Informed},
		{"Constraints", st.Constraints},
		{"Team", one(st.Team)},
	}
	if st.WIPLimit > 0 {
		fs = append(fs, Field{"WIP limit", one(strconv.Itoa(st.WIPLimit))})
	}
	if st.Automated {
		fs = append(fs, Field{"Automated", one("yes")})
	}
	if a := st.Approval; a != nil {
		var who []string
		for _, ap := range a.Approvers {
			who = append(who, ap.String())
		}
		q := strconv.Itoa(int(a.Quorum))
		if a.Quorum == svcflow.QuorumAll {
			q = "all"
		}
		text := fmt.Sprintf("%s; quorum %s; on reject: %s", strings.Join(who, ", "), q, a.OnReject)
		if a.AutoApprove != "" {
			text += "; auto-approve when " + a.AutoApprove
		}
		fs = append(fs, Field{"Approval", one(text)})
	}
	if len(st.Outcomes) > 0 {
		fs = append(fs, Field{"Outcomes", one(strings.Join(st.Outcomes, ", "))})
	}
	if st.Resolves {
		fs = append(fs, Field{"Resolves the work item", one("yes")})
	}
	for _, sp := range st.Spawn {
		text := fmt.Sprintf("a %s into %s", sp.Kind, sp.Stream)
		if sp.When != "" {
			text += " when " + sp.When
		}
		if sp.WaitFor != "" {
			text += ", waiting for it to reach " + sp.WaitFor
		}
		fs = append(fs, Field{"Spawns", one(text)})
	}
	fs = append(fs, Field{"Next", next})
	return fs
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func practiceName(id string) string {
	if p, ok := svcflow.PracticeByID(id); ok {
		return p.Name
	}
	return id
}

func describeAppliesTo(s *svcflow.ValueStream) string {
	if s.AppliesTo.IsZero() {
		return "spawned or chosen by name only"
	}
	if s.Default {
		return s.AppliesTo.String() + " (default)"
	}
	return s.AppliesTo.String()
}

// MVPMarkdown writes minimum viable practice rows as one table per practice
// (003 Table 4.4): the contribution and the step it serves.
func MVPMarkdown(w io.Writer, rows []MVPRow) error {
	m := &mdWriter{w: w}
	prev := ""
	for _, r := range rows {
		if r.Practice != prev {
			if prev != "" {
				m.printf("\n")
			}
			m.printf("## %s practice\n\n| Contribution | Purpose (value stream step) | Source |\n|---|---|---|\n", cell(practiceName(r.Practice)))
			prev = r.Practice
		}
		m.printf("| %s | %s (step %d of %s) | %s |\n", cell(r.Contribution), cell(r.StepName), r.Step, cell(r.StreamName), cell(r.Source))
	}
	if len(rows) == 0 {
		m.printf("No contributions found.\n")
	}
	return m.err
}

// CoverageMarkdown writes the practice × activity matrix as a Markdown table.
func CoverageMarkdown(w io.Writer, rows []CoverageRow) error {
	m := &mdWriter{w: w}
	acts := svcflow.Activities()
	m.printf("| Practice |")
	for _, a := range acts {
		m.printf(" %s |", a.Name)
	}
	m.printf(" Total |\n|---|")
	for range acts {
		m.printf("---:|")
	}
	m.printf("---:|\n")
	for _, r := range rows {
		m.printf("| %s |", cell(r.Name))
		for _, a := range acts {
			if n := r.Counts[a.ID]; n > 0 {
				m.printf(" %d |", n)
			} else {
				m.printf(" · |")
			}
		}
		m.printf(" %d |\n", r.Total)
	}
	return m.err
}
