package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// MaxPasswordLen bounds passwords in bytes. It is not about argon2id (which
// pre-hashes the password) but about refusing absurd input early; 1,024 bytes
// is far beyond any passphrase a person types or a manager generates.
const MaxPasswordLen = 1024

// Upper bounds on argon2id parameters, for hashing and, more importantly, for
// verifying. A stored hash is data: if someone can write one (a restored
// backup, an import, a compromised admin account), its parameters decide how
// much memory and CPU every sign-in attempt for that account costs. These caps
// keep the worst case to about a second and 256 MiB, not minutes and
// gigabytes, while leaving room to raise the defaults several times over.
const (
	MaxMemoryKiB = 256 * 1024 // 256 MiB: four times the default
	MaxTime      = 10         // passes over memory
	MaxThreads   = 16         // lanes; more do not make hashing faster on our machines
	// MaxCost bounds Memory×Time (KiB·passes), the real work factor: the
	// default is 192 MiB·passes, so this allows about five times its cost:
	// about 1 s and 256 MiB on a two-core machine at worst.
	MaxCost = 1024 * 1024
	// Salt and key lengths in bytes. RFC 9106 asks for at least 8 bytes of
	// salt (we make 16); keys shorter than 16 bytes would be too easy to
	// collide.
	MinSaltLen = 8
	MaxSaltLen = 64
	MinKeyLen  = 16
	MaxKeyLen  = 64

	// maxEncodedLen bounds the PHC string before any parsing: the longest
	// valid one (maximal numbers, 64-byte salt and key) is about 220 bytes.
	maxEncodedLen = 512
)

// Errors returned by the password functions; they are wrapped with detail,
// so test them with errors.Is.
var (
	ErrEmptyPassword   = errors.New("auth: password is empty")
	ErrPasswordTooLong = fmt.Errorf("auth: password is longer than %d bytes", MaxPasswordLen)
	// ErrMalformedHash means a stored password hash is not an argon2id PHC
	// string this package can read; the message names the faulty part.
	ErrMalformedHash = errors.New("auth: malformed password hash")
	// ErrInvalidParams means argon2id parameters are outside the bounds
	// above, whether passed to HashPasswordWith or read from a stored hash.
	ErrInvalidParams = errors.New("auth: argon2id parameters out of range")
)

// Params are the argon2id cost parameters and output sizes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes, computed in parallel
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived key stored in the hash
}

// DefaultParams returns the parameters HashPassword uses: 64 MiB, 3 passes,
// 2 lanes, a 16-byte salt and a 32-byte key. 64 MiB with t=3 is the second
// recommended option of RFC 9106 §4 (for machines that cannot give a sign-in
// 2 GiB) and above the OWASP minimum (19 MiB, t=2); two lanes match the
// two-core machines svcflow targets. It costs about 100 ms and 64 MiB per
// hash on an idle one (BenchmarkHashPassword: 93–107 ms on a 2-core EPYC VM;
// t=2 would be about 55 ms), which a person signing in does not notice and
// which limits the whole machine to about ten guesses a second.
//
// It is a function, not a variable, so no caller can change the defaults for
// everyone else.
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// TestParams returns the cheapest valid parameters. They make hashing take
// microseconds so that tests of code that stores users can create many; they
// offer no protection and must not be used outside tests.
func TestParams() Params {
	return Params{Memory: 8, Time: 1, Threads: 1, SaltLen: MinSaltLen, KeyLen: MinKeyLen}
}

// limits are the bounds a Params must respect. They are a value rather than
// the constants above alone so the fuzz test can verify with tiny bounds and
// stay fast, exercising the very code production uses.
type limits struct {
	memory  uint32
	time    uint32
	threads uint8
	cost    uint64
}

func defaultLimits() limits {
	return limits{memory: MaxMemoryKiB, time: MaxTime, threads: MaxThreads, cost: MaxCost}
}

// check reports the first cost parameter out of bounds. Lower bounds come
// from argon2 itself (x/crypto panics on t=0 or p=0; RFC 9106 requires m ≥ 8p).
func (l limits) check(p Params) error {
	switch {
	case p.Time < 1 || p.Time > l.time:
		return fmt.Errorf("%w: time t=%d, want 1 to %d", ErrInvalidParams, p.Time, l.time)
	case p.Threads < 1 || p.Threads > l.threads:
		return fmt.Errorf("%w: parallelism p=%d, want 1 to %d", ErrInvalidParams, p.Threads, l.threads)
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("%w: memory m=%d KiB, want at least 8×p = %d", ErrInvalidParams, p.Memory, 8*uint32(p.Threads))
	case p.Memory > l.memory:
		return fmt.Errorf("%w: memory m=%d KiB, want at most %d", ErrInvalidParams, p.Memory, l.memory)
	case uint64(p.Memory)*uint64(p.Time) > l.cost:
		return fmt.Errorf("%w: cost m×t = %d KiB·passes, want at most %d", ErrInvalidParams, uint64(p.Memory)*uint64(p.Time), l.cost)
	}
	return nil
}

func checkLengths(salt, key uint32) error {
	if salt < MinSaltLen || salt > MaxSaltLen {
		return fmt.Errorf("%w: salt of %d bytes, want %d to %d", ErrInvalidParams, salt, MinSaltLen, MaxSaltLen)
	}
	if key < MinKeyLen || key > MaxKeyLen {
		return fmt.Errorf("%w: key of %d bytes, want %d to %d", ErrInvalidParams, key, MinKeyLen, MaxKeyLen)
	}
	return nil
}

func checkPasswordLen(password string) error {
	if password == "" {
		return ErrEmptyPassword
	}
	if len(password) > MaxPasswordLen {
		return fmt.Errorf("%w (got %d)", ErrPasswordTooLong, len(password))
	}
	return nil
}

// HashPassword hashes a password with DefaultParams and a fresh random salt,
// returning a PHC string such as
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>
//
// with salt and key in unpadded standard base64. Errors: ErrEmptyPassword,
// ErrPasswordTooLong.
func HashPassword(password string) (string, error) {
	return HashPasswordWith(DefaultParams(), password)
}

// HashPasswordWith is HashPassword with explicit parameters, for tests
// (TestParams) and for operators tuning cost. Errors: ErrEmptyPassword,
// ErrPasswordTooLong, ErrInvalidParams.
func HashPasswordWith(p Params, password string) (string, error) {
	if err := checkPasswordLen(password); err != nil {
		return "", err
	}
	if err := defaultLimits().check(p); err != nil {
		return "", err
	}
	if err := checkLengths(p.SaltLen, p.KeyLen); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodeHash(p, salt, key), nil
}

func encodeHash(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches the encoded hash made by
// HashPassword (or any argon2id v=19 PHC string within the parameter caps).
//
// An error means the stored hash is unusable, which is an operator problem,
// never the user's: ErrMalformedHash or ErrInvalidParams, with the faulty part
// named. An empty or over-long password is simply false, because
// HashPassword never accepts one, so no stored hash can match it.
func CheckPassword(encoded, password string) (bool, error) {
	return checkPassword(encoded, password, defaultLimits())
}

func checkPassword(encoded, password string, lim limits) (bool, error) {
	// Parse first so that a bad stored hash is reported whatever the user typed.
	h, err := parseHash(encoded, lim)
	if err != nil {
		return false, err
	}
	if checkPasswordLen(password) != nil {
		return false, nil
	}
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, uint32(len(h.key)))
	// Constant time so the response time does not reveal how many leading
	// bytes of the key a guess got right.
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// unmatchable has DefaultParams and a random key that is the hash of no
// known password (it was drawn from crypto/rand, not derived), so checking
// against it costs what a real check costs and never succeeds.
// TestUnmatchableFollowsDefaults keeps it in step with DefaultParams.
const unmatchable = "$argon2id$v=19$m=65536,t=3,p=2$ptNDhnlXGPuFzsnwhz3cBA$0ORxjBh5oFx9A5QOMwb94zWUJbiPHI1cFOrfUVzOp10"

// CheckNobody spends the time and memory of a CheckPassword on a default
// hash and returns false. Call it when a sign-in names an account that does
// not exist (or has no password), so that the response time does not tell an
// attacker which accounts exist.
func CheckNobody(password string) bool {
	ok, err := CheckPassword(unmatchable, password)
	return ok && err == nil
}

// NeedsRehash reports whether encoded should be replaced by a hash made with
// p: because it is unreadable or because any parameter differs. Differing in
// either direction counts, so lowering the defaults (say, after finding them
// too slow on production hardware) also takes effect. Call it after a
// successful CheckPassword, while the plain password is at hand.
func NeedsRehash(encoded string, p Params) bool {
	h, err := parseHash(encoded, defaultLimits())
	if err != nil {
		return true
	}
	return h.params.Memory != p.Memory || h.params.Time != p.Time || h.params.Threads != p.Threads ||
		uint32(len(h.salt)) != p.SaltLen || uint32(len(h.key)) != p.KeyLen
}

type parsedHash struct {
	params Params
	salt   []byte
	key    []byte
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedHash, fmt.Sprintf(format, args...))
}

// parseHash reads $argon2id$v=19$m=M,t=T,p=P$SALT$KEY strictly: one field
// order, canonical decimals, canonical unpadded base64. Strictness costs
// nothing (we only verify hashes we or argon2 reference tools wrote) and
// means one password has exactly one accepted encoding per salt.
func parseHash(encoded string, lim limits) (parsedHash, error) {
	var h parsedHash
	if len(encoded) > maxEncodedLen {
		return h, malformed("%d bytes long, want at most %d", len(encoded), maxEncodedLen)
	}
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return h, malformed(`want 5 fields "$argon2id$v=19$m=…,t=…,p=…$salt$key", got %d`, len(fields)-1)
	}
	if fields[1] != "argon2id" {
		return h, malformed("algorithm %q, want argon2id", fields[1])
	}
	if want := "v=" + strconv.Itoa(argon2.Version); fields[2] != want {
		return h, malformed("version %q, want %q", fields[2], want)
	}
	params := strings.Split(fields[3], ",")
	if len(params) != 3 {
		return h, malformed(`parameters %q, want "m=<KiB>,t=<passes>,p=<lanes>"`, fields[3])
	}
	var nums [3]uint32
	for i, name := range [3]string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return h, malformed("parameter %d is %q, want %s=<number>", i+1, params[i], name)
		}
		n, err := parseDecimal(v)
		if err != nil {
			return h, malformed("parameter %s: %v", name, err)
		}
		nums[i] = n
	}
	if nums[2] > 255 {
		// x/crypto takes lanes as a uint8; say so rather than truncate.
		return h, fmt.Errorf("%w: parallelism p=%d, want 1 to %d", ErrInvalidParams, nums[2], lim.threads)
	}
	h.params = Params{Memory: nums[0], Time: nums[1], Threads: uint8(nums[2])}
	if err := lim.check(h.params); err != nil {
		return h, err
	}
	var err error
	if h.salt, err = decodeB64("salt", fields[4], MinSaltLen, MaxSaltLen); err != nil {
		return h, err
	}
	if h.key, err = decodeB64("key", fields[5], MinKeyLen, MaxKeyLen); err != nil {
		return h, err
	}
	h.params.SaltLen, h.params.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	return h, nil
}

// parseDecimal accepts what the PHC format allows: ASCII digits, no sign, no
// leading zero, fitting in 32 bits.
func parseDecimal(s string) (uint32, error) {
	if s == "" {
		return 0, errors.New("empty, want a decimal number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is larger than 32 bits", s)
	}
	return uint32(n), nil
}

func decodeB64(what, s string, minLen, maxLen int) ([]byte, error) {
	enc := base64.RawStdEncoding.Strict()
	// Check the length before decoding so hostile input cannot make us
	// allocate; the decoded length follows from the encoded one.
	if n := enc.DecodedLen(len(s)); n < minLen || n > maxLen {
		return nil, fmt.Errorf("%w: %s of %d bytes, want %d to %d", ErrInvalidParams, what, n, minLen, maxLen)
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		// Not the decoder's message: it would quote part of the stored key.
		return nil, malformed("%s is not unpadded standard base64", what)
	}
	return b, nil
}
