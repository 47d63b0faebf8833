package svcflow

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Status is the lifecycle category of a work item, separate from its step.
type Status string

// The statuses (SPEC §2).
const (
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusOnHold     Status = "on_hold"
	StatusResolved   Status = "resolved"
	StatusClosed     Status = "closed"
	StatusCancelled  Status = "cancelled"
)

// IsFinal reports whether nothing more happens to an item in status s.
func (s Status) IsFinal() bool { return s == StatusClosed || s == StatusCancelled }

// Hold reasons. Any other reason text is allowed too; SLA policies decide
// which reasons pause their clocks.
const (
	HoldAwaitingRequester = "awaiting_requester"
	HoldAwaitingVendor    = "awaiting_vendor"
	HoldAwaitingChange    = "awaiting_change"
)

// VisitState is where a visit stands (SPEC §3).
type VisitState string

// The states of a visit.
const (
	Queued  VisitState = "queued"
	Active  VisitState = "active"
	Blocked VisitState = "blocked"
)

// Exit reasons of a visit that ends without completing.
const (
	ExitCancelled    = "cancelled"
	ExitDuplicate    = "duplicate"
	ExitReclassified = "reclassified"
	ExitRerouted     = "rerouted"
	ExitClosed       = "closed"
)

// Link types between work items.
const (
	LinkReclassifiedFrom = "reclassified-from"
	LinkReclassifiedTo   = "reclassified-to"
	LinkDuplicateOf      = "duplicate-of"
	LinkCausedBy         = "caused-by"
	LinkSpawnedBy        = "spawned-by"
	LinkSpawned          = "spawned"
	LinkVendorTicket     = "vendor-ticket"
	LinkCI               = "ci"          // a configuration item the work concerns
	LinkRaisedFrom       = "raised-from" // an improvement's motivating item
	LinkKnowledge        = "knowledge"   // a knowledge article used on the work, or written from it
)

// Link connects a work item to another one, or to an external reference.
type Link struct {
	Type  string `json:"type"`
	Other string `json:"other"`
}

// Decision is one approver's decision on an approval step.
type Decision struct {
	Person   string `json:"person"`
	Approver string `json:"approver"` // the approval entry it counts for: "role:cab"
	Decision string `json:"decision"` // approve or reject
}

// Visit is the current stay of a work item in a step.
type Visit struct {
	Step       string     `json:"step"`
	Activity   Activity   `json:"activity"`
	Entered    time.Time  `json:"entered"`
	Queued     time.Time  `json:"queued"` // when it last joined its team's queue: entered or requeued
	State      VisitState `json:"state"`
	PausedFrom VisitState `json:"paused_from,omitempty"`
	Team       string     `json:"team,omitempty"`
	Person     string     `json:"person,omitempty"` // the owner, accountable while swarming
	Swarm      []string   `json:"swarm,omitempty"`
	TasksDone  []string   `json:"tasks_done,omitempty"`
	Decisions  []Decision `json:"decisions,omitempty"`
	Waiting    []string   `json:"waiting,omitempty"` // spawned items this step waits to reach value
}

// InProgress tells whether the visit is being worked: started, or put on
// hold after it started. Such visits count against the step's WIP limit;
// the others wait in the step's queue.
func (v *Visit) InProgress() bool {
	return v.State == Active || v.State == Blocked && v.PausedFrom == Active
}

// WorkItem is the state of a work item as its events make it: folding the
// events of an item with Apply, in version order, gives its state. Title,
// description and other free text live beside it, not in events.
type WorkItem struct {
	ID             string    `json:"id"`
	Version        int       `json:"version"`
	Kind           Kind      `json:"kind"`
	Stream         string    `json:"stream"`
	StreamRevision int       `json:"stream_revision"`
	Category       string    `json:"category,omitempty"`
	Service        string    `json:"service,omitempty"`
	Organisation   string    `json:"organisation,omitempty"`
	Impact         int       `json:"impact"`
	Urgency        int       `json:"urgency"`
	Priority       Priority  `json:"priority"`
	CostOfDelay    int       `json:"cost_of_delay,omitempty"` // 1–10, for WSJF; 0: derived from priority
	Size           Duration  `json:"size,omitzero"`           // expected effort, for WSJF; zero: the step's expected cycle
	RequestedBy    string    `json:"requested_by"`
	RequestedFor   string    `json:"requested_for"`
	Watchers       []string  `json:"watchers,omitempty"`
	Status         Status    `json:"status"`
	HoldReason     string    `json:"hold_reason,omitempty"`
	StatusBefore   Status    `json:"status_before,omitempty"` // the status to return to after a hold
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	FirstResolved  time.Time `json:"first_resolved,omitzero"`
	LastResolved   time.Time `json:"last_resolved,omitzero"`
	ValueReached   time.Time `json:"value_reached,omitzero"`
	Closed         time.Time `json:"closed,omitzero"`
	Reopens        int       `json:"reopens,omitempty"`
	Visit          *Visit    `json:"visit,omitempty"`
	Teams          []string  `json:"teams,omitempty"`   // every team whose queue the item has been in
	Workers        []string  `json:"workers,omitempty"` // every person who has worked or approved a step of it
	Links          []Link    `json:"links,omitempty"`
	Feedback       int       `json:"feedback,omitempty"`
	// FeedbackRequested is when the requester was asked for feedback.
	FeedbackRequested time.Time `json:"feedback_requested,omitzero"`
}

// Clone returns a deep copy, so a decision can be tried without touching
// the original.
func (w *WorkItem) Clone() *WorkItem {
	c := *w
	c.Watchers = slices.Clone(w.Watchers)
	c.Links = slices.Clone(w.Links)
	c.Teams = slices.Clone(w.Teams)
	c.Workers = slices.Clone(w.Workers)
	if w.Visit != nil {
		v := *w.Visit
		v.Swarm = slices.Clone(v.Swarm)
		v.TasksDone = slices.Clone(v.TasksDone)
		v.Decisions = slices.Clone(v.Decisions)
		v.Waiting = slices.Clone(v.Waiting)
		c.Visit = &v
	}
	return &c
}

// Replay folds events into a new work item.
func Replay(events []Event) (*WorkItem, error) {
	w := &WorkItem{}
	for _, e := range events {
		if err := w.Apply(e); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// ReplayTo folds an item's events up to a version: the item as that event
// left it, whatever happened since. It fails when the events stop short.
func ReplayTo(events []Event, version int) (*WorkItem, error) {
	w := &WorkItem{}
	for _, e := range events {
		if e.Version > version {
			break
		}
		if err := w.Apply(e); err != nil {
			return nil, err
		}
	}
	if w.Version != version {
		return nil, fmt.Errorf("the history of %s ends at version %d, before %d", w.ID, w.Version, version)
	}
	return w, nil
}

// Apply folds one event into w. It checks only what keeps the fold sound
// (versions in order, a visit to act on); the rules of what may happen are
// the decisions'.
func (w *WorkItem) Apply(e Event) error {
	if e.Version != w.Version+1 {
		return fmt.Errorf("apply %s to %s: version %d after %d", e.Type, w.ID, e.Version, w.Version)
	}
	if e.Type != EventCreated && w.ID != e.Item {
		return fmt.Errorf("apply %s: event of item %q applied to %q", e.Type, e.Item, w.ID)
	}
	needVisit := e.Type.IsStepEvent() && e.Type != EventStepEntered ||
		e.Type == EventSwarmJoined || e.Type == EventSwarmLeft || e.Type == EventTaskDone || e.Type == EventApprovalGiven
	if needVisit && (w.Visit == nil || w.Visit.Step != e.Step) {
		return fmt.Errorf("apply %s to %s: no visit of step %q", e.Type, e.Item, e.Step)
	}
	d := e.Data
	switch e.Type {
	case EventCreated:
		*w = WorkItem{
			ID: e.Item, Kind: d.Kind, Stream: d.Stream, StreamRevision: d.StreamRevision,
			Category: d.Category, Service: d.Service, Organisation: d.Organisation,
			Impact: d.Impact, Urgency: d.Urgency, Priority: d.Priority, CostOfDelay: d.CostOfDelay, Size: d.Size,
			RequestedBy: d.RequestedBy, RequestedFor: d.RequestedFor,
			Status: StatusNew, Created: e.Time,
		}
	case EventStepEntered:
		w.Visit = &Visit{Step: e.Step, Activity: e.Activity, Entered: e.Time, Queued: e.Time, State: Queued, Team: d.Team}
		w.Teams = addOnce(w.Teams, d.Team)
	case EventStepStarted:
		w.Visit.State = Active
		if d.Person != "" {
			w.Visit.Person = d.Person
			w.Workers = addOnce(w.Workers, d.Person)
		}
	case EventStepPaused:
		w.Visit.PausedFrom = w.Visit.State
		w.Visit.State = Blocked
	case EventStepResumed:
		w.Visit.State = w.Visit.PausedFrom
		w.Visit.PausedFrom = ""
	case EventStepRequeued:
		w.Visit.State = Queued
		w.Visit.Queued = e.Time
		w.Visit.Person = ""
		w.Visit.Swarm = nil
		if d.Team != "" {
			w.Visit.Team = d.Team
			w.Teams = addOnce(w.Teams, d.Team)
		}
	case EventStepCompleted, EventStepExited:
		w.Visit = nil
	case EventValueReached:
		w.ValueReached = e.Time
	case EventStatusChanged:
		if Status(e.After) == StatusOnHold {
			w.StatusBefore = Status(e.Before)
			w.HoldReason = d.Reason
		} else {
			w.HoldReason = ""
		}
		w.Status = Status(e.After)
		switch w.Status {
		case StatusResolved:
			if w.FirstResolved.IsZero() {
				w.FirstResolved = e.Time
			}
			w.LastResolved = e.Time
		case StatusClosed, StatusCancelled:
			w.Closed = e.Time
		}
	case EventAssigned:
		if w.Visit != nil {
			w.Visit.Person = d.Person
			if d.Team != "" {
				w.Visit.Team = d.Team
				w.Teams = addOnce(w.Teams, d.Team)
			}
		}
		w.Workers = addOnce(w.Workers, d.Person)
	case EventSwarmJoined:
		if !slices.Contains(w.Visit.Swarm, d.Person) {
			w.Visit.Swarm = append(w.Visit.Swarm, d.Person)
		}
		w.Workers = addOnce(w.Workers, d.Person)
	case EventSwarmLeft:
		w.Visit.Swarm = slices.DeleteFunc(w.Visit.Swarm, func(p string) bool { return p == d.Person })
		if len(w.Visit.Swarm) == 0 {
			w.Visit.Swarm = nil // the same state as never swarmed, as stored state decodes it
		}
	case EventTaskDone:
		w.Visit.TasksDone = append(w.Visit.TasksDone, d.Task)
	case EventApprovalGiven:
		w.Visit.Decisions = append(w.Visit.Decisions, Decision{Person: d.Person, Approver: d.Other, Decision: d.Decision})
		if d.Person != SystemActor && !IsRuleActor(d.Person) { // automation is no worker
			w.Workers = addOnce(w.Workers, d.Person)
		}
	case EventReclassified:
		w.Kind = Kind(e.After)
	case EventRerouted:
		w.Stream, w.StreamRevision = d.Stream, d.StreamRevision
	case EventLinked:
		w.Links = append(w.Links, Link{Type: d.Link, Other: d.Other})
	case EventSpawned:
		w.Links = append(w.Links, Link{Type: LinkSpawned, Other: d.Other})
		if d.Reason == "wait" && w.Visit != nil {
			w.Visit.Waiting = append(w.Visit.Waiting, d.Other)
		}
	case EventFieldChanged:
		switch d.Field {
		case "impact":
			fmt.Sscan(e.After, &w.Impact)
		case "urgency":
			fmt.Sscan(e.After, &w.Urgency)
		case "priority":
			w.Priority = Priority(e.After)
		case "category":
			w.Category = e.After
		case "service":
			w.Service = e.After
		case "requested_for":
			w.RequestedFor = e.After
		case "cost_of_delay":
			fmt.Sscan(e.After, &w.CostOfDelay)
		case "size":
			w.Size, _ = ParseDuration(e.After) // an empty After clears it
		}
	case EventWatcherAdded:
		if !slices.Contains(w.Watchers, d.Person) {
			w.Watchers = append(w.Watchers, d.Person)
		}
	case EventFeedback:
		w.Feedback = d.Score
	case EventFeedbackRequested:
		w.FeedbackRequested = e.Time
	case EventReopened:
		w.Reopens++
	case EventApprovalAsked, EventCommented, EventAttached, EventSLAWarning, EventSLABreached,
		EventBaselineCaptured, EventImprovementEvaluated, EventRegisterChanged, EventAgentFeedback:
		// recorded for the log; no state of their own
	default:
		return fmt.Errorf("apply: unknown event type %q", e.Type)
	}
	w.Version = e.Version
	w.Updated = e.Time
	return nil
}

// CanSee reports whether a requester may see the item: they asked for it,
// it is for them, or they watch it.
func (w *WorkItem) CanSee(person string) bool {
	return w.RequestedBy == person || w.RequestedFor == person || slices.Contains(w.Watchers, person)
}

// ConditionFields returns the fields conditions (auto_approve, rules) test.
func (w *WorkItem) ConditionFields() map[string]string {
	return map[string]string{
		"kind": string(w.Kind), "category": w.Category, "service": w.Service,
		"priority": string(w.Priority), "impact": strconv.Itoa(w.Impact), "urgency": strconv.Itoa(w.Urgency),
		"organisation": w.Organisation, "status": string(w.Status), "step": w.visitStep(), "team": w.visitTeam(),
	}
}

func (w *WorkItem) visitStep() string {
	if w.Visit == nil {
		return ""
	}
	return w.Visit.Step
}

func (w *WorkItem) visitTeam() string {
	if w.Visit == nil {
		return ""
	}
	return w.Visit.Team
}

// addOnce appends v unless it is empty or present already.
func addOnce(xs []string, v string) []string {
	if v == "" || slices.Contains(xs, v) {
		return xs
	}
	return append(xs, v)
}
