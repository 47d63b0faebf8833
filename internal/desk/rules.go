package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Configuration events of automation rules.
const (
	EventRuleSaved   svcflow.EventType = "rule_saved"
	EventRuleDeleted svcflow.EventType = "rule_deleted"
)

// RulesCursor is the rule engine's place in the event log.
const RulesCursor = "rules"

// Rules stores automation rules. Rule firings share the outbox's firings
// (unique by rule, item and triggering event); a firing that changes an
// item travels in the item's Change, so the firing and what it did commit
// together or not at all.
type Rules interface {
	PutRule(ctx context.Context, r *svcflow.Rule, event svcflow.Event) error
	Rule(ctx context.Context, id string) (*svcflow.Rule, error)
	AllRules(ctx context.Context) ([]*svcflow.Rule, error)
	DeleteRule(ctx context.Context, id string, event svcflow.Event) error
	// FiringRecorded reports whether a firing is recorded.
	FiringRecorded(ctx context.Context, rule, item string, seq int64) (bool, error)
	// MarkDefaultRule records that a shipped rule was installed; it
	// returns false when it was already (by this or another instance).
	MarkDefaultRule(ctx context.Context, id string) (bool, error)
	// ItemsOnCI returns the ids of the items of a kind linked to a
	// configuration item and created in [from, to], oldest first.
	ItemsOnCI(ctx context.Context, ci string, kind svcflow.Kind, from, to time.Time) ([]string, error)
}

// manager allows managers and admins.
func manager(actor *svcflow.Person) error {
	if actor == nil || !actor.Role.AtLeast(svcflow.RoleManager) {
		return svcflow.Errorf(svcflow.ErrForbidden, "only managers and admins may read automation rules")
	}
	return nil
}

// checkRule validates a rule as a whole, naming the first field at fault.
func checkRule(r *svcflow.Rule) error {
	ds := r.Validate()
	if len(ds) == 0 {
		return nil
	}
	msgs := []string{ds[0].Message} // the error names the first field itself
	for _, x := range ds[1:] {
		msgs = append(msgs, x.Path+": "+x.Message)
	}
	return &svcflow.Error{Code: svcflow.ErrInvalid, Field: ds[0].Path, Message: strings.Join(msgs, "; ")}
}

// SaveRule creates or replaces a rule (admins), with a configuration event.
func (d *Desk) SaveRule(ctx context.Context, actor *svcflow.Person, r *svcflow.Rule, pre ...Precondition) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if err := checkRule(r); err != nil {
		return err
	}
	ev := d.configEvent(actor, EventRuleSaved, r.ID)
	err := d.putConfig(ctx, ConfigRule, r.ID, r, pre, ev, func() error { return d.store.PutRule(ctx, r, ev) })
	var de *svcflow.Error
	if err == nil || errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("save rule %s: %w", r.ID, err)
}

// Rule returns one rule (managers and admins).
func (d *Desk) Rule(ctx context.Context, actor *svcflow.Person, id string) (*svcflow.Rule, error) {
	if err := manager(actor); err != nil {
		return nil, err
	}
	r, err := d.store.Rule(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no rule %s", id)
	}
	return r, err
}

// ListRules returns every rule, by id (managers and admins).
func (d *Desk) ListRules(ctx context.Context, actor *svcflow.Person) ([]*svcflow.Rule, error) {
	if err := manager(actor); err != nil {
		return nil, err
	}
	return d.store.AllRules(ctx)
}

// SetRuleEnabled switches a rule on or off (admins).
func (d *Desk) SetRuleEnabled(ctx context.Context, actor *svcflow.Person, id string, on bool) (*svcflow.Rule, error) {
	if err := admin(actor); err != nil {
		return nil, err
	}
	r, err := d.Rule(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	r.Enabled = on
	return r, d.SaveRule(ctx, actor, r)
}

// DeleteRule removes a rule (admins); its recorded firings stay.
func (d *Desk) DeleteRule(ctx context.Context, actor *svcflow.Person, id string) error {
	if _, err := d.Rule(ctx, actor, id); err != nil {
		return err
	}
	if err := admin(actor); err != nil {
		return err
	}
	return d.store.DeleteRule(ctx, id, d.configEvent(actor, EventRuleDeleted, id))
}

// InstallRules saves the shipped rules never installed on this store
// before, as the system: each arrives once, and from then on it is the
// admins' to change or delete (a deleted one does not come back).
func (d *Desk) InstallRules(ctx context.Context, rules []*svcflow.Rule) (int, error) {
	n := 0
	for _, r := range rules {
		first, err := d.store.MarkDefaultRule(ctx, r.ID)
		if err != nil {
			return n, err
		}
		if !first {
			continue
		}
		if _, err := d.store.Rule(ctx, r.ID); err == nil {
			continue // an admin's rule of that id stands
		} else if !errors.Is(err, ErrNotFound) {
			return n, err
		}
		if err := d.SaveRule(ctx, nil, r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// calendars returns a lookup of the business calendars by id, for rules'
// business-hours conditions.
func (d *Desk) calendars(ctx context.Context) (func(string) *svcflow.Calendar, error) {
	cs, err := d.store.Calendars(ctx)
	if err != nil {
		return nil, err
	}
	return func(id string) *svcflow.Calendar {
		for _, c := range cs {
			if c.ID == id {
				return c
			}
		}
		return nil
	}, nil
}

func (d *Desk) enabledRules(ctx context.Context) ([]*svcflow.Rule, error) {
	all, err := d.store.AllRules(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r *svcflow.Rule) bool { return !r.Enabled }), nil
}

// CommandEnd returns the version of the last event the command that wrote
// an event wrote: the events after it with the same time and actor. A rule
// sees the item as the whole command left it (a new item with its CIs
// linked), as nobody could see it in between.
func CommandEnd(history []svcflow.Event, version int) int {
	i := slices.IndexFunc(history, func(e svcflow.Event) bool { return e.Version == version })
	if i < 0 {
		return version
	}
	for i+1 < len(history) && history[i+1].Time.Equal(history[i].Time) && history[i+1].Actor == history[i].Actor {
		i++
	}
	return history[i].Version
}

// RulePass reads one batch of events after the rule engine's cursor and
// fires the enabled rules that match, each firing once however many
// instances run passes at once; then it moves the cursor past the batch.
// Rules with a delay (After) are RuleTick's. more says a full batch was
// read.
func (d *Desk) RulePass(ctx context.Context, batch int) (fired int, more bool, err error) {
	if batch <= 0 {
		batch = 200
	}
	cursor, err := d.store.Cursor(ctx, RulesCursor)
	if err != nil {
		return 0, false, err
	}
	events, err := d.store.Events(ctx, cursor, batch)
	if err != nil || len(events) == 0 {
		return 0, false, err
	}
	rules, err := d.enabledRules(ctx)
	if err != nil {
		return 0, false, err
	}
	rules = slices.DeleteFunc(rules, func(r *svcflow.Rule) bool { return r.After.Calendar > 0 })
	var items []string
	for _, e := range events {
		if e.Item == ConfigSubject || slices.Contains(items, e.Item) {
			continue
		}
		if slices.ContainsFunc(rules, func(r *svcflow.Rule) bool { return r.Triggers(e) }) {
			items = append(items, e.Item)
		}
	}
	if len(items) > 0 {
		cals, err := d.calendars(ctx)
		if err != nil {
			return 0, false, err
		}
		histories, err := d.store.EventsOfItems(ctx, items)
		if err != nil {
			return 0, false, err
		}
		contents, err := d.store.ItemContents(ctx, items)
		if err != nil {
			return 0, false, err
		}
		for _, e := range events {
			if !slices.Contains(items, e.Item) {
				continue
			}
			h := histories[e.Item]
			w, err := svcflow.ReplayTo(h, CommandEnd(h, e.Version))
			if err != nil {
				return fired, false, err
			}
			in := svcflow.RuleInput{Event: e, Item: w, Title: contents[e.Item].Title, Description: contents[e.Item].Description, Now: e.Time, Calendars: cals}
			for _, r := range rules {
				if !r.Matches(in) {
					continue
				}
				ok, err := d.fire(ctx, r, in)
				if err != nil {
					return fired, false, fmt.Errorf("rule %s on %s@%d: %w", r.ID, e.Item, e.Seq, err)
				}
				if ok {
					fired++
				}
			}
		}
	}
	if err := d.store.AdvanceCursor(ctx, RulesCursor, events[len(events)-1].Seq); err != nil {
		return fired, false, err
	}
	return fired, len(events) == batch, nil
}

// RunRules passes until the engine has caught up with the log.
func (d *Desk) RunRules(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := d.RulePass(ctx, 0)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// StartRulesAtEnd moves a rule engine that has never run to the end of the
// log: switching rules on acts on what happens from then on, not on the
// whole history.
func (d *Desk) StartRulesAtEnd(ctx context.Context) error {
	cur, err := d.store.Cursor(ctx, RulesCursor)
	if err != nil || cur > 0 {
		return err
	}
	st, err := d.store.Stats(ctx)
	if err != nil {
		return err
	}
	return d.store.AdvanceCursor(ctx, RulesCursor, st.LastSeq)
}

// ruleTickPage is how many items a tick reads at once.
const ruleTickPage = 500

// tickStatuses returns the statuses whose items the delayed rules may fire
// on: those their conditions name (status == resolved), else every status
// an item can still change in.
func tickStatuses(rules []*svcflow.Rule) []svcflow.Status {
	var out []svcflow.Status
	for _, r := range rules {
		named := false
		if c, err := svcflow.ParseCondition(r.If); err == nil && r.If != "" {
			for _, cl := range c.Clauses {
				if cl.Field == "status" && cl.Op != "!=" {
					named = true
					for _, v := range cl.Values {
						out = append(out, svcflow.Status(v))
					}
				}
			}
		}
		if !named {
			out = append(out, svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold, svcflow.StatusResolved)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// itemNumber is the number in an item id ("INC-1042"), the keyset of item
// lists.
func itemNumber(id string) int64 {
	var n int64
	fmt.Sscan(id[strings.LastIndexByte(id, '-')+1:], &n)
	return n
}

// RuleTick fires the delayed rules (After) whose time has come: an item
// whose last event triggers the rule and lies After in the past, with the
// conditions holding on the item as that event left it. The firing's key
// is the triggering event, so an item fires once per quiet period.
func (d *Desk) RuleTick(ctx context.Context) (int, error) {
	rules, err := d.enabledRules(ctx)
	if err != nil {
		return 0, err
	}
	rules = slices.DeleteFunc(rules, func(r *svcflow.Rule) bool { return r.After.Calendar <= 0 })
	if len(rules) == 0 {
		return 0, nil
	}
	now := d.now()
	fired := 0
	f := ItemFilter{Statuses: tickStatuses(rules), Limit: ruleTickPage}
	for {
		items, err := d.store.ListItems(ctx, f)
		if err != nil || len(items) == 0 {
			return fired, err
		}
		var ids []string
		for _, w := range items {
			if slices.ContainsFunc(rules, func(r *svcflow.Rule) bool { return !now.Before(w.Updated.Add(r.After.Calendar)) }) {
				ids = append(ids, w.ID)
			}
		}
		n, err := d.tickItems(ctx, rules, ids, now)
		fired += n
		if err != nil || len(items) < ruleTickPage {
			return fired, err
		}
		next := itemNumber(items[len(items)-1].ID)
		if f.Before != 0 && next >= f.Before {
			return fired, fmt.Errorf("rule tick: item list did not move past %d", f.Before)
		}
		f.Before = next
	}
}

// tickItems fires the delayed rules that are due on the given items.
func (d *Desk) tickItems(ctx context.Context, rules []*svcflow.Rule, ids []string, now time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	histories, err := d.store.EventsOfItems(ctx, ids)
	if err != nil {
		return 0, err
	}
	contents, err := d.store.ItemContents(ctx, ids)
	if err != nil {
		return 0, err
	}
	cals, err := d.calendars(ctx)
	if err != nil {
		return 0, err
	}
	fired := 0
	for _, id := range ids {
		h := histories[id]
		if len(h) == 0 {
			continue
		}
		last := h[len(h)-1]
		w, err := svcflow.ReplayTo(h, last.Version)
		if err != nil {
			return fired, err
		}
		for _, r := range rules {
			in := svcflow.RuleInput{Event: last, Item: w, Title: contents[id].Title, Description: contents[id].Description, Now: r.Due(last), Calendars: cals}
			if now.Before(r.Due(last)) || !r.Matches(in) {
				continue
			}
			ok, err := d.fire(ctx, r, in)
			if err != nil {
				return fired, fmt.Errorf("rule %s on %s@%d: %w", r.ID, id, last.Seq, err)
			}
			if ok {
				fired++
			}
		}
	}
	return fired, nil
}

// ruleEnv is the decision environment of a rule acting on an item: the
// rule is the actor, with no roles or teams, so it approves only where an
// approval step lists it.
func (d *Desk) ruleEnv(ctx context.Context, r *svcflow.Rule, w *svcflow.WorkItem) (svcflow.Env, error) {
	s, err := d.stream(ctx, w.Stream, w.StreamRevision)
	if err != nil {
		return svcflow.Env{}, err
	}
	env, err := d.env(ctx, System, w, s)
	if err != nil {
		return env, err
	}
	env.Actor = svcflow.Actor{ID: svcflow.RuleActor(r.ID)}
	return env, nil
}

// fire runs a rule's actions on an item once: the firing is recorded with
// the events its actions cause, in one transaction, or alone when no
// action applies (a closed item, an approval that does not list the rule),
// so it is not tried again. It returns false when the firing was recorded
// already (another instance, an earlier pass).
func (d *Desk) fire(ctx context.Context, r *svcflow.Rule, in svcflow.RuleInput) (bool, error) {
	key := Firing{Rule: svcflow.RuleActor(r.ID), Item: in.Event.Item, Seq: in.Event.Seq, Created: d.now()}
	if done, err := d.store.FiringRecorded(ctx, key.Rule, key.Item, key.Seq); err != nil || done {
		return false, err
	}
	for _, a := range r.Then {
		if a.OpenProblem != nil {
			return d.openProblem(ctx, r, *a.OpenProblem, in, key)
		}
	}
	for attempt := 0; attempt <= maxRetries; attempt++ {
		cur, err := d.store.Item(ctx, in.Event.Item)
		if err != nil {
			return false, err
		}
		env, err := d.ruleEnv(ctx, r, cur)
		if err != nil {
			return false, err
		}
		planned := r.Plan(in, d.matrix())
		w := cur
		var events []svcflow.Event
		var extra []*Change
		for _, p := range planned {
			cmd := p.Command
			if p.Action == "link_knowledge" {
				if cmd, err = d.knowledgeLink(ctx, w, in); err != nil {
					return false, err
				}
			}
			if cmd == nil {
				continue
			}
			res, err := svcflow.Decide(w, env, cmd)
			if err != nil {
				continue // refused on this item's state: the other actions still run
			}
			cs := changesOf(res, 0)
			events = append(events, res.Events...)
			extra = append(extra, cs[1:]...)
			w = res.Item
		}
		key.Deliveries = nil
		for _, a := range r.Then {
			if a.Notify == "" {
				continue
			}
			dl, err := d.ruleDelivery(ctx, r, a.Notify, in.Event, w)
			if err != nil {
				return false, err
			}
			if dl != nil {
				key.Deliveries = append(key.Deliveries, *dl)
			}
		}
		if len(events) == 0 {
			return d.store.RecordFiring(ctx, key)
		}
		main := &Change{Item: w, Expected: cur.Version, Events: events, Firing: &key}
		err = d.store.Append(ctx, append([]*Change{main}, extra...)...)
		if errors.Is(err, ErrConflict) {
			done, ferr := d.store.FiringRecorded(ctx, key.Rule, key.Item, key.Seq)
			if ferr != nil || done {
				return false, ferr
			}
			continue // the item changed meanwhile: decide again on fresh state
		}
		return err == nil, err
	}
	return false, svcflow.Errorf(svcflow.ErrConflict, "%s kept changing; rule %s will not fire on it", in.Event.Item, r.ID)
}

// knowledgeLink returns the link to the published article that best
// matches the item's title, or nil when there is none or it is linked.
func (d *Desk) knowledgeLink(ctx context.Context, w *svcflow.WorkItem, in svcflow.RuleInput) (svcflow.Command, error) {
	if strings.TrimSpace(in.Title) == "" {
		return nil, nil
	}
	arts, err := d.store.SearchArticles(ctx, ArticleFilter{Text: in.Title, Any: true,
		Statuses: []svcflow.ArticleStatus{svcflow.ArticlePublished}, Limit: 1})
	if err != nil || len(arts) == 0 {
		return nil, err
	}
	if slices.Contains(w.Links, svcflow.Link{Type: svcflow.LinkKnowledge, Other: arts[0].ID}) {
		return nil, nil
	}
	return svcflow.AddLink{Type: svcflow.LinkKnowledge, Other: arts[0].ID}, nil
}

func (d *Desk) matrix() svcflow.PriorityMatrix {
	if d.mat != nil {
		return *d.mat
	}
	return svcflow.DefaultPriorityMatrix
}

// ProblemKey is the firing key (beside the rule) of a problem opened for
// a configuration item: the CI and the period of the window the trigger
// falls in, so one CI gets at most one problem per window from one rule,
// however many incidents and instances race to open it.
func ProblemKey(ci string, within time.Duration, at time.Time) (item string, seq int64) {
	return "ci:" + ci, at.UnixNano() / int64(within)
}

// openProblem opens a problem for each configuration item of an incident
// that has, counting it, at least Threshold incidents created within the
// window before the trigger; the incidents get a caused-by link to it.
func (d *Desk) openProblem(ctx context.Context, r *svcflow.Rule, p svcflow.ProblemTrigger, in svcflow.RuleInput, key Firing) (bool, error) {
	rec, err := d.store.RecordFiring(ctx, key)
	if err != nil || !rec {
		return false, err
	}
	w := in.Item
	if w.Kind != svcflow.KindIncident {
		return true, nil
	}
	actor := &svcflow.Person{ID: svcflow.RuleActor(r.ID), Role: svcflow.RoleAgent}
	for _, l := range w.Links {
		if l.Type != svcflow.LinkCI {
			continue
		}
		ids, err := d.store.ItemsOnCI(ctx, l.Other, svcflow.KindIncident, in.Event.Time.Add(-p.Within.Calendar), in.Event.Time)
		if err != nil {
			return true, err
		}
		if len(ids) < p.Threshold {
			continue
		}
		item, seq := ProblemKey(l.Other, p.Within.Calendar, in.Event.Time)
		pkey := Firing{Rule: key.Rule, Item: item, Seq: seq, Created: d.now()}
		if done, err := d.store.FiringRecorded(ctx, pkey.Rule, pkey.Item, pkey.Seq); err != nil || done {
			if err != nil {
				return true, err
			}
			continue
		}
		v, err := d.open(ctx, actor, OpenInput{
			Kind:        svcflow.KindProblem,
			Title:       fmt.Sprintf("%d incidents on %s within %s", len(ids), l.Other, p.Within),
			Description: fmt.Sprintf("Opened by rule %s: incidents %s.", r.ID, strings.Join(ids, ", ")),
			Service:     w.Service, Organisation: w.Organisation, Impact: w.Impact, Urgency: w.Urgency,
			RequestedFor: actor.ID, CIs: []string{l.Other},
		}, nil, func(c *Change) { c.Firing = &pkey })
		if errors.Is(err, ErrConflict) {
			continue // another instance opened it first
		}
		var refused *svcflow.Error
		if errors.As(err, &refused) {
			continue // the installation cannot open problems (no stream for them): the firing stands, done
		}
		if err != nil {
			return true, fmt.Errorf("open a problem for %s: %w", l.Other, err)
		}
		for _, id := range ids {
			_, err := d.actAs(ctx, actor, id, svcflow.AddLink{Type: svcflow.LinkCausedBy, Other: v.Item.ID})
			if err != nil && svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
				return true, fmt.Errorf("link %s to %s: %w", id, v.Item.ID, err)
			}
		}
	}
	return true, nil
}

// actAs decides and stores one command as a rule on an item's current
// state, deciding again when another writer got there first.
func (d *Desk) actAs(ctx context.Context, actor *svcflow.Person, id string, cmd svcflow.Command) (*svcflow.WorkItem, error) {
	for attempt := 0; ; attempt++ {
		w, err := d.store.Item(ctx, id)
		if err != nil {
			return nil, err
		}
		s, err := d.stream(ctx, w.Stream, w.StreamRevision)
		if err != nil {
			return nil, err
		}
		env, err := d.env(ctx, actor, w, s)
		if err != nil {
			return nil, err
		}
		env.Actor = svcflow.Actor{ID: actor.ID}
		res, err := svcflow.Decide(w, env, cmd)
		if err != nil {
			return nil, err
		}
		err = d.store.Append(ctx, changesOf(res, w.Version)...)
		if errors.Is(err, ErrConflict) && attempt < maxRetries {
			continue
		}
		return res.Item, err
	}
}

// EventRuleFired is the type of what a rule's notify action posts.
const EventRuleFired = "rule_fired"

// RuleFiredPayload is the body a notify action posts to its webhook: the
// rule, the triggering event and the item after the rule's actions.
type RuleFiredPayload struct {
	ID    string            `json:"id"` // the delivery id, as in the Idempotency-Key header
	Type  string            `json:"type"`
	Rule  string            `json:"rule"`
	Event svcflow.Event     `json:"event"`
	Item  *svcflow.WorkItem `json:"item"`
}

// ruleDelivery makes the delivery of a notify action, or nil when the
// webhook is gone or disabled.
func (d *Desk) ruleDelivery(ctx context.Context, r *svcflow.Rule, webhook string, e svcflow.Event, w *svcflow.WorkItem) (*Delivery, error) {
	h, err := d.store.Webhook(ctx, webhook)
	if errors.Is(err, ErrNotFound) || err == nil && !h.Active {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	id := NewDeliveryID()
	body, err := json.Marshal(RuleFiredPayload{ID: id, Type: EventRuleFired, Rule: r.ID, Event: e, Item: w})
	if err != nil {
		return nil, err
	}
	return &Delivery{ID: id, Rule: svcflow.RuleActor(r.ID), Item: e.Item, Seq: e.Seq, Channel: ChannelWebhook, Webhook: h.ID,
		Target: h.URL, EventType: EventRuleFired, Payload: body, NextAttempt: d.now()}, nil
}
