package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// putConv writes c, moving its queue index entry. old is the previous
// version (nil for a new conversation).
func putConv(tx *bolt.Tx, old, c *social.Conversation) error {
	c.Version++
	return writeConv(tx, old, c, nil)
}

// writeConv is putConv without the Version bump (batchTx bumps it at
// each PutConv and writes once). With cb, the changes to the running
// totals and the attribute postings are gathered there (batchTx writes
// them once), else made.
func writeConv(tx *bolt.Tx, old, c *social.Conversation, cb *convBatch) error {
	id, err := parseID(c.ID)
	if err != nil {
		return err
	}
	q := tx.Bucket(bQueue)
	var from byte = 255
	if old != nil {
		if ok := sortKey(old, id); string(ok) != string(sortKey(c, id)) {
			if err := q.Delete(ok); err != nil {
				return err
			}
		}
		from = rankOf(old.State)
	}
	if err := q.Put(sortKey(c, id), refValue(c)); err != nil {
		return err
	}
	convs := tx.Bucket(bConvs)
	convs.FillPercent = 0.9 // ids are sequential: pages fill from the end
	if err := indexConv(tx, old, c, id, cb); err != nil {
		return err
	}
	if cb != nil {
		cb.tot.add(old, c)
	} else if err := moveTotals(tx, old, c); err != nil {
		return err
	}
	if to := rankOf(c.State); to != from {
		if err := moveCount(tx, from, to); err != nil {
			return err
		}
	}
	raw, err := convBin.encode(c)
	if err != nil {
		return err
	}
	return convs.Put(id, raw)
}

// convBatch gathers what writing several conversations (a poll's batch)
// changes in the running totals and in the attribute postings, to write
// each cell and each posting key once, in key order: the conversations of
// a batch share hours, brands and networks, and blocks of 64 ids.
type convBatch struct {
	tot   totalsDelta
	attrs map[string][2]uint64 // attribute posting key → bits to set, bits to clear
}

func (cb *convBatch) attr(a string, id []byte, on bool) {
	if cb.attrs == nil {
		cb.attrs = map[string][2]uint64{}
	}
	n := binary.BigEndian.Uint64(id)
	k := string(blockKey('a', uint32(n/64), a))
	m := cb.attrs[k]
	if on {
		m[0] |= 1 << (n % 64)
	} else {
		m[1] |= 1 << (n % 64)
	}
	cb.attrs[k] = m
}

// apply writes what was gathered.
func (cb *convBatch) apply(tx *bolt.Tx) error {
	if b := tx.Bucket(bIndex); b != nil {
		for _, k := range slices.Sorted(maps.Keys(cb.attrs)) {
			m := cb.attrs[k] // one conversation's bit is set or cleared, never both
			if err := changeBits(b, []byte(k), m[0], m[1]); err != nil {
				return err
			}
		}
	}
	return cb.tot.apply(tx)
}

// The number of conversations per rank is kept in the meta bucket, so the
// header's counts cost one read, not a scan of the index.
var keyCounts = []byte("counts")

func readCounts(tx *bolt.Tx) [4]int {
	var n [4]int
	raw := tx.Bucket(bMeta).Get(keyCounts)
	for i := 0; i < 4 && len(raw) >= (i+1)*8; i++ {
		n[i] = int(binary.BigEndian.Uint64(raw[i*8:]))
	}
	return n
}

func writeCounts(tx *bolt.Tx, n [4]int) error {
	raw := make([]byte, 32)
	for i, v := range n {
		binary.BigEndian.PutUint64(raw[i*8:], uint64(max(v, 0)))
	}
	return tx.Bucket(bMeta).Put(keyCounts, raw)
}

// moveCount moves one conversation from rank from (255 = new) to rank to.
func moveCount(tx *bolt.Tx, from, to byte) error {
	n := readCounts(tx)
	if from < 4 {
		n[from]--
	}
	if to < 4 {
		n[to]++
	}
	return writeCounts(tx, n)
}

// countIndex recounts the queue index (migration, repair).
func countIndex(tx *bolt.Tx) [4]int {
	var n [4]int
	c := tx.Bucket(bQueue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) == 25 && k[0] < 4 {
			n[k[0]]++
		}
	}
	return n
}

func getConv(tx *bolt.Tx, id string) (social.Conversation, error) {
	k, err := parseID(id)
	if err != nil {
		return social.Conversation{}, err
	}
	raw := tx.Bucket(bConvs).Get(k)
	if raw == nil {
		return social.Conversation{}, fmt.Errorf("conversation %s: %w", id, ErrNotFound)
	}
	return convBin.decode(raw)
}

func getPost(tx *bolt.Tx, key string) (StoredPost, bool) {
	raw := tx.Bucket(bPosts).Get([]byte(key))
	if raw == nil {
		return StoredPost{}, false
	}
	sp, err := postBin.decode(raw)
	return sp, err == nil
}

// Ingest stores a poll batch and the feed's next cursor in one transaction.
func (s *Bolt) Ingest(ctx context.Context, feedID, cursor string, posts []social.Post, tri Triage, now time.Time) (IngestResult, error) {
	var res IngestResult
	if len(posts) == 0 {
		// an empty poll that leaves the cursor where it is writes nothing
		same := false
		if err := s.view(ctx, func(tx *bolt.Tx) error {
			cur := tx.Bucket(bCursors).Get([]byte(feedID))
			same = feedID == "" || cur != nil && string(cur) == cursor
			return nil
		}); err != nil || same {
			return res, err
		}
	}
	var btx *batchTx
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		btx = newBatchTx(tx, &s.pend)
		res, err = IngestTx(btx, feedID, posts, tri, now)
		if err != nil {
			return err
		}
		if err := btx.flush(); err != nil {
			return err
		}
		if feedID == "" || string(tx.Bucket(bCursors).Get([]byte(feedID))) == cursor {
			if !btx.wrote {
				return errNothing // posts polled before, the same cursor: no commit
			}
			return nil
		}
		return tx.Bucket(bCursors).Put([]byte(feedID), []byte(cursor))
	})
	if errors.Is(err, errNothing) {
		return res, nil
	}
	if err != nil {
		return IngestResult{}, fmt.Errorf("storing batch: %w", err)
	}
	btx.committed()
	return res, nil
}

// UpdateConv applies fn to a conversation and re-indexes it, in one
// transaction. fn must not do I/O.
func (s *Bolt) UpdateConv(ctx context.Context, id string, fn func(c *social.Conversation) error) (social.Conversation, error) {
	var out social.Conversation
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = UpdateConvTx(boltTx{tx}, id, true, fn)
		return err
	})
	return out, err
}

// Rescore changes a conversation's scoring and re-indexes it; unlike
// UpdateConv it never copies a VIP flag back onto the contact.
func (s *Bolt) Rescore(ctx context.Context, id string, fn func(c *social.Conversation)) (social.Conversation, error) {
	var out social.Conversation
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = UpdateConvTx(boltTx{tx}, id, false, func(c *social.Conversation) error { fn(c); return nil })
		return err
	})
	return out, err
}

// UpdateDue applies fn to the due conversations of a view, in one
// transaction: a range of the queue index for the snoozed view (the wake
// time leads the key), the inbox's rank otherwise (small by nature).
func (s *Bolt) UpdateDue(ctx context.Context, view View, before time.Time, fn func(c *social.Conversation) bool) ([]string, error) {
	var ids []string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		ids = nil
		err := dueConvs(tx, view, before, func(c social.Conversation) (bool, error) {
			old := c
			if !fn(&c) {
				return true, nil
			}
			if err := putConv(tx, &old, &c); err != nil {
				return false, err
			}
			ids = append(ids, c.ID)
			return true, nil
		})
		if err == nil && len(ids) == 0 {
			// nothing changed (an idle clock tick): roll back, so nothing
			// is written (a commit is two fsyncs)
			return errNothing
		}
		return err
	})
	if errors.Is(err, errNothing) {
		return nil, nil
	}
	return ids, err
}

// errNothing rolls back a write transaction that changed nothing.
var errNothing = errors.New("nothing changed")

// dueConvs calls fn with each due conversation of a view until it
// returns false or an error.
func dueConvs(tx *bolt.Tx, view View, before time.Time, fn func(social.Conversation) (bool, error)) error {
	{
		var refs []Ref
		collect := func(r Ref) bool {
			if DueBefore(r, before) {
				refs = append(refs, r)
			}
			return true
		}
		if lo, hi, ok := DueRange(view, before); ok {
			names := refNames{}
			c := tx.Bucket(bQueue).Cursor()
			for k, v := c.Seek(lo); k != nil && string(k) < string(hi); k, v = c.Next() {
				if len(k) == 25 {
					collect(decodeRef(k, v, names))
				}
			}
		} else if err := scanQueue(tx, view, collect); err != nil {
			return err
		}
		for _, r := range refs {
			c, err := getConv(tx, r.ID)
			if err != nil {
				return err
			}
			more, err := fn(c)
			if err != nil || !more {
				return err
			}
		}
		return nil
	}
}

// Conversation reads one conversation.
func (s *Bolt) Conversation(ctx context.Context, id string) (social.Conversation, error) {
	var c social.Conversation
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		c, err = getConv(tx, id)
		return err
	})
	return c, err
}

// Conversations reads several conversations (missing ids are skipped).
func (s *Bolt) Conversations(ctx context.Context, ids []string) ([]social.Conversation, error) {
	out := make([]social.Conversation, 0, len(ids))
	err := s.view(ctx, func(tx *bolt.Tx) error {
		for _, id := range ids {
			c, err := getConv(tx, id)
			if err != nil {
				continue
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// ConvByRoot finds the conversation that holds a root key.
func (s *Bolt) ConvByRoot(ctx context.Context, root string) (social.Conversation, error) {
	var c social.Conversation
	err := s.view(ctx, func(tx *bolt.Tx) error {
		idb := tx.Bucket(bConvByRoot).Get([]byte(root))
		if idb == nil {
			return fmt.Errorf("root %s: %w", root, ErrNotFound)
		}
		var err error
		c, err = getConv(tx, idString(idb))
		return err
	})
	return c, err
}

// Posts returns a conversation's posts, oldest first.
func (s *Bolt) Posts(ctx context.Context, convID string) ([]StoredPost, error) {
	var out []StoredPost
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c, err := getConv(tx, convID)
		if err != nil {
			return err
		}
		for _, k := range c.PostKeys {
			if sp, ok := getPost(tx, k); ok {
				out = append(out, sp)
			}
		}
		return nil
	})
	return out, err
}

// Post reads one post by key.
func (s *Bolt) Post(ctx context.Context, key string) (StoredPost, error) {
	var sp StoredPost
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var ok bool
		sp, ok = getPost(tx, key)
		if !ok {
			return fmt.Errorf("post %s: %w", key, ErrNotFound)
		}
		return nil
	})
	return sp, err
}

// ForEachPost calls fn for every post in key order.
func (s *Bolt) ForEachPost(ctx context.Context, fn func(StoredPost) bool) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		return s.scan(tx, bPosts, func(k, v []byte) (bool, error) {
			sp, err := postBin.decode(v)
			if err != nil {
				return false, fmt.Errorf("post %q: %w", k, err)
			}
			return fn(sp), nil
		})
	})
}

// AttachThread stores thread context fetched from the network (ancestors,
// other replies) into a conversation without touching its workflow state.
func (s *Bolt) AttachThread(ctx context.Context, convID string, posts []social.Post, now time.Time) (int, error) {
	added := 0
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		added, err = AttachTx(boltTx{tx}, convID, posts, now)
		return err
	})
	return added, err
}

// RefreshThread stores a refreshed thread (RefreshThreadTx).
func (s *Bolt) RefreshThread(ctx context.Context, convID string, posts []social.Post, busy bool, tri Triage, now time.Time) (ThreadResult, error) {
	var res ThreadResult
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		res, err = RefreshThreadTx(boltTx{tx}, convID, posts, busy, tri, now)
		return err
	})
	return res, err
}

// MarkDeleted records a post deleted by its author (MarkDeletedTx).
func (s *Bolt) MarkDeleted(ctx context.Context, key string, now time.Time) (social.Conversation, bool, error) {
	var c social.Conversation
	var out bool
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		c, out, err = MarkDeletedTx(boltTx{tx}, key, now)
		return err
	})
	return c, out, err
}

// ---- queue ----

func scanQueue(tx *bolt.Tx, v View, fn func(Ref) bool) error {
	return (*Bolt)(nil).scanQueue(tx, v, fn)
}

// scanQueue is scanQueue with the resident set kept in check (s nil: not).
func (s *Bolt) scanQueue(tx *bolt.Tx, v View, fn func(Ref) bool) error {
	return s.scanQueueBuf(tx, v, NewRefBuf(0), fn)
}

// scanQueueBuf is scanQueue decoding into buf.
func (s *Bolt) scanQueueBuf(tx *bolt.Tx, v View, buf *RefBuf, fn func(Ref) bool) error {
	n := 0
	return eachQueued(tx, v, func(k, val []byte) (bool, error) {
		if n++; s != nil && n%queueTrimEvery == 0 {
			s.trimIn(tx, true)
		}
		return fn(buf.Decode(k, val)), nil
	})
}

// viewSize is the number of conversations in view v (the running counts).
func viewSize(tx *bolt.Tx, v View) int {
	lo, hi := viewRange(v)
	return rangeSize(tx, lo, hi)
}

// rangeSize is the number of conversations of the ranks lo to hi.
func rangeSize(tx *bolt.Tx, lo, hi byte) int {
	n := readCounts(tx)
	size := 0
	for r := lo; r <= hi; r++ {
		size += n[r]
	}
	return size
}

// eachQueued calls fn with the key and value of each queue entry of the
// view, in queue order, until fn returns false or an error (which it
// returns).
func eachQueued(tx *bolt.Tx, v View, fn func(k, val []byte) (bool, error)) error {
	lo, hi := viewRange(v)
	return eachQueuedIn(tx, lo, hi, fn)
}

// eachQueuedIn is eachQueued over the ranks lo to hi, inclusive.
func eachQueuedIn(tx *bolt.Tx, lo, hi byte, fn func(k, val []byte) (bool, error)) error {
	c := tx.Bucket(bQueue).Cursor()
	for k, val := c.Seek([]byte{lo}); k != nil && k[0] <= hi; k, val = c.Next() {
		if len(k) != 25 {
			continue
		}
		if more, err := fn(k, val); err != nil || !more {
			return err
		}
	}
	return nil
}

// Queue calls fn for each queue entry of the view in order until fn returns
// false. The read transaction lasts only as long as the scan; fn must not
// block.
func (s *Bolt) Queue(ctx context.Context, v View, fn func(Ref) bool) error {
	return s.view(ctx, func(tx *bolt.Tx) error { return s.scanQueue(tx, v, fn) })
}

// QueueRefs returns the refs of a view that pass keep (nil = all).
func (s *Bolt) QueueRefs(ctx context.Context, v View, keep func(Ref) bool) ([]Ref, error) {
	var out []Ref
	err := s.view(ctx, func(tx *bolt.Tx) error {
		size := viewSize(tx, v)
		out = make([]Ref, 0, size) // one allocation, not a doubling series
		return s.scanQueueBuf(tx, v, NewRefBuf(size), func(r Ref) bool {
			if keep == nil || keep(r) {
				out = append(out, r)
			}
			return true
		})
	})
	return out, err
}

// Top returns up to n conversations from the top of a view.
func (s *Bolt) Top(ctx context.Context, v View, n int, keep func(Ref) bool) ([]social.Conversation, error) {
	var out []social.Conversation
	if n <= 0 {
		return out, nil
	}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return scanQueue(tx, v, func(r Ref) bool {
			if keep != nil && !keep(r) {
				return true
			}
			c, err := getConv(tx, r.ID)
			if err == nil {
				out = append(out, c)
			}
			return len(out) < n
		})
	})
	return out, err
}

// ---- cursors ----

// Cursor returns a feed's stored cursor ("" if none).
func (s *Bolt) Cursor(ctx context.Context, feedID string) (string, error) {
	var cur string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		cur = string(tx.Bucket(bCursors).Get([]byte(feedID)))
		return nil
	})
	return cur, err
}

// Counts returns the number of conversations per state rank
// (inbox, pending, snoozed, resolved).
func (s *Bolt) Counts(ctx context.Context) ([4]int, error) {
	var n [4]int
	err := s.view(ctx, func(tx *bolt.Tx) error {
		n = readCounts(tx)
		return nil
	})
	return n, err
}

// ForEachConv calls fn for every conversation in id order until it returns
// false. The read transaction lasts for the whole scan, so fn must be quick
// and must not write.
func (s *Bolt) ForEachConv(ctx context.Context, fn func(social.Conversation) bool) error {
	return s.ForEachConvSkipping(ctx, fn, nil)
}

// ForEachConvSkipping is ForEachConv that goes on past a conversation it
// cannot decode: it calls bad (if not nil) with the conversation's id and
// the error, and the scan continues. With bad nil the first such
// conversation ends the scan with its error (ForEachConv).
func (s *Bolt) ForEachConvSkipping(ctx context.Context, fn func(social.Conversation) bool, bad func(id string, err error)) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		return s.scan(tx, bConvs, func(k, v []byte) (bool, error) {
			conv, err := convBin.decode(v)
			if err != nil {
				id := fmt.Sprintf("key %x", k)
				if len(k) == 8 {
					id = idString(k)
				}
				if bad != nil {
					bad(id, err)
					return true, nil
				}
				return false, fmt.Errorf("conversation %s: %w", id, err)
			}
			return fn(conv), nil
		})
	})
}
