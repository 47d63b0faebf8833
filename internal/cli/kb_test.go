package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// TestKB drives `svcflow kb` against a store in a temp dir: a draft from a
// resolved item, published, found, shown with its revisions, retired.
func TestKB(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(desk.Options{Store: s})
	streams, _ := library.Load()
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	agent := &svcflow.Person{ID: "alice", Name: "Alice", Email: "alice@example.org", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}}
	user := &svcflow.Person{ID: "ursula", Name: "Ursula", Email: "ursula@example.org", Role: svcflow.RoleRequester}
	for _, p := range []*svcflow.Person{agent, user} {
		if err := d.SavePerson(ctx, nil, p); err != nil {
			t.Fatal(err)
		}
	}
	v, err := d.Open(ctx, user, desk.OpenInput{Kind: svcflow.KindIncident, Title: "Shared drive is read-only", Description: "Saving fails with access denied"})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Item.ID
	for _, c := range []svcflow.Command{svcflow.Start{}, svcflow.Complete{}, svcflow.Start{}, svcflow.Complete{Outcome: "fixed"}} {
		if _, err := d.Act(ctx, agent, id, 0, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	data := "--data=" + dir
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"kb"}, ExitUsage, "missing kb subcommand"},
		{[]string{"kb", "serach", "x", data}, ExitUsage, `did you mean "search"?`},
		{[]string{"kb", "add", data}, ExitUsage, "needs --title"},
		{[]string{"kb", "add", "--title", "Quota", data}, ExitFailure, "resolution: missing resolution"},
		{[]string{"kb", "add", "--title", "Quota", "--resolution", "Raise it", "--services", "No Such", data}, ExitFailure, "services"},
		{[]string{"kb", "add", "--from-item", id, "--resolution", "Clear the read-only flag on the share", "--keywords", "share,permissions", "--as", "alice", data}, ExitOK, "KB-1001 written as a draft: Shared drive is read-only"},
		{[]string{"kb", "add", "--title", "Printer offline", "--workaround", "Use floor 2", data}, ExitOK, "KB-1002"},
		{[]string{"kb", "publish", "KB-1001", "--as", "alice", data}, ExitFailure, "only managers, admins and the knowledge-team"},
		{[]string{"kb", "publish", "KB-1001", data}, ExitOK, "KB-1001 is published (version 2)"},
		{[]string{"kb", "publish", "KB-1001", data}, ExitFailure, "published already"},
		{[]string{"kb", "search", "share", "read-only", data}, ExitOK, "KB-1001"},
		{[]string{"kb", "search", `"share*`, `(read-only`, data}, ExitOK, "KB-1001"}, // query syntax is inert
		{[]string{"kb", "list", "--status", "draft", data}, ExitOK, "KB-1002"},
		{[]string{"kb", "list", "--status", "gone", data}, ExitFailure, "unknown status"},
		{[]string{"kb", "show", "KB-1001", "--revisions", data}, ExitOK, "Resolution\nClear the read-only flag on the share"},
		{[]string{"kb", "show", "KB-9", data}, ExitFailure, "no knowledge article KB-9"},
		{[]string{"kb", "retire", "KB-1001", data}, ExitOK, "retired"},
	}
	for _, tt := range tests {
		code, out, errs := run(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errs, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s%s", tt.args, code, tt.code, tt.want, out, errs)
		}
	}
	code, out, _ := run(t, "kb", "show", "KB-1001", "--revisions", "--json", data)
	var got struct {
		Article   svcflow.Article
		Revisions []svcflow.ArticleRevision
	}
	if err := json.Unmarshal([]byte(out), &got); code != ExitOK || err != nil {
		t.Fatalf("show --json: %d %v %s", code, err, out)
	}
	a := got.Article
	if a.SourceItem != id || a.Author != "alice" || a.Status != svcflow.ArticleRetired || a.Symptoms != "Saving fails with access denied" ||
		len(got.Revisions) != 3 || got.Revisions[0].Editor != "alice" || got.Revisions[1].Editor != svcflow.SystemActor {
		t.Errorf("article %+v, revisions %+v", a, got.Revisions)
	}
	s, err = sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, _ := s.Item(ctx, id)
	if len(w.Links) == 0 || w.Links[len(w.Links)-1] != (svcflow.Link{Type: svcflow.LinkKnowledge, Other: "KB-1001"}) {
		t.Errorf("item links %v", w.Links)
	}
}
