package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// testConfigPreconditions: a configuration save made conditional on what
// the person saw happens only while that is still stored, checked in the
// save's transaction: of several admins saving the same team from the same
// form at once, exactly one wins and the others are told it changed; an
// add of an id that exists is refused; nothing is half-written.
func testConfigPreconditions(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	team := &svcflow.Team{ID: "night-shift", Name: "Night shift"}
	if err := f.desk.SaveTeam(ctx, f.admin, team, desk.Precondition{New: true}); err != nil {
		t.Fatal(err)
	}
	again := &svcflow.Team{ID: "night-shift", Name: "Another night shift"}
	if err := f.desk.SaveTeam(ctx, f.admin, again, desk.Precondition{New: true}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("adding an id that exists: %v, want an invalid id", err)
	}
	seen := storedTeam(t, s, "night-shift")
	if seen.Name != "Night shift" {
		t.Fatalf("the refused add changed the team: %+v", seen)
	}

	const admins = 6
	var wg sync.WaitGroup
	errs := make([]error, admins)
	for i := range admins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := *seen
			mine.Name = "Night shift " + string(rune('A'+i))
			prev := *seen
			errs[i] = f.desk.SaveTeam(ctx, f.admin, &mine, desk.Precondition{Prev: &prev})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch svcflow.ErrorCodeOf(err) {
		case "":
			if err == nil {
				won++
			} else {
				t.Errorf("save: %v", err)
			}
		case svcflow.ErrConflict:
		default:
			t.Errorf("save: %v, want a conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d saves from the same form won; want exactly 1", won, admins)
	}

	// The other kinds go through the same check.
	p, err := s.Person(ctx, "ursula")
	if err != nil {
		t.Fatal(err)
	}
	stale := *p
	changed := *p
	changed.Name = "Ursula Renamed"
	if err := f.desk.SavePerson(ctx, f.admin, &changed, desk.Precondition{Prev: p}); err != nil {
		t.Fatalf("a fresh edit of a person: %v", err)
	}
	late := stale
	late.Name = "Ursula Overwritten"
	if err := f.desk.SavePerson(ctx, f.admin, &late, desk.Precondition{Prev: &stale}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("a stale edit of a person: %v, want a conflict", err)
	}
	if got, _ := s.Person(ctx, "ursula"); got.Name != "Ursula Renamed" {
		t.Errorf("the person is %q after the stale edit", got.Name)
	}
	rule := &svcflow.Rule{ID: "quiet-close", Name: "Close quiet items", On: []svcflow.EventType{svcflow.EventStatusChanged},
		After: svcflow.MustParseDuration("7d"), Then: []svcflow.RuleAction{{Close: true}}}
	if err := f.desk.SaveRule(ctx, f.admin, rule, desk.Precondition{New: true}); err != nil {
		t.Fatalf("a new rule: %v", err)
	}
	oldRule := *rule
	edited := *rule
	edited.Name = "Close quiet items after a week"
	if err := f.desk.SaveRule(ctx, f.admin, &edited, desk.Precondition{Prev: &oldRule}); err != nil {
		t.Fatalf("a fresh edit of a rule: %v", err)
	}
	if err := f.desk.SaveRule(ctx, f.admin, &edited, desk.Precondition{Prev: &oldRule}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("a stale edit of a rule: %v, want a conflict", err)
	}
}

func storedTeam(t *testing.T, s desk.Store, id string) *svcflow.Team {
	t.Helper()
	teams, err := s.Teams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range teams {
		if x.ID == id {
			return x
		}
	}
	t.Fatalf("no team %s", id)
	return nil
}

// testPersonWithPassword: a person and their password are saved in one
// transaction: both or neither, and a clash of emails leaves neither.
func testPersonWithPassword(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	nina := &svcflow.Person{ID: "nina", Name: "Nina New", Email: "nina@example.org", Role: svcflow.RoleAgent}
	if err := f.desk.SavePersonWithPassword(ctx, f.admin, nina, "nina's hash", desk.Precondition{New: true}); err != nil {
		t.Fatal(err)
	}
	if p, h, err := f.desk.Login(ctx, "nina@example.org"); err != nil || p.ID != "nina" || h != "nina's hash" {
		t.Errorf("login of the new person: %v %q %v", p, h, err)
	}
	clash := &svcflow.Person{ID: "otto", Name: "Otto", Email: "nina@example.org", Role: svcflow.RoleAgent}
	if err := f.desk.SavePersonWithPassword(ctx, f.admin, clash, "otto's hash", desk.Precondition{New: true}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("a person with a taken email: %v, want invalid", err)
	}
	if _, err := s.Person(ctx, "otto"); err == nil {
		t.Error("the refused person was saved")
	}
	if _, err := s.PasswordHash(ctx, "otto"); err == nil {
		t.Error("the refused person's password was saved")
	}
	stale := *nina
	renamed := *nina
	renamed.Name = "Nina Renamed"
	if err := f.desk.SavePerson(ctx, f.admin, &renamed); err != nil {
		t.Fatal(err)
	}
	late := stale
	if err := f.desk.SavePersonWithPassword(ctx, f.admin, &late, "a late hash", desk.Precondition{Prev: &stale}); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("a stale edit with a password: %v, want a conflict", err)
	}
	if h, _ := s.PasswordHash(ctx, "nina"); h != "nina's hash" {
		t.Errorf("a refused edit changed the password to %q", h)
	}
}
