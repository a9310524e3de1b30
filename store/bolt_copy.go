package store

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

var _ Copier = (*Bolt)(nil)

// Export gives every record of the file, from one read transaction.
func (s *Bolt) Export(ctx context.Context, fn func(Record) error) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		seqs := []Record{
			{Kind: RecSeq, Key: "conv", Doc: []byte(strconv.FormatUint(tx.Bucket(bConvs).Sequence(), 10))},
			{Kind: RecSeq, Key: "outbox", Doc: []byte(strconv.FormatUint(tx.Bucket(bOutbox).Sequence(), 10))},
		}
		for _, r := range seqs {
			if err := fn(r); err != nil {
				return err
			}
		}
		for _, b := range []struct {
			kind   RecordKind
			bucket []byte
			id     bool
		}{
			{RecConv, bConvs, true}, {RecPost, bPosts, false}, {RecContact, bContacts, false}, {RecDraft, bDrafts, true},
			{RecCursor, bCursors, false}, {RecFeed, bFeedStatus, false}, {RecOutbox, bOutbox, true},
		} {
			c := tx.Bucket(b.bucket).Cursor()
			n := 0
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if err := ctx.Err(); err != nil {
					return err
				}
				s.scanTick(tx, &n)
				key := string(k)
				if b.id {
					key = idString(k)
				}
				if b.kind == RecConv || b.kind == RecPost { // binary in the file, JSON out
					if j, err := docJSON(v); err == nil {
						v = j
					} // else as stored: the reader reports it, as a damaged JSON one
				}
				if b.kind == RecContact {
					var err error
					if v, err = contactDoc(tx, k, v); err != nil {
						return fmt.Errorf("contact %q: %w", k, err)
					}
				}
				if err := fn(Record{Kind: b.kind, Key: key, Doc: v}); err != nil {
					return err
				}
			}
		}
		if cb := tx.Bucket(bCanned); cb != nil { // made on the first choice
			c := cb.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if err := fn(Record{Kind: RecCanned, Key: string(k), Doc: v}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Empty reports whether the file holds no conversation, post or outbox entry.
func (s *Bolt) Empty(ctx context.Context) (bool, error) {
	empty := true
	err := s.view(ctx, func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bConvs, bPosts, bOutbox, bContacts} {
			if k, _ := tx.Bucket(b).Cursor().First(); k != nil {
				empty = false
			}
		}
		return nil
	})
	return empty, err
}

// Import writes records into the file as they are, rebuilding the root
// and queue indexes, the outbox id index and the counts.
func (s *Bolt) Import(ctx context.Context, recs []Record) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		counts := readCounts(tx)
		for _, r := range recs {
			var err error
			switch r.Kind {
			case RecSeq:
				n, perr := strconv.ParseUint(string(r.Doc), 10, 64)
				if perr != nil {
					return fmt.Errorf("sequence %s: %w", r.Key, perr)
				}
				b := bConvs
				if r.Key == "outbox" {
					b = bOutbox
				}
				err = tx.Bucket(b).SetSequence(n)
			case RecConv:
				id, root, sk, ref, rank, ierr := ConvIndex(r.Doc)
				if ierr != nil {
					return fmt.Errorf("conversation %s: %w", r.Key, ierr)
				}
				var doc []byte
				c, derr := convBin.decode(r.Doc)
				if derr == nil {
					doc, derr = convBin.encode(&c)
				}
				if derr != nil {
					return fmt.Errorf("conversation %s: %w", r.Key, derr)
				}
				if err = tx.Bucket(bConvs).Put(idKey(id), doc); err == nil {
					err = tx.Bucket(bConvByRoot).Put([]byte(root), idKey(id))
				}
				if err == nil {
					err = tx.Bucket(bQueue).Put(sk, ref)
				}
				if err == nil {
					err = moveTotals(tx, nil, &c)
				}
				counts[rank]++
			case RecPost:
				err = importDoc(tx, bPosts, r, postBin.decode, postBin.encode)
			case RecContact:
				err = importDoc(tx, bContacts, r, contactBin.decode, contactBin.encode)
			case RecDraft:
				k, perr := parseID(r.Key)
				if perr != nil {
					return perr
				}
				err = tx.Bucket(bDrafts).Put(k, r.Doc)
			case RecCursor:
				err = tx.Bucket(bCursors).Put([]byte(r.Key), r.Doc)
			case RecFeed:
				err = tx.Bucket(bFeedStatus).Put([]byte(r.Key), r.Doc)
			case RecOutbox:
				e, ierr := OutboxIndex(r.Doc)
				if ierr != nil {
					return fmt.Errorf("outbox %s: %w", r.Key, ierr)
				}
				n, _ := strconv.ParseUint(r.Key, 10, 64)
				if err = tx.Bucket(bOutbox).Put(idKey(n), bytes.Clone(r.Doc)); err == nil {
					err = tx.Bucket(bOutboxIDs).Put([]byte(e.Reply.ID), idKey(n))
				}
				if err == nil {
					e.Seq = n
					err = indexOutbox(tx, e)
				}
			case RecCanned:
				b, berr := tx.CreateBucketIfNotExists(bCanned)
				if berr != nil {
					return berr
				}
				err = b.Put([]byte(r.Key), r.Doc)
			default:
				return fmt.Errorf("unknown record kind %q", r.Kind)
			}
			if err != nil {
				return err
			}
		}
		if err := writeCounts(tx, counts); err != nil {
			return err
		}
		// imported records are not indexed: the index is rebuilt
		// (Reindex, which hark store copy runs after the import)
		return putIndexState(tx, 0)
	})
}

// importDoc puts an imported post or contact (r) into bucket b in the
// file's binary form (dec, then enc); one that does not decode goes in as
// it came, as before.
func importDoc[T any](tx *bolt.Tx, b []byte, r Record, dec func([]byte) (T, error), enc func(*T) ([]byte, error)) error {
	doc := r.Doc
	if x, err := dec(r.Doc); err == nil {
		if doc, err = enc(&x); err != nil {
			return fmt.Errorf("%s %s: %w", r.Kind, r.Key, err)
		}
	}
	return tx.Bucket(b).Put([]byte(r.Key), doc)
}

// CountRecords is how many records Export gives.
func (s *Bolt) CountRecords(ctx context.Context) (int, error) {
	n := 2 // the sequences
	err := s.view(ctx, func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bConvs, bPosts, bContacts, bDrafts, bCursors, bFeedStatus, bOutbox, bCanned} {
			if bk := tx.Bucket(b); bk != nil {
				n += bk.Stats().KeyN
			}
		}
		return nil
	})
	return n, err
}
