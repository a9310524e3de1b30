package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
)

// Tx is what the rules shared by every backend need from a write
// transaction. The rules below (which conversation a post joins, reopening,
// response times, contacts, VIP copies) are written once against it, so
// bbolt and PostgreSQL cannot drift apart. Exported for store/pg.
type Tx interface {
	// Post reads a stored post; ok is false when the key is unknown.
	Post(key string) (sp StoredPost, ok bool, err error)
	// PutPost writes a post under sp.Key().
	PutPost(sp StoredPost) error
	// Conv reads a conversation (ErrNotFound if unknown).
	Conv(id string) (social.Conversation, error)
	// ConvIDByRoot finds the conversation holding a root key.
	ConvIDByRoot(root string) (id string, ok bool, err error)
	// NewConv allocates the next conversation id (gapless, as bbolt's
	// bucket sequence) and records root → id.
	NewConv(root string) (string, error)
	// PutConv writes c, bumping its Version and moving its queue index
	// entry and the counts; old is the previous version (nil when new).
	PutConv(old, c *social.Conversation) error
	// Contact reads a contact (the zero Contact if unknown).
	Contact(n social.Network, handle string) (Contact, error)
	// PutContact writes a contact under contactKey(ct.Network, ct.Handle).
	PutContact(ct Contact) error
}

// postTimer is a Tx that reads a post's creation time alone, cheaper than
// the whole post (insertByTime needs nothing else).
type postTimer interface {
	PostTime(key string) (time.Time, bool, error)
}

// IngestTx applies a poll batch inside tx (the cursor is the backend's).
func IngestTx(tx Tx, feedID string, posts []social.Post, tri Triage, now time.Time) (IngestResult, error) {
	var res IngestResult
	changed := map[string]bool{}
	for i := range posts {
		p := posts[i]
		if p.RemoteID == "" {
			return res, fmt.Errorf("feed %s: post %d has no remote id", feedID, i)
		}
		var c social.Conversation
		var reopened bool
		fresh := true
		sp, known, err := tx.Post(p.Key())
		if err == nil && known && !sp.Attached {
			// polled before: only an edit (a newer EditedAt) changes it
			id, edited, err := editStored(tx, sp, p, now)
			if err != nil {
				return res, fmt.Errorf("feed %s: post %s: %w", feedID, p.Key(), err)
			}
			if edited {
				res.Edited = append(res.Edited, p.Key())
				if !changed[id] {
					changed[id] = true
					res.Changed = append(res.Changed, id)
				}
			}
			continue
		}
		if err == nil {
			if known {
				// polled before (re-polling changes nothing), unless a
				// thread fetch stored it first
				c, reopened, fresh, err = promoteAttached(tx, p, tri, now)
			} else {
				c, reopened, err = addPost(tx, p, tri, now)
			}
		}
		if err != nil {
			return res, fmt.Errorf("feed %s: post %s: %w", feedID, p.Key(), err)
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
	return res, nil
}

// rootKeyFor decides which conversation a post belongs to.
func rootKeyFor(tx Tx, p *social.Post) (string, error) {
	if p.Direct {
		h := strings.ToLower(p.Author.Handle)
		if p.Kind == social.KindOwn && p.Meta != nil && p.Meta["to_handle"] != "" {
			h = strings.ToLower(p.Meta["to_handle"])
		}
		return "dm:" + string(p.Network) + "/" + p.Account + "/" + h, nil
	}
	parentRoot := func() (string, bool, error) {
		if p.ReplyTo == "" {
			return "", false, nil
		}
		sp, ok, err := tx.Post(social.PostKey(p.Network, p.Account, p.ReplyTo))
		if err != nil || !ok {
			return "", false, err
		}
		c, err := tx.Conv(sp.ConvID)
		if errors.Is(err, ErrNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		return c.RootKey, true, nil
	}
	if p.ThreadRoot != "" {
		rk := social.PostKey(p.Network, p.Account, p.ThreadRoot)
		_, ok, err := tx.ConvIDByRoot(rk)
		if err != nil || ok {
			return rk, err
		}
		// The root is unknown, but the parent may be in a conversation.
		if r, ok, err := parentRoot(); err != nil || ok {
			return r, err
		}
		return rk, nil
	}
	if r, ok, err := parentRoot(); err != nil || ok {
		return r, err
	}
	return p.Key(), nil
}

// addPost writes one new post and updates its conversation.
func addPost(tx Tx, p social.Post, tri Triage, now time.Time) (social.Conversation, bool, error) {
	root, err := rootKeyFor(tx, &p)
	if err != nil {
		return social.Conversation{}, false, err
	}
	var c social.Conversation
	var old *social.Conversation
	id, ok, err := tx.ConvIDByRoot(root)
	if err != nil {
		return c, false, err
	}
	if ok {
		c, err = tx.Conv(id)
		if err != nil {
			return c, false, err
		}
		o := c
		old = &o
	} else {
		id, err := tx.NewConv(root)
		if err != nil {
			return c, false, err
		}
		c = social.Conversation{
			ID:        id,
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
	}
	if err := tx.PutPost(StoredPost{Post: p, ConvID: c.ID, StoredAt: now}); err != nil {
		return c, false, err
	}
	if c.PostKeys, err = insertByTime(tx, c.PostKeys, p); err != nil {
		return c, false, err
	}
	reopened, err := applyPost(tx, &c, old != nil, p, tri, now)
	if err != nil {
		return c, false, err
	}
	return c, reopened, tx.PutConv(old, &c)
}

// applyPost updates a conversation for a post that joined it: response
// times for the brand's own posts; for a customer's, the preview, the SLA
// clock, a reopen (existing conversations only) and triage.
func applyPost(tx Tx, c *social.Conversation, existed bool, p social.Post, tri Triage, now time.Time) (bool, error) {
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
			o, err := findOrigin(tx, p)
			if err != nil {
				return false, err
			}
			c.Origin = o
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
func promoteAttached(tx Tx, p social.Post, tri Triage, now time.Time) (social.Conversation, bool, bool, error) {
	sp, found, err := tx.Post(p.Key())
	if err != nil || !found || !sp.Attached {
		return social.Conversation{}, false, false, err
	}
	sp.Attached = false
	if err := tx.PutPost(sp); err != nil {
		return social.Conversation{}, false, false, err
	}
	c, err := tx.Conv(sp.ConvID)
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
	return c, reopened, true, tx.PutConv(&old, &c)
}

// insertByTime keeps PostKeys in CreatedAt order (appends in the common case).
func insertByTime(tx Tx, keys []string, p social.Post) ([]string, error) {
	at := func(k string) (time.Time, bool, error) {
		if pt, ok := tx.(postTimer); ok {
			return pt.PostTime(k)
		}
		prev, ok, err := tx.Post(k)
		return prev.CreatedAt, ok, err
	}
	i := len(keys)
	for i > 0 {
		prev, ok, err := at(keys[i-1])
		if err != nil {
			return keys, err
		}
		if !ok || !prev.After(p.CreatedAt) {
			break
		}
		i--
	}
	keys = append(keys, "")
	copy(keys[i+1:], keys[i:])
	keys[i] = p.Key()
	return keys, nil
}

// findOrigin finds the latest public conversation of the same author on the
// same account, the thread a DM most likely moved from.
func findOrigin(tx Tx, p social.Post) (string, error) {
	ct, err := tx.Contact(p.Network, p.Author.Handle)
	if err != nil || ct.Handle == "" {
		return "", err
	}
	for i := len(ct.ConvIDs) - 1; i >= 0; i-- {
		c, err := tx.Conv(ct.ConvIDs[i])
		if err != nil && !errors.Is(err, ErrNotFound) {
			return "", err
		}
		if err == nil && !c.Direct && c.Account == p.Account && len(c.PostKeys) > 0 {
			return c.RootKey, nil
		}
	}
	return "", nil
}

// touchContactFor records post p in its author's contact (customer posts only).
func touchContactFor(tx Tx, c *social.Conversation, p social.Post) (Contact, error) {
	if p.Kind == social.KindOwn || p.Author.Handle == "" {
		return tx.Contact(c.Network, c.Contact.Handle)
	}
	ct, err := tx.Contact(p.Network, p.Author.Handle)
	if err != nil {
		return ct, err
	}
	if ct.Handle == "" {
		ct = Contact{Network: p.Network, Handle: p.Author.Handle, FirstSeen: p.CreatedAt}
	}
	ct.Author = p.Author
	if p.CreatedAt.After(ct.LastSeen) {
		ct.LastSeen = p.CreatedAt
	}
	if c.Brand != "" && !slices.Contains(ct.Brands, c.Brand) {
		ct.Brands = append(ct.Brands, c.Brand)
	}
	if !slices.Contains(ct.ConvIDs, c.ID) {
		ct.ConvIDs = append(ct.ConvIDs, c.ID)
	}
	if ct.VIP {
		c.VIP = true
	}
	return ct, putContactAt(tx, p.Network, p.Author.Handle, ct)
}

func putContactAt(tx Tx, n social.Network, handle string, ct Contact) error {
	if ct.Network == "" {
		ct.Network = n
	}
	if ct.Handle == "" {
		ct.Handle = handle
	}
	return tx.PutContact(ct)
}

// setContactVIP sets a contact's VIP flag (UpdateConv's copy).
func setContactVIP(tx Tx, n social.Network, handle string, vip bool) error {
	if handle == "" {
		return nil
	}
	ct, err := tx.Contact(n, handle)
	if err != nil {
		return err
	}
	if ct.Handle == "" {
		ct = Contact{Network: n, Handle: handle}
	}
	ct.VIP = vip
	return putContactAt(tx, n, handle, ct)
}

// UpdateConvTx is UpdateConv inside tx: fn, then the VIP copy onto the
// contact, then the write. copyVIP false is Rescore.
func UpdateConvTx(tx Tx, id string, copyVIP bool, fn func(c *social.Conversation) error) (social.Conversation, error) {
	c, err := tx.Conv(id)
	if err != nil {
		return c, err
	}
	old := c
	if err := fn(&c); err != nil {
		return c, err
	}
	if copyVIP && c.VIP != old.VIP { // keep the contact's flag in step
		if err := setContactVIP(tx, c.Network, c.Contact.Handle, c.VIP); err != nil {
			return c, err
		}
	}
	c.ID = old.ID
	if err := tx.PutConv(&old, &c); err != nil {
		return c, err
	}
	return c, nil
}

// AttachTx stores thread context into a conversation (AttachThread).
func AttachTx(tx Tx, convID string, posts []social.Post, now time.Time) (int, error) {
	added := 0
	_, err := UpdateConvTx(tx, convID, false, func(c *social.Conversation) error {
		for _, p := range posts {
			if p.RemoteID == "" {
				continue
			}
			if _, known, err := tx.Post(p.Key()); err != nil {
				return err
			} else if known {
				continue
			}
			sp := StoredPost{Post: p, ConvID: c.ID, StoredAt: now, Attached: p.Kind != social.KindOwn}
			if err := tx.PutPost(sp); err != nil {
				return err
			}
			var err error
			if c.PostKeys, err = insertByTime(tx, c.PostKeys, p); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	return added, err
}

// UpdateContactTx edits a contact and copies its VIP flag onto every
// conversation that differs (a VIP from the config list shows on
// conversations without being on the contact, so each one is compared, not
// the contact's old flag). It returns the ids changed.
func UpdateContactTx(tx Tx, n social.Network, handle string, fn func(*Contact)) (Contact, []string, error) {
	var changed []string
	ct, err := tx.Contact(n, handle)
	if err != nil {
		return ct, nil, err
	}
	if ct.Handle == "" {
		ct = Contact{Network: n, Handle: handle}
	}
	fn(&ct)
	ct.Handle = handle
	ct.Network = n
	if err := tx.PutContact(ct); err != nil {
		return ct, nil, err
	}
	for _, id := range ct.ConvIDs {
		c, err := tx.Conv(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return ct, nil, err
		}
		if c.VIP == ct.VIP {
			continue
		}
		old := c
		c.VIP = ct.VIP
		if err := tx.PutConv(&old, &c); err != nil {
			return ct, nil, err
		}
		changed = append(changed, id)
	}
	return ct, changed, nil
}

// ChangeOutboxTx changes the outbox entry seq in a write transaction: read
// (and locked) by get, changed by fn, written by put.
func ChangeOutboxTx(seq uint64, get func(uint64) (OutboxEntry, error), put func(OutboxEntry) error, fn func(*OutboxEntry) error) (OutboxEntry, error) {
	e, err := get(seq)
	if err != nil {
		return e, err
	}
	if err := fn(&e); err != nil {
		return e, err
	}
	e.Seq = seq
	return e, put(e)
}

// MarkSentTx records a delivered reply in a write transaction: the entry e
// becomes sent (as sent, at now) and is written by put, and the reply is
// applied to its conversation (the brand's post joins it, response times
// and state move on). It returns the conversation as changed, the zero one
// when it is gone (the entry is still sent).
func MarkSentTx(tx Tx, e *OutboxEntry, put func(OutboxEntry) error, sent social.Sent, own social.Post, tri Triage, now time.Time) (social.Conversation, error) {
	e.State = OutSent
	e.Sent = sent
	e.SentAt = now
	e.LastError = ""
	e.Uncertain = false
	if err := put(*e); err != nil {
		return social.Conversation{}, err
	}
	c, ok, err := applySent(tx, *e, own, tri, now)
	if !ok {
		c = social.Conversation{}
	}
	return c, err
}

// applySent applies a delivered reply (entry e, marked sent) to its
// conversation. ok is false when the conversation is gone.
func applySent(tx Tx, e OutboxEntry, own social.Post, tri Triage, now time.Time) (social.Conversation, bool, error) {
	c, err := tx.Conv(e.Reply.ConvID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return c, false, nil // conversation gone: the entry is still sent
		}
		return c, false, err
	}
	old := c
	if own.RemoteID != "" {
		_, known, err := tx.Post(own.Key())
		if err != nil {
			return c, false, err
		}
		if !known {
			if err := tx.PutPost(StoredPost{Post: own, ConvID: c.ID, StoredAt: now}); err != nil {
				return c, false, err
			}
			if c.PostKeys, err = insertByTime(tx, c.PostKeys, own); err != nil {
				return c, false, err
			}
		}
	}
	by := e.Reply.By
	if c.FirstResponseAt.IsZero() {
		c.FirstResponseAt = now
		c.FirstDueAt = c.DueAt
		c.FirstReplyBy = by
	}
	c.LastResponseAt = now
	c.Record(social.Activity{At: now, By: by, Action: social.ActReplied, Note: fmt.Sprint(e.Seq)})
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
	markAnswered(&c, e.Reply.To, answered, old.LastResponseAt)
	first, last, found, err := waiting(tx, &c, e.Reply.To, answered)
	if err != nil {
		return c, false, err
	}
	if found {
		c.WaitingSince = first
		if tri != nil {
			ct, err := tx.Contact(c.Network, c.Contact.Handle)
			if err != nil {
				return c, false, err
			}
			tri(&c, last, ct)
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
	if err := tx.PutConv(&old, &c); err != nil {
		return c, false, err
	}
	return c, true, nil
}

// unanswered finds customer posts after the given time: the time of the
// first and the latest such post.
func unanswered(tx Tx, c *social.Conversation, after time.Time) (time.Time, social.Post, bool, error) {
	return customerPosts(tx, c, func(sp StoredPost) bool { return sp.CreatedAt.After(after) })
}

// customerPosts reads the conversation's stored customer posts (those not
// the brand's own) and returns, among those keep accepts, the time of the
// first and the latest such post.
func customerPosts(tx Tx, c *social.Conversation, keep func(StoredPost) bool) (time.Time, social.Post, bool, error) {
	var first time.Time
	var last social.Post
	found := false
	for _, k := range c.PostKeys {
		sp, ok, err := tx.Post(k)
		if err != nil {
			return first, last, false, err
		}
		if !ok || sp.Kind == social.KindOwn || !keep(sp) {
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
	return first, last, found, nil
}

// CandidateRoots lists the root keys a post may join without reading
// anything (its DM root, its thread root, itself): a backend that prefetches
// reads the conversations of these, plus those of the posts it replies to.
func CandidateRoots(p social.Post) []string {
	if p.Direct {
		h := strings.ToLower(p.Author.Handle)
		if p.Kind == social.KindOwn && p.Meta != nil && p.Meta["to_handle"] != "" {
			h = strings.ToLower(p.Meta["to_handle"])
		}
		return []string{"dm:" + string(p.Network) + "/" + p.Account + "/" + h}
	}
	out := []string{p.Key()}
	if p.ThreadRoot != "" {
		out = append(out, social.PostKey(p.Network, p.Account, p.ThreadRoot))
	}
	return out
}

// Wake is the change the clock makes to a snoozed conversation whose time
// has come (at or before now): it is open again. It reports whether it
// changed c (UpdateDue's fn).
func Wake(now time.Time) func(c *social.Conversation) bool {
	return func(c *social.Conversation) bool {
		if c.State != social.StateSnoozed || c.SnoozedUntil.After(now) {
			return false
		}
		c.State = social.StateOpen
		c.SnoozedUntil = time.Time{}
		c.UpdatedAt = now
		return true
	}
}

// RefIDs lists the conversation ids of refs, in their order.
func RefIDs(refs []Ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	return out
}
