package notify_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/notify"
)

// TestProducers: who each default rule mails, for which events.
func TestProducers(t *testing.T) {
	dir := notify.NewDirectory([]*svcflow.Person{
		{ID: "ursula", Name: "Ursula", Email: "ursula@example.org", Role: svcflow.RoleRequester},
		{ID: "rita", Name: "Rita", Email: "rita@example.org", Role: svcflow.RoleRequester, Teams: []string{"service-desk"}},
		{ID: "alice", Name: "Alice", Email: "alice@example.org", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}},
		{ID: "ann", Name: "Ann", Email: "ann@example.org", Role: svcflow.RoleManager, Teams: []string{"service-desk"}},
		{ID: "gone", Name: "", Email: "", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}, Erased: true},
		{ID: "bob", Name: "Bob", Email: "bob@example.org", Role: svcflow.RoleAgent, Teams: []string{"application-support"}},
		{ID: "nomail", Name: "No Mail", Role: svcflow.RoleRequester},
	})
	item := &svcflow.WorkItem{ID: "INC-7", Kind: svcflow.KindIncident, Priority: svcflow.P2, RequestedBy: "ursula", RequestedFor: "ursula",
		Visit: &svcflow.Visit{Step: "investigate", Team: "service-desk"}}
	forOther := *item
	forOther.RequestedFor = "rita"
	improvement := *item
	improvement.ID, improvement.Kind = "IMP-8", svcflow.KindImprovement
	noMail := *item
	noMail.RequestedBy, noMail.RequestedFor = "nomail", "nomail"
	status := func(after string) svcflow.Event {
		return svcflow.Event{Item: "INC-7", Type: svcflow.EventStatusChanged, Actor: "alice", Before: "in_progress", After: after}
	}
	person := func(typ svcflow.EventType, actor, p string) svcflow.Event {
		return svcflow.Event{Item: "INC-7", Type: typ, Actor: actor, Step: "investigate", Data: svcflow.EventData{Person: p}}
	}
	warn := svcflow.Event{Item: "INC-7", Type: svcflow.EventSLAWarning, Actor: svcflow.SystemActor, Data: svcflow.EventData{Field: "resolution", Reason: "warning"}}
	tests := []struct {
		name    string
		produce notify.Producer
		event   svcflow.Event
		item    *svcflow.WorkItem
		want    []string // recipients
		subject string
	}{
		{"resolved", notify.ResolvedMail, status("resolved"), item, []string{"ursula"}, "[INC-7] Resolved: Printer"},
		{"resolved for someone else", notify.ResolvedMail, status("resolved"), &forOther, []string{"ursula", "rita"}, "Resolved"},
		{"resolved, requester without mail", notify.ResolvedMail, status("resolved"), &noMail, nil, ""},
		{"an improvement put in use", notify.ResolvedMail, status("resolved"), &improvement, nil, ""},
		{"other status", notify.ResolvedMail, status("on_hold"), item, nil, ""},
		{"other event", notify.ResolvedMail, person(svcflow.EventAssigned, "ann", "alice"), item, nil, ""},
		{"assigned by another", notify.AssignedMail, person(svcflow.EventAssigned, "ann", "alice"), item, []string{"alice"}, "[INC-7] Assigned to you: Printer"},
		{"assigned to oneself", notify.AssignedMail, person(svcflow.EventAssigned, "alice", "alice"), item, nil, ""},
		{"started for another", notify.AssignedMail, person(svcflow.EventStepStarted, "ann", "bob"), item, []string{"bob"}, "Assigned to you"},
		{"started by oneself", notify.AssignedMail, person(svcflow.EventStepStarted, "bob", "bob"), item, nil, ""},
		{"assigned to an erased person", notify.AssignedMail, person(svcflow.EventAssigned, "ann", "gone"), item, nil, ""},
		{"SLA warning", notify.SLAWarningMail, warn, item, []string{"alice", "ann"}, "[INC-7] SLA warning (resolution): Printer"},
		{"SLA warning without a visit", notify.SLAWarningMail, warn, &svcflow.WorkItem{ID: "INC-7"}, nil, ""},
	}
	links := notify.Links{Base: "https://desk.example.org", Key: []byte("k"), Now: t0}
	for _, tt := range tests {
		mails := tt.produce(notify.Input{Event: tt.event, Item: tt.item, Title: "Printer", Directory: dir, Links: links})
		var got []string
		for _, m := range mails {
			got = append(got, m.To.ID)
			if !strings.Contains(m.Subject, tt.subject) || !strings.Contains(m.Text, "Hello "+m.To.Name) {
				t.Errorf("%s: mail to %s: subject %q, want %q in it\n%s", tt.name, m.To.ID, m.Subject, tt.subject, m.Text)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: mails to %v, want %v", tt.name, got, tt.want)
		}
	}
	// The resolved mail's links act as its recipient.
	mails := notify.ResolvedMail(notify.Input{Event: status("resolved"), Item: &forOther, Title: "Printer", Directory: dir, Links: links})
	for _, m := range mails {
		for _, action := range []string{notify.ActionConfirm, notify.ActionReopen} {
			i := strings.Index(m.Text, "https://desk.example.org/items/INC-7/"+action+"?token=")
			if i < 0 {
				t.Fatalf("no %s link in\n%s", action, m.Text)
			}
			link := strings.Fields(m.Text[i:])[0]
			tok := link[strings.Index(link, "token=")+len("token="):]
			tok, _ = url.QueryUnescape(tok)
			if p, err := notify.CheckToken([]byte("k"), tok, "INC-7", action, t0); p != m.To.ID || err != nil {
				t.Errorf("%s link of %s's mail acts as %q (%v)", action, m.To.ID, p, err)
			}
		}
	}
	// Every default rule has a unique id and names its events.
	seen := map[string]bool{}
	for _, r := range notify.DefaultRules {
		if seen[r.ID] || !strings.HasPrefix(r.ID, "default-") || len(r.Events) == 0 || r.Produce == nil {
			t.Errorf("rule %+v", r)
		}
		seen[r.ID] = true
	}
}
