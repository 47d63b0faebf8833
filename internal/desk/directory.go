package desk

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/svcflow/svcflow"
)

// admin checks the actor may configure svcflow.
func admin(actor *svcflow.Person) error {
	if actor == nil || !actor.Role.AtLeast(svcflow.RoleAdmin) {
		return svcflow.Errorf(svcflow.ErrForbidden, "only admins change the configuration")
	}
	return nil
}

func (d *Desk) configEvent(actor *svcflow.Person, t svcflow.EventType, id string) svcflow.Event {
	who := svcflow.SystemActor
	if actor != nil {
		who = actor.ID
	}
	return svcflow.Event{Item: ConfigSubject, Time: d.now(), Actor: who, Type: t, After: id}
}

func checkID(field, id string) error {
	if !svcflow.IsKebab(id) {
		return svcflow.FieldErrorf(field, "%q is not a valid id; expected lower-case words joined by hyphens", id)
	}
	return nil
}

// SavePerson creates or updates a person (admins only; nil actor is the
// system, for set-up and imports).
func (d *Desk) SavePerson(ctx context.Context, actor *svcflow.Person, p *svcflow.Person, pre ...Precondition) error {
	if err := d.checkPerson(actor, p); err != nil {
		return err
	}
	ev := d.configEvent(actor, EventPersonSaved, p.ID)
	err := d.putConfig(ctx, ConfigPerson, p.ID, p, pre, ev, func() error { return d.store.PutPerson(ctx, p, ev) })
	return emailTaken(p, err)
}

// SavePersonWithPassword saves a person and sets their password (a hash
// the caller computed) in one transaction, so that a person is never left
// saved without the password they were given. It also ends their browser
// sessions, as SetPassword does.
func (d *Desk) SavePersonWithPassword(ctx context.Context, actor *svcflow.Person, p *svcflow.Person, hash string, pre ...Precondition) error {
	if err := d.checkPerson(actor, p); err != nil {
		return err
	}
	accepts := func([]byte) bool { return true }
	if len(pre) > 0 {
		accepts = pre[0].accepts
	}
	err := d.store.PutPersonWithPassword(ctx, p, hash, accepts,
		[2]svcflow.Event{d.configEvent(actor, EventPersonSaved, p.ID), d.configEvent(actor, EventPasswordSet, p.ID)})
	if errors.Is(err, ErrChanged) {
		if pre[0].New {
			return svcflow.FieldErrorf("id", "%s exists already", p.ID)
		}
		return &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match", Message: p.ID + " changed meanwhile; reload it"}
	}
	return emailTaken(p, err)
}

// checkPerson checks a person about to be saved, and dates a new one.
func (d *Desk) checkPerson(actor *svcflow.Person, p *svcflow.Person) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if err := checkID("id", p.ID); err != nil {
		return err
	}
	if strings.TrimSpace(p.Name) == "" {
		return svcflow.FieldErrorf("name", "missing name")
	}
	addr, err := mail.ParseAddress(p.Email)
	if err != nil || addr.Address != p.Email {
		return svcflow.FieldErrorf("email", "%q is not an email address", p.Email)
	}
	if !p.Role.IsValid() {
		return svcflow.FieldErrorf("role", "unknown role %q; expected requester, agent, manager or admin", p.Role)
	}
	if p.Created.IsZero() {
		p.Created = d.now()
	}
	return nil
}

// emailTaken names the email of a save the store refused for a clash.
func emailTaken(p *svcflow.Person, err error) error {
	if errors.Is(err, ErrConflict) {
		return svcflow.FieldErrorf("email", "%s is already used by another person", p.Email)
	}
	return err
}

// SaveTeam creates or updates a team.
func (d *Desk) SaveTeam(ctx context.Context, actor *svcflow.Person, t *svcflow.Team, pre ...Precondition) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if err := checkID("id", t.ID); err != nil {
		return err
	}
	if t.Name == "" {
		t.Name = t.ID
	}
	if t.QueuePolicy != "" {
		if _, err := svcflow.ParseQueuePolicy(t.QueuePolicy); err != nil {
			return err
		}
	}
	if t.Created.IsZero() {
		t.Created = d.now()
	}
	ev := d.configEvent(actor, EventTeamSaved, t.ID)
	return d.putConfig(ctx, ConfigTeam, t.ID, t, pre, ev, func() error { return d.store.PutTeam(ctx, t, ev) })
}

// SaveOrganisation creates or updates an organisation.
func (d *Desk) SaveOrganisation(ctx context.Context, actor *svcflow.Person, o *svcflow.Organisation, pre ...Precondition) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if err := checkID("id", o.ID); err != nil {
		return err
	}
	if strings.TrimSpace(o.Name) == "" {
		return svcflow.FieldErrorf("name", "missing name")
	}
	if o.Created.IsZero() {
		o.Created = d.now()
	}
	ev := d.configEvent(actor, EventOrgSaved, o.ID)
	return d.putConfig(ctx, ConfigOrganisation, o.ID, o, pre, ev, func() error { return d.store.PutOrganisation(ctx, o, ev) })
}

// SaveService creates or updates a service and its catalogue.
func (d *Desk) SaveService(ctx context.Context, actor *svcflow.Person, s *svcflow.Service, pre ...Precondition) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if err := checkID("id", s.ID); err != nil {
		return err
	}
	if strings.TrimSpace(s.Name) == "" {
		return svcflow.FieldErrorf("name", "missing name")
	}
	switch s.Status {
	case "":
		s.Status = svcflow.ServiceLive
	case svcflow.ServicePipeline, svcflow.ServiceLive, svcflow.ServiceRetired:
	default:
		return svcflow.FieldErrorf("status", "unknown status %q; expected pipeline, live or retired", s.Status)
	}
	for i, c := range s.Catalogue {
		if err := checkID(fmt.Sprintf("catalogue[%d].id", i), c.ID); err != nil {
			return err
		}
		if !c.Kind.IsValid() {
			return svcflow.FieldErrorf(fmt.Sprintf("catalogue[%d].kind", i), "unknown kind %q", c.Kind)
		}
	}
	if s.Created.IsZero() {
		s.Created = d.now()
	}
	ev := d.configEvent(actor, EventServiceSaved, s.ID)
	return d.putConfig(ctx, ConfigService, s.ID, s, pre, ev, func() error { return d.store.PutService(ctx, s, ev) })
}

// Person loads a person by id.
func (d *Desk) Person(ctx context.Context, id string) (*svcflow.Person, error) {
	p, err := d.store.Person(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, svcflow.Errorf(svcflow.ErrNotFound, "no person %s", id)
	}
	return p, err
}

// EventPersonErased records an erasure; it names the person by id only.
const EventPersonErased svcflow.EventType = "erased"

// ErasePerson honours a person's right to be forgotten (admins only; a nil
// actor is the system): their personal data and the free text tied to them
// are redacted, the event log stays as it is and analysable, and an
// `erased` event records that it happened.
func (d *Desk) ErasePerson(ctx context.Context, actor *svcflow.Person, id string) error {
	if actor != nil {
		if err := admin(actor); err != nil {
			return err
		}
	}
	ev := d.configEvent(actor, EventPersonErased, id)
	ev.Data.Person = id
	err := d.store.ErasePerson(ctx, id, ev)
	if errors.Is(err, ErrNotFound) {
		return svcflow.Errorf(svcflow.ErrNotFound, "no person %s", id)
	}
	return err
}
