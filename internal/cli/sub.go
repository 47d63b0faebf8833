package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/svcflow/svcflow"
)

// subcommand is one verb of a command with subcommands (streams, scale,
// sim).
type subcommand struct {
	name, usage, summary string
	run                  func(ctx context.Context, e *env, args []string) error
}

// noCtx adapts a subcommand that needs no context.
func noCtx(run func(e *env, args []string) error) func(context.Context, *env, []string) error {
	return func(_ context.Context, e *env, args []string) error { return run(e, args) }
}

// dispatchSub runs the subcommand args[0] names; without one, or with
// -h, it lists them (and the note) instead.
func dispatchSub(ctx context.Context, e *env, command string, subs []subcommand, args []string, note string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		fmt.Fprintf(w, "Usage: svcflow %s SUBCOMMAND\n\nSubcommands:\n", command)
		for _, s := range subs {
			fmt.Fprintf(w, "  %-10s %s\n", s.name, s.summary)
		}
		if note != "" {
			fmt.Fprintln(w, "\n"+note)
		}
		if len(args) == 0 {
			return usagef("missing %s subcommand", command)
		}
		return nil
	}
	i := slices.IndexFunc(subs, func(s subcommand) bool { return s.name == args[0] })
	if i < 0 {
		names := make([]string, len(subs))
		for j, s := range subs {
			names[j] = s.name
		}
		hint := ""
		if s := svcflow.Suggest(args[0], names); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		return usagef("unknown %s subcommand %q%s; expected one of %s", command, args[0], hint, strings.Join(names, ", "))
	}
	return subs[i].run(ctx, e, args[1:])
}
