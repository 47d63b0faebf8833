package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/svcflow/svcflow/internal/csvimport"
	"github.com/svcflow/svcflow/internal/desk"
)

// runImport loads people, teams, services or configuration items from a
// CSV file, all or nothing: `svcflow import people FILE.csv`.
func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "import people|teams|services|cis FILE.csv [--data DIR]")
	var sf storeFlags
	sf.register(e, fs)
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 2 {
		return usagef("usage: svcflow import people|teams|services|cis FILE.csv")
	}
	kind, file := pos[0], pos[1]
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	b := &desk.ImportBatch{}
	var perrs []csvimport.Error
	switch kind {
	case "people":
		b.People, perrs = csvimport.ParsePeople(file, f)
	case "teams":
		b.Teams, perrs = csvimport.ParseTeams(file, f)
	case "services":
		b.Services, perrs = csvimport.ParseServices(file, f)
	case "cis":
		b.CIs, b.Relationships, perrs = csvimport.ParseCIs(file, f)
	default:
		return usagef("unknown kind %q; expected people, teams, services or cis", kind)
	}
	if len(perrs) > 0 {
		for _, pe := range perrs {
			fmt.Fprintln(e.stderr, pe)
		}
		fmt.Fprintf(e.stderr, "nothing imported: %d errors\n", len(perrs))
		return errReported
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	if errs := d.Import(ctx, nil, b); len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintf(e.stderr, "%s: %v\n", file, err)
		}
		fmt.Fprintf(e.stderr, "nothing imported: %d errors\n", len(errs))
		return errReported
	}
	n := len(b.People) + len(b.Teams) + len(b.Services) + len(b.CIs)
	fmt.Fprintf(e.stdout, "imported %d %s from %s\n", n, kind, file)
	return nil
}
