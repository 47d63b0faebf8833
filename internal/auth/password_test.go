package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheap is used wherever the cost does not matter, to keep the suite fast.
var cheap = TestParams()

func mustHash(t testing.TB, p Params, pw string) string {
	t.Helper()
	h, err := HashPasswordWith(p, pw)
	if err != nil {
		t.Fatalf("HashPasswordWith(%+v): %v", p, err)
	}
	return h
}

func TestHashPasswordFormat(t *testing.T) {
	p := Params{Memory: 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}
	h := mustHash(t, p, "correct horse battery staple")
	prefix := "$argon2id$v=19$m=1024,t=2,p=2$"
	if !strings.HasPrefix(h, prefix) {
		t.Fatalf("got %q, want prefix %q", h, prefix)
	}
	f := strings.Split(h, "$")
	if got, want := len(f[4]), base64.RawStdEncoding.EncodedLen(16); got != want {
		t.Errorf("salt is %d characters, want %d", got, want)
	}
	if got, want := len(f[5]), base64.RawStdEncoding.EncodedLen(32); got != want {
		t.Errorf("key is %d characters, want %d", got, want)
	}
	if h2 := mustHash(t, p, "correct horse battery staple"); h2 == h {
		t.Error("two hashes of one password are equal; the salt is not random")
	}
}

func TestDefaultParamsWithinLimits(t *testing.T) {
	p := DefaultParams()
	if err := defaultLimits().check(p); err != nil {
		t.Fatal(err)
	}
	if err := checkLengths(p.SaltLen, p.KeyLen); err != nil {
		t.Fatal(err)
	}
	if p.Memory < 19*1024 || p.Time < 2 {
		t.Errorf("defaults %+v are below the OWASP minimum (m=19 MiB, t=2)", p)
	}
}

// TestKnownAnswer pins the encoding and the argon2id computation to the
// test vectors of the reference implementation (phc-winner-argon2,
// src/test.c: "password", salt "somesalt", t=2, m=256 KiB, p=1 and p=2), so a
// change of library or encoding is caught.
func TestKnownAnswer(t *testing.T) {
	for _, tc := range []struct {
		encoded, pw string
		want        bool
	}{
		{"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password", true},
		{"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", "password", true},
		{"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "Password", false},
		{"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password ", false},
		// Same key, other parameters: the parameters are part of the hash.
		{"$argon2id$v=19$m=256,t=3,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password", false},
	} {
		got, err := CheckPassword(tc.encoded, tc.pw)
		if err != nil || got != tc.want {
			t.Errorf("CheckPassword(%q, %q) = %v, %v; want %v, nil", tc.encoded, tc.pw, got, err, tc.want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	const pw = "Tr0ub4dor&3"
	h := mustHash(t, cheap, pw)
	long := strings.Repeat("x", MaxPasswordLen)
	hLong := mustHash(t, cheap, long)
	unicode := "pässwörd ✓"
	hUnicode := mustHash(t, cheap, unicode)

	// tamper flips one character of the key, keeping the base64 valid.
	tamper := func(s string) string {
		i := strings.LastIndexByte(s, '$') + 1
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	// resalt swaps the salt for another valid one.
	resalt := func(s string) string {
		f := strings.Split(s, "$")
		f[4] = base64.RawStdEncoding.EncodeToString([]byte("another salt"))
		return strings.Join(f, "$")
	}
	for _, tc := range []struct {
		name, encoded, pw string
		want              bool
	}{
		{"round trip", h, pw, true},
		{"wrong password", h, "Tr0ub4dor&4", false},
		{"prefix of password", h, pw[:len(pw)-1], false},
		{"empty password", h, "", false},
		{"too long password", h, long + "x", false},
		{"longest password", hLong, long, true},
		{"unicode", hUnicode, unicode, true},
		{"tampered key", tamper(h), pw, false},
		{"other salt", resalt(h), pw, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckPassword(tc.encoded, tc.pw)
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHashPasswordRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       Params
		pw      string
		wantErr error
		wantMsg string
	}{
		{"empty", cheap, "", ErrEmptyPassword, "password is empty"},
		{"too long", cheap, strings.Repeat("x", MaxPasswordLen+1), ErrPasswordTooLong, "longer than 1024 bytes (got 1025)"},
		{"zero time", Params{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}, "pw", ErrInvalidParams, "time t=0, want 1 to 10"},
		{"zero threads", Params{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32}, "pw", ErrInvalidParams, "parallelism p=0"},
		{"memory under 8p", Params{Memory: 15, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, "pw", ErrInvalidParams, "want at least 8×p = 16"},
		{"memory over cap", Params{Memory: MaxMemoryKiB + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, "pw", ErrInvalidParams, "memory m=262145 KiB, want at most 262144"},
		{"cost over cap", Params{Memory: MaxMemoryKiB, Time: 5, Threads: 1, SaltLen: 16, KeyLen: 32}, "pw", ErrInvalidParams, "cost m×t"},
		{"short salt", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}, "pw", ErrInvalidParams, "salt of 4 bytes, want 8 to 64"},
		{"short key", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8}, "pw", ErrInvalidParams, "key of 8 bytes, want 16 to 64"},
		{"long key", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 65}, "pw", ErrInvalidParams, "key of 65 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HashPasswordWith(tc.p, tc.pw)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %q, %v; want error %v", h, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("got error %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	const salt = "c29tZXNhbHQ"                                // "somesalt", 8 bytes
	const key = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4" // 32 bytes
	for _, tc := range []struct {
		name, encoded string
		wantErr       error
		wantMsg       string
	}{
		{"empty", "", ErrMalformedHash, "want 5 fields"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrMalformedHash, "want 5 fields"},
		{"no leading dollar", "argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, "want 5 fields"},
		{"extra field", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key + "$", ErrMalformedHash, "got 6"},
		{"argon2i", "$argon2i$v=19$m=256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, `algorithm "argon2i", want argon2id`},
		{"version 16", "$argon2id$v=16$m=256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, `version "v=16", want "v=19"`},
		{"no version", "$argon2id$m=256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, "want 5 fields"},
		{"two parameters", "$argon2id$v=19$m=1024,t=2$" + salt + "$" + key, ErrMalformedHash, `parameters "m=1024,t=2"`},
		{"reordered parameters", "$argon2id$v=19$t=2,m=1024,p=1$" + salt + "$" + key, ErrMalformedHash, `parameter 1 is "t=2", want m=<number>`},
		{"keyid parameter", "$argon2id$v=19$m=1024,t=2,p=1,keyid=x$" + salt + "$" + key, ErrMalformedHash, "parameters"},
		{"empty number", "$argon2id$v=19$m=,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, "parameter m: empty"},
		{"sign", "$argon2id$v=19$m=+1024,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, `parameter m: "+1024" is not a decimal number`},
		{"hex", "$argon2id$v=19$m=0x400,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, "not a decimal number"},
		{"leading zero", "$argon2id$v=19$m=01024,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, `"01024" has a leading zero`},
		{"overflow", "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + key, ErrMalformedHash, "larger than 32 bits"},
		{"salt padded", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "=$" + key, ErrMalformedHash, "salt is not unpadded standard base64"},
		{"key url alphabet", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + strings.ReplaceAll(key, "/", "_"), ErrMalformedHash, "key is not unpadded standard base64"},
		{"non-canonical base64", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key[:len(key)-1] + "N", ErrMalformedHash, "key is not unpadded"},
		{"empty salt", "$argon2id$v=19$m=256,t=2,p=1$$" + key, ErrInvalidParams, "salt of 0 bytes, want 8 to 64"},
		{"short key", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$AAAAAAAAAAA", ErrInvalidParams, "key of 8 bytes, want 16 to 64"},
		{"huge salt", "$argon2id$v=19$m=256,t=2,p=1$" + strings.Repeat("A", 100) + "$" + key, ErrInvalidParams, "salt of 75 bytes"},
		{"too long", "$argon2id$v=19$m=256,t=2,p=1$" + strings.Repeat("A", 600) + "$" + key, ErrMalformedHash, "want at most 512"},
		{"lanes over uint8", "$argon2id$v=19$m=4096,t=2,p=256$" + salt + "$" + key, ErrInvalidParams, "parallelism p=256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := CheckPassword(tc.encoded, "password")
			if ok || !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, %v; want false, %v", ok, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("got error %q, want it to contain %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error %q repeats the stored key", err)
			}
		})
	}
}

// TestParameterCaps checks that a hostile stored hash is refused before any
// work is done: each of these would otherwise take seconds to minutes or
// allocate gigabytes.
func TestParameterCaps(t *testing.T) {
	const tail = "$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	for _, tc := range []struct{ params, wantMsg string }{
		{"m=4194304,t=1,p=1", "memory m=4194304 KiB, want at most 262144"}, // 4 GiB
		{"m=4294967295,t=1,p=1", "memory m=4294967295 KiB"},
		{"m=65536,t=4294967295,p=1", "time t=4294967295, want 1 to 10"},
		{"m=65536,t=11,p=1", "time t=11"},
		{"m=262144,t=10,p=1", "cost m×t = 2621440 KiB·passes, want at most 1048576"},
		{"m=65536,t=3,p=17", "parallelism p=17, want 1 to 16"},
		{"m=65536,t=0,p=1", "time t=0"},
		{"m=65536,t=1,p=0", "parallelism p=0"},
		{"m=8,t=1,p=2", "want at least 8×p = 16"},
	} {
		t.Run(tc.params, func(t *testing.T) {
			start := time.Now()
			ok, err := CheckPassword("$argon2id$v=19$"+tc.params+tail, "password")
			if ok || !errors.Is(err, ErrInvalidParams) {
				t.Fatalf("got %v, %v; want false, ErrInvalidParams", ok, err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("got error %q, want it to contain %q", err, tc.wantMsg)
			}
			// Not a performance test: refusing must not involve hashing at all,
			// and a whole second leaves room for the slowest -race machine.
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusing took %v; did it hash?", d)
			}
		})
	}
	// The largest accepted cost still verifies (it is a cap, not a ban).
	// Memory 1 MiB with t=10 keeps this test fast.
	h := mustHash(t, Params{Memory: 1024, Time: MaxTime, Threads: MaxThreads, SaltLen: MaxSaltLen, KeyLen: MaxKeyLen}, "pw")
	if ok, err := CheckPassword(h, "pw"); !ok || err != nil {
		t.Errorf("CheckPassword at the caps = %v, %v; want true, nil", ok, err)
	}
}

func TestNeedsRehash(t *testing.T) {
	cur := Params{Memory: 256, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	h := mustHash(t, cur, "pw")
	with := func(f func(*Params)) Params { p := cur; f(&p); return p }
	for _, tc := range []struct {
		name    string
		encoded string
		p       Params
		want    bool
	}{
		{"same", h, cur, false},
		{"more memory", h, with(func(p *Params) { p.Memory = 512 }), true},
		{"less memory", h, with(func(p *Params) { p.Memory = 128 }), true},
		{"more time", h, with(func(p *Params) { p.Time = 3 }), true},
		{"more threads", h, with(func(p *Params) { p.Threads = 2 }), true},
		{"longer salt", h, with(func(p *Params) { p.SaltLen = 32 }), true},
		{"longer key", h, with(func(p *Params) { p.KeyLen = 64 }), true},
		{"malformed", "$argon2id$nonsense", cur, true},
		{"empty", "", cur, true},
		{"default vs cheap", h, DefaultParams(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NeedsRehash(tc.encoded, tc.p); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnmatchableFollowsDefaults(t *testing.T) {
	if NeedsRehash(unmatchable, DefaultParams()) {
		t.Fatalf("unmatchable does not use DefaultParams %+v; make a new one with a random salt and key", DefaultParams())
	}
	for _, pw := range []string{"password", "", "x"} {
		if CheckNobody(pw) {
			t.Errorf("CheckNobody(%q) = true", pw)
		}
	}
}

// fuzzLimits keep every hash the fuzzer can make verifiable in microseconds;
// the parsing code is the very one CheckPassword runs with the real caps.
var fuzzLimits = limits{memory: 256, time: 2, threads: 4, cost: 512}

func FuzzCheckPassword(f *testing.F) {
	// A fixed salt, not HashPasswordWith: every fuzz worker process must
	// compute the same seed.
	p := Params{Memory: 64, Time: 1, Threads: 1}
	salt := []byte("0123456789abcdef")
	good := encodeHash(p, salt, argon2.IDKey([]byte("password"), salt, p.Time, p.Memory, p.Threads, 32))
	for _, s := range []string{
		good,
		"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=65536,t=3,p=2$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$$",
		"$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$AAAA",
		"", "$", "$$$$$", "$argon2id$v=19$m=0,t=0,p=0$=$=",
	} {
		f.Add(s, "password")
	}
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		ok, err := checkPassword(encoded, pw, fuzzLimits)
		if ok && err != nil {
			t.Fatalf("got true with error %v", err)
		}
		if err != nil && !errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrInvalidParams) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if ok && encoded != good {
			// Matching needs the key of this password: only possible for
			// hashes made from it, which the fuzzer cannot find by chance
			// except for the seed itself (re-encoded forms are refused).
			t.Fatalf("%q matched %q", encoded, pw)
		}
		// The production caps must refuse at least what the fuzz caps refuse
		// for cost, and accept the same syntax.
		_, errProd := parseHash(encoded, defaultLimits())
		if errors.Is(errProd, ErrMalformedHash) != errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrInvalidParams) {
			t.Fatalf("production parse: %v; fuzz parse: %v", errProd, err)
		}
	})
}

// BenchmarkHashPassword measures the default cost; report its ms/op when
// changing DefaultParams.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := CheckPassword(h, "correct horse battery staple"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
