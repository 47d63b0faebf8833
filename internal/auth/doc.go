// Package auth provides credential primitives: password hashing (argon2id),
// API tokens, session and CSRF tokens, and login rate limiting.
//
// It does no HTTP and no storage: the server and the store use it. Secrets
// that the server hands out (API tokens, session IDs) are random, shown once
// and stored only as a SHA-256 digest, so a leaked database does not let
// anyone sign in; a fast hash is enough for them because they carry 256 bits
// of entropy. Passwords carry little entropy, so they alone get a slow,
// memory-hard hash.
//
// There is no package-level mutable state, and the Limiter takes its clock
// in its Options, so tests drive time by hand.
package auth
