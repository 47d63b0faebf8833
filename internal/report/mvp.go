package report

import (
	"cmp"
	"slices"

	"github.com/svcflow/svcflow"
)

// MVPRow is one row of the minimum viable practice table (003 Tables 4.4 and
// 4.5): what one practice contributes to one step of one stream.
type MVPRow struct {
	Stream       string           `json:"stream"`
	StreamName   string           `json:"stream_name"`
	Step         int              `json:"step"`
	StepID       string           `json:"step_id"`
	StepName     string           `json:"step_name"`
	Activity     svcflow.Activity `json:"activity"`
	Practice     string           `json:"practice"`
	Contribution string           `json:"contribution"`
	Source       string           `json:"source,omitempty"`
}

// MVP consolidates the contributions of one practice (or of every practice,
// when practice is empty) across the given streams: one row per (stream,
// step, practice), ordered by practice catalogue order, then stream order,
// then step number. A practice listed twice on one step gives one row.
func MVP(streams []*svcflow.ValueStream, practice string) []MVPRow {
	rank := map[string]int{}
	for i, id := range svcflow.PracticeIDs() {
		rank[id] = i
	}
	type key struct {
		stream, step, practice string
	}
	seen := map[key]bool{}
	var rows []MVPRow
	for _, s := range streams {
		steps := slices.Clone(s.Steps)
		slices.SortStableFunc(steps, func(a, b svcflow.Step) int { return a.Number - b.Number })
		for _, st := range steps {
			for _, pc := range st.Practices {
				if practice != "" && pc.Practice != practice {
					continue
				}
				k := key{s.ID, st.ID, pc.Practice}
				if seen[k] {
					continue
				}
				seen[k] = true
				rows = append(rows, MVPRow{
					Stream: s.ID, StreamName: s.Name,
					Step: st.Number, StepID: st.ID, StepName: st.Name, Activity: st.Activity,
					Practice: pc.Practice, Contribution: pc.Contribution, Source: pc.Source,
				})
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b MVPRow) int { return rank[a.Practice] - rank[b.Practice] })
	return rows
}

// CoverageRow counts, for one practice, the steps of each activity it
// supports, across the given streams.
type CoverageRow struct {
	Practice string                   `json:"practice"`
	Name     string                   `json:"name"`
	Group    svcflow.PracticeGroup    `json:"group"`
	Counts   map[svcflow.Activity]int `json:"counts"`
	Total    int                      `json:"total"`
}

// Coverage builds the practice × activity matrix: for each of the 34
// practices, how many steps of each activity it contributes to. A step
// counts under its own activity; an action or task that names a practice
// counts that practice under the action's or task's activity (its step's
// when it names none). Each (stream, step, practice, activity) counts once.
func Coverage(streams []*svcflow.ValueStream) []CoverageRow {
	rows := make([]CoverageRow, 0, 34)
	index := map[string]int{}
	for i, p := range svcflow.Practices() {
		index[p.ID] = i
		counts := map[svcflow.Activity]int{}
		for _, a := range svcflow.Activities() {
			counts[a.ID] = 0
		}
		rows = append(rows, CoverageRow{Practice: p.ID, Name: p.Name, Group: p.Group, Counts: counts})
	}
	type key struct {
		stream, step, practice string
		activity               svcflow.Activity
	}
	seen := map[key]bool{}
	add := func(s *svcflow.ValueStream, st *svcflow.Step, practice string, act svcflow.Activity) {
		i, ok := index[practice]
		if !ok || !act.IsValid() {
			return
		}
		k := key{s.ID, st.ID, practice, act}
		if seen[k] {
			return
		}
		seen[k] = true
		rows[i].Counts[act]++
		rows[i].Total++
	}
	for _, s := range streams {
		for i := range s.Steps {
			st := &s.Steps[i]
			for _, pc := range st.Practices {
				add(s, st, pc.Practice, st.Activity)
			}
			for _, a := range st.Actions {
				actAct := cmp.Or(a.Activity, st.Activity)
				if a.Practice != "" {
					add(s, st, a.Practice, actAct)
				}
				for _, t := range a.Tasks {
					if t.Practice != "" {
						add(s, st, t.Practice, cmp.Or(t.Activity, actAct))
					}
				}
			}
		}
	}
	return rows
}
