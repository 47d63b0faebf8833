package svcflow

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
)

// SchemaV1 names the format of a value stream definition file.
const SchemaV1 = "svcflow/stream/v1"

// End is the target of a transition that finishes the stream: value has been
// created or restored.
const End = "value"

// CancelOnReject is the on_reject target of an approval that cancels the work item.
const CancelOnReject = "cancel"

// Otherwise is the `when` of a transition taken for any outcome that no other
// transition of the step names.
const Otherwise = "otherwise"

// Approved is the outcome with which an approval step completes once its
// quorum is reached.
const Approved = "approved"

// ValueStream is a versioned definition of how one kind of demand becomes
// value: the summary of 003 Table 4.1, the rules that route work to it, and
// its ordered steps. JSON field names are those of the YAML format.
type ValueStream struct {
	Schema         string            `json:"schema"`
	ID             string            `json:"id"`
	Revision       int               `json:"revision"`
	Name           string            `json:"name"`
	Owner          string            `json:"owner,omitempty"`
	Description    string            `json:"description,omitempty"`
	UseCase        string            `json:"use_case,omitempty"`
	Demand         string            `json:"demand,omitempty"`
	Triggers       []string          `json:"triggers,omitempty"`
	Outcomes       []string          `json:"outcomes,omitempty"`
	Value          string            `json:"value,omitempty"`
	TargetLeadTime Duration          `json:"target_lead_time,omitzero"`
	AppliesTo      AppliesTo         `json:"applies_to,omitzero"`
	Default        bool              `json:"default,omitempty"`
	EntryPoints    map[string]string `json:"entry_points,omitempty"`
	ReopenTo       string            `json:"reopen_to,omitempty"`
	// FeedbackSample is the share of resolved items whose requester is
	// asked for feedback, 0 to 1; nil asks every one.
	FeedbackSample *float64 `json:"feedback_sample,omitempty"`
	Steps          []Step   `json:"steps"`
}

// AsksFeedback reports whether an item of the stream is in its feedback
// sample. The draw is a hash of the item's id, so it is the same wherever
// and whenever it is decided, and even across items.
func (s *ValueStream) AsksFeedback(item string) bool {
	if s.FeedbackSample == nil {
		return true
	}
	// SHA-256, not a short hash: ids differ only in their last digits,
	// and FNV's high bits barely move with them (a 0.3 sample asked 26 %).
	h := sha256.Sum256([]byte(item))
	return float64(binary.BigEndian.Uint64(h[:8])>>11)/(1<<53) < *s.FeedbackSample
}

// AppliesTo says which work a stream takes. Each non-empty list narrows it;
// a stream with no lists at all is reached only by spawning or by name.
type AppliesTo struct {
	Kinds      []Kind   `json:"kinds,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Services   []string `json:"services,omitempty"`
}

// IsZero reports whether a names no work at all.
func (a AppliesTo) IsZero() bool {
	return len(a.Kinds) == 0 && len(a.Categories) == 0 && len(a.Services) == 0
}

// Step is one step of a value stream (003 Table 4.2) with what the engine
// needs to run it.
type Step struct {
	ID              string                 `json:"id"`
	Number          int                    `json:"number"`
	Name            string                 `json:"name"`
	Description     string                 `json:"description,omitempty"`
	Activity        Activity               `json:"activity"`
	Inputs          []string               `json:"inputs,omitempty"`
	Outputs         []string               `json:"outputs,omitempty"`
	DesiredOutcomes []string               `json:"desired_outcomes,omitempty"`
	TargetLeadTime  Duration               `json:"target_lead_time,omitzero"`
	Practices       []PracticeContribution `json:"practices,omitempty"`
	RACI            RACI                   `json:"raci"`
	Constraints     []string               `json:"constraints,omitempty"`
	Team            string                 `json:"team,omitempty"`
	WIPLimit        int                    `json:"wip_limit,omitempty"`
	Automated       bool                   `json:"automated,omitempty"`
	Approval        *Approval              `json:"approval,omitempty"`
	Outcomes        []string               `json:"outcomes,omitempty"`
	Resolves        bool                   `json:"resolves,omitempty"`
	RequireTasks    bool                   `json:"require_tasks,omitempty"`
	Actions         []Action               `json:"actions,omitempty"`
	Spawn           []Spawn                `json:"spawn,omitempty"`
	Next            []Transition           `json:"next"`
}

// PracticeContribution says how one practice helps a step, in our own words,
// and which section of which source document the claim rests on.
type PracticeContribution struct {
	Practice     string `json:"practice"`
	Contribution string `json:"contribution"`
	Source       string `json:"source,omitempty"`
}

// RACI names who is accountable for a step (exactly one), and who is
// responsible, consulted and informed. Entries are role, team or person names.
type RACI struct {
	Accountable string   `json:"accountable"`
	Responsible []string `json:"responsible,omitempty"`
	Consulted   []string `json:"consulted,omitempty"`
	Informed    []string `json:"informed,omitempty"`
}

// Action is a unit of work inside a step; it may map to another activity or
// practice than its step (003 Figure 4.1).
type Action struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Activity Activity `json:"activity,omitempty"`
	Practice string   `json:"practice,omitempty"`
	Tasks    []Task   `json:"tasks,omitempty"`
}

// Task is a checklist item of an action. In release 1 tasks are ticked off on
// a visit; a step with RequireTasks cannot complete until all are done.
type Task struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Activity Activity `json:"activity,omitempty"`
	Practice string   `json:"practice,omitempty"`
}

// Approval makes a step a decision: the listed approvers decide, Quorum
// approvals complete the step with outcome "approved", and a rejection
// follows OnReject (a step id or "cancel").
type Approval struct {
	Approvers   []Approver `json:"approvers"`
	Quorum      Quorum     `json:"quorum"`
	AutoApprove string     `json:"auto_approve,omitempty"`
	OnReject    string     `json:"on_reject"`
}

// Approver names one approver: a role, a team, a person or an automation
// rule (exactly one is set). A rule approves only where a step lists it.
type Approver struct {
	Role   string `json:"role,omitempty"`
	Team   string `json:"team,omitempty"`
	Person string `json:"person,omitempty"`
	Rule   string `json:"rule,omitempty"`
}

// String renders a as "role:cab", "team:service-desk" or "person:alice".
func (a Approver) String() string {
	switch {
	case a.Role != "":
		return "role:" + a.Role
	case a.Team != "":
		return "team:" + a.Team
	case a.Rule != "":
		return RuleActor(a.Rule)
	default:
		return "person:" + a.Person
	}
}

// Quorum is how many approvals an approval step needs; QuorumAll means every
// listed approver.
type Quorum int

// QuorumAll asks every approver to approve.
const QuorumAll Quorum = -1

// MarshalJSON writes "all" or the number.
func (q Quorum) MarshalJSON() ([]byte, error) {
	if q == QuorumAll {
		return []byte(`"all"`), nil
	}
	return []byte(strconv.Itoa(int(q))), nil
}

// UnmarshalJSON reads "all" or a number.
func (q *Quorum) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if s != "all" {
			return fmt.Errorf("quorum %q: want a number or \"all\"", s)
		}
		*q = QuorumAll
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("quorum: want a number or \"all\"")
	}
	*q = Quorum(n)
	return nil
}

// Spawn makes a step open a linked work item of another kind in another
// stream when the step is entered (or, with When, when it completes with
// that outcome). With WaitFor "value" the step cannot complete before the
// spawned item reaches value (cascading streams, 003 §4.1.2).
type Spawn struct {
	Kind    Kind   `json:"kind"`
	Stream  string `json:"stream"`
	When    string `json:"when,omitempty"`
	WaitFor string `json:"wait_for,omitempty"`
}

// Transition leads from a step to the next step or to End. When names the
// outcome that takes it (or Otherwise; empty for a step's only transition).
// Probability is used only by the simulator.
type Transition struct {
	When        string  `json:"when,omitempty"`
	To          string  `json:"to"`
	Probability float64 `json:"probability"`
}

// Step returns the step with the given id, or nil.
func (s *ValueStream) Step(id string) *Step {
	for i := range s.Steps {
		if s.Steps[i].ID == id {
			return &s.Steps[i]
		}
	}
	return nil
}

// Entry returns the step a work item enters through the named entry point;
// an empty name, or a stream without entry points, means the first step.
func (s *ValueStream) Entry(name string) (*Step, bool) {
	if len(s.Steps) == 0 {
		return nil, false
	}
	if name == "" {
		if id, ok := s.EntryPoints["default"]; ok {
			return s.Step(id), s.Step(id) != nil
		}
		return &s.Steps[0], true
	}
	id, ok := s.EntryPoints[name]
	if !ok {
		return nil, false
	}
	st := s.Step(id)
	return st, st != nil
}

// EntrySteps returns the ids of the steps work may enter the stream at: the
// first step and every entry point, without repeats, in step order.
func (s *ValueStream) EntrySteps() []string {
	if len(s.Steps) == 0 {
		return nil
	}
	set := map[string]bool{s.Steps[0].ID: true}
	for _, id := range s.EntryPoints {
		set[id] = true
	}
	var ids []string
	for _, st := range s.Steps {
		if set[st.ID] {
			ids = append(ids, st.ID)
		}
	}
	return ids
}

// ChoosableOutcomes returns the outcomes a person may complete the step with.
// An approval step without declared outcomes completes as "approved"; a step
// without outcomes completes with no outcome.
func (st *Step) ChoosableOutcomes() []string {
	if len(st.Outcomes) == 0 && st.Approval != nil {
		return []string{Approved}
	}
	return st.Outcomes
}

// Follow returns the transition taken when the step completes with outcome:
// the one naming it, else the otherwise transition, else a step's only
// transition when it names no outcome.
func (st *Step) Follow(outcome string) (Transition, bool) {
	if outcome != "" && outcome != Otherwise {
		for _, t := range st.Next {
			if t.When == outcome {
				return t, true
			}
		}
	}
	for _, t := range st.Next {
		if t.When == Otherwise {
			return t, true
		}
	}
	if len(st.Next) == 1 && st.Next[0].When == "" {
		return st.Next[0], true
	}
	return Transition{}, false
}

// Successors returns the distinct targets a step can lead to: its transitions
// and, for an approval, a step named by on_reject.
func (st *Step) Successors() []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, t := range st.Next {
		add(t.To)
	}
	if st.Approval != nil && st.Approval.OnReject != CancelOnReject {
		add(st.Approval.OnReject)
	}
	return out
}

// StreamSummary is the short form of a stream that lists show.
type StreamSummary struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Revision       int       `json:"revision"`
	Owner          string    `json:"owner,omitempty"`
	Steps          int       `json:"steps"`
	TargetLeadTime Duration  `json:"target_lead_time,omitzero"`
	AppliesTo      AppliesTo `json:"applies_to,omitzero"`
	Default        bool      `json:"default,omitempty"`
}

// Summary returns the short form of s.
func (s *ValueStream) Summary() StreamSummary {
	return StreamSummary{s.ID, s.Name, s.Revision, s.Owner, len(s.Steps), s.TargetLeadTime, s.AppliesTo, s.Default}
}
