package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// The service desk depth of a store: blobs, CMDB, bulk import, erasure and
// the uniqueness of SLA marks.

func testAttachments(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Screenshot attached", desk.OpenInput{})
	content := bytes.Repeat([]byte("svcflow\x00\xff"), 50_000)
	a, err := f.desk.Attach(ctx, f.user, w.ID, "screen.png", "image/png", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	got, rc, err := f.desk.OpenAttachment(ctx, f.agent, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(body, content) || got.Size != int64(len(content)) || got.SHA256 != a.SHA256 {
		t.Errorf("attachment did not round-trip: %d bytes, %+v", len(body), got)
	}
	list, _ := s.Attachments(ctx, w.ID)
	if len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("attachments of %s: %+v", w.ID, list)
	}
	if _, _, err := s.PutBlob(ctx, strings.NewReader("12345"), 4); !errors.Is(err, desk.ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := s.OpenBlob(ctx, strings.Repeat("0", 64)); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("missing blob: %v", err)
	}
}

func testCMDB(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	save := func(ci *svcflow.CI, rels ...svcflow.Relationship) {
		t.Helper()
		if err := f.desk.SaveCI(ctx, f.admin, ci, rels); err != nil {
			t.Fatal(err)
		}
	}
	save(&svcflow.CI{ID: "db", Name: "Database", Class: "database"})
	save(&svcflow.CI{ID: "app", Name: "App", Class: "application"}, svcflow.Relationship{To: "db", Type: svcflow.DependsOn})
	save(&svcflow.CI{ID: "payroll", Name: "Payroll", Class: "business_service"}, svcflow.Relationship{To: "app", Type: svcflow.DependsOn})
	rels, _ := s.Relationships(ctx)
	if len(rels) != 2 {
		t.Errorf("relationships: %v", rels)
	}
	// Saving a CI again replaces the relationships that start at it.
	save(&svcflow.CI{ID: "app", Name: "App", Class: "application"})
	if rels, _ := s.Relationships(ctx); len(rels) != 1 {
		t.Errorf("after replacing app's relationships: %v", rels)
	}
	save(&svcflow.CI{ID: "app", Name: "App", Class: "application"}, svcflow.Relationship{To: "db", Type: svcflow.DependsOn})
	imp, err := f.desk.Impact(ctx, []string{"db"})
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Services) != 1 || imp.Services[0].ID != "payroll" || imp.Services[0].Distance != 2 {
		t.Errorf("impact of db: %+v", imp)
	}
	if _, err := s.CI(ctx, "nope"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("missing CI: %v", err)
	}
}

func testImport(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	before, _ := s.People(ctx)
	bad := &desk.ImportBatch{
		People: []*svcflow.Person{{ID: "new-one", Name: "New", Email: "new@example.org", Role: svcflow.RoleAgent},
			{ID: "clash", Name: "Clash", Email: "ALICE@example.org", Role: svcflow.RoleAgent}},
	}
	if errs := f.desk.Import(ctx, nil, bad); len(errs) != 1 || !strings.Contains(errs[0].Error(), "already used by alice") {
		t.Errorf("import with a clashing email: %v", errs)
	}
	if after, _ := s.People(ctx); len(after) != len(before) {
		t.Errorf("a refused import wrote %d people", len(after)-len(before))
	}
	good := &desk.ImportBatch{
		People:        []*svcflow.Person{{ID: "new-one", Name: "New", Email: "new@example.org", Role: svcflow.RoleAgent}},
		Teams:         []*svcflow.Team{{ID: "network", Name: "Network"}},
		Services:      []*svcflow.Service{{ID: "vpn", Name: "VPN", Status: svcflow.ServiceLive}},
		CIs:           []*svcflow.CI{{ID: "fw", Name: "Firewall", Class: "network_device"}, {ID: "vpn-gw", Name: "VPN gateway", Class: "network_device"}},
		Relationships: []svcflow.Relationship{{From: "vpn-gw", To: "fw", Type: svcflow.DependsOn}},
	}
	if errs := f.desk.Import(ctx, nil, good); len(errs) > 0 {
		t.Fatal(errs)
	}
	after, _ := s.People(ctx)
	teams, _ := s.Teams(ctx)
	cis, _ := s.CIs(ctx)
	if len(after) != len(before)+1 || len(teams) != 1 || len(cis) != 2 {
		t.Errorf("after import: %d people, %d teams, %d CIs", len(after), len(teams), len(cis))
	}
}

func testErase(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Printer jams, call Ursula on 555-0100", desk.OpenInput{})
	if _, _, err := f.desk.PostComment(ctx, f.user, w.ID, 0, "Ursula User here, still jammed", true); err != nil {
		t.Fatal(err)
	}
	evBefore, _ := s.ItemEvents(ctx, w.ID)
	if err := f.desk.ErasePerson(ctx, f.admin, "ursula"); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Person(ctx, "ursula")
	if !p.Erased || strings.Contains(p.Name, "Ursula") || strings.Contains(p.Email, "ursula@example.org") {
		t.Errorf("person after erasure: %+v", p)
	}
	c, _ := s.ItemContent(ctx, w.ID)
	comments, _ := s.Comments(ctx, w.ID, true)
	if strings.Contains(c.Title, "Ursula") || strings.Contains(comments[0].Body, "Ursula") {
		t.Errorf("free text survived: %q, %q", c.Title, comments[0].Body)
	}
	if found, _ := s.ListItems(ctx, desk.ItemFilter{Text: "ursula"}); len(found) != 0 {
		t.Errorf("the search index still finds the erased text")
	}
	evAfter, _ := s.ItemEvents(ctx, w.ID)
	if len(evAfter) != len(evBefore) {
		t.Errorf("erasure changed the item's events: %d → %d", len(evBefore), len(evAfter))
	}
	if _, _, err := f.desk.Login(ctx, "ursula@example.org"); err == nil {
		t.Error("an erased person can still be found to sign in")
	}
}

// testPasswordEndsSessions: setting a person's password ends their
// browser sessions in the same transaction, and nobody else's.
func testPasswordEndsSessions(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	expires := f.desk.Now().Add(time.Hour)
	for _, sess := range []desk.Session{{Hash: "ursula-1", Person: "ursula", CSRF: "a", Expires: expires},
		{Hash: "ursula-2", Person: "ursula", CSRF: "b", Expires: expires}, {Hash: "admin-1", Person: f.admin.ID, CSRF: "c", Expires: expires}} {
		if err := f.desk.StartSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.desk.SetPassword(ctx, f.admin, "ursula", "a new hash"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"ursula-1", "ursula-2"} {
		if _, _, err := f.desk.PersonBySession(ctx, h); !errors.Is(err, desk.ErrNotFound) {
			t.Errorf("session %s after the password was set: %v, want not found", h, err)
		}
	}
	if p, _, err := f.desk.PersonBySession(ctx, "admin-1"); err != nil || p.ID != f.admin.ID {
		t.Errorf("another person's session: %v, %v", p, err)
	}
}

func testSLAMarks(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Clock check", desk.OpenInput{})
	st, _ := s.StreamRevision(ctx, w.Stream, w.StreamRevision)
	x := svcflow.SLACrossing{Clock: svcflow.SLAResponse, Kind: svcflow.CrossingBreach, At: t0}
	mark := &desk.SLAMark{Clock: x.Clock, Kind: x.Kind, Since: t0}
	record := func(w *svcflow.WorkItem) error {
		res, err := svcflow.Decide(w, svcflow.Env{Now: t0, Actor: svcflow.Actor{ID: svcflow.SystemActor}, Stream: st}, svcflow.RecordSLA{Crossing: x})
		if err != nil {
			t.Fatal(err)
		}
		return s.Append(ctx, &desk.Change{Item: res.Item, Expected: w.Version, Events: res.Events, SLAMark: mark})
	}
	if err := record(w); err != nil {
		t.Fatal(err)
	}
	// Another instance, deciding on the new version, must still lose.
	w2, _ := s.Item(ctx, w.ID)
	if err := record(w2); !errors.Is(err, desk.ErrConflict) {
		t.Errorf("the same SLA crossing recorded twice: %v", err)
	}
}

func testCalendarsAndPolicies(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	cal := &svcflow.Calendar{ID: "office", Name: "Office", TimeZone: "Europe/Berlin",
		Hours: []svcflow.WorkingHours{{Days: []time.Weekday{time.Monday}, Start: "09:00", End: "17:00"}}}
	if err := f.desk.SaveCalendar(ctx, f.admin, cal); err != nil {
		t.Fatal(err)
	}
	p := &svcflow.SLAPolicy{ID: "std", Name: "Standard", Calendar: "office",
		Targets: []svcflow.SLATarget{{Priority: svcflow.P3, Response: svcflow.MustParseDuration("4h"), Resolution: svcflow.MustParseDuration("2bd")}}}
	if err := f.desk.SaveSLAPolicy(ctx, f.admin, p); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.SaveSLAPolicy(ctx, f.admin, &svcflow.SLAPolicy{ID: "x", Calendar: "nope", Targets: p.Targets}); svcflow.ErrorCodeOf(err) != svcflow.ErrInvalid {
		t.Errorf("policy on an unknown calendar: %v", err)
	}
	cals, _ := s.Calendars(ctx)
	ps, _ := s.SLAPolicies(ctx)
	if len(cals) != 1 || len(ps) != 1 || ps[0].Targets[0].Resolution.BusinessDays != 2 {
		t.Errorf("calendars %d, policies %+v", len(cals), ps)
	}
}

func testIdempotencyKeys(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Keyed", desk.OpenInput{})
	st, _ := s.StreamRevision(ctx, w.Stream, w.StreamRevision)
	move := func(w *svcflow.WorkItem, claim *desk.IdempotencyClaim) error {
		var cmd svcflow.Command = svcflow.Start{}
		if w.Status == svcflow.StatusInProgress {
			cmd = svcflow.Requeue{}
		}
		res, err := svcflow.Decide(w, svcflow.Env{Now: t0, Actor: f.agent.Actor(), Stream: st}, cmd)
		if err != nil {
			t.Fatal(err)
		}
		return s.Append(desk.WithIdempotencyClaim(ctx, claim), &desk.Change{Item: res.Item, Expected: w.Version, Events: res.Events})
	}
	claim := &desk.IdempotencyClaim{Key: "k1", Created: t0, Expired: t0.Add(-desk.IdempotencyTTL)}
	if err := move(w, claim); err != nil {
		t.Fatal(err)
	}
	if !claim.Claimed() {
		t.Error("the append did not mark its claim recorded")
	}
	rec, err := s.IdempotentRecord(ctx, "k1", t0.Add(-time.Hour))
	if err != nil || rec.Result != w.ID || rec.Response != nil {
		t.Fatalf("record after the append: %+v %v, want item %s and no response yet", rec, err, w.ID)
	}
	// A second append under the same key, even on the current version,
	// writes nothing.
	w2, _ := s.Item(ctx, w.ID)
	w2Events, _ := s.ItemEvents(ctx, w.ID)
	if err := move(w2, &desk.IdempotencyClaim{Key: "k1", Created: t0, Expired: t0.Add(-desk.IdempotencyTTL)}); !errors.Is(err, desk.ErrKeyUsed) {
		t.Errorf("second append under a used key: %v, want ErrKeyUsed", err)
	}
	if evs, _ := s.ItemEvents(ctx, w.ID); len(evs) != len(w2Events) {
		t.Errorf("the refused append wrote %d events", len(evs)-len(w2Events))
	}
	resp := desk.IdempotentResponse{Status: 200, ContentType: "application/json", ETag: `"2"`, Body: []byte(`{"id":"x"}`)}
	if err := s.RememberResponse(ctx, "k1", t0, t0.Add(-desk.IdempotencyTTL), resp, true); err != nil {
		t.Fatal(err)
	}
	// A claimed key's answer is stored by the time an append submitted
	// after it has returned.
	f.open("Later append", desk.OpenInput{})
	rec, err = s.IdempotentRecord(ctx, "k1", t0.Add(-time.Hour))
	if err != nil || rec.Response == nil || !reflect.DeepEqual(*rec.Response, resp) {
		t.Errorf("remembered response: %+v %v", rec, err)
	}
	// After its time to live the key counts no more and can be taken again.
	later := t0.Add(desk.IdempotencyTTL + time.Hour)
	if _, err := s.IdempotentRecord(ctx, "k1", later.Add(-desk.IdempotencyTTL)); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("expired key still found: %v", err)
	}
	if err := move(w2, &desk.IdempotencyClaim{Key: "k1", Created: later, Expired: later.Add(-desk.IdempotencyTTL)}); err != nil {
		t.Errorf("taking an expired key: %v", err)
	}
	// A request that changes no item remembers its answer without a claim;
	// the first answer stays.
	refusal := desk.IdempotentResponse{Status: 422, ContentType: "application/problem+json", Body: []byte(`{}`)}
	for _, r := range []desk.IdempotentResponse{refusal, resp} {
		if err := s.RememberResponse(ctx, "k2", t0, t0.Add(-desk.IdempotencyTTL), r, false); err != nil {
			t.Fatal(err)
		}
	}
	if rec, err := s.IdempotentRecord(ctx, "k2", t0.Add(-time.Hour)); err != nil || rec.Result != "" || rec.Response == nil || rec.Response.Status != 422 {
		t.Errorf("unclaimed key: %+v %v, want the first answer (422)", rec, err)
	}
}

func testSLASchedule(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.open("Scheduled later", desk.OpenInput{})
	b := f.open("Never again", desk.OpenInput{})
	c := f.open("Not yet looked at", desk.OpenInput{})
	due := func(now time.Time) []string {
		t.Helper()
		items, err := s.SLADue(ctx, now, now.Add(-time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, w := range items {
			ids = append(ids, w.ID)
		}
		return ids
	}
	if got := due(t0); !slices.Equal(got, []string{a.ID, b.ID, c.ID}) {
		t.Fatalf("before any schedule: %v, want every open item", got)
	}
	generation, err := s.SLAGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	schedule := func(ss ...desk.SLASchedule) {
		t.Helper()
		if err := s.ScheduleSLA(ctx, generation, ss); err != nil {
			t.Fatal(err)
		}
	}
	dueA := t0.Add(3 * time.Hour)
	schedule(desk.SLASchedule{Item: a.ID, Version: a.Version, Next: t0.Add(time.Hour), Due: dueA}, desk.SLASchedule{Item: b.ID, Version: b.Version})
	saved, err := s.SLASchedules(ctx, []string{a.ID, b.ID, c.ID})
	if err != nil || len(saved) != 2 || !saved[a.ID].Due.Equal(dueA) || !saved[a.ID].Next.Equal(t0.Add(time.Hour)) ||
		!saved[b.ID].Next.IsZero() || !saved[b.ID].Due.IsZero() || saved[b.ID].Version != b.Version {
		t.Errorf("saved schedules %+v %v, want a's next look and due time, b's none, nothing for c", saved, err)
	}
	if got := due(t0); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("now: %v, want only the unscheduled item", got)
	}
	if got := due(t0.Add(2 * time.Hour)); !slices.Equal(got, []string{a.ID, c.ID}) {
		t.Errorf("two hours on: %v, want the item whose look is due too", got)
	}
	// A change voids the schedule: the new version has none.
	b2 := f.act(f.agent, b.ID, svcflow.Start{})
	if got := due(t0); !slices.Equal(got, []string{b.ID, c.ID}) {
		t.Errorf("after a change: %v, want the changed item back", got)
	}
	// A schedule for an older version does not replace a newer one.
	schedule(desk.SLASchedule{Item: b.ID, Version: b2.Version})
	schedule(desk.SLASchedule{Item: b.ID, Version: b.Version, Next: t0})
	if got := due(t0.Add(time.Minute)); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("after a late, older schedule: %v, want it ignored", got)
	}
	// A closed item drops out once it has not changed for the lookback.
	f.act(f.agent, c.ID, svcflow.Cancel{Reason: "duplicate call"})
	schedule(desk.SLASchedule{Item: c.ID, Version: c.Version}) // the pre-cancel version: void
	if got := due(t0); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("a just-cancelled item: %v, want it looked at once more", got)
	}
	if items, _ := s.SLADue(ctx, t0, t0.Add(time.Minute), 100); len(items) != 0 {
		t.Errorf("a cancelled item changed before the lookback is still due: %v", items)
	}
	// New SLA inputs void every schedule, and schedules computed under the
	// old ones are not saved.
	if err := f.desk.SaveSLAPolicy(ctx, nil, &svcflow.SLAPolicy{ID: "p", Targets: []svcflow.SLATarget{{Priority: svcflow.P3, Response: svcflow.MustParseDuration("1h")}}}); err != nil {
		t.Fatal(err)
	}
	if got := due(t0); !slices.Equal(got, []string{a.ID, b.ID, c.ID}) {
		t.Errorf("after a policy change: %v, want every item looked at again", got)
	}
	schedule(desk.SLASchedule{Item: a.ID, Version: a.Version}) // under the old generation
	if got := due(t0); !slices.Equal(got, []string{a.ID, b.ID, c.ID}) {
		t.Errorf("a schedule computed before the policy change was saved: due %v", got)
	}
	if g, err := s.SLAGeneration(ctx); err != nil || g <= generation {
		t.Errorf("generation %d after a policy change (%v), want more than %d", g, err, generation)
	}
}

func testItemContents(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.open("Laptop fan loud", desk.OpenInput{Description: "since Monday"})
	b := f.open("Badge does not open door 4", desk.OpenInput{})
	got, err := s.ItemContents(ctx, []string{a.ID, b.ID, "INC-999999"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*svcflow.WorkItem{a, b} {
		one, err := s.ItemContent(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[w.ID], one) {
			t.Errorf("%s: batch %+v, single %+v", w.ID, got[w.ID], one)
		}
		item, content, err := s.ItemView(ctx, w.ID)
		if err != nil || !reflect.DeepEqual(item, w) || !reflect.DeepEqual(content, one) {
			t.Errorf("%s: view %+v %+v %v, want the item and %+v", w.ID, item, content, err, one)
		}
	}
	if _, _, err := s.ItemView(ctx, "INC-999999"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("view of a missing item: %v, want ErrNotFound", err)
	}
	if _, ok := got["INC-999999"]; ok || len(got) != 2 {
		t.Errorf("batch holds %d contents, want the 2 that exist", len(got))
	}
	if none, err := s.ItemContents(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no ids: %v %v", none, err)
	}
}
