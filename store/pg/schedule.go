package pg

import (
	"context"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// EnqueueScheduled writes a reply that goes out at `at`, like Enqueue (the
// same reply id is one entry), in state scheduled.
func (s *Store) EnqueueScheduled(ctx context.Context, r social.Reply, resolve bool, at time.Time, anyway bool, now time.Time) (store.OutboxEntry, error) {
	if at.IsZero() {
		return store.OutboxEntry{}, fmt.Errorf("outbox: scheduled reply has no time")
	}
	return s.enqueue(ctx, r, nil, now, func(seq uint64) store.OutboxEntry {
		return store.NewScheduledEntry(seq, r, resolve, at, anyway, now)
	})
}

// ReleaseScheduled decides the fate of a due scheduled entry in one
// transaction that holds the entry's row lock: of several processes on
// one database, one releases it (the others find it no longer scheduled).
func (s *Store) ReleaseScheduled(ctx context.Context, seq uint64, now time.Time, decide store.Decide) (store.OutboxEntry, bool, error) {
	var e store.OutboxEntry
	var released bool
	err := s.write(ctx, func(t *txn) error {
		var err error
		if e, err = lockEntry(t, seq); err != nil {
			return err
		}
		released = false
		c, cerr := t.Conv(e.Reply.ConvID)
		rel, changed := store.Release(&e, c, cerr == nil, now, decide)
		if !changed {
			return nil
		}
		released = rel
		e.Seq = seq
		return t.putEntry(e)
	})
	return e, released, err
}
