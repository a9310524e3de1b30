package store

import (
	"context"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// EnqueueScheduled writes a reply that goes out at `at` to the outbox, and
// clears the conversation's draft, in one transaction. anyway says it goes
// out even if the conversation was answered or the customer wrote again
// in between. Like Enqueue, the same reply ID is stored once.
func (s *Bolt) EnqueueScheduled(ctx context.Context, r social.Reply, resolve bool, at time.Time, anyway bool, now time.Time) (OutboxEntry, error) {
	if at.IsZero() {
		return OutboxEntry{}, fmt.Errorf("outbox: scheduled reply has no time")
	}
	return s.enqueue(ctx, r, nil, now, func(seq uint64) OutboxEntry {
		return scheduledEntry(seq, r, resolve, at, anyway, now)
	})
}

// ReleaseScheduled decides, in one transaction, the fate of a scheduled
// entry whose time has come (Release). An entry no longer scheduled, or
// not due, is returned unchanged with released false.
func (s *Bolt) ReleaseScheduled(ctx context.Context, seq uint64, now time.Time, decide Decide) (ent OutboxEntry, released bool, err error) {
	err = s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if ent, err = getOutbox(tx, seq); err != nil {
			return err
		}
		c, cerr := getConv(tx, ent.Reply.ConvID)
		var changed bool
		if released, changed = Release(&ent, c, cerr == nil, now, decide); !changed {
			return nil
		}
		return putOutbox(tx, ent)
	})
	return ent, released, err
}
