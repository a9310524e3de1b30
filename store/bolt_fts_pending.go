package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// The postings of polled posts are written to the index a few polls at a
// time, not in each poll's commit. Every poll of a batch touched the same
// pages: the words and word pairs of the newest blocks of conversations
// (about 5 pages a kind a block), a third of what a batch of 100 posts
// wrote; written once every ftsPendingPosts posts, they cost a fraction.
//
// What is not yet in the index is recorded in the poll's own transaction,
// so a crash loses nothing:
//
//	fts_pending: seq(8) → uvarint(n) then n × (uvarint(len) post key),
//	                       uvarint(m) then m × (uvarint(len) contact key)
//
// (the contacts whose names' postings, 'f', the poll gave to their
// conversations: a new customer, a new name).
//
// catchUpIndex (in a write transaction) writes the postings of every
// pending post and empties the bucket; a poll runs it in its own commit
// once ftsPendingPosts posts are pending, CatchUpIndex and Close run it at
// once. Until then a search adds the pending postings from memory: the
// process keeps, for the pending entries it committed, the postings it
// computed (ftsPend); a search whose snapshot holds an entry it lacks (a
// store opened after a crash) catches up first, or, read-only, answers
// ErrIndexBehind (the caller scans).
//
// Only polls (batchTx) defer their postings; thread fetches, edits outside
// a poll, contacts and the conversations' attributes are indexed at once,
// as before.
var bFTSPending = []byte("fts_pending")

// ftsPendingPosts is how many posts may wait for the index before a poll's
// commit writes their postings.
var ftsPendingPosts = 1000

// ftsPend is the postings of the pending entries this process committed,
// entry by entry (each map is the poll's, never changed once added, so a
// search reads them without a lock).
type ftsPend struct {
	mu      sync.Mutex
	entries map[uint64]map[string]uint64 // seq → blockKey → bits to set
	floor   uint64                       // the last entry a catch-up wrote (entries are numbered in order)
}

// add records what a committed poll left pending.
func (p *ftsPend) add(seq uint64, bits map[string]uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seq <= p.floor {
		return // written already by a catch-up committed in between
	}
	if p.entries == nil {
		p.entries = map[uint64]map[string]uint64{}
	}
	p.entries[seq] = bits
}

// drop forgets the entries a committed catch-up wrote.
func (p *ftsPend) drop(seqs []uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range seqs {
		p.floor = max(p.floor, s)
	}
	for s := range p.entries {
		if s <= p.floor {
			delete(p.entries, s)
		}
	}
}

// covering returns the postings of the pending entries seqs, or ok false
// if this process does not hold them all.
func (p *ftsPend) covering(seqs []uint64) (bits []map[string]uint64, ok bool) {
	if p == nil {
		return nil, len(seqs) == 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range seqs {
		m, ok := p.entries[s]
		if !ok {
			return nil, false
		}
		bits = append(bits, m)
	}
	return bits, true
}

// pendingEntry encodes the keys of a poll's posts and contacts whose
// postings wait (bincodec.go's writer).
func pendingEntry(posts, contacts []string) []byte {
	var w binDoc
	for _, keys := range [][]string{posts, contacts} {
		w.wuint(uint64(len(keys)))
		for _, k := range keys {
			w.wraw(k)
		}
	}
	return w.b
}

// pendingKeys decodes a pending entry.
func pendingKeys(v []byte) (posts, contacts []string, err error) {
	r := binDoc{b: v, dec: true}
	list := func() []string {
		n := r.ruint()
		if n > uint64(len(r.b)) { // every key takes a byte at least
			r.fail()
			return nil
		}
		out := make([]string, n)
		for i := range out {
			r.str(&out[i])
		}
		return out
	}
	posts, contacts = list(), list()
	if r.err != nil {
		return nil, nil, fmt.Errorf("pending postings: %w", r.err)
	}
	return posts, contacts, nil
}

// pendingState lists the pending entries and counts their posts.
func pendingState(tx *bolt.Tx) (seqs []uint64, posts int) {
	pb := tx.Bucket(bFTSPending)
	if pb == nil {
		return nil, 0
	}
	c := pb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) == 8 {
			seqs = append(seqs, binary.BigEndian.Uint64(k))
		}
		n, _ := binary.Uvarint(v)
		posts += int(n) // the contacts: not counted (at most one a post)
	}
	return seqs, posts
}

// putPending records a poll's pending posts; it returns the entry's seq.
func putPending(tx *bolt.Tx, posts, contacts []string) (uint64, error) {
	pb := tx.Bucket(bFTSPending)
	pb.FillPercent = 0.9 // appended
	seq, err := pb.NextSequence()
	if err != nil {
		return 0, err
	}
	return seq, pb.Put(idKey(seq), pendingEntry(posts, contacts))
}

// catchUpIndex writes the postings of every pending post into the index
// (from have, the postings this process kept for exactly those entries,
// else from the posts) and empties fts_pending. It returns the entries
// written.
func catchUpIndex(tx *bolt.Tx, have *ftsPend) ([]uint64, error) {
	pb := tx.Bucket(bFTSPending)
	if pb == nil {
		return nil, nil
	}
	seqs, _ := pendingState(tx)
	if len(seqs) == 0 {
		return nil, nil
	}
	bits := map[string]uint64{}
	if have, ok := have.covering(seqs); ok {
		for _, m := range have {
			for k, v := range m {
				bits[k] |= v
			}
		}
	} else {
		set := func(kind byte, term string, id []byte) error {
			n := binary.BigEndian.Uint64(id)
			bits[string(blockKey(kind, uint32(n/64), term))] |= 1 << (n % 64)
			return nil
		}
		cb := tx.Bucket(bContacts)
		c := pb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			posts, contacts, err := pendingKeys(v)
			if err != nil {
				return nil, fmt.Errorf("%w (entry %x)", err, k)
			}
			for _, pk := range posts {
				if sp, ok := getPost(tx, pk); ok {
					if err := postPostings(sp, set); err != nil {
						return nil, err
					}
				}
			}
			for _, ck := range contacts {
				// its name as it is now, to all its conversations: what
				// the poll gave them (and the ones they had)
				if ct, ok, err := contactAt(cb, []byte(ck)); ok && err == nil {
					if err := contactNames(set, nil, &ct); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if ix := tx.Bucket(bIndex); ix != nil {
		for _, k := range slices.Sorted(maps.Keys(bits)) {
			if err := orBits(ix, []byte(k), bits[k]); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range seqs {
		if err := pb.Delete(idKey(s)); err != nil {
			return nil, err
		}
	}
	return seqs, nil
}

// CatchUpIndex writes the postings still pending (polls leave them for a
// few polls) into the index now.
func (s *Bolt) CatchUpIndex(ctx context.Context) error {
	if s.ro {
		return nil
	}
	var pending bool
	if err := s.view(ctx, func(tx *bolt.Tx) error {
		seqs, _ := pendingState(tx)
		pending = len(seqs) > 0
		return nil
	}); err != nil || !pending {
		return err
	}
	var done []uint64
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		done, err = catchUpIndex(tx, &s.pend)
		return err
	})
	if err != nil {
		return fmt.Errorf("search index: writing the pending postings: %w", err)
	}
	s.pend.drop(done)
	return nil
}

// pendingBits is what a search adds to the index in tx's snapshot: the
// postings of its pending entries (nil: none), or ok false if this process
// does not hold them.
func (s *Bolt) pendingBits(tx *bolt.Tx) ([]map[string]uint64, bool) {
	seqs, _ := pendingState(tx)
	if len(seqs) == 0 {
		return nil, true
	}
	return s.pend.covering(seqs)
}

// orPending adds to set the pending postings of kind whose term equals
// term (or starts with it).
func orPending(pend []map[string]uint64, kind byte, term string, prefix bool, set *idSet) {
	for _, m := range pend {
		orPendingMap(m, kind, term, prefix, set)
	}
}

func orPendingMap(pend map[string]uint64, kind byte, term string, prefix bool, set *idSet) {
	for k, bm := range pend {
		if len(k) < 5 || k[0] != kind {
			continue
		}
		t := k[5:]
		if t != term && (!prefix || !strings.HasPrefix(t, term)) {
			continue
		}
		i := int(uint32(k[1])<<24 | uint32(k[2])<<16 | uint32(k[3])<<8 | uint32(k[4]))
		if i >= len(*set) {
			*set = append(*set, make([]uint64, i+1-len(*set))...)
		}
		(*set)[i] |= bm
	}
}

// migrateIngest (schema 9) adds the buckets of the leaner poll commit:
// contacts' LastSeen beside their documents, the postings pending.
func migrateIngest(tx *bolt.Tx) error {
	for _, b := range [][]byte{bContactSeen, bFTSPending} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}
