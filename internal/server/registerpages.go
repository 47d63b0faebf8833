package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/improve"
	"github.com/svcflow/svcflow/internal/report"
)

// The continual improvement register (agents and up) and the knowledge
// base (everyone signed in) as pages: the register as a table, an entry
// with its criterion, baseline and evaluation, raising and editing entries;
// articles searched, read, written, published and retired. The desk
// decides who may do what; these pages only show what it allows.

// registerRoutes lists the routes of the register and knowledge pages.
func (s *Server) registerRoutes() []route {
	return []route{
		{method: "GET", path: "/improvements", summary: "The improvement register (agents and up), filtered by status and stream", public: true, html: true, status: 200, h: s.staffPage(s.registerPage)},
		{method: "GET", path: "/improvements/new", summary: "Raise an improvement (managers may draft it from a stream's top bottleneck)", public: true, html: true, status: 200, h: s.staffPage(s.raisePage)},
		{method: "POST", path: "/improvements/new", summary: "Raise an improvement from the form (303 to its entry)", public: true, html: true, status: 303, h: s.staffPage(s.raiseSubmit)},
		{method: "GET", path: "/improvements/{id}", summary: "A register entry with its criterion, baseline and evaluation", public: true, html: true, status: 200, h: s.staffPage(s.regEntryPage)},
		{method: "POST", path: "/improvements/{id}", summary: "Change a register entry at the version the form was read at (303 to it)", public: true, html: true, status: 303, h: s.staffPage(s.improvementSubmit)},
		{method: "GET", path: "/knowledge", summary: "Search the knowledge base (requesters: published articles)", public: true, html: true, status: 200, h: s.signedInPage(s.kbListPage)},
		{method: "GET", path: "/knowledge/new", summary: "Write a knowledge article (agents and up; ?from=ITEM from a resolved item)", public: true, html: true, status: 200, h: s.staffPage(s.kbNewPage)},
		{method: "POST", path: "/knowledge/new", summary: "Save a new draft article (303 to it)", public: true, html: true, status: 303, h: s.staffPage(s.kbNewSubmit)},
		{method: "GET", path: "/knowledge/{id}", summary: "A knowledge article, with its revisions and links for staff", public: true, html: true, status: 200, h: s.signedInPage(s.kbArticlePage)},
		{method: "GET", path: "/knowledge/{id}/edit", summary: "Edit a knowledge article (agents and up)", public: true, html: true, status: 200, h: s.staffPage(s.kbEditPage)},
		{method: "POST", path: "/knowledge/{id}/edit", summary: "Save an article at the version the form was read at (303 to it)", public: true, html: true, status: 303, h: s.staffPage(s.kbEditSubmit)},
		{method: "POST", path: "/knowledge/{id}/publish", summary: "Publish an article (managers, admins, the knowledge team)", public: true, html: true, status: 303, h: s.staffPage(s.kbStatusSubmit(svcflow.ArticlePublished))},
		{method: "POST", path: "/knowledge/{id}/retire", summary: "Retire an article (managers, admins, the knowledge team)", public: true, html: true, status: 303, h: s.staffPage(s.kbStatusSubmit(svcflow.ArticleRetired))},
	}
}

// regStaleMessage is what a form saved at an old version is told.
const regStaleMessage = "Someone changed it meanwhile, so nothing was saved. Here it is as it is now; make your change again if it still applies."

// regListView is the register as its page shows it.
type regListView struct {
	Rows             []regRow
	Stream, Status   string // the filters in use
	Sort             string // newest or wsjf
	Streams          []string
	Statuses         []regOption
	Total            int
	CanDraftFromFlow bool
}

// regOption is a choice of a select.
type regOption struct{ Value, Label string }

// regRow is one improvement in the register table.
type regRow struct {
	ID, Title, Stream, Step   string
	Status, StatusText        string
	Owner, Criterion          string
	Baseline, Result, Outcome string
	WSJF                      string
	wsjf                      float64
	created                   time.Time
}

// improvementStatus is where an improvement stands, in the register's
// words: its outcome once decided, else the step it is at.
var improvementStatus = []regOption{
	{"proposed", "Proposed"}, {"approved", "Awaiting approval"}, {"in-progress", "In progress"},
	{"implemented", "Being put into use"}, {"measuring", "Measuring"},
	{svcflow.OutcomeValidated, "Validated"}, {svcflow.OutcomeNotValidated, "Not validated"}, {svcflow.OutcomeRejected, "Rejected"},
}

func regStatus(v *desk.ImprovementView) (key, text string) {
	switch {
	case v.Outcome != "":
		key = v.Outcome
	case v.Item.Visit != nil && !v.Item.Status.IsFinal():
		key = v.Item.Visit.Step
	default:
		key = string(v.Item.Status)
	}
	for _, o := range improvementStatus {
		if o.Value == key {
			return key, o.Label
		}
	}
	if t, ok := statusText[svcflow.Status(key)]; ok {
		return key, t
	}
	return key, key
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	reg, err := s.desk.Register(r.Context(), p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := &regListView{Stream: q.Get("stream"), Status: q.Get("status"), Sort: q.Get("sort"), Statuses: improvementStatus,
		Total: len(reg), CanDraftFromFlow: p.Role.AtLeast(svcflow.RoleManager)}
	if v.Sort != "wsjf" {
		v.Sort = "newest"
	}
	names := s.regPeople(r.Context())
	for _, e := range reg {
		if e.Register.Stream != "" && !slices.Contains(v.Streams, e.Register.Stream) {
			v.Streams = append(v.Streams, e.Register.Stream)
		}
		key, text := regStatus(e)
		if v.Stream != "" && e.Register.Stream != v.Stream || v.Status != "" && key != v.Status {
			continue
		}
		row := regRow{ID: e.Item.ID, Title: e.Content.Title, Stream: e.Register.Stream, Step: e.Register.Step,
			Status: key, StatusText: text, Owner: names(e.Register.Owner), Criterion: regCriterionText(e.Register.Criterion),
			Outcome: e.Outcome, created: e.Item.Created}
		if b := e.Register.Baseline; b != nil {
			row.Baseline = regMetricValue(e.Register.Criterion.Metric, b.Mean)
		}
		if ev := e.Register.Evaluation; ev != nil {
			row.Result = fmt.Sprintf("%s, p = %s", regEffect(e.Register.Criterion.Metric, ev.Effect), regP(ev.PValue))
		}
		if score, ok := regWSJF(e.Item); ok {
			row.wsjf, row.WSJF = score, strconv.FormatFloat(score, 'f', 2, 64)
		}
		v.Rows = append(v.Rows, row)
	}
	slices.Sort(v.Streams)
	if v.Sort == "wsjf" {
		// The best value for its size first; entries without a size after,
		// newest first as the register lists them.
		slices.SortStableFunc(v.Rows, func(a, b regRow) int {
			switch {
			case a.WSJF != "" && b.WSJF == "":
				return -1
			case a.WSJF == "" && b.WSJF != "":
				return 1
			}
			return cmp.Compare(b.wsjf, a.wsjf)
		})
	}
	return render(w, http.StatusOK, "improvements", pageData{Title: "Improvement register", Person: p, CSRF: sess.CSRF,
		Nav: nav(p, "/improvements"), View: v})
}

// regWSJF is an item's weighted shortest job first score, cost of delay
// (its own, else its priority's) per hour of size, as the wsjf queue
// policy counts it; there is none without a size.
func regWSJF(w *svcflow.WorkItem) (float64, bool) {
	size := w.Size.Estimate()
	if size <= 0 {
		return 0, false
	}
	cod := w.CostOfDelay
	if cod <= 0 {
		cod = svcflow.DefaultCostOfDelay(w.Priority)
	}
	return float64(min(cod, 10)) / size.Hours(), true
}

// regPeople returns a function naming people by id, each looked up once.
func (s *Server) regPeople(ctx context.Context) func(id string) string {
	seen := map[string]string{}
	return func(id string) string {
		if n, ok := seen[id]; ok {
			return n
		}
		seen[id] = id
		if id == svcflow.SystemActor {
			seen[id] = "svcflow"
			return seen[id]
		}
		if p, err := s.desk.Store().Person(ctx, id); err == nil && !p.Erased {
			seen[id] = p.Name
		}
		return seen[id]
	}
}

// regMetricName says what a metric measures.
var regMetricName = map[svcflow.Metric]string{
	svcflow.MetricStepWaitP50: "median wait", svcflow.MetricStepWaitMean: "mean wait",
	svcflow.MetricTimeToResolveP50: "median time to resolve", svcflow.MetricTimeToResolveMean: "mean time to resolve",
	svcflow.MetricReopenRate: "reopen rate", svcflow.MetricFCRRate: "first contact resolution rate",
	svcflow.MetricSatisfactionMean: "mean satisfaction",
}

// regCriterionText says a criterion in plain words: "median wait at
// investigate (restore-live-service) down to 15 min within 14 days".
func regCriterionText(c svcflow.Criterion) string {
	if c.Metric == "" {
		return ""
	}
	name := regMetricName[c.Metric]
	if name == "" {
		name = string(c.Metric)
	}
	var b strings.Builder
	b.WriteString(name)
	switch {
	case c.Metric.IsStepMetric() && c.Stream != "":
		fmt.Fprintf(&b, " at %s (%s)", c.Step, c.Stream)
	case c.Metric.IsStepMetric():
		fmt.Fprintf(&b, " at %s", c.Step)
	case c.Stream != "":
		fmt.Fprintf(&b, " in %s", c.Stream)
	}
	if c.Direction == svcflow.Increase {
		b.WriteString(" up to ")
	} else {
		b.WriteString(" down to ")
	}
	b.WriteString(regMetricValue(c.Metric, c.Target))
	if days := int(c.Window.Calendar / (24 * time.Hour)); days > 0 {
		fmt.Fprintf(&b, " within %d days", days)
	}
	return b.String()
}

// regIsTime reports whether a metric is a time, in seconds.
func regIsTime(m svcflow.Metric) bool {
	return m.IsStepMetric() || m == svcflow.MetricTimeToResolveP50 || m == svcflow.MetricTimeToResolveMean
}

// regIsRate reports whether a metric is a share from 0 to 1.
func regIsRate(m svcflow.Metric) bool {
	return m == svcflow.MetricReopenRate || m == svcflow.MetricFCRRate
}

// regMetricValue says a value in the metric's unit: "30 min", "12 %",
// "4.2 of 5".
func regMetricValue(m svcflow.Metric, v float64) string {
	switch {
	case regIsTime(m):
		return strings.Replace(report.Duration(v), ".0 ", " ", 1)
	case regIsRate(m):
		return strconv.FormatFloat(math.Round(1000*v)/10, 'f', -1, 64) + " %"
	case m == svcflow.MetricSatisfactionMean:
		return strconv.FormatFloat(v, 'f', 2, 64) + " of 5"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// regEffect says a change with its sign: "−12 min", "+3 %".
func regEffect(m svcflow.Metric, v float64) string {
	sign := "+"
	if v < 0 {
		sign = "−"
	}
	if regIsRate(m) {
		return sign + strconv.FormatFloat(math.Abs(100*v), 'f', 1, 64) + " points"
	}
	return sign + regMetricValue(m, math.Abs(v))
}

// regP says a p-value the way reports print it.
func regP(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// regEntryView is a register entry as its page shows it.
type regEntryView struct {
	ID, Title, Description       string
	Version                      int
	Status, StatusText, Outcome  string
	Stream, Step, Owner          string
	TargetDate                   string
	Problem, Action, Expected    string
	Sources                      []regSource
	Criterion                    string
	Baseline                     *regBaseline
	Evaluation                   *regEvaluation
	WSJF, CostOfDelay, Size      string
	CriterionFixed               bool
	Form                         *improvementForm
	RaisedBy, Created, ItemTitle string
}

// regSource is what motivated an improvement, with a link to it.
type regSource struct{ Label, Ref, Href, Note string }

// regBaseline is a captured baseline in words.
type regBaseline struct {
	Mean             string
	Days             int
	From, To, Taken  time.Time
	Values           []string
	ApprovedInWindow bool
}

// regEvaluation is an evaluation in words.
type regEvaluation struct {
	Baseline, Post, Effect, CI, P string
	Days                          [2]int
	MeetsTarget, Significant      bool
	Validated                     bool
	From, To, Taken               time.Time
}

// improvementForm is the raise and edit form: what was typed, and what is
// wrong with it by field.
type improvementForm struct {
	Values     map[string]string
	Errors     map[string]string
	Metrics    []regOption
	Streams    []string
	Version    int
	Bottleneck bool // the draft came from a stream's top bottleneck
	// Unsaved is the text a stale form held that differs from the entry
	// as it is now, so that nothing typed is lost.
	Unsaved []regOption
}

// regUnsaved lists the fields whose posted text differs from the fresh
// values, labelled.
func regUnsaved(posted, fresh map[string]string, labels []regOption) []regOption {
	var out []regOption
	for _, l := range labels {
		if v := posted[l.Value]; v != "" && v != fresh[l.Value] {
			out = append(out, regOption{Value: v, Label: l.Label})
		}
	}
	return out
}

// regTextLabels name the free-text fields of an entry.
var regTextLabels = []regOption{{"problem_observed", "Problem observed"}, {"proposed_action", "Proposed action"},
	{"expected_outcome", "Expected outcome"}}

func (s *Server) regEntryPage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	v, err := s.desk.Improvement(r.Context(), p, r.PathValue("id"))
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return regNotFound(w, p, sess)
	}
	if err != nil {
		return err
	}
	return s.renderImprovement(w, r, p, sess, http.StatusOK, v, nil, "")
}

func regNotFound(w http.ResponseWriter, p *svcflow.Person, sess desk.Session) error {
	return render(w, http.StatusNotFound, "notfound", pageData{Title: "Not found", Person: p, CSRF: sess.CSRF, Nav: nav(p, "")})
}

// renderImprovement shows an entry; form, when given, is the edit form as
// it was posted (with its errors), else the entry's own values.
func (s *Server) renderImprovement(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int,
	v *desk.ImprovementView, form *improvementForm, problem string) error {
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	names := s.regPeople(r.Context())
	reg, it := v.Register, v.Item
	pg := &regEntryView{ID: it.ID, Title: v.Content.Title, Description: v.Content.Description, Version: it.Version,
		Outcome: v.Outcome, Stream: reg.Stream, Step: reg.Step, Owner: names(reg.Owner), Problem: reg.ProblemObserved,
		Action: reg.ProposedAction, Expected: reg.ExpectedOutcome, Criterion: regCriterionText(reg.Criterion),
		CriterionFixed: reg.Baseline != nil, RaisedBy: names(it.RequestedBy), Created: it.Created.Format("2 Jan 2006")}
	pg.Status, pg.StatusText = regStatus(v)
	if !reg.TargetDate.IsZero() {
		pg.TargetDate = reg.TargetDate.Format("2 Jan 2006")
	}
	if score, ok := regWSJF(it); ok {
		pg.WSJF = strconv.FormatFloat(score, 'f', 2, 64)
	}
	if it.CostOfDelay > 0 {
		pg.CostOfDelay = strconv.Itoa(it.CostOfDelay)
	} else {
		pg.CostOfDelay = fmt.Sprintf("%d (from its priority %s)", svcflow.DefaultCostOfDelay(it.Priority), it.Priority)
	}
	pg.Size = it.Size.String()
	for _, src := range reg.Sources {
		pg.Sources = append(pg.Sources, s.regSourceLink(r.Context(), src))
	}
	m := reg.Criterion.Metric
	if b := reg.Baseline; b != nil {
		rb := &regBaseline{Mean: regMetricValue(m, b.Mean), Days: len(b.Values), From: b.From, To: b.To, Taken: b.Measured}
		for _, x := range b.Values {
			rb.Values = append(rb.Values, regMetricValue(m, x))
		}
		pg.Baseline = rb
	}
	if e := reg.Evaluation; e != nil {
		re := &regEvaluation{Baseline: regMetricValue(m, e.Baseline), Post: regMetricValue(m, e.Post), Effect: regEffect(m, e.Effect),
			P: regP(e.PValue), Days: e.Days, MeetsTarget: e.MeetsTarget, Significant: e.Significant, Validated: e.Validated,
			From: e.From, To: e.To, Taken: e.Measured}
		if ci := e.EffectCI95; ci != nil {
			re.CI = regEffect(m, ci[0]) + " to " + regEffect(m, ci[1])
		}
		pg.Evaluation = re
	}
	if form == nil {
		form = &improvementForm{Values: regEntryValues(reg)}
	}
	form.Version = it.Version
	form.Metrics, form.Streams = regMetricOptions(), regStreamIDs(streams)
	pg.Form = form
	return render(w, status, "improvement", pageData{Title: it.ID + " " + v.Content.Title, Person: p, CSRF: sess.CSRF,
		Nav: nav(p, "/improvements"), Error: problem, View: pg})
}

// regSourceLink links a source to where it can be read: a work item's
// page, the item a feedback entry was given on, a stream's page.
func (s *Server) regSourceLink(ctx context.Context, src svcflow.Source) regSource {
	out := regSource{Ref: src.Ref, Note: src.Note}
	switch src.Type {
	case svcflow.SourceItem:
		out.Label, out.Href = "Work item", "/items/"+src.Ref
	case svcflow.SourceFeedback:
		out.Label = "Feedback"
		if fb, err := s.desk.Store().FeedbackEntry(ctx, src.Ref); err == nil {
			out.Href = "/items/" + fb.Item
		}
	case svcflow.SourceBottleneck:
		out.Label = "Top bottleneck"
		if stream, _, ok := strings.Cut(src.Ref, "/"); ok {
			out.Href = "/streams/" + stream
		}
	default:
		out.Label = src.Type
	}
	return out
}

// regEntryValues are an entry's fields as the edit form shows them.
func regEntryValues(reg *svcflow.Improvement) map[string]string {
	v := map[string]string{"problem_observed": reg.ProblemObserved, "proposed_action": reg.ProposedAction,
		"expected_outcome": reg.ExpectedOutcome, "owner": reg.Owner}
	if !reg.TargetDate.IsZero() {
		v["target_date"] = reg.TargetDate.Format(time.DateOnly)
	}
	regCriterionValues(v, reg.Criterion)
	return v
}

func regCriterionValues(v map[string]string, c svcflow.Criterion) {
	v["criterion.metric"], v["criterion.step"], v["criterion.stream"] = string(c.Metric), c.Step, c.Stream
	v["criterion.direction"], v["criterion.window"] = string(c.Direction), c.Window.String()
	switch {
	case c.Metric == "":
	case regIsTime(c.Metric) && c.Target > 0:
		v["criterion.target"] = svcflow.Duration{Calendar: time.Duration(c.Target * float64(time.Second)).Round(time.Second)}.String()
	case regIsRate(c.Metric):
		v["criterion.target"] = strconv.FormatFloat(math.Round(1e6*c.Target)/1e4, 'f', -1, 64) + "%"
	default:
		v["criterion.target"] = strconv.FormatFloat(c.Target, 'f', -1, 64)
	}
}

func regMetricOptions() []regOption {
	out := []regOption{}
	for _, m := range svcflow.Metrics() {
		out = append(out, regOption{Value: string(m), Label: regMetricName[m]})
	}
	return out
}

func regStreamIDs(streams []*svcflow.ValueStream) []string {
	out := make([]string, len(streams))
	for i, st := range streams {
		out[i] = st.ID
	}
	slices.Sort(out)
	return out
}

// regFields are the form fields of an improvement, in form order.
var regFields = []string{"title", "description", "service", "cost_of_delay", "size", "problem_observed", "proposed_action",
	"expected_outcome", "stream", "step", "owner", "target_date", "sources", "criterion.metric", "criterion.step",
	"criterion.stream", "criterion.direction", "criterion.target", "criterion.window"}

// regPosted reads the improvement fields of a posted form.
func regPosted(r *http.Request) map[string]string {
	v := map[string]string{}
	for _, f := range regFields {
		v[f] = regFormText(r, f)
	}
	return v
}

// regFormText is a posted text field, trimmed, with the CRLF line breaks
// browsers send turned back into the LF ones the text was shown with.
func regFormText(r *http.Request, field string) string {
	return strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(field), "\r\n", "\n"))
}

// regParseCriterion reads the criterion fields; errs gets what cannot be
// read (the desk checks the rest).
func regParseCriterion(v map[string]string, errs map[string]string) svcflow.Criterion {
	c := svcflow.Criterion{Metric: svcflow.Metric(v["criterion.metric"]), Step: v["criterion.step"], Stream: v["criterion.stream"],
		Direction: svcflow.Direction(v["criterion.direction"])}
	if t := v["criterion.target"]; t == "" {
		errs["criterion.target"] = "Missing; give the value to reach."
	} else if x, err := regParseTarget(c.Metric, t); err != nil {
		errs["criterion.target"] = capitalize(err.Error()) + "."
	} else {
		c.Target = x
	}
	if win := v["criterion.window"]; win != "" {
		d, err := svcflow.ParseDuration(win)
		if err != nil {
			errs["criterion.window"] = "Expected whole days such as 14d or 2w."
		}
		c.Window = d
	}
	return c
}

// regParseTarget reads a target in the metric's unit: a duration (30m,
// 2h) or seconds for times, a percentage (20%) or share for rates.
func regParseTarget(m svcflow.Metric, s string) (float64, error) {
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		x, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, errors.New("expected a percentage such as 20%")
		}
		return x / 100, nil
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
		return x, nil
	}
	if regIsTime(m) {
		if d, err := svcflow.ParseDuration(s); err == nil && !d.IsBusiness() {
			return d.Calendar.Seconds(), nil
		}
		return 0, errors.New("expected a time such as 30m or 2h")
	}
	return 0, errors.New("expected a number")
}

// regParseDate reads an optional date field.
func regParseDate(v map[string]string, field string, errs map[string]string) time.Time {
	if v[field] == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v[field])
	if err != nil {
		errs[field] = "Expected a date such as 2026-06-30."
	}
	return t
}

// regParseSources reads "INC-1042, FB-1007, restore-live-service/investigate":
// feedback entries, stream/step bottlenecks, work items otherwise.
func regParseSources(s string) []svcflow.Source {
	var out []svcflow.Source
	for _, ref := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		switch {
		case strings.HasPrefix(ref, "FB-"):
			out = append(out, svcflow.Source{Type: svcflow.SourceFeedback, Ref: ref})
		case strings.Contains(ref, "/"):
			out = append(out, svcflow.Source{Type: svcflow.SourceBottleneck, Ref: ref})
		default:
			out = append(out, svcflow.Source{Type: svcflow.SourceItem, Ref: ref})
		}
	}
	return out
}

func regSourcesText(ss []svcflow.Source) string {
	refs := make([]string, len(ss))
	for i, s := range ss {
		refs[i] = s.Ref
	}
	return strings.Join(refs, ", ")
}

// regIndexRE finds the list index of a field error ("sources[2].ref").
var regIndexRE = regexp.MustCompile(`\[[0-9]+\](\.[a-z_]+)?`)

// regFormErrors sorts the field errors of a refusal onto the form's
// fields; what names no field of the form is said above it. ok is false
// when err is no refusal of the input.
func regFormErrors(err error, fields []string, errs map[string]string) (general string, ok bool) {
	ae := fromDomain(err)
	if ae == nil || ae.p.Status != http.StatusUnprocessableEntity {
		return "", false
	}
	var rest []string
	for _, f := range ae.p.Errors {
		name := regIndexRE.ReplaceAllString(f.Field, "")
		if slices.Contains(fields, name) {
			if _, taken := errs[name]; !taken {
				errs[name] = capitalize(f.Detail) + "."
			}
			continue
		}
		rest = append(rest, f.Field+": "+f.Detail)
	}
	if len(ae.p.Errors) == 0 {
		rest = append(rest, ae.p.Detail)
	}
	if len(rest) > 0 {
		return "Please correct: " + strings.Join(rest, "; ") + ".", true
	}
	return "Please correct the fields marked below.", true
}

// regRaiseView is the raise form's page.
type regRaiseView struct {
	Form             *improvementForm
	CanDraftFromFlow bool
	DraftStream      string
}

func (s *Server) raisePage(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	q := r.URL.Query()
	v := map[string]string{"owner": p.ID, "criterion.direction": string(svcflow.Decrease), "criterion.window": "14d",
		"sources": q.Get("from")}
	form := &improvementForm{Values: v, Errors: map[string]string{}}
	problem := ""
	status := http.StatusOK
	if stream := q.Get("from_bottleneck"); stream != "" {
		if !p.Role.AtLeast(svcflow.RoleManager) {
			return newProblem("forbidden", "drafting from the flow analytics is for managers and admins, who may read them")
		}
		draft, err := s.regDraft(r, p, stream)
		if ae := fromDomain(err); ae != nil && ae.p.Status == http.StatusUnprocessableEntity {
			status, problem = http.StatusUnprocessableEntity, "No draft from "+stream+": "+ae.p.Detail
			form.Errors["from_bottleneck"] = capitalize(ae.p.Detail) + "."
		} else if err != nil {
			return err
		} else {
			v["title"], v["problem_observed"], v["stream"], v["step"] = draft.Title, draft.Register.ProblemObserved, draft.Register.Stream, draft.Register.Step
			regCriterionValues(v, draft.Register.Criterion)
			v["sources"] = strings.TrimPrefix(v["sources"]+", "+regSourcesText(draft.Register.Sources), ", ")
			form.Bottleneck = true
		}
		v["from_bottleneck"] = stream
	}
	return s.renderRaise(w, r, p, sess, status, form, problem)
}

// regDraft drafts an improvement from a stream's top bottleneck, as the
// API's from_bottleneck does; the event log is read as the person, who
// must be allowed to read it.
func (s *Server) regDraft(r *http.Request, p *svcflow.Person, stream string) (desk.RaiseInput, error) {
	l, err := s.storeLog(r.WithContext(context.WithValue(r.Context(), personKey, p)))
	if err != nil {
		return desk.RaiseInput{}, err
	}
	return improve.FromBottleneck(l, stream, s.desk.Now(), defaultWindow)
}

func (s *Server) renderRaise(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session, status int, form *improvementForm, problem string) error {
	streams, err := s.streams(r)
	if err != nil {
		return err
	}
	form.Metrics, form.Streams = regMetricOptions(), regStreamIDs(streams)
	v := &regRaiseView{Form: form, CanDraftFromFlow: p.Role.AtLeast(svcflow.RoleManager), DraftStream: form.Values["from_bottleneck"]}
	return render(w, status, "improvenew", pageData{Title: "Raise an improvement", Person: p, CSRF: sess.CSRF,
		Nav: nav(p, "/improvements"), Error: problem, View: v})
}

func (s *Server) raiseSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	v := regPosted(r)
	errs := map[string]string{}
	in := desk.RaiseInput{Title: v["title"], Description: v["description"], Service: v["service"],
		Register: svcflow.Improvement{ProblemObserved: v["problem_observed"], ProposedAction: v["proposed_action"],
			ExpectedOutcome: v["expected_outcome"], Stream: v["stream"], Step: v["step"], Owner: v["owner"],
			Sources: regParseSources(v["sources"])}}
	if c := v["cost_of_delay"]; c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > 10 {
			errs["cost_of_delay"] = "Expected a whole number from 1 to 10."
		}
		in.CostOfDelay = n
	}
	if sz := v["size"]; sz != "" {
		d, err := svcflow.ParseDuration(sz)
		if err != nil {
			errs["size"] = "Expected an effort such as 3d or 2bd."
		}
		in.Size = d
	}
	in.Register.TargetDate = regParseDate(v, "target_date", errs)
	in.Register.Criterion = regParseCriterion(v, errs)
	form := &improvementForm{Values: v, Errors: errs, Bottleneck: strings.Contains(v["sources"], "/")}
	if len(errs) > 0 {
		return s.renderRaise(w, r, p, sess, http.StatusUnprocessableEntity, form, "Please correct the fields marked below.")
	}
	imp, err := s.desk.RaiseImprovement(r.Context(), p, in)
	if general, ok := regFormErrors(err, regFields, errs); ok {
		return s.renderRaise(w, r, p, sess, http.StatusUnprocessableEntity, form, general)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/improvements/"+imp.Item.ID, http.StatusSeeOther)
	return nil
}

// improvementSubmit saves the edit form at the version it was read at: if
// the entry changed meanwhile, nothing is saved and the page shows it as
// it is now.
func (s *Server) improvementSubmit(w http.ResponseWriter, r *http.Request, p *svcflow.Person, sess desk.Session) error {
	if err := checkForm(w, r, sess); err != nil {
		return err
	}
	id := r.PathValue("id")
	cur, err := s.desk.Improvement(r.Context(), p, id)
	if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound {
		return regNotFound(w, p, sess)
	}
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || version < 1 {
		return newProblem("invalid", "version: the form has no version; reload the page", fieldError{"version", "missing"})
	}
	v := regPosted(r)
	errs := map[string]string{}
	patch := desk.RegisterPatch{ProblemObserved: regPtr(v["problem_observed"]), ProposedAction: regPtr(v["proposed_action"]),
		ExpectedOutcome: regPtr(v["expected_outcome"]), Owner: regPtr(v["owner"])}
	if t := regParseDate(v, "target_date", errs); !t.IsZero() || r.PostForm.Has("target_date") && strings.TrimSpace(v["target_date"]) == "" {
		// An emptied date clears it.
		patch.TargetDate = &t
	}
	if cur.Register.Baseline == nil && r.PostForm.Has("criterion.metric") {
		c := regParseCriterion(v, errs)
		patch.Criterion = &c
	}
	form := &improvementForm{Values: v, Errors: errs}
	if len(errs) > 0 {
		return s.renderImprovement(w, r, p, sess, http.StatusUnprocessableEntity, cur, form, "Please correct the fields marked below.")
	}
	if !regChanges(cur.Register, patch) {
		// The form was saved as it was read: there is nothing to record.
		http.Redirect(w, r, "/improvements/"+id, http.StatusSeeOther)
		return nil
	}
	_, err = s.desk.UpdateImprovement(r.Context(), p, id, version, patch)
	var de *svcflow.Error
	if !errors.As(err, &de) {
		de = &svcflow.Error{}
	}
	switch {
	case de.Code == svcflow.ErrConflict && de.Field == "If-Match":
		fresh, ferr := s.desk.Improvement(r.Context(), p, id)
		if ferr != nil {
			return ferr
		}
		values := regEntryValues(fresh.Register)
		kept := &improvementForm{Values: values, Unsaved: regUnsaved(v, values, regTextLabels)}
		return s.renderImprovement(w, r, p, sess, http.StatusConflict, fresh, kept, regStaleMessage)
	case de.Code == svcflow.ErrForbidden:
		return s.renderImprovement(w, r, p, sess, http.StatusForbidden, cur, form, capitalize(de.Message)+".")
	}
	if general, ok := regFormErrors(err, regFields, errs); ok {
		return s.renderImprovement(w, r, p, sess, http.StatusUnprocessableEntity, cur, form, general)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/improvements/"+id, http.StatusSeeOther)
	return nil
}

// regChanges reports whether a patch changes anything in an entry; the
// desk refuses a change of nothing.
func regChanges(reg *svcflow.Improvement, p desk.RegisterPatch) bool {
	differs := func(v *string, cur string) bool { return v != nil && *v != cur }
	return differs(p.ProblemObserved, reg.ProblemObserved) || differs(p.ProposedAction, reg.ProposedAction) ||
		differs(p.ExpectedOutcome, reg.ExpectedOutcome) || differs(p.Owner, reg.Owner) ||
		p.TargetDate != nil && !p.TargetDate.Equal(reg.TargetDate) || p.Criterion != nil && *p.Criterion != reg.Criterion
}

func regPtr[T any](v T) *T { return &v }
