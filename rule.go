package svcflow

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// RuleActor is the actor of what an automation rule does: "rule:ID". The
// log then says which rule acted, and an approval step lists a rule as an
// approver under the same name.
func RuleActor(id string) string { return "rule:" + id }

// IsRuleActor reports whether an actor is an automation rule.
func IsRuleActor(actor string) bool { return strings.HasPrefix(actor, "rule:") }

// Rule is an automation rule (SPEC §2): when an event of one of the On
// types happens to a work item and the conditions hold, the actions run,
// as the rule. With After, the rule fires that long after the triggering
// event instead, and only when nothing else has happened to the item since
// (a quiet period: "resolved and quiet for 7 days").
type Rule struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Enabled     bool        `json:"enabled"`
	On          []EventType `json:"on"`
	If          string      `json:"if,omitempty"` // a condition, as auto_approve takes
	Text        *TextMatch  `json:"text,omitempty"`
	OlderThan   Duration    `json:"older_than,omitzero"` // the item was created at least this long ago
	// BusinessHours, when set, holds when the rule runs inside (Open) or
	// outside the hours of a business calendar.
	BusinessHours *BusinessHours `json:"business_hours,omitempty"`
	After         Duration       `json:"after,omitzero"`
	Then          []RuleAction   `json:"then"`
}

// TextMatch tests the title and description of an item: Contains is a
// case-insensitive substring, Matches a regular expression (RE2: linear
// time, so no pattern makes matching slow).
type TextMatch struct {
	Contains string `json:"contains,omitempty"`
	Matches  string `json:"matches,omitempty"`
}

// BusinessHours is a time condition: the rule runs while the calendar is
// open (Open) or closed (not Open).
type BusinessHours struct {
	Calendar string `json:"calendar"`
	Open     bool   `json:"open"`
}

// RuleAction is one thing a rule does; exactly one field is set.
type RuleAction struct {
	Route   string   `json:"route,omitempty"`   // requeue the current visit to this team
	Reroute string   `json:"reroute,omitempty"` // move the item to this value stream, at its usual entry
	Assign  string   `json:"assign,omitempty"`  // a person owns the current visit
	Set     *RuleSet `json:"set,omitempty"`
	Approve bool     `json:"approve,omitempty"` // approve the current approval step, where it lists the rule
	Close   bool     `json:"close,omitempty"`   // close a resolved item
	// LinkKnowledge links the published article that best matches the
	// item's title (a knowledge link), when there is one.
	LinkKnowledge bool `json:"link_knowledge,omitempty"`
	// OpenProblem opens a problem when enough incidents on one
	// configuration item arrive within a window.
	OpenProblem *ProblemTrigger `json:"open_problem,omitempty"`
	// Notify posts the firing to a webhook (its id), through the outbox:
	// at least once, under a stable delivery id.
	Notify string `json:"notify,omitempty"`
}

// RuleSet changes fields of an item. Priority is reached by changing the
// urgency (else the impact) along the priority matrix.
type RuleSet struct {
	Impact   int      `json:"impact,omitempty"`
	Urgency  int      `json:"urgency,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	Category string   `json:"category,omitempty"`
	Service  string   `json:"service,omitempty"`
}

// ProblemTrigger is "Threshold incidents on one CI within Window".
type ProblemTrigger struct {
	Threshold int      `json:"threshold"`
	Within    Duration `json:"within"`
}

// Name returns the name of the action as the rule file spells it.
func (a RuleAction) Name() string {
	switch {
	case a.Route != "":
		return "route"
	case a.Reroute != "":
		return "reroute"
	case a.Assign != "":
		return "assign"
	case a.Set != nil:
		return "set"
	case a.Approve:
		return "approve"
	case a.Close:
		return "close"
	case a.LinkKnowledge:
		return "link_knowledge"
	case a.OpenProblem != nil:
		return "open_problem"
	case a.Notify != "":
		return "notify"
	}
	return ""
}

// maxPattern bounds a text pattern, so a rule stays readable and cheap.
const maxPattern = 256

// ruleEvents are the event types a rule may be triggered by: the work
// item events.
var ruleEvents = []EventType{
	EventCreated, EventStepEntered, EventStepStarted, EventStepPaused, EventStepResumed, EventStepRequeued,
	EventStepCompleted, EventStepExited, EventValueReached, EventStatusChanged, EventAssigned, EventSwarmJoined,
	EventSwarmLeft, EventTaskDone, EventApprovalAsked, EventApprovalGiven, EventCommented, EventReclassified,
	EventLinked, EventSpawned, EventFieldChanged, EventWatcherAdded, EventFeedback, EventFeedbackRequested, EventAgentFeedback,
	EventReopened, EventAttached,
	EventSLAWarning, EventSLABreached,
}

// AnyEvent in a rule's On stands for every work item event: a delayed
// rule on it waits for the item to be quiet.
const AnyEvent EventType = "*"

// RuleEvents returns the event types a rule may name in On.
func RuleEvents() []EventType { return slices.Clone(ruleEvents) }

// Validate checks a rule and returns every problem, each with the path of
// the field at fault.
func (r *Rule) Validate() []Diagnostic {
	var ds []Diagnostic
	add := func(path, format string, args ...any) {
		ds = append(ds, Diagnostic{Severity: SeverityError, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if !IsKebab(r.ID) {
		add("id", "%q is not a valid id; expected lower-case words joined by hyphens", r.ID)
	}
	if strings.TrimSpace(r.Name) == "" {
		add("name", "missing name")
	}
	if len(r.On) == 0 {
		add("on", "no triggering events; expected at least one event type, such as created or status_changed")
	}
	for i, t := range r.On {
		if t != AnyEvent && !slices.Contains(ruleEvents, t) {
			names := make([]string, len(ruleEvents))
			for k, e := range ruleEvents {
				names[k] = string(e)
			}
			msg := fmt.Sprintf("unknown event type %q", t)
			if s := Suggest(string(t), names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			add(fmt.Sprintf("on[%d]", i), "%s", msg)
		}
	}
	if r.If != "" {
		if _, err := ParseCondition(r.If); err != nil {
			add("if", "bad condition: %v", err)
		}
	}
	if t := r.Text; t != nil {
		switch {
		case t.Contains == "" && t.Matches == "":
			add("text", "expected contains or matches")
		case t.Contains != "" && t.Matches != "":
			add("text", "give contains or matches, not both")
		}
		if len(t.Contains) > maxPattern || len(t.Matches) > maxPattern {
			add("text", "pattern longer than %d bytes", maxPattern)
		} else if t.Matches != "" {
			if _, err := regexp.Compile("(?i)" + t.Matches); err != nil {
				add("text.matches", "bad regular expression: %v", err)
			}
		}
	}
	for _, d := range []struct {
		path string
		v    Duration
	}{{"older_than", r.OlderThan}, {"after", r.After}} {
		if d.v.IsBusiness() || d.v.Calendar < 0 {
			add(d.path, "expected a calendar duration such as 4h or 7d")
		}
	}
	if b := r.BusinessHours; b != nil && !IsKebab(b.Calendar) {
		add("business_hours.calendar", "%q is not a calendar id", b.Calendar)
	}
	if len(r.Then) == 0 {
		add("then", "no actions; expected at least one of route, assign, set, approve, close, link_knowledge, open_problem, notify")
	}
	for i, a := range r.Then {
		p := fmt.Sprintf("then[%d]", i)
		n := 0
		for _, set := range []bool{a.Route != "", a.Reroute != "", a.Assign != "", a.Set != nil, a.Approve, a.Close, a.LinkKnowledge, a.OpenProblem != nil, a.Notify != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			add(p, "an action names %d things to do; expected exactly one of route, reroute, assign, set, approve, close, link_knowledge, open_problem, notify", n)
			continue
		}
		if a.Notify != "" && !IsKebab(a.Notify) {
			add(p+".notify", "%q is not a webhook id", a.Notify)
		}
		if a.Route != "" && !IsKebab(a.Route) {
			add(p+".route", "%q is not a team id", a.Route)
		}
		if a.Reroute != "" && !IsKebab(a.Reroute) {
			add(p+".reroute", "%q is not a value stream id", a.Reroute)
		}
		if s := a.Set; s != nil {
			if *s == (RuleSet{}) {
				add(p+".set", "nothing to set; expected impact, urgency, priority, category or service")
			}
			if s.Impact != 0 && (s.Impact < 1 || s.Impact > 3) {
				add(p+".set.impact", "impact %d; expected 1, 2 or 3", s.Impact)
			}
			if s.Urgency != 0 && (s.Urgency < 1 || s.Urgency > 3) {
				add(p+".set.urgency", "urgency %d; expected 1, 2 or 3", s.Urgency)
			}
			if s.Priority != "" && (s.Impact != 0 || s.Urgency != 0) {
				add(p+".set.priority", "give a priority or an impact and urgency, not both")
			}
			if s.Priority != "" && !slices.Contains([]Priority{P1, P2, P3, P4, P5}, s.Priority) {
				add(p+".set.priority", "priority %q; expected P1 to P5", s.Priority)
			}
		}
		if o := a.OpenProblem; o != nil {
			if o.Threshold < 2 {
				add(p+".open_problem.threshold", "threshold %d; expected at least 2 incidents", o.Threshold)
			}
			if o.Within.IsBusiness() || o.Within.Calendar <= 0 {
				add(p+".open_problem.within", "expected a positive window such as 24h or 7d")
			}
			if len(r.Then) > 1 {
				add(p+".open_problem", "open_problem acts across items; give it a rule of its own")
			}
		}
	}
	return ds
}

// RuleInput is what a rule is evaluated on: the triggering event, the item
// as that event left it, its text, and when the rule runs.
type RuleInput struct {
	Event       Event
	Item        *WorkItem
	Title       string
	Description string
	Now         time.Time
	// Calendars resolves the business calendar a rule names; nil, or nil
	// for the id, and a business-hours condition does not hold.
	Calendars func(id string) *Calendar
}

// Triggers reports whether an event is one the rule reacts to. A rule never
// reacts to what rules did (events whose actor is a rule), so rules cannot
// trigger each other in a loop.
func (r *Rule) Triggers(e Event) bool {
	return (slices.Contains(r.On, e.Type) || slices.Contains(r.On, AnyEvent) && slices.Contains(ruleEvents, e.Type)) && !IsRuleActor(e.Actor)
}

// Matches reports whether the rule fires on the input: a triggering event
// and every condition holding. A rule that does not validate never matches.
func (r *Rule) Matches(in RuleInput) bool {
	if !r.Triggers(in.Event) || in.Item == nil {
		return false
	}
	if r.If != "" {
		c, err := ParseCondition(r.If)
		if err != nil || !c.Match(in.Item.ConditionFields()) {
			return false
		}
	}
	if t := r.Text; t != nil {
		text := in.Title + "\n" + in.Description
		switch {
		case t.Contains != "":
			if !strings.Contains(strings.ToLower(text), strings.ToLower(t.Contains)) {
				return false
			}
		case t.Matches != "":
			re, err := regexp.Compile("(?i)" + t.Matches)
			if err != nil || !re.MatchString(text) {
				return false
			}
		}
	}
	if r.OlderThan.Calendar > 0 && in.Now.Sub(in.Item.Created) < r.OlderThan.Calendar {
		return false
	}
	if b := r.BusinessHours; b != nil {
		var c *Calendar
		if in.Calendars != nil {
			c = in.Calendars(b.Calendar)
		}
		if c == nil || c.IsOpen(in.Now) != b.Open {
			return false
		}
	}
	return true
}

// Due returns when a rule fires on an event: at the event, or After later.
func (r *Rule) Due(e Event) time.Time { return e.Time.Add(r.After.Calendar) }

// PlannedAction is one action of a firing: the command it becomes, or nil
// for the actions that need the store to decide (knowledge, problems,
// notifications).
type PlannedAction struct {
	Action  string  `json:"action"`
	Command Command `json:"-"`
}

// Plan returns the commands the rule's actions become on an item, in
// order, with the item's priority matrix for a priority to set.
func (r *Rule) Plan(in RuleInput, m PriorityMatrix) []PlannedAction {
	reason := RuleActor(r.ID)
	var out []PlannedAction
	for _, a := range r.Then {
		p := PlannedAction{Action: a.Name()}
		switch {
		case a.Route != "":
			p.Command = Escalate{Team: a.Route, Reason: reason}
		case a.Reroute != "":
			p.Command = Reroute{Stream: a.Reroute, Reason: reason}
		case a.Assign != "":
			p.Command = Assign{Person: a.Assign}
		case a.Set != nil:
			p.Command = setCommand(*a.Set, in.Item, m)
		case a.Approve:
			p.Command = Approve{}
		case a.Close:
			p.Command = Close{Reason: reason}
		}
		out = append(out, p)
	}
	return out
}

func setCommand(s RuleSet, w *WorkItem, m PriorityMatrix) Update {
	var u Update
	if s.Impact != 0 {
		u.Impact = &s.Impact
	}
	if s.Urgency != 0 {
		u.Urgency = &s.Urgency
	}
	if s.Category != "" {
		u.Category = &s.Category
	}
	if s.Service != "" {
		u.Service = &s.Service
	}
	if s.Priority != "" && w != nil {
		impact, urgency := priorityCell(m, w.Impact, w.Urgency, s.Priority)
		u.Impact, u.Urgency = &impact, &urgency
	}
	return u
}

// priorityCell finds the impact and urgency that give a priority, changing
// the urgency if that is enough, else the impact, else both.
func priorityCell(m PriorityMatrix, impact, urgency int, want Priority) (int, int) {
	if p, err := m.Priority(impact, urgency); err == nil && p == want {
		return impact, urgency
	}
	for u := 1; u <= 3; u++ {
		if p, err := m.Priority(impact, u); err == nil && p == want {
			return impact, u
		}
	}
	for i := 1; i <= 3; i++ {
		if p, err := m.Priority(i, urgency); err == nil && p == want {
			return i, urgency
		}
	}
	for i := 1; i <= 3; i++ {
		for u := 1; u <= 3; u++ {
			if p, _ := m.Priority(i, u); p == want {
				return i, u
			}
		}
	}
	return impact, urgency
}
