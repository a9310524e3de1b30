package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// OutboxState is where a reply stands.
type OutboxState string

// Outbox states: queued → sending → sent | failed.
const (
	OutQueued  OutboxState = "queued"
	OutSending OutboxState = "sending" // a send was started; after a crash the result is uncertain
	OutSent    OutboxState = "sent"
	OutFailed  OutboxState = "failed" // permanent: needs the operator (edit and retry, or discard)
	OutDropped OutboxState = "discarded"
)

// OutboxEntry is one reply on its way out. It is written before any network
// call and keeps its idempotency key across retries.
type OutboxEntry struct {
	Seq         uint64       `json:"seq"`
	Reply       social.Reply `json:"reply"`
	State       OutboxState  `json:"state"`
	Attempts    int          `json:"attempts"`
	LastError   string       `json:"last_error,omitempty"`
	NextAttempt time.Time    `json:"next_attempt,omitzero"`
	Uncertain   bool         `json:"uncertain,omitempty"` // a previous attempt may have reached the network
	Sent        social.Sent  `json:"sent"`
	QueuedAt    time.Time    `json:"queued_at,omitzero"`
	SentAt      time.Time    `json:"sent_at,omitzero"`
	Resolve     bool         `json:"resolve,omitempty"` // resolve the conversation once sent
	// ChangedBy is the operator who last retried or discarded it (the
	// writer is Reply.By).
	ChangedBy social.Actor `json:"changed_by,omitzero"`
	// SendAt is when a scheduled entry goes out (zero: at once); see
	// schedule.go. SendAnyway: it goes even if the conversation was
	// answered or the customer wrote again meanwhile.
	SendAt     time.Time `json:"send_at,omitzero"`
	SendAnyway bool      `json:"send_anyway,omitempty"`
}

// Enqueue writes a reply to the outbox and clears the conversation's draft,
// in one transaction. The reply's ID must be set (it is the dedupe key: the
// same ID enqueued twice is stored once).
func (s *Store) Enqueue(r social.Reply, resolve bool, now time.Time) (OutboxEntry, error) {
	if r.ID == "" {
		return OutboxEntry{}, fmt.Errorf("outbox: reply has no id")
	}
	var e OutboxEntry
	err := s.db.Update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		ids := tx.Bucket(bOutboxIDs)
		// Dedupe by reply id (a double Enqueue of one reply is one entry).
		if prev := ids.Get([]byte(r.ID)); prev != nil {
			_, err := getJSON(ob, prev, &e)
			return err
		}
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		ob.FillPercent = 0.9
		e = OutboxEntry{Seq: seq, Reply: r, State: OutQueued, NextAttempt: now, QueuedAt: now, Resolve: resolve}
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

// Outbox lists entries, oldest first, that pass keep (nil = all).
func (s *Store) Outbox(keep func(OutboxEntry) bool) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox entry %d: %w", e.Seq, err)
			}
			if keep == nil || keep(e) {
				out = append(out, e)
			}
			return nil
		})
	})
	return out, err
}

// OutboxEntry reads one entry.
func (s *Store) OutboxEntry(seq uint64) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bOutbox), idKey(seq), &e)
		if !ok && err == nil {
			return fmt.Errorf("outbox %d: %w", seq, ErrNotFound)
		}
		return err
	})
	return e, err
}

// UpdateOutbox changes an entry in its own transaction (committed, so a
// "sending" mark is on disk before the network call starts).
func (s *Store) UpdateOutbox(seq uint64, fn func(*OutboxEntry) error) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.db.Update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		ok, err := getJSON(ob, idKey(seq), &e)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("outbox %d: %w", seq, ErrNotFound)
		}
		if err := fn(&e); err != nil {
			return err
		}
		return putJSON(ob, idKey(seq), e)
	})
	return e, err
}

// MarkSent records a delivered reply: the entry becomes sent, the brand's
// post joins the conversation, and the conversation's response times and
// state move on (pending, or resolved if the entry asked for it) — all in
// one transaction.
func (s *Store) MarkSent(seq uint64, sent social.Sent, own social.Post, tri Triage, now time.Time) (OutboxEntry, social.Conversation, error) {
	var e OutboxEntry
	var conv social.Conversation
	err := s.db.Update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		if ok, err := getJSON(ob, idKey(seq), &e); err != nil || !ok {
			return fmt.Errorf("outbox %d: %w", seq, ErrNotFound)
		}
		e.State = OutSent
		e.Sent = sent
		e.SentAt = now
		e.LastError = ""
		e.Uncertain = false
		if err := putJSON(ob, idKey(seq), e); err != nil {
			return err
		}
		c, err := getConv(tx, e.Reply.ConvID)
		if err != nil {
			return nil // conversation gone: the entry is still sent
		}
		old := c
		pb := tx.Bucket(bPosts)
		if own.RemoteID != "" && pb.Get([]byte(own.Key())) == nil {
			if err := putJSON(pb, []byte(own.Key()), StoredPost{Post: own, ConvID: c.ID, StoredAt: now}); err != nil {
				return err
			}
			c.PostKeys = insertByTime(tx, c.PostKeys, own)
		}
		by := e.Reply.By
		if c.FirstResponseAt.IsZero() {
			c.FirstResponseAt = now
			c.FirstDueAt = c.DueAt
			c.FirstReplyBy = by
		}
		c.LastResponseAt = now
		c.Record(social.Activity{At: now, By: by, Action: social.ActReplied, Note: fmt.Sprint(seq)})
		c.UpdatedAt = now
		// The reply answers the post it was written to (Reply.To, the
		// latest customer post the operator had). A customer message after
		// that one is not answered by it: the conversation stays in the
		// inbox, its clock restarted at the first unanswered message.
		answered := e.Reply.To.CreatedAt
		if answered.IsZero() {
			answered = e.Reply.CreatedAt
		}
		if answered.IsZero() {
			answered = e.QueuedAt
		}
		if first, last, ok := unanswered(tx, &c, answered); ok {
			c.WaitingSince = first
			if tri != nil {
				tri(&c, last, getContact(tx, c.Network, c.Contact.Handle))
			}
		} else {
			c.WaitingSince = time.Time{}
			c.DueAt = time.Time{}
			switch {
			case e.Resolve:
				c.State = social.StateResolved
				c.ResolvedAt = now
				c.ResolvedBy = by
				c.Record(social.Activity{At: now, By: by, Action: social.ActResolved})
			case c.State == social.StateNew || c.State == social.StateOpen:
				c.State = social.StatePending
			}
		}
		if err := putConv(tx, &old, &c); err != nil {
			return err
		}
		conv = c
		return nil
	})
	return e, conv, err
}

// unanswered finds customer posts after the given time: the time of the
// first and the latest such post.
func unanswered(tx *bolt.Tx, c *social.Conversation, after time.Time) (time.Time, social.Post, bool) {
	var first time.Time
	var last social.Post
	found := false
	for _, k := range c.PostKeys {
		sp, ok := getPost(tx, k)
		if !ok || sp.Kind == social.KindOwn || !sp.CreatedAt.After(after) {
			continue
		}
		if !found || sp.CreatedAt.Before(first) {
			first = sp.CreatedAt
		}
		if !found || !sp.CreatedAt.Before(last.CreatedAt) {
			last = sp.Post
		}
		found = true
	}
	return first, last, found
}

// SentAs reports whether an outbox entry other than seq was recorded as
// sent with this remote id. Confirmation uses it: a network lookup that
// matches by text must not claim another entry's post (the same canned
// answer sent twice to one customer). It scans the outbox; confirmations
// happen only after uncertain sends.
func (s *Store) SentAs(remoteID string, seq uint64) (bool, error) {
	if remoteID == "" {
		return false, nil
	}
	taken := false
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			var e OutboxEntry
			if json.Unmarshal(v, &e) == nil && e.Seq != seq && e.State == OutSent && e.Sent.RemoteID == remoteID {
				taken = true
			}
			return nil
		})
	})
	return taken, err
}
