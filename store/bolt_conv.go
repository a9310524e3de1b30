package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
	bolt "go.etcd.io/bbolt"
)

// StoredPost is a post as kept in the store, with the conversation it joined.
type StoredPost struct {
	social.Post
	ConvID   string    `json:"conv_id"`
	StoredAt time.Time `json:"stored_at,omitzero"`
	// Attached: stored from a thread fetch, not yet seen by a poll. When a
	// poll brings it, it counts as new then (reopen, triage, events).
	Attached bool `json:"attached,omitempty"`
}

// Triage is called for every conversation a batch touches, after the new
// post was added, to set priority, reasons and the SLA due time. contact is
// the customer's record (VIP flag, notes). It must not block.
type Triage func(c *social.Conversation, latest social.Post, contact Contact)

// IngestResult says what a batch changed.
type IngestResult struct {
	New      []social.Post // posts stored for the first time
	Changed  []string      // conversation ids created or updated
	Reopened []string      // conversations a customer message reopened
}

// View selects a queue.
type View int

// Queue views.
const (
	ViewActionable View = iota // new + open, by priority then due time
	ViewPending
	ViewSnoozed
	ViewResolved
	ViewAll
)

var viewNames = []string{"inbox", "pending", "snoozed", "resolved", "all"}

func (v View) String() string {
	if int(v) < len(viewNames) {
		return viewNames[v]
	}
	return "view?"
}

// ParseView reads a view name.
func ParseView(s string) (View, bool) {
	for i, n := range viewNames {
		if n == s {
			return View(i), true
		}
	}
	return 0, false
}

func rankOf(s social.State) byte {
	switch s {
	case social.StatePending:
		return 1
	case social.StateSnoozed:
		return 2
	case social.StateResolved:
		return 3
	}
	return 0
}

// Ref is one queue index entry: enough to sort, filter and count without
// decoding the conversation.
type Ref struct {
	ID      string
	Sort    []byte // the index key; byte order is queue order
	Brand   string
	Network social.Network
	Direct  bool
	VIP     bool
	Due     time.Time // inbox: SLA due time; snoozed: wake time (zero if none)
}

// sortKey: rank(1) | a(8) | b(8) | id(8).
func sortKey(c *social.Conversation, id []byte) []byte {
	k := make([]byte, 25)
	k[0] = rankOf(c.State)
	var a, b uint64
	switch k[0] {
	case 0: // priority desc, due asc
		p := c.Priority
		if p < 0 {
			p = 0
		}
		a = math.MaxUint64 - uint64(p)
		b = timeKey(c.DueAt, math.MaxUint64)
	case 1: // most recently updated first
		a = math.MaxUint64 - timeKey(c.UpdatedAt, 0)
	case 2: // wakes soonest first
		a = timeKey(c.SnoozedUntil, math.MaxUint64)
	case 3: // most recently resolved first
		a = math.MaxUint64 - timeKey(c.ResolvedAt, 0)
	}
	binary.BigEndian.PutUint64(k[1:], a)
	binary.BigEndian.PutUint64(k[9:], b)
	copy(k[17:], id)
	return k
}

func timeKey(t time.Time, zero uint64) uint64 {
	if t.IsZero() {
		return zero
	}
	n := t.UnixNano()
	if n < 0 {
		return 0
	}
	return uint64(n)
}

func refValue(c *social.Conversation) []byte {
	var flags byte
	if c.Direct {
		flags |= 1
	}
	if c.VIP {
		flags |= 2
	}
	return []byte(string(flags) + string(c.Network) + "\x00" + c.Brand)
}

// refNames interns the network and brand of index values: a view of 200k
// refs shares a handful of strings instead of allocating two each.
type refNames map[string][2]string

func decodeRef(k, v []byte, names refNames) Ref {
	r := Ref{ID: idString(k[17:]), Sort: append([]byte(nil), k...)}
	switch k[0] {
	case 0:
		if d := binary.BigEndian.Uint64(k[9:17]); d != math.MaxUint64 {
			r.Due = time.Unix(0, int64(d))
		}
	case 2:
		if d := binary.BigEndian.Uint64(k[1:9]); d != math.MaxUint64 {
			r.Due = time.Unix(0, int64(d))
		}
	}
	if len(v) > 0 {
		r.Direct = v[0]&1 != 0
		r.VIP = v[0]&2 != 0
		nb, ok := names[string(v[1:])] // no allocation on a hit
		if !ok {
			rest := string(v[1:])
			if i := strings.IndexByte(rest, 0); i >= 0 {
				nb = [2]string{rest[:i], rest[i+1:]}
			}
			if names != nil {
				names[rest] = nb
			}
		}
		r.Network, r.Brand = social.Network(nb[0]), nb[1]
	}
	return r
}

func decodeConv(raw []byte) (social.Conversation, error) {
	var c social.Conversation
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("decoding conversation: %w", err)
	}
	return c, nil
}

// putConv writes c, moving its queue index entry. old is the previous
// version (nil for a new conversation).
func putConv(tx *bolt.Tx, old, c *social.Conversation) error {
	id, err := parseID(c.ID)
	if err != nil {
		return err
	}
	q := tx.Bucket(bQueue)
	var from byte = 255
	if old != nil {
		if err := q.Delete(sortKey(old, id)); err != nil {
			return err
		}
		from = rankOf(old.State)
	}
	c.Version++
	if err := q.Put(sortKey(c, id), refValue(c)); err != nil {
		return err
	}
	convs := tx.Bucket(bConvs)
	convs.FillPercent = 0.9 // ids are sequential: pages fill from the end
	if to := rankOf(c.State); to != from {
		if err := moveCount(tx, from, to); err != nil {
			return err
		}
	}
	return putJSON(convs, id, c)
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
	return decodeConv(raw)
}

// rootKeyFor decides which conversation a post belongs to.
func rootKeyFor(tx *bolt.Tx, p *social.Post) string {
	if p.Direct {
		h := strings.ToLower(p.Author.Handle)
		if p.Kind == social.KindOwn && p.Meta != nil && p.Meta["to_handle"] != "" {
			h = strings.ToLower(p.Meta["to_handle"])
		}
		return "dm:" + string(p.Network) + "/" + p.Account + "/" + h
	}
	if p.ThreadRoot != "" {
		rk := social.PostKey(p.Network, p.Account, p.ThreadRoot)
		if tx.Bucket(bConvByRoot).Get([]byte(rk)) != nil {
			return rk
		}
		// The root is unknown, but the parent may be in a conversation.
		if p.ReplyTo != "" {
			if sp, ok := getPost(tx, social.PostKey(p.Network, p.Account, p.ReplyTo)); ok {
				if c, err := getConv(tx, sp.ConvID); err == nil {
					return c.RootKey
				}
			}
		}
		return rk
	}
	if p.ReplyTo != "" {
		if sp, ok := getPost(tx, social.PostKey(p.Network, p.Account, p.ReplyTo)); ok {
			if c, err := getConv(tx, sp.ConvID); err == nil {
				return c.RootKey
			}
		}
	}
	return p.Key()
}

func getPost(tx *bolt.Tx, key string) (StoredPost, bool) {
	var sp StoredPost
	ok, err := getJSON(tx.Bucket(bPosts), []byte(key), &sp)
	return sp, ok && err == nil
}

// Ingest stores a poll batch and the feed's next cursor in one transaction:
// either both are written or neither is. Posts already stored are skipped,
// so re-polling is a no-op. now stamps the stored posts.
func (s *Store) Ingest(feedID, cursor string, posts []social.Post, tri Triage, now time.Time) (IngestResult, error) {
	var res IngestResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = IngestResult{}
		pb := tx.Bucket(bPosts)
		pb.FillPercent = 0.9
		changed := map[string]bool{}
		for i := range posts {
			p := posts[i]
			if p.RemoteID == "" {
				return fmt.Errorf("feed %s: post %d has no remote id", feedID, i)
			}
			var c social.Conversation
			var reopened bool
			var err error
			fresh := true
			if pb.Get([]byte(p.Key())) != nil {
				// polled before (re-polling changes nothing), unless a
				// thread fetch stored it first
				c, reopened, fresh, err = promoteAttached(tx, p, tri, now)
			} else {
				c, reopened, err = addPost(tx, p, tri, now)
			}
			if err != nil {
				return fmt.Errorf("feed %s: post %s: %w", feedID, p.Key(), err)
			}
			if !fresh {
				continue
			}
			res.New = append(res.New, p)
			if !changed[c.ID] {
				changed[c.ID] = true
				res.Changed = append(res.Changed, c.ID)
			}
			if reopened {
				res.Reopened = append(res.Reopened, c.ID)
			}
		}
		if feedID != "" {
			return tx.Bucket(bCursors).Put([]byte(feedID), []byte(cursor))
		}
		return nil
	})
	if err != nil {
		return IngestResult{}, fmt.Errorf("storing batch: %w", err)
	}
	return res, nil
}

// addPost writes one new post and updates its conversation.
func addPost(tx *bolt.Tx, p social.Post, tri Triage, now time.Time) (social.Conversation, bool, error) {
	root := rootKeyFor(tx, &p)
	byRoot := tx.Bucket(bConvByRoot)
	var c social.Conversation
	var old *social.Conversation
	if idb := byRoot.Get([]byte(root)); idb != nil {
		var err error
		c, err = getConv(tx, idString(idb))
		if err != nil {
			return c, false, err
		}
		o := c
		old = &o
	} else {
		seq, err := tx.Bucket(bConvs).NextSequence()
		if err != nil {
			return c, false, err
		}
		c = social.Conversation{
			ID:        idString(idKey(seq)),
			Network:   p.Network,
			Account:   p.Account,
			Brand:     p.Brand,
			Direct:    p.Direct,
			RootKey:   root,
			State:     social.StateNew,
			CreatedAt: p.CreatedAt,
			ReadOnly:  p.ReadOnly,
		}
		if p.Kind != social.KindOwn {
			c.Contact = p.Author
		}
		byRoot.FillPercent = 0.9
		if err := byRoot.Put([]byte(root), idKey(seq)); err != nil {
			return c, false, err
		}
	}
	sp := StoredPost{Post: p, ConvID: c.ID, StoredAt: now}
	if err := putJSON(tx.Bucket(bPosts), []byte(p.Key()), sp); err != nil {
		return c, false, err
	}
	c.PostKeys = insertByTime(tx, c.PostKeys, p)
	reopened, err := applyPost(tx, &c, old != nil, p, tri, now)
	if err != nil {
		return c, false, err
	}
	return c, reopened, putConv(tx, old, &c)
}

// applyPost updates a conversation for a post that joined it: response
// times for the brand's own posts; for a customer's, the preview, the SLA
// clock, a reopen (existing conversations only) and triage.
func applyPost(tx *bolt.Tx, cp *social.Conversation, existed bool, p social.Post, tri Triage, now time.Time) (bool, error) {
	c := cp
	if c.UpdatedAt.Before(now) {
		c.UpdatedAt = now
	}
	reopened := false
	if p.Kind == social.KindOwn {
		if p.CreatedAt.After(c.LastResponseAt) {
			c.LastResponseAt = p.CreatedAt
		}
	} else if !p.CreatedAt.Before(c.LastCustomerAt) || c.LastCustomerAt.IsZero() {
		if c.Contact.Handle == "" {
			c.Contact = p.Author
		}
		c.LastCustomerAt = p.CreatedAt
		c.Preview = firstLine(p.Text)
		if p.Lang != "" {
			c.Lang = p.Lang
		}
		if c.WaitingSince.IsZero() {
			c.WaitingSince = p.CreatedAt
		}
		switch c.State {
		case social.StatePending, social.StateSnoozed, social.StateResolved:
			if existed {
				reopened = true
				c.State = social.StateOpen
				c.SnoozedUntil = time.Time{}
				// the clock starts again at this message, whatever an
				// unanswered earlier one had left on it
				c.WaitingSince = p.CreatedAt
				if c.FollowUp == social.FollowUpOffered {
					c.FollowUp = social.FollowUpNone
				}
			}
		}
		if p.ReadOnly != "" && c.ReadOnly == "" {
			c.ReadOnly = p.ReadOnly
		}
		if p.Direct && c.Origin == "" {
			c.Origin = findOrigin(tx, p)
		}
	}
	contact, err := touchContactFor(tx, c, p)
	if err != nil {
		return false, err
	}
	if tri != nil && p.Kind != social.KindOwn {
		tri(c, p, contact)
	}
	return reopened, nil
}

// promoteAttached handles a polled post that a thread fetch stored first:
// it was kept out of the workflow then, so it takes effect now. ok is false
// for a post a poll had already delivered.
func promoteAttached(tx *bolt.Tx, p social.Post, tri Triage, now time.Time) (social.Conversation, bool, bool, error) {
	sp, found := getPost(tx, p.Key())
	if !found || !sp.Attached {
		return social.Conversation{}, false, false, nil
	}
	sp.Attached = false
	if err := putJSON(tx.Bucket(bPosts), []byte(p.Key()), sp); err != nil {
		return social.Conversation{}, false, false, err
	}
	c, err := getConv(tx, sp.ConvID)
	if err != nil {
		return c, false, false, err
	}
	if c.LastResponseAt.After(sp.StoredAt) {
		// the operator saw it in the thread and answered since: it is not news
		return c, false, false, nil
	}
	old := c
	if p.Brand == "" {
		p.Brand = c.Brand
	}
	reopened, err := applyPost(tx, &c, true, p, tri, now)
	if err != nil {
		return c, false, false, err
	}
	return c, reopened, true, putConv(tx, &old, &c)
}

// insertByTime keeps PostKeys in CreatedAt order (appends in the common case).
func insertByTime(tx *bolt.Tx, keys []string, p social.Post) []string {
	i := len(keys)
	for i > 0 {
		prev, ok := getPost(tx, keys[i-1])
		if !ok || !prev.CreatedAt.After(p.CreatedAt) {
			break
		}
		i--
	}
	keys = append(keys, "")
	copy(keys[i+1:], keys[i:])
	keys[i] = p.Key()
	return keys
}

// findOrigin finds the latest public conversation of the same author on the
// same account, the thread a DM most likely moved from.
func findOrigin(tx *bolt.Tx, p social.Post) string {
	ck := contactKey(p.Network, p.Author.Handle)
	var ct Contact
	if ok, _ := getJSON(tx.Bucket(bContacts), ck, &ct); !ok {
		return ""
	}
	for i := len(ct.ConvIDs) - 1; i >= 0; i-- {
		c, err := getConv(tx, ct.ConvIDs[i])
		if err == nil && !c.Direct && c.Account == p.Account && len(c.PostKeys) > 0 {
			return c.RootKey
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	const max = 280
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// UpdateConv applies fn to a conversation and re-indexes it, in one
// transaction. fn must not do I/O.
func (s *Store) UpdateConv(id string, fn func(c *social.Conversation) error) (social.Conversation, error) {
	return s.updateConv(id, func(tx *bolt.Tx, c *social.Conversation) error {
		vip := c.VIP
		if err := fn(c); err != nil {
			return err
		}
		if c.VIP != vip { // keep the contact's flag in step
			return setContactVIP(tx, c.Network, c.Contact.Handle, c.VIP)
		}
		return nil
	})
}

// UpdateConvs applies fn to every conversation whose ref passes match, in one
// transaction (used for SLA re-scoring and wake-ups). It returns the ids changed.
func (s *Store) UpdateConvs(view View, match func(Ref) bool, fn func(c *social.Conversation) bool) ([]string, error) {
	var ids []string
	err := s.db.Update(func(tx *bolt.Tx) error {
		ids = nil
		var refs []Ref
		if err := scanQueue(tx, view, func(r Ref) bool {
			if match == nil || match(r) {
				refs = append(refs, r)
			}
			return true
		}); err != nil {
			return err
		}
		for _, r := range refs {
			c, err := getConv(tx, r.ID)
			if err != nil {
				return err
			}
			old := c
			if !fn(&c) {
				continue
			}
			if err := putConv(tx, &old, &c); err != nil {
				return err
			}
			ids = append(ids, c.ID)
		}
		return nil
	})
	return ids, err
}

// Conversation reads one conversation.
func (s *Store) Conversation(id string) (social.Conversation, error) {
	var c social.Conversation
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = getConv(tx, id)
		return err
	})
	return c, err
}

// Conversations reads several conversations (missing ids are skipped).
func (s *Store) Conversations(ids []string) ([]social.Conversation, error) {
	out := make([]social.Conversation, 0, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
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
func (s *Store) ConvByRoot(root string) (social.Conversation, error) {
	var c social.Conversation
	err := s.db.View(func(tx *bolt.Tx) error {
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
func (s *Store) Posts(convID string) ([]StoredPost, error) {
	var out []StoredPost
	err := s.db.View(func(tx *bolt.Tx) error {
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
func (s *Store) Post(key string) (StoredPost, error) {
	var sp StoredPost
	err := s.db.View(func(tx *bolt.Tx) error {
		var ok bool
		sp, ok = getPost(tx, key)
		if !ok {
			return fmt.Errorf("post %s: %w", key, ErrNotFound)
		}
		return nil
	})
	return sp, err
}

// AttachThread stores thread context fetched from the network (ancestors,
// other replies) into a conversation without touching its workflow state.
func (s *Store) AttachThread(convID string, posts []social.Post, now time.Time) (int, error) {
	added := 0
	_, err := s.updateConv(convID, func(tx *bolt.Tx, c *social.Conversation) error {
		added = 0
		pb := tx.Bucket(bPosts)
		for _, p := range posts {
			if p.RemoteID == "" || pb.Get([]byte(p.Key())) != nil {
				continue
			}
			sp := StoredPost{Post: p, ConvID: c.ID, StoredAt: now, Attached: p.Kind != social.KindOwn}
			if err := putJSON(pb, []byte(p.Key()), sp); err != nil {
				return err
			}
			c.PostKeys = insertByTime(tx, c.PostKeys, p)
			added++
		}
		return nil
	})
	return added, err
}

// Rescore changes a conversation's scoring (priority, reasons, due time)
// and re-indexes it; unlike UpdateConv it never copies a VIP flag back onto
// the contact.
func (s *Store) Rescore(id string, fn func(c *social.Conversation)) (social.Conversation, error) {
	return s.updateConv(id, func(_ *bolt.Tx, c *social.Conversation) error { fn(c); return nil })
}

// updateConv reads a conversation, applies fn and re-indexes it, in one
// transaction.
func (s *Store) updateConv(id string, fn func(tx *bolt.Tx, c *social.Conversation) error) (social.Conversation, error) {
	var out social.Conversation
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, err := getConv(tx, id)
		if err != nil {
			return err
		}
		old := c
		if err := fn(tx, &c); err != nil {
			return err
		}
		c.ID = old.ID
		if err := putConv(tx, &old, &c); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// ---- queue ----

func viewRange(v View) (lo, hi byte) {
	switch v {
	case ViewActionable:
		return 0, 0
	case ViewPending:
		return 1, 1
	case ViewSnoozed:
		return 2, 2
	case ViewResolved:
		return 3, 3
	}
	return 0, 3
}

func scanQueue(tx *bolt.Tx, v View, fn func(Ref) bool) error {
	lo, hi := viewRange(v)
	names := refNames{}
	c := tx.Bucket(bQueue).Cursor()
	for k, val := c.Seek([]byte{lo}); k != nil && k[0] <= hi; k, val = c.Next() {
		if len(k) != 25 {
			continue
		}
		if !fn(decodeRef(k, val, names)) {
			break
		}
	}
	return nil
}

// Queue calls fn for each queue entry of the view in order until fn returns
// false. The read transaction lasts only as long as the scan; fn must not
// block.
func (s *Store) Queue(v View, fn func(Ref) bool) error {
	return s.db.View(func(tx *bolt.Tx) error { return scanQueue(tx, v, fn) })
}

// QueueRefs returns the refs of a view that pass keep (nil = all).
func (s *Store) QueueRefs(v View, keep func(Ref) bool) ([]Ref, error) {
	var out []Ref
	err := s.db.View(func(tx *bolt.Tx) error {
		n := readCounts(tx)
		lo, hi := viewRange(v)
		size := 0
		for r := lo; r <= hi; r++ {
			size += n[r]
		}
		out = make([]Ref, 0, size) // one allocation, not a doubling series
		return scanQueue(tx, v, func(r Ref) bool {
			if keep == nil || keep(r) {
				out = append(out, r)
			}
			return true
		})
	})
	return out, err
}

// Top returns up to n conversations from the top of a view.
func (s *Store) Top(v View, n int, keep func(Ref) bool) ([]social.Conversation, error) {
	var out []social.Conversation
	err := s.db.View(func(tx *bolt.Tx) error {
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

// RefOf builds the ref of a conversation (to place it in a cached list).
func RefOf(c social.Conversation) Ref {
	id, _ := parseID(c.ID)
	k := sortKey(&c, id)
	return decodeRef(k, refValue(&c), nil)
}

// Less orders refs as the queue does.
func Less(a, b Ref) bool { return bytes.Compare(a.Sort, b.Sort) < 0 }

// InView reports whether a ref belongs to a view.
func InView(r Ref, v View) bool {
	lo, hi := viewRange(v)
	return len(r.Sort) > 0 && r.Sort[0] >= lo && r.Sort[0] <= hi
}

// ---- cursors ----

// Cursor returns a feed's stored cursor ("" if none).
func (s *Store) Cursor(feedID string) (string, error) {
	var cur string
	err := s.db.View(func(tx *bolt.Tx) error {
		cur = string(tx.Bucket(bCursors).Get([]byte(feedID)))
		return nil
	})
	return cur, err
}

// Counts returns the number of conversations per state rank
// (inbox, pending, snoozed, resolved).
func (s *Store) Counts() ([4]int, error) {
	var n [4]int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = readCounts(tx)
		return nil
	})
	return n, err
}

// ForEachConv calls fn for every conversation in id order until it returns
// false. Reading commands (stats, export) use it; the read transaction lasts
// for the whole scan, so fn must be quick and must not write.
func (s *Store) ForEachConv(fn func(social.Conversation) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bConvs).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			conv, err := decodeConv(v)
			if err != nil {
				return fmt.Errorf("conversation %s: %w", idString(k), err)
			}
			if !fn(conv) {
				return nil
			}
		}
		return nil
	})
}
