package desk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/svcflow/svcflow"
)

// MaxDryRunDays bounds how far back a dry-run reads the log.
const MaxDryRunDays = 90

// DryRunReport is what a rule would have done over a stretch of the event
// log: each firing with the commands it would have run, and whether the
// engine would have accepted each on the item as it then stood.
type DryRunReport struct {
	Rule    string         `json:"rule"`
	From    time.Time      `json:"from"`
	To      time.Time      `json:"to"`
	Events  int            `json:"events"` // work item events read: the window's, and a delayed rule's delay before it
	Firings []DryRunFiring `json:"firings"`
}

// DryRunFiring is one firing a dry-run found.
type DryRunFiring struct {
	Item      string            `json:"item"`
	Seq       int64             `json:"seq"` // the triggering event
	Event     svcflow.EventType `json:"event"`
	EventTime time.Time         `json:"event_time"`
	At        time.Time         `json:"at"` // when the rule would have fired
	Actions   []DryRunAction    `json:"actions"`
}

// DryRunAction is one action of a firing in a dry-run.
type DryRunAction struct {
	Action   string              `json:"action"`
	Command  string              `json:"command,omitempty"`
	Accepted bool                `json:"accepted"`
	Events   []svcflow.EventType `json:"events,omitempty"` // what it would have written
	Note     string              `json:"note,omitempty"`   // why it was refused, or what only the live engine decides
}

// Accepted counts the firings of a report whose actions were all accepted.
func (r *DryRunReport) Accepted() int {
	n := 0
	for _, f := range r.Firings {
		if !slices.ContainsFunc(f.Actions, func(a DryRunAction) bool { return !a.Accepted }) {
			n++
		}
	}
	return n
}

// DryRunRule replays the last days of the event log through a rule, saved
// or not, and reports what it would have done, writing nothing (managers
// and admins): the firings that would have happened in the window, a
// delayed rule's on events up to its delay before the window too. Each firing is judged on the item as the log has it at the
// triggering event: earlier firings of the same dry-run do not change it.
func (d *Desk) DryRunRule(ctx context.Context, actor *svcflow.Person, r *svcflow.Rule, days int) (*DryRunReport, error) {
	if err := manager(actor); err != nil {
		return nil, err
	}
	if err := checkRule(r); err != nil {
		return nil, err
	}
	if days < 1 || days > MaxDryRunDays {
		return nil, svcflow.FieldErrorf("days", "%d days; expected 1 to %d", days, MaxDryRunDays)
	}
	to := d.now()
	rep := &DryRunReport{Rule: r.ID, From: to.Add(-time.Duration(days) * 24 * time.Hour), To: to, Firings: []DryRunFiring{}}
	// A delayed rule fires in the window on events up to its delay before
	// it.
	start := rep.From.Add(-r.After.Calendar)
	var window []svcflow.Event
	var items []string
	for after := int64(0); ; {
		batch, err := d.store.Events(ctx, after, 5000)
		if err != nil {
			return nil, err
		}
		for _, e := range batch {
			if e.Item == ConfigSubject || e.Time.Before(start) || e.Time.After(to) {
				continue
			}
			window = append(window, e)
			if r.Triggers(e) && !slices.Contains(items, e.Item) {
				items = append(items, e.Item)
			}
		}
		if len(batch) < 5000 {
			break
		}
		after = batch[len(batch)-1].Seq
	}
	rep.Events = len(window)
	histories := map[string][]svcflow.Event{}
	contents := map[string]Content{}
	for k := 0; k < len(items); k += 500 {
		chunk := items[k:min(k+500, len(items))]
		h, err := d.store.EventsOfItems(ctx, chunk)
		if err != nil {
			return nil, err
		}
		c, err := d.store.ItemContents(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for id, evs := range h {
			histories[id] = evs
		}
		for id, ct := range c {
			contents[id] = ct
		}
	}
	latest, err := d.latestStreams(ctx)
	if err != nil {
		return nil, err
	}
	cals, err := d.calendars(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range window {
		if !r.Triggers(e) {
			continue
		}
		h := histories[e.Item]
		at, version, ok := firesAt(r, h, e, to)
		if !ok || at.Before(rep.From) {
			continue
		}
		w, err := svcflow.ReplayTo(h, version)
		if err != nil {
			return nil, err
		}
		in := svcflow.RuleInput{Event: e, Item: w, Title: contents[e.Item].Title, Description: contents[e.Item].Description, Now: at, Calendars: cals}
		if !r.Matches(in) {
			continue
		}
		f, err := d.dryFire(ctx, r, in, at, latest)
		if err != nil {
			return nil, fmt.Errorf("dry-run %s on %s@%d: %w", r.ID, e.Item, e.Seq, err)
		}
		rep.Firings = append(rep.Firings, f)
	}
	return rep, nil
}

// firesAt returns when and on which version of the item a rule fires on a
// triggering event, as the live engine would: at once on the item as the
// event's command left it, or for a delayed rule After the event when it
// ends its command and nothing happens to the item before then.
func firesAt(r *svcflow.Rule, h []svcflow.Event, e svcflow.Event, to time.Time) (time.Time, int, bool) {
	end := CommandEnd(h, e.Version)
	if r.After.Calendar <= 0 {
		return e.Time, end, true
	}
	if end != e.Version {
		return time.Time{}, 0, false // the command's last event is the trigger
	}
	due := r.Due(e)
	if due.After(to) {
		return time.Time{}, 0, false
	}
	for _, x := range h {
		if x.Version > e.Version && !x.Time.After(due) {
			return time.Time{}, 0, false
		}
	}
	return due, e.Version, true
}

// dryFire decides a firing's commands in turn on a copy of the item.
func (d *Desk) dryFire(ctx context.Context, r *svcflow.Rule, in svcflow.RuleInput, at time.Time, latest []*svcflow.ValueStream) (DryRunFiring, error) {
	e := in.Event
	f := DryRunFiring{Item: e.Item, Seq: e.Seq, Event: e.Type, EventTime: e.Time, At: at}
	s, err := d.stream(ctx, in.Item.Stream, in.Item.StreamRevision)
	if err != nil {
		return f, err
	}
	n := 0
	env := svcflow.Env{Now: at, Actor: svcflow.Actor{ID: svcflow.RuleActor(r.ID)}, Stream: s, Matrix: d.mat,
		Streams: func(id string) *svcflow.ValueStream {
			for _, x := range latest {
				if x.ID == id {
					return x
				}
			}
			return nil
		},
		NewID: func(k svcflow.Kind) (string, error) { n++; return fmt.Sprintf("DRY-RUN-%d", n), nil },
	}
	w := in.Item
	for _, p := range r.Plan(in, d.matrix()) {
		a := DryRunAction{Action: p.Action}
		cmd := p.Command
		switch p.Action {
		case "link_knowledge":
			if cmd, err = d.knowledgeLink(ctx, w, in); err != nil {
				return f, err
			}
			if cmd == nil {
				a.Note = "no published article matches the title"
			}
		case "open_problem":
			a.Note = "counted across items by the live engine; not replayed"
		case "notify":
			dl, err := d.ruleDelivery(ctx, r, r.Then[len(f.Actions)].Notify, e, w)
			if err != nil {
				return f, err
			}
			a.Accepted = dl != nil
			a.Note = "no active webhook " + r.Then[len(f.Actions)].Notify
			if dl != nil {
				a.Note = "would post to " + dl.Target
			}
		}
		if cmd != nil {
			a.Command = svcflow.CommandName(cmd)
			res, err := svcflow.Decide(w, env, cmd)
			if err != nil {
				a.Note = err.Error()
			} else {
				a.Accepted = true
				for _, x := range res.Events {
					a.Events = append(a.Events, x.Type)
				}
				w = res.Item
			}
		}
		f.Actions = append(f.Actions, a)
	}
	return f, nil
}
