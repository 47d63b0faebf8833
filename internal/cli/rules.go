package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/streamdef"
)

// How often a server turns new events into rule firings, and looks for
// delayed rules (quiet periods) whose time has come.
const (
	rulesEvery     = 5 * time.Second
	rulesTickEvery = time.Minute
)

func rulesCommands() []subcommand {
	return []subcommand{
		{"list", "rules list [--json] [--data DIR | --db URL]", "list the automation rules", rulesList},
		{"show", "rules show ID [--data DIR | --db URL]", "show a rule as JSON", rulesShow},
		{"validate", "rules validate FILE...", "check rule files; every problem with its line and column", noCtx(rulesValidate)},
		{"load", "rules load FILE... [--as PERSON] [--data DIR | --db URL]", "save the rules of files (created or replaced)", rulesLoad},
		{"enable", "rules enable ID [--as PERSON] [--data DIR | --db URL]", "switch a rule on", rulesEnable(true)},
		{"disable", "rules disable ID [--as PERSON] [--data DIR | --db URL]", "switch a rule off", rulesEnable(false)},
		{"delete", "rules delete ID [--as PERSON] [--data DIR | --db URL]", "delete a rule", rulesDelete},
		{"dry-run", "rules dry-run ID|FILE [--days N] [--json] [--data DIR | --db URL]", "show what a rule would have done over the last days", rulesDryRun},
	}
}

// runRules manages automation rules in the store: `svcflow rules
// list|show|validate|load|enable|disable|delete|dry-run`.
func runRules(ctx context.Context, e *env, args []string) error {
	return dispatchSub(ctx, e, "rules", rulesCommands(), args,
		"Without --as, changes are made by the system, with an admin's rights. Rule files: docs/automation.md.")
}

func newRulesFlags(e *env, name string) (*flag.FlagSet, *actorFlags) {
	return newActorFlags(e, "rules", rulesCommands(), name, "an admin")
}

// readRuleFiles parses rule files, printing every diagnostic; it fails
// after printing when any file has errors.
func readRuleFiles(e *env, paths []string) ([]*svcflow.Rule, error) {
	var all []*svcflow.Rule
	bad := false
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		rules, diags := streamdef.ParseRules(p, b)
		for _, d := range diags {
			fmt.Fprintln(e.stderr, d.String())
		}
		bad = bad || streamdef.HasErrors(diags)
		all = append(all, rules...)
	}
	if bad {
		return nil, errReported
	}
	return all, nil
}

func rulesValidate(e *env, args []string) error {
	fs := newFlags(e, "rules validate", "rules validate FILE...")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) == 0 {
		return usagef("rules validate needs at least one FILE")
	}
	rules, err := readRuleFiles(e, pos)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d rules OK\n", len(rules))
	return nil
}

func rulesList(ctx context.Context, e *env, args []string) error {
	fs, f := newRulesFlags(e, "list")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("rules list takes no arguments")
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	rules, err := d.ListRules(ctx, actor)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSONTo(e.stdout, map[string]any{"items": rules})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tENABLED\tON\tAFTER\tACTIONS\tNAME")
	for _, r := range rules {
		var on, acts []string
		for _, t := range r.On {
			on = append(on, string(t))
		}
		for _, a := range r.Then {
			acts = append(acts, a.Name())
		}
		after := "-"
		if !r.After.IsZero() {
			after = r.After.String()
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%s\t%s\n", r.ID, r.Enabled, strings.Join(on, ","), after, strings.Join(acts, ","), r.Name)
	}
	return tw.Flush()
}

func rulesShow(ctx context.Context, e *env, args []string) error {
	fs, f := newRulesFlags(e, "show")
	id, err := oneID(fs, args, "rules show ID")
	if err != nil {
		return err
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	r, err := d.Rule(ctx, actor, id)
	if err != nil {
		return err
	}
	return writeJSONTo(e.stdout, r)
}

func rulesLoad(ctx context.Context, e *env, args []string) error {
	fs, f := newRulesFlags(e, "load")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) == 0 {
		return usagef("rules load needs at least one FILE")
	}
	rules, err := readRuleFiles(e, pos)
	if err != nil {
		return err
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	for _, r := range rules {
		if err := d.SaveRule(ctx, actor, r); err != nil {
			return fmt.Errorf("rule %s: %w", r.ID, err)
		}
		fmt.Fprintf(e.stdout, "saved %s\n", r.ID)
	}
	return nil
}

func rulesEnable(on bool) func(context.Context, *env, []string) error {
	name := map[bool]string{true: "enable", false: "disable"}[on]
	return func(ctx context.Context, e *env, args []string) error {
		fs, f := newRulesFlags(e, name)
		id, err := oneID(fs, args, "rules "+name+" ID")
		if err != nil {
			return err
		}
		d, actor, done, err := f.open(ctx)
		if err != nil {
			return err
		}
		defer done()
		if _, err := d.SetRuleEnabled(ctx, actor, id, on); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s %sd\n", id, name)
		return nil
	}
}

func rulesDelete(ctx context.Context, e *env, args []string) error {
	fs, f := newRulesFlags(e, "delete")
	id, err := oneID(fs, args, "rules delete ID")
	if err != nil {
		return err
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := d.DeleteRule(ctx, actor, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s deleted\n", id)
	return nil
}

// rulesDryRun dry-runs a stored rule (by id) or the rule of a file (a
// path, or anything ending in .yaml or .yml).
func rulesDryRun(ctx context.Context, e *env, args []string) error {
	fs, f := newRulesFlags(e, "dry-run")
	days := fs.Int("days", 7, "how many days of the log to replay")
	target, err := oneID(fs, args, "rules dry-run ID|FILE [--days N]")
	if err != nil {
		return err
	}
	if *days < 1 || *days > desk.MaxDryRunDays {
		return usagef("--days %d; expected 1 to %d", *days, desk.MaxDryRunDays)
	}
	var fromFile *svcflow.Rule
	if strings.ContainsAny(target, "/\\") || strings.HasSuffix(target, ".yaml") || strings.HasSuffix(target, ".yml") {
		rules, err := readRuleFiles(e, []string{target})
		if err != nil {
			return err
		}
		if len(rules) != 1 {
			return usagef("%s holds %d rules; dry-run takes a file with one", target, len(rules))
		}
		fromFile = rules[0]
	}
	d, actor, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	r := fromFile
	if r == nil {
		if r, err = d.Rule(ctx, actor, target); err != nil {
			return err
		}
	}
	rep, err := d.DryRunRule(ctx, actor, r, *days)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSONTo(e.stdout, rep)
	}
	fmt.Fprintf(e.stdout, "rule %s over %s to %s: %d events, %d firings, %d accepted in full\n",
		rep.Rule, rep.From.Format(time.DateTime), rep.To.Format(time.DateTime), rep.Events, len(rep.Firings), rep.Accepted())
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tITEM\tEVENT\tACTION\tRESULT")
	for _, fi := range rep.Firings {
		for _, a := range fi.Actions {
			res := "accepted: " + joinTypes(a.Events)
			if !a.Accepted {
				res = "refused: " + a.Note
			}
			fmt.Fprintf(tw, "%s\t%s\t%s@%d\t%s\t%s\n", fi.At.Format(time.DateTime), fi.Item, fi.Event, fi.Seq, a.Action, res)
		}
	}
	return tw.Flush()
}

func joinTypes(ts []svcflow.EventType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// startRules installs the shipped rules a store lacks and starts the
// engine at the end of the log (a new installation does not act on old
// history).
func startRules(ctx context.Context, d *desk.Desk) error {
	defaults, err := library.Rules()
	if err != nil {
		return err
	}
	if _, err := d.InstallRules(ctx, defaults); err != nil {
		return fmt.Errorf("install the default rules: %w", err)
	}
	return d.StartRulesAtEnd(ctx)
}

// runRulesJob fires rules on new events, and delayed rules when due,
// until ctx ends.
func runRulesJob(ctx context.Context, d *desk.Desk, log *slog.Logger) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runEvery(ctx, log, "delayed rules", rulesTickEvery, d.RuleTick)
	}()
	runEvery(ctx, log, "rules", rulesEvery, d.RunRules)
	<-done
}
