package server

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/draw"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
	"github.com/svcflow/svcflow/internal/report"
)

// The dashboards (SPEC §3 outcome metrics and the Flow Framework view) for
// managers: each chart is built from one table, which the page draws, lists
// under the chart for screen readers, and serves as CSV, so the three
// cannot disagree.

// dashboardRoutes lists the routes of these pages.
func (s *Server) dashboardRoutes() []route {
	return []route{
		{method: "GET", path: "/dashboards", summary: "Dashboards of SLA, satisfaction, backlog, flow and outcome metrics, filtered by stream, service, team and period (managers and admins)",
			public: true, html: true, status: 200, h: s.managerPage(s.dashboardPage)},
		{method: "GET", path: "/dashboards/{file}", summary: "One dashboard chart's numbers as CSV (CHART.csv, with the page's filters; managers and admins)",
			public: true, html: true, status: 200, h: s.managerPage(s.dashboardCSV)},
	}
}

// dashTable is one chart's numbers: a row per category, a column per
// series. Panels draw groups of columns that share a unit.
type dashTable struct {
	ID, Title  string
	Note       string // what the numbers count, under the title
	Category   string // the header of the category column
	Categories []string
	Columns    []draw.Series // rounded when built: what is drawn is what is listed
	Panels     []dashPanel

	SVG  []template.HTML // the drawn panels, for the page
	Href string          // the CSV link, with the page's filters
}

// dashPanel draws some columns of a table with one y axis.
type dashPanel struct {
	Title, Unit string
	Kind        draw.ChartKind
	Horizontal  bool
	Columns     []int
}

// dashRow is a table row as text.
type dashRow struct {
	Label string
	Cells []string
}

// Header returns the column headers.
func (t *dashTable) Header() []string {
	h := []string{t.Category}
	for _, c := range t.Columns {
		h = append(h, c.Name)
	}
	return h
}

// Rows returns the rows as text, a missing value (NaN) as "".
func (t *dashTable) Rows() []dashRow {
	rows := make([]dashRow, len(t.Categories))
	for i, cat := range t.Categories {
		rows[i] = dashRow{Label: cat, Cells: make([]string, len(t.Columns))}
		for j, c := range t.Columns {
			rows[i].Cells[j] = dashCell(c.Values[i])
		}
	}
	return rows
}

func dashCell(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// draw renders the table's panels as SVG.
func (t *dashTable) draw() error {
	t.SVG = nil
	if len(t.Categories) == 0 {
		return nil
	}
	for k, p := range t.Panels {
		c := draw.Chart{ID: fmt.Sprintf("chart-%s-%d", t.ID, k+1), Title: p.Title, Kind: p.Kind, Horizontal: p.Horizontal,
			Categories: t.Categories, YLabel: p.Unit, Width: 560, Height: 260}
		names := make([]string, len(p.Columns))
		for i, col := range p.Columns {
			c.Series = append(c.Series, t.Columns[col])
			names[i] = t.Columns[col].Name
		}
		c.Desc = t.Title + ": " + strings.Join(names, ", ") + " per " + t.Category + "; the numbers are in the table below the chart."
		h, err := report.ChartHTML(c)
		if err != nil {
			return err
		}
		t.SVG = append(t.SVG, h)
	}
	return nil
}

// writeCSV writes the table as CSV, guarding text cells against spreadsheet
// formula injection.
func (t *dashTable) writeCSV(w *csv.Writer) error {
	h := t.Header()
	for i := range h {
		h[i] = csvSafe(h[i])
	}
	if err := w.Write(h); err != nil {
		return err
	}
	for _, r := range t.Rows() {
		if err := w.Write(append([]string{csvSafe(r.Label)}, r.Cells...)); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// csvSafe prefixes a quote to a text cell a spreadsheet would run as a
// formula (one starting with = + - @, a tab or a carriage return); numbers
// stay numbers.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

// dashCharts are the charts in page order; each builds its table.
var dashCharts = []struct {
	id    string
	build func(*dashData) (*dashTable, error)
}{
	{"sla", (*dashData).slaTable},
	{"satisfaction", (*dashData).satisfactionTable},
	{"backlog", (*dashData).backlogTable},
	{"throughput", (*dashData).throughputTable},
	{"flow-distribution", (*dashData).distributionTable},
	{"steps", (*dashData).stepsTable},
	{"activity-outcome", (*dashData).activityOutcomeTable},
	{"fcr-deflection", (*dashData).fcrTable},
}

// dashboardView is the dashboard page's data.
type dashboardView struct {
	Filters  dashFilters
	Charts   []*dashTable
	Presets  []navLink
	Items    int
	AsOf     string
	Problems map[string]string // field → what is wrong with it
}

// dashFilters is the filter form: its values and its choices.
type dashFilters struct {
	Stream, Service, Team, From, To, Window string
	Streams, Services, Teams                []dashOption
	Windows                                 []string
}

type dashOption struct{ ID, Name string }

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	v := &dashboardView{}
	d := pageData{Title: "Dashboards", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/dashboards"), View: v}
	var err error
	if v.Filters, err = s.dashFilters(r); err != nil {
		return err
	}
	v.Presets = dashPresets(r.URL.Query(), s.desk.Now())
	dd, err := s.dashData(r)
	if ae := fromDomain(err); ae != nil && ae.p.Status == http.StatusUnprocessableEntity {
		d.Error, v.Problems = capitalize(ae.p.Detail)+".", map[string]string{}
		for _, fe := range ae.p.Errors {
			v.Problems[fe.Field] = capitalize(fe.Detail) + "."
		}
		return render(w, http.StatusUnprocessableEntity, "dashboards", d)
	} else if err != nil {
		return err
	}
	v.Items, v.AsOf = dd.a.Cases, dd.now.UTC().Format("2006-01-02 15:04 MST")
	query := dashQuery(r.URL.Query())
	for _, c := range dashCharts {
		t, err := c.build(dd)
		if err != nil {
			return fmt.Errorf("dashboard %s: %w", c.id, err)
		}
		if err := t.draw(); err != nil {
			return fmt.Errorf("dashboard %s: %w", c.id, err)
		}
		t.Href = "/dashboards/" + t.ID + ".csv"
		if query != "" {
			t.Href += "?" + query
		}
		v.Charts = append(v.Charts, t)
	}
	return render(w, http.StatusOK, "dashboards", d)
}

func (s *Server) dashboardCSV(w http.ResponseWriter, r *http.Request, p *svcflow.Person, _ desk.Session) error {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	i := slices.IndexFunc(dashCharts, func(c struct {
		id    string
		build func(*dashData) (*dashTable, error)
	}) bool {
		return c.id == id
	})
	if !ok || i < 0 {
		return newProblem("not-found", "no dashboard chart "+r.PathValue("file"))
	}
	dd, err := s.dashData(r)
	if err != nil {
		return err
	}
	t, err := dashCharts[i].build(dd)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := t.writeCSV(csv.NewWriter(&b)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="svcflow-`+id+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b.Bytes())
	return err
}

// dashQuery keeps the filters of a query, for the CSV links.
func dashQuery(q url.Values) string {
	out := url.Values{}
	for _, k := range []string{"stream", "service", "team", "kind", "from", "to", "window"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out.Encode()
}

// dashPresets are links to the last 7, 30 and 90 days and to all time,
// keeping the other filters.
func dashPresets(q url.Values, now time.Time) []navLink {
	cur := q.Get("from")
	var out []navLink
	for _, days := range []int{7, 30, 90, 0} {
		p := url.Values{}
		for _, k := range []string{"stream", "service", "team", "kind", "window"} {
			if v := q.Get(k); v != "" {
				p.Set(k, v)
			}
		}
		label := "All time"
		from := ""
		if days > 0 {
			label = fmt.Sprintf("Last %d days", days)
			// Today and the days before it: seven calendar days in all.
			from = now.UTC().AddDate(0, 0, -(days - 1)).Format(time.DateOnly)
			p.Set("from", from)
		}
		href := "/dashboards"
		if e := p.Encode(); e != "" {
			href += "?" + e
		}
		out = append(out, navLink{Label: label, Href: href, Current: cur == from && q.Get("to") == ""})
	}
	return out
}

// dashFilters fills the filter form from the query and the directory.
func (s *Server) dashFilters(r *http.Request) (dashFilters, error) {
	q := r.URL.Query()
	f := dashFilters{Stream: q.Get("stream"), Service: q.Get("service"), Team: q.Get("team"),
		From: q.Get("from"), To: q.Get("to"), Window: q.Get("window"),
		Windows: []string{flow.WindowDay, flow.WindowWeek, flow.WindowMonth}}
	if f.Window == "" {
		f.Window = flow.WindowWeek
	}
	ctx := r.Context()
	streams, err := s.streams(r)
	if err != nil {
		return f, err
	}
	for _, st := range streams {
		f.Streams = append(f.Streams, dashOption{st.ID, st.Name})
	}
	services, err := s.desk.Store().Services(ctx)
	if err != nil {
		return f, err
	}
	for _, sv := range services {
		f.Services = append(f.Services, dashOption{sv.ID, sv.Name})
	}
	teams, err := s.desk.Store().Teams(ctx)
	if err != nil {
		return f, err
	}
	for _, t := range teams {
		f.Teams = append(f.Teams, dashOption{t.ID, t.Name})
	}
	// A value typed into the address bar stays shown, chosen.
	keep := func(opts []dashOption, v string) []dashOption {
		if v != "" && !slices.ContainsFunc(opts, func(o dashOption) bool { return o.ID == v }) {
			opts = append(opts, dashOption{v, v})
		}
		return opts
	}
	f.Streams, f.Services, f.Teams = keep(f.Streams, f.Stream), keep(f.Services, f.Service), keep(f.Teams, f.Team)
	return f, nil
}

// dashData is what the charts are built from: the analysis of the selected
// items, their log, the windows, and per item what the windowed charts
// need, computed once.
type dashData struct {
	s      *Server
	r      *http.Request
	now    time.Time
	a      *flow.Analysis
	l      *eventlog.Log
	window string
	labels []string // per window
	bounds []int64  // W+1 window boundaries
	end    []int64  // per case: its first resolution, or eventlog.NoTime
	fcr    []bool   // per case: resolved at first contact
	sla    []*slaBrief
	slaErr error
	slaRun bool
}

// dashMaxWindows is the most windows a dashboard draws.
const dashMaxWindows = 370

func (s *Server) dashData(r *http.Request) (*dashData, error) {
	// One snapshot of the log for every chart, so that they agree.
	a, l, q, err := s.analysis(r)
	if err != nil {
		return nil, err
	}
	if n := len(a.Windows.Series); n > dashMaxWindows {
		// Each window is a bar on every chart and a deflection count: past
		// a few hundred the page is neither readable nor cheap.
		return nil, newProblem("invalid", fmt.Sprintf("window: the period holds %d %ss; choose a longer window or a shorter period (at most %d)", n, a.Windows.Window, dashMaxWindows),
			fieldError{"window", fmt.Sprintf("%d %ss is too many; at most %d", n, a.Windows.Window, dashMaxWindows)})
	}
	d := &dashData{s: s, r: r, now: s.desk.Now(), a: a, l: l, window: a.Windows.Window}
	for i, win := range a.Windows.Series {
		start, err := time.Parse(time.RFC3339, win.Start)
		if err != nil {
			return nil, fmt.Errorf("window start %q: %w", win.Start, err)
		}
		d.bounds = append(d.bounds, start.UnixNano())
		d.labels = append(d.labels, dashWindowLabel(start, d.window))
		if i == len(a.Windows.Series)-1 {
			end, err := time.Parse(time.RFC3339, win.End)
			if err != nil {
				return nil, fmt.Errorf("window end %q: %w", win.End, err)
			}
			d.bounds = append(d.bounds, end.UnixNano())
		}
	}
	if l.Events() > 0 {
		opt := flow.LiveOptions(d.now.UnixNano())
		opt.Window = q.window
		if d.end, d.fcr, err = flow.FirstContact(l, opt); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func dashWindowLabel(t time.Time, window string) string {
	if window == flow.WindowMonth {
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// windowOf returns the window holding t, or -1.
func (d *dashData) windowOf(t int64) int {
	if t == eventlog.NoTime || len(d.bounds) < 2 || t < d.bounds[0] || t >= d.bounds[len(d.bounds)-1] {
		return -1
	}
	return sort.Search(len(d.bounds), func(i int) bool { return d.bounds[i] > t }) - 1
}

// perWindow returns a series of n windows filled with v.
func (d *dashData) perWindow(v float64) []float64 {
	out := make([]float64, len(d.labels))
	for i := range out {
		out[i] = v
	}
	return out
}

// caseStr returns the value of a case attribute for every case ("" when absent).
func (d *dashData) caseStr(name string) []string {
	out := make([]string, d.l.Cases())
	if col := d.l.CaseAttr(name); col != nil {
		for c, v := range col.Values {
			out[c] = d.l.Str(v)
		}
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// pct is 100·n/of rounded to 0.01, NaN when of is 0.
func pct(n, of int) float64 {
	if of == 0 {
		return math.NaN()
	}
	return round2(100 * float64(n) / float64(of))
}

func hours(s *flow.Stats, p85 bool) float64 {
	if s == nil {
		return math.NaN()
	}
	v := s.P50
	if p85 {
		v = s.P85
	}
	if v == nil {
		return math.NaN()
	}
	return round2(*v / 3600)
}

// slaBrief is what the dashboards need of an item's SLA clocks: its
// priority and whether each clock is met (1), breached (-1) or neither (0).
type slaBrief struct {
	priority             svcflow.Priority
	resolution, response int8
}

func clockOutcome(c svcflow.Clock) int8 {
	switch {
	case c.State == svcflow.ClockMet:
		return 1
	case c.Breached:
		return -1
	}
	return 0
}

// dashCache keeps each item's SLA outcome between requests, since working
// it out reads all of the item's events: an entry holds until the item
// gets a new event or, for a running clock, until that clock's target
// passes; a change of SLA policies, calendars or organisation tiers
// empties it.
type dashCache struct {
	mu    sync.Mutex
	key   string // the policies, calendars and tiers the entries were computed with
	seq   int64  // the events read so far, to find the items that changed
	items map[string]slaEntry
}

type slaEntry struct {
	brief *slaBrief // nil: no policy applies
	until int64     // recompute from this instant (ns); 0: only on a new event
	stale bool
}

// slaBriefs works out each selected item's SLA outcome as of now, with the
// policy that applies to it and from its events: the pure function the
// item's page and the breach ticker use (nil where no policy applies).
func (d *dashData) slaBriefs() ([]*slaBrief, error) {
	if !d.slaRun {
		d.slaRun = true
		d.sla, d.slaErr = d.computeSLA()
	}
	return d.sla, d.slaErr
}

func (d *dashData) computeSLA() ([]*slaBrief, error) {
	ctx, st := d.r.Context(), d.s.desk.Store()
	out := make([]*slaBrief, d.l.Cases())
	policies, err := st.SLAPolicies(ctx)
	if err != nil || len(policies) == 0 {
		return out, err
	}
	cals, err := st.Calendars(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := st.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	calendar, tier := map[string]*svcflow.Calendar{}, map[string]int{}
	for _, c := range cals {
		calendar[c.ID] = c
	}
	for _, o := range orgs {
		tier[o.ID] = o.Tier
	}
	key, err := json.Marshal([]any{policies, cals, tier})
	if err != nil {
		return nil, err
	}
	// The log the analysis read covers the events up to here; later ones
	// are found at the next request.
	d.s.logs.mu.Lock()
	logSeq := d.s.logs.seq
	d.s.logs.mu.Unlock()

	// The cache is locked while it is brought up to date and read, not
	// while the items that changed are computed: other requests need not
	// wait for this one's reads.
	c := &d.s.dash
	c.mu.Lock()
	if c.items == nil || c.key != string(key) {
		c.key, c.seq, c.items = string(key), logSeq, map[string]slaEntry{}
	}
	for c.seq < logSeq {
		evs, err := d.s.desk.Events(ctx, personOf(d.r), c.seq, 1000)
		if err != nil {
			c.mu.Unlock()
			return nil, err
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if en, ok := c.items[e.Item]; ok {
				en.stale = true
				c.items[e.Item] = en
			}
		}
		c.seq = evs[len(evs)-1].Seq
	}
	now := d.now.UnixNano()
	service, org := d.caseStr(eventlog.AttrService), d.caseStr(eventlog.AttrOrg)
	var todo []int
	for k := range d.l.Cases() {
		en, ok := c.items[d.l.Str(d.l.CaseID[k])]
		if !ok || en.stale || en.until != 0 && now >= en.until {
			todo = append(todo, k)
			continue
		}
		out[k] = en.brief
	}
	seen := c.seq
	c.mu.Unlock()
	fresh := map[string]slaEntry{}
	const chunk = 200
	for from := 0; from < len(todo); from += chunk {
		part := todo[from:min(from+chunk, len(todo))]
		ids := make([]string, len(part))
		for i, k := range part {
			ids[i] = d.l.Str(d.l.CaseID[k])
		}
		events, err := st.EventsOfItems(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i, k := range part {
			w := &svcflow.WorkItem{ID: ids[i], Service: service[k], Organisation: org[k]}
			en := slaEntry{}
			if p := svcflow.SelectPolicy(policies, w, tier[org[k]]); p != nil {
				s := p.Compute(calendar[p.Calendar], events[w.ID], d.now)
				en.brief = &slaBrief{priority: s.Priority, resolution: clockOutcome(s.Resolution), response: clockOutcome(s.Response)}
				for _, cl := range []svcflow.Clock{s.Resolution, s.Response} {
					if cl.State == svcflow.ClockRunning && !cl.Breached && !cl.Due.IsZero() {
						if due := cl.Due.UnixNano(); en.until == 0 || due < en.until {
							en.until = due
						}
					}
				}
			}
			fresh[w.ID] = en
			out[k] = en.brief
		}
	}
	// Kept only if no request has read newer events meanwhile, which may
	// have made some of these stale.
	c.mu.Lock()
	if c.key == string(key) && c.seq == seen {
		maps.Copy(c.items, fresh)
	}
	c.mu.Unlock()
	return out, nil
}

// slaTable: SLA attainment per priority, both clocks. A clock past its
// target counts as breached even while it still runs; running clocks within
// target and cancelled items count in neither.
func (d *dashData) slaTable() (*dashTable, error) {
	sts, err := d.slaBriefs()
	if err != nil {
		return nil, err
	}
	type count struct{ resMet, resBreached, respMet, respBreached int }
	by := map[string]*count{}
	none := 0
	for _, st := range sts {
		if st == nil {
			none++
			continue
		}
		k := string(st.priority)
		if k == "" {
			k = "none"
		}
		n := by[k]
		if n == nil {
			n = &count{}
			by[k] = n
		}
		switch st.resolution {
		case 1:
			n.resMet++
		case -1:
			n.resBreached++
		}
		switch st.response {
		case 1:
			n.respMet++
		case -1:
			n.respBreached++
		}
	}
	t := &dashTable{ID: "sla", Title: "SLA attainment by priority", Category: "priority",
		Note: "Items whose SLA clocks are met or breached, per priority, on the SLA policies' business calendars; " +
			"a clock past its target counts as breached while it still runs. Met % = met ÷ (met + breached)."}
	if none > 0 {
		t.Note += fmt.Sprintf(" %d selected items have no SLA policy and are left out.", none)
	}
	for k := range by {
		t.Categories = append(t.Categories, k)
	}
	slices.SortFunc(t.Categories, func(a, b string) int {
		if c := svcflow.Priority(a).Rank() - svcflow.Priority(b).Rank(); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	cols := make([][]float64, 6)
	for _, k := range t.Categories {
		n := by[k]
		cols[0] = append(cols[0], float64(n.resMet))
		cols[1] = append(cols[1], float64(n.resBreached))
		cols[2] = append(cols[2], float64(n.respMet))
		cols[3] = append(cols[3], float64(n.respBreached))
		cols[4] = append(cols[4], pct(n.resMet, n.resMet+n.resBreached))
		cols[5] = append(cols[5], pct(n.respMet, n.respMet+n.respBreached))
	}
	t.Columns = []draw.Series{{Name: "resolution met", Values: cols[0]}, {Name: "resolution breached", Values: cols[1]},
		{Name: "response met", Values: cols[2]}, {Name: "response breached", Values: cols[3]},
		{Name: "resolution met %", Values: cols[4]}, {Name: "response met %", Values: cols[5]}}
	t.Panels = []dashPanel{
		{Title: "Items met and breached, per priority", Unit: "items", Kind: draw.Bars, Columns: []int{0, 1, 2, 3}},
		{Title: "Share met (%), per priority", Unit: "% met", Kind: draw.Bars, Columns: []int{4, 5}},
	}
	return t, nil
}

// satisfactionTable: the requesters' scores of the items resolved in each
// window.
func (d *dashData) satisfactionTable() (*dashTable, error) {
	t := &dashTable{ID: "satisfaction", Title: "Satisfaction trend", Category: d.window, Categories: d.labels,
		Note: "Scores (1 to 5) requesters gave, counted in the " + d.window + " the item was first resolved."}
	sum, n := d.perWindow(0), d.perWindow(0)
	for c, v := range d.caseStr(eventlog.AttrScore) {
		score, err := strconv.Atoi(v)
		if err != nil || score < 1 || score > 5 {
			continue
		}
		if k := d.windowOf(d.end[c]); k >= 0 {
			sum[k] += float64(score)
			n[k]++
		}
	}
	mean := make([]float64, len(n))
	for k := range n {
		mean[k] = math.NaN()
		if n[k] > 0 {
			mean[k] = round2(sum[k] / n[k])
		}
	}
	t.Columns = []draw.Series{{Name: "mean score", Values: mean}, {Name: "responses", Values: n}}
	t.Panels = []dashPanel{
		{Title: "Mean satisfaction score per " + d.window, Unit: "score (1-5)", Kind: draw.Bars, Columns: []int{0}},
		{Title: "Responses per " + d.window, Unit: "responses", Kind: draw.Bars, Columns: []int{1}},
	}
	return t, nil
}

// dashAges are the backlog's age ranges, each up to (not including) its bound.
var dashAges = []struct {
	label string
	upTo  time.Duration
}{
	{"< 1 d", 24 * time.Hour}, {"1–3 d", 3 * 24 * time.Hour}, {"3–7 d", 7 * 24 * time.Hour},
	{"1–4 weeks", 28 * 24 * time.Hour}, {"> 4 weeks", math.MaxInt64},
}

// backlogTable: the items open now by age. Open is the item's lifecycle
// (created or reopened, and not since resolved, closed or cancelled); the
// flow analysis cannot tell a cancelled item from an open one, so this is
// worked out here from the same log.
func (d *dashData) backlogTable() (*dashTable, error) {
	t := &dashTable{ID: "backlog", Title: "Backlog age", Category: "age",
		Note: "Items open now (created or reopened, and not resolved, closed or cancelled since), by time since they were created."}
	open := make([]float64, len(dashAges))
	now := d.now.UnixNano()
	for c := range d.l.Cases() {
		from, to := d.l.Case(c)
		isOpen := false
		for i := from; i < to; i++ {
			switch d.l.Str(d.l.Activity[i]) {
			case eventlog.ActivityCreated, eventlog.ActivityReopened:
				isOpen = true
			case eventlog.ActivityResolved, eventlog.ActivityClosed, eventlog.ActivityCancelled:
				isOpen = false
			}
		}
		if !isOpen {
			continue
		}
		age := time.Duration(now - d.l.Time[from])
		for k, a := range dashAges {
			if age < a.upTo {
				open[k]++
				break
			}
		}
	}
	if d.l.Cases() > 0 {
		for _, a := range dashAges {
			t.Categories = append(t.Categories, a.label)
		}
	} else {
		open = nil
	}
	t.Columns = []draw.Series{{Name: "open items", Values: open}}
	t.Panels = []dashPanel{{Title: "Open items by age", Unit: "items", Kind: draw.Bars, Columns: []int{0}}}
	return t, nil
}

// throughputTable: items resolved and their time to resolve per window.
func (d *dashData) throughputTable() (*dashTable, error) {
	t := &dashTable{ID: "throughput", Title: "Throughput and lead time", Category: d.window, Categories: d.labels,
		Note: "Items first resolved in each " + d.window + ", and the median and 85th percentile of their time to resolve (creation to first resolution)."}
	n := len(d.labels)
	thr, p50, p85 := make([]float64, n), make([]float64, n), make([]float64, n)
	for k, win := range d.a.Windows.Series {
		thr[k] = float64(win.Throughput)
		p50[k], p85[k] = hours(win.ItemTime, false), hours(win.ItemTime, true)
	}
	t.Columns = []draw.Series{{Name: "items resolved", Values: thr}, {Name: "median time to resolve (h)", Values: p50},
		{Name: "85th percentile time to resolve (h)", Values: p85}}
	t.Panels = []dashPanel{
		{Title: "Throughput: items resolved per " + d.window, Unit: "items", Kind: draw.Bars, Columns: []int{0}},
		{Title: "Time to resolve (median and 85th percentile)", Unit: "hours", Kind: draw.Lines, Columns: []int{1, 2}},
	}
	return t, nil
}

// distributionTable: the Flow Framework's flow distribution, the items
// resolved in each window by kind.
func (d *dashData) distributionTable() (*dashTable, error) {
	t := &dashTable{ID: "flow-distribution", Title: "Flow distribution by kind", Category: d.window, Categories: d.labels,
		Note: "Items first resolved in each " + d.window + ", by kind of work (incidents, requests, changes, problems, improvements…)."}
	kinds := d.caseStr(eventlog.AttrKind)
	by := map[string][]float64{}
	for c, kind := range kinds {
		k := d.windowOf(d.end[c])
		if k < 0 {
			continue
		}
		if kind == "" {
			kind = "unknown"
		}
		if by[kind] == nil {
			by[kind] = d.perWindow(0)
		}
		by[kind][k]++
	}
	var names []string
	for k := range by {
		names = append(names, k)
	}
	slices.Sort(names)
	panel := dashPanel{Title: "Items resolved per " + d.window + ", stacked by kind", Unit: "items", Kind: draw.Stack}
	for i, k := range names {
		t.Columns = append(t.Columns, draw.Series{Name: k, Values: by[k]})
		panel.Columns = append(panel.Columns, i)
	}
	t.Panels = []dashPanel{panel}
	return t, nil
}

// stepsTable: median wait and cycle time of the visits of each step.
func (d *dashData) stepsTable() (*dashTable, error) {
	t := &dashTable{ID: "steps", Title: "Wait and cycle time per step", Category: "step",
		Note: "Median hours a visit of each step waited in its queue (wait) and was actively worked (cycle), slowest steps first; blocked time is left out."}
	type row struct {
		step        string
		wait, cycle float64
	}
	var rows []row
	for _, st := range d.a.Steps {
		if st.Wait == nil || st.Wait.Count == 0 {
			continue // item milestones (created, resolved…) have no visits to time
		}
		rows = append(rows, row{st.Activity, hours(st.Wait, false), hours(st.Cycle, false)})
	}
	// The slowest steps first, where the eye starts.
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(b.wait+b.cycle, a.wait+a.cycle) })
	var wait, cycle []float64
	for _, r := range rows {
		t.Categories = append(t.Categories, r.step)
		wait, cycle = append(wait, r.wait), append(cycle, r.cycle)
	}
	t.Columns = []draw.Series{{Name: "median wait (h)", Values: wait}, {Name: "median cycle (h)", Values: cycle}}
	t.Panels = []dashPanel{{Title: "Median wait and cycle (active) time per step", Unit: "hours", Kind: draw.Bars, Horizontal: true, Columns: []int{0, 1}}}
	return t, nil
}

// activityOutcomeTable sets what the teams did beside what it achieved,
// per window: busier is not better unless the outcomes follow.
func (d *dashData) activityOutcomeTable() (*dashTable, error) {
	sts, err := d.slaBriefs()
	if err != nil {
		return nil, err
	}
	t := &dashTable{ID: "activity-outcome", Title: "Activity versus outcome", Category: d.window, Categories: d.labels,
		Note: "Activity: items closed, items resolved and events recorded in each " + d.window + ". " +
			"Outcome, over the items first resolved in the " + d.window + ": median time to resolve, the share reopened since, " +
			"the share of satisfaction responses scoring 4 or 5, and the share resolved within the SLA target."}
	closed, events := d.perWindow(0), d.perWindow(0)
	reopened := make([]bool, d.l.Cases())
	for c := range d.l.Cases() {
		from, to := d.l.Case(c)
		for i := from; i < to; i++ {
			k := d.windowOf(d.l.Time[i])
			if k >= 0 {
				events[k]++
			}
			switch d.l.Str(d.l.Activity[i]) {
			case eventlog.ActivityClosed:
				if k >= 0 {
					closed[k]++
				}
			case eventlog.ActivityReopened:
				reopened[c] = true
			}
		}
	}
	n := len(d.labels)
	resolved, reopen, responses, satisfied, slaMet, slaOf := make([]int, n), make([]int, n), make([]int, n), make([]int, n), make([]int, n), make([]int, n)
	scores := d.caseStr(eventlog.AttrScore)
	for c := range d.l.Cases() {
		k := d.windowOf(d.end[c])
		if k < 0 {
			continue
		}
		resolved[k]++
		if reopened[c] {
			reopen[k]++
		}
		if score, err := strconv.Atoi(scores[c]); err == nil && score >= 1 && score <= 5 {
			responses[k]++
			if score >= 4 {
				satisfied[k]++
			}
		}
		if st := sts[c]; st != nil && st.resolution != 0 {
			slaOf[k]++
			if st.resolution > 0 {
				slaMet[k]++
			}
		}
	}
	thr, ttr, reopenPct, satPct, slaPct := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for k := range n {
		thr[k] = float64(resolved[k])
		ttr[k] = hours(d.a.Windows.Series[k].ItemTime, false)
		reopenPct[k], satPct[k], slaPct[k] = pct(reopen[k], resolved[k]), pct(satisfied[k], responses[k]), pct(slaMet[k], slaOf[k])
	}
	t.Columns = []draw.Series{{Name: "items closed", Values: closed}, {Name: "items resolved", Values: thr},
		{Name: "events", Values: events}, {Name: "SLA met %", Values: slaPct}, {Name: "reopened %", Values: reopenPct},
		{Name: "satisfied (4-5) %", Values: satPct}, {Name: "median time to resolve (h)", Values: ttr}}
	t.Panels = []dashPanel{
		{Title: "Activity: items closed and resolved", Unit: "items", Kind: draw.Lines, Columns: []int{0, 1}},
		{Title: "Outcome: SLA met, reopened, satisfied", Unit: "%", Kind: draw.Lines, Columns: []int{3, 4, 5}},
		{Title: "Activity: events recorded", Unit: "events", Kind: draw.Lines, Columns: []int{2}},
		{Title: "Outcome: median time to resolve", Unit: "hours", Kind: draw.Lines, Columns: []int{6}},
	}
	return t, nil
}

// fcrTable: first contact resolution of the items resolved in each window,
// and the portal's knowledge deflection in it.
func (d *dashData) fcrTable() (*dashTable, error) {
	t := &dashTable{ID: "fcr-deflection", Title: "First contact resolution and knowledge deflection", Category: d.window, Categories: d.labels,
		Note: "FCR: items first resolved in the " + d.window + " with no handoff, escalation or reopen, by the first team that worked them. " +
			"Deflection: portal sessions shown articles in the " + d.window + " that ended with \"this solved it\" and no request, of those plus the sessions that sent one; " +
			"it counts every portal session, whatever the stream, service or team filter."}
	n := len(d.labels)
	resolved, first := make([]float64, n), make([]float64, n)
	for c := range d.l.Cases() {
		if k := d.windowOf(d.end[c]); k >= 0 {
			resolved[k]++
			if d.fcr[c] {
				first[k]++
			}
		}
	}
	fcr, defl, deflected, submitted := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for k := range n {
		fcr[k] = pct(int(first[k]), int(resolved[k]))
		rep, err := d.s.desk.Deflection(d.r.Context(), personOf(d.r), time.Unix(0, d.bounds[k]), time.Unix(0, d.bounds[k+1]))
		if err != nil {
			return nil, err
		}
		deflected[k], submitted[k] = float64(rep.Deflections), float64(rep.Submissions)
		defl[k] = pct(rep.Deflections, rep.Deflections+rep.Submissions)
	}
	t.Columns = []draw.Series{{Name: "FCR %", Values: fcr}, {Name: "deflection %", Values: defl},
		{Name: "items resolved", Values: resolved}, {Name: "resolved at first contact", Values: first},
		{Name: "sessions deflected", Values: deflected}, {Name: "sessions that sent a request", Values: submitted}}
	t.Panels = []dashPanel{
		{Title: "FCR and deflection rates", Unit: "%", Kind: draw.Lines, Columns: []int{0, 1}},
		{Title: "Counts behind the rates", Unit: "items or sessions", Kind: draw.Bars, Columns: []int{2, 3, 4, 5}},
	}
	return t, nil
}
