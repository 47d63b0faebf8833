package streamdef

import (
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/svcflow/svcflow"
)

// This file maps the YAML fields of svcflow/stream/v1 (docs/stream-format.md)
// onto the domain types. Defaults that the format documents (step numbers,
// action and task ids, the probability of a lone transition, a quorum of
// one) are filled in here, so the domain sees a complete definition.

func (d *decoder) stream(n *yaml.Node, s *svcflow.ValueStream) {
	d.pos[""] = d.at(d.resolve(n))
	d.mapping(n, "", "a value stream", []field{
		{"schema", true, d.text(&s.Schema)},
		{"id", true, d.text(&s.ID)},
		{"revision", true, d.integer(&s.Revision)},
		{"name", true, d.text(&s.Name)},
		{"owner", false, d.text(&s.Owner)},
		{"description", false, d.text(&s.Description)},
		{"use_case", false, d.text(&s.UseCase)},
		{"demand", false, d.text(&s.Demand)},
		{"triggers", false, d.texts(&s.Triggers)},
		{"outcomes", false, d.texts(&s.Outcomes)},
		{"value", false, d.text(&s.Value)},
		{"target_lead_time", false, d.duration(&s.TargetLeadTime)},
		{"applies_to", false, func(v *yaml.Node, p string) { d.appliesTo(v, p, &s.AppliesTo) }},
		{"default", false, d.boolean(&s.Default)},
		{"entry_points", false, func(v *yaml.Node, p string) { d.entryPoints(v, p, s) }},
		{"reopen_to", true, d.text(&s.ReopenTo)},
		{"feedback_sample", false, func(v *yaml.Node, p string) {
			share := math.NaN() // stays so when the value is not a number
			if d.number(&share)(v, p); !math.IsNaN(share) {
				s.FeedbackSample = &share
			}
		}},
		{"steps", true, func(v *yaml.Node, p string) {
			d.list(v, p, "steps", false, func(item *yaml.Node, ip string) {
				st := svcflow.Step{Number: len(s.Steps) + 1}
				d.step(item, ip, &st)
				s.Steps = append(s.Steps, st)
			})
		}},
	})
}

func (d *decoder) appliesTo(n *yaml.Node, path string, a *svcflow.AppliesTo) {
	var kinds []string
	d.mapping(n, path, "applies_to", []field{
		{"kinds", false, d.texts(&kinds)},
		{"categories", false, d.texts(&a.Categories)},
		{"services", false, d.texts(&a.Services)},
	})
	for _, k := range kinds {
		a.Kinds = append(a.Kinds, svcflow.Kind(k))
	}
}

func (d *decoder) entryPoints(n *yaml.Node, path string, s *svcflow.ValueStream) {
	n = d.resolve(n)
	d.pos[path] = d.at(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "", "expected a mapping of entry point names to step ids, got %s", kindName(n))
		return
	}
	s.EntryPoints = map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		ep := join(path, k.Value)
		if _, dup := s.EntryPoints[k.Value]; dup {
			d.errorf(k, ep, "", "entry point %q given twice", k.Value)
			continue
		}
		if v, ok := d.scalar(n.Content[i+1], ep, "a step id"); ok {
			d.pos[ep] = d.at(v)
			s.EntryPoints[k.Value] = v.Value
		}
	}
}

func (d *decoder) step(n *yaml.Node, path string, st *svcflow.Step) {
	var activity string
	d.mapping(n, path, "a step", []field{
		{"id", true, d.text(&st.ID)},
		{"number", false, d.integer(&st.Number)},
		{"name", true, d.text(&st.Name)},
		{"description", false, d.text(&st.Description)},
		{"activity", true, d.text(&activity)},
		{"inputs", false, d.texts(&st.Inputs)},
		{"outputs", false, d.texts(&st.Outputs)},
		{"desired_outcomes", false, d.texts(&st.DesiredOutcomes)},
		{"target_lead_time", false, d.duration(&st.TargetLeadTime)},
		{"practices", false, func(v *yaml.Node, p string) {
			d.list(v, p, "practice contributions", false, func(item *yaml.Node, ip string) {
				var pc svcflow.PracticeContribution
				d.mapping(item, ip, "a practice contribution", []field{
					{"practice", true, d.text(&pc.Practice)},
					{"contribution", true, d.text(&pc.Contribution)},
					{"source", false, d.text(&pc.Source)},
				})
				st.Practices = append(st.Practices, pc)
			})
		}},
		{"raci", true, func(v *yaml.Node, p string) { d.raci(v, p, &st.RACI) }},
		{"constraints", false, d.texts(&st.Constraints)},
		{"team", false, d.text(&st.Team)},
		{"wip_limit", false, func(v *yaml.Node, p string) {
			n := -1
			d.integer(&n)(v, p)
			switch {
			case n == -1: // not a number: reported
			case n < 1:
				d.errorf(d.resolve(v), p, "leave wip_limit out for no limit", "WIP limit %d; expected a whole number of at least 1", n)
			default:
				st.WIPLimit = n
			}
		}},
		{"automated", false, d.boolean(&st.Automated)},
		{"approval", false, func(v *yaml.Node, p string) {
			st.Approval = &svcflow.Approval{Quorum: 1}
			d.approval(v, p, st.Approval)
		}},
		{"outcomes", false, d.texts(&st.Outcomes)},
		{"resolves", false, d.boolean(&st.Resolves)},
		{"require_tasks", false, d.boolean(&st.RequireTasks)},
		{"actions", false, func(v *yaml.Node, p string) {
			d.list(v, p, "actions", false, func(item *yaml.Node, ip string) {
				var a svcflow.Action
				d.action(item, ip, &a)
				st.Actions = append(st.Actions, a)
			})
		}},
		{"spawn", false, func(v *yaml.Node, p string) {
			d.list(v, p, "spawns", true, func(item *yaml.Node, ip string) {
				var sp svcflow.Spawn
				var kind string
				d.mapping(item, ip, "a spawn", []field{
					{"kind", true, d.text(&kind)},
					{"stream", true, d.text(&sp.Stream)},
					{"when", false, d.text(&sp.When)},
					{"wait_for", false, d.text(&sp.WaitFor)},
				})
				sp.Kind = svcflow.Kind(kind)
				st.Spawn = append(st.Spawn, sp)
			})
		}},
		{"next", true, func(v *yaml.Node, p string) {
			d.list(v, p, "transitions", false, func(item *yaml.Node, ip string) {
				var t svcflow.Transition
				d.mapping(item, ip, "a transition", []field{
					{"when", false, d.text(&t.When)},
					{"to", true, d.text(&t.To)},
					{"probability", false, d.number(&t.Probability)},
				})
				st.Next = append(st.Next, t)
			})
			if len(st.Next) == 1 && st.Next[0].Probability == 0 {
				st.Next[0].Probability = 1
			}
		}},
	})
	st.Activity = svcflow.Activity(activity)
}

// raci reads roles; accountable may be a name or a list holding one name.
func (d *decoder) raci(n *yaml.Node, path string, r *svcflow.RACI) {
	d.mapping(n, path, "raci", []field{
		{"accountable", true, func(v *yaml.Node, p string) {
			var names []string
			d.texts(&names)(v, p)
			switch len(names) {
			case 0: // the domain reports a missing accountable
			case 1:
				r.Accountable = names[0]
			default:
				d.errorf(d.resolve(v), p, "keep one accountable and move the others to responsible", "%d accountable; expected exactly one", len(names))
				r.Accountable = names[0]
			}
		}},
		{"responsible", false, d.texts(&r.Responsible)},
		{"consulted", false, d.texts(&r.Consulted)},
		{"informed", false, d.texts(&r.Informed)},
	})
}

func (d *decoder) approval(n *yaml.Node, path string, a *svcflow.Approval) {
	d.mapping(n, path, "an approval", []field{
		{"approvers", true, func(v *yaml.Node, p string) {
			d.list(v, p, "approvers", false, func(item *yaml.Node, ip string) {
				var who svcflow.Approver
				d.mapping(item, ip, "an approver", []field{
					{"role", false, d.text(&who.Role)},
					{"team", false, d.text(&who.Team)},
					{"person", false, d.text(&who.Person)},
					{"rule", false, d.text(&who.Rule)},
				})
				a.Approvers = append(a.Approvers, who)
			})
		}},
		{"quorum", false, func(v *yaml.Node, p string) {
			s, ok := d.scalar(v, p, `a number or "all"`)
			if !ok {
				return
			}
			if s.Value == "all" {
				a.Quorum = svcflow.QuorumAll
				return
			}
			q, err := strconv.Atoi(s.Value)
			if s.Tag != "!!int" || err != nil {
				d.errorf(s, p, "", `expected a whole number or "all", got %s`, kindName(s))
				return
			}
			if q < 1 {
				d.errorf(s, p, "", `quorum %d; expected a whole number of at least 1, or "all"`, q)
				return
			}
			a.Quorum = svcflow.Quorum(q)
		}},
		{"auto_approve", false, d.text(&a.AutoApprove)},
		{"on_reject", true, d.text(&a.OnReject)},
	})
}

func (d *decoder) action(n *yaml.Node, path string, a *svcflow.Action) {
	var activity string
	d.mapping(n, path, "an action", []field{
		{"id", false, d.text(&a.ID)},
		{"name", true, d.text(&a.Name)},
		{"activity", false, d.text(&activity)},
		{"practice", false, d.text(&a.Practice)},
		{"tasks", false, func(v *yaml.Node, p string) {
			d.list(v, p, "tasks", false, func(item *yaml.Node, ip string) {
				var t svcflow.Task
				if s := d.resolve(item); s.Kind == yaml.ScalarNode && s.Tag != "!!null" {
					d.pos[ip] = d.at(s)
					t.Name = s.Value
				} else {
					var tact string
					d.mapping(item, ip, "a task", []field{
						{"id", false, d.text(&t.ID)},
						{"name", true, d.text(&t.Name)},
						{"activity", false, d.text(&tact)},
						{"practice", false, d.text(&t.Practice)},
					})
					t.Activity = svcflow.Activity(tact)
				}
				if t.ID == "" {
					t.ID = slug(t.Name)
				}
				for _, other := range a.Tasks {
					if other.ID == t.ID {
						d.errorf(d.resolve(item), ip, "give one of them an id", "task id %q used twice in action %q", t.ID, a.Name)
					}
				}
				a.Tasks = append(a.Tasks, t)
			})
		}},
	})
	a.Activity = svcflow.Activity(activity)
	if a.ID == "" {
		a.ID = slug(a.Name)
	}
}
