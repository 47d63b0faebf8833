package svcflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
)

// restoration builds a small valid stream in code: register → investigate,
// which either fixes (→ value) or hands over to obtain-fix, which loops back
// on a failed check.
func restoration() *svcflow.ValueStream {
	return &svcflow.ValueStream{
		Schema: svcflow.SchemaV1, ID: "restore", Revision: 1, Name: "Restore",
		TargetLeadTime: svcflow.MustParseDuration("8h"),
		AppliesTo:      svcflow.AppliesTo{Kinds: []svcflow.Kind{svcflow.KindIncident}},
		EntryPoints:    map[string]string{"monitoring": "investigate"},
		ReopenTo:       "investigate",
		Steps: []svcflow.Step{
			{ID: "register", Number: 1, Name: "Register", Activity: svcflow.Engage, TargetLeadTime: svcflow.MustParseDuration("15m"),
				RACI: svcflow.RACI{Accountable: "lead"}, Next: []svcflow.Transition{{To: "investigate", Probability: 1}}},
			{ID: "investigate", Number: 2, Name: "Investigate", Activity: svcflow.DeliverSupport, TargetLeadTime: svcflow.MustParseDuration("1h"),
				RACI: svcflow.RACI{Accountable: "lead"}, Outcomes: []string{"fixed", "not_fixed"},
				Practices: []svcflow.PracticeContribution{{Practice: "incident-management", Contribution: "Restores service."}},
				Next:      []svcflow.Transition{{When: "fixed", To: "value", Probability: 0.7}, {When: "not_fixed", To: "obtain-fix", Probability: 0.3}}},
			{ID: "obtain-fix", Number: 3, Name: "Obtain a fix", Activity: svcflow.ObtainBuild, TargetLeadTime: svcflow.MustParseDuration("4h"),
				RACI: svcflow.RACI{Accountable: "lead"}, Outcomes: []string{"ok", "failed"}, Resolves: true,
				Next: []svcflow.Transition{{When: "ok", To: "value", Probability: 0.9}, {When: svcflow.Otherwise, To: "investigate", Probability: 0.1}}},
		},
	}
}

func TestValidateValid(t *testing.T) {
	if ds := restoration().Validate(); len(ds) != 0 {
		t.Fatalf("valid stream has diagnostics: %v", ds)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *svcflow.ValueStream)
		path   string
		want   string // in the message or hint
		sev    svcflow.Severity
	}{
		{"schema", func(s *svcflow.ValueStream) { s.Schema = "svcflow/stream/v0" }, "schema", "expected \"svcflow/stream/v1\"", "error"},
		{"id not kebab", func(s *svcflow.ValueStream) { s.ID = "Restore_Live" }, "id", "not kebab-case", "error"},
		{"revision", func(s *svcflow.ValueStream) { s.Revision = 0 }, "revision", "at least 1", "error"},
		{"unknown activity", func(s *svcflow.ValueStream) { s.Steps[1].Activity = "deliver_suport" }, "steps[1].activity", `did you mean "deliver_support"?`, "error"},
		{"missing activity", func(s *svcflow.ValueStream) { s.Steps[1].Activity = "" }, "steps[1].activity", "missing activity", "error"},
		{"unknown practice", func(s *svcflow.ValueStream) { s.Steps[1].Practices[0].Practice = "incident-managment" }, "steps[1].practices[0].practice", `did you mean "incident-management"?`, "error"},
		{"empty contribution", func(s *svcflow.ValueStream) { s.Steps[1].Practices[0].Contribution = " " }, "steps[1].practices[0].contribution", "missing contribution", "error"},
		{"duplicate id", func(s *svcflow.ValueStream) { s.Steps[2].ID = "investigate" }, "steps[2].id", "duplicate step id", "error"},
		{"reserved id", func(s *svcflow.ValueStream) { s.Steps[0].ID = "value" }, "steps[0].id", "reserved", "error"},
		{"duplicate number", func(s *svcflow.ValueStream) { s.Steps[2].Number = 2 }, "steps[2].number", "duplicate step number", "error"},
		{"unknown target", func(s *svcflow.ValueStream) { s.Steps[0].Next[0].To = "investigat" }, "steps[0].next[0].to", `did you mean "investigate"?`, "error"},
		{"undeclared outcome", func(s *svcflow.ValueStream) { s.Steps[1].Next[0].When = "solved" }, "steps[1].next[0].when", "does not declare", "error"},
		{"outcome without transition", func(s *svcflow.ValueStream) { s.Steps[1].Outcomes = append(s.Steps[1].Outcomes, "escalated") }, "steps[1].next", `outcome "escalated"`, "error"},
		{"probabilities missing", func(s *svcflow.ValueStream) { s.Steps[1].Next[0].Probability, s.Steps[1].Next[1].Probability = 0, 0 }, "steps[1].next", "without probabilities", "error"},
		{"probabilities sum", func(s *svcflow.ValueStream) { s.Steps[1].Next[0].Probability = 0.6 }, "steps[1].next", "sum to 0.9", "error"},
		{"probability range", func(s *svcflow.ValueStream) { s.Steps[1].Next[0].Probability = 1.3 }, "steps[1].next[0].probability", "from 0 to 1", "error"},
		{"no when on a branch", func(s *svcflow.ValueStream) { s.Steps[1].Next[0].When = "" }, "steps[1].next[0].when", "several transitions", "error"},
		{"two otherwise", func(s *svcflow.ValueStream) {
			s.Steps[2].Next[0].When = svcflow.Otherwise
		}, "steps[2].next[1].when", `a second "otherwise"`, "error"},
		{"no transitions", func(s *svcflow.ValueStream) { s.Steps[0].Next = nil }, "steps[0].next", "no transitions", "error"},
		{"no accountable", func(s *svcflow.ValueStream) { s.Steps[2].RACI.Accountable = "" }, "steps[2].raci.accountable", "no accountable", "error"},
		{"unreachable", func(s *svcflow.ValueStream) {
			s.Steps[1].Next = []svcflow.Transition{{When: "fixed", To: "value", Probability: 0.7}, {When: "not_fixed", To: "investigate", Probability: 0.3}}
		}, "steps[2]", "cannot be reached", "error"},
		{"cannot reach value", func(s *svcflow.ValueStream) {
			s.Steps[2].Next = []svcflow.Transition{{To: "investigate", Probability: 1}}
			s.Steps[2].Outcomes = nil
			s.Steps[1].Next = []svcflow.Transition{{To: "obtain-fix", Probability: 1}}
			s.Steps[1].Outcomes = nil
		}, "steps[1]", `can never reach "value"`, "error"},
		{"negative duration", func(s *svcflow.ValueStream) { s.Steps[0].TargetLeadTime = svcflow.Duration{Calendar: -time.Minute} }, "steps[0].target_lead_time", "not positive", "error"},
		{"negative wip", func(s *svcflow.ValueStream) { s.Steps[0].WIPLimit = -2 }, "steps[0].wip_limit", "at least 1", "error"},
		{"bad entry point", func(s *svcflow.ValueStream) { s.EntryPoints["monitoring"] = "investigation" }, "entry_points.monitoring", `did you mean "investigate"?`, "error"},
		{"missing reopen_to", func(s *svcflow.ValueStream) { s.ReopenTo = "" }, "reopen_to", "missing reopen_to", "error"},
		{"unknown kind", func(s *svcflow.ValueStream) { s.AppliesTo.Kinds = []svcflow.Kind{"incidnet"} }, "applies_to.kinds[0]", `did you mean "incident"?`, "error"},
		{"approval without approvers", func(s *svcflow.ValueStream) {
			s.Steps[0].Approval = &svcflow.Approval{Quorum: 1, OnReject: "cancel"}
		}, "steps[0].approval.approvers", "no approvers", "error"},
		{"approval bad on_reject", func(s *svcflow.ValueStream) {
			s.Steps[0].Approval = &svcflow.Approval{Approvers: []svcflow.Approver{{Role: "cab"}}, Quorum: 1, OnReject: "cancle"}
		}, "steps[0].approval.on_reject", `did you mean "cancel"?`, "error"},
		{"approval bad condition", func(s *svcflow.ValueStream) {
			s.Steps[0].Approval = &svcflow.Approval{Approvers: []svcflow.Approver{{Role: "cab"}}, Quorum: 1, OnReject: "cancel", AutoApprove: "impact = 3"}
		}, "steps[0].approval.auto_approve", "bad condition", "error"},
		{"approver with two names", func(s *svcflow.ValueStream) {
			s.Steps[0].Approval = &svcflow.Approval{Approvers: []svcflow.Approver{{Role: "cab", Team: "x"}}, Quorum: 1, OnReject: "cancel"}
		}, "steps[0].approval.approvers[0]", "exactly one", "error"},
		{"spawn when and wait", func(s *svcflow.ValueStream) {
			s.Steps[1].Spawn = []svcflow.Spawn{{Kind: svcflow.KindChange, Stream: "change", When: "fixed", WaitFor: "value"}}
		}, "steps[1].spawn[0].wait_for", "cannot hold up", "error"},
		{"spawn unknown kind", func(s *svcflow.ValueStream) {
			s.Steps[1].Spawn = []svcflow.Spawn{{Kind: "chnage", Stream: "change"}}
		}, "steps[1].spawn[0].kind", `did you mean "change"?`, "error"},
		{"require tasks without tasks", func(s *svcflow.ValueStream) { s.Steps[0].RequireTasks = true }, "steps[0].require_tasks", "no tasks", "error"},
		{"task activity", func(s *svcflow.ValueStream) {
			s.Steps[0].Actions = []svcflow.Action{{ID: "a", Name: "A", Tasks: []svcflow.Task{{ID: "t", Name: "T", Activity: "engag"}}}}
		}, "steps[0].actions[0].tasks[0].activity", `did you mean "engage"?`, "error"},
		{"targets exceed stream target", func(s *svcflow.ValueStream) { s.TargetLeadTime = svcflow.MustParseDuration("2h") }, "target_lead_time", "register → investigate → obtain-fix: 5h15m", "warning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := restoration()
			tt.mutate(s)
			ds := s.Validate()
			for _, d := range ds {
				if d.Path == tt.path && string(d.Severity) == string(tt.sev) && strings.Contains(d.Message+" "+d.Hint, tt.want) {
					return
				}
			}
			t.Errorf("no %s at %s containing %q; got:\n%v", tt.sev, tt.path, tt.want, ds)
		})
	}
}

func TestLongestTargetPathIgnoresLoops(t *testing.T) {
	s := restoration()
	got, path := svcflow.LongestTargetPath(s)
	if want := 5*time.Hour + 15*time.Minute; got != want {
		t.Errorf("longest path = %v, want %v", got, want)
	}
	if strings.Join(path, ",") != "register,investigate,obtain-fix" {
		t.Errorf("path = %v", path)
	}
	back := svcflow.BackEdges(s)
	if !back[[2]string{"obtain-fix", "investigate"}] || len(back) != 1 {
		t.Errorf("back edges = %v, want only obtain-fix → investigate", back)
	}
}

func TestFollow(t *testing.T) {
	s := restoration()
	inv := s.Step("investigate")
	if tr, ok := inv.Follow("fixed"); !ok || tr.To != "value" {
		t.Errorf("fixed → %v %v, want value", tr, ok)
	}
	if _, ok := inv.Follow("nonsense"); ok {
		t.Error("an undeclared outcome found a transition")
	}
	fix := s.Step("obtain-fix")
	if tr, ok := fix.Follow("failed"); !ok || tr.To != "investigate" {
		t.Errorf("failed → %v %v, want investigate (otherwise)", tr, ok)
	}
	if tr, ok := s.Step("register").Follow(""); !ok || tr.To != "investigate" {
		t.Errorf("register → %v %v, want investigate", tr, ok)
	}
	if st, ok := s.Entry("monitoring"); !ok || st.ID != "investigate" {
		t.Errorf("monitoring entry = %v", st)
	}
	if st, ok := s.Entry(""); !ok || st.ID != "register" {
		t.Errorf("default entry = %v", st)
	}
	if _, ok := s.Entry("email"); ok {
		t.Error("an unknown entry point was found")
	}
}
