package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// To picks the post to answer (its store key or the network's id),
	// one of the conversation's customer posts; "" = the latest post of
	// the customer who waits (the conversation's contact first).
	To string
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
	// Seen is what the screen that wrote the reply had shown of the
	// conversation (store.SeenOf): the reply is queued only if nothing
	// newer came in since, a customer's post or another operator's reply
	// (queued or sent), checked inside the enqueue's transaction;
	// otherwise it is refused with *store.NewerError carrying the news.
	// Seen.Anyway (the operator saw the news and confirmed) queues it and
	// records it in the trail. nil: no check (a follow-up, which is
	// written on the DM, and scheduled replies, checked when they fall
	// due, are not checked either).
	Seen *store.Seen
}

// Reply queues a reply to a conversation in the outbox (written before any
// network call) and wakes the delivery worker.
func (e *Engine) Reply(ctx context.Context, convID, text string, o ReplyOptions) (store.OutboxEntry, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.OutboxEntry{}, errors.New("reply is empty")
	}
	if err := e.checkAt(o.At); err != nil {
		return store.OutboxEntry{}, err
	}
	c, err := e.st.Conversation(ctx, convID)
	if err != nil {
		return store.OutboxEntry{}, err
	}
	target := c
	if o.FollowUp {
		if c.Origin == "" {
			return store.OutboxEntry{}, fmt.Errorf("conversation %s did not start from a public post", convID)
		}
		target, err = e.st.ConvByRoot(ctx, c.Origin)
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
	to, err := e.replyTarget(ctx, target, o.To)
	if err != nil {
		return store.OutboxEntry{}, err
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
	if err := tooLong(acct.Limit, r); err != nil {
		return store.OutboxEntry{}, err
	}
	ent, err := e.enqueue(ctx, r, o, now)
	if err != nil {
		var ne *store.NewerError
		if errors.As(err, &ne) {
			e.log.Info("reply not queued: the conversation moved on", "conv", target.ID, "by", r.By.Label(), "news", ne.News.Summary())
		}
		return ent, fmt.Errorf("queueing reply: %w", err)
	}
	// queued: the caller's going away must not leave half of it done
	ctx = context.WithoutCancel(ctx)
	if o.Hold > 0 {
		if ent, err = e.hold(ctx, ent, now.Add(o.Hold)); err != nil {
			return ent, err
		}
	}
	if o.FollowUp {
		if _, err := e.st.UpdateConv(ctx, convID, func(c *social.Conversation) error {
			c.FollowUp = social.FollowUpSent
			return nil
		}); err != nil {
			return ent, err
		}
		e.publish(Event{Kind: EvConvChanged, ConvIDs: []string{convID}})
	}
	switch attrs := []any{"conv", target.ID, "outbox", ent.Seq, "direct", r.Direct, "by", ent.Reply.By.Label()}; {
	case !o.At.IsZero():
		e.log.Info("reply scheduled", append(attrs, "at", ent.SendAt)...)
	case o.Hold > 0: // the undo window: it goes at its end unless taken back
		e.log.Info("reply queued", append(attrs, "undo_until", ent.NextAttempt)...)
	default:
		e.log.Info("reply queued", attrs...)
	}
	e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{target.ID}})
	e.Kick()
	return ent, nil
}

// tooLong checks a reply against its network's limit, counted as the
// server counts what will be sent (the mention a network adds included),
// and says which limit it breaks.
func tooLong(lim social.Limiter, r social.Reply) error {
	if lim == nil {
		return nil
	}
	n, max := lim.Count(r.Text, r.Direct)
	if rl, ok := lim.(social.ReplyLimiter); ok {
		n, max = rl.CountReply(r)
	}
	if max <= 0 || n <= max {
		return nil
	}
	if d, ok := lim.(social.LimitDescriber); ok {
		if why := d.DescribeCount(r); why != "" {
			return fmt.Errorf("reply is too long: %s", why)
		}
	}
	return fmt.Errorf("reply is too long: %d characters as %s counts them (the mention hark adds included), %s allows %d", n, r.Network, r.Network, max)
}

// LoadLimits reads the text limit of the account a conversation belongs
// to from its server when that is where it comes from (a Mastodon
// instance's own limit and counting rule), so a check without a poll
// (`hark reply`) uses the instance's limit, not a default. Errors are
// logged: the default then applies.
func (e *Engine) LoadLimits(ctx context.Context, convID string) {
	c, err := e.st.Conversation(ctx, convID)
	if err != nil {
		return
	}
	acct, ok := e.Account(c.Network, c.Account)
	if !ok {
		return
	}
	if ll, ok := acct.Limit.(social.LimitLoader); ok {
		// short: a server that does not answer must not hold the reply up
		// (it is queued, and checked against the default)
		lctx, cancel := context.WithTimeout(ctx, min(e.o.PollTimeout, 10*time.Second))
		defer cancel()
		if err := ll.LoadLimits(lctx); err != nil {
			e.log.Warn("reading the instance's text limit", "account", c.Account, "err", err)
		}
	}
}

// replyTarget is the post a reply answers. With to, that post (by store
// key or network id), which must be a customer's post of the conversation.
// Else the latest post of a customer who waits: the conversation's
// contact if they wait, else the customer of the thread who has waited
// longest (several customers can share a thread); with nobody waiting,
// the contact's latest post (a thread fetched from the network can hold
// later posts by bystanders, who must not be answered instead), else the
// latest post not written by the brand.
func (e *Engine) replyTarget(ctx context.Context, c social.Conversation, to string) (social.Post, error) {
	posts, err := e.st.Posts(ctx, c.ID)
	if err != nil {
		return social.Post{}, err
	}
	if to != "" {
		for _, p := range posts {
			if p.Key() != to && p.RemoteID != to {
				continue
			}
			if p.Kind == social.KindOwn {
				return social.Post{}, fmt.Errorf("post %s is the brand's own: answer a customer's post", to)
			}
			if !p.DeletedAt.IsZero() {
				return social.Post{}, fmt.Errorf("post %s was deleted by its author", to)
			}
			return p.Post, nil
		}
		return social.Post{}, fmt.Errorf("conversation %s has no post %s", c.ID, to)
	}
	type waiter struct {
		first time.Time
		last  social.Post
	}
	waiting := map[string]*waiter{}
	for _, p := range posts {
		if p.Kind == social.KindOwn || !p.DeletedAt.IsZero() {
			continue
		}
		h := strings.ToLower(p.Author.Handle)
		contact := strings.EqualFold(p.Author.Handle, c.Contact.Handle)
		if p.Attached && !contact {
			continue // a bystander's post seen in the thread
		}
		cut := c.AnsweredUpTo(h)
		if contact && c.LastResponseAt.After(cut) && c.Answered == nil {
			cut = c.LastResponseAt
		}
		if !p.CreatedAt.After(cut) {
			continue
		}
		w := waiting[h]
		if w == nil {
			w = &waiter{first: p.CreatedAt}
			waiting[h] = w
		}
		w.last = p.Post
	}
	if w := waiting[strings.ToLower(c.Contact.Handle)]; w != nil {
		return w.last, nil
	}
	var longest *waiter
	for _, w := range waiting {
		if longest == nil || w.first.Before(longest.first) {
			longest = w
		}
	}
	if longest != nil {
		return longest.last, nil
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
func (e *Engine) change(ctx context.Context, id string, by social.Actor, act social.Action, fn func(c *social.Conversation) error) (social.Conversation, error) {
	c, err := e.st.UpdateConv(ctx, id, func(c *social.Conversation) error {
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
func (e *Engine) Resolve(ctx context.Context, id string) (social.Conversation, error) {
	return e.resolve(ctx, id, e.o.Agent)
}

func (e *Engine) resolve(ctx context.Context, id string, by social.Actor) (social.Conversation, error) {
	return e.change(ctx, id, by, social.ActResolved, func(c *social.Conversation) error {
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
func (e *Engine) SkipFollowUp(ctx context.Context, id string) (social.Conversation, error) {
	return e.skipFollowUp(ctx, id, e.o.Agent)
}

func (e *Engine) skipFollowUp(ctx context.Context, id string, by social.Actor) (social.Conversation, error) {
	return e.change(ctx, id, by, social.ActSkipped, func(c *social.Conversation) error {
		if c.FollowUp == social.FollowUpOffered {
			c.FollowUp = social.FollowUpSkipped
		}
		return nil
	})
}

// SetState moves a conversation to open, pending or new.
func (e *Engine) SetState(ctx context.Context, id string, s social.State) (social.Conversation, error) {
	return e.setState(ctx, id, s, e.o.Agent)
}

func (e *Engine) setState(ctx context.Context, id string, s social.State, by social.Actor) (social.Conversation, error) {
	if s == social.StateResolved {
		return e.resolve(ctx, id, by)
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
		first = e.firstUnanswered(ctx, id)
	}
	restart := false
	c, err := e.change(ctx, id, by, act, func(c *social.Conversation) error {
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
		ctx := context.WithoutCancel(ctx) // changed: the due time follows it
		ct, _ := e.st.Contact(ctx, c.Network, c.Contact.Handle)
		e.retriage(ctx, []string{id}, ct) // computes the new due time
		c, err = e.st.Conversation(ctx, id)
	}
	return c, err
}

// firstUnanswered is the time of the customer's first post since the
// brand's last response (zero if none or unreadable).
func (e *Engine) firstUnanswered(ctx context.Context, id string) time.Time {
	c, err := e.st.Conversation(ctx, id)
	if err != nil {
		return time.Time{}
	}
	posts, err := e.st.Posts(ctx, id)
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
func (e *Engine) Snooze(ctx context.Context, id string, until time.Time, note string) (social.Conversation, error) {
	return e.snooze(ctx, id, until, note, e.o.Agent)
}

func (e *Engine) snooze(ctx context.Context, id string, until time.Time, note string, by social.Actor) (social.Conversation, error) {
	if !until.After(e.now()) {
		return social.Conversation{}, fmt.Errorf("snooze time %s is not in the future", until.Format(time.RFC3339))
	}
	return e.change(ctx, id, by, social.ActSnoozed, func(c *social.Conversation) error {
		c.State = social.StateSnoozed
		c.SnoozedUntil = until
		c.SnoozeNote = note
		return nil
	})
}

// editContact changes the contact of conversation convID (its VIP flag,
// notes or tags) as by, and records in that conversation's trail who
// changed what ("VIP set by JD"). Operator.SetVIP and Operator.EditContact
// are the way in: there is no unattributed one.
func (e *Engine) editContact(ctx context.Context, convID string, by social.Actor, fn func(*store.Contact)) error {
	c, err := e.st.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	var what []string
	ct, changed, err := e.st.UpdateContact(ctx, c.Network, c.Contact.Handle, func(ct *store.Contact) {
		before := *ct
		before.Tags = slices.Clone(ct.Tags)
		fn(ct)
		what = contactChanges(before, *ct)
	})
	if err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx) // edited: the scores and the trail follow it
	if len(changed) > 0 {
		e.retriage(ctx, changed, ct)
	}
	if len(what) > 0 {
		// the trail, not UpdatedAt: the conversation itself did not change
		if _, err := e.st.UpdateConv(ctx, convID, func(c *social.Conversation) error {
			c.Record(social.Activity{At: e.now(), By: by, Action: social.ActContactEdited, Note: strings.Join(what, ", ")})
			return nil
		}); err != nil {
			return fmt.Errorf("recording the contact edit in #%s's trail: %w", convID, err)
		}
		if !slices.Contains(changed, convID) {
			changed = append(changed, convID)
		}
	}
	if len(changed) > 0 {
		e.publish(Event{Kind: EvConvChanged, ConvIDs: changed})
	}
	return nil
}

// contactChanges names what an edit changed of a contact, as the trail
// says it: "VIP set", "VIP cleared", "note edited", "tags edited".
func contactChanges(before, after store.Contact) []string {
	var what []string
	switch {
	case !before.VIP && after.VIP:
		what = append(what, "VIP set")
	case before.VIP && !after.VIP:
		what = append(what, "VIP cleared")
	}
	if before.Notes != after.Notes {
		what = append(what, "note edited")
	}
	if !slices.Equal(before.Tags, after.Tags) {
		what = append(what, "tags edited")
	}
	return what
}

// retriage scores open conversations again after their contact changed
// (a VIP flag moves them now, not at the customer's next post).
func (e *Engine) retriage(ctx context.Context, ids []string, ct store.Contact) {
	if e.o.Triage == nil {
		return
	}
	for _, id := range ids {
		c, err := e.st.Conversation(ctx, id)
		if err != nil || !c.State.Actionable() {
			continue
		}
		latest, err := e.replyTarget(ctx, c, "")
		if err != nil {
			continue
		}
		// Rescore, not UpdateConv: a VIP from the config list must not be
		// written back onto the contact by this rescoring. The "highest unanswered
		// post" rule stays: the score only rises here (a removed VIP flag
		// lowers it with the customer's next post).
		if _, err := e.st.Rescore(ctx, id, func(c *social.Conversation) { e.o.Triage(c, latest, ct) }); err != nil {
			e.log.Warn("rescoring after a contact change", "conv", id, "err", err)
		}
	}
}

// SaveDraft keeps the composer's text (the store survives a crash).
func (e *Engine) SaveDraft(ctx context.Context, id, text string) error {
	return e.st.SaveDraft(ctx, id, text)
}

// RecordCannedChoice remembers that the canned answer id was chosen for a
// post about these (normalised) words: the picker ranks by it next time.
func (e *Engine) RecordCannedChoice(ctx context.Context, id string, words []string) error {
	return e.st.RecordCannedChoice(ctx, id, words, e.now())
}

// FetchThread asks the network for the thread of a conversation and stores
// it (store.RefreshThread): posts hark had not seen, edits, answers the
// brand gave outside hark, and the customer's follow-ups that no poll
// brought. A thread whose first post is gone marks that post deleted. It
// returns how many posts were added.
func (e *Engine) FetchThread(ctx context.Context, id string) (int, error) {
	r, err := e.RefreshThread(ctx, id)
	return r.Added, err
}

// RefreshThread is FetchThread with the whole result.
func (e *Engine) RefreshThread(ctx context.Context, id string) (store.ThreadResult, error) {
	c, err := e.st.Conversation(ctx, id)
	if err != nil {
		return store.ThreadResult{}, err
	}
	acct, ok := e.Account(c.Network, c.Account)
	if !ok || acct.Thread == nil || len(c.PostKeys) == 0 {
		return store.ThreadResult{}, nil
	}
	root, ok, err := e.threadAnchor(ctx, c)
	if err != nil || !ok {
		return store.ThreadResult{}, err // !ok: every post is deleted
	}
	ctx, cancel := context.WithTimeout(ctx, e.o.PollTimeout)
	defer cancel()
	var posts []social.Post
	err = e.guard("thread fetch", func() (err error) { posts, err = acct.Thread.Thread(ctx, root.Post); return err })
	if err != nil {
		if social.Gone(err) && root.Kind != social.KindOwn {
			// Said first and whole: a status line cuts long errors.
			msg := "the customer deleted this post"
			if e.postGone(root.Key()) {
				msg += "; nothing else waits: resolved"
			}
			return store.ThreadResult{}, goneError{msg: "conversation " + id + ": " + msg}
		}
		return store.ThreadResult{}, fmt.Errorf("thread of conversation %s: %w", id, err)
	}
	for i := range posts {
		p := &posts[i]
		p.Network, p.Account = c.Network, c.Account
		if p.Brand == "" {
			p.Brand = c.Brand
		}
	}
	res, err := e.st.RefreshThread(ctx, id, posts, e.replyInFlight(ctx, id), e.o.Triage, e.now())
	if err != nil {
		return res, err
	}
	if res.AnsweredOutside {
		e.log.Info("answered outside hark", "conv", id)
	}
	if res.Reopened {
		e.log.Info("a follow-up in the thread reopened the conversation", "conv", id)
	}
	if res.Added > 0 || res.Edited > 0 || res.AnsweredOutside || res.Reopened {
		ev := Event{Kind: EvConvChanged, ConvIDs: []string{id}}
		if res.Reopened {
			ev.Reopened = []string{id}
		}
		e.publish(ev)
	}
	return res, nil
}

// replyInFlight reports whether a reply of the conversation may be on its
// way (sending, or queued after an attempt that may have reached the
// network): a brand post seen in its thread then may be hark's own, which
// MarkSent will record, not an answer given outside hark.
func (e *Engine) replyInFlight(ctx context.Context, convID string) bool {
	ents, err := e.st.Outbox(ctx, func(x store.OutboxEntry) bool {
		return x.Reply.ConvID == convID && (x.State == store.OutSending || (x.State == store.OutQueued && x.Uncertain))
	})
	return err != nil || len(ents) > 0 // unknown: not counted as an outside answer
}

// threadAnchor is the post a conversation's thread is fetched by: its
// first customer post still there (the thread's root may be the brand's
// post, or be gone), else its first post not known deleted.
func (e *Engine) threadAnchor(ctx context.Context, c social.Conversation) (store.StoredPost, bool, error) {
	posts, err := e.st.Posts(ctx, c.ID)
	if err != nil {
		return store.StoredPost{}, false, err
	}
	for _, p := range posts {
		if p.Kind != social.KindOwn && !p.Attached && p.DeletedAt.IsZero() {
			return p, true, nil
		}
	}
	for _, p := range posts {
		if p.DeletedAt.IsZero() {
			return p, true, nil
		}
	}
	return store.StoredPost{}, false, nil
}

// postGone records that a post's author deleted it; with nothing else
// waiting its conversation leaves the inbox.
// It reports whether the conversation left the inbox.
func (e *Engine) postGone(key string) bool {
	c, out, err := e.st.MarkDeleted(context.Background(), key, e.now())
	if err != nil {
		e.log.Warn("marking a post deleted", "post", key, "err", err)
		return false
	}
	e.log.Info("post deleted by its author", "post", key, "conv", c.ID, "left_inbox", out)
	e.publish(Event{Kind: EvConvChanged, ConvIDs: []string{c.ID}})
	return out
}

// goneError says a conversation's post was deleted, in words an operator
// reads first; it wraps social.ErrGone.
type goneError struct{ msg string }

func (g goneError) Error() string { return g.msg }
func (g goneError) Unwrap() error { return social.ErrGone }

// ThreadsResult is what RefreshThreads did.
type ThreadsResult struct {
	Checked, Added, Edited int
	AnsweredOutside        []string // conversations answered outside hark
	Reopened               []string // conversations a follow-up reopened
	Deleted                []string // conversations whose first post is gone
	Errors                 []error
}

// RefreshThreads refreshes the threads of the conversations that wait on
// someone (new, open, pending), the most recently active first, at most
// max of them (a thread fetch is a request each: the budget stays small).
// It is how hark notices what no notification tells: answers given
// outside hark, follow-ups without the brand's @mention, edits, deletions.
func (e *Engine) RefreshThreads(ctx context.Context, max int) ThreadsResult {
	var res ThreadsResult
	type cand struct {
		id, account     string
		checked, latest time.Time
	}
	var cands []cand
	horizon := e.now().Add(-7 * 24 * time.Hour)
	for _, v := range []store.View{store.ViewActionable, store.ViewPending} {
		refs, err := e.st.QueueRefs(ctx, v, nil)
		if err != nil {
			res.Errors = append(res.Errors, err)
			continue
		}
		convs, err := e.st.Conversations(ctx, store.RefIDs(refs))
		if err != nil {
			res.Errors = append(res.Errors, err)
			continue
		}
		for _, c := range convs {
			if c.Direct || c.ReadOnly != "" || c.UpdatedAt.Before(horizon) {
				continue
			}
			if a, ok := e.Account(c.Network, c.Account); !ok || a.Thread == nil {
				continue
			}
			cands = append(cands, cand{c.ID, string(c.Network) + "/" + c.Account, c.ThreadCheckedAt, c.LastCustomerAt})
		}
	}
	// Half the budget goes to the most recent customer activity (edits,
	// answers and follow-ups come soon after), the other half round the
	// rest, the longest unchecked first, so every thread gets its turn.
	slices.SortFunc(cands, func(a, b cand) int { return b.latest.Compare(a.latest) })
	if len(cands) > max {
		recent := (max + 1) / 2
		rest := cands[recent:]
		slices.SortStableFunc(rest, func(a, b cand) int { return a.checked.Compare(b.checked) })
		cands = cands[:max]
	}
	down := map[string]bool{} // accounts whose server failed this round
	for _, cd := range cands {
		if ctx.Err() != nil {
			break
		}
		if down[cd.account] {
			continue
		}
		res.Checked++
		r, err := e.RefreshThread(ctx, cd.id)
		if err != nil {
			now := e.now()
			// checked, though it failed: the next round goes on with others
			_, _ = e.st.Rescore(ctx, cd.id, func(c *social.Conversation) { c.ThreadCheckedAt = now })
			if social.Gone(err) {
				res.Deleted = append(res.Deleted, cd.id)
				continue
			}
			res.Errors = append(res.Errors, err)
			if k := social.KindOf(err); k == social.RateLimited || k == social.Transient || k == social.Auth {
				// the budget is spent or the server is down: its other
				// threads wait for the next round (no timeout after timeout)
				down[cd.account] = true
			}
			continue
		}
		res.Added += r.Added
		res.Edited += r.Edited
		if r.AnsweredOutside {
			res.AnsweredOutside = append(res.AnsweredOutside, cd.id)
		}
		if r.Reopened {
			res.Reopened = append(res.Reopened, cd.id)
		}
	}
	return res
}

// Retry puts a failed outbox entry back in the queue, optionally with new text.
func (e *Engine) Retry(ctx context.Context, seq uint64, text string) (store.OutboxEntry, error) {
	return e.retry(ctx, seq, text, e.o.Agent)
}

func (e *Engine) retry(ctx context.Context, seq uint64, text string, by social.Actor) (store.OutboxEntry, error) {
	ent, err := e.st.UpdateOutbox(ctx, seq, func(x *store.OutboxEntry) error {
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
func (e *Engine) Discard(ctx context.Context, seq uint64) (store.OutboxEntry, error) {
	return e.discard(ctx, seq, e.o.Agent)
}

func (e *Engine) discard(ctx context.Context, seq uint64, by social.Actor) (store.OutboxEntry, error) {
	ent, err := e.st.UpdateOutbox(ctx, seq, func(x *store.OutboxEntry) error {
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
