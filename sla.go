package svcflow

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Events a ticker records when an SLA clock crosses its warning threshold or
// its target. Data.Field names the clock (SLAResponse or SLAResolution). They
// are notifications: SLA figures never read them, so recording one late, or
// twice, changes no number.
const (
	EventSLAWarning  EventType = "sla_warning"
	EventSLABreached EventType = "sla_breached"
)

// The two clocks of an SLA, as named in Data.Field of sla events.
const (
	SLAResponse   = "response"
	SLAResolution = "resolution"
)

// When the response clock stops (SLAPolicy.ResponseStop).
const (
	ResponseStopEither = "either" // the earlier of a public agent reply and an agent starting a step
	ResponseStopReply  = "reply"  // only a public agent reply
	ResponseStopStart  = "start"  // only an agent starting a step
)

// DefaultSLAWarnAt is the share of a target at which a clock warns when the
// policy sets none: 75 %, iTop's and ServiceNow's "warning" threshold.
const DefaultSLAWarnAt = 0.75

// maxTargetBusinessDays bounds business-day targets; a longer one is a typo.
const maxTargetBusinessDays = 3650

// SLAPolicy sets response and resolution targets per priority for the work
// items it applies to: those of its services and organisation tiers (an empty
// list means all). Its clocks count working time on its calendar and pause
// while an item is on hold for one of the PauseOn reasons.
type SLAPolicy struct {
	ID       string      `json:"id"`
	Name     string      `json:"name,omitempty"`
	Calendar string      `json:"calendar,omitempty"` // calendar id; "" counts every hour (24×7)
	Targets  []SLATarget `json:"targets"`
	Services []string    `json:"services,omitempty"`
	Tiers    []int       `json:"tiers,omitempty"` // organisation tiers; empty = all
	// PauseOn lists the hold reasons that pause the clocks. Nil means only
	// awaiting_requester (the one wait the provider does not control); an
	// empty, non-nil list means no reason pauses them.
	PauseOn      []string `json:"pause_on,omitzero"`
	WarnAt       float64  `json:"warn_at,omitempty"`       // share of the target at which to warn; 0 = DefaultSLAWarnAt
	ResponseStop string   `json:"response_stop,omitempty"` // either (default), reply or start
}

// SLATarget is what a policy promises for one priority. Either target may be
// zero: that clock then has no target for the priority.
type SLATarget struct {
	Priority   Priority `json:"priority"`
	Response   Duration `json:"response,omitzero"`
	Resolution Duration `json:"resolution,omitzero"`
}

// Validate checks the policy and returns every problem found, joined, each
// an ErrInvalid *Error naming its field. Whether the calendar exists is the
// caller's to check, since a policy does not know the calendars.
func (p *SLAPolicy) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldErrorf(field, format, args...))
	}
	if strings.TrimSpace(p.ID) == "" {
		add("id", "missing policy id")
	}
	if len(p.Targets) == 0 {
		add("targets", "no targets; expected at least one priority with a response or resolution target")
	}
	seen := map[Priority]int{}
	for i, t := range p.Targets {
		field := fmt.Sprintf("targets[%d]", i)
		if !t.Priority.IsValid() {
			add(field+".priority", "priority %q; expected P1 to P5", t.Priority)
		} else if j, dup := seen[t.Priority]; dup {
			add(field+".priority", "%s has targets already in targets[%d]", t.Priority, j)
		} else {
			seen[t.Priority] = i
		}
		if t.Response.IsZero() && t.Resolution.IsZero() {
			add(field, "no response or resolution target")
		}
		for _, d := range []struct {
			name string
			d    Duration
		}{{"response", t.Response}, {"resolution", t.Resolution}} {
			switch {
			case d.d.Calendar < 0 || d.d.BusinessDays < 0 || math.IsNaN(d.d.BusinessDays):
				add(field+"."+d.name, "%s target %s is not positive", d.name, d.d)
			case d.d.BusinessDays > maxTargetBusinessDays:
				add(field+"."+d.name, "%s target %s is over %d business days", d.name, d.d, maxTargetBusinessDays)
			}
		}
	}
	for i, s := range p.Services {
		if strings.TrimSpace(s) == "" {
			add(fmt.Sprintf("services[%d]", i), "empty service id")
		} else if slices.Contains(p.Services[:i], s) {
			add(fmt.Sprintf("services[%d]", i), "service %q is listed twice", s)
		}
	}
	for i, t := range p.Tiers {
		if t < 1 {
			add(fmt.Sprintf("tiers[%d]", i), "tier %d; expected 1 or more", t)
		} else if slices.Contains(p.Tiers[:i], t) {
			add(fmt.Sprintf("tiers[%d]", i), "tier %d is listed twice", t)
		}
	}
	for i, r := range p.PauseOn {
		if strings.TrimSpace(r) == "" {
			add(fmt.Sprintf("pause_on[%d]", i), "empty hold reason; expected one such as %s", HoldAwaitingRequester)
		} else if slices.Contains(p.PauseOn[:i], r) {
			add(fmt.Sprintf("pause_on[%d]", i), "hold reason %q is listed twice", r)
		}
	}
	if math.IsNaN(p.WarnAt) || p.WarnAt < 0 || p.WarnAt >= 1 {
		add("warn_at", "warn at %v; expected a share of the target above 0 and below 1, such as 0.75", p.WarnAt)
	}
	switch p.ResponseStop {
	case "", ResponseStopEither, ResponseStopReply, ResponseStopStart:
	default:
		add("response_stop", "response stop %q; expected %s, %s or %s", p.ResponseStop, ResponseStopEither, ResponseStopReply, ResponseStopStart)
	}
	return errors.Join(errs...)
}

// Target returns the policy's targets for a priority, and whether it has any.
func (p *SLAPolicy) Target(prio Priority) (SLATarget, bool) {
	for _, t := range p.Targets {
		if t.Priority == prio {
			return t, true
		}
	}
	return SLATarget{}, false
}

func (p *SLAPolicy) pauses(reason string) bool {
	if p.PauseOn == nil {
		return reason == HoldAwaitingRequester
	}
	return slices.Contains(p.PauseOn, reason)
}

func (p *SLAPolicy) warnShare() float64 {
	if p.WarnAt > 0 && p.WarnAt < 1 {
		return p.WarnAt
	}
	return DefaultSLAWarnAt
}

// SelectPolicy returns the policy that applies to an item of an
// organisation of the given tier: the most specific one (service and tier,
// then service, then tier, then a generic policy), the lowest id among
// equals, or nil when none applies. It does not look at targets: a policy
// with no target for the item's priority still applies, with clocks that
// have no target, so that adding a priority to a generic policy cannot
// silently hand items to another one.
func SelectPolicy(policies []*SLAPolicy, item *WorkItem, tier int) *SLAPolicy {
	service := ""
	if item != nil {
		service = item.Service
	}
	var best *SLAPolicy
	bestScore := -1
	for _, p := range policies {
		if p == nil {
			continue
		}
		score := 0
		if len(p.Services) > 0 {
			if service == "" || !slices.Contains(p.Services, service) {
				continue
			}
			score += 2
		}
		if len(p.Tiers) > 0 {
			if !slices.Contains(p.Tiers, tier) {
				continue
			}
			score++
		}
		if score > bestScore || score == bestScore && p.ID < best.ID {
			best, bestScore = p, score
		}
	}
	return best
}

// Clock states.
const (
	ClockRunning   = "running"
	ClockPaused    = "paused"
	ClockMet       = "met"       // stopped within the target
	ClockBreached  = "breached"  // past the target, whether still running, paused or stopped
	ClockCancelled = "cancelled" // the item was cancelled while the clock ran: left out of attainment
	ClockNoTarget  = "no_target" // the policy sets no target for this clock at the item's priority
)

// Clock is one SLA clock of an item as of an instant.
type Clock struct {
	Target  time.Duration `json:"target"`  // working time allowed: for the current priority, or for the one a stopped clock stopped under
	Elapsed time.Duration `json:"elapsed"` // working time counted
	// TargetSince is when Target took effect: the creation, or the last
	// priority change that changed it. A crossing cannot be known earlier.
	TargetSince time.Time `json:"target_since,omitzero"`
	Due         time.Time `json:"due,omitzero"`     // when it breaches (or breached) if nothing changes; zero when stopped or paused
	WarnAt      time.Time `json:"warn_at,omitzero"` // likewise for the warning
	Stopped     bool      `json:"stopped,omitempty"`
	StoppedAt   time.Time `json:"stopped_at,omitzero"`
	Paused      bool      `json:"paused,omitempty"`
	Breached    bool      `json:"breached,omitempty"`
	BreachedAt  time.Time `json:"breached_at,omitzero"` // the instant the elapsed time reached the target
	Warned      bool      `json:"warned,omitempty"`
	WarnedAt    time.Time `json:"warned_at,omitzero"`
	State       string    `json:"state"` // running, paused, met, breached, cancelled, no_target; "" before the item exists
}

// SLAStatus is the state of an item's SLA clocks as of an instant.
type SLAStatus struct {
	Policy     string   `json:"policy"`
	Priority   Priority `json:"priority"`
	Response   Clock    `json:"response"`
	Resolution Clock    `json:"resolution"`
}

// SLACrossing is a clock reaching its warning threshold or its target: what
// a ticker records as an sla_warning or sla_breached event.
type SLACrossing struct {
	Clock string    `json:"clock"` // SLAResponse or SLAResolution
	Kind  string    `json:"kind"`  // CrossingWarning or CrossingBreach
	At    time.Time `json:"at"`
}

// Kinds of crossing.
const (
	CrossingWarning = "warning"
	CrossingBreach  = "breach"
)

// EventType returns the type of event that records c.
func (c SLACrossing) EventType() EventType {
	if c.Kind == CrossingBreach {
		return EventSLABreached
	}
	return EventSLAWarning
}

// Crossings returns the crossings that have happened, in time order. Each is
// at the instant the elapsed time reached the threshold, or at TargetSince
// when a priority change moved the threshold below time already counted (the
// crossing was not true before). A warning at the same instant as its
// breach is left out: the breach says more.
//
// A ticker computes the status as of now and records each crossing whose
// clock and kind have no event at or after the clock's TargetSince: so each
// is recorded once, and again only if a priority change sets a new target
// that is crossed in its turn.
func (s SLAStatus) Crossings() []SLACrossing {
	var out []SLACrossing
	for _, c := range []struct {
		name  string
		clock Clock
	}{{SLAResponse, s.Response}, {SLAResolution, s.Resolution}} {
		k := c.clock
		var breachAt time.Time
		if k.Breached {
			breachAt = laterTime(k.BreachedAt, k.TargetSince)
		}
		if k.Warned {
			if at := laterTime(k.WarnedAt, k.TargetSince); !k.Breached || at.Before(breachAt) {
				out = append(out, SLACrossing{c.name, CrossingWarning, at})
			}
		}
		if k.Breached {
			out = append(out, SLACrossing{c.name, CrossingBreach, breachAt})
		}
	}
	slices.SortStableFunc(out, func(a, b SLACrossing) int { return a.At.Compare(b.At) })
	return out
}

// clockTrack follows one clock through an item's events: the intervals in
// which it counted, and how it stands after the last event.
type clockTrack struct {
	runs      []openInterval // the last one is open (end zero) while running
	running   bool
	paused    bool
	stopped   bool
	final     bool // it never runs again
	cancelled bool
	stoppedAt time.Time
	prio      Priority  // whose target applies: the current priority, or the one it stopped under
	since     time.Time // when that target took effect
}

// clockMode is what a clock does between two events.
type clockMode int

const (
	clockCounting clockMode = iota
	clockPausing
	clockStopping
)

// set moves the clock to a mode at t. Stopping keeps the first stop's
// instant; counting again (a reopen) clears it.
func (c *clockTrack) set(mode clockMode, t time.Time) {
	if c.final {
		return
	}
	run := mode == clockCounting
	if c.running && !run {
		c.runs[len(c.runs)-1].end = t
	}
	if !c.running && run {
		c.runs = append(c.runs, openInterval{start: t})
	}
	c.running = run
	c.paused = mode == clockPausing
	switch {
	case mode == clockStopping && !c.stopped:
		c.stopped, c.stoppedAt = true, t
	case mode != clockStopping:
		c.stopped, c.stoppedAt = false, time.Time{}
	}
}

// stop ends the clock for good, marking it cancelled when it was still
// live (running or paused) when the item was cancelled.
func (c *clockTrack) stop(t time.Time, cancelled bool) {
	if c.final {
		return
	}
	if cancelled && !c.stopped {
		c.cancelled = true
	}
	c.set(clockStopping, t)
	c.final = true
}

// Compute returns the item's SLA clocks under this policy as of asOf, from
// its events alone (events after asOf are ignored), so that live figures and
// figures recomputed later from the log agree. cal is the policy's calendar,
// resolved by the caller; nil counts every hour.
//
// Both clocks start at created and count working time only. They pause while
// the item is on hold for a PauseOn reason. The response clock stops at the
// first response (see ResponseStop): a public comment, or a step started,
// by someone other than the system and the requester side (requested_by,
// requested_for, watchers), or failing that when the item is resolved,
// closed or cancelled. The resolution clock stops at resolved and runs on
// from its elapsed time when the item is reopened; closed and cancelled stop
// both for good.
//
// Targets follow the current priority and are recomputed over the whole
// history when it changes, as ServiceNow, JSM and Zammad do: the clock shows
// what the item has used of the target it has now. Raising the priority can
// thus breach a clock at once (BreachedAt falls before the change;
// Crossings reports it at the change), and lowering it can lift a breach.
// A clock already stopped keeps the target it stopped under, as completed
// JSM cycles do: a response given within its target stays met when the
// priority is raised later. Business-day targets are converted by
// Calendar.BusinessDuration from the creation.
func (p *SLAPolicy) Compute(cal *Calendar, events []Event, asOf time.Time) SLAStatus {
	r := cal.rules()
	status := SLAStatus{Policy: p.ID}
	var (
		resp, reso clockTrack
		created    time.Time
		started    bool
		last       time.Time
		requesters []string
		stopMode   = p.ResponseStop
	)
	if stopMode == "" {
		stopMode = ResponseStopEither
	}
	// retarget gives a clock that is not stopped the current priority's
	// target. A stopped clock keeps the one it stopped under, so raising
	// the priority of an item answered days ago does not re-judge the
	// answer; a reopened item's resolution clock takes the current one.
	retarget := func(c *clockTrack, target func(SLATarget) Duration, t time.Time) {
		if c.stopped || c.prio == status.Priority {
			return
		}
		old, _ := p.Target(c.prio)
		cur, _ := p.Target(status.Priority)
		if target(old) != target(cur) {
			c.since = t
		}
		c.prio = status.Priority
	}
	responseOf := func(t SLATarget) Duration { return t.Response }
	resolutionOf := func(t SLATarget) Duration { return t.Resolution }
	isAgent := func(actor string) bool {
		return actor != "" && actor != SystemActor && !slices.Contains(requesters, actor)
	}
	for _, e := range events {
		if e.Time.After(asOf) {
			continue
		}
		if !started && e.Type != EventCreated {
			continue
		}
		// A clock must not run backwards: an event stamped before the
		// previous one counts as happening with it.
		t := laterTime(e.Time, last)
		last = t
		d := e.Data
		switch e.Type {
		case EventCreated:
			if started {
				continue
			}
			started, created = true, t
			status.Priority = d.Priority
			requesters = append(requesters, d.RequestedBy, d.RequestedFor)
			resp.prio, reso.prio = d.Priority, d.Priority
			resp.since, reso.since = t, t
			resp.set(clockCounting, t)
			reso.set(clockCounting, t)
		case EventFieldChanged:
			switch d.Field {
			case "priority":
				status.Priority = Priority(e.After)
			case "requested_for":
				requesters = append(requesters, e.After)
			}
		case EventWatcherAdded:
			requesters = append(requesters, d.Person)
		case EventCommented:
			if d.Public && stopMode != ResponseStopStart && isAgent(e.Actor) {
				resp.stop(t, false)
			}
		case EventStepStarted:
			if stopMode != ResponseStopReply && isAgent(e.Actor) {
				resp.stop(t, false)
			}
		case EventStatusChanged:
			switch s := Status(e.After); s {
			case StatusResolved:
				resp.stop(t, false)
				reso.set(clockStopping, t)
			case StatusClosed, StatusCancelled:
				resp.stop(t, s == StatusCancelled)
				reso.stop(t, s == StatusCancelled)
			case StatusOnHold:
				mode := clockCounting
				if p.pauses(d.Reason) {
					mode = clockPausing
				}
				resp.set(mode, t)
				reso.set(mode, t)
			default: // new or in_progress: back from a hold, or reopened
				resp.set(clockCounting, t)
				reso.set(clockCounting, t)
			}
		}
		retarget(&resp, responseOf, t)
		retarget(&reso, resolutionOf, t)
	}
	if !started {
		return status
	}
	share := p.warnShare()
	respTarget, _ := p.Target(resp.prio)
	resoTarget, _ := p.Target(reso.prio)
	status.Response = r.evaluate(&resp, r.targetTime(respTarget.Response, created), share, asOf)
	status.Resolution = r.evaluate(&reso, r.targetTime(resoTarget.Resolution, created), share, asOf)
	return status
}

func (r *calRules) targetTime(d Duration, created time.Time) time.Duration {
	if d.IsBusiness() {
		return r.businessDays(d.BusinessDays, created)
	}
	return max(d.Calendar, 0)
}

// evaluate turns a tracked clock into a Clock as of asOf. A threshold is
// crossed at the instant the counted time reaches it, provided the clock
// was still running after that instant: an item resolved exactly on its
// due instant met its target, one resolved a moment later (even outside
// working hours, when no more time counts) did not.
func (r *calRules) evaluate(t *clockTrack, target time.Duration, share float64, asOf time.Time) Clock {
	c := Clock{
		Target: target, TargetSince: t.since,
		Stopped: t.stopped, StoppedAt: t.stoppedAt, Paused: t.paused,
	}
	warnAt := time.Duration(share * float64(target))
	var before time.Duration // counted before the current run
	for _, run := range t.runs {
		end := run.end
		if end.IsZero() {
			end = asOf
		}
		counted := r.businessTime(run.start, end)
		if target > 0 {
			if !c.Warned && before+counted >= warnAt {
				if at := r.addBusiness(run.start, warnAt-before); at.Before(end) {
					c.Warned, c.WarnedAt = true, at
				}
			}
			if !c.Breached && before+counted >= target {
				if at := r.addBusiness(run.start, target-before); at.Before(end) {
					c.Breached, c.BreachedAt = true, at
				}
			}
		}
		c.Elapsed = before + counted
		if run.end.IsZero() && target > 0 {
			c.Due, c.WarnAt = c.BreachedAt, c.WarnedAt
			if !c.Breached {
				c.Due = r.addBusiness(run.start, target-before)
			}
			if !c.Warned {
				c.WarnAt = r.addBusiness(run.start, warnAt-before)
			}
		}
		before += counted
	}
	switch {
	case target <= 0:
		c.State = ClockNoTarget
	case t.cancelled:
		c.State = ClockCancelled
	case c.Breached:
		c.State = ClockBreached
	case c.Stopped:
		c.State = ClockMet
	case c.Paused:
		c.State = ClockPaused
	default:
		c.State = ClockRunning
	}
	return c
}
