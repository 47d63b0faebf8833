package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/svcflow/svcflow"
)

// Credential configuration events: they name the person, never the secret.
const (
	EventPasswordSet  svcflow.EventType = "password_set"
	EventTokenCreated svcflow.EventType = "token_created"
)

// SetPassword stores a password hash (computed by the caller) for a person;
// admins may set anyone's, people their own, and a nil actor is the system.
// It ends the person's browser sessions, so that a reset shuts out whoever
// signed in with the old password.
func (d *Desk) SetPassword(ctx context.Context, actor *svcflow.Person, person, hash string) error {
	if actor != nil && actor.ID != person {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if _, err := d.Person(ctx, person); err != nil {
		return err
	}
	return d.store.SetPassword(ctx, person, hash, d.configEvent(actor, EventPasswordSet, person))
}

// Login finds the person with an email and their password hash, for the
// caller to verify. Unknown emails and people without a password are not
// found alike, so the answer does not tell which.
func (d *Desk) Login(ctx context.Context, email string) (*svcflow.Person, string, error) {
	p, err := d.store.PersonByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("login: %w", err)
	}
	if p.Erased {
		return nil, "", ErrNotFound
	}
	h, err := d.store.PasswordHash(ctx, p.ID)
	if err != nil {
		return nil, "", err
	}
	return p, h, nil
}

// CreateToken stores an API token's hash for a person; admins may create
// tokens for anyone, people for themselves.
func (d *Desk) CreateToken(ctx context.Context, actor *svcflow.Person, t Token) error {
	if actor != nil && actor.ID != t.Person {
		if err := admin(actor); err != nil {
			return err
		}
	}
	if _, err := d.Person(ctx, t.Person); err != nil {
		return err
	}
	if t.Created.IsZero() {
		t.Created = d.now()
	}
	ev := d.configEvent(actor, EventTokenCreated, t.ID)
	ev.Data.Person = t.Person
	return d.store.PutToken(ctx, t, ev)
}

// PersonByToken returns the person a token hash belongs to.
func (d *Desk) PersonByToken(ctx context.Context, hash string) (*svcflow.Person, error) {
	t, err := d.store.TokenByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	p, err := d.store.Person(ctx, t.Person)
	if err != nil {
		return nil, err
	}
	if p.Erased {
		return nil, ErrNotFound
	}
	return p, nil
}

// StartSession stores a session for a person.
func (d *Desk) StartSession(ctx context.Context, s Session) error {
	s.Created = d.now()
	return d.store.PutSession(ctx, s)
}

// PersonBySession returns the live session with a hash and its person.
func (d *Desk) PersonBySession(ctx context.Context, hash string) (*svcflow.Person, Session, error) {
	s, err := d.store.SessionByHash(ctx, hash, d.now())
	if err != nil {
		return nil, s, err
	}
	p, err := d.store.Person(ctx, s.Person)
	if err != nil {
		return nil, s, err
	}
	return p, s, nil
}

// EndSession deletes a session.
func (d *Desk) EndSession(ctx context.Context, hash string) error {
	return d.store.DeleteSession(ctx, hash)
}

// IdempotencyTTL is how long an Idempotency-Key is remembered (SPEC §5).
const IdempotencyTTL = 24 * time.Hour

// IdempotentRecord returns what is remembered under a key scoped by the
// caller, or ErrNotFound; see Credentials.
func (d *Desk) IdempotentRecord(ctx context.Context, key string) (*IdempotentRecord, error) {
	return d.store.IdempotentRecord(ctx, key, d.now().Add(-IdempotencyTTL))
}

// RememberResponse stores the response to a keyed request; claimed says
// the request's append already recorded the key.
func (d *Desk) RememberResponse(ctx context.Context, key string, r IdempotentResponse, claimed bool) error {
	now := d.now()
	return d.store.RememberResponse(ctx, key, now, now.Add(-IdempotencyTTL), r, claimed)
}

// Now returns the desk's clock reading, for callers that stamp things.
func (d *Desk) Now() time.Time { return d.now() }
