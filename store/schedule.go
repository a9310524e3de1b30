package store

import (
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// Scheduled outbox states: a message written now to go out later waits in
// OutScheduled until its SendAt, then becomes OutQueued (and goes the way
// of every reply) or OutCancelled (the conversation moved on meanwhile).
const (
	OutScheduled OutboxState = "scheduled"
	OutCancelled OutboxState = "cancelled"
)

// Scheduled says whether the entry waits for its time.
func (e OutboxEntry) Scheduled() bool { return e.State == OutScheduled }

// EnqueueScheduled writes a reply that goes out at `at` (later than now)
// to the outbox, and clears the conversation's draft, in one transaction.
// anyway says it goes out even if the conversation was answered or the
// customer wrote again in between. Like Enqueue, the same reply ID is
// stored once.
func (s *Store) EnqueueScheduled(r social.Reply, resolve bool, at time.Time, anyway bool, now time.Time) (OutboxEntry, error) {
	if r.ID == "" {
		return OutboxEntry{}, fmt.Errorf("outbox: reply has no id")
	}
	if at.IsZero() {
		return OutboxEntry{}, fmt.Errorf("outbox: scheduled reply has no time")
	}
	var e OutboxEntry
	err := s.db.Update(func(tx *bolt.Tx) error {
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
		e = OutboxEntry{Seq: seq, Reply: r, State: OutScheduled, NextAttempt: at, QueuedAt: now, Resolve: resolve,
			SendAt: at, SendAnyway: anyway}
		if err := putJSON(ob, idKey(seq), e); err != nil {
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
// entry whose time has come: decide gets the entry and its conversation
// (ok false: no conversation, as for a status post) and returns "" to let
// it go (it becomes queued, due now) or the reason to cancel it. An entry
// that is no longer scheduled (cancelled, sent, edited away) is returned
// unchanged with released false.
func (s *Store) ReleaseScheduled(seq uint64, now time.Time, decide func(e OutboxEntry, c social.Conversation, ok bool) string) (ent OutboxEntry, released bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		ok, err := getJSON(ob, idKey(seq), &ent)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("outbox %d: %w", seq, ErrNotFound)
		}
		if ent.State != OutScheduled || ent.SendAt.After(now) {
			return nil
		}
		c, cerr := getConv(tx, ent.Reply.ConvID)
		if reason := decide(ent, c, cerr == nil); reason != "" {
			ent.State = OutCancelled
			ent.LastError = reason
		} else {
			ent.State = OutQueued
			ent.NextAttempt = now
			released = true
		}
		return putJSON(ob, idKey(seq), ent)
	})
	return ent, released, err
}
