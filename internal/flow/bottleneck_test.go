package flow

import "testing"

func TestBottleneckLifecycle(t *testing.T) {
	l := metricsLog(t, nil, lifecycleRows...)
	m := mustMeasure(t, l, Options{ResolvedActivities: []string{"resolved"}})
	// Wait up to resolution (open visits of unresolved cases so far):
	// triage 10 + 0 + 35 + 0 = 45 min, fix 30 + 5 + 10 + 20 = 65; total 110.
	// triage is worked by alice (2 visits) and carol (2): the tie goes to
	// alice, utilization 40/140; fix by bob (2 of 3 known), 90/140.
	b := m.Bottlenecks
	if b.Basis != BasisWait || len(b.Steps) != 2 {
		t.Fatalf("got %+v", b)
	}
	fix, triage := b.Steps[0], b.Steps[1]
	if fix.Activity != "fix" || triage.Activity != "triage" || fix.Rank != 1 || !fix.Top {
		t.Fatalf("order: got %s, %s", fix.Activity, triage.Activity)
	}
	eq(t, "fix wait share", fix.WaitShare, 65.0/110)
	eq(t, "fix utilization", fix.Utilization, 90.0/140)
	eq(t, "fix score", fix.Score, 65.0/110*(90.0/140))
	eq(t, "triage score", triage.Score, 45.0/110*(40.0/140))
	eq(t, "fix p85 wait", fix.P85Wait, 1440) // waits 5, 10, 30 min: h = 1.7
	if fix.Team != "bob" || triage.Team != "alice" {
		t.Errorf("teams: got %q, %q", fix.Team, triage.Team)
	}
}

func TestBottleneckLeadBasis(t *testing.T) {
	// Completion timing: lead shares. Feedback ends after the resolution
	// and is left out; A, a first event, has no lead.
	l := metricsLog(t, nil,
		"c1, A, ann, 09:00",
		"c1, B, ann, 10:00",
		"c1, resolved, ann, 13:00",
		"c1, feedback, ann, 15:00",
		"c2, A, ann, 09:00",
		"c2, B, ann, 11:00",
		"c2, resolved, ann, 12:00",
	)
	m := mustMeasure(t, l, Options{ResolvedActivities: []string{"resolved"}})
	b := m.Bottlenecks
	if b.Basis != BasisLead {
		t.Fatalf("basis: got %q", b.Basis)
	}
	var names []string
	for _, s := range b.Steps {
		names = append(names, s.Activity)
		isNull(t, s.Activity+" wait share", s.WaitShare)
		isNull(t, s.Activity+" utilization", s.Utilization)
		isNull(t, s.Activity+" queue trend", s.QueueTrend)
	}
	// B: 60 + 120 = 180 min, resolved: 180 + 60 = 240; total 420.
	if len(names) != 3 || names[0] != "resolved" || names[1] != "B" || names[2] != "A" {
		t.Fatalf("ranking: got %v, want resolved, B, A", names)
	}
	eq(t, "resolved lead share", b.Steps[0].LeadShare, 240.0/420)
	eq(t, "B lead share", b.Steps[1].LeadShare, 180.0/420)
	if b.Steps[2].Top {
		t.Error("a step with score 0 is marked top")
	}
}

func TestBottleneckQueueTrend(t *testing.T) {
	// Daily windows: the queue of A is 0 on day 0, 1 on day 1, 2 on day 2
	// (visits entering at midnight and still queued at the end) → slope 1
	// per day = 7 per week.
	l := metricsLog(t, nil,
		"c1, A, , 1d 00:00, schedule",
		"c2, A, , 2d 00:00, schedule",
		"c3, A, ann, 00:00, start",
		"c3, A, ann, 3d 00:00, complete",
	)
	m := mustMeasure(t, l, Options{Window: WindowDay})
	var a Bottleneck
	for _, s := range m.Bottlenecks.Steps {
		if s.Activity == "A" {
			a = s
		}
	}
	eq(t, "queue trend", a.QueueTrend, 7)
}
