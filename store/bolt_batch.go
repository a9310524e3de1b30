package store

import (
	"bytes"
	"encoding/binary"
	"maps"
	"slices"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// batchTx is boltTx for a poll batch: it reads each conversation, contact
// and post of the batch once, and writes each conversation and contact
// once, when the batch is done (flush), however many of the batch's posts
// touched it. The rules see what they wrote at once (reads come from the
// cache), and each PutConv still bumps the conversation's Version, as on
// every backend; what is deferred is the encoding and the moves of the
// queue index, the search index and the running totals, from the version
// on disk to the last one.
type batchTx struct {
	boltTx
	posts    map[string]StoredPost
	convs    map[string]*convEntry
	contacts map[string]*contactEntry
	roots    map[string]string // root key → conversation id, as looked up or created ("": none)
	bits     map[string]uint64 // the posts' postings: key → bits to set
	keys     []string          // the posts whose postings those are
	// and the contacts whose names' postings ('f') are among them
	contactKeys []string
	// what flush did with them (bolt_fts_pending.go): left pending under
	// pendSeq, or written with the entries caughtUp
	pend     *ftsPend
	pendSeq  uint64
	caughtUp []uint64
	wrote    bool // the rules wrote something (else, with the same cursor, the batch rolls back)
}

type convEntry struct {
	disk  *social.Conversation // as the transaction found it (nil: new)
	cur   social.Conversation
	dirty bool
}

type contactEntry struct {
	disk  Contact // as the transaction found it (zero: none)
	cur   Contact
	dirty bool
}

func newBatchTx(tx *bolt.Tx, pend *ftsPend) *batchTx {
	return &batchTx{boltTx: boltTx{tx}, posts: map[string]StoredPost{}, convs: map[string]*convEntry{},
		contacts: map[string]*contactEntry{}, roots: map[string]string{}, bits: map[string]uint64{}, pend: pend}
}

// cloneConv copies a conversation's slices and maps, so that the version
// kept from disk shares nothing with the one the rules change.
func cloneConv(c social.Conversation) social.Conversation {
	c.PostKeys = slices.Clone(c.PostKeys)
	c.Reasons = slices.Clone(c.Reasons)
	c.Activity = slices.Clone(c.Activity)
	c.Answered = maps.Clone(c.Answered)
	return c
}

func (b *batchTx) Post(key string) (StoredPost, bool, error) {
	if sp, ok := b.posts[key]; ok {
		return sp, true, nil
	}
	sp, ok := getPost(b.tx, key)
	if ok {
		b.posts[key] = sp
	}
	return sp, ok, nil
}

func (b *batchTx) PutPost(sp StoredPost) error {
	b.wrote = true
	if err := putPostRecord(b.tx, sp); err != nil {
		return err
	}
	b.posts[sp.Key()] = sp
	if b.tx.Bucket(bIndex) == nil {
		return nil
	}
	if !slices.Contains(b.keys, sp.Key()) {
		b.keys = append(b.keys, sp.Key())
	}
	return postPostings(sp, func(kind byte, term string, id []byte) error {
		b.setBit(kind, term, id)
		return nil
	})
}

// setBit gathers a posting of the batch.
func (b *batchTx) setBit(kind byte, term string, id []byte) {
	n := binary.BigEndian.Uint64(id)
	b.bits[string(blockKey(kind, uint32(n/64), term))] |= 1 << (n % 64)
}

// ConvIDByRoot is boltTx's, remembered for the batch (a reply's root is
// looked up to place it, then to read its conversation).
func (b *batchTx) ConvIDByRoot(root string) (string, bool, error) {
	if id, ok := b.roots[root]; ok {
		return id, id != "", nil
	}
	id, ok, err := b.boltTx.ConvIDByRoot(root)
	if err == nil {
		b.roots[root] = id
	}
	return id, ok, err
}

// NewConv is boltTx's, noted as a write.
func (b *batchTx) NewConv(root string) (string, error) {
	b.wrote = true
	id, err := b.boltTx.NewConv(root)
	if err == nil {
		b.roots[root] = id
	}
	return id, err
}

// PostTime is the creation time of a stored post (insertByTime needs
// nothing else): from the cache, else decoded alone.
func (b *batchTx) PostTime(key string) (time.Time, bool, error) {
	if sp, ok := b.posts[key]; ok {
		return sp.CreatedAt, true, nil
	}
	raw := b.tx.Bucket(bPosts).Get([]byte(key))
	if raw == nil {
		return time.Time{}, false, nil
	}
	sp, err := postBin.decode(raw)
	if err != nil {
		return time.Time{}, false, nil // as getPost: an undecodable post is not there
	}
	return sp.CreatedAt, true, nil
}

func (b *batchTx) Conv(id string) (social.Conversation, error) {
	if e, ok := b.convs[id]; ok {
		return cloneConv(e.cur), nil
	}
	c, err := getConv(b.tx, id)
	if err != nil {
		return c, err
	}
	disk := cloneConv(c)
	b.convs[id] = &convEntry{disk: &disk, cur: c}
	return cloneConv(c), nil
}

func (b *batchTx) PutConv(old, c *social.Conversation) error {
	if _, err := parseID(c.ID); err != nil {
		return err
	}
	c.Version++
	b.wrote = true
	e, ok := b.convs[c.ID]
	if !ok {
		e = &convEntry{}
		if old != nil {
			d := cloneConv(*old)
			e.disk = &d
		}
		b.convs[c.ID] = e
	}
	e.cur, e.dirty = cloneConv(*c), true
	return nil
}

func (b *batchTx) Contact(n social.Network, handle string) (Contact, error) {
	if handle == "" {
		return Contact{}, nil
	}
	k := string(contactKey(n, handle))
	if e, ok := b.contacts[k]; ok {
		return cloneContact(e.cur), nil
	}
	ct := getContact(b.tx, n, handle)
	b.contacts[k] = &contactEntry{disk: cloneContact(ct), cur: ct}
	return cloneContact(ct), nil
}

func cloneContact(ct Contact) Contact {
	ct.Tags = slices.Clone(ct.Tags)
	ct.Brands = slices.Clone(ct.Brands)
	ct.ConvIDs = slices.Clone(ct.ConvIDs)
	return ct
}

func (b *batchTx) PutContact(ct Contact) error {
	b.wrote = true
	k := string(contactKey(ct.Network, ct.Handle))
	e, ok := b.contacts[k]
	if !ok {
		e = &contactEntry{}
		if old := getContact(b.tx, ct.Network, ct.Handle); old.Handle != "" {
			e.disk = old
		}
		b.contacts[k] = e
	}
	e.cur, e.dirty = cloneContact(ct), true
	return nil
}

// flush writes what the batch changed: each conversation once (its queue
// entry, search postings and totals moved from the version on disk), each
// contact once, in key order.
func (b *batchTx) flush() error {
	ids := slices.SortedFunc(maps.Keys(b.convs), func(a, c string) int {
		x, _ := ParseID(a)
		y, _ := ParseID(c)
		return cmpUint(x, y)
	})
	var batch convBatch
	for _, id := range ids {
		e := b.convs[id]
		if !e.dirty {
			continue
		}
		if err := writeConv(b.tx, e.disk, &e.cur, &batch); err != nil {
			return err
		}
	}
	if err := batch.apply(b.tx); err != nil {
		return err
	}
	cb := b.tx.Bucket(bContacts)
	for _, k := range slices.Sorted(maps.Keys(b.contacts)) {
		e := b.contacts[k]
		if !e.dirty {
			continue
		}
		if ix := b.tx.Bucket(bIndex); ix != nil {
			// notes and tags at once; the names' postings with the posts'
			old := e.disk
			if err := diffKeys(ix, contactKeys(&old), contactKeys(&e.cur)); err != nil {
				return err
			}
			added := false
			if err := contactNames(func(kind byte, term string, id []byte) error {
				added = true
				b.setBit(kind, term, id)
				return nil
			}, &old, &e.cur); err != nil {
				return err
			}
			if added {
				b.contactKeys = append(b.contactKeys, k)
			}
		}
		if err := b.putContact(cb, []byte(k), e); err != nil {
			return err
		}
	}
	return b.flushPostings() // the contacts' names' postings are among them
}

// flushPostings leaves the batch's postings pending, or, once
// ftsPendingPosts posts would be, writes them with the pending ones.
func (b *batchTx) flushPostings() error {
	ix := b.tx.Bucket(bIndex)
	if ix == nil || len(b.keys)+len(b.contactKeys) == 0 {
		return nil
	}
	if _, n := pendingState(b.tx); b.tx.Bucket(bFTSPending) != nil && n+len(b.keys) < ftsPendingPosts {
		var err error
		b.pendSeq, err = putPending(b.tx, b.keys, b.contactKeys)
		return err
	}
	var err error
	if b.caughtUp, err = catchUpIndex(b.tx, b.pend); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(b.bits)) {
		if err := orBits(ix, []byte(k), b.bits[k]); err != nil {
			return err
		}
	}
	return nil
}

// committed tells the process's pending postings what the batch's commit
// did.
func (b *batchTx) committed() {
	if b.pend == nil {
		return
	}
	if b.caughtUp != nil {
		b.pend.drop(b.caughtUp)
	}
	if b.pendSeq != 0 {
		b.pend.add(b.pendSeq, b.bits)
	}
}

// putContact writes a contact the batch changed: nothing if its document
// would be the same bytes, its LastSeen alone (putSeen) if nothing else
// changed, else the document.
func (b *batchTx) putContact(cb *bolt.Bucket, k []byte, e *contactEntry) error {
	if was := &e.disk; was.Handle != "" && sameContactDoc(was, &e.cur) { // was: as read, LastSeen merged
		switch {
		case sameTime(e.cur.LastSeen, was.LastSeen):
			return nil // the document only lacks the LastSeen kept beside it
		case e.cur.LastSeen.After(was.LastSeen):
			if ok, err := putSeen(b.tx, k, &e.cur); ok || err != nil {
				return err
			}
		}
	}
	raw, err := contactBin.encode(&e.cur)
	if err != nil {
		return err
	}
	if e.disk.Handle != "" && bytes.Equal(cb.Get(k), raw) {
		return nil
	}
	return cb.Put(k, raw)
}

// sameContactDoc reports whether two contacts' documents are the same
// bytes but for LastSeen (what json.Marshal would tell, without encoding
// either; a false "not the same" only costs a write).
// TestSameContactDoc keeps it in step with Contact's fields.
func sameContactDoc(a, b *Contact) bool {
	return a.Network == b.Network && a.Handle == b.Handle && a.Author == b.Author && a.VIP == b.VIP &&
		a.Notes == b.Notes && slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Brands, b.Brands) &&
		slices.Equal(a.ConvIDs, b.ConvIDs) && sameTime(a.FirstSeen, b.FirstSeen)
}

// sameTime reports whether two times encode to the same JSON: the same
// instant at the same offset.
func sameTime(a, b time.Time) bool {
	if !a.Equal(b) {
		return false
	}
	_, x := a.Zone()
	_, y := b.Zone()
	return x == y
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
