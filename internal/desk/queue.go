package desk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/svcflow/svcflow"
)

// maxQueue bounds how many waiting items one queue view ranks: the newest
// ones, when more wait.
const maxQueue = 2000

// QueueView is a team's queue, best first, under the team's policy.
type QueueView struct {
	Team    string                `json:"team"`
	Policy  string                `json:"policy"`
	Entries []svcflow.RankedEntry `json:"entries"`
}

// Queue ranks the items waiting in a team's queue (SPEC §5).
func (d *Desk) Queue(ctx context.Context, actor *svcflow.Person, team string) (*QueueView, error) {
	if err := mayQueue(actor, team); err != nil {
		return nil, err
	}
	q, _, err := d.rankedQueue(ctx, team)
	return q, err
}

// mayQueue says whether a person may see, and pull from, a team's queue.
func mayQueue(actor *svcflow.Person, team string) error {
	if actor.Role == svcflow.RoleRequester {
		return svcflow.Errorf(svcflow.ErrForbidden, "requesters have no team queues")
	}
	if actor.Role == svcflow.RoleAgent && !slices.Contains(actor.Teams, team) {
		return svcflow.Errorf(svcflow.ErrForbidden, "%s is not a member of team %s", actor.ID, team)
	}
	return nil
}

// rankedQueue ranks a team's queue and returns its items by id.
func (d *Desk) rankedQueue(ctx context.Context, team string) (*QueueView, map[string]*svcflow.WorkItem, error) {
	policy, err := d.teamPolicy(ctx, team)
	if err != nil {
		return nil, nil, err
	}
	entries, byID, err := d.queueEntries(ctx, team)
	if err != nil {
		return nil, nil, err
	}
	return &QueueView{Team: team, Policy: policy.String(), Entries: svcflow.RankQueue(policy, entries, d.now())}, byID, nil
}

func (d *Desk) teamPolicy(ctx context.Context, team string) (svcflow.QueuePolicy, error) {
	teams, err := d.store.Teams(ctx)
	if err != nil {
		return svcflow.QueuePolicy{}, err
	}
	spec := svcflow.DefaultQueuePolicy
	for _, t := range teams {
		if t.ID == team && t.QueuePolicy != "" {
			spec = t.QueuePolicy
		}
	}
	p, err := svcflow.ParseQueuePolicy(spec)
	if err != nil {
		return p, fmt.Errorf("queue policy of team %s: %w", team, err)
	}
	return p, nil
}

// queueEntries lists the queued visits of a team with what the policies
// rank by. Ranking depends on the time (aging, SLA due), so it cannot be
// done by an index; what keeps it fast with a million items is reading
// only what ranks: the store returns just the team's queued visits (an
// index holds only those, a small share of all items), and SLA due times
// are remembered by item version (dueCache), so only the events of items
// that changed since the last view are read, in one query.
func (d *Desk) queueEntries(ctx context.Context, team string) ([]svcflow.QueueEntry, map[string]*svcflow.WorkItem, error) {
	items, err := d.store.ListItems(ctx, ItemFilter{Teams: []string{team},
		Statuses:    []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusResolved},
		VisitStates: []svcflow.VisitState{svcflow.Queued}, Limit: maxQueue})
	if err != nil {
		return nil, nil, err
	}
	orgs, err := d.store.Organisations(ctx)
	if err != nil {
		return nil, nil, err
	}
	tier := map[string]int{}
	for _, o := range orgs {
		tier[o.ID] = o.Tier
	}
	sc, err := d.slaContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := d.now()
	var waiting []*svcflow.WorkItem
	var steps []*svcflow.Step
	for _, w := range items {
		v := w.Visit
		if v == nil || v.State != svcflow.Queued || v.Team != team {
			continue
		}
		st, err := d.StreamStep(ctx, w.Stream, w.StreamRevision, v.Step)
		if err != nil {
			return nil, nil, err
		}
		if st.Approval != nil {
			continue // waits for its approvers, not for the team
		}
		waiting = append(waiting, w)
		steps = append(steps, st)
	}
	var dues []time.Time
	if len(sc.policies) > 0 && len(waiting) > 0 {
		if dues, err = d.slaDues(ctx, sc, waiting, now); err != nil {
			return nil, nil, fmt.Errorf("queue of %s: %w", team, err)
		}
	}
	var out []svcflow.QueueEntry
	byID := map[string]*svcflow.WorkItem{}
	for i, w := range waiting {
		v, st := w.Visit, steps[i]
		queued := v.Queued
		if queued.IsZero() {
			queued = v.Entered
		}
		var due time.Time
		if dues != nil {
			due = dues[i]
		}
		out = append(out, svcflow.QueueEntry{
			Item: w.ID, Priority: w.Priority, Entered: queued, Created: w.Created, Category: w.Category,
			ExpectedCycle: st.TargetLeadTime.Estimate(), CostOfDelay: w.CostOfDelay, Size: w.Size.Estimate(),
			Tier: tier[w.Organisation], Step: v.Step, SLADue: due,
		})
		byID[w.ID] = w
	}
	return out, byID, nil
}

// PullResult is the item a pull started, and what it passed over and why.
type PullResult struct {
	View    *View          `json:"-"`
	Skipped []svcflow.Skip `json:"skipped"`
}

// Pull starts the highest-ranked item of a team's queue whose step has room
// under its WIP limit, for the actor (SPEC §5).
func (d *Desk) Pull(ctx context.Context, actor *svcflow.Person, team string) (*PullResult, error) {
	if err := mayQueue(actor, team); err != nil {
		return nil, err
	}
	q, byID, err := d.rankedQueue(ctx, team)
	if err != nil {
		return nil, err
	}
	capacity := map[string]svcflow.StepCapacity{}
	for _, e := range q.Entries {
		if _, done := capacity[e.Step]; done {
			continue
		}
		w := byID[e.Item]
		st, err := d.StreamStep(ctx, w.Stream, w.StreamRevision, e.Step)
		if err != nil {
			return nil, err
		}
		c := svcflow.StepCapacity{WIPLimit: st.WIPLimit}
		if st.WIPLimit > 0 { // counting is only needed against a limit
			if c.InProgress, err = d.inProgress(ctx, w.Stream, e.Step); err != nil {
				return nil, err
			}
		}
		capacity[e.Step] = c
	}
	res := &PullResult{}
	for len(q.Entries) > 0 {
		// Concurrent pulls on this instance take different items instead
		// of all trying the best one: under load they would otherwise
		// queue up behind each other's conflicts.
		chosen, skipped := d.claimPull(q.Entries, capacity)
		res.Skipped = append(res.Skipped, skipped...)
		if chosen == nil {
			msg := "the queue of " + team + " is empty"
			if len(res.Skipped) > 0 {
				msg = fmt.Sprintf("every item in the queue of %s waits for a full step (%s)", team, res.Skipped[0].Reason)
			}
			return res, svcflow.Errorf(svcflow.ErrConflict, "%s", msg)
		}
		v, err := d.Act(ctx, actor, chosen.Item, 0, svcflow.Start{})
		d.releasePull(chosen.Item)
		if err == nil {
			res.View = v
			return res, nil
		}
		if svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
			return res, err
		}
		// Someone else took it first: drop it and take the next.
		rest := q.Entries[:0]
		for _, e := range q.Entries {
			if e.Item != chosen.Item {
				rest = append(rest, e)
			}
		}
		q.Entries = rest
	}
	return res, svcflow.Errorf(svcflow.ErrConflict, "the queue of %s is empty", team)
}

// claimPull chooses the best entry no other pull of this instance is
// starting, and marks it as being started.
func (d *Desk) claimPull(entries []svcflow.RankedEntry, capacity map[string]svcflow.StepCapacity) (*svcflow.RankedEntry, []svcflow.Skip) {
	d.pullMu.Lock()
	defer d.pullMu.Unlock()
	free := entries
	if len(d.pulling) > 0 {
		free = make([]svcflow.RankedEntry, 0, len(entries))
		for _, e := range entries {
			if !d.pulling[e.Item] {
				free = append(free, e)
			}
		}
	}
	chosen, skipped := svcflow.Pull(free, capacity)
	if chosen != nil {
		if d.pulling == nil {
			d.pulling = map[string]bool{}
		}
		d.pulling[chosen.Item] = true
	}
	return chosen, skipped
}

func (d *Desk) releasePull(item string) {
	d.pullMu.Lock()
	delete(d.pulling, item)
	d.pullMu.Unlock()
}

// inProgress counts the visits of a step that were started and not ended
// (blocked ones included): what WIP limits count (SPEC §3).
func (d *Desk) inProgress(ctx context.Context, stream, step string) (int, error) {
	n, err := d.inProgressAt(ctx, ItemFilter{Stream: stream, Step: step})
	return n[step], err
}

// InProgressBySteps counts the work in progress at each step of a stream,
// whoever may see it: what its WIP limits are held against.
func (d *Desk) InProgressBySteps(ctx context.Context, stream string) (map[string]int, error) {
	return d.inProgressAt(ctx, ItemFilter{Stream: stream})
}

func (d *Desk) inProgressAt(ctx context.Context, f ItemFilter) (map[string]int, error) {
	f.Statuses = []svcflow.Status{svcflow.StatusNew, svcflow.StatusInProgress, svcflow.StatusOnHold, svcflow.StatusResolved}
	f.Limit = 10000
	items, err := d.store.ListItems(ctx, f)
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, w := range items {
		if v := w.Visit; v != nil && v.InProgress() {
			n[v.Step]++
		}
	}
	return n, nil
}

// firstDue is the earlier of two due times, ignoring zero ones.
func firstDue(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// PullItem starts one chosen queued item, as a card pulled on a board,
// when its step has room under its WIP limit (SPEC §5). A non-zero
// expected version must be the item's. Errors:
// ErrNotFound, ErrForbidden, ErrConflict saying the step is full (or the
// item is not waiting).
func (d *Desk) PullItem(ctx context.Context, actor *svcflow.Person, id string, expected int) (*View, error) {
	w, _, err := d.load(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if expected > 0 && w.Version != expected {
		return nil, &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match", Message: id + " changed meanwhile; reload it"}
	}
	if w.Visit == nil || w.Visit.State != svcflow.Queued {
		return nil, svcflow.Errorf(svcflow.ErrConflict, "%s is not waiting in a queue", id)
	}
	if err := mayQueue(actor, w.Visit.Team); err != nil {
		return nil, err
	}
	st, err := d.StreamStep(ctx, w.Stream, w.StreamRevision, w.Visit.Step)
	if err != nil {
		return nil, err
	}
	if st.WIPLimit > 0 {
		n, err := d.inProgress(ctx, w.Stream, st.ID)
		if err != nil {
			return nil, err
		}
		if n >= st.WIPLimit {
			return nil, svcflow.Errorf(svcflow.ErrConflict, "step %q is at its WIP limit (%d of %d in progress); finish something there first",
				st.Name, n, st.WIPLimit)
		}
	}
	return d.Act(ctx, actor, id, w.Version, svcflow.Start{})
}
