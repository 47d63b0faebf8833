package desk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
)

// Feedback roles: who gave it.
const (
	FeedbackRequester = "requester" // satisfaction, after resolution
	FeedbackAgent     = "agent"     // someone who worked the item
)

// Feedback is one feedback entry, kept centrally beside the log (its
// comment is free text that can be erased): a requester's satisfaction
// score with an optional comment, or an agent's remarks on the work with
// an optional score. Improvements cite entries by id.
type Feedback struct {
	ID      string    `json:"id"`
	Item    string    `json:"item"`
	Stream  string    `json:"stream"`
	Person  string    `json:"person"`
	Role    string    `json:"role"`
	Score   int       `json:"score,omitempty"`
	Comment string    `json:"comment,omitempty"`
	Created time.Time `json:"created"`
}

// FeedbackFilter selects feedback entries; empty fields do not filter.
type FeedbackFilter struct {
	Item     string
	Stream   string
	Role     string
	From, To time.Time // created in [From, To)
	Limit    int
}

// FeedbackStore keeps feedback entries, each written by Append with its
// event (Change.Feedback).
type FeedbackStore interface {
	// FeedbackEntry returns one entry, or ErrNotFound.
	FeedbackEntry(ctx context.Context, id string) (Feedback, error)
	// FeedbackEntries returns the entries f selects, newest first.
	FeedbackEntries(ctx context.Context, f FeedbackFilter) ([]Feedback, error)
}

// GiveFeedback records feedback on an item: from its requester (requested
// by or for), their satisfaction score after resolution; from anyone else
// who may act on it (agents and up), remarks on the work with an optional
// score. Errors: ErrNotFound, ErrForbidden, ErrConflict (not resolved yet,
// for a requester), ErrInvalid naming score or comment.
func (d *Desk) GiveFeedback(ctx context.Context, actor *svcflow.Person, id string, expected, score int, comment string) (*View, *Feedback, error) {
	comment = strings.TrimSpace(comment)
	if err := checkText("comment", comment); err != nil {
		return nil, nil, err
	}
	if len(comment) > 8<<10 {
		return nil, nil, svcflow.FieldErrorf("comment", "%d bytes; at most 8192", len(comment))
	}
	w, _, err := d.load(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	n, err := d.store.NextNumber(ctx, "feedback")
	if err != nil {
		return nil, nil, err
	}
	f := &Feedback{ID: fmt.Sprintf("FB-%d", n), Item: id, Stream: w.Stream, Person: actor.ID, Score: score, Comment: comment, Created: d.now()}
	var cmd svcflow.Command
	if actor.ID == w.RequestedBy || actor.ID == w.RequestedFor || actor.Role == svcflow.RoleRequester {
		f.Role, cmd = FeedbackRequester, svcflow.GiveFeedback{Score: score, ID: f.ID}
	} else {
		f.Role, cmd = FeedbackAgent, svcflow.GiveAgentFeedback{Score: score, ID: f.ID}
	}
	v, err := d.actWith(ctx, actor, id, expected, cmd, func(c *Change) { c.Feedback = f })
	if err != nil {
		return nil, nil, err
	}
	return v, f, nil
}

// FeedbackEntries returns feedback entries for managers and admins, who
// weigh it; an item's own entries for those who may see the item.
// Errors: ErrForbidden, ErrNotFound.
func (d *Desk) FeedbackEntries(ctx context.Context, actor *svcflow.Person, f FeedbackFilter) ([]Feedback, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if !actor.Role.AtLeast(svcflow.RoleManager) {
		if f.Item == "" || !actor.Role.AtLeast(svcflow.RoleAgent) {
			return nil, svcflow.Errorf(svcflow.ErrForbidden, "feedback across items is for managers and admins; agents may ask for one item's")
		}
		if _, _, err := d.load(ctx, actor, f.Item); err != nil {
			return nil, err
		}
	}
	return d.store.FeedbackEntries(ctx, f)
}
