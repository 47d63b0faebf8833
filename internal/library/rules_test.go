package library_test

import (
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/library"
)

func TestDefaultRules(t *testing.T) {
	rules, err := library.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("%d default rules, want 2", len(rules))
	}
	ac, pr := rules[0], rules[1]
	if ac.ID != "auto-close-resolved" || !ac.Enabled || ac.After.Calendar != 7*24*time.Hour || !ac.Then[0].Close {
		t.Errorf("auto-close rule %+v", ac)
	}
	if pr.ID != "problem-from-repeated-incidents" || pr.Enabled || pr.Then[0].OpenProblem == nil || pr.Then[0].OpenProblem.Threshold != 3 {
		t.Errorf("problem rule %+v", pr)
	}
}
