package improve

import (
	"context"
	"fmt"
	"math"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/eventlog"
	"github.com/svcflow/svcflow/internal/flow"
)

// Pass is what one run of the register's job did.
type Pass struct {
	Baselines   []string `json:"baselines"`   // improvements whose baseline it captured
	Evaluations []string `json:"evaluations"` // improvements it evaluated
	// Problems are improvements it could not measure, with why; the job
	// tries them again on its next run.
	Problems []string `json:"problems"`
}

// Run measures what the register is waiting for, as of the desk's clock:
// the baseline of each improvement approved without one, over the window
// that ends at its approval, and the evaluation of each improvement whose
// evaluation window (from when it entered measuring) has ended, which
// completes its measuring step as validated or not_validated. Each is
// recorded once: a record that loses a race to another instance is a
// conflict and is left to the winner. The event log is read only when
// there is something to measure.
func Run(ctx context.Context, d *desk.Desk) (Pass, error) {
	p := Pass{Baselines: []string{}, Evaluations: []string{}, Problems: []string{}}
	reg, err := d.Register(ctx, desk.System)
	if err != nil {
		return p, err
	}
	now := d.Now()
	type job struct {
		v        *desk.ImprovementView
		from, to time.Time
		baseline bool
	}
	var jobs []job
	for _, v := range reg {
		r, w := v.Register, v.Item
		switch {
		case r.Baseline == nil && w.Status != svcflow.StatusCancelled:
			events, err := d.Store().ItemEvents(ctx, w.ID)
			if err != nil {
				return p, fmt.Errorf("events of %s: %w", w.ID, err)
			}
			if at, ok := approvedAt(events); ok {
				jobs = append(jobs, job{v: v, from: at.Add(-r.Criterion.Window.Calendar), to: at, baseline: true})
			}
		case r.Baseline != nil && r.Evaluation == nil && w.Visit != nil && w.Visit.Step == desk.StepMeasuring:
			if end := w.Visit.Entered.Add(r.Criterion.Window.Calendar); !now.Before(end) {
				jobs = append(jobs, job{v: v, from: w.Visit.Entered, to: end})
			}
		}
	}
	if len(jobs) == 0 {
		return p, nil
	}
	l, err := eventlog.ReadItemLog(func(after int64) ([]svcflow.Event, error) { return d.Store().Events(ctx, after, 5000) })
	if err != nil {
		return p, fmt.Errorf("read the event log: %w", err)
	}
	opt := flow.LiveOptions(now.UnixNano())
	for _, j := range jobs {
		id, r := j.v.Item.ID, j.v.Register
		values, err := DailyValues(l, r.Criterion, j.from, j.to, opt)
		if err != nil {
			p.Problems = append(p.Problems, fmt.Sprintf("%s: measure %s: %v", id, r.Criterion.Metric, err))
			continue
		}
		record := func(version int) error {
			if j.baseline {
				mean, _, _ := meanVar(values)
				_, err := d.CaptureBaseline(ctx, id, version, svcflow.Baseline{From: j.from, To: j.to, Values: values, Mean: mean, Measured: now})
				return err
			}
			e := Evaluate(r.Criterion, r.Baseline.Values, values)
			e.From, e.To, e.Measured = j.from, j.to, now
			_, err := d.RecordEvaluation(ctx, id, version, e)
			return err
		}
		err = record(j.v.Item.Version)
		// Another event on the item (an SLA warning, a comment) changes its
		// version, not what was measured: the windows end in the past. So
		// record again on the new version, unless the record is there now
		// or the item has left the step it was measured in.
		for attempt := 0; svcflow.ErrorCodeOf(err) == svcflow.ErrConflict && attempt < 3; attempt++ {
			cur, lerr := d.Improvement(ctx, desk.System, id)
			if lerr != nil {
				return p, lerr
			}
			if j.baseline && cur.Register.Baseline != nil || !j.baseline && (cur.Register.Evaluation != nil ||
				cur.Item.Visit == nil || cur.Item.Visit.Step != desk.StepMeasuring || !cur.Item.Visit.Entered.Equal(j.from)) {
				break
			}
			err = record(cur.Item.Version)
		}
		switch {
		case svcflow.ErrorCodeOf(err) == svcflow.ErrConflict:
			continue // recorded by another instance, or moved on: the next run sees
		case err != nil:
			return p, err
		case j.baseline:
			p.Baselines = append(p.Baselines, id)
		default:
			p.Evaluations = append(p.Evaluations, id)
		}
	}
	return p, nil
}

// approvedAt returns when an improvement last passed its approval step.
func approvedAt(events []svcflow.Event) (time.Time, bool) {
	var at time.Time
	for _, e := range events {
		if e.Type == svcflow.EventStepCompleted && e.Step == desk.StepApproved && e.Data.Outcome == svcflow.Approved {
			at = e.Time
		}
	}
	return at, !at.IsZero()
}

// FromBottleneck drafts an improvement on the step the flow analytics rank
// first among a stream's bottlenecks (SPEC §3 bottleneck score), measured
// over the items of the stream the log holds: the problem observed with
// its evidence, and a criterion to cut that step's median wait by a fifth
// over window. The caller adds the proposed action and may change the
// rest. Errors: ErrInvalid when the stream has no items or no step with a
// score.
func FromBottleneck(l *eventlog.Log, stream string, asOf time.Time, window time.Duration) (desk.RaiseInput, error) {
	sel := l.SelectItems(eventlog.ItemFilter{Stream: stream})
	if sel.Events() == 0 {
		return desk.RaiseInput{}, svcflow.FieldErrorf("stream", "value stream %s has no work items to measure", stream)
	}
	m, err := flow.Measure(sel, flow.LiveOptions(asOf.UnixNano()))
	if err != nil {
		return desk.RaiseInput{}, svcflow.Errorf(svcflow.ErrInvalid, "measure %s: %v", stream, err)
	}
	var top *flow.Bottleneck
	for i := range m.Bottlenecks.Steps {
		if b := &m.Bottlenecks.Steps[i]; b.Rank == 1 && b.Score != nil {
			top = b
		}
	}
	if top == nil {
		return desk.RaiseInput{}, svcflow.FieldErrorf("stream", "value stream %s has no step with a bottleneck score yet", stream)
	}
	target := 0.0
	evidence := fmt.Sprintf("Step %s ranks first among the bottlenecks of %s (score %.2f", top.Activity, stream, *top.Score)
	if top.WaitShare != nil {
		evidence += fmt.Sprintf(", %.0f %% of the stream's wait", 100**top.WaitShare)
	}
	if top.Utilization != nil {
		evidence += fmt.Sprintf(", team %s %.0f %% utilised", top.Team, 100**top.Utilization)
	}
	if top.P85Wait != nil {
		evidence += fmt.Sprintf(", p85 wait %s", time.Duration(*top.P85Wait*1e9).Round(time.Minute))
	}
	evidence += ")."
	for _, a := range m.Steps {
		if a.Activity == top.Activity && a.Wait != nil && a.Wait.P50 != nil {
			target = math.Round(0.8 * *a.Wait.P50)
		}
	}
	return desk.RaiseInput{
		Title: "Cut the wait at " + top.Activity,
		Register: svcflow.Improvement{
			ProblemObserved: evidence,
			Stream:          stream,
			Step:            top.Activity,
			Criterion: svcflow.Criterion{Metric: svcflow.MetricStepWaitP50, Step: top.Activity, Stream: stream,
				Direction: svcflow.Decrease, Target: target, Window: svcflow.Duration{Calendar: window}},
			Sources: []svcflow.Source{{Type: svcflow.SourceBottleneck, Ref: stream + "/" + top.Activity, Note: evidence}},
		},
	}, nil
}
