package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/demo"
	"github.com/svcflow/svcflow/internal/desk"
)

// TestImproveCommands raises an improvement from the top bottleneck of the
// demo's restoration stream and from an item, lists and shows the
// register, and runs its job, through the CLI.
func TestImproveCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := seededStore(t, dir, demo.Options{Days: 5, Seed: 3, End: time.Date(2026, 3, 25, 15, 0, 0, 0, time.UTC)})
	people, err := s.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	manager := ""
	for _, p := range people {
		if p.Role == svcflow.RoleManager && manager == "" {
			manager = p.ID
		}
	}
	incidents, err := s.ListItems(ctx, desk.ItemFilter{Kinds: []svcflow.Kind{svcflow.KindIncident}, Limit: 1})
	if err != nil || len(incidents) == 0 {
		t.Fatalf("no incident in the demo store (%v)", err)
	}
	s.Close()

	code, out, errOut := run(t, "improve", "raise", "--data", dir, "--as", manager, "--from-bottleneck", "restore-live-service",
		"--action", "Add a person to the team in the mornings", "--window", "2w")
	if code != 0 || !strings.HasPrefix(out, "raised IMP-") || !strings.Contains(out, "step_wait_p50 of ") {
		t.Fatalf("raise from the bottleneck: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, "improve", "raise", "--data", dir, "--as", manager, "--title", "Fewer reopened incidents",
		"--problem", "Fixes do not last", "--action", "Verify with the user before resolving", "--metric", "reopen_rate",
		"--direction", "decrease", "--target", "0.05", "--stream", "restore-live-service", "--from-item", incidents[0].ID)
	if code != 0 {
		t.Fatalf("raise from an item: exit %d, %q %q", code, out, errOut)
	}
	id := strings.Fields(out)[1]
	id = strings.TrimSuffix(id, ":")

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"improve", "raise", "--as", manager, "--title", "x", "--problem", "p", "--action", "a", "--metric", "speed"}, 1, "criterion.metric"},
		{[]string{"improve", "raise", "--as", manager, "--window", "3x"}, 2, "--window"},
		{[]string{"improve", "raise", "--title", "x"}, 2, "--as"},
		{[]string{"improve", "show"}, 2, "usage"},
		{[]string{"improve", "show", "INC-1"}, 1, "no improvement"},
		{[]string{"improve", "frobnicate"}, 2, "unknown improve subcommand"},
	} {
		code, out, errOut := run(t, append(tt.args, "--data", dir)...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d, %q %q; want exit %d saying %q", tt.args, code, out, errOut, tt.code, tt.want)
		}
	}

	code, out, _ = run(t, "improve", "list", "--data", dir)
	// The two raised here, newest first, above those the demo raised.
	if code != 0 || !strings.Contains(out, "\n"+id+" ") || !strings.Contains(out, "step_wait_p50 of ") ||
		strings.Index(out, "\n"+id+" ") > strings.Index(out, "step_wait_p50 of ") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "improve", "show", id, "--data", dir)
	var entry registerEntry
	if err := json.Unmarshal([]byte(out), &entry); code != 0 || err != nil {
		t.Fatalf("show: exit %d, %v\n%s", code, err, out)
	}
	if entry.Register.Criterion.Metric != svcflow.MetricReopenRate || entry.Step != "proposed" ||
		len(entry.Register.Sources) != 1 || entry.Register.Sources[0].Ref != incidents[0].ID {
		t.Errorf("show: %+v", entry)
	}
	code, out, _ = run(t, "improve", "evaluate", "--data", dir)
	if code != 0 || !strings.Contains(out, "baselines captured: 0, evaluations: 0") {
		t.Errorf("evaluate with nothing approved: exit %d, %q", code, out)
	}
}
