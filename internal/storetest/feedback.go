package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// testFeedback checks feedback entries: written with their events, read
// back by id and by filter newest first, and their comments redacted when
// their author is erased.
func testFeedback(t *testing.T, s desk.Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	w := f.open("Laptop will not boot", desk.OpenInput{})
	f.act(f.agent, w.ID, svcflow.Start{})
	f.act(f.agent, w.ID, svcflow.Complete{})
	f.act(f.agent, w.ID, svcflow.Start{})
	f.advance(time.Hour)
	f.act(f.agent, w.ID, svcflow.Complete{Outcome: "fixed"})

	_, mine, err := f.desk.GiveFeedback(ctx, f.user, w.ID, 0, 5, "Quick and friendly")
	if err != nil {
		t.Fatal(err)
	}
	f.advance(time.Minute)
	_, theirs, err := f.desk.GiveFeedback(ctx, f.agent, w.ID, 0, 0, "The caller had to repeat everything after the transfer")
	if err != nil {
		t.Fatal(err)
	}
	if mine.Role != desk.FeedbackRequester || theirs.Role != desk.FeedbackAgent || theirs.Stream != "restore-live-service" {
		t.Errorf("roles %s and %s, stream %s", mine.Role, theirs.Role, theirs.Stream)
	}
	got, err := s.FeedbackEntry(ctx, mine.ID)
	if err != nil || got != *mine {
		t.Errorf("entry %+v (%v), want %+v", got, err, *mine)
	}
	if _, err := s.FeedbackEntry(ctx, "FB-1"); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("missing entry: %v", err)
	}
	for _, tt := range []struct {
		name string
		f    desk.FeedbackFilter
		want []string
	}{
		{"all, newest first", desk.FeedbackFilter{Limit: 10}, []string{theirs.ID, mine.ID}},
		{"by role", desk.FeedbackFilter{Role: desk.FeedbackRequester, Limit: 10}, []string{mine.ID}},
		{"by item", desk.FeedbackFilter{Item: w.ID, Limit: 1}, []string{theirs.ID}},
		{"by stream", desk.FeedbackFilter{Stream: "request-fulfilment", Limit: 10}, nil},
		{"by time", desk.FeedbackFilter{From: mine.Created, To: theirs.Created, Limit: 10}, []string{mine.ID}},
	} {
		list, err := s.FeedbackEntries(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range list {
			ids = append(ids, e.ID)
		}
		if len(ids) != len(tt.want) || len(ids) > 0 && ids[0] != tt.want[0] {
			t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
		}
	}
	evs, err := s.ItemEvents(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Type != svcflow.EventAgentFeedback || last.Data.Comment != theirs.ID {
		t.Errorf("last event %+v, want agent_feedback_given naming %s", last, theirs.ID)
	}

	if err := f.desk.ErasePerson(ctx, nil, f.user.ID); err != nil {
		t.Fatal(err)
	}
	got, err = s.FeedbackEntry(ctx, mine.ID)
	if err != nil || got.Comment == mine.Comment || got.Score != 5 {
		t.Errorf("after erasing its author: %+v (%v); want the comment redacted, the score kept", got, err)
	}
	if got, _ := s.FeedbackEntry(ctx, theirs.ID); got.Comment != theirs.Comment {
		t.Errorf("another person's feedback changed: %q", got.Comment)
	}
}
