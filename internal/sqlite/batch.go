package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/svcflow/svcflow/internal/desk"
)

// Group commit: concurrent appends wait in a queue and one writer
// goroutine commits them together, each inside its own savepoint. A commit
// (and its WAL write) is the expensive part of a small transaction, so
// sharing it keeps throughput up under load, while every append still
// succeeds or fails on its own and is acknowledged only after the commit
// that holds it.

// maxBatch bounds how many appends share one transaction.
const maxBatch = 64

type appendRequest struct {
	ctx     context.Context
	changes []*desk.Change
	write   func(context.Context, *sql.Tx) error // instead of changes: a small write that rides along
	done    chan error
}

// startWriter starts the goroutine that commits queued appends.
func (s *Store) startWriter() {
	s.appends = make(chan *appendRequest, 1024)
	s.writerDone = make(chan struct{})
	go func() {
		defer close(s.writerDone)
		for req := range s.appends {
			batch := []*appendRequest{req}
		fill:
			for len(batch) < maxBatch {
				select {
				case r, ok := <-s.appends:
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

// stopWriter lets the queue drain and waits for the writer to end.
func (s *Store) stopWriter() {
	if s.appends == nil {
		return
	}
	s.closeOnce.Do(func() {
		s.sendMu.Lock()
		s.closed = true
		close(s.appends)
		s.sendMu.Unlock()
	})
	<-s.writerDone
}

// errClosed is returned by appends that arrive after Close.
var errClosed = errors.New("the store is closed")

// Append writes every change of one call atomically, sharing the commit
// with other appends waiting at the same time.
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
	s.sendMu.RLock()
	defer s.sendMu.RUnlock()
	if s.closed {
		return errClosed
	}
	select {
	case s.appends <- req:
		return nil
	case <-req.ctx.Done():
		return req.ctx.Err()
	}
}

func (s *Store) commitBatch(batch []*appendRequest) {
	results := make([]error, len(batch))
	ctx := context.Background() // the batch outlives any one request's context
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i, req := range batch {
			if err := req.ctx.Err(); err != nil {
				results[i] = err // given up before it was written
				continue
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT append"); err != nil {
				return err
			}
			var err error
			if req.write != nil {
				err = req.write(ctx, tx)
			} else if c := desk.PendingClaim(req.ctx); c != nil {
				err = s.claimIdempotencyKey(ctx, tx, c, desk.ClaimResult(req.changes))
			}
			if err == nil && req.write == nil {
				err = s.appendChanges(ctx, tx, req.changes)
			}
			if err != nil {
				results[i] = err
				if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO append"); rerr != nil {
					return fmt.Errorf("roll back a failed append: %w", rerr)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE append"); err != nil {
				return err
			}
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

func (s *Store) appendChanges(ctx context.Context, tx *sql.Tx, changes []*desk.Change) error {
	for _, c := range changes {
		if err := s.appendChange(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}
