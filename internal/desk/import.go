package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/svcflow/svcflow"
)

// EventImported records one object written by a bulk import.
const EventImported svcflow.EventType = "imported"

// Import checks a batch against the store and writes it all in one
// transaction (admins; nil actor is the system). It returns every problem
// found, naming the object, and writes nothing when there is one.
func (d *Desk) Import(ctx context.Context, actor *svcflow.Person, b *ImportBatch) []error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return []error{err}
		}
	}
	var errs []error
	people, err := d.store.People(ctx)
	if err != nil {
		return []error{err}
	}
	emailOwner := map[string]string{}
	for _, p := range people {
		emailOwner[lower(p.Email)] = p.ID
	}
	for _, p := range b.People {
		if owner, ok := emailOwner[lower(p.Email)]; ok && owner != p.ID {
			errs = append(errs, fmt.Errorf("person %s: email %s is already used by %s", p.ID, p.Email, owner))
		}
		if p.Created.IsZero() {
			p.Created = d.now()
		}
		b.Events = append(b.Events, d.importEvent(actor, "person", p.ID))
	}
	for _, t := range b.Teams {
		if t.Created.IsZero() {
			t.Created = d.now()
		}
		b.Events = append(b.Events, d.importEvent(actor, "team", t.ID))
	}
	for _, s := range b.Services {
		if s.Created.IsZero() {
			s.Created = d.now()
		}
		b.Events = append(b.Events, d.importEvent(actor, "service", s.ID))
	}
	known := map[string]bool{}
	for _, ci := range b.CIs {
		known[ci.ID] = true
		if ci.Created.IsZero() {
			ci.Created = d.now()
		}
		b.Events = append(b.Events, d.importEvent(actor, "ci", ci.ID))
	}
	for _, r := range b.Relationships {
		if known[r.To] {
			continue
		}
		if _, err := d.store.CI(ctx, r.To); errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("CI %s: %s %s: no such configuration item in the file or the store", r.From, r.Type, r.To))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if err := d.store.Import(ctx, b); err != nil {
		return []error{err}
	}
	return nil
}

func (d *Desk) importEvent(actor *svcflow.Person, what, id string) svcflow.Event {
	e := d.configEvent(actor, EventImported, id)
	e.Data.Field = what
	return e
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
