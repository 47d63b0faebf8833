package eventlog

import (
	"time"

	svcflow "github.com/svcflow/svcflow"
)

// paris is a fixed +02:00 zone: events recorded there must be written in UTC.
var paris = time.FixedZone("CEST", 2*60*60)

// at returns 2026-06-01 09:00 in Paris plus minutes, with a sub-millisecond
// part that the writers truncate.
func at(minutes float64) time.Time {
	return time.Date(2026, 6, 1, 9, 0, 0, 123_456_789, paris).Add(time.Duration(minutes * float64(time.Minute)))
}

// builder numbers an item's events as the store would: a global sequence
// and versions from 1.
type builder struct {
	seq    *int64
	item   string
	from   int // the version before the first event written
	events []svcflow.Event
}

func (b *builder) add(minutes float64, actor string, typ svcflow.EventType, step string, act svcflow.Activity, f func(e *svcflow.Event)) *builder {
	*b.seq++
	e := svcflow.Event{
		Seq: *b.seq, Item: b.item, Version: b.from + len(b.events) + 1, Time: at(minutes),
		Actor: actor, Type: typ, Step: step, Activity: act,
	}
	if f != nil {
		f(&e)
	}
	b.events = append(b.events, e)
	return b
}

func team(t string) func(*svcflow.Event) {
	return func(e *svcflow.Event) { e.Data.Team = t }
}

func status(before, after svcflow.Status, reason string) func(*svcflow.Event) {
	return func(e *svcflow.Event) { e.Before, e.After, e.Data.Reason = string(before), string(after), reason }
}

// fixture is a small realistic log: an incident restored through the
// restoration stream (a pause for the vendor, an escalation, a fix, value,
// feedback), a change refused at its approval step, and a query worked by
// an agent whose id needs escaping, whose history is cut (partial trace).
func fixture() []Trace {
	var seq int64
	const (
		agent      = "p-ana"
		specialist = "p-bo"
		requester  = "p-cy"
	)
	inc := &builder{seq: &seq, item: "INC-1"}
	inc.add(0, requester, svcflow.EventCreated, "", "", func(e *svcflow.Event) {
		e.Data = svcflow.EventData{
			Kind: svcflow.KindIncident, Stream: "restore-live-service", StreamRevision: 1,
			Category: "network", Service: "vpn", Organisation: "acme", Impact: 2, Urgency: 1,
			Priority: svcflow.P2, RequestedBy: requester, RequestedFor: requester, Entry: "user",
		}
	}).
		add(0, requester, svcflow.EventStepEntered, "register", svcflow.Engage, team("service-desk")).
		add(2, agent, svcflow.EventStepStarted, "register", svcflow.Engage, func(e *svcflow.Event) { e.Data.Person = agent }).
		add(2, agent, svcflow.EventStatusChanged, "register", svcflow.Engage, status(svcflow.StatusNew, svcflow.StatusInProgress, "")).
		add(3, agent, svcflow.EventCommented, "register", svcflow.Engage, func(e *svcflow.Event) { e.Data.Comment, e.Data.Public = "c-17", true }).
		add(5, agent, svcflow.EventStepCompleted, "register", svcflow.Engage, func(e *svcflow.Event) { e.Data.Outcome = "registered" }).
		add(5, agent, svcflow.EventStepEntered, "investigate", svcflow.DeliverSupport, team("service-desk")).
		add(9, agent, svcflow.EventStepStarted, "investigate", svcflow.DeliverSupport, func(e *svcflow.Event) { e.Data.Person = agent }).
		add(12, agent, svcflow.EventFieldChanged, "investigate", svcflow.DeliverSupport, func(e *svcflow.Event) {
			e.Data.Field, e.Before, e.After = "priority", "P2", "P1"
		}).
		add(15, agent, svcflow.EventStepPaused, "investigate", svcflow.DeliverSupport, func(e *svcflow.Event) { e.Data.Reason = svcflow.HoldAwaitingVendor }).
		add(15, agent, svcflow.EventStatusChanged, "investigate", svcflow.DeliverSupport, status(svcflow.StatusInProgress, svcflow.StatusOnHold, svcflow.HoldAwaitingVendor)).
		add(40, agent, svcflow.EventStepResumed, "investigate", svcflow.DeliverSupport, nil).
		add(40, agent, svcflow.EventStatusChanged, "investigate", svcflow.DeliverSupport, status(svcflow.StatusOnHold, svcflow.StatusInProgress, "")).
		add(42, agent, svcflow.EventStepRequeued, "investigate", svcflow.DeliverSupport, func(e *svcflow.Event) {
			e.Data.Team, e.Data.Reason = "network-team", "escalated"
		}).
		add(50, specialist, svcflow.EventStepStarted, "investigate", svcflow.DeliverSupport, func(e *svcflow.Event) { e.Data.Person = specialist }).
		add(55, specialist, svcflow.EventSwarmJoined, "investigate", svcflow.DeliverSupport, func(e *svcflow.Event) { e.Data.Person = agent }).
		add(70, specialist, svcflow.EventStepCompleted, "investigate", svcflow.DeliverSupport, func(e *svcflow.Event) { e.Data.Outcome = "fixed" }).
		add(70, svcflow.SystemActor, svcflow.EventValueReached, "", "", nil).
		add(70, svcflow.SystemActor, svcflow.EventStatusChanged, "", "", status(svcflow.StatusInProgress, svcflow.StatusResolved, "")).
		add(70, svcflow.SystemActor, svcflow.EventStepEntered, "feedback", svcflow.Engage, team("service-desk")).
		add(90, requester, svcflow.EventFeedback, "feedback", svcflow.Engage, func(e *svcflow.Event) { e.Data.Score = 4 }).
		add(90, requester, svcflow.EventStepCompleted, "feedback", svcflow.Engage, func(e *svcflow.Event) { e.Data.Outcome = "given" })

	chg := &builder{seq: &seq, item: "CHG-1"}
	chg.add(100, specialist, svcflow.EventCreated, "", "", func(e *svcflow.Event) {
		e.Data = svcflow.EventData{
			Kind: svcflow.KindChange, Stream: "service-change", StreamRevision: 3,
			Category: "network", Service: "vpn", Priority: svcflow.P3, RequestedBy: specialist, RequestedFor: specialist,
		}
	}).
		add(100, specialist, svcflow.EventLinked, "", "", func(e *svcflow.Event) { e.Data.Link, e.Data.Other = svcflow.LinkCausedBy, "INC-1" }).
		add(101, specialist, svcflow.EventStepEntered, "authorize", svcflow.Plan, team("cab")).
		add(101, svcflow.SystemActor, svcflow.EventApprovalAsked, "authorize", svcflow.Plan, func(e *svcflow.Event) { e.Data.Other = "role:cab" }).
		add(180, "p-di", svcflow.EventApprovalGiven, "authorize", svcflow.Plan, func(e *svcflow.Event) {
			e.Data.Person, e.Data.Decision, e.Data.Reason, e.Data.Other = "p-di", "reject", "risk", "role:cab"
		}).
		add(180, "p-di", svcflow.EventStepExited, "authorize", svcflow.Plan, func(e *svcflow.Event) { e.Data.Reason = svcflow.ExitCancelled }).
		add(180, "p-di", svcflow.EventStatusChanged, "", "", status(svcflow.StatusNew, svcflow.StatusCancelled, ""))

	// A partial history (versions 4 to 6): its visit began before the
	// trace, and its attributes cannot be folded.
	odd := &builder{seq: &seq, item: `Q-7<&"'>`, from: 3}
	odd.add(200, `agent<&">`, svcflow.EventStepStarted, "answer", svcflow.Engage, func(e *svcflow.Event) { e.Data.Person = `agent<&">` }).
		add(210, `agent<&">`, svcflow.EventTaskDone, "answer", svcflow.Engage, func(e *svcflow.Event) { e.Data.Task = "check\tlog\nfiles" }).
		add(215, `agent<&">`, svcflow.EventStepExited, "answer", svcflow.Engage, func(e *svcflow.Event) { e.Data.Reason = svcflow.ExitReclassified })

	item, err := svcflow.Replay(inc.events)
	if err != nil {
		panic(err) // the fixture itself is wrong
	}
	return []Trace{
		{Item: item, Events: inc.events},
		{Events: chg.events}, // attributes folded by the writer
		{Events: odd.events},
	}
}

// fixtureEvents returns the events of the fixture in trace order.
func fixtureEvents() []svcflow.Event {
	var all []svcflow.Event
	for _, t := range fixture() {
		all = append(all, t.Events...)
	}
	return all
}
