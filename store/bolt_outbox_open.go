package store

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The outbox's open entries (queued, sending, failed: not sent, not
// discarded) are indexed by sequence, so a delivery round and the TUI's
// outbox read what is pending, not every reply ever written.
var bOutboxOpen = []byte("outbox_open") // seq(8) -> state

// The outbox's status entries (copies of status posts and their
// follow-ups) are indexed by sequence, so listing the status posts (the
// engine's start, the status overlay) reads them, not every reply.
var bOutboxStatus = []byte("outbox_status") // seq(8) -> nothing

// Open reports whether an entry is still pending or needs the operator.
func (e OutboxEntry) Open() bool { return e.State != OutSent && e.State != OutDropped }

// putOutbox writes an entry and moves it in the open index.
func putOutbox(tx *bolt.Tx, e OutboxEntry) error {
	ob := tx.Bucket(bOutbox)
	ob.FillPercent = 0.9
	if err := putJSON(ob, idKey(e.Seq), e); err != nil {
		return err
	}
	return indexOutbox(tx, e)
}

func indexOutbox(tx *bolt.Tx, e OutboxEntry) error {
	if sb := tx.Bucket(bOutboxStatus); sb != nil && e.IsStatus() {
		if err := sb.Put(idKey(e.Seq), nil); err != nil {
			return err
		}
	}
	b := tx.Bucket(bOutboxOpen)
	if b == nil {
		return nil
	}
	if e.Open() {
		return b.Put(idKey(e.Seq), []byte(e.State))
	}
	return b.Delete(idKey(e.Seq))
}

// migrateOutboxOpen (schema 6) indexes the open entries.
func migrateOutboxOpen(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bOutboxOpen); err != nil {
		return err
	}
	return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("outbox entry %x: %w", k, err)
		}
		return indexOutbox(tx, e)
	})
}

// migrateOutboxStatus (schema 10) indexes the status entries.
func migrateOutboxStatus(tx *bolt.Tx) error {
	sb, err := tx.CreateBucketIfNotExists(bOutboxStatus)
	if err != nil {
		return err
	}
	return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("outbox entry %x: %w", k, err)
		}
		if !e.IsStatus() {
			return nil
		}
		return sb.Put(k, nil)
	})
}

// OutboxOpen lists the open entries, oldest first, that pass keep.
func (s *Bolt) OutboxOpen(ctx context.Context, keep func(OutboxEntry) bool) ([]OutboxEntry, error) {
	return s.outboxIndexed(ctx, bOutboxOpen, keep)
}

// OutboxStatuses lists the status entries, oldest first.
func (s *Bolt) OutboxStatuses(ctx context.Context) ([]OutboxEntry, error) {
	return s.outboxIndexed(ctx, bOutboxStatus, nil)
}

// outboxIndexed lists the entries an index bucket names, oldest first,
// that pass keep.
func (s *Bolt) outboxIndexed(ctx context.Context, index []byte, keep func(OutboxEntry) bool) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		c := tx.Bucket(index).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var e OutboxEntry
			if ok, err := getJSON(ob, k, &e); err != nil {
				return fmt.Errorf("outbox entry %d: %w", idSeq(k), err)
			} else if ok && (keep == nil || keep(e)) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// OutboxLog lists up to n entries older than before (0: from the newest),
// newest first, that pass keep: the paged history.
func (s *Bolt) OutboxLog(ctx context.Context, before uint64, n int, keep func(OutboxEntry) bool) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		c := ob.Cursor()
		var k, v []byte
		if before == 0 {
			k, v = c.Last()
		} else {
			k, _ = c.Seek(idKey(before)) // the entry before it is the first
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		}
		for ; k != nil && len(out) < n; k, v = c.Prev() {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox entry %d: %w", idSeq(k), err)
			}
			if keep == nil || keep(e) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

func idSeq(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	n, _ := ParseID(idString(k))
	return n
}

var (
	_ OutboxIndexer = (*Bolt)(nil)
	_ StatusIndexer = (*Bolt)(nil)
)
