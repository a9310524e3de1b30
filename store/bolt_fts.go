package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/hark-tui/hark/fold"
	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// The full-text index of the bbolt store: one bucket, written in the same
// transaction as what it indexes, so a crash between the store and its
// index cannot happen.
//
// Conversations' postings are bitmaps of 64 conversations (a block: ids
// id/64), the block leading the key:
//
//	'w' block(4) word        a word of a post (its text, its author's name
//	                         and handle) → bitmap(8) of the block's
//	                         conversations that have it
//	'p' block(4) word SP word  two words next to each other in a post's text
//	                         (a two-word phrase is one lookup; a longer one
//	                         is checked on the conversations with all pairs)
//	'a' block(4) attr        lang, sentiment, state ("l=es", "s=neg",
//	                         "e=open")
//	'd' time(8) id(8)        the latest customer post of conversation id
//	'f' block(4) word        a word of the name or handle of a customer
//	                         who wrote in the conversation (from:, and
//	                         words), as the post had it or as the contact
//	                         has it now
//	'c' word 0 contact       a word of a contact's notes
//	't' tag 0 contact        a tag of a contact (folded)
//
// (Schema 7 kept contacts' names as 'n' word 0 contact: a new customer
// put keys all over that range, a page each, 55 of a batch's 163 pages;
// schema 8 moved them to 'f', keyed by the conversations' blocks.)
//
// With the block first, what a poll batch adds (new conversations, the
// newest ids) lands in a few pages at the end of each kind's range: a
// batch of 100 posts rewrites a handful of pages, where one key per word
// and conversation, sorted by word, rewrote a page per distinct word
// (hundreds, each commit). A lookup seeks the word in each block (leaping
// over blocks without it): about 3,000 blocks at 200k conversations.
// Words are folded (package fold); a prefix is a range within a block.
//
// A hand-written index rather than bleve: it lives in the store's own file
// and transactions (nothing to reconcile after a crash, no second file),
// and bleve indexed about 5,300 posts/s here (store/BACKENDS.md).
var (
	bIndex        = []byte("fts")
	keyIndexState = []byte("fts_state") // version(1) | next conversation id to index (8); MaxUint64 = complete
)

const ftsVersion = 3

// indexState reads the index's state: whether it is complete and, if not,
// the next conversation id the rebuild will index (0: contacts first).
func indexState(tx *bolt.Tx) (complete bool, next uint64) {
	raw := tx.Bucket(bMeta).Get(keyIndexState)
	if len(raw) != 9 || raw[0] != ftsVersion || tx.Bucket(bIndex) == nil {
		return false, 0
	}
	next = binary.BigEndian.Uint64(raw[1:])
	return next == math.MaxUint64, next
}

func putIndexState(tx *bolt.Tx, next uint64) error {
	raw := make([]byte, 9)
	raw[0] = ftsVersion
	binary.BigEndian.PutUint64(raw[1:], next)
	return tx.Bucket(bMeta).Put(keyIndexState, raw)
}

// migrateIndex (schema 4) adds the index: complete at once for an empty
// store, else to be built by Reindex (searches scan meanwhile).
func migrateIndex(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bIndex); err != nil {
		return err
	}
	if k, _ := tx.Bucket(bConvs).Cursor().First(); k == nil {
		if k, _ := tx.Bucket(bContacts).Cursor().First(); k == nil {
			return putIndexState(tx, math.MaxUint64) // nothing to index
		}
	}
	return putIndexState(tx, 0)
}

// blockKey is the key of a conversation posting: kind, block, term.
func blockKey(kind byte, block uint32, term string) []byte {
	k := make([]byte, 5, 5+len(term))
	k[0] = kind
	binary.BigEndian.PutUint32(k[1:], block)
	return append(k, term...)
}

// orBits sets the bits of mask in the posting key (batchTx's postings,
// gathered over a batch: one read and one write a key).
func orBits(b *bolt.Bucket, k []byte, mask uint64) error { return changeBits(b, k, mask, 0) }

// setBit sets (or clears) conversation id's bit in the posting kind/term.
func setBit(b *bolt.Bucket, kind byte, term string, id []byte, on bool) error {
	n := binary.BigEndian.Uint64(id)
	bit := uint64(1) << (n % 64)
	k := blockKey(kind, uint32(n/64), term)
	if on {
		return changeBits(b, k, bit, 0)
	}
	return changeBits(b, k, 0, bit)
}

// changeBits sets the bits of set and clears those of clear (not both for
// one bit) in the posting key: no write when nothing changes, the key
// deleted when no bit is left.
func changeBits(b *bolt.Bucket, k []byte, set, clear uint64) error {
	var was uint64
	if v := b.Get(k); len(v) == 8 {
		was = binary.LittleEndian.Uint64(v)
	}
	switch bm := was&^clear | set; {
	case bm == was:
		return nil
	case bm == 0:
		return b.Delete(k)
	default:
		v := make([]byte, 8)
		binary.LittleEndian.PutUint64(v, bm)
		return b.Put(k, v)
	}
}

// migrateNames (schema 8) moves the contacts' name postings ('n' word 0
// contact) to their conversations' blocks ('f'). A store whose index is
// still to be built gets them from Reindex.
func migrateNames(tx *bolt.Tx) error {
	b := tx.Bucket(bIndex)
	if b == nil {
		return nil
	}
	var keys [][]byte
	contacts := map[string]bool{}
	c := b.Cursor()
	for k, _ := c.Seek([]byte{'n'}); k != nil && k[0] == 'n'; k, _ = c.Next() {
		keys = append(keys, slices.Clone(k))
		if i := bytes.IndexByte(k, 0); i >= 0 {
			contacts[string(k[i+1:])] = true
		}
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	// the bits are gathered, then written in key order: bbolt splits a
	// node only when it commits, and a million inserts in random order
	// into the one node where 'f' begins would move it a million times
	bits := map[string]uint64{}
	cb := tx.Bucket(bContacts)
	for _, k := range slices.Sorted(maps.Keys(contacts)) {
		ct, ok, err := contactAt(cb, []byte(k))
		if err != nil || !ok {
			continue // doctor reports an undecodable contact
		}
		words := nameWords(ct.Author.DisplayName, ct.Handle)
		for _, cid := range ct.ConvIDs {
			n, err := ParseID(cid)
			if err != nil {
				continue
			}
			for _, w := range words {
				bits[string(blockKey('f', uint32(n/64), w))] |= 1 << (n % 64)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(bits)) {
		if err := orBits(b, []byte(k), bits[k]); err != nil {
			return err
		}
	}
	return nil
}

func postingKey(kind byte, term string, id []byte) []byte {
	k := make([]byte, 0, 2+len(term)+len(id))
	k = append(k, kind)
	k = append(k, term...)
	k = append(k, 0)
	return append(k, id...)
}

// indexPost adds the words of a post to its conversation's postings.
func indexPost(tx *bolt.Tx, sp StoredPost) error {
	b := tx.Bucket(bIndex)
	if b == nil {
		return nil
	}
	return postPostings(sp, func(kind byte, term string, id []byte) error { return setBit(b, kind, term, id, true) })
}

// postPostings calls set with each posting a post adds to its
// conversation: words, customers' names, word pairs.
func postPostings(sp StoredPost, set func(kind byte, term string, id []byte) error) error {
	if sp.ConvID == "" {
		return nil
	}
	id, err := parseID(sp.ConvID)
	if err != nil {
		return nil // a post of no conversation: nothing to index
	}
	// each text folded once: the words of the text and of the author's
	// name and handle ('w'), the name's ('f', nameWords), the pairs
	ws := fold.Words(sp.Text)
	names := fold.Unique(sp.Author.DisplayName + " " + sp.Author.Handle)
	seen := make(map[string]bool, len(ws)+len(names))
	for _, w := range slices.Concat(ws, names) {
		if seen[w] {
			continue
		}
		seen[w] = true
		if err := set('w', w, id); err != nil {
			return err
		}
	}
	if sp.Kind != social.KindOwn && sp.Author.Handle != "" {
		for _, w := range names {
			if err := set('f', w, id); err != nil {
				return err
			}
		}
	}
	clear(seen)
	for i := 0; i+1 < len(ws); i++ {
		pair := ws[i] + " " + ws[i+1]
		if seen[pair] {
			continue
		}
		seen[pair] = true
		if err := set('p', pair, id); err != nil {
			return err
		}
	}
	return nil
}

// SentimentClass is the search class of a sentiment score: neg, pos or
// neutral.
func SentimentClass(s int) string {
	switch {
	case s < 0:
		return "neg"
	case s > 0:
		return "pos"
	}
	return "neutral"
}

// convAttrs are a conversation's attribute terms.
func convAttrs(c *social.Conversation) []string {
	if c == nil {
		return nil
	}
	out := []string{"s=" + SentimentClass(c.Sentiment), "e=" + string(c.State)}
	if c.Lang != "" {
		out = append(out, "l="+strings.ToLower(c.Lang))
	}
	return out
}

func timeKey9(c *social.Conversation, id []byte) []byte {
	if c == nil || c.LastCustomerAt.IsZero() {
		return nil
	}
	k := make([]byte, 17)
	k[0] = 'd'
	binary.BigEndian.PutUint64(k[1:], uint64(c.LastCustomerAt.Unix())^(1<<63))
	copy(k[9:], id)
	return k
}

// indexConv moves a conversation's attribute postings from old to c
// (with cb, gathered there: batchTx writes them once).
func indexConv(tx *bolt.Tx, old, c *social.Conversation, id []byte, cb *convBatch) error {
	b := tx.Bucket(bIndex)
	if b == nil {
		return nil
	}
	set := func(a string, on bool) error {
		if cb != nil {
			cb.attr(a, id, on)
			return nil
		}
		return setBit(b, 'a', a, id, on)
	}
	olds, news := convAttrs(old), convAttrs(c)
	for _, a := range olds {
		if !slices.Contains(news, a) {
			if err := set(a, false); err != nil {
				return err
			}
		}
	}
	for _, a := range news {
		if old == nil || !slices.Contains(olds, a) {
			if err := set(a, true); err != nil {
				return err
			}
		}
	}
	ok, nk := timeKey9(old, id), timeKey9(c, id)
	if bytes.Equal(ok, nk) {
		return nil
	}
	if ok != nil {
		if err := b.Delete(ok); err != nil {
			return err
		}
	}
	if nk != nil {
		return b.Put(nk, nil)
	}
	return nil
}

func diffKeys(b *bolt.Bucket, old, new [][]byte) error {
	for _, k := range old {
		if !containsKey(new, k) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range new {
		if !containsKey(old, k) || b.Get(k) == nil {
			if err := b.Put(k, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func containsKey(ks [][]byte, k []byte) bool {
	for _, x := range ks {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// contactKeys are a contact's postings: notes, name and handle, tags.
func contactKeys(ct *Contact) [][]byte {
	if ct == nil || ct.Handle == "" {
		return nil
	}
	ck := contactKey(ct.Network, ct.Handle)
	var keys [][]byte
	for _, w := range fold.Unique(ct.Notes) {
		keys = append(keys, postingKey('c', w, ck))
	}
	for _, t := range ct.Tags {
		if w := fold.Word(t); w != "" {
			keys = append(keys, postingKey('t', w, ck))
		}
	}
	return keys
}

func indexContact(tx *bolt.Tx, old, ct *Contact) error {
	b := tx.Bucket(bIndex)
	if b == nil {
		return nil
	}
	if err := diffKeys(b, contactKeys(old), contactKeys(ct)); err != nil {
		return err
	}
	return contactNames(func(kind byte, term string, id []byte) error { return setBit(b, kind, term, id, true) }, old, ct)
}

// nameWords are the words of a customer's name and handle.
func nameWords(name, handle string) []string { return fold.Unique(name + " " + handle) }

// contactNames gives the conversations of a contact whose name or handle
// changed (or that is new) the words of its name as it is now ('f'); the
// words it had stay (its posts were written under them).
func contactNames(set func(kind byte, term string, id []byte) error, old, ct *Contact) error {
	if ct == nil || ct.Handle == "" || len(ct.ConvIDs) == 0 {
		return nil
	}
	var was []string
	if old != nil && old.Handle != "" {
		was = nameWords(old.Author.DisplayName, old.Handle)
	}
	var add []string
	for _, w := range nameWords(ct.Author.DisplayName, ct.Handle) {
		if !slices.Contains(was, w) {
			add = append(add, w)
		}
	}
	ids := ct.ConvIDs
	if len(add) == 0 {
		// the same name: only the conversations it did not have
		if old == nil || len(old.ConvIDs) >= len(ids) {
			return nil
		}
		add = nameWords(ct.Author.DisplayName, ct.Handle)
		var fresh []string
		for _, id := range ids {
			if !slices.Contains(old.ConvIDs, id) {
				fresh = append(fresh, id)
			}
		}
		ids = fresh
	}
	for _, cid := range ids {
		id, err := parseID(cid)
		if err != nil {
			continue
		}
		for _, w := range add {
			if err := set('f', w, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- sets of conversation ids ----

// idSet is a bitmap of conversation ids.
type idSet []uint64

func (s *idSet) add(id uint64) {
	i := int(id / 64)
	if i >= len(*s) {
		*s = append(*s, make([]uint64, i+1-len(*s))...)
	}
	(*s)[i] |= 1 << (id % 64)
}

func (s idSet) has(id uint64) bool {
	i := int(id / 64)
	return i < len(s) && s[i]&(1<<(id%64)) != 0
}

func (s idSet) and(o idSet) idSet {
	s = s[:min(len(s), len(o))]
	for i := range s {
		s[i] &= o[i]
	}
	return s
}

func (s idSet) or(o idSet) idSet {
	for i, w := range o {
		if i < len(s) {
			s[i] |= w
		} else {
			s = append(s, w)
		}
	}
	return s
}

func (s idSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// scanConvTerm adds to set the conversations of the postings of kind
// whose term equals term (or starts with it, with prefix), block by block.
// A pending posting (bolt_fts_pending.go) counts as well.
func (r ftsReader) scanConvTerm(kind byte, term string, prefix bool, set *idSet) {
	orPending(r.pend, kind, term, prefix, set)
	scanBucketTerm(r.b, r.tick, kind, term, prefix, set)
}

// ftsReader reads the index in a search: its bucket, the function that
// keeps the mapped pages in check, the postings still pending.
type ftsReader struct {
	b    *bolt.Bucket
	tick func()
	pend []map[string]uint64
}

// scanBucketTerm is scanConvTerm in the index's bucket alone.
func scanBucketTerm(b *bolt.Bucket, tick func(), kind byte, term string, prefix bool, set *idSet) {
	c := b.Cursor()
	blk := uint32(0)
	for seeks := 1; ; seeks++ {
		if tick != nil && seeks%256 == 0 {
			tick() // a lookup seeks every block: keep the pages it maps in check
		}
		seek := blockKey(kind, blk, term)
		k, v := c.Seek(seek)
		if k == nil || k[0] != kind || len(k) < 5 {
			return
		}
		if got := binary.BigEndian.Uint32(k[1:5]); got != blk {
			blk = got // the term is not in the blocks between: leap
			continue
		}
		for ; len(k) >= 5 && k[0] == kind && binary.BigEndian.Uint32(k[1:5]) == blk && bytes.HasPrefix(k[5:], []byte(term)); k, v = c.Next() {
			if !prefix && len(k)-5 != len(term) {
				break // the exact term sorts first: it is not in this block
			}
			if len(v) == 8 {
				i := int(blk)
				if i >= len(*set) {
					*set = append(*set, make([]uint64, i+1-len(*set))...)
				}
				(*set)[i] |= binary.LittleEndian.Uint64(v)
			}
			if !prefix {
				break
			}
		}
		if blk == math.MaxUint32 {
			return
		}
		blk++
	}
}

// scanContactTerm returns the contact keys of the postings of kind whose
// term equals (or starts with) term.
func scanContactTerm(b *bolt.Bucket, kind byte, term string, prefix bool, into map[string]bool) {
	seek := append([]byte{kind}, term...)
	if !prefix {
		seek = append(seek, 0)
	}
	c := b.Cursor()
	for k, _ := c.Seek(seek); k != nil && bytes.HasPrefix(k, seek); k, _ = c.Next() {
		if i := bytes.IndexByte(k[len(seek)-1:], 0); i >= 0 {
			into[string(k[len(seek)-1+i+1:])] = true
		}
	}
}

// contactConvs adds the conversations of the given contacts to set.
func contactConvs(tx *bolt.Tx, keys map[string]bool, set *idSet) error {
	b := tx.Bucket(bContacts)
	for k := range keys {
		ct, _, err := contactAt(b, []byte(k))
		if err != nil {
			return err
		}
		for _, id := range ct.ConvIDs {
			if n, err := ParseID(id); err == nil {
				set.add(n)
			}
		}
	}
	return nil
}

// clauseSet is the set of conversations a clause (without its Not) holds.
func clauseSet(tx *bolt.Tx, cl SearchClause, r ftsReader) (idSet, error) {
	b := r.b
	var set idSet
	switch cl.Kind {
	case ClauseWord, ClausePhrase:
		if len(cl.Words) == 0 {
			return nil, fmt.Errorf("search: a word clause without words")
		}
		contacts := map[string]bool{}
		if cl.Kind == ClausePhrase && len(cl.Words) > 1 {
			for i := 0; i+1 < len(cl.Words); i++ {
				var s idSet
				r.scanConvTerm('p', cl.Words[i]+" "+cl.Words[i+1], false, &s)
				if i == 0 {
					set = s
				} else {
					set = set.and(s)
				}
			}
		}
		for i, w := range cl.Words {
			var s idSet
			prefix := cl.Kind == ClauseWord
			if cl.Kind == ClausePhrase && len(cl.Words) > 1 {
				s = set // the pairs answered the posts' part
			} else {
				r.scanConvTerm('w', w, prefix, &s)
			}
			cs := map[string]bool{}
			scanContactTerm(b, 'c', w, prefix, cs)
			if cl.Kind == ClauseWord {
				scanContactTerm(b, 't', w, prefix, cs)
				r.scanConvTerm('f', w, prefix, &s) // customers' names as they are now
			}
			if i == 0 {
				set = s
				contacts = cs
				continue
			}
			set = set.and(s)
			for k := range contacts {
				if !cs[k] {
					delete(contacts, k)
				}
			}
		}
		if cl.Kind == ClausePhrase {
			if len(cl.Words) > 2 { // all the pairs, but in a row?
				var err error
				if set, err = verifyPhrase(tx, set, cl.Words); err != nil {
					return nil, err
				}
			}
			for k := range contacts { // the phrase in the notes
				ct, _, _ := contactAt(tx.Bucket(bContacts), []byte(k))
				if !fold.Phrase(ct.Notes, cl.Words) {
					delete(contacts, k)
				}
			}
		}
		var cs idSet
		if err := contactConvs(tx, contacts, &cs); err != nil {
			return nil, err
		}
		return set.or(cs), nil
	case ClauseFrom:
		contacts := map[string]bool{}
		r.scanConvTerm('f', cl.Value, true, &set)
		// a part of the handle: the contacts' keys are network/handle
		c := tx.Bucket(bContacts).Cursor()
		n := 0
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if n++; n%scanTrimEvery == 0 {
				r.tick() // every contact's page: given back as the scan goes
			}
			if i := bytes.IndexByte(k, '/'); i >= 0 && bytes.Contains(k[i+1:], []byte(cl.Value)) {
				contacts[string(k)] = true
			}
		}
		return set, contactConvs(tx, contacts, &set)
	case ClauseTag:
		contacts := map[string]bool{}
		scanContactTerm(b, 't', cl.Value, false, contacts)
		return set, contactConvs(tx, contacts, &set)
	case ClauseLang:
		r.scanConvTerm('a', "l="+cl.Value, false, &set)
	case ClauseSentiment:
		r.scanConvTerm('a', "s="+cl.Value, false, &set)
	case ClauseState:
		r.scanConvTerm('a', "e="+cl.Value, false, &set)
	case ClauseAfter, ClauseBefore:
		t := make([]byte, 9)
		t[0] = 'd'
		binary.BigEndian.PutUint64(t[1:], uint64(cl.Time.Unix())^(1<<63))
		c := b.Cursor()
		if cl.Kind == ClauseAfter {
			for k, _ := c.Seek(t); k != nil && k[0] == 'd'; k, _ = c.Next() {
				set.add(binary.BigEndian.Uint64(k[9:]))
			}
		} else {
			for k, _ := c.Seek([]byte{'d'}); k != nil && k[0] == 'd' && bytes.Compare(k[:9], t) < 0; k, _ = c.Next() {
				set.add(binary.BigEndian.Uint64(k[9:]))
			}
		}
	default:
		return nil, fmt.Errorf("search: unknown clause %d", cl.Kind)
	}
	return set, nil
}

// verifyPhrase keeps the conversations where one post has the words in a
// row (the candidates have every word).
func verifyPhrase(tx *bolt.Tx, set idSet, words []string) (idSet, error) {
	var out idSet
	for i, w := range set {
		for w != 0 {
			bit := bits.TrailingZeros64(w)
			w &^= 1 << bit
			id := uint64(i)*64 + uint64(bit)
			c, err := getConv(tx, idString(idKey(id)))
			if err != nil {
				continue
			}
			for _, pk := range c.PostKeys {
				if sp, ok := getPost(tx, pk); ok && fold.Phrase(sp.Text, words) {
					out.add(id)
					break
				}
			}
		}
	}
	return out, nil
}

// Search answers a search from the index.
// Postings a poll left pending that this process does not hold (the store
// was opened after a crash) are written first; a read-only store answers
// ErrIndexBehind then (the caller scans).
func (s *Bolt) Search(ctx context.Context, v View, clauses []SearchClause, keep func(Ref) bool) ([]Ref, error) {
	for try := 0; ; try++ {
		out, err := s.search(ctx, v, clauses, keep)
		switch {
		case !errors.Is(err, errPendingElsewhere):
			return out, err
		case s.ro || try == 3: // polls keep racing the catch-up: scan
			return nil, ErrIndexBehind
		}
		if err := s.CatchUpIndex(ctx); err != nil {
			return nil, err
		}
	}
}

// errPendingElsewhere: the snapshot holds pending postings this process
// does not.
var errPendingElsewhere = errors.New("search index: postings pending from another process")

func (s *Bolt) search(ctx context.Context, v View, clauses []SearchClause, keep func(Ref) bool) ([]Ref, error) {
	var out []Ref
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if ok, _ := indexState(tx); !ok {
			return ErrIndexBehind
		}
		pend, ok := s.pendingBits(tx)
		if !ok {
			return errPendingElsewhere
		}
		r := ftsReader{b: tx.Bucket(bIndex), tick: func() { s.trimIn(tx, true) }, pend: pend}
		var include, exclude idSet
		all := true
		// is:<state> narrows the walk to its rank's range of the queue
		// index; a rank that holds that state alone (pending, snoozed,
		// resolved) needs no postings: is:resolved reads no bitmap and
		// none of the other ranks' keys
		lo, hi := viewRange(v)
		for _, cl := range clauses {
			if cl.Kind == ClauseState && !cl.Not {
				rk := rankOf(social.State(cl.Value))
				lo, hi = max(lo, rk), min(hi, rk)
			}
		}
		if lo > hi {
			return nil // a state outside the view (or two states)
		}
		for _, cl := range clauses {
			if err := ctx.Err(); err != nil {
				return err
			}
			if cl.Kind == ClauseState && !cl.Not && rankAlone(social.State(cl.Value)) {
				continue
			}
			set, err := clauseSet(tx, cl, r)
			if err != nil {
				return err
			}
			switch {
			case cl.Not:
				exclude = exclude.or(set)
			case all:
				include, all = set, false
			default:
				include = include.and(set)
			}
		}
		size := rangeSize(tx, lo, hi)
		if !all {
			if size = min(size, include.count()); size == 0 {
				return nil
			}
		}
		// one allocation for the result, sized for what the view and the
		// clauses allow (a doubling series of 200k refs, with their
		// pointers, was half of is:resolved's time), and the refs'
		// keys and ids in a few chunks
		out = make([]Ref, 0, size)
		buf := NewRefBuf(size)
		n := 0
		return eachQueuedIn(tx, lo, hi, func(k, val []byte) (bool, error) {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return false, ctx.Err()
			}
			if n%queueTrimEvery == 0 {
				s.trimIn(tx, true)
			}
			id := binary.BigEndian.Uint64(k[17:])
			if !all && !include.has(id) || exclude.has(id) {
				return true, nil
			}
			r := buf.Decode(k, val)
			if keep == nil || keep(r) {
				out = append(out, r)
			}
			return true, nil
		})
	})
	return ClipRefs(out), err
}

// IndexStatus reports whether the index is complete.
func (s *Bolt) IndexStatus(ctx context.Context) (IndexStatus, error) {
	var st IndexStatus
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ok, next := indexState(tx)
		st.Complete = ok
		st.Total = int(tx.Bucket(bConvs).Sequence())
		if ok {
			st.Done = st.Total
		} else if next > 0 {
			st.Done = int(next - 1)
		}
		return nil
	})
	return st, err
}

// reindexBatch is the number of conversations a rebuild indexes per
// transaction (the writer waits at most one batch).
const reindexBatch = 2000

// Reindex rebuilds the index (fresh: from nothing, else it resumes where
// a previous rebuild stopped, or returns at once if the index is complete).
func (s *Bolt) Reindex(ctx context.Context, fresh bool, progress func(done, total int)) error {
	if s.ro {
		return fmt.Errorf("reindex: the store is open read-only")
	}
	var next uint64
	var total int
	var dropped []uint64
	err := s.update(ctx, func(tx *bolt.Tx) error {
		ok, n := indexState(tx)
		total = int(tx.Bucket(bConvs).Sequence())
		if ok && !fresh {
			next = math.MaxUint64
			return nil
		}
		if fresh || n == 0 || tx.Bucket(bIndex) == nil {
			if tx.Bucket(bIndex) != nil {
				if err := tx.DeleteBucket(bIndex); err != nil {
					return err
				}
			}
			if _, err := tx.CreateBucket(bIndex); err != nil {
				return err
			}
			// the pending postings are of posts the rebuild reads
			dropped, _ = pendingState(tx)
			for _, seq := range dropped {
				if err := tx.Bucket(bFTSPending).Delete(idKey(seq)); err != nil {
					return err
				}
			}
			// contacts first, in this transaction
			if err := eachContact(tx, func(_ []byte, ct *Contact) error {
				return indexContact(tx, nil, ct)
			}); err != nil {
				return err
			}
			n = 1
		}
		next = n
		return putIndexState(tx, n)
	})
	if err == nil {
		s.pend.drop(dropped)
	}
	if err != nil || next == math.MaxUint64 {
		if progress != nil && err == nil {
			progress(total, total)
		}
		return err
	}
	for {
		if progress != nil {
			progress(min(int(next-1), total), total)
		}
		done := false
		err := s.update(ctx, func(tx *bolt.Tx) error {
			convs := tx.Bucket(bConvs)
			c := convs.Cursor()
			k, v := c.Seek(idKey(next))
			for i := 0; i < reindexBatch && k != nil; i++ {
				conv, err := convBin.decode(v)
				if err != nil {
					return fmt.Errorf("conversation %s: %w", idString(k), err)
				}
				if err := indexConv(tx, nil, &conv, k, nil); err != nil {
					return err
				}
				for _, pk := range conv.PostKeys {
					if sp, ok := getPost(tx, pk); ok {
						sp.ConvID = conv.ID
						if err := indexPost(tx, sp); err != nil {
							return err
						}
					}
				}
				next = binary.BigEndian.Uint64(k) + 1
				k, v = c.Next()
			}
			if k == nil {
				done = true
				next = math.MaxUint64
			}
			return putIndexState(tx, next)
		})
		if err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		if done {
			if progress != nil {
				progress(total, total)
			}
			return nil
		}
	}
}

var _ Searcher = (*Bolt)(nil)
