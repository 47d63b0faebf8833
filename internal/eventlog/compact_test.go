package eventlog

import (
	"reflect"
	"strings"
	"testing"
)

// build adds rows "case activity resource time [attr…]" with the event
// columns named by cols.
func build(t *testing.T, cols []string, rows ...string) (*Log, []string) {
	t.Helper()
	b := NewBuilder()
	for _, c := range cols {
		b.EventColumn(c)
	}
	for _, r := range rows {
		f := strings.Fields(r)
		e := Event{
			Case:     b.Case(b.InternString(f[0])),
			Activity: b.InternString(f[1]),
			Resource: b.InternString(f[2]),
			Time:     int64(atoi(t, f[3])),
		}
		for _, v := range f[4:] {
			e.Attrs = append(e.Attrs, b.InternString(v))
		}
		b.Add(e)
	}
	return b.Build()
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("bad number %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func activities(l *Log, c int) string {
	from, to := l.Case(c)
	var out []string
	for i := from; i < to; i++ {
		out = append(out, l.Str(l.Activity[i]))
	}
	return strings.Join(out, ",")
}

func TestBuilderSortsByCaseThenTimeStably(t *testing.T) {
	l, notes := build(t, nil,
		"c2 x r 5",
		"c1 b r 3",
		"c1 a r 1",
		"c2 y r 5", // tie with the first c2 row: input order kept
		"c1 c r 3", // tie with b
		"c2 w r 1",
	)
	if len(notes) != 0 {
		t.Fatalf("notes: %v", notes)
	}
	if l.Cases() != 2 || l.Events() != 6 {
		t.Fatalf("cases %d events %d", l.Cases(), l.Events())
	}
	if got := l.Str(l.CaseID[0]); got != "c2" {
		t.Errorf("first case %q, want c2 (first to appear)", got)
	}
	if got := activities(l, 0); got != "w,x,y" {
		t.Errorf("c2: %s", got)
	}
	if got := activities(l, 1); got != "a,b,c" {
		t.Errorf("c1: %s", got)
	}
}

func TestBuilderOrderByBreaksTies(t *testing.T) {
	b := NewBuilder()
	col := b.EventColumn("n")
	b.OrderBy(col)
	for _, r := range [][3]string{{"b", "10"}, {"a", "9"}, {"c", "x"}} {
		b.Add(Event{Case: b.Case(b.InternString("c")), Activity: b.InternString(r[0]), Time: 7,
			Attrs: []uint32{b.InternString(r[1])}})
	}
	l, _ := b.Build()
	// 9 < 10 as numbers (not as text); "x" is not a number: compared as text.
	if got := activities(l, 0); got != "a,b,c" {
		t.Errorf("got %s, want a,b,c", got)
	}
}

func TestBuilderCountsDuplicateRows(t *testing.T) {
	l, _ := build(t, []string{"k"},
		"c a r 1 v",
		"c b r 1 v",
		"c a r 1 v", // duplicate of the first, not adjacent in input
		"c a r 1 w", // differs in an attribute
		"c a r 2 v", // differs in time
		"d a r 1 v", // another case
		"c a r 1 v", // a second duplicate of the first
	)
	if l.DuplicateRows != 2 {
		t.Errorf("duplicate rows %d, want 2", l.DuplicateRows)
	}
}

func TestBuilderPromotesConstantColumns(t *testing.T) {
	b := NewBuilder()
	b.PromoteConstant = true
	tier, step := b.EventColumn("tier"), b.EventColumn("step")
	add := func(c, tv, sv string) {
		attrs := make([]uint32, 2)
		attrs[tier], attrs[step] = b.InternString(tv), b.InternString(sv)
		b.Add(Event{Case: b.Case(b.InternString(c)), Activity: b.InternString("a"), Attrs: attrs, Time: 1})
	}
	add("c1", "gold", "1")
	add("c1", "gold", "2")
	add("c2", "bronze", "1")
	l, _ := b.Build()
	if got := []string{l.EventAttrs[0].Name}; len(l.EventAttrs) != 1 || got[0] != "step" {
		t.Fatalf("event columns %v", l.EventAttrs)
	}
	c := l.CaseAttr("tier")
	if c == nil {
		t.Fatal("tier was not promoted")
	}
	if got := []string{l.Str(c.Values[0]), l.Str(c.Values[1])}; !reflect.DeepEqual(got, []string{"gold", "bronze"}) {
		t.Errorf("tier per case %v", got)
	}
}

func TestBuilderLifecycleColumn(t *testing.T) {
	for _, tc := range []struct {
		values []string
		phases []Phase // nil: kept as an attribute
	}{
		{[]string{"start", "Complete", "schedule"}, []Phase{PhaseStart, PhaseComplete, PhaseSchedule}},
		{[]string{"In Progress", "complete", "Awaiting Assignment"}, nil},
	} {
		b := NewBuilder()
		col := b.EventColumn("lifecycle")
		b.LifecycleColumn(col)
		for i, v := range tc.values {
			b.Add(Event{Case: b.Case(b.InternString("c")), Activity: b.InternString("a"), Time: int64(i),
				Attrs: []uint32{b.InternString(v)}})
		}
		l, notes := b.Build()
		if tc.phases == nil {
			if l.Phase != nil || l.EventAttr("lifecycle") == nil || len(notes) != 1 ||
				!strings.Contains(notes[0], `"In Progress"`) {
				t.Errorf("%v: phases %v, notes %v, columns %v", tc.values, l.Phase, notes, l.EventAttrs)
			}
			continue
		}
		if !reflect.DeepEqual(l.Phase, tc.phases) || l.EventAttr("lifecycle") != nil || len(notes) != 0 {
			t.Errorf("%v: phases %v, notes %v", tc.values, l.Phase, notes)
		}
	}
}

func TestBuilderStartColumnOnlyWhenGiven(t *testing.T) {
	b := NewBuilder()
	c := b.Case(b.InternString("c"))
	b.Add(Event{Case: c, Activity: 1, Time: 10})
	b.Add(Event{Case: c, Activity: 1, Time: 20, Start: 15})
	l, _ := b.Build()
	if !reflect.DeepEqual(l.Start, []int64{NoTime, 15}) {
		t.Errorf("start %v", l.Start)
	}
	b = NewBuilder()
	b.Add(Event{Case: b.Case(b.InternString("c")), Activity: 1, Time: 10})
	if l, _ := b.Build(); l.Start != nil || l.Phase != nil {
		t.Errorf("start %v phase %v, want none", l.Start, l.Phase)
	}
}

func TestBuilderDropsCasesWithoutEvents(t *testing.T) {
	b := NewBuilder()
	col := b.CaseColumn("tier")
	empty := b.Case(b.InternString("empty"))
	b.SetCaseAttr(empty, col, b.InternString("gold"))
	c := b.Case(b.InternString("c"))
	b.SetCaseAttr(c, col, b.InternString("bronze"))
	b.Case(b.InternString("also-empty"))
	b.Add(Event{Case: c, Activity: b.InternString("a"), Time: 1})
	l, _ := b.Build()
	if l.Cases() != 1 || l.Str(l.CaseID[0]) != "c" || !reflect.DeepEqual(l.Offsets, []uint32{0, 1}) || l.Str(l.CaseAttr("tier").Values[0]) != "bronze" {
		t.Errorf("cases %d, offsets %v", l.Cases(), l.Offsets)
	}
}
