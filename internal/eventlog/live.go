package eventlog

import (
	"slices"
	"strconv"

	svcflow "github.com/svcflow/svcflow"
)

// Activities that ItemLog gives the item-level events, beside the step ids
// of the visit events. ActivityResolved is the resolution point analyses
// measure time_to_resolve to (SPEC §3).
const (
	ActivityCreated   = "created"
	ActivityResolved  = "resolved"
	ActivityReopened  = "reopened"
	ActivityClosed    = "closed"
	ActivityCancelled = "cancelled"
	ActivityValue     = "value"
)

// The case and event attributes ItemLog writes.
const (
	AttrTeam     = "org:group" // the team whose queue the visit is in, on every visit event
	AttrOutcome  = "outcome"   // the outcome a completion chose
	AttrKind     = "kind"
	AttrStream   = "stream"
	AttrService  = "service"
	AttrPriority = "priority"
	AttrOrg      = "organisation"
	AttrScore    = "score" // the requester's satisfaction, 1 to 5, the last one given
	// AttrFeedbackAsked is "true" on items whose requester was asked for
	// feedback (svcflow samples them per stream).
	AttrFeedbackAsked = "feedback_asked"
)

// ItemLog builds a compact log from svcflow's own events, the live store's
// reader: a case per work item, the visit events as lifecycle transitions
// of their step (the same mapping as the XES export, see Lifecycle), and
// the item's creation, resolution, reopening, closing and value as events
// without a lifecycle. Comments, links and other events that neither move
// work nor change what it is are left out.
type ItemLog struct {
	b                                    *Builder
	team, outcome                        int
	kind, stream, service, priority, org int
	score, asked                         int
	teamOf                               map[uint32]uint32 // case → team of its current visit
	attrs                                []uint32
}

// NewItemLog returns an empty ItemLog.
func NewItemLog() *ItemLog {
	b := NewBuilder()
	x := &ItemLog{b: b, teamOf: map[uint32]uint32{}}
	x.team, x.outcome = b.EventColumn(AttrTeam), b.EventColumn(AttrOutcome)
	x.kind, x.stream, x.service = b.CaseColumn(AttrKind), b.CaseColumn(AttrStream), b.CaseColumn(AttrService)
	x.priority, x.org, x.score = b.CaseColumn(AttrPriority), b.CaseColumn(AttrOrg), b.CaseColumn(AttrScore)
	x.asked = b.CaseColumn(AttrFeedbackAsked)
	x.attrs = make([]uint32, 2)
	return x
}

// Add adds one event; events of one item must come in version order.
func (x *ItemLog) Add(e svcflow.Event) {
	if e.Item == svcflow.KnowledgeSubject {
		return // knowledge base events belong to no work item
	}
	b := x.b
	// The case is made only for an event that is kept: the store's log also
	// holds configuration events, which belong to no work item.
	var c uint32
	caseOf := func() uint32 { return b.Case(b.InternString(e.Item)) }
	var activity string
	phase := PhaseNone
	x.attrs[x.team], x.attrs[x.outcome] = 0, 0
	switch {
	case e.Type == svcflow.EventCreated:
		c = caseOf()
		activity = ActivityCreated
		x.setCase(c, x.kind, string(e.Data.Kind))
		x.setCase(c, x.stream, e.Data.Stream)
		x.setCase(c, x.service, e.Data.Service)
		x.setCase(c, x.priority, string(e.Data.Priority))
		x.setCase(c, x.org, e.Data.Organisation)
	case e.Type.IsStepEvent():
		c = caseOf()
		t, _ := Lifecycle(e.Type)
		phase, _ = PhaseOf(string(t))
		activity = e.Step
		if e.Data.Team != "" {
			x.teamOf[c] = b.InternString(e.Data.Team)
		}
		x.attrs[x.team] = x.teamOf[c]
		if e.Type == svcflow.EventStepCompleted {
			x.attrs[x.outcome] = b.InternString(e.Data.Outcome)
		}
	case e.Type == svcflow.EventStatusChanged && e.After == string(svcflow.StatusResolved):
		c, activity = caseOf(), ActivityResolved
	case e.Type == svcflow.EventStatusChanged && e.After == string(svcflow.StatusClosed):
		c, activity = caseOf(), ActivityClosed
	case e.Type == svcflow.EventStatusChanged && e.After == string(svcflow.StatusCancelled):
		c, activity = caseOf(), ActivityCancelled
	case e.Type == svcflow.EventReopened:
		c, activity = caseOf(), ActivityReopened
	case e.Type == svcflow.EventValueReached:
		c, activity = caseOf(), ActivityValue
	case e.Type == svcflow.EventRerouted:
		// The item counts for the stream it ends in.
		x.setCase(caseOf(), x.stream, e.Data.Stream)
		return
	case e.Type == svcflow.EventReclassified && e.Data.Kind != "":
		x.setCase(caseOf(), x.kind, string(e.Data.Kind))
		return
	case e.Type == svcflow.EventFieldChanged && e.Data.Field == "priority":
		x.setCase(caseOf(), x.priority, e.After)
		return
	case e.Type == svcflow.EventFeedbackRequested:
		x.setCase(caseOf(), x.asked, "true")
		return
	case e.Type == svcflow.EventFeedback && e.Data.Score > 0:
		x.setCase(caseOf(), x.score, strconv.Itoa(e.Data.Score))
		return
	case e.Type == svcflow.EventFieldChanged && e.Data.Field == "service":
		x.setCase(caseOf(), x.service, e.After)
		return
	default:
		return
	}
	resource := e.Data.Person
	if resource == "" && e.Type == svcflow.EventStepCompleted {
		resource = e.Actor
	}
	b.Add(Event{Case: c, Activity: b.InternString(activity), Resource: b.InternString(resource),
		Time: e.Time.UnixNano(), Phase: phase, Attrs: x.attrs})
}

// ReadItemLog builds the log of svcflow's own events, read page by page:
// page returns the events after a sequence number, in sequence order, and
// an empty page at the end.
func ReadItemLog(page func(after int64) ([]svcflow.Event, error)) (*Log, error) {
	x := NewItemLog()
	var after int64
	for {
		evs, err := page(after)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			return x.Build(), nil
		}
		for _, ev := range evs {
			x.Add(ev)
		}
		after = evs[len(evs)-1].Seq
	}
}

func (x *ItemLog) setCase(c uint32, col int, v string) {
	if v != "" {
		x.b.SetCaseAttr(c, col, x.b.InternString(v))
	}
}

// Build returns the log. The ItemLog must not be used again.
func (x *ItemLog) Build() *Log {
	l, _ := x.b.Build() // every lifecycle value is standard: no notes
	return l
}

// SelectCases returns a log of the cases keep accepts, sharing l's strings.
func (l *Log) SelectCases(keep func(c int) bool) *Log {
	out := &Log{Strings: l.Strings, Offsets: []uint32{0}}
	var idx []int
	for c := range l.CaseID {
		if keep(c) {
			idx = append(idx, c)
		}
	}
	n := 0
	for _, c := range idx {
		from, to := l.Case(c)
		n += to - from
	}
	out.Activity = make([]uint32, 0, n)
	out.Resource = make([]uint32, 0, n)
	out.Time = make([]int64, 0, n)
	if l.Start != nil {
		out.Start = make([]int64, 0, n)
	}
	if l.Phase != nil {
		out.Phase = make([]Phase, 0, n)
	}
	out.EventAttrs = make([]Column, len(l.EventAttrs))
	for i, col := range l.EventAttrs {
		out.EventAttrs[i] = Column{Name: col.Name, Values: make([]uint32, 0, n)}
	}
	out.CaseAttrs = make([]Column, len(l.CaseAttrs))
	for i, col := range l.CaseAttrs {
		out.CaseAttrs[i] = Column{Name: col.Name, Values: make([]uint32, 0, len(idx))}
	}
	for _, c := range idx {
		from, to := l.Case(c)
		out.CaseID = append(out.CaseID, l.CaseID[c])
		out.Activity = append(out.Activity, l.Activity[from:to]...)
		out.Resource = append(out.Resource, l.Resource[from:to]...)
		out.Time = append(out.Time, l.Time[from:to]...)
		if l.Start != nil {
			out.Start = append(out.Start, l.Start[from:to]...)
		}
		if l.Phase != nil {
			out.Phase = append(out.Phase, l.Phase[from:to]...)
		}
		for i, col := range l.EventAttrs {
			out.EventAttrs[i].Values = append(out.EventAttrs[i].Values, col.Values[from:to]...)
		}
		for i, col := range l.CaseAttrs {
			out.CaseAttrs[i].Values = append(out.CaseAttrs[i].Values, col.Values[c])
		}
		out.Offsets = append(out.Offsets, uint32(len(out.Activity)))
	}
	out.DuplicateRows = out.countDuplicates()
	return out
}

// ItemFilter selects the work items of a log that ItemLog built; zero
// fields select everything.
type ItemFilter struct {
	Stream, Service, Team string
	Kinds                 []string
	From, To              int64 // creation at or after From, before To (Unix nanoseconds; 0 unbounded)
}

// SelectItems returns the items f selects: by their stream, service and
// kind, by a team whose queue they passed through, and by when they were
// created.
func (l *Log) SelectItems(f ItemFilter) *Log {
	attr := func(name string) []uint32 {
		if c := l.CaseAttr(name); c != nil {
			return c.Values
		}
		return make([]uint32, l.Cases())
	}
	stream, service, kind := attr(AttrStream), attr(AttrService), attr(AttrKind)
	var teamCases []bool
	if f.Team != "" {
		teamCases = make([]bool, l.Cases())
		if col := l.EventAttr(AttrTeam); col != nil {
			for c := range l.CaseID {
				from, to := l.Case(c)
				for i := from; i < to && !teamCases[c]; i++ {
					teamCases[c] = l.Str(col.Values[i]) == f.Team
				}
			}
		}
	}
	return l.SelectCases(func(c int) bool {
		from, _ := l.Case(c)
		created := l.Time[from]
		return (f.Stream == "" || l.Str(stream[c]) == f.Stream) &&
			(f.Service == "" || l.Str(service[c]) == f.Service) &&
			(len(f.Kinds) == 0 || slices.Contains(f.Kinds, l.Str(kind[c]))) &&
			(teamCases == nil || teamCases[c]) &&
			(f.From == 0 || created >= f.From) && (f.To == 0 || created < f.To)
	})
}

// Finished returns the items that have reached value, or were closed or
// cancelled: the ones whose path through their stream is complete, which
// is what conformance should judge (an open item has simply not done its
// later steps yet).
func (l *Log) Finished() *Log {
	end := make([]bool, len(l.Strings))
	for i, s := range l.Strings {
		end[i] = s == ActivityValue || s == ActivityClosed || s == ActivityCancelled
	}
	return l.SelectCases(func(c int) bool {
		from, to := l.Case(c)
		for i := from; i < to; i++ {
			if end[l.Activity[i]] && (l.Phase == nil || l.Phase[i] == PhaseNone) {
				return true
			}
		}
		return false
	})
}
