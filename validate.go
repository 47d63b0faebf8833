package svcflow

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Severity says whether a diagnostic makes a definition invalid.
type Severity string

// The severities of a problem.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one thing wrong with a definition. Path is the field path in the
// definition's own field names (`steps[1].next[0].to`), so a file format can
// point at the line it came from.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Stream   string   `json:"stream,omitempty"` // set by ValidateSet for problems between streams
	Path     string   `json:"path"`
	Message  string   `json:"message"` // what is wrong and what was expected
	Hint     string   `json:"hint,omitempty"`
}

func (p Diagnostic) String() string {
	s := string(p.Severity) + ": " + p.Path + ": " + p.Message
	if p.Hint != "" {
		s += " (" + p.Hint + ")"
	}
	return s
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Diagnostic) bool {
	return slices.ContainsFunc(ps, func(p Diagnostic) bool { return p.Severity == SeverityError })
}

// ProbabilityTolerance is how far the probabilities of a step's transitions
// may add up from 1.
const ProbabilityTolerance = 1e-9

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// IsKebab reports whether s is a kebab-case id: lower-case letters and
// digits in words joined by single hyphens.
func IsKebab(s string) bool { return kebab.MatchString(s) }

type checker struct{ problems []Diagnostic }

func (c *checker) errorf(path, hint, format string, args ...any) {
	c.problems = append(c.problems, Diagnostic{Severity: SeverityError, Path: path, Message: fmt.Sprintf(format, args...), Hint: hint})
}

func (c *checker) warnf(path, hint, format string, args ...any) {
	c.problems = append(c.problems, Diagnostic{Severity: SeverityWarning, Path: path, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// didYouMean returns a hint naming the closest option, or "".
func didYouMean(word string, options []string) string {
	if s := Suggest(word, options); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// Validate checks one stream on its own and returns every problem found, in
// the order of the definition. Checks between streams (routing ties, spawn
// targets) are ValidateSet's.
func (s *ValueStream) Validate() []Diagnostic {
	c := &checker{}
	if s.Schema != SchemaV1 {
		c.errorf("schema", "", "unknown schema %q; expected %q", s.Schema, SchemaV1)
	}
	c.checkID("id", s.ID, "stream id")
	if s.Revision < 1 {
		c.errorf("revision", "", "revision %d; expected a whole number of at least 1", s.Revision)
	}
	if strings.TrimSpace(s.Name) == "" {
		c.errorf("name", "", "missing name; expected the value stream's name")
	}
	c.checkDuration("target_lead_time", s.TargetLeadTime)
	for i, k := range s.AppliesTo.Kinds {
		if !k.IsValid() {
			c.errorf(fmt.Sprintf("applies_to.kinds[%d]", i), didYouMean(string(k), KindIDs()), "unknown kind %q; expected one of %s", k, strings.Join(KindIDs(), ", "))
		}
	}
	if len(s.Steps) == 0 {
		c.errorf("steps", "", "no steps; expected at least one")
		return c.problems
	}

	ids := make([]string, 0, len(s.Steps))
	seenID := map[string]int{}
	seenNumber := map[int]int{}
	for i, st := range s.Steps {
		p := fmt.Sprintf("steps[%d]", i)
		if st.ID == End || st.ID == CancelOnReject {
			c.errorf(p+".id", "", "step id %q is reserved; choose another", st.ID)
		} else if c.checkID(p+".id", st.ID, "step id") {
			if j, dup := seenID[st.ID]; dup {
				c.errorf(p+".id", "", "duplicate step id %q; steps[%d] has it already", st.ID, j)
			} else {
				seenID[st.ID] = i
			}
		}
		ids = append(ids, st.ID)
		if st.Number < 1 {
			c.errorf(p+".number", "", "step number %d; expected a whole number of at least 1", st.Number)
		} else if j, dup := seenNumber[st.Number]; dup {
			c.errorf(p+".number", "", "duplicate step number %d; steps[%d] has it already", st.Number, j)
		} else {
			seenNumber[st.Number] = i
		}
	}
	targets := append(slices.Clone(ids), End)

	for i := range s.Steps {
		c.checkStep(fmt.Sprintf("steps[%d]", i), &s.Steps[i], ids, targets)
	}

	names := make([]string, 0, len(s.EntryPoints))
	for name := range s.EntryPoints {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if id := s.EntryPoints[name]; s.Step(id) == nil {
			c.errorf("entry_points."+name, didYouMean(id, ids), "entry point %q names unknown step %q", name, id)
		}
	}
	if f := s.FeedbackSample; f != nil && !(*f >= 0 && *f <= 1) {
		c.errorf("feedback_sample", "", "feedback_sample %v; expected a share from 0 (ask no one) to 1 (ask every requester)", *f)
	}
	if s.ReopenTo == "" {
		c.errorf("reopen_to", "", "missing reopen_to; expected the id of the step a reopened item re-enters")
	} else if s.Step(s.ReopenTo) == nil {
		c.errorf("reopen_to", didYouMean(s.ReopenTo, ids), "reopen_to names unknown step %q", s.ReopenTo)
	}

	if !HasErrors(c.problems) {
		c.checkGraph(s)
	}
	return c.problems
}

func (c *checker) checkID(path, id, what string) bool {
	switch {
	case id == "":
		c.errorf(path, "", "missing %s", what)
		return false
	case !IsKebab(id):
		c.errorf(path, "", "%s %q is not kebab-case; expected lower-case words joined by hyphens, like %q", what, id, "obtain-fix")
		return false
	}
	return true
}

func (c *checker) checkDuration(path string, d Duration) {
	if d.Calendar < 0 || d.BusinessDays < 0 || math.IsNaN(d.BusinessDays) || math.IsInf(d.BusinessDays, 0) {
		c.errorf(path, "", "duration %s is not positive; expected a positive duration like 30m, 4h, 2d or 3bd", d)
	}
}

func (c *checker) checkActivity(path string, a Activity, required bool) {
	if a == "" {
		if required {
			c.errorf(path, "", "missing activity; expected one of %s", strings.Join(ActivityIDs(), ", "))
		}
		return
	}
	if !a.IsValid() {
		c.errorf(path, didYouMean(string(a), ActivityIDs()), "unknown activity %q; expected one of %s", a, strings.Join(ActivityIDs(), ", "))
	}
}

func (c *checker) checkPractice(path, id string) {
	if _, ok := PracticeByID(id); !ok {
		hint := didYouMean(id, PracticeIDs())
		if hint == "" {
			hint = "see `svcflow streams practices` for the 34 ids"
		}
		c.errorf(path, hint, "unknown practice %q; expected a practice id in kebab-case", id)
	}
}

func (c *checker) checkStep(p string, st *Step, ids, targets []string) {
	if strings.TrimSpace(st.Name) == "" {
		c.errorf(p+".name", "", "missing name; expected the step's plain-language name")
	}
	c.checkActivity(p+".activity", st.Activity, true)
	c.checkDuration(p+".target_lead_time", st.TargetLeadTime)
	for j, pc := range st.Practices {
		pp := fmt.Sprintf("%s.practices[%d]", p, j)
		c.checkPractice(pp+".practice", pc.Practice)
		if strings.TrimSpace(pc.Contribution) == "" {
			c.errorf(pp+".contribution", "", "missing contribution; expected how %s helps this step, in one sentence", pc.Practice)
		}
	}
	if strings.TrimSpace(st.RACI.Accountable) == "" {
		c.errorf(p+".raci.accountable", "", "step %q has no accountable; expected exactly one role, team or person", st.ID)
	}
	if st.WIPLimit < 0 {
		c.errorf(p+".wip_limit", "", "WIP limit %d; expected a whole number of at least 1, or none", st.WIPLimit)
	}
	for j, a := range st.Actions {
		ap := fmt.Sprintf("%s.actions[%d]", p, j)
		if strings.TrimSpace(a.Name) == "" {
			c.errorf(ap+".name", "", "missing action name")
		}
		c.checkActivity(ap+".activity", a.Activity, false)
		if a.Practice != "" {
			c.checkPractice(ap+".practice", a.Practice)
		}
		for k, t := range a.Tasks {
			tp := fmt.Sprintf("%s.tasks[%d]", ap, k)
			if strings.TrimSpace(t.Name) == "" {
				c.errorf(tp+".name", "", "missing task name")
			}
			c.checkActivity(tp+".activity", t.Activity, false)
			if t.Practice != "" {
				c.checkPractice(tp+".practice", t.Practice)
			}
		}
	}
	if st.RequireTasks && !slices.ContainsFunc(st.Actions, func(a Action) bool { return len(a.Tasks) > 0 }) {
		c.errorf(p+".require_tasks", "", "require_tasks is set but the step has no tasks")
	}

	outcomes := st.ChoosableOutcomes()
	seen := map[string]bool{}
	for j, o := range st.Outcomes {
		op := fmt.Sprintf("%s.outcomes[%d]", p, j)
		switch {
		case o == "" || strings.ContainsAny(o, " \t"):
			c.errorf(op, "", "outcome %q; expected a word like fixed or not_fixed", o)
		case o == Otherwise:
			c.errorf(op, "", "outcome %q is reserved for transitions", o)
		case seen[o]:
			c.errorf(op, "", "duplicate outcome %q", o)
		}
		seen[o] = true
	}
	if st.Approval != nil && len(st.Outcomes) > 0 && !slices.Contains(st.Outcomes, Approved) {
		c.errorf(p+".outcomes", "", "approval step declares outcomes without %q; expected %q among them, as the engine completes the step with it", Approved, Approved)
	}
	c.checkApproval(p, st, ids)
	c.checkTransitions(p, st, outcomes, targets)
	for j, sp := range st.Spawn {
		sp2 := fmt.Sprintf("%s.spawn[%d]", p, j)
		if !sp.Kind.IsValid() {
			c.errorf(sp2+".kind", didYouMean(string(sp.Kind), KindIDs()), "unknown kind %q; expected one of %s", sp.Kind, strings.Join(KindIDs(), ", "))
		}
		if sp.Stream == "" {
			c.errorf(sp2+".stream", "", "missing stream; expected the id of the stream the spawned item enters")
		}
		if sp.When != "" && !slices.Contains(outcomes, sp.When) {
			c.errorf(sp2+".when", didYouMean(sp.When, outcomes), "spawn on outcome %q, which step %q does not declare; expected one of %s", sp.When, st.ID, listOrNone(outcomes))
		}
		if sp.WaitFor != "" && sp.WaitFor != End {
			c.errorf(sp2+".wait_for", "", "wait_for %q; expected %q or nothing", sp.WaitFor, End)
		}
		if sp.WaitFor != "" && sp.When != "" {
			c.errorf(sp2+".wait_for", "drop when to spawn on entry and wait, or drop wait_for", "a spawn on completion (when %q) cannot hold up that completion", sp.When)
		}
	}
}

func (c *checker) checkApproval(p string, st *Step, ids []string) {
	a := st.Approval
	if a == nil {
		return
	}
	ap := p + ".approval"
	if len(a.Approvers) == 0 {
		c.errorf(ap+".approvers", "", "no approvers; expected at least one of {role: …}, {team: …} or {person: …}")
	}
	for j, who := range a.Approvers {
		set := 0
		for _, v := range []string{who.Role, who.Team, who.Person, who.Rule} {
			if v != "" {
				set++
			}
		}
		if set != 1 {
			c.errorf(fmt.Sprintf("%s.approvers[%d]", ap, j), "", "approver names %d of role, team, person and rule; expected exactly one", set)
		}
	}
	if a.Quorum != QuorumAll && a.Quorum < 1 {
		c.errorf(ap+".quorum", "", "quorum %d; expected a whole number of at least 1, or all", a.Quorum)
	}
	if a.AutoApprove != "" {
		if _, err := ParseCondition(a.AutoApprove); err != nil {
			c.errorf(ap+".auto_approve", "", "bad condition: %v", err)
		}
	}
	switch {
	case a.OnReject == "":
		c.errorf(ap+".on_reject", "", "missing on_reject; expected a step id or %q", CancelOnReject)
	case a.OnReject != CancelOnReject && !slices.Contains(ids, a.OnReject):
		c.errorf(ap+".on_reject", didYouMean(a.OnReject, append(slices.Clone(ids), CancelOnReject)), "on_reject names unknown step %q; expected a step id or %q", a.OnReject, CancelOnReject)
	}
}

func (c *checker) checkTransitions(p string, st *Step, outcomes, targets []string) {
	if len(st.Next) == 0 {
		c.errorf(p+".next", "", "step %q has no transitions; expected at least one (to a step or to %q)", st.ID, End)
		return
	}
	for j, t := range st.Next {
		tp := fmt.Sprintf("%s.next[%d]", p, j)
		if t.To == "" {
			c.errorf(tp+".to", "", "missing to; expected a step id or %q", End)
		} else if !slices.Contains(targets, t.To) {
			c.errorf(tp+".to", didYouMean(t.To, targets), "transition to unknown step %q; expected a step id or %q", t.To, End)
		}
		if t.Probability < 0 || t.Probability > 1 || math.IsNaN(t.Probability) {
			c.errorf(tp+".probability", "", "probability %v; expected a number from 0 to 1", t.Probability)
		}
	}
	if len(st.Next) == 1 {
		t := st.Next[0]
		if t.When != "" && t.When != Otherwise && !slices.Contains(outcomes, t.When) {
			c.errorf(p+".next[0].when", didYouMean(t.When, outcomes), "transition on outcome %q, which step %q does not declare; expected one of %s", t.When, st.ID, listOrNone(outcomes))
		}
		if t.When != "" && t.When != Otherwise && len(outcomes) > 1 {
			c.errorf(p+".next", "", "only outcome %q leads anywhere; add transitions for the others or use otherwise", t.When)
		}
		if t.Probability != 0 && math.Abs(t.Probability-1) > ProbabilityTolerance {
			c.errorf(p+".next[0].probability", "", "the only transition has probability %v; expected 1 (or leave it out)", t.Probability)
		}
		return
	}

	named := map[string]int{}
	otherwise := -1
	var sum float64
	missing := 0
	for j, t := range st.Next {
		tp := fmt.Sprintf("%s.next[%d]", p, j)
		sum += t.Probability
		if t.Probability == 0 {
			missing++
		}
		switch {
		case t.When == "":
			c.errorf(tp+".when", "", "step %q has several transitions; expected each to name an outcome (one of %s) or %q in when", st.ID, listOrNone(outcomes), Otherwise)
		case t.When == Otherwise:
			if otherwise >= 0 {
				c.errorf(tp+".when", "", "a second %q; next[%d] has it already", Otherwise, otherwise)
			}
			otherwise = j
		case !slices.Contains(outcomes, t.When):
			c.errorf(tp+".when", didYouMean(t.When, outcomes), "transition on outcome %q, which step %q does not declare; expected one of %s", t.When, st.ID, listOrNone(outcomes))
		default:
			if k, dup := named[t.When]; dup {
				c.errorf(tp+".when", "", "outcome %q already leads elsewhere in next[%d]", t.When, k)
			}
			named[t.When] = j
		}
	}
	if missing == len(st.Next) {
		c.errorf(p+".next", "", "step %q has %d transitions without probabilities; expected a probability on each, summing to 1", st.ID, len(st.Next))
	} else if math.Abs(sum-1) > ProbabilityTolerance {
		c.errorf(p+".next", "", "probabilities of step %q sum to %v; expected 1", st.ID, roundForMessage(sum))
	}
	if otherwise < 0 {
		for _, o := range outcomes {
			if _, ok := named[o]; !ok {
				c.errorf(p+".next", "", "outcome %q of step %q has no transition; add one, or an %q transition", o, st.ID, Otherwise)
			}
		}
	}
}

func roundForMessage(f float64) float64 { return math.Round(f*1e9) / 1e9 }

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "(none declared)"
	}
	return strings.Join(xs, ", ")
}

// checkGraph checks reachability both ways and the step-target budget. It
// runs only on a stream whose ids and transitions are already sound.
func (c *checker) checkGraph(s *ValueStream) {
	index := map[string]int{}
	for i, st := range s.Steps {
		index[st.ID] = i
	}
	reached := map[string]bool{}
	var stack []string
	for _, id := range s.EntrySteps() {
		reached[id] = true
		stack = append(stack, id)
	}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, to := range s.Steps[index[id]].Successors() {
			if to != End && !reached[to] {
				reached[to] = true
				stack = append(stack, to)
			}
		}
	}
	for i, st := range s.Steps {
		if !reached[st.ID] {
			c.errorf(fmt.Sprintf("steps[%d]", i), "", "step %q cannot be reached from an entry point (%s)", st.ID, strings.Join(s.EntrySteps(), ", "))
		}
	}

	// Walk backwards from value: a step that cannot get there traps work.
	preds := map[string][]string{}
	for _, st := range s.Steps {
		for _, to := range st.Successors() {
			preds[to] = append(preds[to], st.ID)
		}
	}
	toValue := map[string]bool{End: true}
	stack = []string{End}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, from := range preds[id] {
			if !toValue[from] {
				toValue[from] = true
				stack = append(stack, from)
			}
		}
	}
	for i, st := range s.Steps {
		if !toValue[st.ID] {
			c.errorf(fmt.Sprintf("steps[%d]", i), "", "step %q can never reach %q; every path from it loops or stops", st.ID, End)
		}
	}

	if !s.TargetLeadTime.IsZero() {
		longest, path := LongestTargetPath(s)
		if longest > s.TargetLeadTime.Estimate() {
			c.warnf("target_lead_time", "raise the stream target or shorten step targets",
				"the longest path of step targets (%s: %s) exceeds the stream target %s",
				strings.Join(path, " → "), formatEstimate(longest), s.TargetLeadTime)
		}
	}
}

func formatEstimate(d time.Duration) string {
	return Duration{Calendar: d}.String()
}

// LongestTargetPath returns the longest sum of step target lead times along
// any path from an entry point to value, with loops left out (back edges
// found by a depth-first search from the entries are ignored), and the step
// ids along it. Steps without a target count as zero.
func LongestTargetPath(s *ValueStream) (time.Duration, []string) {
	back := BackEdges(s)
	memo := map[string]time.Duration{}
	nextOf := map[string]string{}
	var longest func(id string) time.Duration
	longest = func(id string) time.Duration {
		if id == End {
			return 0
		}
		if v, ok := memo[id]; ok {
			return v
		}
		memo[id] = 0 // guards against cycles the DFS classification missed
		st := s.Step(id)
		if st == nil {
			return 0
		}
		best, bestNext := time.Duration(0), ""
		for _, to := range st.Successors() {
			if back[[2]string{id, to}] {
				continue
			}
			if v := longest(to); bestNext == "" || v > best {
				best, bestNext = v, to
			}
		}
		memo[id] = st.TargetLeadTime.Estimate() + best
		nextOf[id] = bestNext
		return memo[id]
	}
	var max time.Duration
	var start string
	for _, id := range s.EntrySteps() {
		if v := longest(id); start == "" || v > max {
			max, start = v, id
		}
	}
	var path []string
	for id := start; id != "" && id != End && len(path) <= len(s.Steps); id = nextOf[id] {
		path = append(path, id)
	}
	return max, path
}

// BackEdges returns the transitions that close a loop: edges to a step on
// the current depth-first path, searching from the entry steps in order and
// following transitions in definition order. Drawings and path sums leave
// them out.
func BackEdges(s *ValueStream) map[[2]string]bool {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	back := map[[2]string]bool{}
	var visit func(id string)
	visit = func(id string) {
		state[id] = onPath
		if st := s.Step(id); st != nil {
			for _, to := range st.Successors() {
				if to == End {
					continue
				}
				switch state[to] {
				case onPath:
					back[[2]string{id, to}] = true
				case unseen:
					visit(to)
				}
			}
		}
		state[id] = done
	}
	for _, id := range s.EntrySteps() {
		if state[id] == unseen {
			visit(id)
		}
	}
	for _, st := range s.Steps {
		if state[st.ID] == unseen {
			visit(st.ID)
		}
	}
	return back
}
