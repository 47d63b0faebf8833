package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// logEvent is what the check reads of an event.
type logEvent struct {
	Seq   int64  `json:"seq"`
	Item  string `json:"item"`
	Type  string `json:"type"`
	After string `json:"after"`
	Data  struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"data"`
}

func jsonInto(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %q: %w", firstLine(b), err)
	}
	return nil
}

// check replays the event log against the acknowledgements.
func (r *run) check(ctx context.Context) error {
	moves := map[string]int{}
	started := map[string]int{}
	comments := map[string]int{}
	sla := map[string]int{}
	warnings, breaches, events := 0, 0, 0
	after := int64(0)
	for {
		a, err := r.c.do(ctx, "GET", fmt.Sprintf("/api/v1/events?after=%d&limit=1000", after), nil, "")
		if err == nil && a.status != http.StatusOK {
			err = fmt.Errorf("status %d: %s", a.status, firstLine(a.body))
		}
		if err != nil {
			return fmt.Errorf("check: read the event log after %d: %w", after, err)
		}
		var page struct{ Events []logEvent }
		if err := jsonInto(a.body, &page); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if len(page.Events) == 0 {
			break
		}
		for _, e := range page.Events {
			events++
			switch e.Type {
			case "step_started":
				moves[e.Item]++
				started[e.Item]++
			case "step_requeued":
				moves[e.Item]++
			case "comment_added":
				comments[e.Item]++
			case "sla_warning", "sla_breached":
				sla[e.Item+" "+e.Data.Field+" "+e.Type]++
				if e.Type == "sla_warning" {
					warnings++
				} else {
					breaches++
				}
			}
		}
		after = page.Events[len(page.Events)-1].Seq
	}
	var problems []string
	problem := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	lost, doubled := 0, 0

	// Moves: the items alternate start and requeue, so a request applied
	// twice would be refused the second time; the count in the log must
	// lie between the acknowledged moves and those plus the unanswered.
	acked, pulls, pullStarts, pullUncertain := 0, 0, 0, 0
	for _, t := range r.items {
		acked += t.moves
		n := moves[t.id]
		if n < t.moves {
			lost += t.moves - n
			problem("%s: %d acknowledged moves, %d in the log", t.id, t.moves, n)
		}
		if n > t.moves+t.uncertain {
			doubled += n - t.moves - t.uncertain
			problem("%s: %d moves in the log, more than the %d acknowledged and %d unanswered", t.id, n, t.moves, t.uncertain)
		}
	}
	// Pulls start items of the pull team; each acknowledged pull started
	// its item, and no more starts happened than pulls sent.
	for _, t := range r.pulls {
		pulls += t.pulled
		pullStarts += started[t.id]
		pullUncertain += t.uncertain
		if started[t.id] < t.pulled {
			lost += t.pulled - started[t.id]
			problem("%s: pulled %d times, started %d times in the log", t.id, t.pulled, started[t.id])
		}
	}
	if pullStarts > pulls+pullUncertain {
		doubled += pullStarts - pulls - pullUncertain
		var extra []string
		for _, t := range r.pulls {
			if started[t.id] > t.pulled && len(extra) < 5 {
				extra = append(extra, fmt.Sprintf("%s started %d times, pulled %d", t.id, started[t.id], t.pulled))
			}
		}
		problem("the pull queue: %d starts in the log, more than the %d acknowledged and %d unanswered pulls (%s)",
			pullStarts, pulls, pullUncertain, strings.Join(extra, "; "))
	}

	// Comments: each acknowledged one is there exactly once, and an
	// unanswered one at most once.
	notes := 0
	for _, t := range r.items {
		if len(t.comments)+len(t.lostNotes) == 0 {
			continue
		}
		notes += len(t.comments)
		a, err := r.c.do(ctx, "GET", "/api/v1/work-items/"+t.id+"/comments", nil, "")
		if err != nil || a.status != http.StatusOK {
			return fmt.Errorf("check: comments of %s: %d %v", t.id, a.status, err)
		}
		var list struct{ Comments []struct{ Body string } }
		if err := jsonInto(a.body, &list); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		have := map[string]int{}
		for _, c := range list.Comments {
			have[c.Body]++
		}
		for _, b := range t.comments {
			switch n := have[b]; {
			case n == 0:
				lost++
				problem("%s: acknowledged comment %q is missing", t.id, b)
			case n > 1:
				doubled += n - 1
				problem("%s: comment %q is there %d times", t.id, b, n)
			}
		}
		for _, b := range t.lostNotes {
			if n := have[b]; n > 1 {
				doubled += n - 1
				problem("%s: unanswered comment %q is there %d times", t.id, b, n)
			}
		}
	}

	// Creations: each title token names one item, at most.
	made := 0
	for _, c := range r.creats {
		a, err := r.c.do(ctx, "GET", "/api/v1/work-items?limit=10&q="+url.QueryEscape(c.token), nil, "")
		if err != nil || a.status != http.StatusOK {
			return fmt.Errorf("check: search %s: %d %v", c.token, a.status, err)
		}
		var list struct {
			Items []struct{ ID, Title string }
		}
		if err := jsonInto(a.body, &list); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		n, found := 0, false
		for _, it := range list.Items {
			if it.Title == "harness "+c.token {
				n++
				found = found || it.ID == c.id
			}
		}
		if c.id != "" {
			made++
			if !found {
				lost++
				problem("creation %s (acknowledged as %s) is missing", c.token, c.id)
			}
		}
		if n > 1 {
			doubled += n - 1
			problem("creation %s made %d items", c.token, n)
		}
	}

	// SLA crossings: each once, whichever instance's ticker saw it first.
	for k, n := range sla {
		if n > 1 {
			doubled += n - 1
			problem("SLA crossing %s recorded %d times", k, n)
		}
	}
	out := r.cfg.Out
	fmt.Fprintf(out, "\ncheck against the event log (%d events): %d acknowledged moves, %d pulls, %d comments, %d creations\n",
		events, acked, pulls, notes, made)
	if r.cfg.SLATarget > 0 {
		fmt.Fprintf(out, "SLA crossings recorded: %d warnings, %d breaches, over %d (item, clock, kind) keys\n", warnings, breaches, len(sla))
		if warnings+breaches == 0 {
			problem("no SLA crossing was recorded: the run was shorter than the warning threshold, or the tickers did not run")
		}
	}
	if r.unreadable > 0 {
		problem("%d acknowledgements had a body that could not be read", r.unreadable)
	}
	fmt.Fprintf(out, "lost (acknowledged, not in the log): %d; applied twice: %d\n", lost, doubled)
	if len(problems) > 0 {
		return fmt.Errorf("the event log does not match the acknowledgements:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
