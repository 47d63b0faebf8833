package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/svcflow/svcflow/internal/desk"
)

// Group commit, as in the SQLite store: event writes are serialised by the
// events lock anyway, so concurrent appends waiting for it share one
// transaction, each in its own savepoint, and one WAL flush. Every append
// still succeeds or fails on its own and is acknowledged only after the
// commit that holds it.

// maxBatch bounds how many appends share one transaction.
const maxBatch = 64

type appendRequest struct {
	ctx     context.Context
	changes []*desk.Change
	write   func(context.Context, pgx.Tx) error // instead of changes: a small write that rides along
	done    chan error
}

type writer struct {
	queue     chan *appendRequest
	done      chan struct{}
	mu        sync.RWMutex // held to send; close takes it to close the queue
	closed    bool
	closeOnce sync.Once
}

var errClosed = errors.New("the store is closed")

func (s *Store) startWriter() {
	s.w = &writer{queue: make(chan *appendRequest, 1024), done: make(chan struct{})}
	go func() {
		defer close(s.w.done)
		for req := range s.w.queue {
			batch := []*appendRequest{req}
		fill:
			for len(batch) < maxBatch {
				select {
				case r, ok := <-s.w.queue:
					if !ok {
						break fill
					}
					batch = append(batch, r)
				default:
					break fill
				}
			}
			s.commitBatch(batch)
		}
	}()
}

func (s *Store) stopWriter() {
	if s.w == nil {
		return
	}
	s.w.closeOnce.Do(func() {
		s.w.mu.Lock()
		s.w.closed = true
		close(s.w.queue)
		s.w.mu.Unlock()
	})
	<-s.w.done
}

// Append writes every change of one call atomically.
func (s *Store) Append(ctx context.Context, changes ...*desk.Change) error {
	return s.submit(&appendRequest{ctx: ctx, changes: changes, done: make(chan error, 1)})
}

// submit queues a request for the writer and waits for its verdict.
func (s *Store) submit(req *appendRequest) error {
	if err := s.enqueue(req); err != nil {
		return err
	}
	// Once queued, wait for the verdict even if ctx ends: the append may
	// be committed, and the caller must not be told otherwise.
	return <-req.done
}

// enqueue queues a request for the writer.
func (s *Store) enqueue(req *appendRequest) error {
	s.w.mu.RLock()
	defer s.w.mu.RUnlock()
	if s.w.closed {
		return errClosed
	}
	select {
	case s.w.queue <- req:
		return nil
	case <-req.ctx.Done():
		return req.ctx.Err()
	}
}

func (s *Store) commitBatch(batch []*appendRequest) {
	results := make([]error, len(batch))
	ctx := context.Background() // the batch outlives any one request's context
	err := s.tx(ctx, func(tx pgx.Tx) error {
		for i, req := range batch {
			if err := req.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			if _, err := tx.Exec(ctx, "SAVEPOINT append"); err != nil {
				return err
			}
			var err error
			if req.write != nil {
				err = req.write(ctx, tx)
			} else if c := desk.PendingClaim(req.ctx); c != nil {
				err = claimIdempotencyKey(ctx, tx, c, desk.ClaimResult(req.changes))
			}
			if err == nil && req.write == nil {
				err = s.appendChanges(ctx, tx, req.changes)
			}
			if err != nil {
				results[i] = conflictOr(err)
				if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT append"); rerr != nil {
					return fmt.Errorf("roll back a failed append: %w", rerr)
				}
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT append"); err != nil {
				return err
			}
		}
		if s.beforeCommit != nil {
			s.beforeCommit()
		}
		return nil
	})
	for i, req := range batch {
		if err != nil {
			req.done <- err
			continue
		}
		if c := desk.PendingClaim(req.ctx); c != nil && results[i] == nil {
			c.MarkClaimed()
		}
		req.done <- results[i]
	}
}
