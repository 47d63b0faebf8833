package svcflow

import "time"

// EventType names what an event records.
type EventType string

// Work item events. Step events follow the visit semantics of SPEC §3.
const (
	EventCreated       EventType = "created"
	EventStepEntered   EventType = "step_entered"
	EventStepStarted   EventType = "step_started"
	EventStepPaused    EventType = "step_paused"
	EventStepResumed   EventType = "step_resumed"
	EventStepRequeued  EventType = "step_requeued"
	EventStepCompleted EventType = "step_completed"
	EventStepExited    EventType = "step_exited"
	EventValueReached  EventType = "value_reached"
	EventStatusChanged EventType = "status_changed"
	EventAssigned      EventType = "assigned"
	EventSwarmJoined   EventType = "swarm_joined"
	EventSwarmLeft     EventType = "swarm_left"
	EventTaskDone      EventType = "task_done"
	EventApprovalAsked EventType = "approval_requested"
	EventApprovalGiven EventType = "approval_decided"
	EventCommented     EventType = "comment_added"
	EventReclassified  EventType = "reclassified"
	// EventRerouted records a move to another value stream: Before and
	// After are "stream@revision".
	EventRerouted     EventType = "rerouted"
	EventLinked       EventType = "linked"
	EventSpawned      EventType = "spawned"
	EventFieldChanged EventType = "field_changed"
	EventWatcherAdded EventType = "watcher_added"
	EventFeedback     EventType = "feedback_given"
	// EventFeedbackRequested records that the requester is asked for
	// feedback: at the first resolution, for items in the stream's sample.
	EventFeedbackRequested EventType = "feedback_requested"
	// EventAgentFeedback records feedback from someone who worked the
	// item: on the work, the information they had, the stream.
	EventAgentFeedback EventType = "agent_feedback_given"
	EventReopened      EventType = "reopened"
	EventAttached      EventType = "attachment_added"
)

// IsStepEvent reports whether t is one of the visit events, which the event
// log exports as XES lifecycle transitions.
func (t EventType) IsStepEvent() bool {
	switch t {
	case EventStepEntered, EventStepStarted, EventStepPaused, EventStepResumed,
		EventStepRequeued, EventStepCompleted, EventStepExited:
		return true
	}
	return false
}

// SystemActor is the actor of what the engine does by itself: automated
// steps, automatic approvals, spawned items.
const SystemActor = "system"

// Event is an immutable record of one change to one work item. The store
// assigns Seq (global, increasing) when it commits; Version numbers the
// item's events from 1 without gaps. Free text and personal data are not
// here: events reference rows (comments, people) that can be erased while
// the log stays append-only and analysable.
type Event struct {
	Seq      int64     `json:"seq"`
	Item     string    `json:"item"`
	Version  int       `json:"version"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`
	Type     EventType `json:"type"`
	Step     string    `json:"step,omitempty"`
	Activity Activity  `json:"activity,omitempty"`
	Before   string    `json:"before,omitempty"`
	After    string    `json:"after,omitempty"`
	Data     EventData `json:"data,omitzero"`
}

// EventData is the payload of an event; which fields are set depends on
// the type.
type EventData struct {
	// created
	Kind           Kind     `json:"kind,omitempty"`
	Stream         string   `json:"stream,omitempty"`
	StreamRevision int      `json:"stream_revision,omitempty"`
	Category       string   `json:"category,omitempty"`
	Service        string   `json:"service,omitempty"`
	Organisation   string   `json:"organisation,omitempty"`
	Impact         int      `json:"impact,omitempty"`
	Urgency        int      `json:"urgency,omitempty"`
	Priority       Priority `json:"priority,omitempty"`
	CostOfDelay    int      `json:"cost_of_delay,omitempty"`
	Size           Duration `json:"size,omitzero"`
	RequestedBy    string   `json:"requested_by,omitempty"`
	RequestedFor   string   `json:"requested_for,omitempty"`
	Entry          string   `json:"entry,omitempty"`
	// visits and assignment
	Team    string `json:"team,omitempty"`
	Person  string `json:"person,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Task    string `json:"task,omitempty"`
	// approvals
	Decision string `json:"decision,omitempty"`
	// comments: the text lives in the comment row
	Comment string `json:"comment,omitempty"`
	Public  bool   `json:"public,omitempty"`
	// links and spawns
	Link  string `json:"link,omitempty"`
	Other string `json:"other,omitempty"`
	// field changes
	Field string `json:"field,omitempty"`
	// feedback
	Score int `json:"score,omitempty"`
	// created: the knowledge suggestion session the item was opened from
	Session string `json:"session,omitempty"`
}

// IsZero reports whether d carries nothing.
func (d EventData) IsZero() bool { return d == EventData{} }
