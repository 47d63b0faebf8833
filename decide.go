package svcflow

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Actor is who issues a command: a person id (or SystemActor) with the roles
// and teams that decide what they may approve.
type Actor struct {
	ID    string
	Roles []string
	Teams []string
}

// Env is what a decision needs besides the item: the time, the actor, the
// item's value stream (at the item's revision), and for spawning, the
// streams by id and a source of new ids. Children holds the spawned items
// the current step waits for, loaded by the caller.
type Env struct {
	Now      time.Time
	Actor    Actor
	Stream   *ValueStream
	Streams  func(id string) *ValueStream
	NewID    func(Kind) (string, error)
	Matrix   *PriorityMatrix // nil means DefaultPriorityMatrix
	Children map[string]*WorkItem
	History  []Event // the item's events, for reclassification in link mode
}

func (env Env) matrix() PriorityMatrix {
	if env.Matrix != nil {
		return *env.Matrix
	}
	return DefaultPriorityMatrix
}

// Result is what a decision causes: the item's new state and its new
// events (versions assigned, in order), and any items it spawned.
type Result struct {
	Item    *WorkItem
	Events  []Event
	Spawned []Result
}

// maxAutomatedSteps bounds the steps one command may pass through without a
// person, so a loop of automated steps is an error, not a hang.
const maxAutomatedSteps = 64

// decision accumulates the events of one command, applying each to a copy
// of the item as it goes so later rules see the state earlier events made.
type decision struct {
	env     Env
	w       *WorkItem
	events  []Event
	spawned []Result
	entered int
}

func newDecision(w *WorkItem, env Env) *decision {
	return &decision{env: env, w: w.Clone()}
}

func (d *decision) emit(t EventType, step string, set func(e *Event)) error {
	e := Event{Item: d.w.ID, Version: d.w.Version + 1, Time: d.env.Now, Actor: d.env.Actor.ID, Type: t, Step: step}
	if step != "" && d.env.Stream != nil {
		if st := d.env.Stream.Step(step); st != nil {
			e.Activity = st.Activity
		}
	}
	if set != nil {
		set(&e)
	}
	if err := d.w.Apply(e); err != nil {
		return Errorf(ErrInternal, "%v", err)
	}
	d.events = append(d.events, e)
	return nil
}

func (d *decision) result() (Result, error) {
	return Result{Item: d.w, Events: d.events, Spawned: d.spawned}, nil
}

func (d *decision) setStatus(to Status, reason string) error {
	from := d.w.Status
	if from == to {
		return nil
	}
	first := to == StatusResolved && d.w.FirstResolved.IsZero()
	if err := d.emit(EventStatusChanged, "", func(e *Event) {
		e.Before, e.After = string(from), string(to)
		e.Data.Reason = reason
	}); err != nil {
		return err
	}
	if first && d.env.Stream.AsksFeedback(d.w.ID) {
		return d.emit(EventFeedbackRequested, "", func(e *Event) {
			e.Actor = SystemActor
			e.Data.Person = d.w.RequestedBy
		})
	}
	return nil
}

// OpenRequest is what a new work item starts with. Routing has chosen
// Env.Stream already; Entry names an entry point ("" for the usual one).
type OpenRequest struct {
	ID           string
	Kind         Kind
	Category     string
	Service      string
	Organisation string
	Impact       int
	Urgency      int
	CostOfDelay  int      // 1–10, optional
	Size         Duration // optional
	RequestedBy  string
	RequestedFor string
	Watchers     []string
	Entry        string
}

// Open decides the creation of a work item: created, then the visit of its
// entry step (and whatever automated steps and approvals follow at once).
func Open(env Env, req OpenRequest) (Result, error) {
	if env.Stream == nil {
		return Result{}, Errorf(ErrInvalid, "no value stream for the new item")
	}
	if !req.Kind.IsValid() {
		return Result{}, FieldErrorf("kind", "unknown kind %q; expected one of %s", req.Kind, strings.Join(KindIDs(), ", "))
	}
	if req.ID == "" {
		return Result{}, Errorf(ErrInternal, "open: no id")
	}
	if req.Impact == 0 {
		req.Impact = 3
	}
	if req.Urgency == 0 {
		req.Urgency = 3
	}
	prio, err := env.matrix().Priority(req.Impact, req.Urgency)
	if err != nil {
		return Result{}, err
	}
	if req.RequestedBy == "" {
		return Result{}, FieldErrorf("requested_by", "missing requester")
	}
	if req.CostOfDelay < 0 || req.CostOfDelay > 10 {
		return Result{}, FieldErrorf("cost_of_delay", "cost of delay %d; expected 1 to 10", req.CostOfDelay)
	}
	if req.Size.Calendar < 0 || req.Size.BusinessDays < 0 {
		return Result{}, FieldErrorf("size", "size %s is not positive", req.Size)
	}
	if req.RequestedFor == "" {
		req.RequestedFor = req.RequestedBy
	}
	entry, ok := env.Stream.Entry(req.Entry)
	if !ok {
		return Result{}, noEntry(env.Stream, req.Entry)
	}
	d := newDecision(&WorkItem{ID: req.ID}, env)
	err = d.emit(EventCreated, "", func(e *Event) {
		e.Data = EventData{
			Kind: req.Kind, Stream: env.Stream.ID, StreamRevision: env.Stream.Revision,
			Category: req.Category, Service: req.Service, Organisation: req.Organisation,
			Impact: req.Impact, Urgency: req.Urgency, Priority: prio, CostOfDelay: req.CostOfDelay, Size: req.Size,
			RequestedBy: req.RequestedBy, RequestedFor: req.RequestedFor, Entry: req.Entry,
		}
	})
	if err != nil {
		return Result{}, err
	}
	for _, p := range req.Watchers {
		if err := d.emit(EventWatcherAdded, "", func(e *Event) { e.Data.Person = p }); err != nil {
			return Result{}, err
		}
	}
	if err := d.enter(entry.ID); err != nil {
		return Result{}, err
	}
	return d.result()
}

// Command is an action on an existing work item.
type Command interface{ commandName() string }

// The commands. Each is validated by Decide; a rejected command causes no
// event.
type (
	Start struct {
		Person string // defaults to the actor
	}
	Complete struct {
		Outcome string
	}
	Resolve struct {
		Outcome string
	}
	Pause struct {
		Reason string
	}
	Resume   struct{}
	Requeue  struct{ Reason string }
	Escalate struct {
		Team   string
		Reason string
	}
	Assign struct {
		Person string
		Team   string
	}
	Approve struct{}
	Reject  struct{ Reason string }
	Close   struct{ Reason string }
	Reopen  struct{ Reason string }
	// Reclassify changes the kind in place, or with Link opens a new item
	// of the kind that takes over the creation time and the current visit,
	// and ends this one (SPEC §3).
	Reclassify struct {
		Kind Kind
		Link bool
	}
	Cancel struct{ Reason string }
	// Reroute moves the item to another value stream, at its latest
	// revision: the current visit ends (rerouted) and the item enters the
	// new stream at Entry ("" for the usual first step).
	Reroute struct {
		Stream string
		Entry  string
		Reason string
	}
	Duplicate struct{ Of string }
	Swarm     struct {
		Person string
		Leave  bool
	}
	AddComment struct {
		ID     string // the comment row holding the text
		Public bool
	}
	// GiveFeedback is the requester's satisfaction; ID names the feedback
	// entry that holds the comment, if any.
	GiveFeedback struct {
		Score int
		ID    string
	}
	// GiveAgentFeedback is feedback from someone who worked the item;
	// Score is optional (0).
	GiveAgentFeedback struct {
		Score int
		ID    string
	}
	// Attach records a file added to the item; the bytes and the name live
	// beside the log.
	Attach struct{ ID string }
	// RecordSLA records that an SLA clock crossed its warning or breach
	// threshold (the SLA ticker's command, run as the system).
	RecordSLA struct{ Crossing SLACrossing }
	DoTask    struct{ Task string }
	Watch     struct{ Person string }
	AddLink   struct {
		Type  string
		Other string
	}
	// Update changes fields; nil pointers leave a field alone. Title and
	// Description say the free text changed: the text itself lives beside
	// the log, so the event records only that it changed.
	Update struct {
		Impact       *int
		Urgency      *int
		Category     *string
		Service      *string
		RequestedFor *string
		CostOfDelay  *int
		Size         *Duration
		Title        bool
		Description  bool
	}
)

func (Start) commandName() string             { return "start" }
func (Complete) commandName() string          { return "complete" }
func (Resolve) commandName() string           { return "resolve" }
func (Pause) commandName() string             { return "pause" }
func (Resume) commandName() string            { return "resume" }
func (Requeue) commandName() string           { return "requeue" }
func (Escalate) commandName() string          { return "escalate" }
func (Assign) commandName() string            { return "assign" }
func (Approve) commandName() string           { return "approve" }
func (Reject) commandName() string            { return "reject" }
func (Close) commandName() string             { return "close" }
func (Reopen) commandName() string            { return "reopen" }
func (Reclassify) commandName() string        { return "reclassify" }
func (Reroute) commandName() string           { return "reroute" }
func (Cancel) commandName() string            { return "cancel" }
func (Duplicate) commandName() string         { return "duplicate" }
func (Swarm) commandName() string             { return "swarm" }
func (AddComment) commandName() string        { return "comment" }
func (GiveFeedback) commandName() string      { return "feedback" }
func (GiveAgentFeedback) commandName() string { return "agent_feedback" }
func (DoTask) commandName() string            { return "task" }
func (Attach) commandName() string            { return "attach" }
func (RecordSLA) commandName() string         { return "sla" }
func (Watch) commandName() string             { return "watch" }
func (AddLink) commandName() string           { return "link" }
func (Update) commandName() string            { return "update" }

// CommandName returns the name of a command as the API spells it.
func CommandName(c Command) string { return c.commandName() }

// Decide decides a command on an item: the events it causes, or an error
// saying why it is refused (and then nothing changes).
func Decide(w *WorkItem, env Env, cmd Command) (Result, error) {
	if env.Stream == nil || env.Stream.ID != w.Stream {
		return Result{}, Errorf(ErrInternal, "decide %s on %s: stream %s not given", cmd.commandName(), w.ID, w.Stream)
	}
	switch cmd.(type) {
	case AddComment, Watch, AddLink, Attach, RecordSLA, GiveAgentFeedback:
	case GiveFeedback:
		if w.Status == StatusCancelled {
			return Result{}, Errorf(ErrConflict, "%s was cancelled; there is nothing to give feedback on", w.ID)
		}
	default:
		if w.Status.IsFinal() {
			return Result{}, Errorf(ErrConflict, "%s is %s; nothing more can happen to it", w.ID, w.Status)
		}
	}
	d := newDecision(w, env)
	var err error
	switch c := cmd.(type) {
	case Start:
		err = d.start(c)
	case Complete:
		err = d.complete(c.Outcome, false)
	case Resolve:
		err = d.complete(c.Outcome, true)
	case Pause:
		err = d.pause(c)
	case Resume:
		err = d.resume()
	case Requeue:
		err = d.requeue("", orDefault(c.Reason, "requeued"))
	case Escalate:
		err = d.escalate(c)
	case Assign:
		err = d.assign(c)
	case Approve:
		err = d.decideApproval("approve", "")
	case Reject:
		err = d.decideApproval("reject", c.Reason)
	case Close:
		err = d.close(c)
	case Reopen:
		err = d.reopen(c)
	case Reclassify:
		err = d.reclassify(c)
	case Cancel:
		err = d.cancel(ExitCancelled, orDefault(c.Reason, ExitCancelled))
	case Reroute:
		err = d.reroute(c)
	case Duplicate:
		err = d.duplicate(c)
	case Swarm:
		err = d.swarm(c)
	case AddComment:
		if c.ID == "" {
			return Result{}, Errorf(ErrInternal, "comment without id")
		}
		err = d.emit(EventCommented, d.step(), func(e *Event) { e.Data.Comment, e.Data.Public = c.ID, c.Public })
	case GiveFeedback:
		err = d.feedback(c)
	case GiveAgentFeedback:
		if c.Score < 0 || c.Score > 5 {
			return Result{}, FieldErrorf("score", "score %d; expected 1 to 5, or none", c.Score)
		}
		if c.Score == 0 && c.ID == "" {
			return Result{}, FieldErrorf("comment", "agent feedback needs a score or a comment")
		}
		err = d.emit(EventAgentFeedback, d.step(), func(e *Event) { e.Data.Score, e.Data.Comment = c.Score, c.ID })
	case RecordSLA:
		x := c.Crossing
		err = d.emit(x.EventType(), d.step(), func(e *Event) {
			e.Actor = SystemActor
			e.Data.Field, e.Data.Reason, e.After = x.Clock, x.Kind, x.At.UTC().Format(time.RFC3339Nano)
		})
	case Attach:
		if c.ID == "" {
			return Result{}, Errorf(ErrInternal, "attachment without id")
		}
		err = d.emit(EventAttached, d.step(), func(e *Event) { e.Data.Other = c.ID })
	case DoTask:
		err = d.doTask(c)
	case Watch:
		if c.Person == "" {
			return Result{}, FieldErrorf("person", "missing person")
		}
		if slices.Contains(w.Watchers, c.Person) {
			return Result{}, Errorf(ErrConflict, "%s already watches %s", c.Person, w.ID)
		}
		err = d.emit(EventWatcherAdded, "", func(e *Event) { e.Data.Person = c.Person })
	case AddLink:
		err = d.link(c)
	case Update:
		err = d.update(c)
	case RecordBaseline:
		err = d.recordBaseline(c)
	case RecordEvaluation:
		err = d.recordEvaluation(c)
	case ChangeRegister:
		err = d.changeRegister(c)
	default:
		return Result{}, Errorf(ErrInternal, "unknown command %T", cmd)
	}
	if err != nil {
		return Result{}, err
	}
	if len(d.events) == 0 {
		return Result{}, Errorf(ErrConflict, "%s changes nothing on %s", cmd.commandName(), w.ID)
	}
	return d.result()
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// step returns the id of the current step, or "".
func (d *decision) step() string {
	if d.w.Visit == nil {
		return ""
	}
	return d.w.Visit.Step
}

// visit returns the current visit and its step definition, or a conflict.
func (d *decision) visit(action string) (*Visit, *Step, error) {
	v := d.w.Visit
	if v == nil {
		return nil, nil, Errorf(ErrConflict, "cannot %s %s: it is in no step (status %s)", action, d.w.ID, d.w.Status)
	}
	st := d.env.Stream.Step(v.Step)
	if st == nil {
		return nil, nil, Errorf(ErrInternal, "step %q not in stream %s revision %d", v.Step, d.env.Stream.ID, d.env.Stream.Revision)
	}
	return v, st, nil
}

func (d *decision) start(c Start) error {
	v, st, err := d.visit("start")
	if err != nil {
		return err
	}
	if st.Approval != nil {
		return Errorf(ErrConflict, "step %q is an approval; approve or reject it instead", st.ID)
	}
	switch v.State {
	case Active:
		return Errorf(ErrConflict, "step %q of %s is already started", st.ID, d.w.ID)
	case Blocked:
		return Errorf(ErrConflict, "step %q of %s is paused; resume it", st.ID, d.w.ID)
	}
	person := orDefault(c.Person, d.env.Actor.ID)
	if err := d.emit(EventStepStarted, st.ID, func(e *Event) { e.Data.Person = person }); err != nil {
		return err
	}
	if d.w.Status == StatusNew {
		return d.setStatus(StatusInProgress, "")
	}
	return nil
}

// complete ends the current visit with an outcome and follows the
// transition. With mustResolve (the resolve command) it refuses unless the
// completion resolves the item.
func (d *decision) complete(outcome string, mustResolve bool) error {
	v, st, err := d.visit("complete")
	if err != nil {
		return err
	}
	if st.Approval != nil {
		return Errorf(ErrConflict, "step %q is an approval; approve or reject it instead", st.ID)
	}
	choices := st.ChoosableOutcomes()
	switch {
	case len(choices) == 0 && outcome != "":
		return FieldErrorf("outcome", "step %q has no outcomes to choose; complete it without one", st.ID)
	case len(choices) > 0 && !slices.Contains(choices, outcome):
		msg := FieldErrorf("outcome", "outcome %q; step %q expects one of %s", outcome, st.ID, strings.Join(choices, ", "))
		if s := Suggest(outcome, choices); s != "" {
			msg.Message += " (did you mean " + strconv.Quote(s) + "?)"
		}
		return msg
	}
	t, ok := st.Follow(outcome)
	if !ok {
		return Errorf(ErrInternal, "step %q has no transition for outcome %q", st.ID, outcome)
	}
	if mustResolve && !st.Resolves && !(t.To == End && d.w.Status != StatusResolved) {
		return Errorf(ErrConflict, "completing step %q with outcome %q does not resolve %s; use complete", st.ID, outcome, d.w.ID)
	}
	if st.RequireTasks {
		var missing []string
		for _, a := range st.Actions {
			for _, task := range a.Tasks {
				if !slices.Contains(v.TasksDone, task.ID) {
					missing = append(missing, task.ID)
				}
			}
		}
		if len(missing) > 0 {
			return Errorf(ErrConflict, "step %q needs every task done first; open: %s", st.ID, strings.Join(missing, ", "))
		}
	}
	for _, id := range v.Waiting {
		child := d.env.Children[id]
		if child == nil || child.ValueReached.IsZero() && child.Status != StatusCancelled {
			return Errorf(ErrConflict, "step %q waits for %s to reach value (or be cancelled)", st.ID, id)
		}
	}
	switch v.State {
	case Blocked: // completing a paused visit resumes it at the same instant
		if err := d.resume(); err != nil {
			return err
		}
		if d.w.Visit.State == Queued {
			if err := d.start(Start{}); err != nil {
				return err
			}
		}
	case Queued:
		if err := d.start(Start{}); err != nil {
			return err
		}
	}
	return d.finish(st, outcome, t)
}

// finish writes the completion of st and moves on along t.
func (d *decision) finish(st *Step, outcome string, t Transition) error {
	if err := d.emit(EventStepCompleted, st.ID, func(e *Event) { e.Data.Outcome = outcome }); err != nil {
		return err
	}
	if st.Resolves && d.w.Status != StatusResolved {
		if err := d.setStatus(StatusResolved, ""); err != nil {
			return err
		}
	}
	for _, sp := range st.Spawn {
		if sp.When != "" && sp.When == outcome {
			if err := d.spawn(sp); err != nil {
				return err
			}
		}
	}
	return d.enter(t.To)
}

// enter starts the visit of a step (or reaches value), then lets the engine
// do what needs no person: spawns, approval requests, automatic approvals
// and automated steps.
func (d *decision) enter(id string) error {
	d.entered++
	if d.entered > maxAutomatedSteps {
		return Errorf(ErrInvalid, "more than %d steps in one command; do automated steps loop in stream %s?", maxAutomatedSteps, d.env.Stream.ID)
	}
	if id == End {
		if err := d.emit(EventValueReached, "", nil); err != nil {
			return err
		}
		if d.w.Status != StatusResolved {
			return d.setStatus(StatusResolved, "")
		}
		return nil
	}
	st := d.env.Stream.Step(id)
	if st == nil {
		return Errorf(ErrInternal, "transition to unknown step %q", id)
	}
	if err := d.emit(EventStepEntered, id, func(e *Event) { e.Data.Team = st.Team }); err != nil {
		return err
	}
	for _, sp := range st.Spawn {
		if sp.When == "" {
			if err := d.spawn(sp); err != nil {
				return err
			}
		}
	}
	if a := st.Approval; a != nil {
		var who []string
		for _, ap := range a.Approvers {
			who = append(who, ap.String())
		}
		if err := d.emit(EventApprovalAsked, id, func(e *Event) { e.Data.Other = strings.Join(who, ",") }); err != nil {
			return err
		}
		if a.AutoApprove != "" {
			cond, err := ParseCondition(a.AutoApprove)
			if err != nil {
				return Errorf(ErrInternal, "step %q: %v", id, err)
			}
			if cond.Match(d.w.ConditionFields()) {
				return d.autoApprove(st)
			}
		}
		return nil
	}
	if st.Automated {
		saved := d.env.Actor
		d.env.Actor = Actor{ID: SystemActor}
		defer func() { d.env.Actor = saved }()
		if err := d.emit(EventStepStarted, id, func(e *Event) { e.Data.Person = SystemActor }); err != nil {
			return err
		}
		outcome := ""
		if len(st.Outcomes) > 0 {
			outcome = st.Outcomes[0] // automation reports success as the first outcome
		}
		t, ok := st.Follow(outcome)
		if !ok {
			return Errorf(ErrInternal, "automated step %q has no transition", id)
		}
		return d.finish(st, outcome, t)
	}
	return nil
}

func (d *decision) autoApprove(st *Step) error {
	saved := d.env.Actor
	d.env.Actor = Actor{ID: SystemActor}
	defer func() { d.env.Actor = saved }()
	if err := d.emit(EventApprovalGiven, st.ID, func(e *Event) {
		e.Data.Person, e.Data.Decision, e.Data.Reason, e.Data.Other = SystemActor, "approve", "auto_approve", "auto"
	}); err != nil {
		return err
	}
	t, ok := st.Follow(Approved)
	if !ok {
		return Errorf(ErrInternal, "approval step %q has no transition for approved", st.ID)
	}
	return d.finish(st, Approved, t)
}

// approverEntry returns the approval entry the actor decides for: the first
// listed entry they match that has no decision yet.
func (d *decision) approverEntry(a *Approval) (string, bool) {
	decided := map[string]bool{}
	for _, dec := range d.w.Visit.Decisions {
		decided[dec.Approver] = true
		if dec.Person == d.env.Actor.ID {
			return "", false
		}
	}
	for _, ap := range a.Approvers {
		match := ap.Role != "" && slices.Contains(d.env.Actor.Roles, ap.Role) ||
			ap.Team != "" && slices.Contains(d.env.Actor.Teams, ap.Team) ||
			ap.Person != "" && ap.Person == d.env.Actor.ID ||
			ap.Rule != "" && RuleActor(ap.Rule) == d.env.Actor.ID
		if match && !decided[ap.String()] {
			return ap.String(), true
		}
	}
	return "", false
}

func (d *decision) decideApproval(decision, reason string) error {
	v, st, err := d.visit(decision)
	if err != nil {
		return err
	}
	a := st.Approval
	if a == nil {
		return Errorf(ErrConflict, "step %q of %s asks for no approval", st.ID, d.w.ID)
	}
	for _, dec := range v.Decisions {
		if dec.Person == d.env.Actor.ID {
			return Errorf(ErrConflict, "%s has already decided on step %q", d.env.Actor.ID, st.ID)
		}
	}
	entry, ok := d.approverEntry(a)
	if !ok {
		var who []string
		for _, ap := range a.Approvers {
			who = append(who, ap.String())
		}
		return Errorf(ErrForbidden, "%s is not an approver of step %q (approvers: %s)", d.env.Actor.ID, st.ID, strings.Join(who, ", "))
	}
	if err := d.emit(EventApprovalGiven, st.ID, func(e *Event) {
		e.Data.Person, e.Data.Decision, e.Data.Reason, e.Data.Other = d.env.Actor.ID, decision, reason, entry
	}); err != nil {
		return err
	}
	if decision == "reject" {
		if err := d.emit(EventStepCompleted, st.ID, func(e *Event) { e.Data.Outcome = "rejected" }); err != nil {
			return err
		}
		if a.OnReject == CancelOnReject {
			return d.setStatus(StatusCancelled, "rejected")
		}
		return d.enter(a.OnReject)
	}
	approvals := 0
	for _, dec := range d.w.Visit.Decisions {
		if dec.Decision == "approve" {
			approvals++
		}
	}
	need := int(a.Quorum)
	if a.Quorum == QuorumAll {
		need = len(a.Approvers)
	}
	if approvals < need {
		return nil
	}
	t, ok := st.Follow(Approved)
	if !ok {
		return Errorf(ErrInternal, "approval step %q has no transition for approved", st.ID)
	}
	return d.finish(st, Approved, t)
}

func (d *decision) pause(c Pause) error {
	v, st, err := d.visit("pause")
	if err != nil {
		return err
	}
	if strings.TrimSpace(c.Reason) == "" {
		return FieldErrorf("reason", "a pause needs a reason, such as %s, %s or %s", HoldAwaitingRequester, HoldAwaitingVendor, HoldAwaitingChange)
	}
	if v.State == Blocked {
		return Errorf(ErrConflict, "step %q of %s is already paused", st.ID, d.w.ID)
	}
	if err := d.emit(EventStepPaused, st.ID, func(e *Event) { e.Data.Reason = c.Reason }); err != nil {
		return err
	}
	if d.w.Status == StatusNew || d.w.Status == StatusInProgress {
		return d.setStatus(StatusOnHold, c.Reason)
	}
	return nil
}

func (d *decision) resume() error {
	v, st, err := d.visit("resume")
	if err != nil {
		return err
	}
	if v.State != Blocked {
		return Errorf(ErrConflict, "step %q of %s is not paused", st.ID, d.w.ID)
	}
	if err := d.emit(EventStepResumed, st.ID, nil); err != nil {
		return err
	}
	if d.w.Status == StatusOnHold {
		return d.setStatus(cmpStatus(d.w.StatusBefore, StatusInProgress), "")
	}
	return nil
}

func cmpStatus(s, fallback Status) Status {
	if s == "" {
		return fallback
	}
	return s
}

func (d *decision) requeue(team, reason string) error {
	v, st, err := d.visit("requeue")
	if err != nil {
		return err
	}
	if v.State == Blocked {
		return Errorf(ErrConflict, "step %q of %s is paused; resume it first", st.ID, d.w.ID)
	}
	if st.Approval != nil {
		return Errorf(ErrConflict, "step %q is an approval; it waits for its approvers", st.ID)
	}
	return d.emit(EventStepRequeued, st.ID, func(e *Event) { e.Data.Team, e.Data.Reason = team, reason })
}

func (d *decision) escalate(c Escalate) error {
	if c.Team == "" {
		return FieldErrorf("team", "missing team to escalate to")
	}
	if d.w.Visit != nil && d.w.Visit.Team == c.Team {
		return FieldErrorf("team", "%s is already in the queue of %s", d.w.ID, c.Team)
	}
	return d.requeue(c.Team, orDefault(c.Reason, "escalated"))
}

func (d *decision) assign(c Assign) error {
	v, st, err := d.visit("assign")
	if err != nil {
		return err
	}
	if c.Person == "" && c.Team == "" {
		return FieldErrorf("person", "missing person or team to assign")
	}
	if c.Person == v.Person && (c.Team == "" || c.Team == v.Team) {
		return Errorf(ErrConflict, "%s is already assigned to %s", d.w.ID, c.Person)
	}
	return d.emit(EventAssigned, st.ID, func(e *Event) { e.Data.Person, e.Data.Team = c.Person, c.Team })
}

func (d *decision) close(c Close) error {
	if d.w.Status != StatusResolved {
		return Errorf(ErrConflict, "%s is %s; only a resolved item can be closed", d.w.ID, d.w.Status)
	}
	if err := d.exitVisit(ExitClosed); err != nil {
		return err
	}
	return d.setStatus(StatusClosed, c.Reason)
}

func (d *decision) exitVisit(reason string) error {
	if d.w.Visit == nil {
		return nil
	}
	if d.w.Visit.State == Blocked {
		// The visit ends blocked: its blocked time runs to the exit.
		_ = reason
	}
	return d.emit(EventStepExited, d.w.Visit.Step, func(e *Event) { e.Data.Reason = reason })
}

func (d *decision) reopen(c Reopen) error {
	if d.w.Status != StatusResolved {
		return Errorf(ErrConflict, "%s is %s; only a resolved item can be reopened", d.w.ID, d.w.Status)
	}
	to := d.env.Stream.ReopenTo
	if d.env.Stream.Step(to) == nil {
		return Errorf(ErrInternal, "stream %s reopens to unknown step %q", d.env.Stream.ID, to)
	}
	if err := d.exitVisit(ExitRerouted); err != nil {
		return err
	}
	if err := d.emit(EventReopened, "", func(e *Event) { e.Data.Reason = c.Reason }); err != nil {
		return err
	}
	if err := d.setStatus(StatusInProgress, c.Reason); err != nil {
		return err
	}
	return d.enter(to)
}

// noEntry says a stream has no such entry point, naming those it has.
func noEntry(s *ValueStream, entry string) error {
	names := slices.Sorted(maps.Keys(s.EntryPoints))
	return FieldErrorf("entry", "stream %s has no entry point %q; expected one of %s", s.ID, entry, listOrNone(names))
}

func (d *decision) reroute(c Reroute) error {
	var to *ValueStream
	if d.env.Streams != nil && c.Stream != "" {
		to = d.env.Streams(c.Stream)
	}
	switch {
	case to == nil:
		return FieldErrorf("stream", "no value stream %q", c.Stream)
	case to.ID == d.w.Stream:
		return FieldErrorf("stream", "%s is in %s already", d.w.ID, to.ID)
	case d.w.Status == StatusResolved:
		return Errorf(ErrConflict, "%s is resolved; reopen it to work on it again", d.w.ID)
	}
	entry, ok := to.Entry(c.Entry)
	if !ok {
		return noEntry(to, c.Entry)
	}
	if err := d.exitVisit(ExitRerouted); err != nil {
		return err
	}
	from := fmt.Sprintf("%s@%d", d.w.Stream, d.w.StreamRevision)
	if err := d.emit(EventRerouted, "", func(e *Event) {
		e.Before, e.After = from, fmt.Sprintf("%s@%d", to.ID, to.Revision)
		e.Data.Stream, e.Data.StreamRevision, e.Data.Reason = to.ID, to.Revision, c.Reason
	}); err != nil {
		return err
	}
	d.env.Stream = to
	return d.enter(entry.ID)
}

func (d *decision) reclassify(c Reclassify) error {
	if !c.Kind.IsValid() {
		return FieldErrorf("kind", "unknown kind %q; expected one of %s", c.Kind, strings.Join(KindIDs(), ", "))
	}
	if c.Kind == d.w.Kind {
		return FieldErrorf("kind", "%s is already a %s", d.w.ID, c.Kind)
	}
	from := d.w.Kind
	if c.Link {
		return d.reclassifyLinked(c.Kind)
	}
	return d.emit(EventReclassified, d.step(), func(e *Event) { e.Before, e.After = string(from), string(c.Kind) })
}

// reclassifyLinked opens the new item: created at this item's creation
// time, linked back, then this item's current visit replayed with its own
// times, so the time already spent counts for the new item. This item's
// visit ends (reclassified) and it is cancelled with a link forward.
func (d *decision) reclassifyLinked(kind Kind) error {
	if d.env.NewID == nil {
		return Errorf(ErrInternal, "reclassify in link mode: no ids")
	}
	if len(d.env.History) != d.w.Version {
		return Errorf(ErrInternal, "reclassify in link mode needs the item's events")
	}
	id, err := d.env.NewID(kind)
	if err != nil {
		return err
	}
	var evs []Event
	add := func(e Event) {
		e.Item, e.Version, e.Seq = id, len(evs)+1, 0
		evs = append(evs, e)
	}
	created := d.env.History[0]
	created.Data.Kind = kind
	add(created)
	add(Event{Time: d.env.Now, Actor: d.env.Actor.ID, Type: EventLinked, Data: EventData{Link: LinkReclassifiedFrom, Other: d.w.ID}})
	if d.w.Visit != nil {
		start := -1
		for i, e := range d.env.History {
			if e.Type == EventStepEntered && e.Step == d.w.Visit.Step {
				start = i // the last entry is the current visit's
			}
		}
		for i, e := range d.env.History {
			visitEvent := i >= start && start >= 0 && (e.Type.IsStepEvent() || e.Type == EventAssigned ||
				e.Type == EventSwarmJoined || e.Type == EventSwarmLeft || e.Type == EventTaskDone)
			// The whole status history carries over with the creation time.
			if visitEvent || e.Type == EventStatusChanged {
				add(e)
			}
		}
	} else {
		for _, e := range d.env.History {
			if e.Type == EventStatusChanged {
				add(e)
			}
		}
	}
	replayed, err := Replay(evs)
	if err != nil {
		return Errorf(ErrInternal, "reclassify %s: %v", d.w.ID, err)
	}
	d.spawned = append(d.spawned, Result{Item: replayed, Events: evs})
	if err := d.emit(EventLinked, "", func(e *Event) { e.Data.Link, e.Data.Other = LinkReclassifiedTo, id }); err != nil {
		return err
	}
	return d.cancel(ExitReclassified, "reclassified as "+string(kind)+" "+id)
}

func (d *decision) cancel(exit, reason string) error {
	if err := d.exitVisit(exit); err != nil {
		return err
	}
	return d.setStatus(StatusCancelled, reason)
}

func (d *decision) duplicate(c Duplicate) error {
	if c.Of == "" || c.Of == d.w.ID {
		return FieldErrorf("of", "expected the id of another work item")
	}
	if err := d.emit(EventLinked, "", func(e *Event) { e.Data.Link, e.Data.Other = LinkDuplicateOf, c.Of }); err != nil {
		return err
	}
	return d.cancel(ExitDuplicate, ExitDuplicate)
}

func (d *decision) swarm(c Swarm) error {
	v, st, err := d.visit("swarm on")
	if err != nil {
		return err
	}
	person := orDefault(c.Person, d.env.Actor.ID)
	in := slices.Contains(v.Swarm, person)
	switch {
	case c.Leave && !in:
		return Errorf(ErrConflict, "%s is not swarming on %s", person, d.w.ID)
	case c.Leave:
		return d.emit(EventSwarmLeft, st.ID, func(e *Event) { e.Data.Person = person })
	case in || person == v.Person:
		return Errorf(ErrConflict, "%s already works on %s", person, d.w.ID)
	}
	return d.emit(EventSwarmJoined, st.ID, func(e *Event) { e.Data.Person = person })
}

func (d *decision) feedback(c GiveFeedback) error {
	if c.Score < 1 || c.Score > 5 {
		return FieldErrorf("score", "score %d; expected 1 to 5", c.Score)
	}
	if d.w.Status != StatusResolved && d.w.Status != StatusClosed {
		return Errorf(ErrConflict, "%s is %s; feedback comes after resolution", d.w.ID, d.w.Status)
	}
	if d.env.Actor.ID != d.w.RequestedBy && d.env.Actor.ID != d.w.RequestedFor {
		return Errorf(ErrForbidden, "only the requester gives feedback on %s", d.w.ID)
	}
	return d.emit(EventFeedback, d.step(), func(e *Event) { e.Data.Score, e.Data.Comment = c.Score, c.ID })
}

func (d *decision) doTask(c DoTask) error {
	v, st, err := d.visit("tick a task of")
	if err != nil {
		return err
	}
	var ids []string
	for _, a := range st.Actions {
		for _, t := range a.Tasks {
			ids = append(ids, t.ID)
		}
	}
	if !slices.Contains(ids, c.Task) {
		msg := FieldErrorf("task", "step %q has no task %q; expected one of %s", st.ID, c.Task, listOrNone(ids))
		return msg
	}
	if slices.Contains(v.TasksDone, c.Task) {
		return Errorf(ErrConflict, "task %q is already done", c.Task)
	}
	return d.emit(EventTaskDone, st.ID, func(e *Event) { e.Data.Task = c.Task })
}

func (d *decision) link(c AddLink) error {
	switch c.Type {
	case LinkCausedBy, LinkVendorTicket, LinkCI, LinkKnowledge:
	case LinkRaisedFrom:
		if d.w.Kind != KindImprovement {
			return FieldErrorf("type", "only an improvement is raised from another item")
		}
	default:
		return FieldErrorf("type", "link type %q; expected %s, %s, %s or %s", c.Type, LinkCausedBy, LinkVendorTicket, LinkCI, LinkKnowledge)
	}
	if c.Other == "" || c.Other == d.w.ID {
		return FieldErrorf("other", "expected another work item id or an external reference")
	}
	if slices.Contains(d.w.Links, Link{c.Type, c.Other}) {
		return Errorf(ErrConflict, "%s already has that link", d.w.ID)
	}
	return d.emit(EventLinked, "", func(e *Event) { e.Data.Link, e.Data.Other = c.Type, c.Other })
}

func (d *decision) update(c Update) error {
	change := func(field, before, after string) error {
		if before == after {
			return nil
		}
		return d.emit(EventFieldChanged, "", func(e *Event) { e.Data.Field, e.Before, e.After = field, before, after })
	}
	impact, urgency := d.w.Impact, d.w.Urgency
	if c.Impact != nil {
		impact = *c.Impact
	}
	if c.Urgency != nil {
		urgency = *c.Urgency
	}
	prio, err := d.env.matrix().Priority(impact, urgency)
	if err != nil {
		return err
	}
	steps := []struct{ field, before, after string }{
		{"impact", strconv.Itoa(d.w.Impact), strconv.Itoa(impact)},
		{"urgency", strconv.Itoa(d.w.Urgency), strconv.Itoa(urgency)},
		{"priority", string(d.w.Priority), string(prio)},
	}
	if c.Category != nil {
		steps = append(steps, struct{ field, before, after string }{"category", d.w.Category, *c.Category})
	}
	if c.Service != nil {
		steps = append(steps, struct{ field, before, after string }{"service", d.w.Service, *c.Service})
	}
	if c.CostOfDelay != nil {
		if *c.CostOfDelay < 0 || *c.CostOfDelay > 10 {
			return FieldErrorf("cost_of_delay", "cost of delay %d; expected 1 to 10 (0 clears it)", *c.CostOfDelay)
		}
		steps = append(steps, struct{ field, before, after string }{"cost_of_delay", strconv.Itoa(d.w.CostOfDelay), strconv.Itoa(*c.CostOfDelay)})
	}
	if c.Size != nil {
		steps = append(steps, struct{ field, before, after string }{"size", d.w.Size.String(), c.Size.String()})
	}
	if c.RequestedFor != nil {
		if *c.RequestedFor == "" {
			return FieldErrorf("requested_for", "cannot be empty")
		}
		steps = append(steps, struct{ field, before, after string }{"requested_for", d.w.RequestedFor, *c.RequestedFor})
	}
	for _, s := range steps {
		if err := change(s.field, s.before, s.after); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name    string
		changed bool
	}{{"title", c.Title}, {"description", c.Description}} {
		if f.changed {
			if err := d.emit(EventFieldChanged, "", func(e *Event) { e.Data.Field = f.name }); err != nil {
				return err
			}
		}
	}
	return nil
}

// spawn opens a linked item in another stream, recorded on both items.
func (d *decision) spawn(sp Spawn) error {
	if d.env.Streams == nil || d.env.NewID == nil {
		return Errorf(ErrInternal, "cannot spawn into %s: no streams given", sp.Stream)
	}
	target := d.env.Streams(sp.Stream)
	if target == nil {
		return Errorf(ErrInternal, "spawn into unknown stream %q", sp.Stream)
	}
	childEnv := d.env
	childEnv.Stream = target
	childEnv.Actor = Actor{ID: SystemActor}
	id, err := d.env.NewID(sp.Kind)
	if err != nil {
		return err
	}
	child, err := Open(childEnv, OpenRequest{
		ID: id, Kind: sp.Kind, Service: d.w.Service, Organisation: d.w.Organisation,
		Impact: d.w.Impact, Urgency: d.w.Urgency, RequestedBy: d.w.RequestedBy, RequestedFor: d.w.RequestedFor,
	})
	if err != nil {
		return err
	}
	// The link to the parent is the child's second event, before its visits.
	link := Event{Item: id, Time: d.env.Now, Actor: SystemActor, Type: EventLinked, Data: EventData{Link: LinkSpawnedBy, Other: d.w.ID}}
	evs := append([]Event{child.Events[0], link}, child.Events[1:]...)
	for i := range evs {
		evs[i].Version = i + 1
	}
	replayed, err := Replay(evs)
	if err != nil {
		return Errorf(ErrInternal, "spawn: %v", err)
	}
	d.spawned = append(d.spawned, Result{Item: replayed, Events: evs})
	d.spawned = append(d.spawned, child.Spawned...)
	return d.emit(EventSpawned, d.step(), func(e *Event) {
		e.Data.Other, e.Data.Kind, e.Data.Stream = id, sp.Kind, sp.Stream
		if sp.WaitFor == End {
			e.Data.Reason = "wait"
		}
	})
}
