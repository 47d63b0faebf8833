package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
)

// passRules runs the rule engine to the end of the log from n instances
// at once and returns the firings they recorded in all.
func passRules(t *testing.T, d *desk.Desk, n int) int {
	t.Helper()
	var wg sync.WaitGroup
	counts := make([]int, n)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := d.RunRules(context.Background())
			if err != nil {
				t.Error(err)
			}
			counts[i] = c
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	return total
}

// approvalsOf returns the approval_decided events of an item.
func approvalsOf(t *testing.T, s desk.Store, id string) []svcflow.Event {
	t.Helper()
	evs, err := s.ItemEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []svcflow.Event
	for _, e := range evs {
		if e.Type == svcflow.EventApprovalGiven {
			out = append(out, e)
		}
	}
	return out
}

// testChangeApprovals: a standard change passes its authorization step by
// the step's auto_approve condition, as the system; a low-impact normal
// change is approved by a rule the step lists as an approver, as the rule,
// once however many engines run; a change the rule's condition does not
// cover waits for its approvers.
func testChangeApprovals(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	// The change stream's authorization step also lists the rule.
	fresh, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	var change *svcflow.ValueStream
	for _, x := range fresh {
		if x.ID == "service-change" {
			change = x
		}
	}
	if change == nil {
		t.Fatal("no service-change stream")
	}
	change.Revision++
	change.Step("authorize").Approval.Approvers = append(change.Step("authorize").Approval.Approvers, svcflow.Approver{Rule: "approve-low-impact-changes"})
	if err := f.desk.RegisterStreams(ctx, "ada", []*svcflow.ValueStream{change}); err != nil {
		t.Fatal(err)
	}
	rule := &svcflow.Rule{ID: "approve-low-impact-changes", Name: "Approve low-impact changes", Enabled: true,
		On: []svcflow.EventType{svcflow.EventApprovalAsked}, If: `kind == change and impact == 3 and step == authorize`,
		Then: []svcflow.RuleAction{{Approve: true}}}
	if err := f.desk.SaveRule(ctx, f.admin, rule); err != nil {
		t.Fatal(err)
	}
	standard := f.open("Rotate the web certificates", desk.OpenInput{Kind: svcflow.KindChange, Category: "standard", Impact: 2, Urgency: 2})
	low := f.open("Raise the mail quota", desk.OpenInput{Kind: svcflow.KindChange, Category: "normal", Impact: 3, Urgency: 2})
	high := f.open("Move the database", desk.OpenInput{Kind: svcflow.KindChange, Category: "normal", Impact: 1, Urgency: 2})
	for _, w := range []*svcflow.WorkItem{standard, low, high} {
		if w.Visit == nil || w.Visit.Step != "assess" {
			t.Fatalf("%s starts at %+v, want assess", w.ID, w.Visit)
		}
		f.act(f.admin, w.ID, svcflow.Start{})
		f.act(f.admin, w.ID, svcflow.Complete{})
	}
	if got := passRules(t, f.desk, 3); got != 1 {
		t.Errorf("engines recorded %d firings, want 1 (the low-impact change)", got)
	}
	for _, c := range []struct {
		w     *svcflow.WorkItem
		actor string // of the approval; "" for none
		step  string
	}{
		{standard, svcflow.SystemActor, "schedule"},
		{low, "rule:approve-low-impact-changes", "schedule"},
		{high, "", "authorize"},
	} {
		as := approvalsOf(t, s, c.w.ID)
		switch {
		case c.actor == "" && len(as) != 0:
			t.Errorf("%s: approvals %+v, want none", c.w.ID, as)
		case c.actor != "" && (len(as) != 1 || as[0].Actor != c.actor || as[0].Data.Person != c.actor || as[0].Data.Decision != "approve"):
			t.Errorf("%s: approvals %+v, want one approval by %s", c.w.ID, as, c.actor)
		}
		w, err := s.Item(ctx, c.w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(w.Workers, c.actor) {
			t.Errorf("%s: the approving automation %s counts as a worker: %v", w.ID, c.actor, w.Workers)
		}
		if w.Visit == nil || w.Visit.Step != c.step {
			t.Errorf("%s is at %+v, want step %s", w.ID, w.Visit, c.step)
		}
	}
	// The rule cannot approve where it is not listed: on the first
	// revision of the stream nothing lets it.
	if ok, err := s.FiringRecorded(ctx, "rule:approve-low-impact-changes", high.ID, 0); ok || err != nil {
		t.Errorf("firing on %s: %v %v", high.ID, ok, err)
	}
}

// testRulesFireOnce: a routing rule fires once per matching item however
// many engines run, writes its events as the rule, and does not fire on
// items its condition leaves out, nor again on its own events.
func testRulesFireOnce(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	rule := &svcflow.Rule{ID: "vpn-to-network", Name: "VPN incidents go to the network team", Enabled: true,
		On: []svcflow.EventType{svcflow.EventCreated, svcflow.EventStepRequeued}, If: `kind == incident`,
		Text: &svcflow.TextMatch{Matches: `\bvpn\b`},
		Then: []svcflow.RuleAction{{Route: "network"}, {Set: &svcflow.RuleSet{Priority: svcflow.P2}}, {Notify: "network-chat"}}}
	if err := f.desk.SaveRule(ctx, f.admin, rule); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.CreateWebhook(ctx, f.admin, desk.WebhookInput{ID: "network-chat", URL: "http://127.0.0.1:1/chat", Events: []string{"rule_fired"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	var vpn []string
	for i := range 8 {
		title := fmt.Sprintf("Printer %d jams", i)
		if i%3 == 0 {
			title = fmt.Sprintf("VPN drops every %d minutes", i+1)
		}
		w := f.open(title, desk.OpenInput{Impact: 3, Urgency: 3})
		if i%3 == 0 {
			vpn = append(vpn, w.ID)
		}
		f.advance(time.Minute)
	}
	if got := passRules(t, f.desk, 4); got != len(vpn) {
		t.Errorf("engines recorded %d firings, want %d", got, len(vpn))
	}
	for _, id := range vpn {
		w, err := s.Item(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if w.Visit.Team != "network" || w.Priority != svcflow.P2 {
			t.Errorf("%s: team %s priority %s, want network P2", id, w.Visit.Team, w.Priority)
		}
		evs, _ := s.ItemEvents(ctx, id)
		byRule := 0
		for _, e := range evs {
			if e.Actor == "rule:vpn-to-network" {
				byRule++
			}
		}
		// step_requeued, then impact, urgency and priority changed
		if byRule != 4 {
			t.Errorf("%s: %d events by the rule, want 4", id, byRule)
		}
	}
	if n, err := f.desk.RunRules(ctx); n != 0 || err != nil {
		t.Errorf("a pass after catching up fired %d: %v", n, err)
	}
	// One delivery per firing to the webhook, with the item as the rule
	// left it.
	ds, err := s.Deliveries(ctx, desk.DeliveryFilter{Webhook: "network-chat", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(vpn) {
		t.Fatalf("%d deliveries, want %d", len(ds), len(vpn))
	}
	for _, d := range ds {
		var p desk.RuleFiredPayload
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if d.Rule != "rule:vpn-to-network" || d.EventType != "rule_fired" || p.ID != d.ID || p.Rule != "vpn-to-network" ||
			p.Item.ID != d.Item || p.Item.Priority != svcflow.P2 || !slices.Contains(vpn, d.Item) {
			t.Errorf("delivery %+v, payload %+v", d, p)
		}
	}
}

// testAutoClose: the auto-close rule closes a resolved item that stays
// quiet for its period, as the rule, once; an item touched meanwhile waits
// for a new quiet period.
func testAutoClose(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	rule := &svcflow.Rule{ID: "auto-close-resolved", Name: "Close resolved items", Enabled: true,
		On: []svcflow.EventType{svcflow.AnyEvent}, If: `status == resolved`, After: svcflow.Duration{Calendar: 5 * 24 * time.Hour},
		Then: []svcflow.RuleAction{{Close: true}}}
	if err := f.desk.SaveRule(ctx, f.admin, rule); err != nil {
		t.Fatal(err)
	}
	quiet := f.open("Quiet", desk.OpenInput{})
	busy := f.open("Busy", desk.OpenInput{})
	for _, id := range []string{quiet.ID, busy.ID} {
		f.resolve(id)
	}
	for _, id := range []string{quiet.ID, busy.ID} {
		if w, _ := s.Item(ctx, id); w.Status != svcflow.StatusResolved {
			t.Fatalf("%s is %s, want resolved", id, w.Status)
		}
	}
	f.advance(4 * 24 * time.Hour)
	if _, _, err := f.desk.PostComment(ctx, f.user, busy.ID, 0, "Still flaky", true); err != nil {
		t.Fatal(err)
	}
	if n, err := f.desk.RuleTick(ctx); n != 0 || err != nil {
		t.Errorf("tick after 4 days fired %d: %v", n, err)
	}
	f.advance(24*time.Hour + time.Minute)
	var wg sync.WaitGroup
	counts := make([]int, 3)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.desk.RuleTick(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1]+counts[2] != 1 {
		t.Errorf("ticks fired %v, want 1 in all", counts)
	}
	w, _ := s.Item(ctx, quiet.ID)
	if w.Status != svcflow.StatusClosed {
		t.Errorf("quiet item is %s, want closed", w.Status)
	}
	evs, _ := s.ItemEvents(ctx, quiet.ID)
	if last := evs[len(evs)-1]; last.Actor != "rule:auto-close-resolved" || last.After != string(svcflow.StatusClosed) {
		t.Errorf("last event %+v, want closed by the rule", last)
	}
	if w, _ := s.Item(ctx, busy.ID); w.Status != svcflow.StatusResolved {
		t.Errorf("busy item is %s, want still resolved", w.Status)
	}
	f.advance(4 * 24 * time.Hour)
	if n, err := f.desk.RuleTick(ctx); n != 1 || err != nil {
		t.Errorf("tick after the comment's quiet period fired %d: %v, want 1", n, err)
	}
}

// testProblemFromIncidents: the third incident on one CI within a day
// opens one problem, linked from the incidents, however many engines run;
// incidents on another CI or outside the window do not count.
func testProblemFromIncidents(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	for _, id := range []string{"mail-gw", "db-1"} {
		if err := f.desk.SaveCI(ctx, f.admin, &svcflow.CI{ID: id, Name: id, Class: "server"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	rule := &svcflow.Rule{ID: "problem-from-incidents", Name: "Problem after repeated incidents", Enabled: true,
		On: []svcflow.EventType{svcflow.EventCreated}, If: `kind == incident`,
		Then: []svcflow.RuleAction{{OpenProblem: &svcflow.ProblemTrigger{Threshold: 3, Within: svcflow.Duration{Calendar: 24 * time.Hour}}}}}
	if err := f.desk.SaveRule(ctx, f.admin, rule); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	f.advance(day.Sub(f.clock()) + time.Hour)
	var mail []string
	for i := range 5 {
		w := f.open(fmt.Sprintf("Mail bounces %d", i), desk.OpenInput{CIs: []string{"mail-gw"}})
		mail = append(mail, w.ID)
		if i%2 == 0 && i < 4 { // two on the other CI: under the threshold
			f.open(fmt.Sprintf("Database slow %d", i), desk.OpenInput{CIs: []string{"db-1"}})
		}
		f.advance(time.Hour)
	}
	passRules(t, f.desk, 3)
	problems, err := s.ListItems(ctx, desk.ItemFilter{Kinds: []svcflow.Kind{svcflow.KindProblem}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 {
		t.Fatalf("%d problems, want 1", len(problems))
	}
	p := problems[0]
	if !containsLink(p.Links, svcflow.Link{Type: svcflow.LinkCI, Other: "mail-gw"}) {
		t.Errorf("problem links %+v, want the CI", p.Links)
	}
	evs, _ := s.ItemEvents(ctx, p.ID)
	if evs[0].Actor != "rule:problem-from-incidents" {
		t.Errorf("problem opened by %s", evs[0].Actor)
	}
	for i, id := range mail {
		w, _ := s.Item(ctx, id)
		linked := containsLink(w.Links, svcflow.Link{Type: svcflow.LinkCausedBy, Other: p.ID})
		if linked != (i < 3) {
			t.Errorf("incident %d (%s) linked to the problem: %v, want %v", i, id, linked, i < 3)
		}
	}
}

func containsLink(ls []svcflow.Link, l svcflow.Link) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// testRuleLinksKnowledge: a rule links the published article that best
// matches a new item's title, as the rule; an item no article matches
// gets no link, and its firing is recorded all the same.
func testRuleLinksKnowledge(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	SeedArticles(t, s)
	arts, err := s.SearchArticles(ctx, desk.ArticleFilter{Text: "Mailbox full", Limit: 1})
	if err != nil || len(arts) != 1 {
		t.Fatalf("%v %v", arts, err)
	}
	rule := &svcflow.Rule{ID: "suggest-knowledge", Name: "Link knowledge", Enabled: true,
		On: []svcflow.EventType{svcflow.EventCreated}, If: `kind == incident`, Then: []svcflow.RuleAction{{LinkKnowledge: true}}}
	if err := f.desk.SaveRule(ctx, f.admin, rule); err != nil {
		t.Fatal(err)
	}
	mail := f.open("My mailbox is full again", desk.OpenInput{})
	other := f.open("Printer out of toner", desk.OpenInput{})
	if n := passRules(t, f.desk, 2); n != 2 {
		t.Errorf("%d firings, want 2", n)
	}
	w, _ := s.Item(ctx, mail.ID)
	if !containsLink(w.Links, svcflow.Link{Type: svcflow.LinkKnowledge, Other: arts[0].ID}) {
		t.Errorf("links %+v, want %s", w.Links, arts[0].ID)
	}
	evs, _ := s.ItemEvents(ctx, mail.ID)
	if last := evs[len(evs)-1]; last.Type != svcflow.EventLinked || last.Actor != "rule:suggest-knowledge" {
		t.Errorf("last event %+v", last)
	}
	if w, _ := s.Item(ctx, other.ID); len(w.Links) != 0 {
		t.Errorf("links of an item no article matches: %+v", w.Links)
	}
	oevs, _ := s.ItemEvents(ctx, other.ID)
	if ok, err := s.FiringRecorded(ctx, "rule:suggest-knowledge", other.ID, oevs[0].Seq); err != nil || !ok {
		t.Errorf("no firing recorded on %s's creation: %v %v", other.ID, ok, err)
	}
}

// testRuleStore: rules are saved, replaced, listed by id and deleted, each
// with its configuration event; a shipped rule is marked installed once.
func testRuleStore(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	r := &svcflow.Rule{ID: "b-rule", Name: "B", Enabled: true, On: []svcflow.EventType{svcflow.AnyEvent},
		If: `status == resolved`, After: svcflow.Duration{Calendar: 48 * time.Hour}, Then: []svcflow.RuleAction{{Close: true}}}
	a := &svcflow.Rule{ID: "a-rule", Name: "A", On: []svcflow.EventType{svcflow.EventCreated},
		Text: &svcflow.TextMatch{Contains: "vpn"}, Then: []svcflow.RuleAction{{Route: "network"}, {Notify: "chat"}}}
	for _, x := range []*svcflow.Rule{r, a} {
		if err := f.desk.SaveRule(ctx, f.admin, x); err != nil {
			t.Fatal(err)
		}
	}
	r.Name = "B again"
	if err := f.desk.SaveRule(ctx, f.admin, r); err != nil {
		t.Fatal(err)
	}
	all, err := s.AllRules(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "a-rule" || all[1].Name != "B again" || all[1].After.Calendar != 48*time.Hour ||
		all[0].Text.Contains != "vpn" || all[0].Then[1].Notify != "chat" || all[0].Enabled {
		t.Fatalf("rules %+v %v", all, err)
	}
	if err := f.desk.DeleteRule(ctx, f.admin, "a-rule"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rule(ctx, "a-rule"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("deleted rule: %v", err)
	}
	if err := s.DeleteRule(ctx, "a-rule", svcflow.Event{Item: desk.ConfigSubject, Time: t0, Actor: "ada", Type: desk.EventRuleDeleted, After: "a-rule"}); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("deleting a missing rule: %v", err)
	}
	evs, _ := s.Events(ctx, 0, 1000)
	var config []string
	for _, e := range evs {
		if e.Type == desk.EventRuleSaved || e.Type == desk.EventRuleDeleted {
			config = append(config, string(e.Type)+" "+e.After+" by "+e.Actor)
		}
	}
	if want := []string{"rule_saved b-rule by ada", "rule_saved a-rule by ada", "rule_saved b-rule by ada", "rule_deleted a-rule by ada"}; !slices.Equal(config, want) {
		t.Errorf("configuration events %q, want %q", config, want)
	}
	for i, want := range []bool{true, false} {
		if first, err := s.MarkDefaultRule(ctx, "auto-close-resolved"); first != want || err != nil {
			t.Errorf("mark %d: %v %v, want %v", i, first, err, want)
		}
	}
}
