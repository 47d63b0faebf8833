package server

import (
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dashFixture is a store with an SLA policy (response 30 min, resolution
// 1 h, every hour counts), two incidents resolved at first contact (one
// within its SLA, scored 5; one beyond it, scored 2), an open query, a
// cancelled incident, and a portal session deflected by an article. It
// returns the incidents' stream.
func dashFixture(t *testing.T) (*testEnv, string) {
	t.Helper()
	e := newTestEnv(t)
	targets := []map[string]any{}
	for _, p := range []string{"P1", "P2", "P3", "P4", "P5"} {
		targets = append(targets, map[string]any{"priority": p, "response": "30m", "resolution": "1h"})
	}
	e.must(201, "ada", "POST", "/api/v1/sla-policies", map[string]any{"id": "standard", "name": "Standard", "targets": targets})
	a := e.open("ursula", map[string]any{"kind": "incident", "title": "Outlook crashes"})
	e.action("alice", a.ID, "complete", nil)
	e.at(5)
	e.action("alice", a.ID, "start", nil)
	e.at(25)
	e.action("alice", a.ID, "complete", map[string]any{"outcome": "fixed"}) // resolved after 25 min: met
	e.action("ursula", a.ID, "feedback", map[string]any{"score": 5})
	e.at(30)
	b := e.open("ursula", map[string]any{"kind": "incident", "title": "VPN drops"})
	e.at(40)
	e.action("alice", b.ID, "complete", nil)
	e.at(50)
	e.action("alice", b.ID, "start", nil)
	e.at(130)
	e.action("alice", b.ID, "complete", map[string]any{"outcome": "fixed"}) // resolved after 100 min: breached
	e.action("ursula", b.ID, "feedback", map[string]any{"score": 2})
	e.at(140)
	e.open("victor", map[string]any{"kind": "query", "title": "Where is the printer?"})
	c := e.open("victor", map[string]any{"kind": "incident", "title": "Never mind"})
	e.action("victor", c.ID, "cancel", nil) // not in the backlog
	art := e.publishedArticle("Reset a forgotten password")
	var res suggestionResult
	e.must(200, "ursula", "POST", "/api/v1/knowledge/suggestions", map[string]any{"text": "I forgot my password"}).json(t, &res)
	e.must(200, "ursula", "POST", "/api/v1/knowledge/suggestions/"+res.Session+"/solved", map[string]any{"article": art.ID})
	e.at(180)
	return e, a.Stream
}

var (
	dashTableRE = regexp.MustCompile(`(?s)<table class="dash-table" data-chart="([^"]+)">(.*?)</table>`)
	dashRowRE   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	dashCellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// dashTables reads every chart's table of a dashboard page, header first.
func dashTables(page string) map[string][][]string {
	out := map[string][][]string{}
	for _, m := range dashTableRE.FindAllStringSubmatch(page, -1) {
		var rows [][]string
		for _, r := range dashRowRE.FindAllStringSubmatch(m[2], -1) {
			var cells []string
			for _, c := range dashCellRE.FindAllStringSubmatch(r[1], -1) {
				cells = append(cells, html.UnescapeString(c[1]))
			}
			if len(cells) == 1 && cells[0] == "No rows." {
				continue
			}
			rows = append(rows, cells)
		}
		out[m[1]] = rows
	}
	return out
}

// cell returns a table's cell by row label and column header, or "?".
func dashCellOf(rows [][]string, row, col string) string {
	if len(rows) == 0 {
		return "?"
	}
	j := slices.Index(rows[0], col)
	for _, r := range rows[1:] {
		if r[0] == row && j >= 0 && j < len(r) {
			return r[j]
		}
	}
	return "?"
}

var dashChartIDs = []string{"sla", "satisfaction", "backlog", "throughput", "flow-distribution", "steps", "activity-outcome", "fcr-deflection"}

// TestDashboardPage: a manager sees every chart drawn as an accessible SVG
// with its numbers below it, the numbers are those of the fixture, and each
// chart's CSV holds exactly its table.
func TestDashboardPage(t *testing.T) {
	e, stream := dashFixture(t)
	br := newBrowser(t, e)
	br.signIn("max", "max@example.org")
	res, page := br.do("GET", "/dashboards", nil)
	if res.StatusCode != 200 {
		t.Fatalf("status %d\n%s", res.StatusCode, page)
	}
	if strings.Contains(page, "style=") || strings.Contains(page, "<script") {
		t.Errorf("inline style or script in the page")
	}
	tables := dashTables(page)
	for _, id := range dashChartIDs {
		if !strings.Contains(page, `id="chart-`+id+`-1"`) || !strings.Contains(page, `href="/dashboards/`+id+`.csv`) {
			t.Errorf("chart %s: no SVG or no CSV link", id)
		}
		if len(tables[id]) < 2 {
			t.Errorf("chart %s: table %v, want a header and rows", id, tables[id])
		}
	}
	if n := strings.Count(page, `role="img"`); n < len(dashChartIDs) {
		t.Errorf("%d SVG with role img, want at least %d", n, len(dashChartIDs))
	}
	week := t0.Format("2006-01-02") // t0 is a Monday
	for _, c := range []struct{ chart, row, col, want string }{
		{"sla", "P5", "resolution met", "1"},
		{"sla", "P5", "resolution breached", "1"},
		{"sla", "P5", "resolution met %", "50"},
		{"satisfaction", week, "mean score", "3.5"},
		{"satisfaction", week, "responses", "2"},
		{"backlog", "< 1 d", "open items", "1"},
		{"throughput", week, "items resolved", "2"},
		{"flow-distribution", week, "incident", "2"},
		{"steps", "investigate", "median wait (h)", "0.13"}, // 5 and 10 min
		{"activity-outcome", week, "satisfied (4-5) %", "50"},
		{"activity-outcome", week, "SLA met %", "50"},
		{"fcr-deflection", week, "FCR %", "100"},
		{"fcr-deflection", week, "deflection %", "100"},
	} {
		if got := dashCellOf(tables[c.chart], c.row, c.col); got != c.want {
			t.Errorf("%s: %s, %s = %s, want %s\n%v", c.chart, c.row, c.col, got, c.want, tables[c.chart])
		}
	}

	q := "?stream=" + url.QueryEscape(stream) + "&window=day"
	_, filtered := br.do("GET", "/dashboards"+q, nil)
	ft := dashTables(filtered)
	for _, id := range dashChartIDs {
		res, body := br.do("GET", "/dashboards/"+id+".csv"+q, nil)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s.csv: %d %s %s", id, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
			continue
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("%s.csv: %v", id, err)
		}
		if !slices.EqualFunc(rows, ft[id], slices.Equal) {
			t.Errorf("%s.csv differs from the page's table:\n%v\n%v", id, rows, ft[id])
		}
	}
	if res, _ := br.do("GET", "/dashboards/nope.csv", nil); res.StatusCode != 404 {
		t.Errorf("unknown chart: %d, want 404", res.StatusCode)
	}
}

// TestDashboardSLAOverTime: the SLA figures follow the clock and the
// events between two views (they are kept between requests).
func TestDashboardSLAOverTime(t *testing.T) {
	e := newTestEnv(t)
	e.must(201, "ada", "POST", "/api/v1/sla-policies", map[string]any{"id": "standard", "name": "Standard",
		"targets": []map[string]any{{"priority": "P5", "response": "30m", "resolution": "1h"}}})
	br := newBrowser(t, e)
	br.signIn("max", "max@example.org")
	sla := func() (string, string, string) {
		t.Helper()
		_, page := br.do("GET", "/dashboards", nil)
		rows := dashTables(page)["sla"]
		return dashCellOf(rows, "P5", "response breached"), dashCellOf(rows, "P5", "resolution met"), dashCellOf(rows, "P5", "resolution breached")
	}
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Printer offline"})
	e.at(10)
	if rb, rm, _ := sla(); rb != "0" || rm != "0" {
		t.Errorf("at 10 min: response breached %s, resolution met %s; want 0 and 0", rb, rm)
	}
	e.at(45) // past the response target, nothing new in the log
	if rb, _, _ := sla(); rb != "1" {
		t.Errorf("at 45 min: response breached %s, want 1", rb)
	}
	e.action("alice", w.ID, "complete", nil)
	e.action("alice", w.ID, "start", nil)
	e.action("alice", w.ID, "complete", map[string]any{"outcome": "fixed"})
	if rb, rm, bb := sla(); rb != "1" || rm != "1" || bb != "0" {
		t.Errorf("resolved at 45 min: response breached %s, resolution met %s, breached %s; want 1, 1, 0", rb, rm, bb)
	}
	e.at(600)
	if _, rm, bb := sla(); rm != "1" || bb != "0" {
		t.Errorf("later: resolution met %s, breached %s; a met clock stays met", rm, bb)
	}
}

// TestDashboardFilters: a filter changes the numbers; a bad one shows the
// form again with the error next to the field, status 422.
func TestDashboardFilters(t *testing.T) {
	e, _ := dashFixture(t)
	br := newBrowser(t, e)
	br.signIn("max", "max@example.org")
	_, all := br.do("GET", "/dashboards?team=service-desk", nil)
	_, none := br.do("GET", "/dashboards?team=facilities", nil)
	week := t0.Format("2006-01-02")
	if got := dashCellOf(dashTables(all)["throughput"], week, "items resolved"); got != "2" {
		t.Errorf("team service-desk: %s resolved, want 2", got)
	}
	if got := dashTables(none)["throughput"]; len(got) != 1 || !strings.Contains(none, "No data for these filters") {
		t.Errorf("team facilities: throughput table %v, want only its header", got)
	}
	_, kinds := br.do("GET", "/dashboards?kind=query", nil)
	if got := dashCellOf(dashTables(kinds)["backlog"], "< 1 d", "open items"); got != "1" {
		t.Errorf("kind query: backlog %s, want 1", got)
	}
	if got := dashCellOf(dashTables(kinds)["throughput"], week, "items resolved"); got != "0" {
		t.Errorf("kind query: %s resolved, want 0", got)
	}
	for _, c := range []struct{ query, field string }{
		{"?window=year", "window"},
		{"?from=yesterday", "from"},
		{"?from=2026-03-02&to=2026-03-01", "to"},
		{"?stream=nope", "stream"},
	} {
		res, page := br.do("GET", "/dashboards"+c.query, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="dash-`+c.field+`-err"`) ||
			!strings.Contains(page, `<form method="get" action="/dashboards"`) || strings.Contains(page, "dash-table") {
			t.Errorf("%s: status %d, want 422 with the form and the error at %s\n%.2000s", c.query, res.StatusCode, c.field, page)
		}
		if res, _ := br.do("GET", "/dashboards/sla.csv"+c.query, nil); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("sla.csv%s: status %d, want 422", c.query, res.StatusCode)
		}
	}
	// Typed values come back escaped.
	_, page := br.do("GET", "/dashboards?team=%3Cscript%3Ealert(1)%3C/script%3E", nil)
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("team filter not escaped")
	}
}

// TestDashboardRoles: requesters and agents get a 403 page, for the page
// and for the CSV.
func TestDashboardRoles(t *testing.T) {
	e, _ := dashFixture(t)
	for _, who := range []struct{ id, email string }{{"ursula", "ursula@example.org"}, {"alice", "alice@example.org"}} {
		br := newBrowser(t, e)
		br.signIn(who.id, who.email)
		for _, path := range []string{"/dashboards", "/dashboards/sla.csv"} {
			if res, page := br.do("GET", path, nil); res.StatusCode != http.StatusForbidden || strings.Contains(page, "dash-table") {
				t.Errorf("%s %s: %d, want 403", who.id, path, res.StatusCode)
			}
		}
	}
	br := newBrowser(t, e)
	br.signIn("ada", "ada@example.org")
	if res, _ := br.do("GET", "/dashboards", nil); res.StatusCode != 200 {
		t.Errorf("admin: %d", res.StatusCode)
	}
	if res, _ := newBrowser(t, e).do("GET", "/dashboards", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want 303 to sign in", res.StatusCode)
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+1+1": "'+1+1", "-2": "-2", "-x": "'-x", "@cmd": "'@cmd",
		"\tx": "'\tx", "P1": "P1", "": "", "1.5": "1.5"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDashboardWindowCap: a period that would draw more than a year of
// daily bars is refused on the window field, with the way out.
func TestDashboardWindowCap(t *testing.T) {
	e := newTestEnv(t)
	e.open("alice", map[string]any{"kind": "incident", "title": "Long ago", "entry": "monitoring"})
	e.at(400 * 24 * 60)
	e.open("alice", map[string]any{"kind": "incident", "title": "Now", "entry": "monitoring"})
	b := newBrowser(t, e)
	b.signIn("max", "max@example.org")
	res, page := b.do("GET", "/dashboards?window=day", nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "choose a longer window") {
		t.Errorf("401 daily windows: %d\n%.2000s", res.StatusCode, page)
	}
	if res, _ := b.do("GET", "/dashboards?window=month", nil); res.StatusCode != http.StatusOK {
		t.Errorf("the same period by month: %d", res.StatusCode)
	}
	if res, _ := b.do("GET", "/dashboards/fcr-deflection.csv?window=day", nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the CSV of 401 daily windows: %d", res.StatusCode)
	}
}
