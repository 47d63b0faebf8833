package svcflow_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/golden"
)

// standardPolicy is the policy most tests use, on berlinOffice. P5 has no
// resolution target.
func standardPolicy() *svcflow.SLAPolicy {
	d := svcflow.MustParseDuration
	return &svcflow.SLAPolicy{
		ID: "standard", Name: "Standard support", Calendar: "berlin-office",
		Targets: []svcflow.SLATarget{
			{Priority: svcflow.P1, Response: d("30m"), Resolution: d("4h")},
			{Priority: svcflow.P2, Response: d("1h"), Resolution: d("8h")},
			{Priority: svcflow.P3, Response: d("4h"), Resolution: d("3bd")},
			{Priority: svcflow.P4, Response: d("1bd"), Resolution: d("5bd")},
			{Priority: svcflow.P5, Response: d("2bd")},
		},
	}
}

// slaHistory builds the events of one item by hand, numbering them as the
// engine does, and checks that they fold (Replay) so they stay realistic.
type slaHistory struct {
	t      testing.TB
	loc    *time.Location
	events []svcflow.Event
}

func newSLAHistory(t testing.TB) *slaHistory { return &slaHistory{t: t, loc: berlin(t)} }

// at parses "2006-01-02 15:04" in Berlin.
func (h *slaHistory) at(s string) time.Time { return inZone(h.t, h.loc, s) }

func (h *slaHistory) add(at, actor string, typ svcflow.EventType, set func(e *svcflow.Event)) *slaHistory {
	h.t.Helper()
	e := svcflow.Event{Item: "INC-1", Version: len(h.events) + 1, Time: h.at(at), Actor: actor, Type: typ}
	if set != nil {
		set(&e)
	}
	h.events = append(h.events, e)
	if _, err := svcflow.Replay(h.events); err != nil {
		h.t.Fatalf("history does not fold: %v", err)
	}
	return h
}

func (h *slaHistory) created(at string, p svcflow.Priority, by string) *slaHistory {
	return h.add(at, by, svcflow.EventCreated, func(e *svcflow.Event) {
		e.Data = svcflow.EventData{Kind: svcflow.KindIncident, Priority: p, RequestedBy: by, RequestedFor: by}
	})
}

func (h *slaHistory) entered(at, step string) *slaHistory {
	return h.add(at, svcflow.SystemActor, svcflow.EventStepEntered, func(e *svcflow.Event) { e.Step, e.Data.Team = step, "service-desk" })
}

func (h *slaHistory) started(at, actor, step string) *slaHistory {
	return h.add(at, actor, svcflow.EventStepStarted, func(e *svcflow.Event) { e.Step, e.Data.Person = step, actor })
}

func (h *slaHistory) completed(at, actor, step string) *slaHistory {
	return h.add(at, actor, svcflow.EventStepCompleted, func(e *svcflow.Event) { e.Step = step })
}

func (h *slaHistory) status(at, actor string, from, to svcflow.Status, reason string) *slaHistory {
	return h.add(at, actor, svcflow.EventStatusChanged, func(e *svcflow.Event) {
		e.Before, e.After, e.Data.Reason = string(from), string(to), reason
	})
}

func (h *slaHistory) comment(at, actor string, public bool) *slaHistory {
	return h.add(at, actor, svcflow.EventCommented, func(e *svcflow.Event) {
		e.Data.Comment, e.Data.Public = fmt.Sprintf("C-%d", len(h.events)+1), public
	})
}

func (h *slaHistory) priority(at, actor string, from, to svcflow.Priority) *slaHistory {
	return h.add(at, actor, svcflow.EventFieldChanged, func(e *svcflow.Event) {
		e.Data.Field, e.Before, e.After = "priority", string(from), string(to)
	})
}

func (h *slaHistory) watcher(at, person string) *slaHistory {
	return h.add(at, person, svcflow.EventWatcherAdded, func(e *svcflow.Event) { e.Data.Person = person })
}

func (h *slaHistory) reopened(at, actor string) *slaHistory {
	return h.add(at, actor, svcflow.EventReopened, nil)
}

func TestSLAPolicyValidate(t *testing.T) {
	if err := standardPolicy().Validate(); err != nil {
		t.Fatalf("valid policy: %v", err)
	}
	tests := []struct {
		name string
		edit func(p *svcflow.SLAPolicy)
		want []string
	}{
		{"missing id", func(p *svcflow.SLAPolicy) { p.ID = "" }, []string{"id: missing policy id"}},
		{"no targets", func(p *svcflow.SLAPolicy) { p.Targets = nil }, []string{"targets: no targets"}},
		{"bad priority", func(p *svcflow.SLAPolicy) { p.Targets[0].Priority = "P7" }, []string{`targets[0].priority: priority "P7"`}},
		{"priority twice", func(p *svcflow.SLAPolicy) { p.Targets[1].Priority = svcflow.P1 }, []string{"targets[1].priority: P1 has targets already in targets[0]"}},
		{"empty target", func(p *svcflow.SLAPolicy) { p.Targets[2] = svcflow.SLATarget{Priority: svcflow.P3} }, []string{"targets[2]: no response or resolution target"}},
		{"negative target", func(p *svcflow.SLAPolicy) { p.Targets[0].Response = svcflow.Duration{Calendar: -time.Hour} }, []string{"targets[0].response: response target"}},
		{"huge target", func(p *svcflow.SLAPolicy) { p.Targets[0].Resolution = svcflow.Duration{BusinessDays: 5000} }, []string{"targets[0].resolution: resolution target 5000bd is over 3650 business days"}},
		{"warn at 1", func(p *svcflow.SLAPolicy) { p.WarnAt = 1 }, []string{"warn_at: warn at 1"}},
		{"warn at a percentage", func(p *svcflow.SLAPolicy) { p.WarnAt = 75 }, []string{"warn_at: warn at 75"}},
		{"response stop", func(p *svcflow.SLAPolicy) { p.ResponseStop = "assign" }, []string{`response_stop: response stop "assign"; expected either, reply or start`}},
		{"empty service", func(p *svcflow.SLAPolicy) { p.Services = []string{"email", ""} }, []string{"services[1]: empty service id"}},
		{"service twice", func(p *svcflow.SLAPolicy) { p.Services = []string{"email", "email"} }, []string{`services[1]: service "email" is listed twice`}},
		{"tier zero", func(p *svcflow.SLAPolicy) { p.Tiers = []int{0} }, []string{"tiers[0]: tier 0"}},
		{"tier twice", func(p *svcflow.SLAPolicy) { p.Tiers = []int{1, 1} }, []string{"tiers[1]: tier 1 is listed twice"}},
		{"empty hold reason", func(p *svcflow.SLAPolicy) { p.PauseOn = []string{""} }, []string{"pause_on[0]: empty hold reason"}},
		{"several", func(p *svcflow.SLAPolicy) { p.ID = ""; p.WarnAt = -0.5 }, []string{"id: missing", "warn_at: warn at -0.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := standardPolicy()
			tt.edit(p)
			wantInvalid(t, p.Validate(), tt.want)
		})
	}
}

func TestSelectPolicy(t *testing.T) {
	generic := &svcflow.SLAPolicy{ID: "b-generic"}
	generic2 := &svcflow.SLAPolicy{ID: "a-generic"}
	gold := &svcflow.SLAPolicy{ID: "gold", Tiers: []int{1}}
	email := &svcflow.SLAPolicy{ID: "email", Services: []string{"email", "chat"}}
	emailGold := &svcflow.SLAPolicy{ID: "email-gold", Services: []string{"email"}, Tiers: []int{1, 2}}
	all := []*svcflow.SLAPolicy{generic, nil, gold, emailGold, email, generic2}
	tests := []struct {
		name     string
		policies []*svcflow.SLAPolicy
		service  string
		tier     int
		want     string
	}{
		{"service and tier beat all", all, "email", 1, "email-gold"},
		{"service beats tier", all, "email", 3, "email"},
		{"tier beats generic", all, "printing", 1, "gold"},
		{"generic, lowest id", all, "printing", 3, "a-generic"},
		{"no service: tier", all, "", 1, "gold"},
		{"another listed service", all, "chat", 2, "email"},
		{"none applies", []*svcflow.SLAPolicy{gold, email}, "printing", 3, ""},
		{"no policies", nil, "email", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := svcflow.SelectPolicy(tt.policies, &svcflow.WorkItem{Service: tt.service}, tt.tier)
			id := ""
			if got != nil {
				id = got.ID
			}
			if id != tt.want {
				t.Errorf("got %q, want %q", id, tt.want)
			}
		})
	}
	if got := svcflow.SelectPolicy(all, nil, 3); got != generic2 {
		t.Errorf("nil item: got %v, want a-generic", got)
	}
}

// TestSLAComputeRules checks one rule per case on small histories.
func TestSLAComputeRules(t *testing.T) {
	cal := berlinOffice()
	// Every case starts with a P2 incident opened by alice on Monday
	// 2026-03-02 09:00 in step diagnose; response 1h, resolution 8h.
	start := func(t *testing.T) *slaHistory {
		return newSLAHistory(t).created("2026-03-02 09:00", svcflow.P2, "alice").entered("2026-03-02 09:00", "diagnose")
	}
	type want struct {
		respState, resoState string
		respElapsed          time.Duration
		resoElapsed          time.Duration
	}
	tests := []struct {
		name   string
		build  func(h *slaHistory)
		policy func(p *svcflow.SLAPolicy)
		asOf   string
		want   want
	}{
		{"running", func(h *slaHistory) {}, nil, "2026-03-02 09:30",
			want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"requester's public comment is no response", func(h *slaHistory) {
			h.comment("2026-03-02 09:10", "alice", true)
		}, nil, "2026-03-02 09:30", want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"watcher's public comment is no response", func(h *slaHistory) {
			h.watcher("2026-03-02 09:05", "dave").comment("2026-03-02 09:10", "dave", true)
		}, nil, "2026-03-02 09:30", want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"internal agent comment is no response", func(h *slaHistory) {
			h.comment("2026-03-02 09:10", "bob", false)
		}, nil, "2026-03-02 09:30", want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"public agent comment is", func(h *slaHistory) {
			h.comment("2026-03-02 09:10", "bob", true)
		}, nil, "2026-03-02 09:30", want{svcflow.ClockMet, svcflow.ClockRunning, 10 * time.Minute, 30 * time.Minute}},
		{"a step the system starts is no response", func(h *slaHistory) {
			h.started("2026-03-02 09:10", svcflow.SystemActor, "diagnose")
		}, nil, "2026-03-02 09:30", want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"a step an agent starts is", func(h *slaHistory) {
			h.started("2026-03-02 09:10", "bob", "diagnose")
		}, nil, "2026-03-02 09:30", want{svcflow.ClockMet, svcflow.ClockRunning, 10 * time.Minute, 30 * time.Minute}},
		{"reply-only policy ignores a step start", func(h *slaHistory) {
			h.started("2026-03-02 09:10", "bob", "diagnose")
		}, func(p *svcflow.SLAPolicy) { p.ResponseStop = svcflow.ResponseStopReply }, "2026-03-02 09:30",
			want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"start-only policy ignores a reply", func(h *slaHistory) {
			h.comment("2026-03-02 09:10", "bob", true)
		}, func(p *svcflow.SLAPolicy) { p.ResponseStop = svcflow.ResponseStopStart }, "2026-03-02 09:30",
			want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"the new requester's comment is no response either", func(h *slaHistory) {
			h.add("2026-03-02 09:05", "bob", svcflow.EventFieldChanged, func(e *svcflow.Event) {
				e.Data.Field, e.Before, e.After = "requested_for", "alice", "erin"
			}).comment("2026-03-02 09:10", "erin", true)
		}, nil, "2026-03-02 09:30", want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"awaiting requester pauses both", func(h *slaHistory) {
			h.status("2026-03-02 09:10", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingRequester)
		}, nil, "2026-03-02 11:00", want{svcflow.ClockPaused, svcflow.ClockPaused, 10 * time.Minute, 10 * time.Minute}},
		{"awaiting vendor does not pause by default", func(h *slaHistory) {
			h.status("2026-03-02 09:10", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingVendor)
		}, nil, "2026-03-02 09:50", want{svcflow.ClockRunning, svcflow.ClockRunning, 50 * time.Minute, 50 * time.Minute}},
		{"awaiting vendor pauses when listed", func(h *slaHistory) {
			h.status("2026-03-02 09:10", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingVendor)
		}, func(p *svcflow.SLAPolicy) { p.PauseOn = []string{svcflow.HoldAwaitingVendor} }, "2026-03-02 11:00",
			want{svcflow.ClockPaused, svcflow.ClockPaused, 10 * time.Minute, 10 * time.Minute}},
		{"an empty pause list never pauses", func(h *slaHistory) {
			h.status("2026-03-02 09:10", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingRequester)
		}, func(p *svcflow.SLAPolicy) { p.PauseOn = []string{} }, "2026-03-02 09:50",
			want{svcflow.ClockRunning, svcflow.ClockRunning, 50 * time.Minute, 50 * time.Minute}},
		{"resumed after a hold", func(h *slaHistory) {
			h.status("2026-03-02 09:10", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingRequester).
				status("2026-03-02 10:10", "alice", svcflow.StatusOnHold, svcflow.StatusNew, "")
		}, nil, "2026-03-02 10:30", want{svcflow.ClockRunning, svcflow.ClockRunning, 30 * time.Minute, 30 * time.Minute}},
		{"breached while running", func(h *slaHistory) {
			h.started("2026-03-02 09:10", "bob", "diagnose")
		}, nil, "2026-03-03 09:30", want{svcflow.ClockMet, svcflow.ClockBreached, 10 * time.Minute, 8*time.Hour + 30*time.Minute}},
		{"resolved before any response stops both", func(h *slaHistory) {
			h.started("2026-03-02 09:10", svcflow.SystemActor, "diagnose").
				completed("2026-03-02 09:20", svcflow.SystemActor, "diagnose").
				status("2026-03-02 09:20", svcflow.SystemActor, svcflow.StatusNew, svcflow.StatusResolved, "")
		}, nil, "2026-03-02 12:00", want{svcflow.ClockMet, svcflow.ClockMet, 20 * time.Minute, 20 * time.Minute}},
		{"resolved exactly at due is met", func(h *slaHistory) {
			h.started("2026-03-02 09:10", "bob", "diagnose").
				status("2026-03-03 09:00", "bob", svcflow.StatusNew, svcflow.StatusResolved, "")
		}, nil, "2026-03-03 12:00", want{svcflow.ClockMet, svcflow.ClockMet, 10 * time.Minute, 8 * time.Hour}},
		{"resolved after due, outside hours, is breached", func(h *slaHistory) {
			// 1h on Monday, 7h on Friday: due Friday 17:00; resolved Saturday.
			h.started("2026-03-02 09:10", "bob", "diagnose").
				status("2026-03-02 10:00", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingRequester).
				status("2026-03-06 09:00", "bob", svcflow.StatusOnHold, svcflow.StatusInProgress, "").
				status("2026-03-07 10:00", "bob", svcflow.StatusInProgress, svcflow.StatusResolved, "")
		}, nil, "2026-03-09 12:00", want{svcflow.ClockMet, svcflow.ClockBreached, 10 * time.Minute, 8 * time.Hour}},
		{"cancelled while running", func(h *slaHistory) {
			h.started("2026-03-02 09:10", "bob", "diagnose").
				status("2026-03-02 09:40", "bob", svcflow.StatusNew, svcflow.StatusCancelled, "duplicate")
		}, nil, "2026-03-03 12:00", want{svcflow.ClockMet, svcflow.ClockCancelled, 10 * time.Minute, 40 * time.Minute}},
		{"cancelled while paused", func(h *slaHistory) {
			h.status("2026-03-02 09:10", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingRequester).
				status("2026-03-02 09:40", "bob", svcflow.StatusOnHold, svcflow.StatusCancelled, "")
		}, nil, "2026-03-03 12:00", want{svcflow.ClockCancelled, svcflow.ClockCancelled, 10 * time.Minute, 10 * time.Minute}},
		{"closed after resolved keeps met", func(h *slaHistory) {
			h.comment("2026-03-02 09:10", "bob", true).
				status("2026-03-02 10:00", "bob", svcflow.StatusNew, svcflow.StatusResolved, "").
				status("2026-03-04 10:00", "alice", svcflow.StatusResolved, svcflow.StatusClosed, "")
		}, nil, "2026-03-05 12:00", want{svcflow.ClockMet, svcflow.ClockMet, 10 * time.Minute, time.Hour}},
		{"no resolution target at P5", func(h *slaHistory) {
			h.priority("2026-03-02 09:05", "bob", svcflow.P2, svcflow.P5)
		}, nil, "2026-03-02 10:00", want{svcflow.ClockRunning, svcflow.ClockNoTarget, time.Hour, time.Hour}},
		{"events after as-of are ignored", func(h *slaHistory) {
			h.comment("2026-03-02 09:10", "bob", true)
		}, nil, "2026-03-02 09:05", want{svcflow.ClockRunning, svcflow.ClockRunning, 5 * time.Minute, 5 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t)
			tt.build(h)
			p := standardPolicy()
			if tt.policy != nil {
				tt.policy(p)
			}
			s := p.Compute(cal, h.events, h.at(tt.asOf))
			got := want{s.Response.State, s.Resolution.State, s.Response.Elapsed, s.Resolution.Elapsed}
			if got != tt.want {
				t.Errorf("got response %s %v, resolution %s %v; want response %s %v, resolution %s %v",
					got.respState, got.respElapsed, got.resoState, got.resoElapsed,
					tt.want.respState, tt.want.respElapsed, tt.want.resoState, tt.want.resoElapsed)
			}
		})
	}
}

func TestSLAComputeBeforeCreation(t *testing.T) {
	h := newSLAHistory(t).created("2026-03-02 09:00", svcflow.P2, "alice")
	s := standardPolicy().Compute(berlinOffice(), h.events, h.at("2026-03-02 08:00"))
	if s != (svcflow.SLAStatus{Policy: "standard"}) {
		t.Errorf("got %+v, want empty clocks", s)
	}
}

// TestSLACrossings checks the instants a ticker records: a retroactive
// breach is reported at the priority change that caused it, and a warning
// at the same instant as its breach is left out.
func TestSLACrossings(t *testing.T) {
	h := newSLAHistory(t).created("2026-03-02 09:00", svcflow.P4, "alice").
		comment("2026-03-02 09:30", "bob", true).
		priority("2026-03-03 11:00", "bob", svcflow.P4, svcflow.P2)
	s := standardPolicy().Compute(berlinOffice(), h.events, h.at("2026-03-03 12:00"))
	want := []svcflow.SLACrossing{{Clock: svcflow.SLAResolution, Kind: svcflow.CrossingBreach, At: h.at("2026-03-03 11:00")}}
	if got := s.Crossings(); !sameCrossings(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if r := s.Resolution; !r.BreachedAt.Equal(h.at("2026-03-03 09:00")) || !r.TargetSince.Equal(h.at("2026-03-03 11:00")) {
		t.Errorf("breached at %s since %s, want 2026-03-03 09:00 since 11:00", r.BreachedAt, r.TargetSince)
	}
	if got := want[0].EventType(); got != svcflow.EventSLABreached {
		t.Errorf("event type %s, want %s", got, svcflow.EventSLABreached)
	}

	// Running on: a warning, then a breach, each at its own instant.
	h = newSLAHistory(t).created("2026-03-02 09:00", svcflow.P2, "alice")
	s = standardPolicy().Compute(berlinOffice(), h.events, h.at("2026-03-03 12:00"))
	want = []svcflow.SLACrossing{
		{Clock: svcflow.SLAResponse, Kind: svcflow.CrossingWarning, At: h.at("2026-03-02 09:45")},
		{Clock: svcflow.SLAResponse, Kind: svcflow.CrossingBreach, At: h.at("2026-03-02 10:00")},
		{Clock: svcflow.SLAResolution, Kind: svcflow.CrossingWarning, At: h.at("2026-03-02 16:00")},
		{Clock: svcflow.SLAResolution, Kind: svcflow.CrossingBreach, At: h.at("2026-03-03 09:00")},
	}
	if got := s.Crossings(); !sameCrossings(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func sameCrossings(a, b []svcflow.SLACrossing) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Clock != b[i].Clock || a[i].Kind != b[i].Kind || !a[i].At.Equal(b[i].At) {
			return false
		}
	}
	return true
}

// TestSLAComputeIsAFunctionOfThePast checks that the status as of an
// instant is the same whether later events exist yet or not: live figures
// and figures recomputed from the log agree.
func TestSLAComputeIsAFunctionOfThePast(t *testing.T) {
	for _, sc := range slaScenarios(t) {
		rng := rand.New(rand.NewPCG(5, 6))
		first, last := sc.events[0].Time, sc.events[len(sc.events)-1].Time.Add(48*time.Hour)
		for range 200 {
			asOf := first.Add(time.Duration(rng.Int64N(int64(last.Sub(first)))))
			var past []svcflow.Event
			for _, e := range sc.events {
				if !e.Time.After(asOf) {
					past = append(past, e)
				}
			}
			for _, p := range sc.policies {
				all, known := p.policy.Compute(p.cal, sc.events, asOf), p.policy.Compute(p.cal, past, asOf)
				if all != known {
					t.Fatalf("%s/%s as of %s: with later events %+v, without %+v", sc.name, p.policy.ID, asOf, all, known)
				}
			}
		}
	}
}

// TestSLAComputeWithTheEngine runs an item through Open and Decide, so the
// events are those the engine emits, not hand-made ones.
func TestSLAComputeWithTheEngine(t *testing.T) {
	loc := berlin(t)
	stream := &svcflow.ValueStream{
		Schema: svcflow.SchemaV1, ID: "restore", Revision: 1, Name: "Restore service", ReopenTo: "diagnose",
		Steps: []svcflow.Step{{
			ID: "diagnose", Number: 1, Name: "Diagnose and fix", Activity: svcflow.DeliverSupport, Team: "service-desk",
			Resolves: true, Next: []svcflow.Transition{{To: svcflow.End, Probability: 1}},
		}},
	}
	var events []svcflow.Event
	var item *svcflow.WorkItem
	env := func(at string, actor string) svcflow.Env {
		return svcflow.Env{Now: inZone(t, loc, at), Actor: svcflow.Actor{ID: actor}, Stream: stream}
	}
	keep := func(r svcflow.Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		item = r.Item
		events = append(events, r.Events...)
	}
	// Impact 1, urgency 2: P2, response 1h, resolution 8h.
	keep(svcflow.Open(env("2026-03-06 15:00", "alice"), svcflow.OpenRequest{ID: "INC-1", Kind: svcflow.KindIncident, Impact: 1, Urgency: 2, RequestedBy: "alice"}))
	keep(svcflow.Decide(item, env("2026-03-06 15:20", "bob"), svcflow.Start{}))
	keep(svcflow.Decide(item, env("2026-03-06 16:00", "bob"), svcflow.Pause{Reason: svcflow.HoldAwaitingRequester}))
	keep(svcflow.Decide(item, env("2026-03-09 10:00", "bob"), svcflow.Resume{}))
	keep(svcflow.Decide(item, env("2026-03-09 11:00", "bob"), svcflow.Resolve{}))
	keep(svcflow.Decide(item, env("2026-03-10 09:00", "alice"), svcflow.Reopen{Reason: "still broken"}))
	keep(svcflow.Decide(item, env("2026-03-10 09:30", "carol"), svcflow.Start{}))
	keep(svcflow.Decide(item, env("2026-03-10 15:00", "carol"), svcflow.Resolve{}))

	s := standardPolicy().Compute(berlinOffice(), events, inZone(t, loc, "2026-03-11 12:00"))
	// Response: started by bob after 20 minutes. Resolution: Friday 1h, Monday 1h,
	// Tuesday 09:00–15:00 less lunch 5h: 7h of 8h.
	if r := s.Response; r.State != svcflow.ClockMet || r.Elapsed != 20*time.Minute {
		t.Errorf("response %s after %v, want met after 20m", r.State, r.Elapsed)
	}
	if r := s.Resolution; r.State != svcflow.ClockMet || r.Elapsed != 7*time.Hour || !r.StoppedAt.Equal(inZone(t, loc, "2026-03-10 15:00")) {
		t.Errorf("resolution %s after %v stopped %s, want met after 7h stopped 2026-03-10 15:00", r.State, r.Elapsed, r.StoppedAt)
	}
	if s.Priority != svcflow.P2 {
		t.Errorf("priority %s, want P2", s.Priority)
	}
}

// slaScenario is one event history with the policies to compute it under
// and the instants to show.
type slaScenario struct {
	name, title string
	events      []svcflow.Event
	policies    []scenarioPolicy
	asOf        []time.Time
}

type scenarioPolicy struct {
	policy *svcflow.SLAPolicy
	cal    *svcflow.Calendar
}

func slaScenarios(t testing.TB) []slaScenario {
	cal := berlinOffice()
	std := scenarioPolicy{standardPolicy(), cal}
	noPause := standardPolicy()
	noPause.ID, noPause.Name, noPause.PauseOn = "never-paused", "Standard support, no pauses", []string{}
	stop := func(mode string) scenarioPolicy {
		p := standardPolicy()
		p.ID, p.Name, p.ResponseStop = "stop-"+mode, "Standard support, response stops at "+mode, mode
		return scenarioPolicy{p, cal}
	}
	major := &svcflow.SLAPolicy{ID: "major", Name: "Major incidents, around the clock", Targets: []svcflow.SLATarget{
		{Priority: svcflow.P1, Response: svcflow.MustParseDuration("15m"), Resolution: svcflow.MustParseDuration("8h")},
	}}

	var out []slaScenario

	// A P2 created on the Friday afternoon before Whit Monday, on hold
	// awaiting the requester over the long calWeekend, resolved, reopened and
	// resolved again, late.
	h := newSLAHistory(t).
		created("2026-05-22 15:00", svcflow.P2, "alice").entered("2026-05-22 15:00", "diagnose").
		started("2026-05-22 15:30", "bob", "diagnose").
		status("2026-05-22 15:30", "bob", svcflow.StatusNew, svcflow.StatusInProgress, "").
		add("2026-05-22 16:30", "bob", svcflow.EventStepPaused, func(e *svcflow.Event) { e.Step, e.Data.Reason = "diagnose", svcflow.HoldAwaitingRequester }).
		status("2026-05-22 16:30", "bob", svcflow.StatusInProgress, svcflow.StatusOnHold, svcflow.HoldAwaitingRequester).
		comment("2026-05-26 10:00", "alice", true).
		add("2026-05-26 10:00", "bob", svcflow.EventStepResumed, func(e *svcflow.Event) { e.Step = "diagnose" }).
		status("2026-05-26 10:00", "bob", svcflow.StatusOnHold, svcflow.StatusInProgress, "").
		completed("2026-05-26 14:00", "bob", "diagnose").
		status("2026-05-26 14:00", "bob", svcflow.StatusInProgress, svcflow.StatusResolved, "").
		reopened("2026-05-27 09:00", "alice").
		status("2026-05-27 09:00", "alice", svcflow.StatusResolved, svcflow.StatusInProgress, "still broken").
		entered("2026-05-27 09:00", "diagnose").
		started("2026-05-27 09:20", "carol", "diagnose").
		completed("2026-05-27 15:00", "carol", "diagnose").
		status("2026-05-27 15:00", "carol", svcflow.StatusInProgress, svcflow.StatusResolved, "").
		status("2026-05-29 10:00", "alice", svcflow.StatusResolved, svcflow.StatusClosed, "")
	out = append(out, slaScenario{
		name: "holiday-hold-reopen", title: "P2 opened the Friday afternoon before Whit Monday, held, resolved, reopened, resolved late",
		events: h.events, policies: []scenarioPolicy{std, {noPause, cal}},
		asOf: []time.Time{
			h.at("2026-05-22 15:45"), h.at("2026-05-22 16:45"), h.at("2026-05-25 12:00"), h.at("2026-05-26 11:00"),
			h.at("2026-05-26 14:00"), h.at("2026-05-27 11:00"), h.at("2026-05-29 12:00"),
		},
	})

	// The response clock over the spring clock change, stopped by a public
	// reply or by an agent starting work, under each response-stop mode.
	prelude := func() *slaHistory {
		return newSLAHistory(t).
			created("2026-03-27 16:00", svcflow.P3, "alice").watcher("2026-03-27 16:00", "dave").
			entered("2026-03-27 16:00", "triage").started("2026-03-27 16:00", svcflow.SystemActor, "triage").
			completed("2026-03-27 16:00", svcflow.SystemActor, "triage").entered("2026-03-27 16:00", "diagnose").
			comment("2026-03-27 16:10", "alice", true).
			comment("2026-03-27 16:15", "dave", true).
			comment("2026-03-27 16:20", "bob", false)
	}
	modes := []scenarioPolicy{stop(svcflow.ResponseStopEither), stop(svcflow.ResponseStopReply), stop(svcflow.ResponseStopStart)}
	h = prelude().
		comment("2026-03-30 09:30", "bob", true).
		started("2026-03-30 10:30", "carol", "diagnose")
	out = append(out, slaScenario{
		name: "response-reply-first", title: "P3 opened Friday 16:00 before the clocks go forward; public reply Monday 09:30, work started 10:30",
		events: h.events, policies: modes,
		asOf: []time.Time{h.at("2026-03-27 17:00"), h.at("2026-03-30 12:00")},
	})
	h = prelude().
		started("2026-03-30 09:30", "carol", "diagnose").
		comment("2026-03-30 11:30", "bob", true)
	out = append(out, slaScenario{
		name: "response-start-first", title: "P3 opened Friday 16:00 before the clocks go forward; work started Monday 09:30, public reply 11:30",
		events: h.events, policies: modes,
		asOf: []time.Time{h.at("2026-03-27 17:00"), h.at("2026-03-30 12:00")},
	})

	// A P4 raised to P2 mid-flight (breached at once, retroactively), then
	// lowered to P3 (the breach lifts), over a week that ends with the
	// clocks going back.
	h = newSLAHistory(t).
		created("2026-10-19 09:00", svcflow.P4, "alice").entered("2026-10-19 09:00", "diagnose").
		comment("2026-10-19 10:00", "bob", true).
		priority("2026-10-21 10:00", "bob", svcflow.P4, svcflow.P2).
		priority("2026-10-21 12:00", "bob", svcflow.P2, svcflow.P3).
		status("2026-10-22 08:30", "bob", svcflow.StatusNew, svcflow.StatusResolved, "")
	out = append(out, slaScenario{
		name: "priority-change", title: "P4 raised to P2 on Wednesday 10:00, lowered to P3 at 12:00, resolved Thursday 08:30",
		events: h.events, policies: []scenarioPolicy{std},
		asOf: []time.Time{
			h.at("2026-10-19 12:00"), h.at("2026-10-21 09:59"), h.at("2026-10-21 10:00"), h.at("2026-10-21 12:00"), h.at("2026-10-22 12:00"),
		},
	})

	// A P1 on a 24×7 policy through the night the clocks go back: the
	// target is eight real hours; on hold awaiting a vendor does not pause.
	h = newSLAHistory(t).
		created("2026-10-24 22:00", svcflow.P1, "erin").entered("2026-10-24 22:00", "diagnose").
		comment("2026-10-24 22:10", "bob", true).
		status("2026-10-24 23:00", "bob", svcflow.StatusNew, svcflow.StatusOnHold, svcflow.HoldAwaitingVendor).
		status("2026-10-25 01:00", "bob", svcflow.StatusOnHold, svcflow.StatusInProgress, "")
	h.status("2026-10-25 04:30", "bob", svcflow.StatusInProgress, svcflow.StatusResolved, "")
	// 02:30 happens twice that night: first in summer time, then in winter time.
	first := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)
	second := first.Add(time.Hour)
	out = append(out, slaScenario{
		name: "around-the-clock-dst", title: "P1 on a 24×7 policy opened Saturday 22:00 CEST, the night the clocks go back",
		events: h.events, policies: []scenarioPolicy{{major, nil}},
		asOf: []time.Time{first, second, h.at("2026-10-25 06:00")},
	})
	return out
}

// TestSLAGolden prints each scenario's events and its SLA status at several
// instants, in Berlin time, for a reader to check against the calendar.
func TestSLAGolden(t *testing.T) {
	for _, sc := range slaScenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			golden.Check(t, "sla/"+sc.name+".golden", renderScenario(t, sc))
		})
	}
}

func renderScenario(t testing.TB, sc slaScenario) []byte {
	loc := berlin(t)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", sc.title)
	for _, p := range sc.policies {
		fmt.Fprintf(&b, "%s\n", describePolicy(p))
	}
	b.WriteString("\nevents\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, e := range sc.events {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", e.Version, slaStamp(e.Time, loc), e.Actor, e.Type, describeEvent(e))
	}
	tw.Flush()
	for _, asOf := range sc.asOf {
		for _, p := range sc.policies {
			s := p.policy.Compute(p.cal, sc.events, asOf)
			fmt.Fprintf(&b, "\nas of %s, policy %s, priority %s\n", slaStamp(asOf, loc), s.Policy, s.Priority)
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  clock\ttarget\telapsed\tstate\tdue\twarn at\tstopped at\twarned at\tbreached at")
			for _, c := range []struct {
				name  string
				clock svcflow.Clock
			}{{svcflow.SLAResponse, s.Response}, {svcflow.SLAResolution, s.Resolution}} {
				k := c.clock
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.name, slaHM(k.Target), slaHM(k.Elapsed), k.State,
					slaStamp(k.Due, loc), slaStamp(k.WarnAt, loc), slaStamp(k.StoppedAt, loc), slaStamp(k.WarnedAt, loc), slaStamp(k.BreachedAt, loc))
			}
			tw.Flush()
			var cs []string
			for _, c := range s.Crossings() {
				cs = append(cs, fmt.Sprintf("%s %s %s", c.Clock, c.Kind, slaStamp(c.At, loc)))
			}
			if len(cs) == 0 {
				cs = []string{"none"}
			}
			fmt.Fprintf(&b, "  crossings: %s\n", strings.Join(cs, "; "))
		}
	}
	return b.Bytes()
}

func describePolicy(p scenarioPolicy) string {
	pol := p.policy
	cal := "24×7"
	if p.cal != nil {
		cal = p.cal.ID + " (" + p.cal.TimeZone + ", Mon–Fri 08:00–12:00 13:00–17:00, holidays " + strings.Join(p.cal.Holidays, " ") + ")"
	}
	var ts []string
	for _, t := range pol.Targets {
		ts = append(ts, fmt.Sprintf("%s %s/%s", t.Priority, slaOrDash(t.Response.String()), slaOrDash(t.Resolution.String())))
	}
	pause := "awaiting_requester"
	if pol.PauseOn != nil {
		pause = slaOrDash(strings.Join(pol.PauseOn, ","))
	}
	stop := pol.ResponseStop
	if stop == "" {
		stop = svcflow.ResponseStopEither
	}
	warn := pol.WarnAt
	if warn == 0 {
		warn = svcflow.DefaultSLAWarnAt
	}
	return fmt.Sprintf("policy %s: calendar %s; response/resolution %s; warn at %g%%; pauses on %s; response stops at %s",
		pol.ID, cal, strings.Join(ts, ", "), warn*100, pause, stop)
}

func describeEvent(e svcflow.Event) string {
	switch e.Type {
	case svcflow.EventCreated:
		return fmt.Sprintf("%s, requested by %s", e.Data.Priority, e.Data.RequestedBy)
	case svcflow.EventStatusChanged:
		s := e.Before + " → " + e.After
		if e.Data.Reason != "" {
			s += " (" + e.Data.Reason + ")"
		}
		return s
	case svcflow.EventFieldChanged:
		return e.Data.Field + " " + e.Before + " → " + e.After
	case svcflow.EventCommented:
		if e.Data.Public {
			return "public"
		}
		return "internal"
	case svcflow.EventWatcherAdded:
		return e.Data.Person
	case svcflow.EventStepPaused:
		return e.Step + " (" + e.Data.Reason + ")"
	}
	return e.Step
}

func slaOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// slaStamp formats an instant in Berlin time with its zone, so the clock
// changes show; "-" for none.
func slaStamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}

// slaHM formats a duration as hours and minutes: "8h", "1h30m", "45m", "0".
func slaHM(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	s := ""
	if h > 0 {
		s = fmt.Sprintf("%dh", h)
	}
	if m > 0 {
		s += fmt.Sprintf("%dm", m)
	}
	if rest := d % time.Minute; rest != 0 {
		s += fmt.Sprintf("%ds", rest/time.Second)
	}
	return s
}

// TestSLAPriorityChangeAfterStop checks that raising the priority re-judges
// the running resolution clock but not a response already given.
func TestSLAPriorityChangeAfterStop(t *testing.T) {
	h := newSLAHistory(t).created("2026-03-02 09:00", svcflow.P3, "alice").
		comment("2026-03-02 10:30", "bob", true).
		priority("2026-03-02 11:00", "bob", svcflow.P3, svcflow.P1)
	s := standardPolicy().Compute(berlinOffice(), h.events, h.at("2026-03-02 11:30"))
	if r := s.Response; r.State != svcflow.ClockMet || r.Target != 4*time.Hour || !r.TargetSince.Equal(h.at("2026-03-02 09:00")) {
		t.Errorf("response %s, target %v since %s; want met, 4h since creation", r.State, r.Target, r.TargetSince)
	}
	if r := s.Resolution; r.State != svcflow.ClockRunning || r.Target != 4*time.Hour || r.Elapsed != 150*time.Minute ||
		!r.Due.Equal(h.at("2026-03-02 14:00")) || !r.TargetSince.Equal(h.at("2026-03-02 11:00")) {
		t.Errorf("resolution %s, target %v, elapsed %v, due %s, since %s; want running, 4h, 2h30m, 14:00, 11:00",
			r.State, r.Target, r.Elapsed, r.Due, r.TargetSince)
	}
}
