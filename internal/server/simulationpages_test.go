package server

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sim"
)

// simHistoryEnv is a test server whose store holds a week of the demo's
// history up to t0, written through the desk with its own clock, as live
// work would be.
func simHistoryEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	clock := new(demo.Clock)
	d := desk.New(desk.Options{Store: e.store, Now: clock.Now})
	if _, err := demo.Seed(context.Background(), d, clock, demo.Options{Days: 7, Seed: 1, End: t0}); err != nil {
		t.Fatal(err)
	}
	return e
}

// eventCount counts the store's events and returns the last sequence.
func eventCount(t *testing.T, e *testEnv) (int, int64) {
	t.Helper()
	n, last := 0, int64(0)
	for {
		evs, err := e.store.Events(context.Background(), last, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return n, last
		}
		n += len(evs)
		last = evs[len(evs)-1].Seq
	}
}

// simRow returns the <data> values of the row of a table whose first cell
// is first.
func simRow(t *testing.T, page, first string) []float64 {
	t.Helper()
	row := regexp.MustCompile(`<tr><td>` + regexp.QuoteMeta(first) + `</td>(.*?)</tr>`).FindStringSubmatch(strings.ReplaceAll(page, "\n", ""))
	if row == nil {
		t.Fatalf("no row %q in\n%s", first, page)
	}
	var out []float64
	for _, m := range regexp.MustCompile(`<data value="([^"]+)">`).FindAllStringSubmatch(row[1], -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestSimulatePage runs the page over a week of demo history: a capacity
// change, the other kinds of change, and bad inputs.
func TestSimulatePage(t *testing.T) {
	e := simHistoryEnv(t)
	t.Run("capacity", func(t *testing.T) { simCapacity(t, e) })
	t.Run("changes", func(t *testing.T) { simChanges(t, e) })
	t.Run("bad inputs", func(t *testing.T) { simBadInputs(t, e) })
}

// simCapacity: a manager calibrates restore-live-service from a week of
// history, sees what the calibration found, adds a person to its busiest
// team and sees today's and the changed figures side by side, with the
// wait at that team's step shorter; the run is a link; nothing is written.
func simCapacity(t *testing.T, e *testEnv) {
	b := newBrowser(t, e)
	b.signIn("max", "max@example.org")
	events, last := eventCount(t, e)

	res, page := b.do("GET", "/simulate", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `<select id="f-stream" name="stream">`) ||
		!strings.Contains(page, `<option value="restore-live-service" selected>`) || strings.Contains(page, "Changes to try") {
		t.Fatalf("GET /simulate: %d, want the stream picker alone:\n%s", res.StatusCode, page)
	}
	if !strings.Contains(page, `href="/simulate" aria-current="page"`) {
		t.Error("the navigation does not mark Simulate as the current page")
	}

	res, page = b.do("GET", "/simulate?stream=restore-live-service&days=30", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("calibrate: %d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{"The calibrated model", "Teams found", "Step durations found", "a day, at random (Poisson)",
		"Mon-Fri 08:00-18:00", "Changes to try", `name="people.improvement-team"`, `name="wip.investigate"`,
		`name="automate.register"`, "calibrated from", "the stream's target lead time, 24.0 h"} {
		if !strings.Contains(page, want) {
			t.Errorf("calibrated page lacks %q", want)
		}
	}
	if strings.Contains(page, "Today and with the changes") {
		t.Error("calibrating alone ran a simulation")
	}
	m := regexp.MustCompile(`name="people.improvement-team" type="number" min="1" value="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no people field for improvement-team in\n%s", page)
	}
	people, _ := strconv.Atoi(m[1])

	q := url.Values{"stream": {"restore-live-service"}, "days": {"30"}, "run": {"1"}, "people.improvement-team": {strconv.Itoa(people + 1)}}
	res, page = b.do("GET", "/simulate?"+q.Encode(), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("run: %d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{"Today (calibrated)", "With the changes", "Time to resolve, mean", "Time to resolve, 85th percentile",
		"Throughput per day", "Mean wait today", "Busy today", "Resolved within target", " ± ", "95 % CI",
		"improvement-team: " + strconv.Itoa(people+1) + " people instead of " + m[1], "(simulated today: mean"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	for _, id := range []string{"sim-lead", "sim-ttr", "sim-utilization", "sim-wait", "sim-sla"} {
		if !regexp.MustCompile(`<svg [^>]*id="` + id + `"[^>]*role="img"`).MatchString(page) {
			t.Errorf("no chart %s with role img", id)
		}
	}
	// improvement-team is the busiest team today: the bottleneck.
	busiest, top := "", 0.0
	for _, team := range []string{"service-desk", "application-support", "infrastructure-ops", "improvement-team"} {
		if u := simRow(t, page, team); len(u) != 2 {
			t.Fatalf("team %s: got %v, want utilization today and with the changes", team, u)
		} else if u[0] > top {
			busiest, top = team, u[0]
		}
	}
	if busiest != "improvement-team" {
		t.Fatalf("busiest team today: got %s, want improvement-team", busiest)
	}
	if u := simRow(t, page, "improvement-team"); !(u[1] < u[0]) {
		t.Errorf("improvement-team utilization: today %v, with a person more %v; want lower", u[0], u[1])
	}
	wait := simRow(t, page, "improve")
	if len(wait) != 2 || !(wait[0] > 0) || !(wait[1] < wait[0]*0.8) {
		t.Errorf("mean wait at improve: got %v, want today's above 0 and the changed one at least a fifth shorter", wait)
	}
	// A step of another team is hardly touched: the same random numbers
	// drive both runs.
	if w := simRow(t, page, "deploy-fix"); len(w) != 2 || w[0] != w[1] {
		t.Errorf("mean wait at deploy-fix: got %v, want the same today and with the changes", w)
	}

	// The same link gives the same figures.
	_, again := b.do("GET", "/simulate?"+q.Encode(), nil)
	if got, want := simRow(t, again, "improve"), wait; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("the same run again: wait at improve %v, want %v", got, want)
	}

	if n, l := eventCount(t, e); n != events || l != last {
		t.Errorf("events after simulating: %d up to %d, want %d up to %d", n, l, events, last)
	}
}

// simChanges: automation, auto-approval, a WIP limit and demand are each
// changes the page runs, named in words.
func simChanges(t *testing.T, e *testEnv) {
	b := newBrowser(t, e)
	b.signIn("ada", "ada@example.org")
	q := url.Values{"stream": {"request-fulfilment"}, "days": {"7"}, "run": {"1"}, "approve.approve": {"80"},
		"automate.fulfil": {"1"}, "minutes.fulfil": {"5"}, "wip.confirm": {"2"}, "arrivals": {"120"}}
	res, page := b.do("GET", "/simulate?"+q.Encode(), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("run: %d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{"approve: 80 % approved at once", "fulfil: automated, taking 5.0 min", "confirm: WIP limit 2",
		"demand at 120 % of today&#39;s", "fulfil</td><td>service-desk (automated)"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	// Automating fulfilment, the longest step, shortens the time to
	// resolve significantly.
	if !regexp.MustCompile(`Time to resolve, mean</td>.*?<td>-[^<]*</td><td>significant`).MatchString(page) {
		t.Errorf("the mean time to resolve is not significantly shorter:\n%s", page)
	}
}

// TestSimulatePageRefused: requesters and agents may not simulate.
func TestSimulatePageRefused(t *testing.T) {
	e := newTestEnv(t)
	for _, who := range []struct{ id, email string }{{"ursula", "ursula@example.org"}, {"alice", "alice@example.org"}} {
		b := newBrowser(t, e)
		b.signIn(who.id, who.email)
		for _, path := range []string{"/simulate", "/simulate?stream=restore-live-service&days=30&run=1&people.service-desk=5"} {
			res, page := b.do("GET", path, nil)
			if res.StatusCode != http.StatusForbidden || strings.Contains(page, "Changes to try") {
				t.Errorf("%s GET %s: %d, want 403", who.id, path, res.StatusCode)
			}
		}
	}
	res, _ := newBrowser(t, e).do("GET", "/simulate", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("anonymous: %d to %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
}

// simBadInputs: a bad value shows the form again with a 422 and an error
// beside the field it names; too little history says so; nothing typed
// comes back unescaped.
func simBadInputs(t *testing.T, e *testEnv) {
	b := newBrowser(t, e)
	b.signIn("max", "max@example.org")
	events, _ := eventCount(t, e)
	run := "stream=restore-live-service&days=30&run=1&"
	for _, c := range []struct {
		name, query string
		status      int
		want        []string
	}{
		{"days below the range", "stream=restore-live-service&days=3", 422,
			[]string{`id="f-days" name="days" type="number" min="7" max="365" value="3" aria-invalid="true" aria-describedby="e-days"`,
				`<span class="error" id="e-days">a whole number of days from 7 to 365</span>`}},
		{"days above the range", "stream=restore-live-service&days=366", 422, []string{`id="e-days"`}},
		{"days not a number", "stream=restore-live-service&days=lots", 422, []string{`value="lots"`, `id="e-days"`}},
		{"unknown stream", "stream=no-such-stream&days=30", 422, []string{`<span class="error" id="e-stream">choose one of the value streams</span>`}},
		{"negative capacity", run + "people.improvement-team=-1", 422,
			[]string{`<a href="#f-people.improvement-team">People in improvement-team</a>`,
				`<span class="error" id="e-people.improvement-team">improvement-team needs at least 1 person`}},
		{"unknown team", run + "people.night-shift=3", 422, []string{"no team night-shift works stream restore-live-service"}},
		{"unknown step", run + "wip.no-such-step=2", 422, []string{"<strong>WIP limit of no-such-step</strong>", "no step no-such-step in stream restore-live-service"}},
		{"negative WIP limit", run + "wip.investigate=-2", 422, []string{`id="e-wip.investigate"`, "is a whole number, 0 for none"}},
		{"approval of a step that is none", run + "approve.investigate=50", 422, []string{"step investigate is not an approval"}},
		{"automated step taking no time", run + "automate.register=1&minutes.register=0", 422, []string{`id="e-minutes.register"`}},
		{"no demand", run + "arrivals=0", 422, []string{`id="e-arrivals"`}},
		{"no change", run, 422, []string{`<a href="#f-run">Changes</a>`, "change at least one thing to compare with today"}},
		{"script typed in", run + "people.improvement-team=" + url.QueryEscape("<script>alert(1)</script>"), 422,
			[]string{`value="&lt;script&gt;alert(1)&lt;/script&gt;"`}},
		{"calibrating again ignores the changes", "stream=request-fulfilment&days=30&people.improvement-team=3&wip.no-such-step=-1", 200,
			[]string{"Changes to try", `name="for" value="request-fulfilment"`}},
		{"a run after switching stream", "stream=request-fulfilment&days=30&run=1&for=restore-live-service&people.improvement-team=3", 200,
			[]string{"The stream changed: here is the model of Service request fulfilment. Choose the changes to try on it."}},
		{"too little history", "stream=hr-app-access&days=7", 422,
			[]string{"items of Access to the HR application were opened in the last 7 days: a model needs at least 10 to be calibrated"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, page := b.do("GET", "/simulate?"+c.query, nil)
			if res.StatusCode != c.status {
				t.Fatalf("got %d, want %d\n%s", res.StatusCode, c.status, page)
			}
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q:\n%s", w, page)
				}
			}
			if c.status == http.StatusOK && strings.Contains(page, "Check the form") {
				t.Errorf("the page shows form errors:\n%s", page)
			}
			if strings.Contains(page, "<script>") {
				t.Error("the page holds a script element")
			}
			if strings.Contains(page, "Today and with the changes") {
				t.Error("a bad form ran a simulation")
			}
		})
	}
	if n, _ := eventCount(t, e); n != events {
		t.Errorf("events: %d after, want %d", n, events)
	}
}

// TestSimulatePageBound: a run from the page keeps its replications, its
// horizon and the items it simulates small, the compared models alike.
func TestSimulatePageBound(t *testing.T) {
	model := func(perDay float64) *sim.Model {
		return &sim.Model{Replications: 30, Horizon: 365 * 86400, WarmUp: 36.5 * 86400,
			Work: []sim.Class{{ID: "c", Arrivals: sim.Arrivals{Kind: sim.ArrivalPoisson, Rate: perDay / 86400}}}}
	}
	for _, c := range []struct {
		name            string
		perDay          [2]float64
		horizon         float64 // days
		shortened, fail bool
	}{
		{"small", [2]float64{10, 10}, 60, false, false},
		{"busy", [2]float64{1000, 1000}, 300_000/(1000*10.0) - 7, true, false},
		{"busy once changed", [2]float64{100, 1000}, 300_000/(1000*10.0) - 7, true, false},
		{"too busy", [2]float64{100, 100_000}, 7, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := model(c.perDay[0]), model(c.perDay[1])
			cal := &simCalibration{}
			err := simBound(cal, a, b)
			if (err != nil) != c.fail {
				t.Fatalf("err %v, want failure %v", err, c.fail)
			}
			if a.Horizon != b.Horizon || a.WarmUp != b.WarmUp || a.Replications != simPageReplications || b.Replications != simPageReplications {
				t.Errorf("models differ: %v/%v, %v/%v, %d/%d", a.Horizon, b.Horizon, a.WarmUp, b.WarmUp, a.Replications, b.Replications)
			}
			if got := a.Horizon / 86400; math.Abs(got-c.horizon) > 1e-6 || cal.Shortened != c.shortened {
				t.Errorf("horizon %v days, shortened %v; want %v, %v", got, cal.Shortened, c.horizon, c.shortened)
			}
			if a.WarmUp != 7*86400 {
				t.Errorf("warm-up %v, want 7 days", a.WarmUp/86400)
			}
		})
	}
}

// TestSimulatePageBusy: when the simulator's slots are all taken, a run is
// turned away with 503 and a message, not queued.
func TestSimulatePageBusy(t *testing.T) {
	e := newTestEnv(t)
	for range cap(e.srv.simRuns) {
		e.srv.simRuns <- struct{}{}
	}
	b := newBrowser(t, e)
	b.signIn("max", "max@example.org")
	res, page := b.do("GET", "/simulate?stream=restore-live-service&days=30", nil)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, "busy with other runs") {
		t.Errorf("a run while the simulator is busy: %d\n%s", res.StatusCode, page)
	}
	<-e.srv.simRuns
	if res, _ := b.do("GET", "/simulate?stream=restore-live-service&days=30", nil); res.StatusCode == http.StatusServiceUnavailable {
		t.Errorf("a run with a slot free: %d", res.StatusCode)
	}
}
