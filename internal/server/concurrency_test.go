package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/svcflow/svcflow"
)

// TestConcurrentActions: 32 goroutines send conflicting actions to the same
// items through the API. Every acknowledged change is in the event log
// exactly once, none is lost, and each item's stored state equals the
// replay of its events.
func TestConcurrentActions(t *testing.T) {
	e := newTestEnv(t)
	var ids []string
	for i := range 4 {
		w := e.open("alice", map[string]any{"kind": "incident", "title": fmt.Sprintf("Busy %d", i), "entry": "monitoring", "requested_for": "ursula"})
		ids = append(ids, w.ID)
	}
	type ack struct {
		id, action string
		version    int
	}
	var mu sync.Mutex
	var acks []ack
	actions := []struct {
		name string
		body any
	}{
		{"comment", map[string]any{"body": "looking", "public": false}},
		{"start", nil},
		{"pause", map[string]any{"reason": "awaiting_vendor"}},
		{"resume", nil},
		{"swarm", map[string]any{"person": "bob"}},
		{"swarm", map[string]any{"person": "bob", "leave": true}},
		{"requeue", nil},
	}
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 12 {
				id := ids[rng.IntN(len(ids))]
				a := actions[rng.IntN(len(actions))]
				r := e.do("alice", "POST", "/api/v1/work-items/"+id+"/"+a.name, a.body)
				switch {
				case r.status == 200:
					var w workItem
					r.json(t, &w)
					mu.Lock()
					acks = append(acks, ack{id, a.name, w.Version})
					mu.Unlock()
				case r.status == 409 || r.status == 422:
					// refused for the item's state at that moment: fine
				default:
					t.Errorf("%s %s: %d %s", a.name, id, r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	ctx := context.Background()
	wantType := map[string]svcflow.EventType{
		"comment": svcflow.EventCommented, "start": "", "pause": svcflow.EventStatusChanged,
		"resume": "", "swarm": "", "requeue": svcflow.EventStepRequeued,
	}
	seen := map[string]bool{}
	for _, a := range acks {
		key := fmt.Sprintf("%s@%d", a.id, a.version)
		if seen[key] {
			t.Errorf("two acknowledgements claim %s", key)
		}
		seen[key] = true
		evs, err := e.store.ItemEvents(ctx, a.id)
		if err != nil {
			t.Fatal(err)
		}
		if a.version > len(evs) {
			t.Errorf("%s acknowledged at version %d, but the log has %d events", a.action, a.version, len(evs))
			continue
		}
		last := evs[a.version-1]
		if wt := wantType[a.action]; wt != "" && last.Type != wt {
			t.Errorf("%s acknowledged at %s, but that event is %s", a.action, key, last.Type)
		}
	}
	for _, id := range ids {
		evs, _ := e.store.ItemEvents(ctx, id)
		comments, acked := 0, 0
		for _, ev := range evs {
			if ev.Type == svcflow.EventCommented {
				comments++
			}
		}
		for _, a := range acks {
			if a.id == id && a.action == "comment" {
				acked++
			}
		}
		if comments != acked {
			t.Errorf("%s: %d comment events, %d acknowledged", id, comments, acked)
		}
		stored, err := e.store.Item(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		replayed, err := svcflow.Replay(evs)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, replayed) {
			t.Errorf("%s: stored state differs from the replay of its events:\nstored %+v %+v\nreplay %+v %+v", id, stored, stored.Visit, replayed, replayed.Visit)
		}
	}
	if len(acks) < 32 {
		t.Errorf("only %d acknowledged actions", len(acks))
	}
}

// FuzzDecode feeds arbitrary bytes to the JSON body decoder of every request
// type: it never panics, and a body it accepts decodes to a value whose
// re-encoding it accepts again.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"kind":"incident","title":"x"}`, `{"outcome":"fixed"}`, `{"impact":"high"}`, `[]`, `{`, `{"a":1}{}`, `null`, `{"score":1e400}`} {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"id":"std","targets":[{"priority":"P1","response":"soon"}]}`))
	f.Add([]byte(`{"size":"2bd","kind":"incident"}`))
	f.Add([]byte(`{"scenarios":["schema: svcflow/scenario/v1"],"replications":3}`))
	f.Add([]byte(`{"title":"VPN","keywords":["a",1],"known_error":"yes","problems":null}`))
	f.Add([]byte(`{"text":"forgot my password","service":7,"article":"KB-1001"}`))
	f.Add([]byte(`{"rule":{"id":"r","on":["created"],"after":"7d","then":[{"set":{"priority":"P1"}}]},"yaml":"id: x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&createWorkItem{}, &patchWorkItem{}, &actionBody{}, &loginRequest{}, &savePerson{}, &saveService{},
			&saveTeam{}, &saveOrg{}, &saveCI{}, &svcflow.SLAPolicy{}, &svcflow.Calendar{}, &simulationRequest{}, &raiseImprovement{}, &patchImprovement{},
			&saveArticle{}, &suggestionRequest{}, &solvedRequest{}, &saveWebhook{}, &ruleRequest{}} {
			err := decodeBytes(body, v)
			if err != nil {
				ae, ok := err.(*apiError)
				if !ok || ae.p.Status < 400 || ae.p.Status >= 500 || ae.p.Detail == "" {
					t.Fatalf("decode error is not a client problem: %#v", err)
				}
				continue
			}
			if _, err := command("complete", actionBody{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
