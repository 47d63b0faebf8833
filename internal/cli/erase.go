package cli

import (
	"context"
	"fmt"

	"github.com/svcflow/svcflow/internal/desk"
)

// runErase erases a person: `svcflow erase person ID`.
func runErase(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "erase", "erase person ID [--data DIR]")
	var sf storeFlags
	sf.register(e, fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 2 || pos[0] != "person" {
		return usagef("usage: svcflow erase person ID")
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	if err := d.ErasePerson(ctx, nil, pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "erased %s: name, email, credentials, their comments and the text of their requests are redacted; the event log is unchanged\n", pos[1])
	return nil
}
