package auth_test

import (
	"fmt"
	"time"

	"github.com/svcflow/svcflow/internal/auth"
)

func ExampleCheckPassword() {
	// A hash from the reference implementation's test vectors; real ones come
	// from HashPassword and are stored as they are.
	const stored = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	ok, err := auth.CheckPassword(stored, "password")
	fmt.Println(ok, err)
	// After a successful sign-in, upgrade old hashes while the password is at hand.
	fmt.Println(auth.NeedsRehash(stored, auth.DefaultParams()))
	// Output:
	// true <nil>
	// true
}

func ExampleParseBearer() {
	plain, hash, err := auth.NewToken() // show plain once, store hash
	if err != nil {
		panic(err)
	}
	token, ok := auth.ParseBearer("Bearer " + plain)
	fmt.Println(ok, auth.HashToken(token) == hash)
	_, ok = auth.ParseBearer("Basic dXNlcjpwYXNz")
	fmt.Println(ok)
	// Output:
	// true true
	// false
}

func ExampleLimiter() {
	lim, err := auth.NewLimiter(auth.Options{PerAccount: 2})
	if err != nil {
		panic(err)
	}
	signIn := func(account, password, addr string) string {
		if ok, retry := lim.Allow(account, addr); !ok {
			return fmt.Sprintf("too many attempts, retry in %v", retry.Round(time.Minute))
		}
		if password != "s3cret" { // the server calls CheckPassword here
			lim.Fail(account, addr)
			return "wrong password"
		}
		lim.Succeed(account, addr)
		return "welcome"
	}
	fmt.Println(signIn("alice", "guess1", "192.0.2.1:50000"))
	fmt.Println(signIn("alice", "guess2", "192.0.2.1:50001"))
	fmt.Println(signIn("alice", "s3cret", "192.0.2.1:50002"))
	// Output:
	// wrong password
	// wrong password
	// too many attempts, retry in 15m0s
}
