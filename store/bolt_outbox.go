package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// Enqueue writes a reply to the outbox and clears the conversation's draft,
// in one transaction. The reply's ID must be set (it is the dedupe key: the
// same ID enqueued twice is stored once).
func (s *Bolt) Enqueue(ctx context.Context, r social.Reply, resolve bool, now time.Time) (OutboxEntry, error) {
	return s.enqueue(ctx, r, nil, now, func(seq uint64) OutboxEntry {
		return OutboxEntry{Seq: seq, Reply: r, State: OutQueued, NextAttempt: now, QueuedAt: now, Resolve: resolve}
	})
}

// EnqueueSeen is Enqueue with the last check (seen.go) in its transaction.
func (s *Bolt) EnqueueSeen(ctx context.Context, r social.Reply, resolve bool, seen Seen, now time.Time) (OutboxEntry, error) {
	return s.enqueue(ctx, r, &seen, now, func(seq uint64) OutboxEntry {
		return OutboxEntry{Seq: seq, Reply: r, State: OutQueued, NextAttempt: now, QueuedAt: now, Resolve: resolve}
	})
}

// enqueue is every way into the outbox (Enqueue, EnqueueSeen,
// EnqueueScheduled): the reply id's dedupe, the last check against what
// the reply's screen had seen (seen nil: none), a new sequence number, the
// entry through the open index, the id index and the draft cleared, in one
// transaction.
func (s *Bolt) enqueue(ctx context.Context, r social.Reply, seen *Seen, now time.Time, entry func(seq uint64) OutboxEntry) (OutboxEntry, error) {
	if r.ID == "" {
		return OutboxEntry{}, fmt.Errorf("outbox: reply has no id")
	}
	var e OutboxEntry
	err := s.update(ctx, func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		ids := tx.Bucket(bOutboxIDs)
		// Dedupe by reply id (a double Enqueue of one reply is one entry).
		if prev := ids.Get([]byte(r.ID)); prev != nil {
			_, err := getJSON(ob, prev, &e)
			return err
		}
		if seen != nil {
			if _, err := CheckSeenTx(boltTx{tx}, boltOutbox{tx}, r, *seen, now); err != nil {
				return err
			}
		}
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		ob.FillPercent = 0.9
		e = entry(seq)
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

// Outbox lists entries, oldest first, that pass keep (nil = all).
func (s *Bolt) Outbox(ctx context.Context, keep func(OutboxEntry) bool) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return s.scan(tx, bOutbox, func(k, v []byte) (bool, error) { // the whole history: a long scan
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return false, fmt.Errorf("outbox entry %s: %w", idString(k), err)
			}
			if keep == nil || keep(e) {
				out = append(out, e)
			}
			return true, nil
		})
	})
	return out, err
}

// OutboxEntry reads one entry.
func (s *Bolt) OutboxEntry(ctx context.Context, seq uint64) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		e, err = getOutbox(tx, seq)
		return err
	})
	return e, err
}

// getOutbox reads the entry seq (ErrNotFound when there is none).
func getOutbox(tx *bolt.Tx, seq uint64) (OutboxEntry, error) {
	var e OutboxEntry
	ok, err := getJSON(tx.Bucket(bOutbox), idKey(seq), &e)
	if err == nil && !ok {
		err = fmt.Errorf("outbox %d: %w", seq, ErrNotFound)
	}
	return e, err
}

// UpdateOutbox changes an entry in its own transaction (committed, so a
// "sending" mark is on disk before the network call starts).
func (s *Bolt) UpdateOutbox(ctx context.Context, seq uint64, fn func(*OutboxEntry) error) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.update(ctx, func(tx *bolt.Tx) (err error) {
		ob := boltOutbox{tx}
		e, err = ChangeOutboxTx(seq, ob.get, ob.put, fn)
		return err
	})
	return e, err
}

// MarkSent records a delivered reply: the entry becomes sent, the brand's
// post joins the conversation, and the conversation's response times and
// state move on (pending, or resolved if the entry asked for it) — all in
// one transaction.
func (s *Bolt) MarkSent(ctx context.Context, seq uint64, sent social.Sent, own social.Post, tri Triage, now time.Time) (OutboxEntry, social.Conversation, error) {
	var e OutboxEntry
	var conv social.Conversation
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if e, err = getOutbox(tx, seq); err != nil {
			return err
		}
		conv, err = MarkSentTx(boltTx{tx}, &e, boltOutbox{tx}.put, sent, own, tri, now)
		return err
	})
	return e, conv, err
}

// SentAs reports whether an outbox entry other than seq was recorded as
// sent with this remote id. Confirmation uses it: a network lookup that
// matches by text must not claim another entry's post (the same canned
// answer sent twice to one customer). It scans the outbox; confirmations
// happen only after uncertain sends.
func (s *Bolt) SentAs(ctx context.Context, remoteID string, seq uint64) (bool, error) {
	if remoteID == "" {
		return false, nil
	}
	taken := false
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return s.scan(tx, bOutbox, func(k, v []byte) (bool, error) { // the whole history: a long scan
			var e OutboxEntry
			if json.Unmarshal(v, &e) == nil && e.Seq != seq && e.State == OutSent && e.Sent.RemoteID == remoteID {
				taken = true
			}
			return !taken, nil // the first sent entry with that id answers
		})
	})
	return taken, err
}

// boltOutbox is the last check's view of the outbox in a transaction.
type boltOutbox struct{ tx *bolt.Tx }

func (b boltOutbox) OpenEntries(convID string) ([]OutboxEntry, error) {
	var out []OutboxEntry
	ob := b.tx.Bucket(bOutbox)
	c := b.tx.Bucket(bOutboxOpen).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		var e OutboxEntry
		if ok, err := getJSON(ob, k, &e); err != nil {
			return nil, err
		} else if ok && e.Reply.ConvID == convID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (b boltOutbox) EntryTx(seq uint64) (OutboxEntry, bool, error) {
	var e OutboxEntry
	ok, err := getJSON(b.tx.Bucket(bOutbox), idKey(seq), &e)
	return e, ok, err
}

func (b boltOutbox) get(seq uint64) (OutboxEntry, error) { return getOutbox(b.tx, seq) }
func (b boltOutbox) put(e OutboxEntry) error             { return putOutbox(b.tx, e) }
