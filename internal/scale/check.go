package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// CheckOptions configures Check.
type CheckOptions struct {
	Sample float64 // the share of items to check (default 0.01)
	Seed   uint64
}

// CheckResult is what Check found.
type CheckResult struct {
	Items      int      // items in the store
	Checked    int      // items replayed and compared
	Mismatches []string // one line per item whose stored state is wrong
	Took       time.Duration
}

// maxReported bounds the mismatches kept, so a broken load does not fill
// memory with reports.
const maxReported = 100

// Check replays a random sample of items: each item's events folded with
// svcflow.Replay must equal its stored state, its versions must run from 1
// without gaps, and the list columns must agree with the state (the item
// is found by its own status, service and team).
func Check(ctx context.Context, s desk.Items, opt CheckOptions) (CheckResult, error) {
	began := time.Now()
	if opt.Sample <= 0 {
		opt.Sample = 0.01
	}
	if opt.Sample > 1 {
		return CheckResult{}, fmt.Errorf("check: sample %v; expected a share above 0 and at most 1", opt.Sample)
	}
	var res CheckResult
	stats, err := s.Stats(ctx)
	if err != nil {
		return res, fmt.Errorf("check: %w", err)
	}
	for _, n := range stats.ItemsByStatus {
		res.Items += n
	}
	if res.Items == 0 {
		return res, nil
	}
	last, err := s.ListItems(ctx, desk.ItemFilter{Limit: 1})
	if err != nil || len(last) == 0 {
		return res, fmt.Errorf("check: find the newest item: %v", err)
	}
	hi := number(last[0].ID)
	want := max(1, int(float64(res.Items)*opt.Sample))
	rng := rand.New(rand.NewPCG(opt.Seed, 0xc4ec))
	seen := map[string]bool{}
	// Numbers are dense from 1001 on (the first the counters hand out), so
	// a random number below the newest finds a random item.
	for tries := 0; res.Checked < want && tries < 20*want; tries++ {
		n := 1001 + rng.Int64N(max(1, hi-1000))
		page, err := s.ListItems(ctx, desk.ItemFilter{Before: n + 1, Limit: 1})
		if err != nil {
			return res, fmt.Errorf("check: %w", err)
		}
		if len(page) == 0 || seen[page[0].ID] {
			continue
		}
		seen[page[0].ID] = true
		res.Checked++
		if msg, err := checkItem(ctx, s, page[0].ID); err != nil {
			return res, fmt.Errorf("check %s: %w", page[0].ID, err)
		} else if msg != "" && len(res.Mismatches) < maxReported {
			res.Mismatches = append(res.Mismatches, page[0].ID+": "+msg)
		}
	}
	res.Took = time.Since(began)
	return res, nil
}

// checkItem compares one item's stored state with the replay of its events.
func checkItem(ctx context.Context, s desk.Items, id string) (string, error) {
	stored, err := s.Item(ctx, id)
	if err != nil {
		return "", err
	}
	events, err := s.ItemEvents(ctx, id)
	if err != nil {
		return "", err
	}
	for i, e := range events {
		if e.Version != i+1 {
			return fmt.Sprintf("event %d has version %d", i+1, e.Version), nil
		}
		if i > 0 && e.Time.Before(events[i-1].Time) {
			return fmt.Sprintf("version %d is older than version %d", e.Version, i), nil
		}
	}
	replayed, err := svcflow.Replay(events)
	if err != nil {
		return "replay: " + err.Error(), nil
	}
	if !reflect.DeepEqual(stored, replayed) {
		a, _ := json.Marshal(stored)
		b, _ := json.Marshal(replayed)
		return "stored state differs from the replay: " + firstDiff(string(a), string(b)), nil
	}
	f := desk.ItemFilter{Statuses: []svcflow.Status{stored.Status}, Service: stored.Service, Before: number(id) + 1, Limit: 1}
	if v := stored.Visit; v != nil {
		f.Teams = []string{v.Team}
		f.VisitStates = []svcflow.VisitState{v.State}
	}
	page, err := s.ListItems(ctx, f)
	if err != nil {
		return "", err
	}
	if len(page) == 0 || page[0].ID != id {
		return "not listed under its own status, service and team", nil
	}
	return "", nil
}

// firstDiff shows where two renderings part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-40)
	return fmt.Sprintf("stored …%s… replay …%s…", a[from:min(len(a), i+40)], b[from:min(len(b), i+40)])
}

// number is the number of an item id (INC-1042 → 1042).
func number(id string) int64 {
	n, _ := strconv.ParseInt(id[strings.LastIndexByte(id, '-')+1:], 10, 64)
	return n
}
