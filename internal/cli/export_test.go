package cli

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// seedSmall writes two work items with a little history into a new store.
func seedSmall(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	streams, _ := library.Load()
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	agent := &svcflow.Person{ID: "alice", Name: "Alice", Email: "alice@example.org", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}}
	if err := d.SavePerson(ctx, nil, agent); err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Mail down", "VPN slow"} {
		v, err := d.Open(ctx, agent, desk.OpenInput{Kind: svcflow.KindIncident, Title: title, Entry: "monitoring"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Act(ctx, agent, v.Item.ID, 0, svcflow.Complete{Outcome: "fixed"}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	seedSmall(t, dir)
	code, out, errOut := run(t, "export", "--data", dir, "--format", "xes")
	if code != 0 {
		t.Fatalf("export xes: %s", errOut)
	}
	dec := xml.NewDecoder(strings.NewReader(out))
	traces, lifecycles := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("XES is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == "trace" {
				traces++
			}
			for _, a := range se.Attr {
				if a.Name.Local == "key" && a.Value == "lifecycle:transition" {
					lifecycles++
				}
			}
		}
	}
	if traces != 2 || lifecycles < 6 {
		t.Errorf("%d traces, %d lifecycle transitions", traces, lifecycles)
	}
	file := filepath.Join(t.TempDir(), "log.csv")
	if code, _, errOut := run(t, "export", "--format", "csv", "--output", file, "--data", dir); code != 0 {
		t.Fatalf("export csv: %s", errOut)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 || rows[0][0] != "case" {
		t.Errorf("%d CSV rows, header %v", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if r[0] == desk.ConfigSubject {
			t.Errorf("a configuration event in the export: %v", r)
		}
	}
	if code, _, _ := run(t, "export", "--format", "pdf", "--data", dir); code != ExitUsage {
		t.Errorf("bad format: exit %d", code)
	}
}
