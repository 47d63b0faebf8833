package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// TestRefusalsChangeNothing: every bad request gets a problem document that
// names what is wrong, and the event log does not move.
func TestRefusalsChangeNothing(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("alice", map[string]any{"kind": "incident", "title": "Laptop will not boot", "entry": "monitoring", "requested_for": "ursula"})
	chg := e.open("ursula", map[string]any{"kind": "change", "title": "Upgrade the mail server"})
	e.action("cm", chg.ID, "complete", nil) // now at the approval step
	item := "/api/v1/work-items/" + w.ID
	big := `{"title":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, who, method, path string
		body                    any
		headers                 []string
		status                  int
		typ, field, detail      string
	}{
		{"malformed JSON", "ursula", "POST", "/api/v1/work-items", `{"kind": "incident",`, nil, 400, "malformed", "", "ends too early"},
		{"syntax error", "ursula", "POST", "/api/v1/work-items", `{"kind" "incident"}`, nil, 400, "malformed", "", "malformed JSON at byte"},
		{"two values", "ursula", "POST", "/api/v1/work-items", `{"kind":"incident","title":"a"} {}`, nil, 400, "malformed", "", "more than one JSON value"},
		{"unknown field", "ursula", "POST", "/api/v1/work-items", `{"kind":"incident","title":"a","colour":"red"}`, nil, 422, "invalid", "colour", "unknown field"},
		{"wrong type", "ursula", "POST", "/api/v1/work-items", `{"kind":"incident","title":"a","impact":"high"}`, nil, 422, "invalid", "impact", "expected a number"},
		{"bad enum", "ursula", "POST", "/api/v1/work-items", `{"kind":"bug","title":"a"}`, nil, 422, "invalid", "kind", `unknown kind "bug"`},
		{"missing kind", "ursula", "POST", "/api/v1/work-items", `{"title":"a"}`, nil, 422, "invalid", "kind", "missing"},
		{"missing title", "ursula", "POST", "/api/v1/work-items", `{"kind":"incident"}`, nil, 422, "invalid", "title", "missing title"},
		{"NUL in the title", "ursula", "POST", "/api/v1/work-items", `{"kind":"incident","title":"a\u0000b"}`, nil, 422, "invalid", "title", "NUL character"},
		{"bad duration", "ursula", "POST", "/api/v1/work-items", `{"kind":"incident","title":"a","size":"soon"}`, nil, 422, "invalid", "size", "expected a number"},
		{"bad impact", "ursula", "POST", "/api/v1/work-items", `{"kind":"incident","title":"a","impact":7}`, nil, 422, "invalid", "impact", "impact 7"},
		{"oversize body", "ursula", "POST", "/api/v1/work-items", big, nil, 413, "payload-too-large", "", "larger than"},
		{"wrong media type", "ursula", "POST", "/api/v1/work-items", `kind=incident`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported-media-type", "", "application/json"},
		{"illegal outcome", "alice", "POST", item + "/complete", `{"outcome":"fixd"}`, nil, 422, "invalid", "outcome", `did you mean "fixed"?`},
		{"field of another action", "alice", "POST", item + "/start", `{"outcome":"fixed"}`, nil, 422, "invalid", "outcome", "start takes no field"},
		{"illegal transition", "alice", "POST", item + "/close", nil, nil, 409, "conflict", "", "only a resolved item"},
		{"resume unpaused", "alice", "POST", item + "/resume", nil, nil, 409, "conflict", "", "not paused"},
		{"pause without reason", "alice", "POST", item + "/pause", nil, nil, 422, "invalid", "reason", "needs a reason"},
		{"approval by a non-approver", "max", "POST", "/api/v1/work-items/" + chg.ID + "/approve", nil, nil, 403, "forbidden", "", "not an approver"},
		{"requester starting work", "ursula", "POST", item + "/start", nil, nil, 403, "forbidden", "", "requester may not start"},
		{"requester sees no others' items", "victor", "GET", item, nil, nil, 404, "not-found", "", "no work item"},
		{"requester acts on others' items", "victor", "POST", item + "/comment", `{"body":"hi"}`, nil, 404, "not-found", "", "no work item"},
		{"unknown item", "alice", "GET", "/api/v1/work-items/INC-999999", nil, nil, 404, "not-found", "", "no work item"},
		{"unknown action", "alice", "POST", item + "/frobnicate", nil, nil, 404, "not-found", "", "no API route"},
		{"no sign-in", "", "GET", "/api/v1/work-items", nil, nil, 401, "unauthorized", "", "sign in"},
		{"bad token", "", "GET", "/api/v1/work-items", nil, []string{"Authorization", "Bearer svcf_" + strings.Repeat("A", 43)}, 401, "unauthorized", "", "unknown or revoked"},
		{"patch without If-Match", "alice", "PATCH", item, `{"impact":1}`, nil, 428, "precondition-required", "", "If-Match"},
		{"patch stale If-Match", "alice", "PATCH", item, `{"impact":1}`, []string{"If-Match", `"v1"`}, 412, "precondition-failed", "", "not 1"},
		{"action stale If-Match", "alice", "POST", item + "/start", nil, []string{"If-Match", `"v1"`}, 412, "precondition-failed", "", "not 1"},
		{"bad If-Match", "alice", "POST", item + "/start", nil, []string{"If-Match", `banana`}, 400, "malformed", "If-Match", "expected an ETag"},
		{"events for agents", "alice", "GET", "/api/v1/events", nil, nil, 403, "forbidden", "", "managers and admins"},
		{"bad cursor", "max", "GET", "/api/v1/events?after=x", nil, nil, 422, "invalid", "after", "sequence number"},
		{"agent adds a person", "alice", "POST", "/api/v1/people", `{"id":"z","name":"Z","email":"z@example.org","role":"agent"}`, nil, 403, "forbidden", "", "only admins"},
		{"bad email", "ada", "POST", "/api/v1/people", `{"id":"z","name":"Z","email":"not-an-email","role":"agent"}`, nil, 422, "invalid", "email", "not an email"},
	}
	before := e.eventCount()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.who, tt.method, tt.path, tt.body, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tt.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p problem
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != problemTypeBase+tt.typ || p.Status != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("problem %+v; want type %s containing %q", p, tt.typ, tt.detail)
			}
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("field errors %+v, want field %s", p.Errors, tt.field)
			}
		})
	}
	if after := e.eventCount(); after != before {
		t.Errorf("refused requests wrote %d events", after-before)
	}
}

func TestETagAndIfMatch(t *testing.T) {
	e := newTestEnv(t)
	w := e.open("ursula", map[string]any{"kind": "incident", "title": "Slow wifi"})
	r := e.must(200, "alice", "GET", "/api/v1/work-items/"+w.ID, nil)
	etag := r.header.Get("ETag")
	if etag != `"v2"` {
		t.Fatalf("ETag %q", etag)
	}
	var got workItem
	e.must(200, "alice", "PATCH", "/api/v1/work-items/"+w.ID, map[string]any{"impact": 1, "urgency": 1, "title": "Wifi down on floor 3"}, "If-Match", etag).json(t, &got)
	if got.Priority != "P1" || got.Title != "Wifi down on floor 3" {
		t.Errorf("patched: %s %q", got.Priority, got.Title)
	}
	// The old ETag no longer matches: the second writer learns it lost.
	e.must(412, "alice", "PATCH", "/api/v1/work-items/"+w.ID, map[string]any{"impact": 2}, "If-Match", etag)
	r = e.must(200, "alice", "POST", "/api/v1/work-items/"+w.ID+"/start", nil, "If-Match", etagOf(got.Version))
	if r.header.Get("ETag") == etagOf(got.Version) {
		t.Error("ETag did not change after an action")
	}
	// A title change is recorded, without its text.
	for _, ev := range mustEvents(t, e, w.ID) {
		if ev.Type == "field_changed" && ev.Data.Field == "title" && (ev.Before != "" || ev.After != "") {
			t.Errorf("the event log holds free text: %+v", ev)
		}
	}
}

func etagOf(v int) string { return etag(v) }

func mustEvents(t *testing.T, e *testEnv, id string) []eventJSON {
	var evs struct {
		Events []eventJSON `json:"events"`
	}
	e.must(200, "max", "GET", "/api/v1/work-items/"+id+"/events", nil).json(t, &evs)
	return evs.Events
}

type eventJSON struct {
	Seq    int64  `json:"seq"`
	Type   string `json:"type"`
	Step   string `json:"step"`
	Before string `json:"before"`
	After  string `json:"after"`
	Actor  string `json:"actor"`
	Data   struct {
		Field string `json:"field"`
	} `json:"data"`
}

func TestIdempotencyKey(t *testing.T) {
	e := newTestEnv(t)
	body := map[string]any{"kind": "service_request", "title": "New monitor"}
	r1 := e.must(201, "ursula", "POST", "/api/v1/work-items", body, "Idempotency-Key", "k-1")
	r2 := e.must(201, "ursula", "POST", "/api/v1/work-items", body, "Idempotency-Key", "k-1")
	if string(r1.body) != string(r2.body) || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the repeat did not return the original answer:\n%s\n%s", r1.body, r2.body)
	}
	var list itemList
	e.must(200, "ursula", "GET", "/api/v1/work-items", nil).json(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("%d items after a repeated POST, want 1", len(list.Items))
	}
	// Another person's identical key is theirs alone.
	e.must(201, "victor", "POST", "/api/v1/work-items", body, "Idempotency-Key", "k-1")
	// A refused request is remembered too: the repeat gets the same refusal.
	var w workItem
	r1.json(t, &w)
	a := e.do("alice", "POST", "/api/v1/work-items/"+w.ID+"/close", nil, "Idempotency-Key", "k-2")
	b := e.do("alice", "POST", "/api/v1/work-items/"+w.ID+"/close", nil, "Idempotency-Key", "k-2")
	if a.status != 409 || b.status != 409 || string(a.body) != string(b.body) {
		t.Errorf("refusal not replayed: %d %d", a.status, b.status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newTestEnv(t)
	r := e.do("", "POST", "/api/v1/sessions", map[string]any{"email": "alice@example.org", "password": "wrong"})
	if r.status != 401 {
		t.Fatalf("no password set: %d", r.status)
	}
	statuses := []int{}
	for range 6 {
		statuses = append(statuses, e.do("", "POST", "/api/v1/sessions", map[string]any{"email": "alice@example.org", "password": "wrong"}).status)
	}
	if statuses[len(statuses)-1] != 429 {
		t.Errorf("statuses %v: repeated failures should be limited with 429", statuses)
	}
}

func TestIdempotencyKeyConcurrentRetries(t *testing.T) {
	e := newTestEnv(t)
	var w workItem
	e.must(201, "alice", "POST", "/api/v1/work-items", map[string]any{"kind": "incident", "title": "Mail is down"}).json(t, &w)
	// Eight copies of one start at once, as a client retrying on several
	// instances would send them: one change, and every copy gets its answer.
	res := make([]response, 8)
	var wg sync.WaitGroup
	for i := range res {
		wg.Go(func() {
			res[i] = e.do("alice", "POST", "/api/v1/work-items/"+w.ID+"/start", nil, "Idempotency-Key", "s-1")
		})
	}
	wg.Wait()
	for i, r := range res {
		if r.status != 200 || string(r.body) != string(res[0].body) {
			t.Errorf("copy %d: %d %s, want 200 and the first answer", i, r.status, r.body)
		}
	}
	if n := countEvents(t, e, w.ID, "step_started"); n != 1 {
		t.Errorf("%d step_started events from one keyed request, want 1", n)
	}
}

func TestIdempotencyKeyAnswerLost(t *testing.T) {
	e := newTestEnv(t)
	var w workItem
	e.must(201, "alice", "POST", "/api/v1/work-items", map[string]any{"kind": "incident", "title": "VPN drops"}).json(t, &w)
	// The first attempt's change committed with its key, and the instance
	// died before it could answer or remember the answer.
	path := "/api/v1/work-items/" + w.ID + "/start"
	sum := sha256.Sum256([]byte("alice\x00POST\x00" + path + "\x00" + "lost-1"))
	ctx := desk.WithIdempotencyClaim(context.Background(), e.desk.NewIdempotencyClaim(hex.EncodeToString(sum[:])))
	alice, err := e.desk.Person(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Act(ctx, alice, w.ID, 0, svcflow.Start{}); err != nil {
		t.Fatal(err)
	}
	r := e.do("alice", "POST", path, nil, "Idempotency-Key", "lost-1")
	var got workItem
	r.json(t, &got)
	if r.status != 200 || r.header.Get("Idempotent-Replayed") != "reconstructed" || got.Status != "in_progress" {
		t.Errorf("retry after a lost answer: %d %q %s, want 200, reconstructed, in_progress", r.status, r.header.Get("Idempotent-Replayed"), got.Status)
	}
	if n := countEvents(t, e, w.ID, "step_started"); n != 1 {
		t.Errorf("%d step_started events, want 1: the retry applied the change again", n)
	}
}

func countEvents(t *testing.T, e *testEnv, id, typ string) int {
	t.Helper()
	n := 0
	for _, ev := range mustEvents(t, e, id) {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func TestIdempotencyKeyAnswerLostAttachment(t *testing.T) {
	e := newTestEnv(t)
	var w workItem
	e.must(201, "alice", "POST", "/api/v1/work-items", map[string]any{"kind": "incident", "title": "Printer log"}).json(t, &w)
	path := "/api/v1/work-items/" + w.ID + "/attachments"
	sum := sha256.Sum256([]byte("alice\x00POST\x00" + path + "\x00" + "att-1"))
	ctx := desk.WithIdempotencyClaim(context.Background(), e.desk.NewIdempotencyClaim(hex.EncodeToString(sum[:])))
	alice, err := e.desk.Person(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.desk.Attach(ctx, alice, w.ID, "printer.log", "text/plain", strings.NewReader("paper jam"))
	if err != nil {
		t.Fatal(err)
	}
	r := e.do("alice", "POST", path+"?name=printer.log", []byte("paper jam"), "Idempotency-Key", "att-1", "Content-Type", "text/plain")
	var got desk.Attachment
	r.json(t, &got)
	if r.status != 201 || got.ID != a.ID || r.header.Get("Idempotent-Replayed") != "reconstructed" {
		t.Errorf("retry of an upload whose answer was lost: %d %+v, want 201 and attachment %s", r.status, got, a.ID)
	}
	var list struct{ Items []desk.Attachment }
	e.must(200, "alice", "GET", path, nil).json(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("%d attachments after the retry, want 1", len(list.Items))
	}
}
