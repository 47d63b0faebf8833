package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Improvements stores the continual improvement register: one entry per
// improvement work item, written by Append with the item's events
// (Change.Improvement), so an entry and the events that made it always
// agree.
type Improvements interface {
	// Improvement returns the entry of an improvement item, or ErrNotFound.
	Improvement(ctx context.Context, item string) (*svcflow.Improvement, error)
	// Improvements returns every entry, newest item first.
	Improvements(ctx context.Context) ([]*svcflow.Improvement, error)
}

// The continual-improvement stream's steps the register follows (SPEC §2).
const (
	StepApproved  = "approved"
	StepMeasuring = "measuring"
)

// RaiseInput is a new improvement: the work item's title and WSJF inputs,
// and its register entry (whose Item, Baseline and Evaluation are set by
// svcflow).
type RaiseInput struct {
	Title       string
	Description string
	Service     string
	CostOfDelay int
	Size        svcflow.Duration
	Register    svcflow.Improvement
}

// ImprovementView is an improvement as the register shows it.
type ImprovementView struct {
	View
	Register *svcflow.Improvement
	// Outcome is validated, not_validated or rejected once it is decided.
	Outcome string
}

// RaiseImprovement opens an improvement in the continual-improvement
// stream (routed as every improvement is) with its register entry, in one
// transaction; work items among its sources are linked as raised-from.
// Agents and up raise improvements. Errors: ErrForbidden, ErrInvalid
// naming the field.
func (d *Desk) RaiseImprovement(ctx context.Context, actor *svcflow.Person, in RaiseInput) (*ImprovementView, error) {
	if !actor.Role.AtLeast(svcflow.RoleAgent) {
		return nil, svcflow.Errorf(svcflow.ErrForbidden, "agents, managers and admins raise improvements")
	}
	reg := in.Register
	reg.Item, reg.Baseline, reg.Evaluation = "", nil, nil
	if reg.Owner == "" {
		reg.Owner = actor.ID
	}
	if reg.Criterion.Stream == "" {
		reg.Criterion.Stream = reg.Stream
	}
	if err := d.checkRegister(ctx, &reg); err != nil {
		return nil, err
	}
	var links []svcflow.Link
	for i, s := range reg.Sources {
		if s.Type == svcflow.SourceFeedback {
			if _, err := d.store.FeedbackEntry(ctx, s.Ref); errors.Is(err, ErrNotFound) {
				return nil, svcflow.FieldErrorf(fmt.Sprintf("sources[%d].ref", i), "no feedback %s", s.Ref)
			} else if err != nil {
				return nil, err
			}
		}
		if s.Type != svcflow.SourceItem {
			continue
		}
		if _, err := d.store.Item(ctx, s.Ref); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, svcflow.FieldErrorf(fmt.Sprintf("sources[%d].ref", i), "no work item %s", s.Ref)
			}
			return nil, err
		}
		links = append(links, svcflow.Link{Type: svcflow.LinkRaisedFrom, Other: s.Ref})
	}
	var watchers []string
	if reg.Owner != actor.ID {
		watchers = []string{reg.Owner} // the owner follows it, and may change its entry
	}
	v, err := d.open(ctx, actor, OpenInput{Kind: svcflow.KindImprovement, Title: in.Title, Description: in.Description,
		Service: in.Service, CostOfDelay: in.CostOfDelay, Size: in.Size, Watchers: watchers}, links, func(c *Change) {
		reg.Item = c.Item.ID
		c.Improvement = &reg
	})
	if err != nil {
		return nil, err
	}
	return &ImprovementView{View: *v, Register: &reg}, nil
}

// checkRegister validates an entry against the directory and the streams.
func (d *Desk) checkRegister(ctx context.Context, reg *svcflow.Improvement) error {
	if err := reg.Validate(); err != nil {
		return err
	}
	for field, text := range map[string]string{"problem_observed": reg.ProblemObserved,
		"proposed_action": reg.ProposedAction, "expected_outcome": reg.ExpectedOutcome} {
		if err := checkText(field, text); err != nil {
			return err
		}
		if len(text) > 8<<10 {
			return svcflow.FieldErrorf(field, "%d bytes; at most 8192", len(text))
		}
	}
	if _, err := d.store.Person(ctx, reg.Owner); err != nil {
		if errors.Is(err, ErrNotFound) {
			return svcflow.FieldErrorf("owner", "no person %q", reg.Owner)
		}
		return err
	}
	latest, err := d.latestStreams(ctx)
	if err != nil {
		return err
	}
	check := func(field, stream, step string) error {
		if stream == "" {
			return nil
		}
		i := slices.IndexFunc(latest, func(s *svcflow.ValueStream) bool { return s.ID == stream })
		if i < 0 {
			return svcflow.FieldErrorf(field, "no value stream %q", stream)
		}
		if step != "" && latest[i].Step(step) == nil {
			return svcflow.FieldErrorf(strings.Replace(field, "stream", "step", 1), "value stream %s has no step %q", stream, step)
		}
		return nil
	}
	if err := check("stream", reg.Stream, reg.Step); err != nil {
		return err
	}
	return check("criterion.stream", reg.Criterion.Stream, reg.Criterion.Step)
}

// Improvement returns an improvement with its register entry (agents and
// up; others get not found). Errors: ErrNotFound.
func (d *Desk) Improvement(ctx context.Context, actor *svcflow.Person, id string) (*ImprovementView, error) {
	if !actor.Role.AtLeast(svcflow.RoleAgent) {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no improvement %s", id)
	}
	// Every agent may read the register; acting on the item itself follows
	// the usual visibility rules.
	w, c, err := d.store.ItemView(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no improvement %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", id, err)
	}
	v := &View{Item: w, Content: c}
	reg, err := d.store.Improvement(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no improvement %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load improvement %s: %w", id, err)
	}
	return &ImprovementView{View: *v, Register: reg, Outcome: outcomeOf(v.Item, reg)}, nil
}

// Register returns the whole register, newest first (agents and up; the
// register is how a desk learns, so every agent may read it). Errors:
// ErrForbidden.
func (d *Desk) Register(ctx context.Context, actor *svcflow.Person) ([]*ImprovementView, error) {
	if !actor.Role.AtLeast(svcflow.RoleAgent) {
		return nil, svcflow.Errorf(svcflow.ErrForbidden, "the improvement register is for agents, managers and admins")
	}
	regs, err := d.store.Improvements(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the register: %w", err)
	}
	out := make([]*ImprovementView, 0, len(regs))
	ids := make([]string, len(regs))
	for i, r := range regs {
		ids[i] = r.Item
	}
	contents, err := d.store.ItemContents(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		w, err := d.store.Item(ctx, r.Item)
		if err != nil {
			return nil, fmt.Errorf("load improvement %s: %w", r.Item, err)
		}
		out = append(out, &ImprovementView{View: View{Item: w, Content: contents[r.Item]}, Register: r, Outcome: outcomeOf(w, r)})
	}
	return out, nil
}

// outcomeOf is an improvement's final outcome: its evaluation's, or
// rejected when it was cancelled before being measured.
func outcomeOf(w *svcflow.WorkItem, r *svcflow.Improvement) string {
	switch {
	case r.Evaluation != nil && r.Evaluation.Validated:
		return svcflow.OutcomeValidated
	case r.Evaluation != nil:
		return svcflow.OutcomeNotValidated
	case w.Status == svcflow.StatusCancelled:
		return svcflow.OutcomeRejected
	}
	return ""
}

// RegisterPatch changes register fields; nil leaves a field alone.
type RegisterPatch struct {
	ProblemObserved *string
	ProposedAction  *string
	ExpectedOutcome *string
	Owner           *string
	TargetDate      *time.Time
	Criterion       *svcflow.Criterion
}

// UpdateImprovement changes register fields at the expected version (0:
// the latest). The criterion is fixed once its baseline is captured: moving
// the goal after measuring would make the test meaningless. Errors:
// ErrForbidden, ErrNotFound, ErrConflict, ErrInvalid naming the field.
func (d *Desk) UpdateImprovement(ctx context.Context, actor *svcflow.Person, id string, expected int, p RegisterPatch) (*ImprovementView, error) {
	cur, err := d.Improvement(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	w := cur.Item
	if !actor.Role.AtLeast(svcflow.RoleManager) && actor.ID != cur.Register.Owner && actor.ID != w.RequestedBy &&
		!slices.ContainsFunc(w.Teams, func(t string) bool { return slices.Contains(actor.Teams, t) }) {
		return nil, svcflow.Errorf(svcflow.ErrForbidden, "the register entry of %s is changed by its owner, who raised it, its team, or a manager", id)
	}
	reg := *cur.Register
	var fields []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst = *v
			fields = append(fields, name)
		}
	}
	set("problem_observed", &reg.ProblemObserved, p.ProblemObserved)
	set("proposed_action", &reg.ProposedAction, p.ProposedAction)
	set("expected_outcome", &reg.ExpectedOutcome, p.ExpectedOutcome)
	set("owner", &reg.Owner, p.Owner)
	if p.TargetDate != nil && !p.TargetDate.Equal(reg.TargetDate) {
		reg.TargetDate = *p.TargetDate
		fields = append(fields, "target_date")
	}
	if p.Criterion != nil && *p.Criterion != reg.Criterion {
		if reg.Baseline != nil {
			return nil, svcflow.FieldErrorf("criterion", "the baseline of %s was captured on %s; the criterion can no longer change",
				id, reg.Baseline.Measured.Format("2006-01-02"))
		}
		reg.Criterion = *p.Criterion
		fields = append(fields, "criterion")
	}
	if err := d.checkRegister(ctx, &reg); err != nil {
		return nil, err
	}
	v, err := d.actWith(ctx, actor, id, expected, svcflow.ChangeRegister{Fields: fields}, func(c *Change) { c.Improvement = &reg })
	if err != nil {
		return nil, err
	}
	return &ImprovementView{View: *v, Register: &reg, Outcome: outcomeOf(v.Item, &reg)}, nil
}

// System is who background jobs act as: the engine itself.
var System = &svcflow.Person{ID: svcflow.SystemActor, Role: svcflow.RoleAdmin}

// CaptureBaseline records an improvement's baseline, once, at the version
// it was measured on (the job measures, then records). Errors: ErrNotFound,
// ErrConflict when it is captured already or the item changed meanwhile.
func (d *Desk) CaptureBaseline(ctx context.Context, id string, version int, b svcflow.Baseline) (*ImprovementView, error) {
	cur, err := d.Improvement(ctx, System, id)
	if err != nil {
		return nil, err
	}
	if cur.Register.Baseline != nil {
		return nil, svcflow.Errorf(svcflow.ErrConflict, "the baseline of %s is captured already", id)
	}
	reg := *cur.Register
	reg.Baseline = &b
	v, err := d.actWith(ctx, System, id, version, svcflow.RecordBaseline{Mean: b.Mean, Days: len(b.Values)},
		func(c *Change) { c.Improvement = &reg })
	if err != nil {
		return nil, err
	}
	return &ImprovementView{View: *v, Register: &reg}, nil
}

// RecordEvaluation records an improvement's evaluation and completes its
// measuring step with the outcome it gives, as the system, in one
// transaction at the version it was measured on. Errors: ErrNotFound,
// ErrConflict when it is evaluated already, not measuring, or changed.
func (d *Desk) RecordEvaluation(ctx context.Context, id string, version int, e svcflow.Evaluation) (*ImprovementView, error) {
	cur, err := d.Improvement(ctx, System, id)
	if err != nil {
		return nil, err
	}
	if cur.Register.Evaluation != nil {
		return nil, svcflow.Errorf(svcflow.ErrConflict, "%s is evaluated already", id)
	}
	reg := *cur.Register
	reg.Evaluation = &e
	outcome := svcflow.OutcomeNotValidated
	if e.Validated {
		outcome = svcflow.OutcomeValidated
	}
	v, err := d.actWith(ctx, System, id, version, svcflow.RecordEvaluation{Outcome: outcome, PValue: e.PValue},
		func(c *Change) { c.Improvement = &reg })
	if err != nil {
		return nil, err
	}
	return &ImprovementView{View: *v, Register: &reg, Outcome: outcome}, nil
}
