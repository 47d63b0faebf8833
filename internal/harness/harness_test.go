package harness

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/library"
	"github.com/svcflow/svcflow/internal/server"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// newServer returns a real svcflow handler on a SQLite store in a temp
// directory, and an admin's token.
func newServer(t *testing.T) (http.Handler, string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := desk.New(desk.Options{Store: st})
	streams, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		t.Fatal(err)
	}
	if err := d.SavePerson(ctx, nil, &svcflow.Person{ID: "ada", Name: "Ada", Email: "ada@example.org", Role: svcflow.RoleAdmin, Teams: []string{"service-desk"}}); err != nil {
		t.Fatal(err)
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CreateToken(ctx, nil, desk.Token{Hash: hash, ID: "tok-ada", Person: "ada", Name: "harness"}); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Desk: d})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetReady()
	return srv.Handler(), plain
}

func config(token string, out io.Writer, instances ...*Instance) Config {
	return Config{Instances: instances, Token: token, Rate: 60, Duration: 1500 * time.Millisecond,
		Items: 20, PullItems: 10, Workers: 16, RetryFor: 5 * time.Second, Seed: 7, Out: out,
		Mix: Mix{Create: 1, Pull: 1, Transition: 2, Comment: 4, List: 1, Search: 1}}
}

// Two instances (two HTTP servers over one store, as two processes over
// one database would be) under the mixed load: every check passes, and the
// report names every operation.
func TestRunTwoInstances(t *testing.T) {
	h, token := newServer(t)
	a, b := httptest.NewServer(h), httptest.NewServer(h)
	defer a.Close()
	defer b.Close()
	var out bytes.Buffer
	if err := Run(context.Background(), config(token, &out, NewInstance(a.URL), NewInstance(b.URL))); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"create", "pull", "transition", "comment", "list", "search", "lost (acknowledged, not in the log): 0; applied twice: 0",
		"uploaded through " + a.URL, "downloaded through " + b.URL} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// The check is only worth something if it fails when the server lies.
func TestCheckCatchesLostAndDoubledWrites(t *testing.T) {
	tests := []struct {
		name string
		// lie handles a comment request instead of the server, or returns
		// false to pass it on.
		lie  func(h http.Handler, w http.ResponseWriter, r *http.Request) bool
		want string
	}{
		{"acknowledged without writing", func(h http.Handler, w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
			return true
		}, "is missing"},
		{"written twice", func(h http.Handler, w http.ResponseWriter, r *http.Request) bool {
			body, _ := io.ReadAll(r.Body)
			for range 2 { // as a server ignoring Idempotency-Key would after a retry
				r2 := r.Clone(r.Context())
				r2.Header.Del("Idempotency-Key")
				r2.Body = io.NopCloser(bytes.NewReader(body))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r2)
				if rec.Code != http.StatusOK {
					return false
				}
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
			return true
		}, "is there 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, token := newServer(t)
			var lies atomic.Int64
			liar := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/comment") && lies.Load() < 3 && tt.lie(h, w, r) {
					lies.Add(1)
					return
				}
				h.ServeHTTP(w, r)
			})
			s := httptest.NewServer(liar)
			defer s.Close()
			var out bytes.Buffer
			err := Run(context.Background(), config(token, &out, NewInstance(s.URL)))
			if lies.Load() == 0 {
				t.Fatalf("no comment was sent:\n%s", out.String())
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q\n%s", err, tt.want, out.String())
			}
		})
	}
}

func TestInstancePick(t *testing.T) {
	a, b := NewInstance("http://a/"), NewInstance("http://b")
	c := &client{instances: []*Instance{a, b}}
	a.shun()
	for range 4 {
		if got := c.pick(); got != b {
			t.Fatalf("picked %s while a is down", got.Base())
		}
	}
	a.SetBase("http://a2")
	seen := map[string]bool{}
	for range 4 {
		seen[c.pick().Base()] = true
	}
	if !seen["http://a2"] || !seen["http://b"] {
		t.Errorf("after a restart the picks were %v, want both instances", seen)
	}
}
