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
	if r.ID == "" {
		return OutboxEntry{}, fmt.Errorf("outbox: reply has no id")
	}
	if at.IsZero() {
		return OutboxEntry{}, fmt.Errorf("outbox: scheduled reply has no time")
	}
	var e OutboxEntry
	err := s.update(ctx, func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		ids := tx.Bucket(bOutboxIDs)
		if prev := ids.Get([]byte(r.ID)); prev != nil {
			_, err := getJSON(ob, prev, &e)
			return err
		}
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		ob.FillPercent = 0.9
		e = scheduledEntry(seq, r, resolve, at, anyway, now)
		if err := putOutbox(tx, e); err != nil {
			return err
		}
		if err := ids.Put([]byte(r.ID), idKey(seq)); err != nil {
			return err
		}
		if k, err := parseID(r.ConvID); err == nil {
			return tx.Bucket(bDrafts).Delete(k)
		}
		return nil
	})
	return e, err
}

// ReleaseScheduled decides, in one transaction, the fate of a scheduled
// entry whose time has come (Release). An entry no longer scheduled, or
// not due, is returned unchanged with released false.
func (s *Bolt) ReleaseScheduled(ctx context.Context, seq uint64, now time.Time, decide Decide) (ent OutboxEntry, released bool, err error) {
	err = s.update(ctx, func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		ok, err := getJSON(ob, idKey(seq), &ent)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("outbox %d: %w", seq, ErrNotFound)
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
