package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/svcflow/svcflow"
)

// ConfigKind names a kind of configuration object a store keeps.
type ConfigKind string

// The configuration objects a save may be conditional on.
const (
	ConfigPerson       ConfigKind = "person"
	ConfigTeam         ConfigKind = "team"
	ConfigOrganisation ConfigKind = "organisation"
	ConfigService      ConfigKind = "service"
	ConfigSLAPolicy    ConfigKind = "sla_policy"
	ConfigRule         ConfigKind = "rule"
)

// ErrChanged is what a store answers when a conditional save's object is
// no longer what the caller saw.
var ErrChanged = errors.New("changed meanwhile")

// Precondition makes a save of a configuration object conditional, checked
// in the save's own transaction: it happens only while the stored object
// is still Prev (the object as the person saw it, a pointer of the saved
// type), or, with New, while there is none. Configuration objects carry no
// version; their content is it. Without a precondition a save replaces
// whatever is stored (the API's "add or change").
type Precondition struct {
	New  bool
	Prev any
}

// accepts tells whether the object stored now (nil when there is none)
// still meets the precondition.
func (p Precondition) accepts(stored []byte) bool {
	if p.New || p.Prev == nil {
		return p.New && stored == nil
	}
	if stored == nil {
		return false
	}
	// Both sides through the same type, so that fields added since the
	// stored object was written do not count as a change.
	cur := reflect.New(reflect.TypeOf(p.Prev).Elem()).Interface()
	if err := json.Unmarshal(stored, cur); err != nil {
		return false
	}
	a, errA := json.Marshal(cur)
	b, errB := json.Marshal(p.Prev)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// putConfig saves a configuration object: with put when unconditional,
// else through the store's conditional save.
func (d *Desk) putConfig(ctx context.Context, kind ConfigKind, id string, v any, pre []Precondition, event svcflow.Event, put func() error) error {
	if len(pre) == 0 {
		return put()
	}
	err := d.store.PutConfigIf(ctx, kind, id, v, pre[0].accepts, event)
	if errors.Is(err, ErrChanged) {
		if pre[0].New {
			return svcflow.FieldErrorf("id", "%s exists already", id)
		}
		return &svcflow.Error{Code: svcflow.ErrConflict, Field: "If-Match", Message: id + " changed meanwhile; reload it"}
	}
	return err
}
