package sim

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// changeBase is a small model every change can apply to: a desk that logs,
// an approval delay with rework, an L2 fix, a verification that resolves.
func changeBase() *Model {
	return &Model{
		Horizon: 86400, Replications: 2, Seed: 1,
		Teams: []Team{
			{ID: "desk", People: 2, Shifts: []Shift{{Days: []int{1, 2, 3, 4, 5}, Start: 8 * 3600, End: 16 * 3600, People: 2}}},
			{ID: "l2", People: 1},
		},
		Work: []Class{{
			ID: "req", Arrivals: Arrivals{Kind: ArrivalPoisson, Rate: 1.0 / 3600}, Entry: "log",
			Steps: []Step{
				{ID: "log", Team: "desk", Duration: Dist{Kind: DistExponential, Mean: 120}, Next: []Route{{"approve", 1, ""}}},
				{ID: "approve", Duration: Dist{Kind: DistFixed, Mean: 3600}, Next: []Route{{"fix", 0.8, "ok"}, {"log", 0.2, "back"}}},
				{ID: "fix", Team: "l2", Duration: Dist{Kind: DistExponential, Mean: 900}, Next: []Route{{"verify", 0.9, ""}, {"fix", 0.1, "again"}}},
				{ID: "verify", Duration: Dist{Kind: DistFixed, Mean: 600}, Resolves: true, Next: []Route{{Value, 1, ""}}},
			},
		}, {
			ID: "other", Arrivals: Arrivals{Kind: ArrivalGaussian, Mean: 1800, SD: 600}, Entry: "fix",
			Steps: []Step{{ID: "fix", Team: "l2", Duration: Dist{Kind: DistFixed, Mean: 300}, Resolves: true, Next: []Route{{Value, 1, ""}}}},
		}},
	}
}

func TestApply(t *testing.T) {
	oneMinute := &Dist{Kind: DistFixed, Mean: 60}
	tests := []struct {
		name   string
		change Change
		edit   func(m *Model) // what the change should do to changeBase
	}{
		{"add people, to every shift too", Change{Kind: ChangeAddPeople, Team: "desk", People: 2}, func(m *Model) {
			m.Teams[0].People, m.Teams[0].Shifts[0].People = 4, 4
		}},
		{"remove a person", Change{Kind: ChangeAddPeople, Team: "desk", People: -1}, func(m *Model) {
			m.Teams[0].People, m.Teams[0].Shifts[0].People = 1, 1
		}},
		{"WIP limit in every class with the step", Change{Kind: ChangeWIPLimit, Step: "fix", WIPLimit: 3}, func(m *Model) {
			m.Work[0].Steps[2].WIPLimit, m.Work[1].Steps[0].WIPLimit = 3, 3
		}},
		{"WIP limit in one class", Change{Kind: ChangeWIPLimit, Step: "other.fix", WIPLimit: 3}, func(m *Model) {
			m.Work[1].Steps[0].WIPLimit = 3
		}},
		{"automate", Change{Kind: ChangeAutomate, Class: "req", Step: "fix", Duration: oneMinute}, func(m *Model) {
			s := &m.Work[0].Steps[2]
			s.Automated, s.Team, s.Duration = true, "", *oneMinute
		}},
		{"auto-approve", Change{Kind: ChangeAutoApprove, Step: "approve", Share: 0.8}, func(m *Model) {
			m.Work[0].Steps[1].AutoApprove = 0.8
		}},
		{"queue policy", Change{Kind: ChangeQueuePolicy, Team: "l2", Policy: "priority+aging=4h"}, func(m *Model) {
			m.Teams[1].Policy = "priority+aging=4h"
		}},
		{"arrival rate of a Poisson class", Change{Kind: ChangeArrivalRate, Class: "req", Rate: 2.0 / 3600}, func(m *Model) {
			m.Work[0].Arrivals.Rate = 2.0 / 3600
		}},
		{"arrival rate of a Gaussian class keeps its shape", Change{Kind: ChangeArrivalRate, Class: "other", Rate: 4.0 / 3600}, func(m *Model) {
			m.Work[1].Arrivals.Mean, m.Work[1].Arrivals.SD = 900, 300
		}},
		{"arrival factor for every class", Change{Kind: ChangeArrivalRate, Factor: 2}, func(m *Model) {
			m.Work[0].Arrivals.Rate = 2.0 / 3600
			m.Work[1].Arrivals.Mean, m.Work[1].Arrivals.SD = 900, 300
		}},
		{"rework share of an existing route", Change{Kind: ChangeReworkShare, Step: "approve", To: "log", Share: 0.05}, func(m *Model) {
			m.Work[0].Steps[1].Next = []Route{{"fix", 0.95, "ok"}, {"log", 0.05, "back"}}
		}},
		{"rework share adds a route", Change{Kind: ChangeReworkShare, Step: "req.verify", To: "fix", Share: 0.1}, func(m *Model) {
			m.Work[0].Steps[3].Next = []Route{{Value, 0.9, ""}, {"fix", 0.1, ""}}
		}},
		{"rework share of 0 keeps the route", Change{Kind: ChangeReworkShare, Step: "approve", To: "log", Share: 0}, func(m *Model) {
			m.Work[0].Steps[1].Next = []Route{{"fix", 1, "ok"}, {"log", 0, "back"}}
		}},
		{"remove a step: its routes in go on to its successors", Change{Kind: ChangeRemoveStep, Step: "approve"}, func(m *Model) {
			m.Work[0].Steps[0].Next = []Route{{"fix", 0.8, ""}, {"log", 0.2, ""}}
			m.Work[0].Steps = append(m.Work[0].Steps[:1], m.Work[0].Steps[2:]...)
		}},
		{"remove a step with a loop on itself", Change{Kind: ChangeRemoveStep, Class: "req", Step: "fix"}, func(m *Model) {
			m.Work[0].Steps[1].Next = []Route{{"verify", 0.8, "ok"}, {"log", 0.2, "back"}}
			m.Work[0].Steps = append(m.Work[0].Steps[:2], m.Work[0].Steps[3:]...)
		}},
		{"remove the entry step", Change{Kind: ChangeRemoveStep, Step: "log"}, func(m *Model) {
			m.Work[0].Entry = "approve"
			m.Work[0].Steps[1].Next = []Route{{"fix", 0.8, "ok"}, {"approve", 0.2, "back"}}
			m.Work[0].Steps = m.Work[0].Steps[1:]
		}},
		{"shift left: the desk takes a share of the fix", Change{Kind: ChangeShiftLeft, Class: "req", Step: "fix", To: "log", Share: 0.25}, func(m *Model) {
			st := m.Work[0].Steps
			// 0.8 and 0.1 split 3:1; Apply tidies 0.6000000000000001 to 0.6.
			st[1].Next = []Route{{"fix", 0.6, "ok"}, {"fix-by-desk", 0.2, "ok"}, {"log", 0.2, "back"}}
			st[2].Next = []Route{{"verify", 0.9, ""}, {"fix", 0.075, "again"}, {"fix-by-desk", 0.025, "again"}}
			moved := Step{ID: "fix-by-desk", Team: "desk", Duration: st[2].Duration, Next: []Route{{"verify", 0.9, ""}, {"fix", 0.1, "again"}}}
			m.Work[0].Steps = append(st[:3], append([]Step{moved}, st[3:]...)...)
		}},
		{"shift left with the earlier team's own duration", Change{Kind: ChangeShiftLeft, Class: "req", Step: "fix", To: "log", Share: 1, Duration: oneMinute}, func(m *Model) {
			st := m.Work[0].Steps
			st[1].Next = []Route{{"fix", 0, "ok"}, {"fix-by-desk", 0.8, "ok"}, {"log", 0.2, "back"}}
			st[2].Next = []Route{{"verify", 0.9, ""}, {"fix", 0, "again"}, {"fix-by-desk", 0.1, "again"}}
			moved := Step{ID: "fix-by-desk", Team: "desk", Duration: *oneMinute, Next: []Route{{"verify", 0.9, ""}, {"fix", 0.1, "again"}}}
			m.Work[0].Steps = append(st[:3], append([]Step{moved}, st[3:]...)...)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := changeBase()
			got, err := Apply(in, []Change{tc.change})
			if err != nil {
				t.Fatal(err)
			}
			want := changeBase()
			tc.edit(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got.Work, want.Work)
			}
			if !reflect.DeepEqual(in, changeBase()) {
				t.Error("Apply changed its input")
			}
			// What Apply returns shares no memory with its input.
			got.Teams[0].Shifts[0].Days[0] = 9
			got.Work[0].Steps[0].Next[0].Probability = 9
			if !reflect.DeepEqual(in, changeBase()) {
				t.Error("the result shares memory with the input")
			}
		})
	}
}

func TestApplyInOrder(t *testing.T) {
	got, err := Apply(changeBase(), []Change{
		{Kind: ChangeAddPeople, Team: "l2", People: 1},
		{Kind: ChangeAddPeople, Team: "l2", People: 2},
		{Kind: ChangeRemoveStep, Step: "req.approve"},
		{Kind: ChangeAutoApprove, Step: "log", Share: 0.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Teams[1].People != 4 || got.Work[0].Steps[0].AutoApprove != 0.5 || len(got.Work[0].Steps) != 3 {
		t.Errorf("got %+v, want 4 people on l2, 3 steps and log auto-approving half", got)
	}
}

func TestApplyErrors(t *testing.T) {
	delayOnly := changeBase()
	delayOnly.DelayOnly = true
	tests := []struct {
		name      string
		model     *Model
		changes   []Change
		wantIndex int
		wantField string
		wantIn    string
	}{
		{"unknown kind", nil, []Change{{Kind: "hire", Team: "desk"}}, 0, "kind", `unknown kind of change "hire"`},
		{"unknown team", nil, []Change{{Kind: ChangeAddPeople, Team: "dsk", People: 1}}, 0, "team", `unknown team "dsk"; expected one of desk, l2 (did you mean "desk"?)`},
		{"unknown step, second change", nil, []Change{{Kind: ChangeAutoApprove, Step: "approve", Share: 0.5}, {Kind: ChangeWIPLimit, Step: "fx", WIPLimit: 2}}, 1, "step", `no step "fx" in any work class (did you mean "fix"?)`},
		{"unknown class", nil, []Change{{Kind: ChangeWIPLimit, Class: "rq", Step: "fix", WIPLimit: 2}}, 0, "class", `unknown work class "rq"`},
		{"field the kind does not take", nil, []Change{{Kind: ChangeWIPLimit, Step: "fix", WIPLimit: 2, Share: 0.5}}, 0, "share", `field "share" does not apply to a wip_limit change`},
		{"missing field", nil, []Change{{Kind: ChangeAutomate, Step: "fix"}}, 0, "duration", `missing field "duration"`},
		{"share above 1", nil, []Change{{Kind: ChangeAutoApprove, Step: "approve", Share: 1.5}}, 0, "share", "outside [0, 1]"},
		{"negative limit", nil, []Change{{Kind: ChangeWIPLimit, Step: "fix", WIPLimit: -1}}, 0, "limit", "negative"},
		{"bad duration", nil, []Change{{Kind: ChangeAutomate, Step: "fix", Duration: &Dist{Kind: DistExponential}}}, 0, "duration.mean", "duration is 0"},
		{"bad policy", nil, []Change{{Kind: ChangeQueuePolicy, Team: "desk", Policy: "random"}}, 0, "policy", `unknown queue order "random"`},
		{"rate and factor", nil, []Change{{Kind: ChangeArrivalRate, Class: "req", Rate: 1, Factor: 2}}, 0, "", "either rate"},
		{"rate for every class", nil, []Change{{Kind: ChangeArrivalRate, Rate: 1}}, 0, "class", "one work class"},
		{"removing every person", nil, []Change{{Kind: ChangeAddPeople, Team: "l2", People: -1}}, 0, "people", "leaves none"},
		{"removing the only resolving step", nil, []Change{{Kind: ChangeRemoveStep, Step: "req.verify"}}, 0, "step", "no other step does"},
		{"removing the only step", nil, []Change{{Kind: ChangeRemoveStep, Step: "other.fix"}}, 0, "step", "the only step"},
		{"rework share with no other route", nil, []Change{{Kind: ChangeReworkShare, Step: "log", To: "approve", Share: 0.5}}, 0, "to", "no other route"},
		{"rework share to an unknown step", nil, []Change{{Kind: ChangeReworkShare, Step: "approve", To: "lg", Share: 0.1}}, 0, "to", `no step "lg"`},
		{"rework share that traps work", nil, []Change{{Kind: ChangeReworkShare, Step: "fix", Class: "req", To: "fix", Share: 1}}, 0, "", "leaves the model invalid"},
		{"shift left to a later step", nil, []Change{{Kind: ChangeShiftLeft, Class: "req", Step: "log", To: "fix", Share: 0.5}}, 0, "step", "is the entry"},
		{"shift left from a step that does not lead there", nil, []Change{{Kind: ChangeShiftLeft, Class: "other", Step: "fix", To: "fix", Share: 0.5}}, 0, "to", "from itself"},
		{"shift left to a delay", nil, []Change{{Kind: ChangeShiftLeft, Class: "req", Step: "fix", To: "approve", Share: 0.5}}, 0, "to", "uses no team"},
		{"shift left twice", nil, []Change{{Kind: ChangeShiftLeft, Class: "req", Step: "fix", To: "log", Share: 0.5}, {Kind: ChangeShiftLeft, Class: "req", Step: "fix", To: "log", Share: 0.5}}, 1, "step", "exists already"},
		{"add people to a delay-only model", delayOnly, []Change{{Kind: ChangeAddPeople, Team: "desk", People: 1}}, 0, "", "delay-only model"},
		{"WIP limit on a delay-only model", delayOnly, []Change{{Kind: ChangeWIPLimit, Step: "fix", WIPLimit: 1}}, 0, "", "delay-only model"},
		{"queue policy on a delay-only model", delayOnly, []Change{{Kind: ChangeQueuePolicy, Team: "desk", Policy: "lifo"}}, 0, "", "delay-only model"},
		{"shift left on a delay-only model", delayOnly, []Change{{Kind: ChangeShiftLeft, Class: "req", Step: "fix", To: "log", Share: 0.5}}, 0, "", "delay-only model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model
			if m == nil {
				m = changeBase()
			}
			_, err := Apply(m, tc.changes)
			var ce *ChangeError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ChangeError", err)
			}
			if ce.Index != tc.wantIndex || ce.Field != tc.wantField || !strings.Contains(ce.Error(), tc.wantIn) {
				t.Errorf("got %q (index %d, field %q), want index %d, field %q, containing %q", ce.Error(), ce.Index, ce.Field, tc.wantIndex, tc.wantField, tc.wantIn)
			}
		})
	}
	// Changes that do not ask about capacity apply to a delay-only model.
	if _, err := Apply(delayOnly, []Change{{Kind: ChangeAutoApprove, Step: "approve", Share: 0.5}, {Kind: ChangeAutomate, Step: "req.fix", Duration: &Dist{Kind: DistFixed, Mean: 60}}}); err != nil {
		t.Errorf("got %v, want auto-approval and automation on a delay-only model", err)
	}
	if _, err := Apply(&Model{}, nil); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("got %v, want an invalid model refused", err)
	}
}
