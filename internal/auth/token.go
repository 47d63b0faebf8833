package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Prefixes of the secrets svcflow hands out. A fixed, distinctive prefix lets
// secret scanners (GitHub push protection, gitleaks) recognise a leaked token
// and lets a person tell an API token from a session cookie at a glance.
const (
	TokenPrefix   = "svcf_" // API tokens, sent as "Authorization: Bearer svcf_…"
	SessionPrefix = "svcs_" // browser session IDs, sent in a cookie
)

// secretBytes is the entropy of every secret here: 256 bits, as SPEC §6 asks,
// which makes guessing hopeless and lets a plain SHA-256 protect the stored
// copy (no salt or slow hash needed: there is no dictionary to attack).
const secretBytes = 32

// TokenLen is the length of an API token or session ID string: the 5-byte
// prefix and 43 characters of unpadded base64url. Both prefixes have the same
// length, so one constant serves both.
const TokenLen = len(TokenPrefix) + (secretBytes*8+5)/6

// randomSecret returns 256 random bits in unpadded base64url, which needs no
// escaping in headers, cookies, URLs or form fields.
func randomSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func newPrefixed(prefix string) (plain, hash string, err error) {
	s, err := randomSecret()
	if err != nil {
		return "", "", err
	}
	plain = prefix + s
	return plain, HashToken(plain), nil
}

// NewToken returns a new API token: plain is shown to the user once, hash is
// what the store keeps and looks tokens up by.
func NewToken() (plain, hash string, err error) {
	return newPrefixed(TokenPrefix)
}

// NewSessionID returns a new session ID: plain goes in the cookie, hash is
// what the store keeps, so reading the sessions table does not let anyone
// take over a session.
func NewSessionID() (plain, hash string, err error) {
	return newPrefixed(SessionPrefix)
}

// HashToken returns the lower-case hex SHA-256 of the whole token string
// (prefix included), the form in which tokens and session IDs are stored.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// hasFormat reports whether s is prefix followed by exactly 32 bytes of
// canonical unpadded base64url. Checking the shape before hashing and looking
// up keeps junk away from the store; it need not be constant time because the
// shape is public.
func hasFormat(s, prefix string) bool {
	body, ok := strings.CutPrefix(s, prefix)
	if !ok || len(s) != TokenLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(body)
	return err == nil && len(b) == secretBytes
}

// IsSessionID reports whether s has the shape of a session ID made by
// NewSessionID, for checking a cookie value before looking it up.
func IsSessionID(s string) bool {
	return hasFormat(s, SessionPrefix)
}

// ParseBearer extracts an API token from an Authorization header value of
// the form "Bearer <token>" (RFC 6750 §2.1). The scheme is case-insensitive
// and surrounding spaces are ignored. It returns false for other schemes,
// a missing token, or a token that is not shaped like one from NewToken
// (wrong prefix, length or alphabet).
func ParseBearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if !hasFormat(token, TokenPrefix) {
		return "", false
	}
	return token, true
}

// NewCSRFToken returns a synchronizer token for one session (SPEC §8): the
// server stores it with the session, puts it in a hidden csrf_token field of
// every state-changing form and compares what comes back with EqualTokens.
func NewCSRFToken() (string, error) {
	return randomSecret()
}

// EqualTokens compares two secrets in constant time, so response timing does
// not reveal how much of a guess was right. Empty strings never match: a
// session that somehow lacks a CSRF token must not accept a form without one.
func EqualTokens(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
