package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
)

// A future state is the current one with named changes made in order (004
// ends every mapping with one). Each change is a small, checkable edit of a
// Model, so that a scenario says in words what differs from its baseline.

// The kinds of change.
const (
	// ChangeAddPeople adds People (negative: removes them) to Team, and to
	// each of its shifts: the people added work whenever the team works.
	ChangeAddPeople = "add_people"
	// ChangeWIPLimit sets Step's WIP limit to WIPLimit (0: no limit).
	ChangeWIPLimit = "wip_limit"
	// ChangeAutomate makes Step automated: it takes Duration, with no team
	// and no queue.
	ChangeAutomate = "automate"
	// ChangeRemoveStep removes Step: every route into it goes on to its
	// successors instead, in the proportions of its own routes (a route of
	// probability p into the step and a route of probability q out of it
	// make a route of probability p·q; the step's routes back to itself are
	// left out and the others scaled up). The step's successor becomes the
	// entry when the step was the entry; removing the only resolving step
	// of a class is refused.
	ChangeRemoveStep = "remove_step"
	// ChangeAutoApprove sets Step's auto-approve share to Share.
	ChangeAutoApprove = "auto_approve"
	// ChangeShiftLeft moves Share of Step's work to the team of the earlier
	// step To: every time work reaches Step, with probability Share it is
	// done instead by To's team, at a new step "STEP-by-TEAM" with Step's
	// routes and duration (or Duration, when the change gives one), and
	// Step is skipped. To must lead to Step by the routes; the steps in
	// between still happen.
	ChangeShiftLeft = "shift_left"
	// ChangeQueuePolicy sets Team's queue policy to Policy.
	ChangeQueuePolicy = "queue_policy"
	// ChangeArrivalRate sets Class's mean arrival rate to Rate (per second),
	// or multiplies it by Factor, keeping the shape of the arrival process
	// (a weekly profile keeps its peaks; inter-arrival times scale). Without
	// Class, Factor applies to every class.
	ChangeArrivalRate = "arrival_rate"
	// ChangeReworkShare sets the probability of the route from Step back to
	// To to Share, adding the route when there is none; the step's other
	// routes are scaled so that all still sum to 1.
	ChangeReworkShare = "rework_share"
)

// ChangeKinds returns the kinds of change, in the order the issue lists them.
func ChangeKinds() []string {
	return []string{ChangeAddPeople, ChangeWIPLimit, ChangeAutomate, ChangeRemoveStep, ChangeAutoApprove,
		ChangeShiftLeft, ChangeQueuePolicy, ChangeArrivalRate, ChangeReworkShare}
}

// Change is one named change to a model. Which fields a kind takes is in
// the kind's comment; a field the kind does not take must be zero.
//
// Step names a step of every class that has it, or of Class only; it may
// also be written "CLASS.STEP".
type Change struct {
	Kind     string  `json:"kind"`
	Name     string  `json:"name,omitempty"` // what the change is, for people
	Team     string  `json:"team,omitempty"`
	Class    string  `json:"class,omitempty"`
	Step     string  `json:"step,omitempty"`
	To       string  `json:"to,omitempty"`
	People   int     `json:"people,omitempty"`
	WIPLimit int     `json:"wip_limit,omitempty"`
	Share    float64 `json:"share,omitempty"`
	Duration *Dist   `json:"duration,omitempty"`
	Policy   string  `json:"policy,omitempty"`
	Rate     float64 `json:"rate,omitempty"` // per second
	Factor   float64 `json:"factor,omitempty"`
}

// changeShape is what fields, in the file's names, a kind takes and needs.
type changeShape struct {
	allowed, required []string
	capacity          bool // refused on a delay-only model
}

var changeShapes = map[string]changeShape{
	ChangeAddPeople:   {[]string{"team", "people"}, []string{"team", "people"}, true},
	ChangeWIPLimit:    {[]string{"class", "step", "limit"}, []string{"step", "limit"}, true},
	ChangeAutomate:    {[]string{"class", "step", "duration"}, []string{"step", "duration"}, false},
	ChangeRemoveStep:  {[]string{"class", "step"}, []string{"step"}, false},
	ChangeAutoApprove: {[]string{"class", "step", "share"}, []string{"step", "share"}, false},
	ChangeShiftLeft:   {[]string{"class", "step", "to", "share", "duration"}, []string{"step", "to", "share"}, true},
	ChangeQueuePolicy: {[]string{"team", "policy"}, []string{"team", "policy"}, true},
	ChangeArrivalRate: {[]string{"class", "rate", "factor"}, nil, false},
	ChangeReworkShare: {[]string{"class", "step", "to", "share"}, []string{"step", "to", "share"}, false},
}

// changeFieldOrder is the order fields are written in.
var changeFieldOrder = []string{"team", "class", "step", "to", "people", "limit", "share", "duration", "policy", "rate", "factor"}

// setFields returns the fields of c that are not zero, in the file's names.
func (c Change) setFields() map[string]bool {
	return map[string]bool{
		"team": c.Team != "", "class": c.Class != "", "step": c.Step != "", "to": c.To != "",
		"people": c.People != 0, "limit": c.WIPLimit != 0, "share": c.Share != 0, "duration": c.Duration != nil,
		"policy": c.Policy != "", "rate": c.Rate != 0, "factor": c.Factor != 0,
	}
}

// ChangeError is a change that cannot be made. Index is the change's place
// in the list given to Apply; Field the change's field at fault, in the
// file's names, or "" for the change as a whole.
type ChangeError struct {
	Index   int
	Kind    string
	Field   string
	Message string
	Hint    string
}

func (e *ChangeError) Error() string {
	p := fmt.Sprintf("changes[%d]", e.Index)
	if e.Field != "" {
		p += "." + e.Field
	}
	s := fmt.Sprintf("%s (%s): %s", p, e.Kind, e.Message)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func changeErr(field, hint, format string, args ...any) *ChangeError {
	return &ChangeError{Field: field, Hint: hint, Message: fmt.Sprintf(format, args...)}
}

// Apply makes the changes to a copy of m, in order, and returns the copy;
// m itself is untouched. A change that names what the model does not have,
// that would leave the model invalid, or that asks a delay-only model a
// capacity question (add_people, wip_limit, queue_policy, shift_left) is
// refused with a *ChangeError naming it by its index.
func Apply(m *Model, changes []Change) (*Model, error) {
	if ps := modelProblems(m); len(ps) > 0 {
		return nil, fmt.Errorf("the model to change is not valid: %s", ps[0].String())
	}
	out := cloneSimModel(m)
	for i, c := range changes {
		if err := applyChange(out, c); err != nil {
			err.Index, err.Kind = i, c.Kind
			return nil, err
		}
		if ps := modelProblems(out); len(ps) > 0 {
			return nil, &ChangeError{Index: i, Kind: c.Kind, Message: fmt.Sprintf("leaves the model invalid: %s: %s", ps[0].Path, ps[0].Message)}
		}
	}
	return out, nil
}

// changeProblem checks what a change says on its own, without a model.
func changeProblem(c Change) *ChangeError {
	shape, ok := changeShapes[c.Kind]
	if !ok {
		return changeErr("kind", simDidYouMean(c.Kind, ChangeKinds()), "unknown kind of change %q; expected one of %s", c.Kind, strings.Join(ChangeKinds(), ", "))
	}
	set := c.setFields()
	for _, f := range changeFieldOrder {
		if set[f] && !slices.Contains(shape.allowed, f) {
			return changeErr(f, "", "field %q does not apply to a %s change; it takes %s", f, c.Kind, strings.Join(shape.allowed, ", "))
		}
	}
	for _, f := range shape.required {
		// A zero limit or share is a value; the others must be given.
		if !set[f] && f != "limit" && f != "share" {
			return changeErr(f, "", "missing field %q; %s changes need %s", f, c.Kind, strings.Join(shape.required, ", "))
		}
	}
	switch {
	case c.WIPLimit < 0:
		return changeErr("limit", "", "WIP limit %d is negative; 0 removes the limit", c.WIPLimit)
	case !(c.Share >= 0 && c.Share <= 1):
		return changeErr("share", "", "share %v is outside [0, 1]", c.Share)
	case c.Kind == ChangeArrivalRate && (c.Rate != 0) == (c.Factor != 0):
		return changeErr("", "", "an arrival_rate change takes either rate (such as 0.6/h) or factor (such as 1.2), not both and not neither")
	case !(c.Rate >= 0) || math.IsInf(c.Rate, 0):
		return changeErr("rate", "", "rate %v is not a rate above 0", c.Rate)
	case !(c.Factor >= 0) || math.IsInf(c.Factor, 0):
		return changeErr("factor", "", "factor %v is not a number above 0", c.Factor)
	}
	if c.Duration != nil {
		var ps []svcflow.Diagnostic
		bad := func(p, hint, format string, args ...any) {
			ps = append(ps, svcflow.Diagnostic{Path: p, Message: fmt.Sprintf(format, args...), Hint: hint})
		}
		distProblems("duration", *c.Duration, bad, spanChecker(bad))
		if len(ps) > 0 {
			return changeErr(ps[0].Path, ps[0].Hint, "%s", ps[0].Message)
		}
	}
	if c.Policy != "" {
		if _, err := svcflow.ParseQueuePolicy(c.Policy); err != nil {
			return changeErr("policy", "", "%s", queuePolicyMessage(err))
		}
	}
	return nil
}

// spanChecker is the duration check of modelProblems, for other callers.
func spanChecker(bad func(p, hint, format string, args ...any)) func(string, float64, bool) {
	return func(p string, v float64, positive bool) {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0) || v > maxSimSpan:
			bad(p, "", "duration %v is not a duration of at most a hundred years", v)
		case v < 0:
			bad(p, "", "duration %s is negative", formatSimDuration(-v))
		case positive && v == 0:
			bad(p, "", "duration is 0; expected a positive duration")
		}
	}
}

func applyChange(m *Model, c Change) *ChangeError {
	if err := changeProblem(c); err != nil {
		return err
	}
	if m.DelayOnly && changeShapes[c.Kind].capacity {
		return changeErr("", "calibrate from a log with start and complete times to ask capacity questions",
			"a delay-only model (calibrated from completion times) has no queues or capacity, so a %s change cannot apply", c.Kind)
	}
	switch c.Kind {
	case ChangeAddPeople:
		t, err := findTeam(m, c.Team)
		if err != nil {
			return err
		}
		if t.People+c.People < 1 {
			return changeErr("people", "", "team %q has %d people; removing %d leaves none", t.ID, t.People, -c.People)
		}
		t.People += c.People
		for i := range t.Shifts {
			t.Shifts[i].People = max(0, t.Shifts[i].People+c.People)
		}
	case ChangeQueuePolicy:
		t, err := findTeam(m, c.Team)
		if err != nil {
			return err
		}
		t.Policy = strings.TrimSpace(c.Policy)
	case ChangeArrivalRate:
		return changeArrivals(m, c)
	default:
		refs, err := findSteps(m, c.Class, c.Step)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			if err := changeStep(m, &m.Work[ref.class], ref.step, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func findTeam(m *Model, id string) (*Team, *ChangeError) {
	ids := make([]string, len(m.Teams))
	for i := range m.Teams {
		if m.Teams[i].ID == id {
			return &m.Teams[i], nil
		}
		ids[i] = m.Teams[i].ID
	}
	return nil, changeErr("team", simDidYouMean(id, ids), "unknown team %q; expected one of %s", id, strings.Join(ids, ", "))
}

func findClass(m *Model, id string) (int, *ChangeError) {
	ids := make([]string, len(m.Work))
	for i, c := range m.Work {
		if c.ID == id {
			return i, nil
		}
		ids[i] = c.ID
	}
	return -1, changeErr("class", simDidYouMean(id, ids), "unknown work class %q; expected one of %s", id, strings.Join(ids, ", "))
}

type stepRef struct{ class, step int }

// findSteps finds the step id in class (every class when class is ""); the
// id may be written "CLASS.STEP".
func findSteps(m *Model, class, step string) ([]stepRef, *ChangeError) {
	if cl, st, ok := strings.Cut(step, "."); ok && class == "" {
		class, step = cl, st
	}
	var classes []int
	if class != "" {
		i, err := findClass(m, class)
		if err != nil {
			return nil, err
		}
		classes = []int{i}
	} else {
		for i := range m.Work {
			classes = append(classes, i)
		}
	}
	var refs []stepRef
	var ids []string
	for _, ci := range classes {
		for si, s := range m.Work[ci].Steps {
			if s.ID == step {
				refs = append(refs, stepRef{ci, si})
			}
			ids = append(ids, s.ID)
		}
	}
	if len(refs) == 0 {
		where := "any work class"
		if class != "" {
			where = fmt.Sprintf("work class %q", class)
		}
		return nil, changeErr("step", simDidYouMean(step, ids), "no step %q in %s", step, where)
	}
	return refs, nil
}

func stepIndex(c *Class, id string) int {
	return slices.IndexFunc(c.Steps, func(s Step) bool { return s.ID == id })
}

func changeStep(m *Model, cl *Class, si int, c Change) *ChangeError {
	s := &cl.Steps[si]
	switch c.Kind {
	case ChangeWIPLimit:
		s.WIPLimit = c.WIPLimit
	case ChangeAutoApprove:
		s.AutoApprove = c.Share
	case ChangeAutomate:
		s.Automated, s.Team, s.Duration = true, "", cloneDist(*c.Duration)
	case ChangeRemoveStep:
		return removeStep(cl, si)
	case ChangeShiftLeft:
		return shiftLeft(cl, si, c)
	case ChangeReworkShare:
		return reworkShare(cl, si, c)
	}
	return nil
}

func removeStep(cl *Class, si int) *ChangeError {
	gone := cl.Steps[si]
	if len(cl.Steps) == 1 {
		return changeErr("step", "", "step %q is the only step of work class %q", gone.ID, cl.ID)
	}
	if gone.Resolves && !slices.ContainsFunc(cl.Steps, func(s Step) bool { return s.ID != gone.ID && s.Resolves }) {
		return changeErr("step", "mark another step resolves: true first", "step %q resolves the work of class %q and no other step does", gone.ID, cl.ID)
	}
	// Where work goes on from the step, leaving out its loops on itself.
	var onward []Route
	stay := 0.0
	for _, r := range gone.Next {
		if r.To == gone.ID {
			stay += r.Probability
		} else {
			onward = append(onward, r)
		}
	}
	if stay >= 1 || len(onward) == 0 {
		return changeErr("step", "", "step %q never passes work on", gone.ID)
	}
	if cl.Entry == gone.ID {
		targets := map[string]bool{}
		for _, r := range onward {
			if r.Probability > 0 {
				targets[r.To] = true
			}
		}
		if len(targets) != 1 || targets[Value] {
			return changeErr("step", "", "step %q is the entry of work class %q and work leaves it for more than one step, so no single step can become the entry", gone.ID, cl.ID)
		}
		for to := range targets {
			cl.Entry = to
		}
	}
	for i := range cl.Steps {
		if i == si {
			continue
		}
		var next []Route
		for _, r := range cl.Steps[i].Next {
			if r.To != gone.ID {
				next = append(next, r)
				continue
			}
			for _, o := range onward {
				next = append(next, Route{To: o.To, Probability: tidy(r.Probability * o.Probability / (1 - stay)), Outcome: r.Outcome})
			}
		}
		cl.Steps[i].Next = mergeRoutes(next)
	}
	cl.Steps = slices.Delete(cl.Steps, si, si+1)
	return nil
}

// mergeRoutes joins routes to the same step with the same outcome, keeping
// the order of their first appearance.
func mergeRoutes(rs []Route) []Route {
	var out []Route
	for _, r := range rs {
		if i := slices.IndexFunc(out, func(o Route) bool { return o.To == r.To && o.Outcome == r.Outcome }); i >= 0 {
			out[i].Probability += r.Probability
			continue
		}
		out = append(out, r)
	}
	return out
}

func shiftLeft(cl *Class, si int, c Change) *ChangeError {
	later := cl.Steps[si]
	ei := stepIndex(cl, c.To)
	ids := make([]string, len(cl.Steps))
	for i, s := range cl.Steps {
		ids[i] = s.ID
	}
	switch {
	case ei < 0:
		return changeErr("to", simDidYouMean(c.To, ids), "no step %q in work class %q", c.To, cl.ID)
	case ei == si:
		return changeErr("to", "", "step %q cannot take work from itself", c.To)
	case later.Team == "" || later.Automated:
		return changeErr("step", "", "step %q uses no team: there is no work to shift", later.ID)
	case cl.Steps[ei].Team == "" || cl.Steps[ei].Automated:
		return changeErr("to", "", "step %q uses no team to take the work", c.To)
	case cl.Entry == later.ID:
		return changeErr("step", "", "step %q is the entry of work class %q: no step comes before it", later.ID, cl.ID)
	case !reaches(cl, c.To, later.ID):
		return changeErr("to", "", "step %q does not lead to step %q, so it is not an earlier step", c.To, later.ID)
	}
	team := cl.Steps[ei].Team
	id := later.ID + "-by-" + team
	if stepIndex(cl, id) >= 0 {
		return changeErr("step", "", "step %q exists already; shift the work once", id)
	}
	moved := cloneStep(later)
	moved.ID, moved.Team, moved.WIPLimit = id, team, 0
	if c.Duration != nil {
		moved.Duration = cloneDist(*c.Duration)
	}
	for i := range cl.Steps {
		var next []Route
		for _, r := range cl.Steps[i].Next {
			if r.To != later.ID {
				next = append(next, r)
				continue
			}
			next = append(next, Route{To: later.ID, Probability: tidy(r.Probability * (1 - c.Share)), Outcome: r.Outcome},
				Route{To: id, Probability: tidy(r.Probability * c.Share), Outcome: r.Outcome})
		}
		cl.Steps[i].Next = next
	}
	cl.Steps = slices.Insert(cl.Steps, si+1, moved)
	return nil
}

// reaches says whether work can go from step from to step to by routes of
// positive probability.
func reaches(cl *Class, from, to string) bool {
	seen := map[string]bool{from: true}
	stack := []string{from}
	for len(stack) > 0 {
		i := stepIndex(cl, stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		if i < 0 {
			continue
		}
		for _, r := range cl.Steps[i].Next {
			if r.Probability <= 0 || seen[r.To] {
				continue
			}
			if r.To == to {
				return true
			}
			seen[r.To] = true
			stack = append(stack, r.To)
		}
	}
	return false
}

func reworkShare(cl *Class, si int, c Change) *ChangeError {
	s := &cl.Steps[si]
	if c.To != Value && stepIndex(cl, c.To) < 0 {
		ids := make([]string, len(cl.Steps))
		for i, st := range cl.Steps {
			ids[i] = st.ID
		}
		return changeErr("to", simDidYouMean(c.To, ids), "no step %q in work class %q", c.To, cl.ID)
	}
	back, old := -1, 0.0
	for i, r := range s.Next {
		if r.To != c.To {
			continue
		}
		if back >= 0 {
			return changeErr("to", "", "step %q has several routes to %q; set their probabilities in the file", s.ID, c.To)
		}
		back, old = i, r.Probability
	}
	if back >= 0 && old >= 1 && c.Share < 1 {
		return changeErr("to", "", "every route of step %q goes to %q: there is no other route to take the rest", s.ID, c.To)
	}
	others, rest := 0, 0.0
	for i, r := range s.Next {
		if i != back {
			others++
			rest += r.Probability
		}
	}
	for i := range s.Next {
		switch {
		case i == back:
		case others == 1:
			// One other route takes exactly the rest, which keeps a
			// written 0.99 from becoming 0.9900000000000001.
			s.Next[i].Probability = 1 - c.Share
		case rest > 0:
			s.Next[i].Probability = tidy(s.Next[i].Probability * (1 - c.Share) / rest)
		}
	}
	if back >= 0 {
		s.Next[back].Probability = c.Share
	} else {
		s.Next = append(s.Next, Route{To: c.To, Probability: c.Share})
	}
	return nil
}

func changeArrivals(m *Model, c Change) *ChangeError {
	var classes []int
	if c.Class != "" {
		i, err := findClass(m, c.Class)
		if err != nil {
			return err
		}
		classes = []int{i}
	} else {
		if c.Rate != 0 && len(m.Work) > 1 {
			return changeErr("class", "", "a rate applies to one work class; name it, or give a factor for all")
		}
		for i := range m.Work {
			classes = append(classes, i)
		}
	}
	for _, ci := range classes {
		a := &m.Work[ci].Arrivals
		f := c.Factor
		if c.Rate != 0 {
			if a.Kind == ArrivalPoisson {
				a.Rate = c.Rate
				continue
			}
			mean := MeanArrivalRate(*a)
			if !(mean > 0) {
				return changeErr("rate", "give a factor instead", "the arrivals of work class %q have no finite mean rate to set", m.Work[ci].ID)
			}
			f = c.Rate / mean
		}
		switch a.Kind {
		case ArrivalPoisson:
			a.Rate *= f
		case ArrivalProfile:
			for i := range a.Profile {
				a.Profile[i] *= f
			}
		case ArrivalGaussian:
			a.Mean, a.SD = a.Mean/f, a.SD/f
		case ArrivalPareto:
			a.Scale /= f
		case ArrivalEmpirical:
			for i := range a.Samples {
				a.Samples[i] /= f
			}
		}
	}
	return nil
}

// MeanArrivalRate is the long-run arrival rate per second of a; 0 when it
// has none (Pareto inter-arrival times with shape ≤ 1 have no mean).
func MeanArrivalRate(a Arrivals) float64 {
	switch a.Kind {
	case ArrivalPoisson:
		return a.Rate
	case ArrivalProfile:
		sum := 0.0
		for _, r := range a.Profile {
			sum += r
		}
		return sum / float64(max(len(a.Profile), 1))
	case ArrivalGaussian:
		return 1 / a.Mean
	case ArrivalPareto:
		if a.Shape <= 1 {
			return 0
		}
		return (a.Shape - 1) / (a.Shape * a.Scale)
	case ArrivalEmpirical:
		sum := 0.0
		for _, v := range a.Samples {
			sum += v
		}
		return float64(len(a.Samples)) / sum
	}
	return 0
}

func cloneDist(d Dist) Dist {
	d.Samples = slices.Clone(d.Samples)
	return d
}

func cloneStep(s Step) Step {
	s.Duration = cloneDist(s.Duration)
	s.Next = slices.Clone(s.Next)
	return s
}

// cloneSimModel copies m deeply: nothing of the copy shares memory with m.
func cloneSimModel(m *Model) *Model {
	out := *m
	out.Teams = slices.Clone(m.Teams)
	for i := range out.Teams {
		out.Teams[i].Shifts = slices.Clone(out.Teams[i].Shifts)
		for j := range out.Teams[i].Shifts {
			out.Teams[i].Shifts[j].Days = slices.Clone(out.Teams[i].Shifts[j].Days)
		}
	}
	out.Work = slices.Clone(m.Work)
	for i := range out.Work {
		c := &out.Work[i]
		c.Arrivals.Profile = slices.Clone(c.Arrivals.Profile)
		c.Arrivals.Samples = slices.Clone(c.Arrivals.Samples)
		c.Priority = slices.Clone(c.Priority)
		c.Steps = slices.Clone(c.Steps)
		for j := range c.Steps {
			c.Steps[j] = cloneStep(c.Steps[j])
		}
	}
	if m.SLA != nil {
		out.SLA = make(map[string]float64, len(m.SLA))
		for k, v := range m.SLA {
			out.SLA[k] = v
		}
	}
	return &out
}

// changes reads the changes section of a scenario file.
func (r *scenarioReader) changes(dst *[]Change) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		r.list(n, p, "changes", func(item *yaml.Node, ip string) {
			var c Change
			given := r.mapping(item, ip, "a change", []simField{
				{"kind", true, r.text(&c.Kind)},
				{"name", false, r.text(&c.Name)},
				{"team", false, r.id(&c.Team)},
				{"class", false, r.id(&c.Class)},
				{"step", false, r.stepName(&c.Step)},
				{"to", false, r.id(&c.To)},
				{"people", false, r.integer(&c.People, -1_000_000)},
				{"limit", false, r.integer(&c.WIPLimit, 0)},
				{"share", false, r.share(&c.Share)},
				{"duration", false, func(v *yaml.Node, dp string) {
					var d Dist
					r.dist(&d)(v, dp)
					c.Duration = &d
				}},
				{"policy", false, r.policy(&c.Policy)},
				{"rate", false, r.rate(&c.Rate)},
				{"factor", false, r.number(&c.Factor)},
			})
			if given != nil {
				r.checkChange(r.resolve(item), ip, c, given)
			}
			*dst = append(*dst, c)
		})
	}
}

// stepName reads a step id, or "CLASS.STEP".
func (r *scenarioReader) stepName(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		s, ok := r.scalar(n, p, "a step id")
		if !ok {
			return
		}
		cl, st, dotted := strings.Cut(s.Value, ".")
		if !isSimID(st) && dotted || !dotted && !isSimID(s.Value) || dotted && !isSimID(cl) {
			r.errorf(s, p, "", "%q is not a step id; expected STEP or CLASS.STEP, ids of letters, digits, - and _", s.Value)
			return
		}
		*dst = s.Value
	}
}

// checkChange reports what is wrong with a change on its own: its kind,
// the fields it takes and needs, and their values.
func (r *scenarioReader) checkChange(n *yaml.Node, p string, c Change, given map[string]bool) {
	if !given["kind"] {
		return
	}
	shape, ok := changeShapes[c.Kind]
	if !ok {
		r.errorf(r.nodeAt(p+".kind", n), p+".kind", simDidYouMean(c.Kind, ChangeKinds()), "unknown kind of change %q; expected one of %s", c.Kind, strings.Join(ChangeKinds(), ", "))
		return
	}
	for _, f := range changeFieldOrder {
		if given[f] && !slices.Contains(shape.allowed, f) {
			r.errorf(r.nodeAt(p+"."+f, n), p+"."+f, "", "field %q does not apply to a %s change; it takes %s", f, c.Kind, strings.Join(shape.allowed, ", "))
		}
	}
	for _, f := range shape.required {
		if !given[f] {
			r.errorf(n, p+"."+f, "", "missing field %q; %s changes need %s", f, c.Kind, strings.Join(shape.required, ", "))
		}
	}
	if r.reported(p) {
		return
	}
	if err := changeProblem(c); err != nil {
		fp := p
		if err.Field != "" {
			fp += "." + err.Field
		}
		r.diags = append(r.diags, r.place(svcflow.Diagnostic{Severity: svcflow.SeverityError, Path: fp, Message: err.Message, Hint: err.Hint}))
	}
}

// tidy rounds a probability a change computed to 12 significant digits, so
// that a written file says 0.56 rather than 0.5599999999999999; the sums
// stay within the 1e-9 the model allows.
func tidy(p float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(p, 'g', 12, 64), 64)
	return r
}
