// Package cli is the svcflow command line: it parses arguments, wires the
// packages together and maps failures to exit codes (0 ok, 1 invalid input
// or failed operation, 2 wrong command line).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Exit codes, as SPEC §6 fixes them.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// env is what a command may touch of the outside world; tests pass their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one verb of the command line.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// usageError is a wrong command line: exit 2, with a pointer to help.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// reported is a failure whose details were already printed (every error of
// an input, say): exit 1 without printing more.
var errReported = errors.New("failed; see the messages above")

func commands() []command {
	return []command{
		{"serve", "run the server", runServe},
		{"demo", "run the server with the built-in library and demo data", runDemo},
		{"streams", "list, show, validate and draw value streams", runStreams},
		{"analyze", "measure the flow of an event log (CSV, XES or the store): metrics, map, variants, conformance", runAnalyze},
		{"sim", "simulate value streams and what-ifs: sim run|compare|calibrate|queue", runSim},
		{"improve", "the continual improvement register: improve list|show|raise|evaluate", runImprove},
		{"generate-log", "write a seeded synthetic help-desk event log as CSV, for benchmarks and trials", runGenerateLog},
		{"export", "write the event log as XES or CSV, or convert a log file: export [LOG] --format xes|csv", runExport},
		{"import", "import people, teams, services or cis from CSV, all or nothing", runImport},
		{"erase", "erase a person's personal data: erase person ID", runErase},
		{"kb", "manage knowledge articles: kb list|search|show|add|publish|retire", runKB},
		{"rules", "manage automation rules: rules list|show|validate|load|enable|disable|delete|dry-run", runRules},
		{"migrate-store", "copy the embedded store into PostgreSQL, checked: migrate-store --from DIR --to URL", runMigrateStore},
		{"backup", "copy the embedded store while it runs: backup BACKUP_DIR", runBackup},
		{"restore", "restore a backup into an empty data directory: restore BACKUP_DIR", runRestore},
		{"bench", "load-test the HTTP API of a child server on loopback", runBench},
		{"scale", "generate work at scale, check it, time the list queries: scale generate|check|query", runScale},
		{"user", "add a person: user add --email E --name N --role R", runUser},
		{"token", "create an API token: token create --person ID", runToken},
		{"version", "print the version", runVersion},
	}
}

// Run executes the command line args (without the program name) and returns
// the process exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	err := dispatch(ctx, e, args)
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "svcflow: %s\nRun 'svcflow help' for usage.\n", ue.msg)
		return ExitUsage
	case errors.Is(err, errReported):
		return ExitFailure
	default:
		fmt.Fprintf(stderr, "svcflow: %v\n", err)
		return ExitFailure
	}
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printHelp(e.stderr)
		return usagef("missing command")
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		printHelp(e.stdout)
		return nil
	}
	cmds := commands()
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == name })
	if i < 0 {
		names := make([]string, len(cmds))
		for j, c := range cmds {
			names[j] = c.name
		}
		return usagef("unknown command %q; expected one of %s", name, strings.Join(names, ", "))
	}
	return cmds[i].run(ctx, e, rest)
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "svcflow: IT service management with executable value streams.")
	fmt.Fprintln(w, "\nUsage: svcflow COMMAND [ARGS] [FLAGS]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nFlags may come before or after arguments; -- ends the flags.")
	fmt.Fprintln(w, "Run 'svcflow COMMAND -h' for a command's flags.")
}

// parse parses flags and positional arguments in any order: Go's flag
// package stops at the first positional argument, so parsing resumes after
// each one. Everything after "--" is positional.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return append(pos, tail...), nil
}

// newFlags returns a flag set that reports to the command's stderr.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: svcflow %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// version is set at build time with -ldflags "-X …/cli.version=v1.2.3".
var version = "dev"

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version")
	if _, err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	fmt.Fprintln(e.stdout, "svcflow", version)
	return nil
}

// helpOK turns -h into success: the flag package has printed the usage.
func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
