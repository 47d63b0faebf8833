package notify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/svcflow/svcflow"
)

// Mail is one mail a rule wants sent to one person.
type Mail struct {
	To      *svcflow.Person
	Subject string
	Text    string
}

// Input is what a producer decides on: the triggering event, the item as
// that event left it, the item's title, the people, and the links mails
// may carry.
type Input struct {
	Event     svcflow.Event
	Item      *svcflow.WorkItem
	Title     string
	Directory *Directory
	Links     Links
}

// Producer turns an event into mails. Producers are pure: the same input
// gives the same mails, so any instance may run them.
type Producer func(Input) []Mail

// Rule is a notification rule: an id that makes its firings unique, the
// event types it looks at, and its producer.
type Rule struct {
	ID          string
	Description string
	Events      []svcflow.EventType
	Produce     Producer
}

// DefaultRules are the notification rules svcflow ships.
var DefaultRules = []Rule{
	{ID: "default-resolved-mail", Description: "When an item is resolved, mail the requester with links to confirm (close) or reopen it",
		Events: []svcflow.EventType{svcflow.EventStatusChanged}, Produce: ResolvedMail},
	{ID: "default-assigned-mail", Description: "When a step is assigned to a person, or started for a person by someone else, tell that person",
		Events: []svcflow.EventType{svcflow.EventAssigned, svcflow.EventStepStarted}, Produce: AssignedMail},
	{ID: "default-sla-warning-mail", Description: "When an SLA clock warns, mail the members of the team working the item",
		Events: []svcflow.EventType{svcflow.EventSLAWarning}, Produce: SLAWarningMail},
}

// Directory is the people notifications may go to.
type Directory struct {
	people map[string]*svcflow.Person
	teams  map[string][]*svcflow.Person
}

// NewDirectory indexes people by id and by team.
func NewDirectory(people []*svcflow.Person) *Directory {
	d := &Directory{people: map[string]*svcflow.Person{}, teams: map[string][]*svcflow.Person{}}
	for _, p := range people {
		d.people[p.ID] = p
		for _, t := range p.Teams {
			d.teams[t] = append(d.teams[t], p)
		}
	}
	return d
}

// Person returns a person who can be mailed, or nil.
func (d *Directory) Person(id string) *svcflow.Person {
	p := d.people[id]
	if p == nil || p.Erased || p.Email == "" {
		return nil
	}
	return p
}

// Members returns the mailable agents (and up) of a team, by id.
func (d *Directory) Members(team string) []*svcflow.Person {
	var out []*svcflow.Person
	for _, p := range d.teams[team] {
		if q := d.Person(p.ID); q != nil && q.Role != svcflow.RoleRequester {
			out = append(out, q)
		}
	}
	slices.SortFunc(out, func(a, b *svcflow.Person) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ResolvedMail mails the requester (and the person it was requested for)
// when an item is resolved, with links that confirm or reopen it as them.
// Improvements get none: they are resolved when put in use and then wait
// for the register's evaluation, which a confirmation would cut short.
func ResolvedMail(in Input) []Mail {
	if in.Event.Type != svcflow.EventStatusChanged || svcflow.Status(in.Event.After) != svcflow.StatusResolved ||
		in.Item.Kind == svcflow.KindImprovement {
		return nil
	}
	w := in.Item
	var out []Mail
	for _, id := range uniq(w.RequestedBy, w.RequestedFor) {
		p := in.Directory.Person(id)
		if p == nil {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Hello %s,\n\n", p.Name)
		fmt.Fprintf(&b, "%s %q has been resolved.\n\n", w.ID, in.Title)
		fmt.Fprintf(&b, "If it works for you now, please confirm, and we will close it:\n%s\n\n", in.Links.Action(w.ID, ActionConfirm, p.ID))
		fmt.Fprintf(&b, "If it does not, reopen it and we will pick it up again:\n%s\n\n", in.Links.Action(w.ID, ActionReopen, p.ID))
		b.WriteString("Each link asks you once more before it does anything.\n")
		out = append(out, Mail{To: p, Subject: fmt.Sprintf("[%s] Resolved: %s", w.ID, in.Title), Text: b.String()})
	}
	return out
}

// AssignedMail tells a person that a step was assigned to them, or started
// for them by someone else; what people do themselves needs no mail.
func AssignedMail(in Input) []Mail {
	e := in.Event
	switch e.Type {
	case svcflow.EventAssigned, svcflow.EventStepStarted:
	default:
		return nil
	}
	if e.Data.Person == "" || e.Data.Person == e.Actor {
		return nil
	}
	p := in.Directory.Person(e.Data.Person)
	if p == nil {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", p.Name)
	fmt.Fprintf(&b, "%s %q (%s, priority %s) is yours", in.Item.ID, in.Title, in.Item.Kind, in.Item.Priority)
	if e.Step != "" {
		fmt.Fprintf(&b, " at step %s", e.Step)
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "%s\n", in.Links.Item(in.Item.ID))
	return []Mail{{To: p, Subject: fmt.Sprintf("[%s] Assigned to you: %s", in.Item.ID, in.Title), Text: b.String()}}
}

// SLAWarningMail mails the team working the item when an SLA clock warns.
func SLAWarningMail(in Input) []Mail {
	e := in.Event
	if e.Type != svcflow.EventSLAWarning || in.Item.Visit == nil || in.Item.Visit.Team == "" {
		return nil
	}
	var out []Mail
	for _, p := range in.Directory.Members(in.Item.Visit.Team) {
		var b strings.Builder
		fmt.Fprintf(&b, "Hello %s,\n\n", p.Name)
		fmt.Fprintf(&b, "The %s SLA of %s %q (priority %s) is close to breaching.\n", e.Data.Field, in.Item.ID, in.Title, in.Item.Priority)
		fmt.Fprintf(&b, "It is in your team's queue (%s) at step %s.\n\n", in.Item.Visit.Team, in.Item.Visit.Step)
		fmt.Fprintf(&b, "%s\n", in.Links.Item(in.Item.ID))
		out = append(out, Mail{To: p, Subject: fmt.Sprintf("[%s] SLA warning (%s): %s", in.Item.ID, e.Data.Field, in.Title), Text: b.String()})
	}
	return out
}

func uniq(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
