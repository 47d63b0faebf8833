package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
)

type ctxKey int

const personKey ctxKey = iota

// personOf returns the signed-in person of a request that passed signedIn.
func personOf(r *http.Request) *svcflow.Person {
	p, _ := r.Context().Value(personKey).(*svcflow.Person)
	return p
}

// sessionCookie names the browser session cookie; the __Host- prefix pins
// it to this host and path when cookies are Secure.
func (s *Server) sessionCookie() string {
	if s.secure {
		return "__Host-svcflow_session"
	}
	return "svcflow_session"
}

// sessionTTL is how long a browser session lasts.
const sessionTTL = 12 * time.Hour

// identify finds the person behind a bearer token or a session cookie.
func (s *Server) identify(r *http.Request) (*svcflow.Person, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := auth.ParseBearer(h)
		if !ok {
			return nil, newProblem("unauthorized", "the Authorization header is not a svcflow bearer token")
		}
		hash := auth.HashToken(tok)
		if p := s.tokens.get(hash); p != nil {
			return p, nil
		}
		p, err := s.desk.PersonByToken(r.Context(), hash)
		if errors.Is(err, desk.ErrNotFound) {
			return nil, newProblem("unauthorized", "unknown or revoked token")
		}
		if err == nil {
			s.tokens.put(hash, p)
		}
		return p, err
	}
	if c, err := r.Cookie(s.sessionCookie()); err == nil && auth.IsSessionID(c.Value) {
		p, _, err := s.desk.PersonBySession(r.Context(), auth.HashToken(c.Value))
		if errors.Is(err, desk.ErrNotFound) {
			return nil, newProblem("unauthorized", "the session has ended; sign in again")
		}
		return p, err
	}
	return nil, newProblem("unauthorized", "sign in, or send a bearer token")
}

// signedIn requires a signed-in person for the API handler.
func (s *Server) signedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.identify(r)
		if err != nil {
			return err
		}
		if p.Erased {
			return newProblem("unauthorized", "this account no longer exists")
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), personKey, p)))
	}
}

// clientAddr is the peer address (proxies are not trusted here).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginRequest is the body of POST /api/v1/sessions.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// sessionInfo answers a sign-in: who signed in and the CSRF token forms
// must carry.
type sessionInfo struct {
	Person    personView `json:"person"`
	CSRFToken string     `json:"csrf_token"`
	Expires   time.Time  `json:"expires"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.checkPassword(w, r, in.Email, in.Password)
	if err != nil {
		return err
	}
	sess, err := s.startSession(w, r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sessionInfo{Person: viewPerson(p), CSRFToken: sess.CSRF, Expires: sess.Expires})
}

// checkPassword signs a person in by email and password, under the login
// rate limits of SPEC §8 (per account and per address). Errors are
// problems: too many requests (with Retry-After), or unauthorized.
func (s *Server) checkPassword(w http.ResponseWriter, r *http.Request, email, password string) (*svcflow.Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr := clientAddr(r)
	if ok, retry := s.limiter.Allow(email, addr); !ok {
		w.Header().Set("Retry-After", retryAfter(retry))
		return nil, newProblem("too-many-requests", "too many failed sign-ins; wait and try again")
	}
	p, hash, err := s.desk.Login(r.Context(), email)
	if err != nil && !errors.Is(err, desk.ErrNotFound) {
		s.limiter.Release(email, addr) // the store failed, not the person
		return nil, err
	}
	ok := false
	if err == nil {
		var cerr error
		if ok, cerr = auth.CheckPassword(hash, password); cerr != nil {
			s.log.ErrorContext(r.Context(), "stored password hash unreadable", "person", p.ID, "err", cerr)
		}
	} else {
		auth.CheckNobody(password) // take as long as a real check: timing must not reveal who has an account
	}
	if !ok {
		s.limiter.Fail(email, addr)
		return nil, newProblem("unauthorized", "wrong email or password")
	}
	s.limiter.Succeed(email, addr)
	return p, nil
}

// startSession starts a browser session for p and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, p *svcflow.Person) (desk.Session, error) {
	plain, hashed, err := auth.NewSessionID()
	if err != nil {
		return desk.Session{}, err
	}
	csrf, err := auth.NewCSRFToken()
	if err != nil {
		return desk.Session{}, err
	}
	sess := desk.Session{Hash: hashed, Person: p.ID, CSRF: csrf, Expires: s.desk.Now().Add(sessionTTL)}
	if err := s.desk.StartSession(r.Context(), sess); err != nil {
		return desk.Session{}, err
	}
	// Max-Age rather than Expires: a browser whose clock differs from the
	// server's still keeps the cookie for the session's length.
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: plain, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(sessionTTL / time.Second)})
	return sess, nil
}

func retryAfter(d time.Duration) string {
	secs := int(d.Seconds() + 0.999)
	if secs < 1 {
		secs = 1
	}
	return itoa(secs)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.endSession(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// endSession ends the request's browser session, if any, and clears its
// cookie.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(s.sessionCookie()); err == nil && auth.IsSessionID(c.Value) {
		if err := s.desk.EndSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, viewPerson(personOf(r)))
}

// tokenCache remembers who a token hash belongs to for a short while, so
// API clients do not cost a database read per request. A change to the
// person (role, teams) or a revoked token takes effect within tokenTTL.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
}

type tokenEntry struct {
	person *svcflow.Person
	until  time.Time
}

const (
	tokenTTL        = 30 * time.Second
	tokenCacheLimit = 10000
)

func (c *tokenCache) get(hash string) *svcflow.Person {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || time.Now().After(e.until) {
		return nil
	}
	return e.person
}

func (c *tokenCache) put(hash string, p *svcflow.Person) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= tokenCacheLimit {
		c.entries = map[string]tokenEntry{} // simple bound: start over
	}
	c.entries[hash] = tokenEntry{p, time.Now().Add(tokenTTL)}
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}
