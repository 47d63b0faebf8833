package svcflow_test

import (
	"strings"
	"testing"

	"github.com/svcflow/svcflow"
)

func stream(id string, a svcflow.AppliesTo, def bool) *svcflow.ValueStream {
	s := restoration()
	s.ID, s.AppliesTo, s.Default = id, a, def
	return s
}

func kinds(ks ...svcflow.Kind) []svcflow.Kind { return ks }

func TestRoute(t *testing.T) {
	streams := []*svcflow.ValueStream{
		stream("restore", svcflow.AppliesTo{Kinds: kinds("query", "incident")}, true),
		stream("major", svcflow.AppliesTo{Kinds: kinds("incident")}, false),
		stream("major-cat", svcflow.AppliesTo{Kinds: kinds("incident"), Categories: []string{"major"}}, false),
		stream("payroll", svcflow.AppliesTo{Services: []string{"payroll"}}, false),
		stream("requests", svcflow.AppliesTo{Kinds: kinds("service_request")}, false),
		stream("spawn-only", svcflow.AppliesTo{}, false),
	}
	tests := []struct {
		kind              svcflow.Kind
		category, service string
		want              string
	}{
		{"query", "", "", "restore"},
		{"incident", "", "", "restore"},             // tie with major, broken by default
		{"incident", "major", "", "major-cat"},      // category beats kind
		{"incident", "major", "payroll", "payroll"}, // service beats category
		{"service_request", "", "", "requests"},
		{"change", "", "", ""},
	}
	for _, tt := range tests {
		got, err := svcflow.Route(streams, tt.kind, tt.category, tt.service)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Route(%s) = %s, want an error", tt.kind, got.ID)
			}
			continue
		}
		if err != nil || got.ID != tt.want {
			t.Errorf("Route(%s, %q, %q) = %v, %v; want %s", tt.kind, tt.category, tt.service, got, err, tt.want)
		}
	}
}

func TestCrossCheckRoutingTies(t *testing.T) {
	tests := []struct {
		name    string
		streams []*svcflow.ValueStream
		ties    int
	}{
		{"no overlap", []*svcflow.ValueStream{
			stream("a", svcflow.AppliesTo{Kinds: kinds("incident")}, false),
			stream("b", svcflow.AppliesTo{Kinds: kinds("change")}, false),
		}, 0},
		{"tie without default", []*svcflow.ValueStream{
			stream("a", svcflow.AppliesTo{Kinds: kinds("incident", "query")}, false),
			stream("b", svcflow.AppliesTo{Kinds: kinds("incident")}, false),
		}, 1},
		{"tie settled by default", []*svcflow.ValueStream{
			stream("a", svcflow.AppliesTo{Kinds: kinds("incident", "query")}, true),
			stream("b", svcflow.AppliesTo{Kinds: kinds("incident")}, false),
			stream("c", svcflow.AppliesTo{Kinds: kinds("incident")}, false),
		}, 0},
		{"two defaults", []*svcflow.ValueStream{
			stream("a", svcflow.AppliesTo{Kinds: kinds("incident")}, true),
			stream("b", svcflow.AppliesTo{Kinds: kinds("incident")}, true),
		}, 1},
		{"default covers only part", []*svcflow.ValueStream{
			stream("a", svcflow.AppliesTo{Kinds: kinds("incident")}, true),
			stream("b", svcflow.AppliesTo{Kinds: kinds("incident", "query")}, false),
			stream("c", svcflow.AppliesTo{Kinds: kinds("query")}, false),
		}, 1}, // b and c share queries, which a does not take
		{"different specificity", []*svcflow.ValueStream{
			stream("a", svcflow.AppliesTo{Kinds: kinds("incident")}, false),
			stream("b", svcflow.AppliesTo{Kinds: kinds("incident"), Categories: []string{"major"}}, false),
		}, 0},
		{"same categories", []*svcflow.ValueStream{
			stream("a", svcflow.AppliesTo{Kinds: kinds("service_request"), Categories: []string{"access"}}, false),
			stream("b", svcflow.AppliesTo{Kinds: kinds("service_request"), Categories: []string{"access", "laptop"}}, false),
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ties := 0
			for _, d := range svcflow.CrossCheck(tt.streams) {
				if strings.HasPrefix(d.Message, "routing tie") {
					ties++
				}
			}
			if ties != tt.ties {
				t.Errorf("got %d routing ties, want %d: %v", ties, tt.ties, svcflow.CrossCheck(tt.streams))
			}
		})
	}
}

func TestCrossCheckSpawnAndDuplicates(t *testing.T) {
	a := stream("a", svcflow.AppliesTo{}, false)
	a.Steps[1].Spawn = []svcflow.Spawn{{Kind: svcflow.KindChange, Stream: "chang"}}
	change := stream("change", svcflow.AppliesTo{Kinds: kinds("change")}, false)
	dup := stream("change", svcflow.AppliesTo{}, false)
	ds := svcflow.CrossCheck([]*svcflow.ValueStream{a, change, dup})
	var spawn, duplicate bool
	for _, d := range ds {
		if d.Path == "steps[1].spawn[0].stream" && d.Hint == `did you mean "change"?` {
			spawn = true
		}
		if d.Path == "id" && strings.Contains(d.Message, "duplicate stream id") {
			duplicate = true
		}
	}
	if !spawn || !duplicate {
		t.Errorf("spawn reported %v, duplicate reported %v; got %v", spawn, duplicate, ds)
	}
}

func TestCondition(t *testing.T) {
	tests := []struct {
		cond   string
		fields map[string]string
		want   bool
	}{
		{`category == "standard"`, map[string]string{"category": "standard"}, true},
		{`category == standard and impact in [2, 3]`, map[string]string{"category": "standard", "impact": "3"}, true},
		{`category == standard and impact in [2, 3]`, map[string]string{"category": "standard", "impact": "1"}, false},
		{`priority != P1`, map[string]string{"priority": "P3"}, true},
		{`priority != P1`, map[string]string{"priority": "P1"}, false},
		{`category == 'a and b'`, map[string]string{"category": "a and b"}, true},
	}
	for _, tt := range tests {
		c, err := svcflow.ParseCondition(tt.cond)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tt.cond, err)
			continue
		}
		if got := c.Match(tt.fields); got != tt.want {
			t.Errorf("%q.Match(%v) = %v, want %v", tt.cond, tt.fields, got, tt.want)
		}
	}
	for _, bad := range []string{"", "impact = 3", "colour == red", "impact in 3", "impact == ", `category == "a" b`} {
		if _, err := svcflow.ParseCondition(bad); err == nil {
			t.Errorf("ParseCondition(%q) succeeded, want an error", bad)
		}
	}
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{`category == "standard"`, `impact in [2, 3] and kind == change`, `a == b`, `x in [`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := svcflow.ParseCondition(s)
		if err != nil {
			return
		}
		if len(c.Clauses) == 0 {
			t.Fatalf("%q parsed to no clauses", s)
		}
		for _, cl := range c.Clauses {
			if len(cl.Values) == 0 {
				t.Fatalf("%q: clause %+v has no values", s, cl)
			}
		}
		c.Match(map[string]string{"kind": "change"})
	})
}
