package eventlog

import (
	"strings"
	"testing"
	"time"

	svcflow "github.com/svcflow/svcflow"
)

func TestItemLog(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	evs := []svcflow.Event{
		{Item: "INC-1", Time: at(0), Type: svcflow.EventCreated, Data: svcflow.EventData{Kind: "incident", Stream: "restore", Priority: "P3", Service: "mail"}},
		{Item: "INC-1", Time: at(0), Type: svcflow.EventStepEntered, Step: "triage", Data: svcflow.EventData{Team: "desk"}},
		{Item: "REQ-2", Time: at(1), Type: svcflow.EventCreated, Data: svcflow.EventData{Kind: "service_request"}},
		{Item: "INC-1", Time: at(2), Type: svcflow.EventCommented},
		{Item: "INC-1", Time: at(3), Type: svcflow.EventStepStarted, Step: "triage", Data: svcflow.EventData{Person: "ann"}},
		{Item: "INC-1", Time: at(4), Type: svcflow.EventFieldChanged, Before: "P3", After: "P2", Data: svcflow.EventData{Field: "priority"}},
		{Item: "INC-1", Time: at(5), Type: svcflow.EventStepCompleted, Step: "triage", Actor: "ann", Data: svcflow.EventData{Outcome: "fixed"}},
		{Item: "INC-1", Time: at(5), Type: svcflow.EventStatusChanged, Before: "in_progress", After: "resolved"},
		{Item: "INC-1", Time: at(9), Type: svcflow.EventStatusChanged, Before: "resolved", After: "closed"},
	}
	x := NewItemLog()
	for _, e := range evs {
		x.Add(e)
	}
	l := x.Build()
	if l.Cases() != 2 || l.Events() != 7 {
		t.Fatalf("cases %d events %d, want 2 and 7", l.Cases(), l.Events())
	}
	var got []string
	from, to := l.Case(0)
	team, outcome := l.EventAttr(AttrTeam), l.EventAttr(AttrOutcome)
	for i := from; i < to; i++ {
		got = append(got, strings.Join([]string{l.Str(l.Activity[i]), string(l.Phase[i].Transition()),
			l.Str(l.Resource[i]), l.Str(team.Values[i]), l.Str(outcome.Values[i])}, "/"))
	}
	want := "created////,triage/schedule//desk/,triage/start/ann/desk/,triage/complete/ann/desk/fixed,resolved////,closed////"
	if s := strings.Join(got, ","); s != want {
		t.Errorf("INC-1:\ngot  %s\nwant %s", s, want)
	}
	for _, tc := range []struct{ attr, want string }{{AttrKind, "incident"}, {AttrPriority, "P2"}, {AttrService, "mail"}, {AttrStream, "restore"}} {
		if got := l.Str(l.CaseAttr(tc.attr).Values[0]); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.attr, got, tc.want)
		}
	}
	x = NewItemLog() // configuration events make no case
	x.Add(svcflow.Event{Item: "config", Time: at(0), Type: "stream_registered"})
	if l := x.Build(); l.Cases() != 0 {
		t.Errorf("%d cases from a configuration event", l.Cases())
	}
	only := l.SelectCases(func(c int) bool { return l.Str(l.CaseAttr(AttrKind).Values[c]) == "service_request" })
	if only.Cases() != 1 || only.Events() != 1 || only.Str(only.CaseID[0]) != "REQ-2" || only.Offsets[1] != 1 {
		t.Errorf("selected %d cases, %d events", only.Cases(), only.Events())
	}
}

func TestSelectItemsAndFinished(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	x := NewItemLog()
	add := func(item string, m int, typ svcflow.EventType, step, after string, d svcflow.EventData) {
		x.Add(svcflow.Event{Item: item, Time: t0.Add(time.Duration(m) * time.Minute), Type: typ, Step: step, After: after, Data: d})
	}
	add("INC-1", 0, svcflow.EventCreated, "", "", svcflow.EventData{Kind: "incident", Stream: "restore", Service: "mail"})
	add("INC-1", 0, svcflow.EventStepEntered, "triage", "", svcflow.EventData{Team: "desk"})
	add("INC-1", 5, svcflow.EventValueReached, "", "", svcflow.EventData{})
	add("REQ-2", 10, svcflow.EventCreated, "", "", svcflow.EventData{Kind: "service_request", Stream: "fulfil", Service: "mail"})
	add("REQ-2", 10, svcflow.EventStepEntered, "log", "", svcflow.EventData{Team: "ops"})
	add("REQ-2", 20, svcflow.EventStatusChanged, "", "cancelled", svcflow.EventData{})
	add("INC-3", 30, svcflow.EventCreated, "", "", svcflow.EventData{Kind: "incident", Stream: "restore", Service: "vpn"})
	add("INC-3", 30, svcflow.EventStepEntered, "triage", "", svcflow.EventData{Team: "desk"})
	l := x.Build()
	ids := func(l *Log) string {
		var out []string
		for _, c := range l.CaseID {
			out = append(out, l.Str(c))
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		f    ItemFilter
		want string
	}{
		{ItemFilter{}, "INC-1,REQ-2,INC-3"},
		{ItemFilter{Stream: "restore"}, "INC-1,INC-3"},
		{ItemFilter{Service: "mail"}, "INC-1,REQ-2"},
		{ItemFilter{Team: "ops"}, "REQ-2"},
		{ItemFilter{Kinds: []string{"incident"}, Service: "vpn"}, "INC-3"},
		{ItemFilter{From: t0.Add(10 * time.Minute).UnixNano(), To: t0.Add(30 * time.Minute).UnixNano()}, "REQ-2"},
		{ItemFilter{Team: "nobody"}, ""},
	} {
		if got := ids(l.SelectItems(tc.f)); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.f, got, tc.want)
		}
	}
	if got := ids(l.Finished()); got != "INC-1,REQ-2" {
		t.Errorf("finished: %s, want INC-1,REQ-2 (value and cancelled)", got)
	}
}
