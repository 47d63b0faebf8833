package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/svcflow/svcflow"
)

// EventCISaved records a change to the CMDB.
const EventCISaved svcflow.EventType = "ci_saved"

// SaveCI creates or updates a configuration item with the relationships
// that start at it (admins and managers; a nil actor is the system).
func (d *Desk) SaveCI(ctx context.Context, actor *svcflow.Person, ci *svcflow.CI, rels []svcflow.Relationship) error {
	if actor != nil && !actor.Role.AtLeast(svcflow.RoleManager) {
		return svcflow.Errorf(svcflow.ErrForbidden, "only managers and admins change the CMDB")
	}
	if err := svcflow.ValidateCI(ci); err != nil {
		return err
	}
	for i, r := range rels {
		if r.From == "" {
			rels[i].From = ci.ID
		}
		if rels[i].From != ci.ID {
			return svcflow.FieldErrorf(fmt.Sprintf("relationships[%d].from", i), "a CI saves only the relationships that start at it (%s)", ci.ID)
		}
		if err := svcflow.ValidateRelationship(rels[i]); err != nil {
			return err
		}
		if _, err := d.store.CI(ctx, r.To); err != nil && r.To != ci.ID {
			return svcflow.FieldErrorf(fmt.Sprintf("relationships[%d].to", i), "no configuration item %q", r.To)
		}
	}
	if ci.Created.IsZero() {
		ci.Created = d.now()
	}
	return d.store.PutCI(ctx, ci, rels, d.configEvent(actor, EventCISaved, ci.ID))
}

// CI returns one configuration item.
func (d *Desk) CI(ctx context.Context, id string) (*svcflow.CI, error) {
	ci, err := d.store.CI(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no configuration item %s", id)
	}
	return ci, err
}

// Impact walks the CMDB from the given CIs: what they rely on (upstream),
// what their failure affects (downstream) and the services that go down.
func (d *Desk) Impact(ctx context.Context, start []string) (svcflow.ImpactResult, error) {
	cis, err := d.store.CIs(ctx)
	if err != nil {
		return svcflow.ImpactResult{}, err
	}
	rels, err := d.store.Relationships(ctx)
	if err != nil {
		return svcflow.ImpactResult{}, err
	}
	return svcflow.Impact(cis, rels, start), nil
}

// ItemImpact is the impact of the configuration items a work item concerns.
func (d *Desk) ItemImpact(ctx context.Context, actor *svcflow.Person, id string) (svcflow.ImpactResult, error) {
	w, _, err := d.load(ctx, actor, id)
	if err != nil {
		return svcflow.ImpactResult{}, err
	}
	var start []string
	for _, l := range w.Links {
		if l.Type == svcflow.LinkCI {
			start = append(start, l.Other)
		}
	}
	return d.Impact(ctx, start)
}
