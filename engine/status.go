package engine

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Status posts: a brand speaks first ("We know the site is down; we're on
// it") on one or several of its accounts. Each account's copy is an outbox
// entry like a reply (written before any network call, sent once with its
// idempotency key, confirmed after a crash, retried, never lost); the
// store's status record groups them (store/status.go). Replies and mentions
// under a sent copy arrive as conversations tagged with the status, and
// {{.Status}} in a canned answer is the link to the brand's latest status
// post on the customer's network. Resolving a status posts a follow-up
// threaded under each copy.

// StatusTarget is one account a status post goes to.
type StatusTarget struct {
	Network social.Network
	Account string
}

// StatusOptions shape a status post.
type StatusOptions struct {
	// Targets are the accounts (none: every account of the brand that
	// can post).
	Targets []StatusTarget
	// ID makes the call idempotent (a retried call with the same ID
	// stores one status); "" = a new id.
	ID string
	By social.Actor
	// Attachments are images posted with every copy (alt text required).
	Attachments []social.Attachment
}

// statusIndex keeps, in memory, what the poll and the canned answers ask
// of status posts: the status of each sent copy (by post key) and the
// link of each brand's latest copy per network.
type statusIndex struct {
	byPost map[string]string // post key -> status id
	latest map[string]string // brand/network -> URL (or remote id)
	latID  map[string]uint64 // brand/network -> status id of latest
}

func (e *Engine) loadStatuses() {
	e.sidx = statusIndex{byPost: map[string]string{}, latest: map[string]string{}, latID: map[string]uint64{}}
	sts, err := store.Statuses(context.Background(), e.st, "", 0)
	if err != nil {
		e.log.Warn("reading status posts", "err", err)
		return
	}
	for _, st := range sts {
		for _, it := range st.Items {
			if it.State == store.OutSent {
				e.indexStatusCopy(st.ID, st.Brand, it.Network, it.Account, it.RemoteID, it.URL)
			}
		}
	}
}

// indexStatusCopy records a sent copy (e.mu held, or before Run).
func (e *Engine) indexStatusCopy(id, brand string, n social.Network, account, remoteID, url string) {
	if remoteID == "" {
		return
	}
	e.sidx.byPost[social.PostKey(n, account, remoteID)] = id
	k := brand + "/" + string(n)
	num := parseStatusNum(id)
	if num >= e.sidx.latID[k] {
		e.sidx.latID[k] = num
		if url == "" {
			url = remoteID
		}
		e.sidx.latest[k] = url
	}
}

func parseStatusNum(id string) uint64 {
	var n uint64
	fmt.Sscan(id, &n)
	return n
}

// StatusLink is the link to the brand's latest status post on a network
// ("" if it has none there). It reads memory only: the TUI may call it
// while rendering.
func (e *Engine) StatusLink(brand string, n social.Network) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sidx.latest[brand+"/"+string(n)]
}

// statusOfPost says which status post a post answers (by its parent or
// thread root), "" if none.
func (e *Engine) statusOfPost(p social.Post) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, rid := range []string{p.ReplyTo, p.ThreadRoot} {
		if rid == "" {
			continue
		}
		if id, ok := e.sidx.byPost[social.PostKey(p.Network, p.Account, rid)]; ok {
			return id
		}
	}
	return ""
}

// statusSent notes a delivered copy of a status post.
func (e *Engine) statusSent(ent store.OutboxEntry, acct *Account, sent social.Sent) {
	id, follow, ok := store.ParseStatusRef(ent.Reply.ConvID)
	if !ok || follow {
		return
	}
	e.mu.Lock()
	e.indexStatusCopy(id, acct.Brand, ent.Reply.Network, ent.Reply.Account, sent.RemoteID, sent.URL)
	e.mu.Unlock()
}

// tagStatusReplies tags the conversations of new posts that answer a
// status post.
func (e *Engine) tagStatusReplies(posts []social.Post) {
	var changed []string
	for _, p := range posts {
		id := e.statusOfPost(p)
		if id == "" {
			continue
		}
		sp, err := e.st.Post(context.Background(), p.Key())
		if err != nil || sp.ConvID == "" {
			continue
		}
		c, err := e.st.UpdateConv(context.Background(), sp.ConvID, func(c *social.Conversation) error {
			if c.Status == id {
				return errNoChange
			}
			c.Status = id
			return nil
		})
		if err == nil {
			changed = append(changed, c.ID)
		}
	}
	if len(changed) > 0 {
		e.publish(Event{Kind: EvConvChanged, ConvIDs: changed})
	}
}

var errNoChange = errors.New("no change")

// PostStatus queues a new top-level post of a brand on its accounts: one
// outbox entry per account (store/status.go), each sent once like a reply.
// The copies are written one after the other: a crash between two leaves
// the first ones queued (each still goes out once) and the call, repeated
// with the same ID, adds the rest.
func (e *Engine) PostStatus(ctx context.Context, brand, text string, o StatusOptions) (store.StatusPost, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.StatusPost{}, errors.New("status post is empty")
	}
	targets := o.Targets
	if len(targets) == 0 {
		for _, a := range e.o.Accounts {
			if a.Brand == brand && a.Sender != nil && a.Broken == nil {
				targets = append(targets, StatusTarget{Network: a.Network, Account: a.Name})
			}
		}
		if len(targets) == 0 {
			return store.StatusPost{}, fmt.Errorf("%w: brand %q has no account that can post", ErrReadOnly, brand)
		}
	}
	now := e.now()
	sid := strings.ReplaceAll(o.ID, ":", "-")
	if sid == "" {
		sid = shortID()
	}
	by := e.actor(o.By)
	var replies []social.Reply
	for i, t := range targets {
		acct, ok := e.Account(t.Network, t.Account)
		switch {
		case !ok:
			return store.StatusPost{}, fmt.Errorf("no account %s/%s", t.Network, t.Account)
		case acct.Brand != brand:
			return store.StatusPost{}, fmt.Errorf("account %s/%s is %s's, not %s's", t.Network, t.Account, acct.Brand, brand)
		case acct.Broken != nil:
			return store.StatusPost{}, fmt.Errorf("%w: account %s/%s is not started (%v)", ErrReadOnly, t.Network, t.Account, acct.Broken)
		case acct.Sender == nil:
			return store.StatusPost{}, fmt.Errorf("%w: account %s/%s cannot post", ErrReadOnly, t.Network, t.Account)
		}
		if lim := acct.Limit; lim != nil {
			if n, max := lim.Count(text, false); max > 0 && n > max {
				return store.StatusPost{}, fmt.Errorf("status post is %d characters, %s allows %d (account %s)", n, t.Network, max, t.Account)
			}
		}
		if err := checkAttachments(acct, o.Attachments); err != nil {
			return store.StatusPost{}, err
		}
		id := fmt.Sprintf("status-%s-%d", sid, i)
		key := id
		if acct.NewKey != nil {
			key = acct.NewKey(now)
		}
		replies = append(replies, social.Reply{ID: id, Key: key, Network: t.Network, Account: t.Account,
			ConvID: store.StatusRef(sid, false), To: social.Post{Brand: brand},
			Text: text, CreatedAt: now, By: by, Attachments: append([]social.Attachment(nil), o.Attachments...)})
	}
	for _, r := range replies {
		if _, err := e.st.Enqueue(ctx, r, false, now); err != nil {
			return store.StatusPost{}, fmt.Errorf("queueing status post: %w", err)
		}
		ctx = context.WithoutCancel(ctx) // one copy queued: the others follow
	}
	e.log.Info("status post queued", "status", sid, "brand", brand, "copies", len(replies), "by", by.Label())
	e.publish(Event{Kind: EvDelivery})
	e.Kick()
	return store.Status(ctx, e.st, sid)
}

// shortID is a new status post id: 7 letters and digits.
func shortID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:7]
}

// ResolveStatus posts a follow-up ("Power is back in Millbrook") threaded
// under every sent copy of a status post, which marks it resolved.
func (e *Engine) ResolveStatus(ctx context.Context, id, text string, by social.Actor) (store.StatusPost, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.StatusPost{}, errors.New("follow-up is empty")
	}
	st, err := store.Status(ctx, e.st, id)
	if err != nil {
		return st, err
	}
	if st.Resolved {
		return st, fmt.Errorf("status %s is already resolved", id)
	}
	now := e.now()
	base := newID()
	var replies []social.Reply
	for i, it := range st.Items {
		if it.State != store.OutSent || it.RemoteID == "" {
			continue
		}
		acct, ok := e.Account(it.Network, it.Account)
		if !ok || acct.Sender == nil {
			continue
		}
		if lim := acct.Limit; lim != nil {
			if n, max := lim.Count(text, false); max > 0 && n > max {
				return st, fmt.Errorf("follow-up is %d characters, %s allows %d", n, it.Network, max)
			}
		}
		rid := fmt.Sprintf("%s-%d", base, i)
		key := rid
		if acct.NewKey != nil {
			key = acct.NewKey(now)
		}
		// no author: the brand answers itself, and a network that
		// @mentions the author answered (Mastodon) must not mention it
		to := social.Post{Network: it.Network, Account: it.Account, Brand: st.Brand, RemoteID: it.RemoteID, URL: it.URL,
			Text: st.Text, CreatedAt: st.CreatedAt, Kind: social.KindOwn}
		replies = append(replies, social.Reply{ID: rid, Key: key, Network: it.Network, Account: it.Account,
			ConvID: store.StatusRef(id, true), To: to, Text: text, CreatedAt: now, By: e.actor(by)})
	}
	if len(replies) == 0 {
		return st, fmt.Errorf("status %s has no copy on the networks yet to answer under", id)
	}
	for _, r := range replies {
		if _, err := e.st.Enqueue(ctx, r, false, now); err != nil {
			return st, fmt.Errorf("queueing the follow-up: %w", err)
		}
		ctx = context.WithoutCancel(ctx) // one follow-up queued: the others follow
	}
	e.log.Info("status post resolved", "status", id, "follow_ups", len(replies))
	e.publish(Event{Kind: EvDelivery})
	e.Kick()
	return store.Status(ctx, e.st, id)
}

// Statuses lists a brand's status posts, newest first ("" = all brands).
func (e *Engine) Statuses(ctx context.Context, brand string, n int) ([]store.StatusPost, error) {
	return store.Statuses(ctx, e.st, brand, n)
}

// Status reads one status post.
func (e *Engine) Status(ctx context.Context, id string) (store.StatusPost, error) {
	return store.Status(ctx, e.st, id)
}

// PostStatus posts a status as this operator (a brand it answers).
func (o *Operator) PostStatus(ctx context.Context, brand, text string, opts StatusOptions) (store.StatusPost, error) {
	if err := o.mayAnswer("(status post)", brand); err != nil {
		return store.StatusPost{}, err
	}
	opts.By = o.actor
	return o.e.PostStatus(ctx, brand, text, opts)
}

// ResolveStatus posts a status's follow-up as this operator.
func (o *Operator) ResolveStatus(ctx context.Context, id, text string) (store.StatusPost, error) {
	st, err := store.Status(ctx, o.e.st, id)
	if err != nil {
		return st, err
	}
	if err := o.mayAnswer("(status "+id+")", st.Brand); err != nil {
		return store.StatusPost{}, err
	}
	return o.e.ResolveStatus(ctx, id, text, o.actor)
}

// Accounts lists the configured accounts (the brand's accounts a status
// post can go to).
func (e *Engine) Accounts() []Account { return e.o.Accounts }
