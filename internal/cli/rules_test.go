package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/sqlite"
)

const urgentRule = `schema: svcflow/rule/v1
id: urgent-incidents-to-infra
name: Urgent incidents to infrastructure
on: [created]
if: kind == incident and priority in [P1, P2]
then:
  - route: infrastructure-ops
`

// TestRulesCommands: validate names the line and column of each problem
// and exits 1; load saves a rule file's rules; list shows them with the
// shipped ones left out (they arrive with the server); dry-run of a file
// over a seeded demo store reports what the desk's dry-run does, and
// writes nothing.
func TestRulesCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	good := filepath.Join(dir, "urgent.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte(urgentRule), 0o600)
	os.WriteFile(bad, []byte(strings.Replace(urgentRule, "[created]", "[craeted]", 1)+"then2: x\n"), 0o600)

	code, out, errs := run(t, "rules", "validate", bad)
	if code != ExitFailure || !strings.Contains(errs, bad+`:4:6: error: on[0]: unknown event type "craeted" (did you mean "created"?)`) ||
		!strings.Contains(errs, bad+`:8:1: error: then2: unknown field "then2"`) {
		t.Errorf("validate bad: %d %q %q", code, out, errs)
	}
	if code, out, errs := run(t, "rules", "validate", good); code != ExitOK || out != "1 rules OK\n" {
		t.Errorf("validate good: %d %q %q", code, out, errs)
	}

	ctx := context.Background()
	s, err := sqlite.Open(ctx, data, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := new(demo.Clock)
	if _, err := demo.Seed(ctx, desk.New(desk.Options{Store: s, Now: clock.Now}), clock, demo.Options{Days: 9, Seed: 5, End: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Stats(ctx)
	s.Close()

	code, out, errs = run(t, "rules", "dry-run", good, "--days", "7", "--json", "--data", data)
	if code != ExitOK {
		t.Fatalf("dry-run: %d %q", code, errs)
	}
	var rep desk.DryRunReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, data, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s, Now: func() time.Time { return rep.To }})
	rules, _ := readRuleFiles(&env{stderr: os.Stderr}, []string{good})
	want, err := d.DryRunRule(ctx, &svcflow.Person{ID: "m", Role: svcflow.RoleManager}, rules[0], 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Firings) == 0 || len(rep.Firings) != len(want.Firings) || rep.Accepted() != want.Accepted() || rep.Events != want.Events {
		t.Errorf("CLI dry-run: %d firings (%d accepted) over %d events; the desk's: %d (%d) over %d",
			len(rep.Firings), rep.Accepted(), rep.Events, len(want.Firings), want.Accepted(), want.Events)
	}
	if after, _ := s.Stats(ctx); after.LastSeq != before.LastSeq {
		t.Errorf("dry-run wrote events: %d → %d", before.LastSeq, after.LastSeq)
	}
	s.Close()

	if code, out, errs := run(t, "rules", "load", good, "--data", data); code != ExitOK || out != "saved urgent-incidents-to-infra\n" {
		t.Errorf("load: %d %q %q", code, out, errs)
	}
	if code, out, errs := run(t, "rules", "disable", "urgent-incidents-to-infra", "--data", data); code != ExitOK {
		t.Errorf("disable: %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, "rules", "list", "--data", data)
	if code != ExitOK || !strings.Contains(out, "urgent-incidents-to-infra  false    created  -      route") {
		t.Errorf("list: %d %q %q", code, out, errs)
	}
	if code, out, errs := run(t, "rules", "dry-run", "urgent-incidents-to-infra", "--days", "7", "--data", data); code != ExitOK || !strings.Contains(out, "firings") {
		t.Errorf("dry-run by id: %d %q %q", code, out, errs)
	}
	if code, _, errs := run(t, "rules", "show", "nope", "--data", data); code != ExitFailure || !strings.Contains(errs, "no rule nope") {
		t.Errorf("show missing: %d %q", code, errs)
	}
	if code, _, errs := run(t, "rules", "dry-run", good, "--days", "0", "--data", data); code != ExitUsage {
		t.Errorf("--days 0: %d %q", code, errs)
	}
}

// TestStartRulesInstallsDefaultsOnce: a server's start installs the
// shipped rules and starts the engine at the end of the log; a later start
// leaves an admin's changes and deletions alone.
func TestStartRulesInstallsDefaultsOnce(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	admin := &svcflow.Person{ID: "ada", Role: svcflow.RoleAdmin}
	if err := startRules(ctx, d); err != nil {
		t.Fatal(err)
	}
	rules, err := d.ListRules(ctx, admin)
	if err != nil || len(rules) != 2 || rules[0].ID != "auto-close-resolved" || !rules[0].Enabled || rules[1].Enabled {
		t.Fatalf("after the first start: %+v %v", rules, err)
	}
	st, _ := s.Stats(ctx)
	if cur, _ := s.Cursor(ctx, desk.RulesCursor); cur != st.LastSeq {
		t.Errorf("rules cursor %d, want the end of the log %d", cur, st.LastSeq)
	}
	if _, err := d.SetRuleEnabled(ctx, admin, "auto-close-resolved", false); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteRule(ctx, admin, "problem-from-repeated-incidents"); err != nil {
		t.Fatal(err)
	}
	if err := startRules(ctx, d); err != nil {
		t.Fatal(err)
	}
	rules, _ = d.ListRules(ctx, admin)
	// The deleted default stays deleted, the changed one as the admin
	// left it.
	if len(rules) != 1 || rules[0].ID != "auto-close-resolved" || rules[0].Enabled {
		t.Errorf("after the second start: %+v", rules)
	}
}
