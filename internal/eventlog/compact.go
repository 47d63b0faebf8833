package eventlog

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// NoTime marks a missing time in Log.Start.
const NoTime = math.MinInt64

// Phase is a standard lifecycle transition stored in one byte (Log.Phase);
// PhaseNone is an event without one.
type Phase uint8

// The phases, one per standard transition.
const (
	PhaseNone Phase = iota
	PhaseSchedule
	PhaseAssign
	PhaseReassign
	PhaseStart
	PhaseSuspend
	PhaseResume
	PhaseComplete
	PhaseAutoSkip
	PhaseManualSkip
	PhaseWithdraw
	PhaseATEAbort
	PhasePIAbort
	PhaseUnknown
)

var phaseTransitions = [...]Transition{"", TransitionSchedule, TransitionAssign, TransitionReassign,
	TransitionStart, TransitionSuspend, TransitionResume, TransitionComplete, TransitionAutoSkip,
	TransitionManualSkip, TransitionWithdraw, TransitionATEAbort, TransitionPIAbort, TransitionUnknown}

// Transition returns the lifecycle transition p stands for ("" for none).
func (p Phase) Transition() Transition {
	if int(p) < len(phaseTransitions) {
		return phaseTransitions[p]
	}
	return ""
}

// PhaseOf returns the phase of a standard transition, matched without
// regard to case (logs write "Complete" as often as "complete"), and false
// for anything else.
func PhaseOf(s string) (Phase, bool) {
	for i, t := range phaseTransitions[1:] {
		if strings.EqualFold(s, string(t)) {
			return Phase(i + 1), true
		}
	}
	return PhaseNone, false
}

// Column is one attribute column of a Log: a string index per event (or per
// case), 0 where the attribute is absent.
type Column struct {
	Name   string
	Values []uint32
}

// Log is the compact, columnar event log that every analysis reads (SPEC
// §7): strings are interned once, times are int64 nanoseconds since the Unix
// epoch in UTC, and events are sorted by case, then time, ties kept in input
// order (or broken by an order column first). The events of case c are the
// indexes [Offsets[c], Offsets[c+1]).
//
// A Log is read-only once built; analyses share it across goroutines.
type Log struct {
	Strings []string // interned strings; Strings[0] is "" (absent)

	CaseID  []uint32 // per case: index of its id in Strings
	Offsets []uint32 // len(CaseID)+1 entries

	Activity []uint32 // per event: index in Strings
	Resource []uint32 // per event: index in Strings, 0 when there is none
	Time     []int64  // per event: when it happened (for an interval, its end)
	Start    []int64  // nil, or per event: when its interval started (NoTime if unknown)
	Phase    []Phase  // nil, or per event: its standard lifecycle transition

	EventAttrs []Column // per event
	CaseAttrs  []Column // per case

	// DuplicateRows counts events identical in every column to an earlier
	// event of the same case (SPEC §3 keeps them and counts them).
	DuplicateRows int
}

// Cases returns the number of cases.
func (l *Log) Cases() int { return len(l.CaseID) }

// Events returns the number of events.
func (l *Log) Events() int { return len(l.Activity) }

// Case returns the event index range of case c.
func (l *Log) Case(c int) (from, to int) { return int(l.Offsets[c]), int(l.Offsets[c+1]) }

// Str returns the interned string i.
func (l *Log) Str(i uint32) string { return l.Strings[i] }

// EventAttr returns the event attribute column called name, or nil.
func (l *Log) EventAttr(name string) *Column { return column(l.EventAttrs, name) }

// CaseAttr returns the case attribute column called name, or nil.
func (l *Log) CaseAttr(name string) *Column { return column(l.CaseAttrs, name) }

func column(cols []Column, name string) *Column {
	for i := range cols {
		if cols[i].Name == name {
			return &cols[i]
		}
	}
	return nil
}

// Bytes estimates the memory the log holds: its columns and the distinct
// strings with their headers.
func (l *Log) Bytes() int {
	n := 4*len(l.CaseID) + 4*len(l.Offsets) + 4*len(l.Activity) + 4*len(l.Resource) +
		8*len(l.Time) + 8*len(l.Start) + len(l.Phase)
	for _, c := range l.EventAttrs {
		n += 4 * len(c.Values)
	}
	for _, c := range l.CaseAttrs {
		n += 4 * len(c.Values)
	}
	for _, s := range l.Strings {
		n += 16 + len(s)
	}
	return n
}

// Builder collects events in input order and builds a Log. Readers intern
// each value once (Intern takes a byte slice and allocates only for a
// string it has not seen), so memory follows the compact log, not the file.
type Builder struct {
	strs  []string
	index map[string]uint32
	cases map[uint32]uint32 // case id string → case index

	caseID   []uint32
	caseOf   []uint32
	activity []uint32
	resource []uint32
	time     []int64
	start    []int64
	phase    []Phase

	eventCols []Column
	caseCols  []Column
	order     int // event column that breaks ties in time, -1 for none
	lifecycle int // event column that may hold lifecycle transitions, -1 for none

	// PromoteConstant moves an event column whose value never changes
	// within a case to the case columns (a CSV repeats case attributes on
	// every row); it saves memory and lets analyses group cases by it.
	PromoteConstant bool
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder {
	return &Builder{strs: []string{""}, index: map[string]uint32{"": 0}, cases: map[uint32]uint32{}, order: -1, lifecycle: -1}
}

// Intern returns the index of s, adding it if new.
func (b *Builder) Intern(s []byte) uint32 {
	if i, ok := b.index[string(s)]; ok { // no allocation for the lookup
		return i
	}
	return b.InternString(string(s))
}

// InternString is Intern for a string.
func (b *Builder) InternString(s string) uint32 {
	if i, ok := b.index[s]; ok {
		return i
	}
	i := uint32(len(b.strs))
	b.strs = append(b.strs, s)
	b.index[s] = i
	return i
}

// Str returns an interned string.
func (b *Builder) Str(i uint32) string { return b.strs[i] }

// Events returns the number of events added so far.
func (b *Builder) Events() int { return len(b.activity) }

// Case returns the index of the case with the interned id, adding it if new.
// Cases keep the order in which they first appear.
func (b *Builder) Case(id uint32) uint32 {
	if c, ok := b.cases[id]; ok {
		return c
	}
	c := uint32(len(b.caseID))
	b.cases[id] = c
	b.caseID = append(b.caseID, id)
	for i := range b.caseCols {
		b.caseCols[i].Values = append(b.caseCols[i].Values, 0)
	}
	return c
}

// EventColumn returns the index of the event attribute column called
// name, adding it (absent for the events so far) if new.
func (b *Builder) EventColumn(name string) int {
	for i, c := range b.eventCols {
		if c.Name == name {
			return i
		}
	}
	b.eventCols = append(b.eventCols, Column{Name: name, Values: make([]uint32, len(b.activity), cap(b.activity))})
	return len(b.eventCols) - 1
}

// CaseColumn returns the index of the case attribute column called name,
// adding it if new.
func (b *Builder) CaseColumn(name string) int {
	for i, c := range b.caseCols {
		if c.Name == name {
			return i
		}
	}
	b.caseCols = append(b.caseCols, Column{Name: name, Values: make([]uint32, len(b.caseID))})
	return len(b.caseCols) - 1
}

// SetCaseAttr sets a case attribute; the last value set wins.
func (b *Builder) SetCaseAttr(c uint32, col int, v uint32) { b.caseCols[col].Values[c] = v }

// OrderBy makes an event column break ties between events of a case at the
// same time, compared as numbers when both values are numbers, else as text.
func (b *Builder) OrderBy(col int) { b.order = col }

// LifecycleColumn names the event column that holds lifecycle transitions.
// Build uses it as lifecycle only if every value in it is a standard
// transition (SPEC §3); otherwise it stays an attribute and Build says so.
func (b *Builder) LifecycleColumn(col int) { b.lifecycle = col }

// Event is one event for Add. Attrs holds a value per event column (by
// column index; missing trailing entries are absent).
type Event struct {
	Case     uint32 // from Case
	Activity uint32
	Resource uint32
	Time     int64
	Start    int64 // the start of the event's interval; NoTime or 0 when it has none
	Phase    Phase
	Attrs    []uint32
}

// Add appends one event.
func (b *Builder) Add(e Event) {
	n := len(b.activity)
	b.caseOf = append(b.caseOf, e.Case)
	b.activity = append(b.activity, e.Activity)
	b.resource = append(b.resource, e.Resource)
	b.time = append(b.time, e.Time)
	if e.Start != NoTime && e.Start != 0 && b.start == nil {
		b.start = make([]int64, n, cap(b.activity))
		for i := range b.start {
			b.start[i] = NoTime
		}
	}
	if b.start != nil {
		s := e.Start
		if s == 0 {
			s = NoTime
		}
		b.start = append(b.start, s)
	}
	if e.Phase != PhaseNone && b.phase == nil {
		b.phase = make([]Phase, n, cap(b.activity))
	}
	if b.phase != nil {
		b.phase = append(b.phase, e.Phase)
	}
	for i := range b.eventCols {
		var v uint32
		if i < len(e.Attrs) {
			v = e.Attrs[i]
		}
		b.eventCols[i].Values = append(b.eventCols[i].Values, v)
	}
}

// Build sorts the events by case, then time (ties in input order, or by the
// order column), counts duplicate rows and returns the log with the notes a
// reader should pass on as warnings. The builder must not be used again.
func (b *Builder) Build() (*Log, []string) {
	var notes []string
	if b.lifecycle >= 0 {
		notes = append(notes, b.applyLifecycle()...)
	}
	perm := b.sortOrder()
	l := &Log{
		Strings:  b.strs,
		CaseID:   b.caseID,
		Offsets:  make([]uint32, len(b.caseID)+1),
		Activity: permute(b.activity, perm),
		Resource: permute(b.resource, perm),
		Time:     permute(b.time, perm),
	}
	if b.start != nil {
		l.Start = permute(b.start, perm)
	}
	if b.phase != nil {
		l.Phase = permute(b.phase, perm)
	}
	for _, c := range b.caseOf {
		l.Offsets[c+1]++
	}
	for c := range b.caseID {
		l.Offsets[c+1] += l.Offsets[c]
	}
	b.caseOf = nil
	for _, col := range b.eventCols {
		l.EventAttrs = append(l.EventAttrs, Column{Name: col.Name, Values: permute(col.Values, perm)})
	}
	l.CaseAttrs = b.caseCols
	l.dropEmptyCases()
	if b.PromoteConstant {
		l.promoteConstant()
	}
	l.DuplicateRows = l.countDuplicates()
	b.index, b.cases = nil, nil
	return l, notes
}

// dropEmptyCases removes cases without events (a reader may make a case
// and then skip every row of it), so that every case has a first and a
// last event.
func (l *Log) dropEmptyCases() {
	empty := false
	for c := range l.CaseID {
		if l.Offsets[c] == l.Offsets[c+1] {
			empty = true
			break
		}
	}
	if !empty {
		return
	}
	keep := 0
	for c := range l.CaseID {
		if l.Offsets[c] == l.Offsets[c+1] {
			continue
		}
		l.CaseID[keep] = l.CaseID[c]
		l.Offsets[keep+1] = l.Offsets[c+1]
		for i := range l.CaseAttrs {
			l.CaseAttrs[i].Values[keep] = l.CaseAttrs[i].Values[c]
		}
		keep++
	}
	l.CaseID = l.CaseID[:keep]
	l.Offsets = l.Offsets[:keep+1]
	for i := range l.CaseAttrs {
		l.CaseAttrs[i].Values = l.CaseAttrs[i].Values[:keep]
	}
}

// applyLifecycle turns the lifecycle column into phases if every value in
// it is standard, else leaves it as an attribute and says why.
func (b *Builder) applyLifecycle() []string {
	col := &b.eventCols[b.lifecycle]
	phases := make([]Phase, len(b.strs))
	bad := map[uint32]int{}
	seen := make([]bool, len(b.strs))
	for _, v := range col.Values {
		if v == 0 || seen[v] {
			continue
		}
		seen[v] = true
		if p, ok := PhaseOf(b.strs[v]); ok {
			phases[v] = p
		} else {
			bad[v]++
		}
	}
	if len(bad) > 0 {
		examples := make([]string, 0, len(bad))
		for v := range bad {
			examples = append(examples, strconv.Quote(b.strs[v]))
		}
		slices.Sort(examples)
		if len(examples) > 3 {
			examples = append(examples[:3], "…")
		}
		return []string{fmt.Sprintf("column %q holds values that are not standard XES lifecycle transitions (%s); it is kept as an attribute, not used as lifecycle",
			col.Name, strings.Join(examples, ", "))}
	}
	b.phase = make([]Phase, len(col.Values))
	for i, v := range col.Values {
		b.phase[i] = phases[v]
	}
	b.eventCols = slices.Delete(b.eventCols, b.lifecycle, b.lifecycle+1)
	if b.order > b.lifecycle {
		b.order--
	}
	b.lifecycle = -1
	return nil
}

// sortOrder returns the input index of each sorted position: a counting sort
// by case (cases in order of first appearance), then a stable sort of each
// case by time where the input was not already in order.
func (b *Builder) sortOrder() []uint32 {
	n := len(b.activity)
	next := make([]uint32, len(b.caseID)+1)
	for _, c := range b.caseOf {
		next[c+1]++
	}
	for c := 1; c < len(next); c++ {
		next[c] += next[c-1]
	}
	perm := make([]uint32, n)
	for i, c := range b.caseOf {
		perm[next[c]] = uint32(i)
		next[c]++
	}
	less := func(x, y uint32) int {
		if d := cmpInt(b.time[x], b.time[y]); d != 0 {
			return d
		}
		if b.order >= 0 {
			return b.compareValues(b.eventCols[b.order].Values[x], b.eventCols[b.order].Values[y])
		}
		return 0
	}
	from := 0
	for c := range b.caseID {
		to := int(next[c])
		part := perm[from:to]
		if !slices.IsSortedFunc(part, less) {
			slices.SortStableFunc(part, less)
		}
		from = to
	}
	return perm
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareValues orders two interned values as numbers if both are, else as
// text; an absent value comes first.
func (b *Builder) compareValues(x, y uint32) int {
	if x == y {
		return 0
	}
	fx, ex := strconv.ParseFloat(b.strs[x], 64)
	fy, ey := strconv.ParseFloat(b.strs[y], 64)
	if ex == nil && ey == nil {
		switch {
		case fx < fy:
			return -1
		case fx > fy:
			return 1
		}
		return 0
	}
	return strings.Compare(b.strs[x], b.strs[y])
}

func permute[T any](col []T, perm []uint32) []T {
	out := make([]T, len(perm))
	for i, p := range perm {
		out[i] = col[p]
	}
	return out
}

// promoteConstant moves event columns that are constant within every case
// to the case attributes.
func (l *Log) promoteConstant() {
	kept := l.EventAttrs[:0]
	for _, col := range l.EventAttrs {
		if l.CaseAttr(col.Name) != nil || !constantPerCase(l.Offsets, col.Values) {
			kept = append(kept, col)
			continue
		}
		vals := make([]uint32, l.Cases())
		for c := range vals {
			if from := l.Offsets[c]; from < l.Offsets[c+1] {
				vals[c] = col.Values[from]
			}
		}
		l.CaseAttrs = append(l.CaseAttrs, Column{Name: col.Name, Values: vals})
	}
	clear(l.EventAttrs[len(kept):])
	l.EventAttrs = kept
}

func constantPerCase(offsets []uint32, vals []uint32) bool {
	for c := 0; c+1 < len(offsets); c++ {
		from, to := offsets[c], offsets[c+1]
		for i := from + 1; i < to; i++ {
			if vals[i] != vals[from] {
				return false
			}
		}
	}
	return true
}

// countDuplicates counts events equal in every column to an earlier event
// of their case at the same time. Equal rows sort next to each other in
// time, so only runs of equal times are compared.
func (l *Log) countDuplicates() int {
	dups := 0
	for c := range l.CaseID {
		from, to := l.Case(c)
		for i := from; i < to; {
			j := i + 1
			for j < to && l.Time[j] == l.Time[i] {
				j++
			}
			for k := i + 1; k < j; k++ {
				for m := i; m < k; m++ {
					if l.sameEvent(m, k) {
						dups++
						break
					}
				}
			}
			i = j
		}
	}
	return dups
}

func (l *Log) sameEvent(a, b int) bool {
	if l.Activity[a] != l.Activity[b] || l.Resource[a] != l.Resource[b] || l.Time[a] != l.Time[b] {
		return false
	}
	if l.Start != nil && l.Start[a] != l.Start[b] || l.Phase != nil && l.Phase[a] != l.Phase[b] {
		return false
	}
	for _, col := range l.EventAttrs {
		if col.Values[a] != col.Values[b] {
			return false
		}
	}
	return true
}
