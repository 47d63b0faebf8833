package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// testImprovements checks the register: an entry is written with its
// item's events, replaced by later changes, listed newest first, and left
// untouched by a change that loses a race.
func testImprovements(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	incident := f.open("Mail is slow every morning", desk.OpenInput{})
	raise := func(problem string) *desk.ImprovementView {
		t.Helper()
		v, err := f.desk.RaiseImprovement(ctx, f.agent, desk.RaiseInput{Title: "Shorten the wait at " + problem,
			Register: svcflow.Improvement{ProblemObserved: problem, ProposedAction: "add a person to the desk",
				Stream: "restore-live-service", Step: "investigate",
				Criterion: svcflow.Criterion{Metric: svcflow.MetricStepWaitP50, Step: "investigate", Direction: svcflow.Decrease,
					Target: 600, Window: svcflow.Duration{Calendar: 14 * 24 * time.Hour}},
				Sources: []svcflow.Source{{Type: svcflow.SourceItem, Ref: incident.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := raise("the investigation queue")
	second := raise("the morning peak")

	got, err := s.Improvement(ctx, first.Item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, first.Register) {
		t.Errorf("stored entry\n%+v\nwant\n%+v", got, first.Register)
	}
	if got.Item != first.Item.ID || got.Criterion.Stream != "restore-live-service" || got.Owner != f.agent.ID {
		t.Errorf("got item %s, criterion stream %q, owner %q; want %s, the stream of the entry, the raiser", got.Item, got.Criterion.Stream, got.Owner, first.Item.ID)
	}
	if first.Item.Kind != svcflow.KindImprovement || first.Item.Stream != "continual-improvement" {
		t.Errorf("raised a %s in %s, want an improvement in continual-improvement", first.Item.Kind, first.Item.Stream)
	}
	if len(first.Item.Links) != 1 || first.Item.Links[0] != (svcflow.Link{Type: svcflow.LinkRaisedFrom, Other: incident.ID}) {
		t.Errorf("links %v, want raised-from %s", first.Item.Links, incident.ID)
	}

	// A baseline recorded at the current version replaces the entry with
	// its event; one recorded at a stale version changes nothing.
	b := svcflow.Baseline{From: t0.Add(-14 * 24 * time.Hour), To: t0, Values: []float64{600, 900}, Mean: 750, Measured: t0}
	if _, err := f.desk.CaptureBaseline(ctx, first.Item.ID, first.Item.Version-1, b); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("baseline at a stale version: got %v, want a conflict", err)
	}
	if got, _ := s.Improvement(ctx, first.Item.ID); got.Baseline != nil {
		t.Errorf("a refused baseline was stored: %+v", got.Baseline)
	}
	v, err := f.desk.CaptureBaseline(ctx, first.Item.ID, first.Item.Version, b)
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.Improvement(ctx, first.Item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Baseline == nil || !reflect.DeepEqual(*got.Baseline, b) {
		t.Errorf("baseline %+v, want %+v", got.Baseline, b)
	}
	evs, err := s.ItemEvents(ctx, first.Item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Type != svcflow.EventBaselineCaptured || last.Actor != svcflow.SystemActor || last.Version != v.Item.Version {
		t.Errorf("last event %+v, want baseline_captured by the system at version %d", last, v.Item.Version)
	}
	if _, err := f.desk.CaptureBaseline(ctx, first.Item.ID, v.Item.Version, b); svcflow.ErrorCodeOf(err) != svcflow.ErrConflict {
		t.Errorf("a second baseline: got %v, want a conflict", err)
	}

	list, err := s.Improvements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Item != second.Item.ID || list[1].Item != first.Item.ID {
		t.Errorf("register order %v, want %s then %s", itemsOf(list), second.Item.ID, first.Item.ID)
	}
	if _, err := s.Improvement(ctx, incident.ID); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("entry of an incident: got %v, want not found", err)
	}
}

func itemsOf(list []*svcflow.Improvement) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m.Item
	}
	return out
}
