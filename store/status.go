package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// Status posts: a brand's own top-level post ("We know the site is down;
// we're on it"), on one or several of its accounts, each account's copy an
// outbox entry (so it is sent once, retried and never lost like a reply).
// The status record keeps which entries are its copies; where each copy
// went (its remote id and link) is read from its outbox entry, so a crash
// between the send and any other write loses nothing.

var bStatuses = []byte("statuses") // id(8) -> StatusPost JSON

// StatusPost is one status post of a brand.
type StatusPost struct {
	ID        string       `json:"id"`
	Brand     string       `json:"brand"`
	Text      string       `json:"text"`
	CreatedAt time.Time    `json:"created_at,omitzero"`
	By        social.Actor `json:"by,omitzero"`
	Items     []StatusItem `json:"items"`
	// Resolved: a follow-up ("Power is back") was posted under it.
	Resolved   bool      `json:"resolved,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	FollowUp   string    `json:"follow_up,omitempty"`
}

// StatusItem is the copy of a status post on one account.
type StatusItem struct {
	Network social.Network `json:"network"`
	Account string         `json:"account"`
	Seq     uint64         `json:"seq"`                  // its outbox entry
	Follow  uint64         `json:"follow_seq,omitempty"` // the follow-up's outbox entry
	// Filled in from the outbox entries when read (not stored).
	State    OutboxState `json:"-"`
	RemoteID string      `json:"-"`
	URL      string      `json:"-"`
	Error    string      `json:"-"`
}

// StatusRef is the outbox entry's pointer to its status post: Status is
// the status id, Follow marks the follow-up (not the status itself).
// It is kept in the entry's Reply.ConvID as "status:ID" or
// "status:ID:follow" (status posts have no conversation).
func StatusRef(id string, follow bool) string {
	if follow {
		return "status:" + id + ":follow"
	}
	return "status:" + id
}

// ParseStatusRef reads a Reply.ConvID written by StatusRef.
func ParseStatusRef(convID string) (id string, follow, ok bool) {
	const p = "status:"
	if len(convID) <= len(p) || convID[:len(p)] != p {
		return "", false, false
	}
	rest := convID[len(p):]
	if n := len(rest) - len(":follow"); n > 0 && rest[n:] == ":follow" {
		return rest[:n], true, true
	}
	return rest, false, true
}

// CreateStatus stores a status post and one outbox entry per copy, in one
// transaction. replies[i] is the copy for st.Items[i]; their ConvID is set
// to the status reference. A reply ID already in the outbox (a retried
// call) returns the status it belongs to, unchanged.
func (s *Store) CreateStatus(st StatusPost, replies []social.Reply, now time.Time) (StatusPost, error) {
	if len(replies) == 0 || len(replies) != len(st.Items) {
		return StatusPost{}, fmt.Errorf("status post: %d copies for %d accounts", len(replies), len(st.Items))
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		sb, err := tx.CreateBucketIfNotExists(bStatuses)
		if err != nil {
			return err
		}
		ob := tx.Bucket(bOutbox)
		ids := tx.Bucket(bOutboxIDs)
		if prev := ids.Get([]byte(replies[0].ID)); prev != nil {
			var e OutboxEntry
			if _, err := getJSON(ob, prev, &e); err != nil {
				return err
			}
			id, _, _ := ParseStatusRef(e.Reply.ConvID)
			k, err := parseID(id)
			if err != nil {
				return err
			}
			_, err = getJSON(sb, k, &st)
			return err
		}
		n, err := sb.NextSequence()
		if err != nil {
			return err
		}
		st.ID = strconv.FormatUint(n, 10)
		st.CreatedAt = now
		ob.FillPercent = 0.9
		for i, r := range replies {
			if r.ID == "" {
				return fmt.Errorf("status post: copy %d has no id", i)
			}
			seq, err := ob.NextSequence()
			if err != nil {
				return err
			}
			r.ConvID = StatusRef(st.ID, false)
			e := OutboxEntry{Seq: seq, Reply: r, State: OutQueued, NextAttempt: now, QueuedAt: now}
			if err := putJSON(ob, idKey(seq), e); err != nil {
				return err
			}
			if err := ids.Put([]byte(r.ID), idKey(seq)); err != nil {
				return err
			}
			st.Items[i].Seq = seq
		}
		return putJSON(sb, idKey(n), st)
	})
	return st, err
}

// StatusFollowUp queues the follow-up of a status post: one reply under
// each copy that was sent (replies[i] answers the copy of items[i]), and
// marks the status resolved, in one transaction. A status already resolved
// is refused.
func (s *Store) StatusFollowUp(id string, text string, replies map[int]social.Reply, now time.Time) (StatusPost, error) {
	var st StatusPost
	err := s.db.Update(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bStatuses)
		k, err := parseID(id)
		if err != nil || sb == nil {
			return fmt.Errorf("status %s: %w", id, ErrNotFound)
		}
		if ok, err := getJSON(sb, k, &st); err != nil || !ok {
			return fmt.Errorf("status %s: %w", id, ErrNotFound)
		}
		if st.Resolved {
			return fmt.Errorf("status %s is already resolved", id)
		}
		ob := tx.Bucket(bOutbox)
		ids := tx.Bucket(bOutboxIDs)
		for i, r := range replies {
			seq, err := ob.NextSequence()
			if err != nil {
				return err
			}
			r.ConvID = StatusRef(id, true)
			e := OutboxEntry{Seq: seq, Reply: r, State: OutQueued, NextAttempt: now, QueuedAt: now}
			if err := putJSON(ob, idKey(seq), e); err != nil {
				return err
			}
			if err := ids.Put([]byte(r.ID), idKey(seq)); err != nil {
				return err
			}
			st.Items[i].Follow = seq
		}
		st.Resolved, st.ResolvedAt, st.FollowUp = true, now, text
		return putJSON(sb, k, st)
	})
	if err != nil {
		return st, err
	}
	return s.fillStatus(st)
}

// Status reads one status post, its copies' state and links filled in.
func (s *Store) Status(id string) (StatusPost, error) {
	var st StatusPost
	err := s.db.View(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bStatuses)
		k, err := parseID(id)
		if err != nil || sb == nil {
			return fmt.Errorf("status %s: %w", id, ErrNotFound)
		}
		if ok, err := getJSON(sb, k, &st); err != nil || !ok {
			return fmt.Errorf("status %s: %w", id, ErrNotFound)
		}
		fillItems(tx, &st)
		return nil
	})
	return st, err
}

func (s *Store) fillStatus(st StatusPost) (StatusPost, error) {
	err := s.db.View(func(tx *bolt.Tx) error { fillItems(tx, &st); return nil })
	return st, err
}

func fillItems(tx *bolt.Tx, st *StatusPost) {
	ob := tx.Bucket(bOutbox)
	for i := range st.Items {
		it := &st.Items[i]
		var e OutboxEntry
		if ok, _ := getJSON(ob, idKey(it.Seq), &e); ok {
			it.State, it.RemoteID, it.URL, it.Error = e.State, e.Sent.RemoteID, e.Sent.URL, e.LastError
		}
	}
}

// Statuses lists the status posts of a brand ("" = every brand), newest
// first, at most n (0 = all), their copies filled in.
func (s *Store) Statuses(brand string, n int) ([]StatusPost, error) {
	var out []StatusPost
	err := s.db.View(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bStatuses)
		if sb == nil {
			return nil
		}
		c := sb.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var st StatusPost
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("status %x: %w", k, err)
			}
			if brand != "" && st.Brand != brand {
				continue
			}
			fillItems(tx, &st)
			out = append(out, st)
			if n > 0 && len(out) >= n {
				break
			}
		}
		return nil
	})
	return out, err
}
