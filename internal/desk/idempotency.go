package desk

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// ErrKeyUsed is returned by Append when the request's Idempotency-Key has
// been recorded by another append already: the change it carries was made
// before, and nothing is written.
var ErrKeyUsed = errors.New("idempotency key already used")

// IdempotencyClaim carries a request's Idempotency-Key (SPEC §5) into the
// first append the request makes, which records the key in its own
// transaction: the change and the key commit together or not at all, so a
// retry after a crash, on any instance, finds the key and cannot apply
// the change twice.
type IdempotencyClaim struct {
	Key     string
	Created time.Time
	// Expired is the creation time before which a recorded key no longer
	// counts (its time to live is over) and may be taken again.
	Expired time.Time
	claimed atomic.Bool
}

// Claimed reports whether an append has recorded the key.
func (c *IdempotencyClaim) Claimed() bool { return c.claimed.Load() }

// MarkClaimed is called by stores once the append that recorded the key
// has committed.
func (c *IdempotencyClaim) MarkClaimed() { c.claimed.Store(true) }

// NewIdempotencyClaim returns a claim for a key scoped by the caller,
// stamped with the desk's clock.
func (d *Desk) NewIdempotencyClaim(key string) *IdempotencyClaim {
	now := d.now()
	return &IdempotencyClaim{Key: key, Created: now, Expired: now.Add(-IdempotencyTTL)}
}

type claimKey struct{}

// WithIdempotencyClaim returns a context whose first append records c.
func WithIdempotencyClaim(ctx context.Context, c *IdempotencyClaim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

// PendingClaim returns the claim an append made under ctx must record,
// or nil when there is none or it is recorded already.
func PendingClaim(ctx context.Context) *IdempotencyClaim {
	c, _ := ctx.Value(claimKey{}).(*IdempotencyClaim)
	if c == nil || c.Claimed() {
		return nil
	}
	return c
}

// ClaimResult is what a claim records as the result of its request, for
// answering a retry whose first answer was lost: the attachment the append
// adds, or else the first item it changes.
func ClaimResult(changes []*Change) string {
	for _, c := range changes {
		if c.Attachment != nil {
			return c.Attachment.ID
		}
	}
	for _, c := range changes {
		if c.Item != nil {
			return c.Item.ID
		}
	}
	return ""
}
