package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/golden"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/library"
)

func loadLibrary(t *testing.T) []*svcflow.ValueStream {
	t.Helper()
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	return streams
}

func modelStreams(t *testing.T) []*svcflow.ValueStream {
	all := loadLibrary(t)
	return []*svcflow.ValueStream{library.ByID(all, "new-service"), library.ByID(all, "restore-live-service")}
}

func TestReportGolden(t *testing.T) {
	all := loadLibrary(t)
	restore := library.ByID(all, "restore-live-service")
	tests := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"restore-live-service.md", func(b *bytes.Buffer) error { return StreamMarkdown(b, restore) }},
		{"password-reset.html", func(b *bytes.Buffer) error { return StreamHTML(b, library.ByID(all, "password-reset"), HTMLOptions{}) }},
		{"mvp-service-configuration-management.md", func(b *bytes.Buffer) error {
			return MVPMarkdown(b, MVP(modelStreams(t), "service-configuration-management"))
		}},
		{"mvp-service-configuration-management.html", func(b *bytes.Buffer) error {
			return MVPHTML(b, MVP(modelStreams(t), "service-configuration-management"), HTMLOptions{})
		}},
		{"coverage.md", func(b *bytes.Buffer) error { return CoverageMarkdown(b, Coverage(all)) }},
		{"coverage.html", func(b *bytes.Buffer) error { return CoverageHTML(b, Coverage(all), HTMLOptions{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tt.name, buf.Bytes())
		})
	}
}

// TestMVPModelStreams: Table 4.5 of 003 lists nine service configuration
// management contributions; the book's step lists add two more.
func TestMVPModelStreams(t *testing.T) {
	rows := MVP(modelStreams(t), "service-configuration-management")
	var got []string
	for _, r := range rows {
		got = append(got, r.Stream+"#"+string(rune('0'+r.Step)))
		if r.Contribution == "" || r.Source == "" || r.StepName == "" || r.StreamName == "" {
			t.Errorf("incomplete row %+v", r)
		}
	}
	want := "new-service#1 new-service#2 new-service#3 new-service#4 new-service#5 new-service#6 " +
		"restore-live-service#2 restore-live-service#3 restore-live-service#4 restore-live-service#5 restore-live-service#7"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestMVPOrderAndDedupe(t *testing.T) {
	s := &svcflow.ValueStream{ID: "s", Name: "S", Steps: []svcflow.Step{
		{ID: "b", Number: 2, Name: "B", Practices: []svcflow.PracticeContribution{{Practice: "service-desk", Contribution: "x"}, {Practice: "architecture-management", Contribution: "y"}}},
		{ID: "a", Number: 1, Name: "A", Practices: []svcflow.PracticeContribution{{Practice: "service-desk", Contribution: "z"}, {Practice: "service-desk", Contribution: "again"}}},
	}}
	rows := MVP([]*svcflow.ValueStream{s}, "")
	var got []string
	for _, r := range rows {
		got = append(got, r.Practice+"@"+r.StepID+":"+r.Contribution)
	}
	// Practices in catalogue order (architecture first), steps by number,
	// one row per (stream, step, practice).
	if want := "architecture-management@b:y service-desk@a:z service-desk@b:x"; strings.Join(got, " ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, " "), want)
	}
	if rows := MVP([]*svcflow.ValueStream{s}, "risk-management"); len(rows) != 0 {
		t.Errorf("rows for an absent practice: %v", rows)
	}
}

func TestCoverageCountsActionsAndTasks(t *testing.T) {
	s := &svcflow.ValueStream{ID: "s", Steps: []svcflow.Step{{
		ID: "a", Activity: svcflow.DeliverSupport,
		Practices: []svcflow.PracticeContribution{{Practice: "service-desk"}},
		Actions: []svcflow.Action{{
			Name: "act", Activity: svcflow.Engage, Practice: "service-desk",
			Tasks: []svcflow.Task{
				{Name: "t1", Practice: "knowledge-management"},                            // inherits engage
				{Name: "t2", Practice: "knowledge-management", Activity: svcflow.Improve}, // its own
				{Name: "t3", Practice: "service-desk", Activity: svcflow.Engage},          // repeat: counted once
			},
		}},
	}}}
	rows := Coverage([]*svcflow.ValueStream{s})
	if len(rows) != 34 {
		t.Fatalf("got %d rows, want 34", len(rows))
	}
	byID := map[string]CoverageRow{}
	for _, r := range rows {
		byID[r.Practice] = r
	}
	sd, km := byID["service-desk"], byID["knowledge-management"]
	if sd.Counts[svcflow.DeliverSupport] != 1 || sd.Counts[svcflow.Engage] != 1 || sd.Total != 2 {
		t.Errorf("service desk: %+v", sd)
	}
	if km.Counts[svcflow.Engage] != 1 || km.Counts[svcflow.Improve] != 1 || km.Total != 2 {
		t.Errorf("knowledge management: %+v", km)
	}
	if byID["risk-management"].Total != 0 {
		t.Errorf("risk management counted: %+v", byID["risk-management"])
	}
}

func TestMarkdownEscapesCells(t *testing.T) {
	s := &svcflow.ValueStream{ID: "s", Revision: 1, Name: "A | B", Owner: "line one\nline two", Steps: []svcflow.Step{
		{ID: "a", Number: 1, Name: "Step | one", Activity: svcflow.Plan, Next: []svcflow.Transition{{To: "value", Probability: 1}}},
	}}
	var buf bytes.Buffer
	if err := StreamMarkdown(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `| Value stream | A \| B |`) || !strings.Contains(out, "line one<br>line two") {
		t.Errorf("cells not escaped:\n%s", out)
	}
}

// TestLinkedStylesheet: pages served under a strict Content-Security-Policy
// link the stylesheet and carry no inline style.
func TestLinkedStylesheet(t *testing.T) {
	s := library.ByID(loadLibrary(t), "password-reset")
	var buf bytes.Buffer
	if err := StreamHTML(&buf, s, HTMLOptions{StylesheetURL: "/static/report.css"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `<link rel="stylesheet" href="/static/report.css">`) || strings.Contains(out, "<style") || strings.Contains(out, "style=") {
		t.Errorf("page does not link its stylesheet cleanly:\n%.600s", out)
	}
}
