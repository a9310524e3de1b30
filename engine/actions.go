package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// ReplyOptions shape a reply.
type ReplyOptions struct {
	Direct  bool // send privately (DM)
	Resolve bool // resolve the conversation once the reply is sent
	// FollowUp marks the public follow-up after a DM conversation was
	// resolved: convID is then the DM conversation, and the reply goes to
	// the public thread it came from.
	FollowUp bool
	// ID makes the call idempotent (a retried call with the same ID queues
	// one entry); "" = a new id.
	ID string
	// By is the operator writing it, recorded on the outbox entry and, once
	// sent, in the conversation's trail (zero = the engine's solo agent).
	By social.Actor
	// Force sends through an operator handle although another operator
	// holds the conversation's claim (the operator was warned and
	// confirmed); without it such a reply is refused with *ClaimedError.
	Force bool
	// Hold keeps the reply in the outbox this long before it is sent, so
	// the operator can pull it back (Unsend); 0 sends at once.
	Hold time.Duration
	// At schedules the reply for a later time (zero: now); SendAnyway
	// sends it then even if the conversation was answered or the customer
	// wrote again in between (schedule.go).
	At         time.Time
	SendAnyway bool
	// Attachments are images posted with the reply (media.go; alt text
	// required).
	Attachments []social.Attachment
}

// Reply queues a reply to a conversation in the outbox (written before any
// network call) and wakes the delivery worker.
func (e *Engine) Reply(convID, text string, o ReplyOptions) (store.OutboxEntry, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.OutboxEntry{}, errors.New("reply is empty")
	}
	if err := e.checkAt(o.At); err != nil {
		return store.OutboxEntry{}, err
	}
	c, err := e.st.Conversation(context.Background(), convID)
	if err != nil {
		return store.OutboxEntry{}, err
	}
	target := c
	if o.FollowUp {
		if c.Origin == "" {
			return store.OutboxEntry{}, fmt.Errorf("conversation %s did not start from a public post", convID)
		}
		target, err = e.st.ConvByRoot(context.Background(), c.Origin)
		if err != nil {
			return store.OutboxEntry{}, fmt.Errorf("public thread of conversation %s: %w", convID, err)
		}
		o.Direct = false
	}
	if target.ReadOnly != "" {
		return store.OutboxEntry{}, fmt.Errorf("%w: %s", ErrReadOnly, target.ReadOnly)
	}
	acct, ok := e.Account(target.Network, target.Account)
	if ok && acct.Broken != nil {
		return store.OutboxEntry{}, fmt.Errorf("%w: account %s/%s is not started (%v): fix it and restart hark (`hark doctor` checks it)", ErrReadOnly, target.Network, target.Account, acct.Broken)
	}
	if !ok || acct.Sender == nil {
		return store.OutboxEntry{}, fmt.Errorf("%w: no account can answer on %s/%s", ErrReadOnly, target.Network, target.Account)
	}
	to, err := e.replyTarget(target)
	if err != nil {
		return store.OutboxEntry{}, err
	}
	if lim := acct.Limit; lim != nil {
		if n, max := lim.Count(text, o.Direct || target.Direct); max > 0 && n > max {
			return store.OutboxEntry{}, fmt.Errorf("reply is %d characters, %s allows %d", n, target.Network, max)
		}
	}
	if len(o.Attachments) > 0 && (o.Direct || target.Direct) {
		return store.OutboxEntry{}, errors.New("images go with public replies and status posts only, not DMs")
	}
	if err := checkAttachments(acct, o.Attachments); err != nil {
		return store.OutboxEntry{}, err
	}
	now := e.now()
	id := o.ID
	if id == "" {
		id = newID()
	}
	key := id
	if acct.NewKey != nil {
		key = acct.NewKey(now)
	}
	r := social.Reply{
		ID: id, Key: key, Network: target.Network, Account: target.Account, ConvID: target.ID,
		To: to, Text: text, Direct: o.Direct || target.Direct, CreatedAt: now, By: e.actor(o.By),
		Attachments: o.Attachments,
	}
	ent, err := e.enqueue(r, o, now)
	if err != nil {
		return ent, fmt.Errorf("queueing reply: %w", err)
	}
	if o.Hold > 0 {
		if ent, err = e.hold(ent, now.Add(o.Hold)); err != nil {
			return ent, err
		}
	}
	if o.FollowUp {
		if _, err := e.st.UpdateConv(context.Background(), convID, func(c *social.Conversation) error {
			c.FollowUp = social.FollowUpSent
			return nil
		}); err != nil {
			return ent, err
		}
		e.publish(Event{Kind: EvConvChanged, ConvIDs: []string{convID}})
	}
	e.log.Info("reply queued", "conv", target.ID, "outbox", ent.Seq, "direct", r.Direct, "by", ent.Reply.By.Label(), "at", ent.SendAt)
	e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{target.ID}})
	e.Kick()
	return ent, nil
}

// replyTarget is the post a reply answers: the latest post of the
// conversation's customer (a thread fetched from the network can hold later
// posts by other people, who must not be answered instead), else the latest
// post not written by the brand.
func (e *Engine) replyTarget(c social.Conversation) (social.Post, error) {
	posts, err := e.st.Posts(context.Background(), c.ID)
	if err != nil {
		return social.Post{}, err
	}
	for i := len(posts) - 1; i >= 0; i-- {
		if posts[i].Kind != social.KindOwn && strings.EqualFold(posts[i].Author.Handle, c.Contact.Handle) {
			return posts[i].Post, nil
		}
	}
	for i := len(posts) - 1; i >= 0; i-- {
		if posts[i].Kind != social.KindOwn {
			return posts[i].Post, nil
		}
	}
	return social.Post{}, fmt.Errorf("conversation %s has no customer post to answer", c.ID)
}

// Kick wakes the delivery worker.
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// change applies fn to a conversation and records act by the actor in its
// trail (act "" records nothing).
func (e *Engine) change(id string, by social.Actor, act social.Action, fn func(c *social.Conversation) error) (social.Conversation, error) {
	c, err := e.st.UpdateConv(context.Background(), id, func(c *social.Conversation) error {
		if err := fn(c); err != nil {
			return err
		}
		now := e.now()
		c.UpdatedAt = now
		if act != "" {
			c.Record(social.Activity{At: now, By: by, Action: act})
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	e.publish(Event{Kind: EvConvChanged, ConvIDs: []string{id}})
	return c, nil
}

// Resolve closes a conversation. When it was a DM that started from a public
// post, a public follow-up is offered (FollowUp becomes "offered").
func (e *Engine) Resolve(id string) (social.Conversation, error) { return e.resolve(id, e.o.Agent) }

func (e *Engine) resolve(id string, by social.Actor) (social.Conversation, error) {
	return e.change(id, by, social.ActResolved, func(c *social.Conversation) error {
		c.State = social.StateResolved
		c.ResolvedAt = e.now()
		c.ResolvedBy = by
		c.SnoozedUntil = time.Time{}
		// WaitingSince and DueAt stay: the customer's wait (and a missed
		// SLA) belongs to the customer, not to the state. A resolved
		// conversation shows no clock and is never rescored; reopened, it
		// shows the wait it had; stats count a breach before the resolve.
		if c.Direct && c.Origin != "" && c.FollowUp == social.FollowUpNone {
			c.FollowUp = social.FollowUpOffered
		}
		return nil
	})
}

// SkipFollowUp remembers that the operator declined the public follow-up.
func (e *Engine) SkipFollowUp(id string) (social.Conversation, error) {
	return e.skipFollowUp(id, e.o.Agent)
}

func (e *Engine) skipFollowUp(id string, by social.Actor) (social.Conversation, error) {
	return e.change(id, by, social.ActSkipped, func(c *social.Conversation) error {
		if c.FollowUp == social.FollowUpOffered {
			c.FollowUp = social.FollowUpSkipped
		}
		return nil
	})
}

// SetState moves a conversation to open, pending or new.
func (e *Engine) SetState(id string, s social.State) (social.Conversation, error) {
	return e.setState(id, s, e.o.Agent)
}

func (e *Engine) setState(id string, s social.State, by social.Actor) (social.Conversation, error) {
	if s == social.StateResolved {
		return e.resolve(id, by)
	}
	if s == social.StateSnoozed {
		return social.Conversation{}, errors.New("use Snooze to snooze")
	}
	act := social.ActReopened
	if s == social.StatePending {
		act = social.ActPending
	}
	var first time.Time // the customer's first unanswered post
	if s != social.StatePending {
		first = e.firstUnanswered(id)
	}
	restart := false
	c, err := e.change(id, by, act, func(c *social.Conversation) error {
		c.State = s
		c.SnoozedUntil = time.Time{}
		switch {
		case s == social.StatePending: // waiting on the customer: no clock on us
			c.WaitingSince, c.DueAt = time.Time{}, time.Time{}
		case c.LastCustomerAt.After(c.LastResponseAt):
			// reopened by hand with the customer's message unanswered: the
			// clock is the customer's wait, from their first unanswered
			// message (a breach stays a breach), not from now
			if c.WaitingSince.IsZero() {
				c.WaitingSince = c.LastCustomerAt
				if !first.IsZero() && first.After(c.LastResponseAt) && first.Before(c.WaitingSince) {
					c.WaitingSince = first
				}
			}
			restart = true
		}
		return nil
	})
	if err == nil && restart {
		ct, _ := e.st.Contact(context.Background(), c.Network, c.Contact.Handle)
		e.retriage([]string{id}, ct) // computes the new due time
		c, err = e.st.Conversation(context.Background(), id)
	}
	return c, err
}

// firstUnanswered is the time of the customer's first post since the
// brand's last response (zero if none or unreadable).
func (e *Engine) firstUnanswered(id string) time.Time {
	c, err := e.st.Conversation(context.Background(), id)
	if err != nil {
		return time.Time{}
	}
	posts, err := e.st.Posts(context.Background(), id)
	if err != nil {
		return time.Time{}
	}
	var first time.Time
	for _, p := range posts {
		if p.Kind == social.KindOwn || !p.CreatedAt.After(c.LastResponseAt) {
			continue
		}
		if first.IsZero() || p.CreatedAt.Before(first) {
			first = p.CreatedAt
		}
	}
	return first
}

// Snooze hides a conversation until the given time, with a note.
func (e *Engine) Snooze(id string, until time.Time, note string) (social.Conversation, error) {
	return e.snooze(id, until, note, e.o.Agent)
}

func (e *Engine) snooze(id string, until time.Time, note string, by social.Actor) (social.Conversation, error) {
	if !until.After(e.now()) {
		return social.Conversation{}, fmt.Errorf("snooze time %s is not in the future", until.Format(time.RFC3339))
	}
	return e.change(id, by, social.ActSnoozed, func(c *social.Conversation) error {
		c.State = social.StateSnoozed
		c.SnoozedUntil = until
		c.SnoozeNote = note
		return nil
	})
}

// SetVIP flags or unflags the conversation's contact as VIP (all their
// conversations follow).
func (e *Engine) SetVIP(id string, vip bool) error {
	c, err := e.st.Conversation(context.Background(), id)
	if err != nil {
		return err
	}
	return e.EditContact(c.Network, c.Contact.Handle, func(ct *store.Contact) { ct.VIP = vip })
}

// EditContact changes a contact's notes, tags or VIP flag.
func (e *Engine) EditContact(n social.Network, handle string, fn func(*store.Contact)) error {
	ct, changed, err := e.st.UpdateContact(context.Background(), n, handle, fn)
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		e.retriage(changed, ct)
		e.publish(Event{Kind: EvConvChanged, ConvIDs: changed})
	}
	return nil
}

// retriage scores open conversations again after their contact changed
// (a VIP flag moves them now, not at the customer's next post).
func (e *Engine) retriage(ids []string, ct store.Contact) {
	if e.o.Triage == nil {
		return
	}
	for _, id := range ids {
		c, err := e.st.Conversation(context.Background(), id)
		if err != nil || !c.State.Actionable() {
			continue
		}
		latest, err := e.replyTarget(c)
		if err != nil {
			continue
		}
		// Rescore, not UpdateConv: a VIP from the config list must not be
		// written back onto the contact by this rescoring. The "highest unanswered
		// post" rule stays: the score only rises here (a removed VIP flag
		// lowers it with the customer's next post).
		if _, err := e.st.Rescore(context.Background(), id, func(c *social.Conversation) { e.o.Triage(c, latest, ct) }); err != nil {
			e.log.Warn("rescoring after a contact change", "conv", id, "err", err)
		}
	}
}

// SaveDraft keeps the composer's text (the store survives a crash).
func (e *Engine) SaveDraft(id, text string) error {
	return e.st.SaveDraft(context.Background(), id, text)
}

// FetchThread asks the network for the thread of a conversation and stores
// posts hark had not seen. It returns how many were added.
func (e *Engine) FetchThread(ctx context.Context, id string) (int, error) {
	c, err := e.st.Conversation(ctx, id)
	if err != nil {
		return 0, err
	}
	acct, ok := e.Account(c.Network, c.Account)
	if !ok || acct.Thread == nil || len(c.PostKeys) == 0 {
		return 0, nil
	}
	root, err := e.st.Post(ctx, c.PostKeys[0])
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.o.PollTimeout)
	defer cancel()
	posts, err := acct.Thread.Thread(ctx, root.Post)
	if err != nil {
		return 0, fmt.Errorf("thread of conversation %s: %w", id, err)
	}
	for i := range posts {
		p := &posts[i]
		p.Network, p.Account = c.Network, c.Account
		if p.Brand == "" {
			p.Brand = c.Brand
		}
	}
	n, err := e.st.AttachThread(ctx, id, posts, e.now())
	if err != nil {
		return 0, err
	}
	if n > 0 {
		e.publish(Event{Kind: EvConvChanged, ConvIDs: []string{id}})
	}
	return n, nil
}

// Retry puts a failed outbox entry back in the queue, optionally with new text.
func (e *Engine) Retry(seq uint64, text string) (store.OutboxEntry, error) {
	return e.retry(seq, text, e.o.Agent)
}

func (e *Engine) retry(seq uint64, text string, by social.Actor) (store.OutboxEntry, error) {
	ent, err := e.st.UpdateOutbox(context.Background(), seq, func(x *store.OutboxEntry) error {
		// a scheduled message cancelled when the conversation moved on
		// can be sent all the same (the operator looked: schedule.go)
		if x.State != store.OutFailed && x.State != store.OutCancelled {
			return fmt.Errorf("outbox %d is %s, only failed replies can be retried", seq, x.State)
		}
		if t := strings.TrimSpace(text); t != "" && t != x.Reply.Text {
			// New text is a new post: it gets a new idempotency key so the
			// network cannot answer with the failed attempt's cached result.
			x.Reply.Text = t
			x.Reply.By = by // the text is the editor's now
			x.Reply.Key = newID()
			if a, ok := e.Account(x.Reply.Network, x.Reply.Account); ok && a.NewKey != nil {
				x.Reply.Key = a.NewKey(e.now())
			}
		}
		x.State = store.OutQueued
		x.Attempts = 0
		x.NextAttempt = e.now()
		x.ChangedBy = by
		return nil
	})
	if err != nil {
		return ent, err
	}
	e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{ent.Reply.ConvID}})
	e.Kick()
	return ent, nil
}

// Discard gives up on a failed or queued reply.
func (e *Engine) Discard(seq uint64) (store.OutboxEntry, error) { return e.discard(seq, e.o.Agent) }

func (e *Engine) discard(seq uint64, by social.Actor) (store.OutboxEntry, error) {
	ent, err := e.st.UpdateOutbox(context.Background(), seq, func(x *store.OutboxEntry) error {
		if x.State == store.OutSent || x.State == store.OutSending {
			return fmt.Errorf("outbox %d is %s and cannot be discarded", seq, x.State)
		}
		x.State = store.OutDropped
		x.ChangedBy = by
		return nil
	})
	if err == nil {
		e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{ent.Reply.ConvID}})
	}
	return ent, err
}
