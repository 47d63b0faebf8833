package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/sqlite"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testEnv is a real server over a real SQLite store in a temp dir, with a
// clock the test moves and a token per person.
type testEnv struct {
	t      *testing.T
	srv    *Server
	http   *httptest.Server
	desk   *desk.Desk
	store  *sqlite.Store
	mu     sync.Mutex
	now    time.Time
	tokens map[string]string // person id → bearer token
}

var testPeople = []*svcflow.Person{
	{ID: "ada", Name: "Ada Admin", Email: "ada@example.org", Role: svcflow.RoleAdmin},
	{ID: "max", Name: "Max Manager", Email: "max@example.org", Role: svcflow.RoleManager},
	{ID: "alice", Name: "Alice Agent", Email: "alice@example.org", Role: svcflow.RoleAgent, Teams: []string{"service-desk"}},
	{ID: "bob", Name: "Bob Builder", Email: "bob@example.org", Role: svcflow.RoleAgent, Teams: []string{"application-support"}},
	{ID: "carol", Name: "Carol Ops", Email: "carol@example.org", Role: svcflow.RoleAgent, Teams: []string{"infrastructure-ops"}},
	{ID: "cm", Name: "Chris Change", Email: "cm@example.org", Role: svcflow.RoleAgent, Teams: []string{"change-management"}, Approves: []string{"change-manager"}},
	{ID: "ursula", Name: "Ursula User", Email: "ursula@example.org", Role: svcflow.RoleRequester},
	{ID: "victor", Name: "Victor Visitor", Email: "victor@example.org", Role: svcflow.RoleRequester},
	{ID: "zed", Name: "Zed Zero", Email: "zed@example.org", Role: svcflow.RoleRequester}, // erased by tests
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, store: st, now: t0, tokens: map[string]string{}}
	e.desk = desk.New(desk.Options{Store: st, Now: e.clock})
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.desk.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	for _, p := range testPeople {
		cp := *p
		if err := e.desk.SavePerson(ctx, nil, &cp); err != nil {
			t.Fatal(err)
		}
		plain, hash, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := e.desk.CreateToken(ctx, nil, desk.Token{Hash: hash, ID: "tok-" + p.ID, Person: p.ID, Name: "test"}); err != nil {
			t.Fatal(err)
		}
		e.tokens[p.ID] = plain
	}
	lim, _ := auth.NewLimiter(auth.Options{Now: e.clock})
	e.srv, err = New(Options{Desk: e.desk, Limiter: lim})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetReady()
	e.http = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.http.Close)
	return e
}

func (e *testEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// at sets the clock to t0 + minutes.
func (e *testEnv) at(minutes int) {
	e.mu.Lock()
	e.now = t0.Add(time.Duration(minutes) * time.Minute)
	e.mu.Unlock()
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request as a person ("" for anonymous) with a JSON body (a
// string is sent as is) and optional headers in pairs.
func (e *testEnv) do(who, method, path string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

// must sends a request and fails the test unless the status matches.
func (e *testEnv) must(status int, who, method, path string, body any, headers ...string) response {
	e.t.Helper()
	r := e.do(who, method, path, body, headers...)
	if r.status != status {
		e.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, who, r.status, status, r.body)
	}
	return r
}

func (e *testEnv) open(who string, body map[string]any) workItem {
	e.t.Helper()
	var w workItem
	e.must(201, who, "POST", "/api/v1/work-items", body).json(e.t, &w)
	return w
}

func (e *testEnv) action(who, id, action string, body any) workItem {
	e.t.Helper()
	var w workItem
	e.must(200, who, "POST", "/api/v1/work-items/"+id+"/"+action, body).json(e.t, &w)
	return w
}

func (e *testEnv) eventCount() int {
	evs, err := e.store.Events(context.Background(), 0, 1<<30)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(evs)
}
