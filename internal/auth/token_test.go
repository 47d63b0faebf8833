package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewTokenAndSessionID(t *testing.T) {
	if TokenLen != 48 {
		t.Fatalf("TokenLen = %d, want 48 (5-byte prefix, 43 base64url characters)", TokenLen)
	}
	for _, tc := range []struct {
		name   string
		make   func() (string, string, error)
		prefix string
		valid  func(string) bool
	}{
		{"token", NewToken, TokenPrefix, func(s string) bool { _, ok := ParseBearer("Bearer " + s); return ok }},
		{"session", NewSessionID, SessionPrefix, IsSessionID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := make(map[string]bool)
			for range 1000 {
				plain, hash, err := tc.make()
				if err != nil {
					t.Fatal(err)
				}
				if len(plain) != TokenLen {
					t.Fatalf("%q is %d bytes, want %d", plain, len(plain), TokenLen)
				}
				body, ok := strings.CutPrefix(plain, tc.prefix)
				if !ok {
					t.Fatalf("%q lacks prefix %q", plain, tc.prefix)
				}
				raw, err := base64.RawURLEncoding.DecodeString(body)
				if err != nil || len(raw) != 32 {
					t.Fatalf("body %q: %d bytes, %v; want 32 bytes of base64url", body, len(raw), err)
				}
				if hash != HashToken(plain) {
					t.Fatalf("hash %q, want HashToken(plain) = %q", hash, HashToken(plain))
				}
				if !tc.valid(plain) {
					t.Fatalf("%q is not accepted by its own validator", plain)
				}
				if seen[plain] {
					t.Fatalf("%q repeated", plain)
				}
				seen[plain] = true
			}
		})
	}
}

func TestHashToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// FIPS 180-2 test vector: a stable, independently checkable answer.
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		// The whole token, prefix included, is hashed (printf %s TOKEN | sha256sum).
		{"svcf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "beea5f7542017db405be443e73f7736dad0fec54be1d9c9813199ab6576939cd"},
	} {
		if got := HashToken(tc.in); got != tc.want {
			t.Errorf("HashToken(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseBearer(t *testing.T) {
	tok := "svcf_" + strings.Repeat("A", 42) + "Q" // canonical: last char keeps the spare bits zero
	for _, tc := range []struct {
		name, header string
		wantOK       bool
	}{
		{"plain", "Bearer " + tok, true},
		{"lower-case scheme", "bearer " + tok, true},
		{"upper-case scheme", "BEARER " + tok, true},
		{"surrounding spaces", "  Bearer " + tok + "  ", true},
		{"several spaces", "Bearer    " + tok, true},
		{"empty", "", false},
		{"scheme only", "Bearer", false},
		{"scheme and space", "Bearer ", false},
		{"basic", "Basic " + tok, false},
		{"token without scheme", tok, false},
		{"no space", "Bearer" + tok, false},
		{"tab separator", "Bearer\t" + tok, false},
		{"session id", "Bearer svcs_" + strings.Repeat("A", 42) + "Q", false},
		{"other prefix", "Bearer ghp_" + strings.Repeat("A", 45), false},
		{"short", "Bearer " + tok[:len(tok)-1], false},
		{"long", "Bearer " + tok + "A", false},
		{"two tokens", "Bearer " + tok + " " + tok, false},
		{"bad alphabet", "Bearer svcf_" + strings.Repeat("A", 42) + "+", false},
		{"padding", "Bearer svcf_" + strings.Repeat("A", 42) + "=", false},
		{"non-canonical last char", "Bearer svcf_" + strings.Repeat("A", 42) + "B", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseBearer(tc.header)
			if ok != tc.wantOK {
				t.Fatalf("got %q, %v; want ok=%v", got, ok, tc.wantOK)
			}
			if ok && got != tok {
				t.Errorf("got %q, want %q", got, tok)
			}
			if !ok && got != "" {
				t.Errorf("got %q with ok=false, want empty", got)
			}
		})
	}
}

func TestCSRFToken(t *testing.T) {
	a, err := NewCSRFToken()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewCSRFToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 43 || a == b {
		t.Errorf("got %q and %q, want two different 43-character tokens", a, b)
	}
	if _, err := base64.RawURLEncoding.DecodeString(a); err != nil {
		t.Errorf("%q is not base64url: %v", a, err)
	}
	for _, tc := range []struct {
		name string
		x, y string
		want bool
	}{
		{"same", a, a, true},
		{"copy", a, strings.Clone(a), true},
		{"different", a, b, false},
		{"prefix", a, a[:42], false},
		{"empty submitted", a, "", false},
		{"empty expected", "", a, false},
		{"both empty", "", "", false},
	} {
		if got := EqualTokens(tc.x, tc.y); got != tc.want {
			t.Errorf("%s: EqualTokens = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func FuzzParseBearer(f *testing.F) {
	tok, _, err := NewToken()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"Bearer " + tok, "bearer  " + tok + " ", "Basic Zm9vOmJhcg==", "", "Bearer", "Bearer svcf_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, ok := ParseBearer(header)
		if !ok {
			if got != "" {
				t.Fatalf("got %q with ok=false", got)
			}
			return
		}
		if len(got) != TokenLen || !strings.HasPrefix(got, TokenPrefix) || !strings.Contains(header, got) {
			t.Fatalf("ParseBearer(%q) = %q", header, got)
		}
		raw, err := base64.RawURLEncoding.DecodeString(got[len(TokenPrefix):])
		if err != nil || len(raw) != 32 {
			t.Fatalf("accepted %q: %d bytes, %v", got, len(raw), err)
		}
		// What is accepted round-trips through the canonical header.
		if again, ok := ParseBearer("Bearer " + got); !ok || again != got {
			t.Fatalf("canonical form of %q not accepted", got)
		}
	})
}
