package sim

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// WriteScenario writes s as a scenario file that ParseScenario reads back
// to an equal Model and Changes: the model (or the baseline's name) and
// the changes, durations in the largest unit that writes them exactly, in
// a fixed order. It refuses a scenario it could not read back: an invalid
// model, an invalid change, or neither a model nor a baseline.
func WriteScenario(w io.Writer, s *Scenario) error {
	if s == nil || s.Model == nil && s.Baseline == "" {
		return errors.New("write scenario: no model and no baseline")
	}
	name, note := s.Name, s.Note
	if s.Model != nil && s.Baseline == "" {
		if name == "" {
			name = s.Model.Name
		}
		if note == "" {
			note = s.Model.Note
		}
		m := *s.Model
		m.Name, m.Note = name, note
		if ps := modelProblems(&m); len(ps) > 0 {
			return fmt.Errorf("write scenario: %s", ps[0].String())
		}
	}
	for i, c := range s.Changes {
		if err := changeProblem(c); err != nil {
			err.Index, err.Kind = i, c.Kind
			return fmt.Errorf("write scenario: %w", err)
		}
	}
	root := yMap(false)
	root.add("schema", yStr(ScenarioSchema))
	if name != "" {
		root.add("name", yStr(name))
	}
	if note != "" {
		root.add("note", yStr(note))
	}
	header := scenarioHeader
	if s.Baseline != "" {
		root.add("baseline", yStr(s.Baseline))
	} else {
		if s.Model.DelayOnly {
			header += delayOnlyHeader
		}
		writeModel(root, s.Model)
	}
	if len(s.Changes) > 0 {
		list := yList(false)
		for _, c := range s.Changes {
			list.Content = append(list.Content, changeNode(c))
		}
		root.add("changes", list)
	}
	if _, err := io.WriteString(w, header); err != nil {
		return fmt.Errorf("write scenario: %w", err)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(root.Node); err != nil {
		return fmt.Errorf("write scenario: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write scenario: %w", err)
	}
	return nil
}

// yNode is a YAML node under construction.
type yNode struct{ *yaml.Node }

func (n yNode) add(key string, v any) {
	var vn *yaml.Node
	switch v := v.(type) {
	case yNode:
		vn = v.Node
	case *yaml.Node:
		vn = v
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, vn)
}

func yMap(flow bool) yNode {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return yNode{n}
}

func yList(flow bool) yNode {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return yNode{n}
}

// yStr is a string scalar, in a literal block when it spans lines and
// double-quoted when it holds what a plain or literal one would not keep.
func yStr(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case !isPlainText(s):
		n.Style = yaml.DoubleQuotedStyle
	case strings.Contains(s, "\n"):
		n.Style = yaml.LiteralStyle
	}
	return n
}

func yFloat(v float64) *yaml.Node { return yNumber(strconv.FormatFloat(v, 'g', -1, 64)) }

// yNumber is a number scalar tagged as YAML reads it, so that the writer
// adds no explicit tag ("4" is an int, "0.5" a float).
func yNumber(s string) *yaml.Node {
	tag := "!!float"
	if !strings.ContainsAny(s, ".eEnN") {
		tag = "!!int"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}
}

func yInt(v int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
}

func yBool(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

func ySpan(v float64) *yaml.Node { return yStr(formatSimDuration(v)) }

func ySpans(vs []float64) yNode {
	l := yList(true)
	for _, v := range vs {
		l.Content = append(l.Content, ySpan(v))
	}
	return l
}

// yRate writes a rate per second as a plain number per hour when that
// reads back exactly, else with its unit.
func yRate(perSec float64, plain bool) *yaml.Node {
	if plain {
		s := strconv.FormatFloat(perSec*3600, 'g', -1, 64)
		if back, err := strconv.ParseFloat(s, 64); err == nil && back/3600 == perSec {
			return yNumber(s)
		}
	}
	return yStr(formatSimRate(perSec))
}

func writeModel(root yNode, m *Model) {
	if m.DelayOnly {
		root.add("delay_only", yBool(true))
	}
	root.add("horizon", ySpan(m.Horizon))
	if m.WarmUp != 0 {
		root.add("warm_up", ySpan(m.WarmUp))
	}
	root.add("replications", yInt(m.Replications))
	root.add("seed", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(m.Seed, 10)})
	if len(m.SLA) > 0 {
		sla := yMap(true)
		for _, k := range append(slices.Clone(simPriorities), "") {
			if v, ok := m.SLA[k]; ok {
				key := k
				if k == "" {
					key = slaDefault
				}
				sla.add(key, ySpan(v))
			}
		}
		root.add("sla", sla)
	}
	if len(m.Teams) > 0 {
		teams := yList(false)
		for _, t := range m.Teams {
			tn := yMap(false)
			tn.add("id", yStr(t.ID))
			tn.add("people", yInt(t.People))
			if t.Policy != "" {
				tn.add("policy", yStr(t.Policy))
			}
			if len(t.Shifts) > 0 {
				shifts := yList(false)
				for _, sh := range t.Shifts {
					sn := yMap(true)
					sn.add("days", dayList(sh.Days))
					sn.add("hours", yStr(formatSimClock(sh.Start)+"-"+formatSimClock(sh.End)))
					sn.add("people", yInt(sh.People))
					shifts.Content = append(shifts.Content, sn.Node)
				}
				tn.add("shifts", shifts)
			}
			teams.Content = append(teams.Content, tn.Node)
		}
		root.add("teams", teams)
	}
	work := yList(false)
	for _, c := range m.Work {
		cn := yMap(false)
		cn.add("id", yStr(c.ID))
		if c.Stream != "" {
			cn.add("stream", yStr(c.Stream))
		}
		cn.add("arrivals", arrivalsNode(c.Arrivals))
		if len(c.Priority) > 0 {
			mix := yMap(true)
			for _, ps := range c.Priority {
				mix.add(ps.Priority, yFloat(ps.Share))
			}
			cn.add("priority", mix)
		}
		cn.add("entry", yStr(c.Entry))
		steps := yList(false)
		for _, s := range c.Steps {
			steps.Content = append(steps.Content, stepNode(s).Node)
		}
		cn.add("steps", steps)
		work.Content = append(work.Content, cn.Node)
	}
	root.add("work", work)
}

// dayList writes days by name, runs of three or more as ranges (mon-fri).
func dayList(days []int) yNode {
	l := yList(true)
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1] == days[j]+1 {
			j++
		}
		if j-i >= 2 {
			l.Content = append(l.Content, yStr(simDays[days[i]]+"-"+simDays[days[j]]))
			i = j + 1
			continue
		}
		l.Content = append(l.Content, yStr(simDays[days[i]]))
		i++
	}
	return l
}

func arrivalsNode(a Arrivals) yNode {
	n := yMap(true)
	n.add("kind", yStr(a.Kind))
	switch a.Kind {
	case ArrivalPoisson:
		n.add("rate", yRate(a.Rate, false))
	case ArrivalProfile:
		l := yList(true)
		for _, r := range a.Profile {
			l.Content = append(l.Content, yRate(r, true))
		}
		n.add("profile", l)
	case ArrivalGaussian:
		n.add("mean", ySpan(a.Mean))
		n.add("sd", ySpan(a.SD))
	case ArrivalPareto:
		n.add("scale", ySpan(a.Scale))
		n.add("shape", yFloat(a.Shape))
	case ArrivalEmpirical:
		n.add("samples", ySpans(a.Samples))
		if a.Bootstrap {
			n.add("bootstrap", yBool(true))
		}
	}
	return n
}

// distNode writes a fixed duration as the duration alone ("15m").
func distNode(d Dist) *yaml.Node {
	if d.Kind == DistFixed {
		return ySpan(d.Mean)
	}
	n := yMap(true)
	n.add("kind", yStr(d.Kind))
	switch d.Kind {
	case DistExponential:
		n.add("mean", ySpan(d.Mean))
	case DistNormal:
		n.add("mean", ySpan(d.Mean))
		n.add("sd", ySpan(d.SD))
		if d.Min != 0 {
			n.add("min", ySpan(d.Min))
		}
		if d.Max != 0 {
			n.add("max", ySpan(d.Max))
		}
	case DistLognormal:
		n.add("mean", ySpan(d.Mean))
		n.add("sd", ySpan(d.SD))
	case DistTriangular:
		n.add("min", ySpan(d.Min))
		n.add("mode", ySpan(d.Mode))
		n.add("max", ySpan(d.Max))
	case DistEmpirical:
		n.add("samples", ySpans(d.Samples))
	}
	return n.Node
}

func stepNode(s Step) yNode {
	n := yMap(false)
	n.add("id", yStr(s.ID))
	if s.Team != "" {
		n.add("team", yStr(s.Team))
	}
	n.add("duration", distNode(s.Duration))
	if s.Automated {
		n.add("automated", yBool(true))
	}
	if s.WIPLimit != 0 {
		n.add("wip_limit", yInt(s.WIPLimit))
	}
	if s.AutoApprove != 0 {
		n.add("auto_approve", yFloat(s.AutoApprove))
	}
	if s.Resolves {
		n.add("resolves", yBool(true))
	}
	if len(s.Next) == 1 && s.Next[0] == (Route{To: Value, Probability: 1}) {
		return n // the default
	}
	next := yList(false)
	for _, r := range s.Next {
		rn := yMap(true)
		rn.add("to", yStr(r.To))
		if len(s.Next) > 1 || r.Probability != 1 {
			rn.add("probability", yFloat(r.Probability))
		}
		if r.Outcome != "" {
			rn.add("outcome", yStr(r.Outcome))
		}
		next.Content = append(next.Content, rn.Node)
	}
	n.add("next", next)
	return n
}

func changeNode(c Change) *yaml.Node {
	n := yMap(true)
	n.add("kind", yStr(c.Kind))
	if c.Name != "" {
		n.add("name", yStr(c.Name))
	}
	shape := changeShapes[c.Kind]
	set := c.setFields()
	for _, f := range changeFieldOrder {
		if !set[f] && !slices.Contains(shape.required, f) {
			continue
		}
		switch f {
		case "team":
			n.add(f, yStr(c.Team))
		case "class":
			n.add(f, yStr(c.Class))
		case "step":
			n.add(f, yStr(c.Step))
		case "to":
			n.add(f, yStr(c.To))
		case "people":
			n.add(f, yInt(c.People))
		case "limit":
			n.add(f, yInt(c.WIPLimit))
		case "share":
			n.add(f, yFloat(c.Share))
		case "duration":
			n.add(f, distNode(*c.Duration))
		case "policy":
			n.add(f, yStr(c.Policy))
		case "rate":
			n.add(f, yRate(c.Rate, false))
		case "factor":
			n.add(f, yFloat(c.Factor))
		}
	}
	return n.Node
}
