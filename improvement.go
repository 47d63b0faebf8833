package svcflow

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// An improvement is a work item of kind improvement flowing through the
// continual-improvement stream; Improvement is its entry in the continual
// improvement register: why it was raised, what it proposes, and the one
// success criterion that decides whether it worked (SPEC §2; 000, feedback
// loops; 004 archetype 8).

// Metric is what a success criterion measures, in the analytics' names.
type Metric string

// The metrics a criterion may name. Times are seconds, rates are shares
// (0 to 1), satisfaction is a score from 1 to 5.
const (
	// MetricStepWaitP50 is the median wait of the visits to a step that
	// ended that day.
	MetricStepWaitP50 Metric = "step_wait_p50"
	// MetricStepWaitMean is their mean wait.
	MetricStepWaitMean Metric = "step_wait_mean"
	// MetricTimeToResolveP50 is the median time_to_resolve of the items
	// first resolved that day.
	MetricTimeToResolveP50 Metric = "time_to_resolve_p50"
	// MetricTimeToResolveMean is their mean time_to_resolve.
	MetricTimeToResolveMean Metric = "time_to_resolve_mean"
	// MetricReopenRate is the share of the items first resolved that day
	// that were reopened, as far as the log goes.
	MetricReopenRate Metric = "reopen_rate"
	// MetricFCRRate is the share of the items first resolved that day that
	// were resolved at first contact (SPEC §3 FCR).
	MetricFCRRate Metric = "fcr_rate"
	// MetricSatisfactionMean is the mean satisfaction score of the items
	// first resolved that day that have one.
	MetricSatisfactionMean Metric = "satisfaction_mean"
)

// Metrics lists the metrics a criterion may name.
func Metrics() []Metric {
	return []Metric{MetricStepWaitP50, MetricStepWaitMean, MetricTimeToResolveP50, MetricTimeToResolveMean,
		MetricReopenRate, MetricFCRRate, MetricSatisfactionMean}
}

// IsValid reports whether m is one of Metrics.
func (m Metric) IsValid() bool {
	for _, x := range Metrics() {
		if m == x {
			return true
		}
	}
	return false
}

// IsStepMetric reports whether m is measured on the visits of one step.
func (m Metric) IsStepMetric() bool {
	return m == MetricStepWaitP50 || m == MetricStepWaitMean
}

// IsMedian reports whether a day's values are summarised by their median
// rather than their mean.
func (m Metric) IsMedian() bool {
	return m == MetricStepWaitP50 || m == MetricTimeToResolveP50
}

// Direction is the way an improvement means to move its metric.
type Direction string

// The directions.
const (
	Decrease Direction = "decrease"
	Increase Direction = "increase"
)

// Criterion is an improvement's one success criterion: a metric, its scope,
// the direction it should move, the value to reach and how long to measure.
type Criterion struct {
	Metric Metric `json:"metric"`
	// Step is the scope of a step metric: the step whose visits count.
	Step string `json:"step,omitempty"`
	// Stream is the value stream whose items count; "" counts every item.
	Stream    string    `json:"stream,omitempty"`
	Direction Direction `json:"direction"`
	// Target is the value to reach, in the metric's unit (seconds for
	// times).
	Target float64 `json:"target"`
	// Window is the length of the evaluation window, and of the baseline
	// window before approval: whole calendar days.
	Window Duration `json:"window"`
}

// MinWindow is the shortest evaluation window: the test compares days, and
// a week is the least that spreads over the days of the week.
const MinWindow = 7 * 24 * time.Hour

// Validate checks the criterion. Errors are ErrInvalid naming the field at
// fault.
func (c Criterion) Validate() error {
	names := make([]string, 0, len(Metrics()))
	for _, m := range Metrics() {
		names = append(names, string(m))
	}
	switch {
	case !c.Metric.IsValid():
		return FieldErrorf("metric", "%q: want one of %s", c.Metric, strings.Join(names, ", "))
	case c.Metric.IsStepMetric() && c.Step == "":
		return FieldErrorf("step", "%s needs a step", c.Metric)
	case c.Direction != Decrease && c.Direction != Increase:
		return FieldErrorf("direction", "%q: want decrease or increase", c.Direction)
	case math.IsNaN(c.Target) || math.IsInf(c.Target, 0):
		return FieldErrorf("target", "want a finite number")
	case c.Window.IsBusiness():
		return FieldErrorf("window", "%v: want calendar days (7d, 2w), as the test counts calendar days", c.Window)
	case c.Window.Calendar < MinWindow || c.Window.Calendar%(24*time.Hour) != 0:
		return FieldErrorf("window", "%v: want whole days, at least 7d", c.Window)
	}
	return nil
}

// Evaluation is the outcome of measuring a criterion: the mean of the daily
// values before and after (0 for a side without days), their difference
// with its 95 % confidence interval, how many days each side had, and the
// one-sided p-value.
type Evaluation struct {
	Baseline float64 `json:"baseline"`
	Post     float64 `json:"post"`
	Effect   float64 `json:"effect"` // Post − Baseline
	// EffectCI95 is the 95 % confidence interval of Effect, null when
	// there is no variance to estimate it from (one day on a side).
	EffectCI95 *[2]float64 `json:"effect_ci95"`
	Days       [2]int      `json:"days"` // baseline, post
	// T and DF are Welch's statistic and its degrees of freedom (0 when
	// there is no variance to test against).
	T           float64 `json:"t"`
	DF          float64 `json:"df"`
	PValue      float64 `json:"p_value"`
	MeetsTarget bool    `json:"meets_target"`
	Significant bool    `json:"significant"`
	Validated   bool    `json:"validated"`
	Method      string  `json:"method"`
	// From and To bound the evaluation window; Measured is when it was
	// measured.
	From     time.Time `json:"from,omitzero"`
	To       time.Time `json:"to,omitzero"`
	Measured time.Time `json:"measured,omitzero"`
}

// Baseline is the criterion's metric measured over the window that ends
// when the improvement was approved: one value per day with data.
type Baseline struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Values   []float64 `json:"values"`
	Mean     float64   `json:"mean"`
	Measured time.Time `json:"measured"`
}

// Source types: what motivated an improvement.
const (
	SourceItem       = "item"       // a work item, e.g. an incident review (restoration step 7)
	SourceFeedback   = "feedback"   // a feedback entry from a requester or an agent
	SourceBottleneck = "bottleneck" // the top bottleneck of a stream's flow analytics
)

// Source is one thing that motivated an improvement.
type Source struct {
	Type string `json:"type"`
	Ref  string `json:"ref"` // item id, feedback id, or "STREAM/STEP"
	Note string `json:"note,omitempty"`
}

// Final outcomes of an improvement.
const (
	OutcomeValidated    = "validated"
	OutcomeNotValidated = "not_validated"
	OutcomeRejected     = "rejected"
)

// Improvement is an improvement's register entry. The title and the item's
// state live on the work item; WSJF inputs are its cost_of_delay and size.
type Improvement struct {
	Item            string    `json:"item"`
	ProblemObserved string    `json:"problem_observed"`
	ProposedAction  string    `json:"proposed_action"`
	ExpectedOutcome string    `json:"expected_outcome,omitempty"`
	Stream          string    `json:"stream,omitempty"` // the value stream it concerns
	Step            string    `json:"step,omitempty"`   // and the step
	Owner           string    `json:"owner"`            // a person
	TargetDate      time.Time `json:"target_date,omitzero"`
	Criterion       Criterion `json:"criterion"`
	Sources         []Source  `json:"sources,omitempty"`
	// Baseline is set once, when the improvement is approved.
	Baseline *Baseline `json:"baseline,omitempty"`
	// Evaluation is set once, at the end of the evaluation window.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
}

// Validate checks the register fields. Errors are ErrInvalid naming the
// field at fault.
func (m *Improvement) Validate() error {
	if strings.TrimSpace(m.ProblemObserved) == "" {
		return FieldErrorf("problem_observed", "missing; say what was seen that needs improving")
	}
	if strings.TrimSpace(m.ProposedAction) == "" {
		return FieldErrorf("proposed_action", "missing; say what to change")
	}
	if m.Owner == "" {
		return FieldErrorf("owner", "missing; an improvement has a named owner")
	}
	if m.Step != "" && m.Stream == "" {
		return FieldErrorf("stream", "a step is named; name its value stream too")
	}
	if err := m.Criterion.Validate(); err != nil {
		e := err.(*Error)
		return FieldErrorf("criterion."+e.Field, "%s", e.Message)
	}
	for i, s := range m.Sources {
		switch s.Type {
		case SourceItem, SourceFeedback, SourceBottleneck:
		default:
			return FieldErrorf(fmt.Sprintf("sources[%d].type", i), "%q: want item, feedback or bottleneck", s.Type)
		}
		if s.Ref == "" {
			return FieldErrorf(fmt.Sprintf("sources[%d].ref", i), "missing")
		}
	}
	return nil
}

// Improvement events.
const (
	// EventBaselineCaptured records the baseline of an improvement's
	// criterion, measured when it was approved.
	EventBaselineCaptured EventType = "baseline_captured"
	// EventImprovementEvaluated records the measurement at the end of the
	// evaluation window; After is validated or not_validated.
	EventImprovementEvaluated EventType = "improvement_evaluated"
	// EventRegisterChanged records a change to register fields.
	EventRegisterChanged EventType = "register_changed"
)

// The register's commands. They are the desk's and the evaluation job's,
// run as the system (baseline, evaluation) or by the person changing the
// register; the API does not offer them as item actions.
type (
	// RecordBaseline records that the criterion's baseline was measured:
	// its mean over Days days.
	RecordBaseline struct {
		Mean float64
		Days int
	}
	// RecordEvaluation records the measurement at the end of the window
	// and completes the current step (measuring) with Outcome, validated
	// or not_validated, as the system.
	RecordEvaluation struct {
		Outcome string
		PValue  float64
	}
	// ChangeRegister records that register fields changed; their values
	// live in the register entry beside the log.
	ChangeRegister struct{ Fields []string }
)

func (RecordBaseline) commandName() string   { return "record_baseline" }
func (RecordEvaluation) commandName() string { return "record_evaluation" }
func (ChangeRegister) commandName() string   { return "change_register" }

func (d *decision) recordBaseline(c RecordBaseline) error {
	if d.w.Kind != KindImprovement {
		return Errorf(ErrConflict, "%s is not an improvement", d.w.ID)
	}
	return d.emit(EventBaselineCaptured, d.step(), func(e *Event) {
		e.Actor = SystemActor
		e.After = strconv.FormatFloat(c.Mean, 'g', 9, 64)
		e.Data.Other = strconv.Itoa(c.Days) + " days"
	})
}

func (d *decision) recordEvaluation(c RecordEvaluation) error {
	if d.w.Kind != KindImprovement {
		return Errorf(ErrConflict, "%s is not an improvement", d.w.ID)
	}
	v, st, err := d.visit("record the evaluation of")
	if err != nil {
		return err
	}
	if !slices.Contains(st.Outcomes, c.Outcome) {
		return Errorf(ErrConflict, "step %q of %s has no outcome %q; it is not where an improvement is measured", st.ID, d.w.ID, c.Outcome)
	}
	if err := d.emit(EventImprovementEvaluated, st.ID, func(e *Event) {
		e.Actor = SystemActor
		e.After = c.Outcome
		e.Data.Other = "p=" + strconv.FormatFloat(c.PValue, 'g', 4, 64)
	}); err != nil {
		return err
	}
	d.env.Actor = Actor{ID: SystemActor}
	if v.State == Blocked {
		if err := d.resume(); err != nil {
			return err
		}
	}
	if d.w.Visit.State == Queued {
		if err := d.start(Start{Person: SystemActor}); err != nil {
			return err
		}
	}
	return d.complete(c.Outcome, false)
}

func (d *decision) changeRegister(c ChangeRegister) error {
	if d.w.Kind != KindImprovement {
		return Errorf(ErrConflict, "%s is not an improvement", d.w.ID)
	}
	if len(c.Fields) == 0 {
		return Errorf(ErrInvalid, "no register field changed")
	}
	return d.emit(EventRegisterChanged, d.step(), func(e *Event) { e.Data.Field = strings.Join(c.Fields, ",") })
}
