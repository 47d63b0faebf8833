package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/draw"
	"github.com/svcflow/svcflow/internal/flow"
)

//go:embed templates/*.html templates/report.css
var templateFS embed.FS

// pages holds one parsed template per report kind, parsed once at start-up.
var pages = parsePages("stream", "mvp", "coverage", "analysis", "sim")

func parsePages(names ...string) map[string]*template.Template {
	base := template.Must(template.New("report").Funcs(template.FuncMap{
		"practiceName": practiceName, "dur": durPtr, "pct": pctPtr, "pctv": pct, "num": numPtr, "count": count,
		"path": path, "stats": statsLine, "deviation": DeviationText, "durv": Duration, "satisfaction": satisfactionText,
		"statsp": func(s *flow.Stats) string { return statsLine(*s) },
		"simci":  hoursCI,
	}).ParseFS(templateFS, "templates/*.html"))
	out := map[string]*template.Template{}
	for _, n := range names {
		t := template.Must(base.Clone())
		template.Must(t.Parse(`{{define "body"}}{{template "` + n + `" .}}{{end}}`))
		out[n] = t
	}
	return out
}

// ChartHTML draws a chart for a page. The SVG may be embedded as is:
// draw.Chart escapes all text.
func ChartHTML(c draw.Chart) (template.HTML, error) {
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		return "", fmt.Errorf("draw chart %s: %w", c.ID, err)
	}
	return template.HTML(b.String()), nil
}

// HTMLOptions adjusts the HTML pages.
type HTMLOptions struct {
	// StylesheetURL links the stylesheet instead of inlining it, for pages
	// served under a Content-Security-Policy without 'unsafe-inline'.
	StylesheetURL string
}

// Stylesheet returns the CSS the HTML reports use, for serving at
// HTMLOptions.StylesheetURL.
func Stylesheet() []byte {
	b, err := templateFS.ReadFile("templates/report.css")
	if err != nil {
		panic("report: embedded stylesheet missing") // embedded at build time
	}
	return b
}

func render(w io.Writer, page, title string, opt HTMLOptions, body any) error {
	data := struct {
		Title         string
		StylesheetURL string
		CSS           template.CSS
		Body          any
	}{title, opt.StylesheetURL, template.CSS(Stylesheet()), body} // our own stylesheet, not user input
	var buf bytes.Buffer // render fully first: no half-written page on error
	if err := pages[page].ExecuteTemplate(&buf, "page", data); err != nil {
		return fmt.Errorf("render %s report: %w", page, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type stepView struct {
	Step   *svcflow.Step
	Fields []Field
}

// StreamHTML writes the stream and step templates (003 Tables 4.1 and 4.2)
// as a standalone HTML page, with the stream's map drawn inline.
func StreamHTML(w io.Writer, s *svcflow.ValueStream, opt HTMLOptions) error {
	var svg bytes.Buffer
	if err := Map(&svg, s, MapOptions{}); err != nil {
		return fmt.Errorf("draw map of %s: %w", s.ID, err)
	}
	steps := make([]stepView, len(s.Steps))
	for i := range s.Steps {
		steps[i] = stepView{Step: &s.Steps[i], Fields: StepFields(&s.Steps[i])}
	}
	return render(w, "stream", s.Name+" — value stream", opt, struct {
		Stream       *svcflow.ValueStream
		StreamFields []Field
		Map          template.HTML
		Steps        []stepView
	}{
		Stream:       s,
		StreamFields: StreamFields(s),
		Map:          template.HTML(svg.String()), // produced by Map, which escapes all text
		Steps:        steps,
	})
}

type mvpGroup struct {
	Name string
	Rows []MVPRow
}

// MVPHTML writes minimum viable practice rows as an HTML page, one table per
// practice (003 Table 4.4).
func MVPHTML(w io.Writer, rows []MVPRow, opt HTMLOptions) error {
	var groups []mvpGroup
	for _, r := range rows {
		if len(groups) == 0 || groups[len(groups)-1].Name != practiceName(r.Practice) {
			groups = append(groups, mvpGroup{Name: practiceName(r.Practice)})
		}
		g := &groups[len(groups)-1]
		g.Rows = append(g.Rows, r)
	}
	title := "Minimum viable practice contributions"
	if len(groups) == 1 {
		title += ": " + groups[0].Name
	}
	return render(w, "mvp", title, opt, struct {
		Title  string
		Groups []mvpGroup
	}{title, groups})
}

// CoverageHTML writes the practice × activity matrix as an HTML page.
func CoverageHTML(w io.Writer, rows []CoverageRow, opt HTMLOptions) error {
	type row struct {
		Name  string
		Cells []string
	}
	acts := svcflow.Activities()
	view := make([]row, len(rows))
	for i, r := range rows {
		cells := make([]string, 0, len(acts)+1)
		for _, a := range acts {
			cells = append(cells, countCell(r.Counts[a.ID]))
		}
		view[i] = row{r.Name, append(cells, strconv.Itoa(r.Total))}
	}
	title := "Practice × value chain activity coverage"
	return render(w, "coverage", title, opt, struct {
		Title      string
		Activities []svcflow.ActivityInfo
		Rows       []row
	}{title, acts, view})
}

func countCell(n int) string {
	if n == 0 {
		return "·"
	}
	return strconv.Itoa(n)
}
