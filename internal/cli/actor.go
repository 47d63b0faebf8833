package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// actorFlags are the flags of a store subcommand that acts as a person
// (kb, rules, improve): where the store is, who acts (--as; without it,
// the system with an admin's rights) and whether to write JSON.
type actorFlags struct {
	store storeFlags
	as    string
	json  bool
}

// newActorFlags returns the flag set of one subcommand of command, its
// usage taken from subs; asHelp says who may act.
func newActorFlags(e *env, command string, subs []subcommand, name, asHelp string) (*flag.FlagSet, *actorFlags) {
	var usage string
	for _, s := range subs {
		if s.name == name {
			usage = s.usage
		}
	}
	fs := newFlags(e, command+" "+name, usage)
	f := &actorFlags{}
	f.store.register(e, fs)
	fs.StringVar(&f.as, "as", "", "act as this `PERSON` ("+asHelp+") instead of the system")
	fs.BoolVar(&f.json, "json", false, "write JSON")
	return fs, f
}

// open opens the store and returns a desk, the acting person, and what
// closes the store.
func (f *actorFlags) open(ctx context.Context) (*desk.Desk, *svcflow.Person, func(), error) {
	s, err := f.store.open(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	actor := desk.System
	if f.as != "" {
		if actor, err = s.Person(ctx, f.as); err != nil {
			s.Close()
			return nil, nil, nil, fmt.Errorf("--as: no person %q", f.as)
		}
	}
	return desk.New(desk.Options{Store: s}), actor, func() { s.Close() }, nil
}

// oneID parses a subcommand that takes exactly one argument.
func oneID(fs *flag.FlagSet, args []string, usage string) (string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return "", helpOK(err)
	}
	if len(pos) != 1 {
		return "", usagef("usage: svcflow %s", usage)
	}
	return pos[0], nil
}

// writeJSONTo writes v as indented JSON.
func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
