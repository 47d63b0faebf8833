package server

import (
	"net/url"
	"strings"
	"testing"

	"github.com/svcflow/svcflow/internal/flow"
)

// TestAnalyticsFlow measures live items through the API: the SPEC §3
// numbers come from the same events the items were moved with.
func TestAnalyticsFlow(t *testing.T) {
	e := newTestEnv(t)
	a := e.open("ursula", map[string]any{"kind": "incident", "title": "Outlook crashes"})
	e.action("alice", a.ID, "complete", nil) // register ends at 0: investigate entered at 0
	e.at(5)
	e.action("alice", a.ID, "start", nil)
	e.at(25)
	e.action("alice", a.ID, "complete", map[string]any{"outcome": "fixed"}) // resolved at 25: wait 5, cycle 20
	e.at(30)
	b := e.open("ursula", map[string]any{"kind": "incident", "title": "VPN drops"})
	e.at(40)
	e.action("alice", b.ID, "complete", nil)
	e.at(50)
	e.action("alice", b.ID, "start", nil)
	e.at(90)
	e.action("alice", b.ID, "complete", map[string]any{"outcome": "fixed"}) // resolved at 90 (60 after creation): wait 10, cycle 40
	e.at(100)
	e.open("victor", map[string]any{"kind": "query", "title": "Where is the printer?"})
	e.at(120)

	get := func(query string) *flow.Analysis {
		t.Helper()
		var got flow.Analysis
		e.must(200, "max", "GET", "/api/v1/analytics/flow"+query, nil).json(t, &got)
		return &got
	}
	all := get("")
	if all.Cases != 3 || all.Timing != flow.TimingLifecycle || all.ItemTime.Measure != flow.MeasureTimeToResolve {
		t.Fatalf("cases %d timing %s measure %s", all.Cases, all.Timing, all.ItemTime.Measure)
	}
	// time_to_resolve of the two resolved incidents: 25 and 60 minutes.
	if s := all.ItemTime.Stats; s.Count != 2 || *s.Mean != 42.5*60 || *s.Max != 3600 || all.ItemTime.Unresolved != 1 {
		t.Errorf("item time %+v (unresolved %d), want 2 items, mean 2550 s, max 3600 s, 1 unresolved", s, all.ItemTime.Unresolved)
	}
	var investigate *flow.StepMetrics
	for i := range all.Steps {
		if all.Steps[i].Activity == "investigate" {
			investigate = &all.Steps[i]
		}
	}
	if investigate == nil || investigate.Wait == nil || investigate.Cycle == nil {
		t.Fatalf("no wait and cycle for investigate: %+v", all.Steps)
	}
	if *investigate.Wait.Mean != 7.5*60 || *investigate.Cycle.Mean != 30*60 {
		t.Errorf("investigate wait %v s, cycle %v s; want 450 and 1800", *investigate.Wait.Mean, *investigate.Cycle.Mean)
	}
	if len(all.Variants) == 0 || all.Map == nil || all.Conformance != nil {
		t.Errorf("variants %d, map %v, conformance %v", len(all.Variants), all.Map, all.Conformance)
	}

	if got := get("?kind=query"); got.Cases != 1 {
		t.Errorf("kind=query: %d cases", got.Cases)
	}
	from := url.QueryEscape(t0.Add(30 * 60e9).Format("2006-01-02T15:04:05Z07:00"))
	if got := get("?from=" + from); got.Cases != 2 {
		t.Errorf("from 30 min: %d cases, want 2", got.Cases)
	}
	withStream := get("?stream=" + a.Stream) // the query runs in the same stream
	if withStream.Cases != 3 || withStream.Conformance == nil || withStream.Conformance.Stream != a.Stream {
		t.Fatalf("stream %s: cases %d, conformance %+v", a.Stream, withStream.Cases, withStream.Conformance)
	}
	if c := withStream.Conformance; c.CasesFit+len(c.Deviations) == 0 {
		t.Errorf("conformance judged nothing: %+v", c)
	}
	if got := get("?team=service-desk"); got.Cases != 3 {
		t.Errorf("team service-desk: %d cases, want 3", got.Cases)
	}
	if got := get("?team=facilities"); got.Cases != 0 || got.Variants == nil || got.Steps == nil {
		t.Errorf("team facilities: %d cases, variants %v, steps %v; want 0 and empty lists", got.Cases, got.Variants, got.Steps)
	}

	svg := e.must(200, "max", "GET", "/api/v1/analytics/map.svg?stream="+a.Stream, nil)
	if ct := svg.header.Get("Content-Type"); ct != "image/svg+xml" || !strings.Contains(string(svg.body), `data-activity="investigate"`) {
		t.Errorf("map: %s\n%.300s", ct, svg.body)
	}
	for _, q := range []string{"?window=year", "?kind=ticket", "?from=yesterday", "?stream=nope", "?from=2026-03-02&to=2026-03-01"} {
		e.must(422, "max", "GET", "/api/v1/analytics/flow"+q, nil)
	}
	e.must(403, "alice", "GET", "/api/v1/analytics/flow", nil)
}

// The analytics reuse the event log they read until something is appended,
// and see every change after it.
func TestAnalyticsSeeNewEvents(t *testing.T) {
	e := newTestEnv(t)
	cases := func() int {
		t.Helper()
		var a struct{ Cases int }
		e.must(200, "max", "GET", "/api/v1/analytics/flow", nil).json(t, &a)
		return a.Cases
	}
	e.open("ursula", map[string]any{"kind": "incident", "title": "One"})
	if n := cases(); n != 1 {
		t.Fatalf("%d cases, want 1", n)
	}
	if n := cases(); n != 1 {
		t.Fatalf("asked again: %d cases, want 1", n)
	}
	e.open("ursula", map[string]any{"kind": "incident", "title": "Two"})
	if n := cases(); n != 2 {
		t.Errorf("after a new item: %d cases, want 2", n)
	}
	e.must(403, "alice", "GET", "/api/v1/analytics/flow", nil)
}
