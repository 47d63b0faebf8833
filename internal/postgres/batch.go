package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	write   func(*pgx.Batch) // instead of changes: a small write that rides along
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
		var pending []int
		for i, req := range batch {
			if err := req.ctx.Err(); err != nil {
				results[i] = err // given up before it was written
				continue
			}
			pending = append(pending, i)
		}
		// All appends go in one pipelined round trip, each in its own
		// savepoint (named apart). When one fails, the pipeline stops
		// there: that append is rolled back to its savepoint, which also
		// undoes the appends sent after it, and those are sent again.
		// The events lock comes first, before any row: a batch that took it
		// after updating an item could deadlock with another instance's
		// batch holding it and waiting for that item.
		first := true
		for len(pending) > 0 {
			b := &pgx.Batch{}
			if first {
				b.Queue(`SELECT pg_advisory_xact_lock(hashtext($1))`, eventsLock)
				first = false
			}
			current := -1
			for _, i := range pending {
				one := &pgx.Batch{}
				one.Queue(fmt.Sprintf("SAVEPOINT append%d", i)).Exec(func(pgconn.CommandTag) error { current = i; return nil })
				req := batch[i]
				if req.write != nil {
					req.write(one)
				} else {
					if c := desk.PendingClaim(req.ctx); c != nil {
						queueClaim(one, c, desk.ClaimResult(req.changes))
					}
					if err := queueChanges(one, req.changes); err != nil {
						results[i] = err // refused before anything was sent
						continue
					}
				}
				b.QueuedQueries = append(b.QueuedQueries, one.QueuedQueries...)
			}
			err := tx.SendBatch(ctx, b).Close()
			if err == nil {
				break
			}
			if current < 0 {
				return err // not even the lock or the first savepoint: the transaction is gone
			}
			results[current] = conflictOr(err)
			if isUniqueViolation(err) {
				results[current] = desk.ErrConflict
			}
			if _, rerr := tx.Exec(ctx, fmt.Sprintf("ROLLBACK TO SAVEPOINT append%d", current)); rerr != nil {
				return fmt.Errorf("roll back a failed append: %w (after %w)", rerr, err)
			}
			k := slices.Index(pending, current)
			pending = pending[k+1:]
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
