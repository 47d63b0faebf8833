package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/draw"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
	"github.com/svcflow/svcflow/internal/report"
	"github.com/svcflow/svcflow/internal/sim"
)

// The simulation page: a manager picks a value stream, calibrates a model
// of it from the recent live event log, says what to change (people per
// team, WIP limits, automation, auto-approval, demand) and sees the
// calibrated baseline and the changed model run side by side on the same
// random numbers. A run writes nothing, so the form is a GET: results are
// linkable and there is no token to check.

// simulationRoutes lists the routes of the simulation page.
func (s *Server) simulationRoutes() []route {
	return []route{
		{method: "GET", path: "/simulate", summary: "What-if simulation of a value stream calibrated from the live event log (managers and admins)",
			public: true, html: true, status: 200, h: s.managerPage(s.simulatePage)},
	}
}

// Bounds of a run from the page, so that it answers in a few seconds on a
// small machine: replications, the simulated span, the items simulated per
// scenario, the calendar events per replication and the wall time.
const (
	simDaysMin, simDaysMax, simDaysDefault = 7, 365, 30
	simPageReplications                    = 10
	simPageHorizon                         = 60 * 24 * 3600.0
	simPageMinHorizon                      = 7 * 24 * 3600.0
	simPageWarmUp                          = 7 * 24 * 3600.0
	simPageItems                           = 300_000
	simPageEvents                          = 5_000_000
	simPageTime                            = 10 * time.Second
	simPageRuns                            = 2 // simulations the pages run at once
	// simMinItems is how many items of the stream the period must hold
	// for a calibration worth showing.
	simMinItems = 10
	// simMaxPeople and simMaxArrivals bound what the form accepts.
	simMaxPeople   = 500
	simMaxArrivals = 1000 // per cent of today's demand
	simMaxMinutes  = 7 * 24 * 60
)

// simView is what simulate.html shows.
type simView struct {
	Streams []simStreamOption
	// Stream and Days are the form's values as given, shown again.
	Stream, Days string
	// Errors are every problem with the form, in the order of the form,
	// each naming its field; FieldError has them by field for inline
	// display.
	Errors     []simFormError
	FieldError map[string]string
	// Problem is why there is no model: too little data, a calibration
	// that failed. Notice is a line about the form.
	Problem, Notice string

	Calibration *simCalibration
	Teams       []simTeamRow
	Steps       []simStepRow
	Arrivals    string // per cent of today's demand
	Run         bool   // the form asked for a run

	Result *simResult
}

// simFormError is a problem with one field of the form.
type simFormError struct {
	Field, Label, Detail string
	// Anchor is the id of the field's input, "" when the form has none
	// (a field for a team or step the model does not have).
	Anchor string
}

// simFieldLabel names a field of the form as its label does.
func simFieldLabel(field string) string {
	kind, id, _ := strings.Cut(field, ".")
	switch kind {
	case "stream":
		return "Value stream"
	case "days":
		return "Days of the log"
	case "arrivals":
		return "Demand"
	case "people":
		return "People in " + id
	case "wip":
		return "WIP limit of " + id
	case "automate":
		return "Automate " + id
	case "minutes":
		return "Minutes the automated " + id + " takes"
	case "approve":
		return "Approved at once at " + id
	}
	return "Changes"
}

type simStreamOption struct {
	ID, Name string
	Selected bool
}

// simCalibration summarises the calibrated model so that a manager can
// judge it.
type simCalibration struct {
	Note            string
	From, To        time.Time
	Items, Resolved int
	// ObservedMean and ObservedP85 are the time to resolve of the items
	// resolved in the log, to hold the simulated baseline against.
	ObservedMean, ObservedP85 float64
	ArrivalsPerDay            float64
	ArrivalKind               string
	Priorities                string // the mix, in words
	Teams                     []simCalTeam
	Steps                     []simCalStep
	Horizon, WarmUp           float64
	Replications              int
	Shortened                 bool // the horizon was cut to keep the run small
	SLATarget                 float64
}

type simCalTeam struct {
	ID     string
	People int
	Hours  string // when it works, "" for around the clock
}

type simCalStep struct {
	ID, Name, Team, Dist string
	Mean                 float64
	Observations         int  // empirical samples; 0 when fitted to a formula
	Delay                bool // a pure delay: no team, no queue
	Automated            bool
	WIPLimit             int
}

// simTeamRow and simStepRow are the form's rows: what the model has and
// what the form asks for instead.
type simTeamRow struct {
	ID     string
	People int    // calibrated
	Value  string // asked for
}

type simStepRow struct {
	ID, Name, Team string
	Queue          bool // worked by a team: a WIP limit applies
	Approval       bool
	WIPLimit       int
	WIP            string
	Automate       bool
	Minutes        string
	Approve        string // per cent auto-approved
}

// simResult is the comparison of a run.
type simResult struct {
	Changes  []string // in words
	Baseline *sim.Report
	Changed  *sim.Report
	Rows     []simMetricRow
	Steps    []simStepResult
	Teams    []simTeamResult
	SLA      []simSLAResult
	Charts   []template.HTML
	Took     time.Duration
}

type simMetricRow struct {
	Name, Baseline, Changed, Difference, Significance string
}

type simStepResult struct {
	Step, Team                                   string
	WaitA, WaitB, QueueA, QueueB, CycleA, CycleB float64
	Removed                                      bool
	Lower, Higher                                bool
}

type simTeamResult struct {
	Team             string
	PeopleA, PeopleB int
	UtilA, UtilB     string
	BusyA, BusyB     float64 // utilization, 0 to 1
}

type simSLAResult struct {
	Priority string
	Target   float64
	A, B     string
}

func (s *Server) simulatePage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	q := r.URL.Query()
	v := &simView{Stream: q.Get("stream"), Days: cmp.Or(strings.TrimSpace(q.Get("days")), strconv.Itoa(simDaysDefault)),
		FieldError: map[string]string{}, Run: q.Get("run") != ""}
	d := pageData{Title: "Simulate a change", Person: p, CSRF: sess.CSRF, Nav: nav(p, "/simulate"), View: v}
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	slices.SortFunc(streams, func(a, b *svcflow.ValueStream) int { return cmp.Compare(a.Name, b.Name) })
	var stream *svcflow.ValueStream
	for _, st := range streams {
		sel := st.ID == v.Stream || v.Stream == "" && st.ID == "restore-live-service"
		v.Streams = append(v.Streams, simStreamOption{ID: st.ID, Name: st.Name, Selected: sel})
		if st.ID == v.Stream {
			stream = st
		}
	}
	if !q.Has("stream") {
		return render(w, http.StatusOK, "simulate", d)
	}
	bad := func(field, msg string) {
		fe := simFormError{Field: field, Label: simFieldLabel(field), Detail: msg, Anchor: "f-" + field}
		if field == "changes" {
			fe.Anchor = "f-run"
		}
		v.Errors = append(v.Errors, fe)
		if _, ok := v.FieldError[field]; !ok {
			v.FieldError[field] = msg
		}
	}
	if stream == nil {
		bad("stream", "choose one of the value streams")
	}
	days, err := strconv.Atoi(v.Days)
	if err != nil || days < simDaysMin || days > simDaysMax {
		bad("days", fmt.Sprintf("a whole number of days from %d to %d", simDaysMin, simDaysMax))
	}
	if len(v.Errors) > 0 {
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}

	// Calibrating and running take CPU for up to seconds: a few at a time,
	// and others are told to come back rather than queue behind them.
	select {
	case s.simRuns <- struct{}{}:
		defer func() { <-s.simRuns }()
	default:
		v.Problem = "The simulator is busy with other runs just now; try again in a moment."
		return render(w, http.StatusServiceUnavailable, "simulate", d)
	}
	l, err := s.storeLog(r)
	if err != nil {
		return err
	}
	now := s.desk.Now()
	l = l.SelectItems(eventlog.ItemFilter{Stream: stream.ID, From: now.Add(-time.Duration(days) * 24 * time.Hour).UnixNano()})
	if l.Cases() < simMinItems {
		v.Problem = fmt.Sprintf("Only %d items of %s were opened in the last %d days: a model needs at least %d to be calibrated. "+
			"Choose a longer period or another stream.", l.Cases(), stream.Name, days, simMinItems)
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}
	opt := sim.CalibrateOptions{Stream: stream, Replications: simPageReplications, Seed: 1,
		Flow: flow.Options{ResolvedActivities: []string{eventlog.ActivityResolved}, ResolvedOptional: true}}
	base, err := sim.Calibrate(l, opt)
	if err != nil {
		v.Problem = "The model could not be calibrated from the last " + v.Days + " days of " + stream.Name + ": " +
			strings.TrimPrefix(err.Error(), "calibrate: ") + "."
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}
	cal := simCalibrate(l, stream, base)
	v.Calibration = cal
	if target := stream.TargetLeadTime.Estimate(); target > 0 && len(base.SLA) == 0 {
		// The stream's target lead time is the promise the page measures
		// attainment against, for every priority.
		base.SLA = map[string]float64{"": target.Seconds()}
		cal.SLATarget = target.Seconds()
	}
	if err := simBound(cal, base); err != nil {
		v.Problem = err.Error()
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}

	// The changes are read only for a run, and only when they were chosen
	// for this stream's model: calibrating (again) starts from the model
	// as calibrated.
	if v.Run && q.Has("for") && q.Get("for") != stream.ID {
		v.Run = false
		v.Notice = "The stream changed: here is the model of " + stream.Name + ". Choose the changes to try on it."
	}
	form := q
	if !v.Run {
		form = url.Values{}
	}
	changes, fields, words := simForm(v, form, stream, base, bad)
	if !v.Run {
		return render(w, http.StatusOK, "simulate", d)
	}
	if len(v.Errors) == 0 && len(changes) == 0 {
		bad("changes", "change at least one thing to compare with today")
	}
	if len(v.Errors) > 0 {
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}
	changed, err := sim.Apply(base, changes)
	if err != nil {
		var ce *sim.ChangeError
		if !errors.As(err, &ce) || ce.Index < 0 || ce.Index >= len(fields) {
			return err
		}
		bad(fields[ce.Index], ce.Message)
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}
	if err := simBound(cal, base, changed); err != nil {
		if q.Has("arrivals") && v.Arrivals != "100" {
			bad("arrivals", err.Error())
		} else {
			v.Problem = err.Error()
		}
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}
	res, err := simCompare(r.Context(), base, changed)
	if err != nil {
		v.Problem = err.Error()
		return render(w, http.StatusUnprocessableEntity, "simulate", d)
	}
	res.Changes = words
	v.Result = res
	return render(w, http.StatusOK, "simulate", d)
}

// simForm reads the changes the form asks for, in the order of the form:
// people per team, then each step's WIP limit, automation and
// auto-approval, then demand. It returns the changes, the form field each
// came from (to place an error sim.Apply finds) and each in words; bad
// gets every problem, named by its field. Values equal to the model's are
// no change.
func simForm(v *simView, q url.Values, stream *svcflow.ValueStream, m *sim.Model, bad func(field, msg string)) ([]sim.Change, []string, []string) {
	var changes []sim.Change
	var fields, words []string
	add := func(field, word string, c sim.Change) {
		changes, fields, words = append(changes, c), append(fields, field), append(words, word)
	}
	teams := map[string]bool{}
	for _, t := range m.Teams {
		teams[t.ID] = true
		field := "people." + t.ID
		row := simTeamRow{ID: t.ID, People: t.People, Value: strconv.Itoa(t.People)}
		if q.Has(field) {
			row.Value = strings.TrimSpace(q.Get(field))
			n, err := strconv.Atoi(row.Value)
			switch {
			case err != nil:
				bad(field, "the number of people of "+t.ID+" is a whole number")
			case n < 1:
				bad(field, fmt.Sprintf("%s needs at least 1 person (it has %d)", t.ID, t.People))
			case n > simMaxPeople:
				bad(field, fmt.Sprintf("at most %d people", simMaxPeople))
			case n != t.People:
				add(field, fmt.Sprintf("%s: %d people instead of %d", t.ID, n, t.People),
					sim.Change{Kind: sim.ChangeAddPeople, Team: t.ID, People: n - t.People})
			}
		}
		v.Teams = append(v.Teams, row)
	}
	steps := map[string]bool{}
	class := m.Work[0]
	for _, st := range stream.Steps {
		i := slices.IndexFunc(class.Steps, func(s sim.Step) bool { return s.ID == st.ID })
		if i < 0 {
			continue
		}
		ms := class.Steps[i]
		steps[st.ID] = true
		row := simStepRow{ID: st.ID, Name: st.Name, Team: ms.Team, Queue: ms.Team != "", Approval: st.Approval != nil,
			WIPLimit: ms.WIPLimit, WIP: strconv.Itoa(ms.WIPLimit), Minutes: "1", Approve: "0"}
		if ms.AutoApprove > 0 {
			row.Approve = strconv.FormatFloat(100*ms.AutoApprove, 'g', 4, 64)
		}
		if f := "wip." + st.ID; q.Has(f) {
			row.WIP = strings.TrimSpace(q.Get(f))
			n, err := strconv.Atoi(row.WIP)
			switch {
			case !row.Queue:
				bad(f, "step "+st.ID+" is not worked by a team, so it has no WIP limit")
			case err != nil || n < 0:
				bad(f, "the WIP limit of "+st.ID+" is a whole number, 0 for none")
			case n != ms.WIPLimit:
				word := fmt.Sprintf("%s: WIP limit %d", st.ID, n)
				if n == 0 {
					word = st.ID + ": no WIP limit"
				}
				add(f, word, sim.Change{Kind: sim.ChangeWIPLimit, Step: st.ID, WIPLimit: n})
			}
		}
		if f := "minutes." + st.ID; q.Has(f) {
			row.Minutes = strings.TrimSpace(q.Get(f))
		}
		if f := "automate." + st.ID; q.Get(f) != "" {
			row.Automate = true
			mf := "minutes." + st.ID
			mins, err := strconv.ParseFloat(row.Minutes, 64)
			switch {
			case ms.Automated:
				bad(f, "step "+st.ID+" is automated already")
			case err != nil || !(mins > 0) || mins > simMaxMinutes:
				bad(mf, fmt.Sprintf("how long the automated %s takes, in minutes: above 0 and at most %d", st.ID, simMaxMinutes))
			default:
				add(f, fmt.Sprintf("%s: automated, taking %s", st.ID, report.Duration(mins*60)),
					sim.Change{Kind: sim.ChangeAutomate, Step: st.ID, Duration: &sim.Dist{Kind: sim.DistFixed, Mean: mins * 60}})
				// An automated step waits for no one: the pick-up delay
				// and time on hold calibrated before it go too.
				if slices.ContainsFunc(class.Steps, func(s sim.Step) bool { return s.ID == st.ID+"-delay" }) {
					add(f, "", sim.Change{Kind: sim.ChangeRemoveStep, Step: st.ID + "-delay"})
				}
			}
		}
		if f := "approve." + st.ID; q.Has(f) {
			row.Approve = strings.TrimSpace(q.Get(f))
			pct, err := strconv.ParseFloat(row.Approve, 64)
			switch {
			case !row.Approval:
				bad(f, "step "+st.ID+" is not an approval")
			case err != nil || !(pct >= 0 && pct <= 100):
				bad(f, "the share of "+st.ID+" approved at once is a per cent from 0 to 100")
			case math.Abs(pct/100-ms.AutoApprove) > 1e-9:
				add(f, fmt.Sprintf("%s: %s %% approved at once", st.ID, strconv.FormatFloat(pct, 'g', 4, 64)),
					sim.Change{Kind: sim.ChangeAutoApprove, Step: st.ID, Share: pct / 100})
			}
		}
		v.Steps = append(v.Steps, row)
	}
	v.Arrivals = "100"
	if q.Has("arrivals") {
		v.Arrivals = strings.TrimSpace(q.Get("arrivals"))
		pct, err := strconv.ParseFloat(v.Arrivals, 64)
		switch {
		case err != nil || !(pct > 0) || pct > simMaxArrivals:
			bad("arrivals", fmt.Sprintf("demand is a per cent of today's, above 0 and at most %d", simMaxArrivals))
		case pct != 100:
			add("arrivals", fmt.Sprintf("demand at %s %% of today's", strconv.FormatFloat(pct, 'g', 4, 64)),
				sim.Change{Kind: sim.ChangeArrivalRate, Factor: pct / 100})
		}
	}
	// A field for a team or step the model does not have: a stale link or
	// a hand-made query.
	var unknown []string
	for key := range q {
		kind, id, ok := strings.Cut(key, ".")
		if !ok {
			continue
		}
		switch kind {
		case "people":
			if !teams[id] {
				unknown = append(unknown, key)
			}
		case "wip", "automate", "minutes", "approve":
			if !steps[id] {
				unknown = append(unknown, key)
			}
		}
	}
	slices.Sort(unknown)
	for _, key := range unknown {
		kind, id, _ := strings.Cut(key, ".")
		if kind == "people" {
			bad(key, fmt.Sprintf("no team %s works stream %s", id, stream.ID))
		} else {
			bad(key, fmt.Sprintf("no step %s in stream %s", id, stream.ID))
		}
		v.Errors[len(v.Errors)-1].Anchor = ""
	}
	var said []string
	for _, w := range words {
		if w != "" {
			said = append(said, w)
		}
	}
	return changes, fields, said
}

// simBound keeps a page's run small: the page's replications, a horizon
// of at most simPageHorizon, shorter still when the demand is high, and a
// warm-up of at most simPageWarmUp. The models compared keep the same
// horizon; cal says what it is.
func simBound(cal *simCalibration, ms ...*sim.Model) error {
	n := 0.0
	for _, m := range ms {
		m.Replications = simPageReplications
		m.Horizon = min(m.Horizon, simPageHorizon)
		m.WarmUp = min(m.WarmUp, simPageWarmUp)
		n = max(n, expectedArrivals(m))
	}
	if n > simPageItems {
		span := ms[0].Horizon + ms[0].WarmUp
		for _, m := range ms {
			m.Horizon = max(simPageMinHorizon, span*simPageItems/n-m.WarmUp)
		}
		cal.Shortened = true
		for _, m := range ms {
			if expectedArrivals(m) > simPageItems*1.01 {
				return fmt.Errorf("at about %.0f items a day the simulation is too large for this page; run it with svcflow sim run",
					meanArrivals(m)*86400)
			}
		}
	}
	cal.Horizon, cal.WarmUp, cal.Replications = ms[0].Horizon, ms[0].WarmUp, ms[0].Replications
	return nil
}

// meanArrivals is a model's mean arrival rate per second, over all its
// classes of work.
func meanArrivals(m *sim.Model) float64 {
	sum := 0.0
	for _, c := range m.Work {
		sum += sim.MeanArrivalRate(c.Arrivals)
	}
	return sum
}

// simCalibrate summarises what the calibration found.
func simCalibrate(l *eventlog.Log, stream *svcflow.ValueStream, m *sim.Model) *simCalibration {
	cal := &simCalibration{Note: m.Note, Items: l.Cases()}
	resolved := slices.Index(l.Strings, eventlog.ActivityResolved)
	var ttr []float64
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for c := range l.Cases() {
		from, to := l.Case(c)
		for k := from; k < to; k++ {
			first, last = min(first, l.Time[k]), max(last, l.Time[k])
		}
		for k := from; k < to; k++ {
			if resolved > 0 && l.Activity[k] == uint32(resolved) {
				ttr = append(ttr, float64(l.Time[k]-l.Time[from])/1e9)
				break
			}
		}
	}
	if first <= last {
		cal.From, cal.To = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
	}
	cal.Resolved = len(ttr)
	if len(ttr) > 0 {
		cal.ObservedMean = sim.Mean(ttr)
		cal.ObservedP85 = sim.Quantile(ttr, 0.85)
	}
	class := m.Work[0]
	a := class.Arrivals
	cal.ArrivalKind = a.Kind
	cal.ArrivalsPerDay = meanArrivals(m) * 86400
	var mix []string
	for _, ps := range class.Priority {
		mix = append(mix, fmt.Sprintf("%s %.0f %%", ps.Priority, 100*ps.Share))
	}
	cal.Priorities = strings.Join(mix, ", ")
	for _, t := range m.Teams {
		ct := simCalTeam{ID: t.ID, People: t.People}
		var hours []string
		for _, sh := range t.Shifts {
			hours = append(hours, simShift(sh))
		}
		ct.Hours = strings.Join(hours, "; ")
		cal.Teams = append(cal.Teams, ct)
	}
	names := map[string]string{}
	for _, st := range stream.Steps {
		names[st.ID] = st.Name
	}
	for _, st := range class.Steps {
		cs := simCalStep{ID: st.ID, Name: names[st.ID], Team: st.Team, Dist: st.Duration.Kind, Mean: simDistMean(st.Duration),
			Delay: st.Team == "" && !st.Automated, Automated: st.Automated, WIPLimit: st.WIPLimit}
		if st.Duration.Kind == sim.DistEmpirical {
			cs.Observations = len(st.Duration.Samples)
		}
		if cs.Name == "" && st.ID == class.Entry && len(st.Next) > 1 {
			cs.Name = "Entry, sending each arrival to its first step"
		}
		if cs.Name == "" {
			if before, ok := strings.CutSuffix(st.ID, "-delay"); ok && names[before] != "" {
				cs.Name = "Waiting for " + names[before]
			}
		}
		cal.Steps = append(cal.Steps, cs)
	}
	return cal
}

// simShift says a shift in words: "Mon-Fri 08:00-18:00".
func simShift(sh sim.Shift) string {
	days := slices.Sorted(slices.Values(sh.Days))
	var names []string
	for _, d := range days {
		names = append(names, time.Weekday(d).String()[:3])
	}
	ds := strings.Join(names, ",")
	if slices.Equal(days, []int{1, 2, 3, 4, 5}) {
		ds = "Mon-Fri"
	} else if len(days) == 7 {
		ds = "every day"
	}
	clock := func(sec float64) string {
		m := int(sec / 60)
		return fmt.Sprintf("%02d:%02d", m/60, m%60)
	}
	return fmt.Sprintf("%s %s-%s, %d people", ds, clock(sh.Start), clock(sh.End), sh.People)
}

// simDistMean is the mean of a duration distribution (of a truncated
// normal, the mean before truncation).
func simDistMean(d sim.Dist) float64 {
	switch d.Kind {
	case sim.DistTriangular:
		return (d.Min + d.Mode + d.Max) / 3
	case sim.DistEmpirical:
		return sim.Mean(d.Samples)
	}
	return d.Mean
}

// simCompare runs the baseline and the changed model on the same seed, so
// that both see the same arrivals and service times (common random
// numbers) and their difference is the change's, then compares them.
func simCompare(ctx context.Context, base, changed *sim.Model) (*simResult, error) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, simPageTime)
	defer cancel()
	changed.Seed = base.Seed
	var reps [2]*sim.Report
	for i, m := range []*sim.Model{base, changed} {
		rep, err := sim.Run(ctx, m, sim.RunOptions{MaxEvents: simPageEvents, SkipItems: true})
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("the simulation took longer than %s: choose a shorter period or run it with svcflow sim run", simPageTime)
			}
			return nil, fmt.Errorf("the simulation could not run: %v", err)
		}
		reps[i] = rep
	}
	a, b := reps[0], reps[1]
	res := &simResult{Baseline: a, Changed: b}
	hours := func(x float64) string { return report.Duration(x * 3600) }
	withCI := func(v float64, ci *float64, f func(float64) string) string {
		if ci == nil {
			return f(v)
		}
		return f(v) + " ± " + f(*ci)
	}
	row := func(name string, va, vb string, c sim.Comparison, f func(float64) string) simMetricRow {
		r := simMetricRow{Name: name, Baseline: va, Changed: vb, Difference: f(c.Difference), Significance: "not significant"}
		if c.Difference > 0 {
			r.Difference = "+" + r.Difference
		}
		if c.CI95 != nil {
			r.Difference += " (95 % CI " + f(c.CI95.Low) + " to " + f(c.CI95.High) + ")"
		}
		if c.Significant {
			r.Significance = "significant (p = " + strconv.FormatFloat(c.PValue, 'g', 2, 64) + ")"
		}
		return r
	}
	per := func(r *sim.Report, f func(*sim.Replication) float64) []float64 {
		out := make([]float64, len(r.Runs))
		for i, run := range r.Runs {
			out[i] = f(run)
		}
		return out
	}
	metrics := sim.CompareReports(a, b)
	byName := func(name string) sim.Comparison {
		i := slices.IndexFunc(metrics, func(c sim.Comparison) bool { return c.Metric == name })
		if i < 0 {
			return sim.Comparison{}
		}
		return metrics[i]
	}
	p85 := func(run *sim.Replication) float64 { return sim.Quantile(run.TimeToResolve, 0.85) / 3600 }
	ta, tb := a.TimeToResolve, b.TimeToResolve
	res.Rows = []simMetricRow{
		row("Time to resolve, mean", withCI(ta.Mean, ta.MeanCI95, report.Duration), withCI(tb.Mean, tb.MeanCI95, report.Duration),
			byName("time_to_resolve_mean_hours"), hours),
		row("Time to resolve, 85th percentile", withCI(ta.P85, ta.P85CI95, report.Duration), withCI(tb.P85, tb.P85CI95, report.Duration),
			sim.CompareMetric("time_to_resolve_p85_hours", per(a, p85), per(b, p85)), hours),
		row("Throughput per day", withCI(a.ThroughputPerHour*24, simScale(a.ThroughputPerHourCI95, 24), simNumber),
			withCI(b.ThroughputPerHour*24, simScale(b.ThroughputPerHourCI95, 24), simNumber),
			simScaled(byName("throughput_per_hour"), 24), simNumber),
		row("Items open at the end", withCI(a.OpenItems, a.OpenItemsCI95, simNumber), withCI(b.OpenItems, b.OpenItemsCI95, simNumber),
			sim.CompareMetric("open_items", per(a, func(r *sim.Replication) float64 { return float64(r.Open) }),
				per(b, func(r *sim.Replication) float64 { return float64(r.Open) })), simNumber),
	}

	for _, sa := range a.Steps {
		if sa.Team == "" {
			continue // a pure delay: it has no queue to wait in
		}
		sr := simStepResult{Step: sa.Step, Team: sa.Team, WaitA: sa.MeanWait, QueueA: sa.MeanQueue, CycleA: sa.MeanCycle}
		i := slices.IndexFunc(b.Steps, func(x sim.StepReport) bool { return x.Class == sa.Class && x.Step == sa.Step })
		if i < 0 {
			sr.Removed = true
		} else {
			sb := b.Steps[i]
			sr.WaitB, sr.QueueB, sr.CycleB = sb.MeanWait, sb.MeanQueue, sb.MeanCycle
			if sb.Team == "" && sa.Team != "" {
				sr.Team = sa.Team + " (automated)"
			}
		}
		sr.Lower = !sr.Removed && sr.WaitB < sr.WaitA*0.99
		sr.Higher = !sr.Removed && sr.WaitB > sr.WaitA*1.01+1
		res.Steps = append(res.Steps, sr)
	}
	share := func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + " %" }
	shareCI := func(v float64, ci *float64) string {
		if ci == nil {
			return share(v)
		}
		return share(v) + " ± " + strconv.FormatFloat(100**ci, 'f', 1, 64) + " pt"
	}
	for _, t := range a.Teams {
		tr := simTeamResult{Team: t.Team, PeopleA: t.People, UtilA: shareCI(t.Utilization, t.UtilizationCI95), UtilB: "—", BusyA: t.Utilization}
		if i := slices.IndexFunc(b.Teams, func(x sim.TeamReport) bool { return x.Team == t.Team }); i >= 0 {
			tr.PeopleB, tr.UtilB = b.Teams[i].People, shareCI(b.Teams[i].Utilization, b.Teams[i].UtilizationCI95)
			tr.BusyB = b.Teams[i].Utilization
		}
		res.Teams = append(res.Teams, tr)
	}
	for _, sl := range a.SLA {
		x := simSLAResult{Priority: cmp.Or(sl.Priority, "every priority"), Target: sl.Target, A: shareCI(sl.Attainment, sl.AttainmentCI95), B: "—"}
		if i := slices.IndexFunc(b.SLA, func(y sim.SLAReport) bool { return y.Priority == sl.Priority }); i >= 0 {
			x.B = shareCI(b.SLA[i].Attainment, b.SLA[i].AttainmentCI95)
		}
		res.SLA = append(res.SLA, x)
	}
	charts, err := simPageCharts(res)
	if err != nil {
		return nil, err
	}
	res.Charts = charts
	res.Took = time.Since(began).Round(time.Millisecond)
	return res, nil
}

func simNumber(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func simScale(v *float64, f float64) *float64 {
	if v == nil {
		return nil
	}
	x := *v * f
	return &x
}

// simScaled restates a comparison in other units.
func simScaled(c sim.Comparison, f float64) sim.Comparison {
	c.MeanA, c.MeanB, c.Difference = c.MeanA*f, c.MeanB*f, c.Difference*f
	if c.CI95 != nil {
		c.CI95 = &sim.Interval{Low: c.CI95.Low * f, High: c.CI95.High * f}
	}
	return c
}

// Names of the two runs in charts and tables.
const (
	simBaselineName = "Today (calibrated)"
	simChangedName  = "With the changes"
)

// simPageCharts draws the comparison: time to resolve (mean and p85), its
// distribution and utilization per team as the reports draw them, wait
// per step, and SLA attainment, each baseline beside changed.
func simPageCharts(res *simResult) ([]template.HTML, error) {
	var out []template.HTML
	add := func(c draw.Chart) error {
		h, err := report.ChartHTML(c)
		out = append(out, h)
		return err
	}
	a, b := res.Baseline, res.Changed
	h := func(v float64) float64 { return v / 3600 }
	if err := add(draw.Chart{ID: "sim-lead", Title: "Time to resolve: mean and 85th percentile", Desc: "Mean and 85th percentile time to resolve in hours, today and with the changes",
		Kind: draw.Bars, Categories: []string{"mean", "85th percentile"},
		Series: []draw.Series{{Name: simBaselineName, Values: []float64{h(a.TimeToResolve.Mean), h(a.TimeToResolve.P85)}},
			{Name: simChangedName, Values: []float64{h(b.TimeToResolve.Mean), h(b.TimeToResolve.P85)}}},
		YLabel: "hours", Width: 480}); err != nil {
		return nil, err
	}
	shared, err := report.SimCharts(report.SimDocument{Scenarios: []report.SimRun{{Name: simBaselineName, Report: a}, {Name: simChangedName, Report: b}}})
	if err != nil {
		return nil, err
	}
	out = append(out, shared...)
	var steps []string
	var wa, wb []float64
	for _, s := range res.Steps {
		steps = append(steps, s.Step)
		wa, wb = append(wa, h(s.WaitA)), append(wb, h(s.WaitB))
		if s.Removed {
			wb[len(wb)-1] = math.NaN()
		}
	}
	if len(steps) > 0 {
		if err := add(draw.Chart{ID: "sim-wait", Title: "Mean wait per step", Desc: "Mean time a visit waits in its team's queue before work starts, in hours, per step, today and with the changes",
			Kind: draw.Bars, Horizontal: true, Categories: steps,
			Series: []draw.Series{{Name: simBaselineName, Values: wa}, {Name: simChangedName, Values: wb}}, YLabel: "hours"}); err != nil {
			return nil, err
		}
	}
	if len(res.SLA) > 0 {
		var cats []string
		var va, vb []float64
		for _, sl := range a.SLA {
			cats = append(cats, cmp.Or(sl.Priority, "all"))
			va = append(va, 100*sl.Attainment)
			x := math.NaN()
			if i := slices.IndexFunc(b.SLA, func(y sim.SLAReport) bool { return y.Priority == sl.Priority }); i >= 0 {
				x = 100 * b.SLA[i].Attainment
			}
			vb = append(vb, x)
		}
		if err := add(draw.Chart{ID: "sim-sla", Title: "Resolved within target", Desc: "Share of resolved items resolved within the target, per priority, today and with the changes",
			Kind: draw.Bars, Categories: cats, Series: []draw.Series{{Name: simBaselineName, Values: va}, {Name: simChangedName, Values: vb}},
			YLabel: "% of items", Width: 480}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
