package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Guard is what an operator handle consults before a reply: the claims of
// the team working on one engine (team.Registry's sessions implement it;
// the engine knows nothing of sessions or SSH).
type Guard interface {
	// Acquire claims convID for by, or keeps by's claim, unless another
	// operator holds it: then it returns that holder and false.
	Acquire(ctx context.Context, convID string, by social.Actor) (holder social.Actor, ok bool)
	// Replied tells the guard that by's reply to convID was queued (a
	// claim ends on send).
	Replied(ctx context.Context, convID string, by social.Actor)
}

// ClaimedError refuses a reply to a conversation another operator holds.
// Reply again with ReplyOptions.Force once the operator confirmed.
type ClaimedError struct {
	Conv   string
	Holder social.Actor
}

func (e *ClaimedError) Error() string {
	who := e.Holder.Label()
	if who == "" {
		who = "another operator"
	}
	return fmt.Sprintf("conversation %s is claimed by %s, who is replying: send anyway only after confirming", e.Conv, who)
}

// Operator is the engine as one operator uses it: every action records
// the operator in the outbox entry and the conversation's trail, and a
// reply respects the team's claims. Its methods mirror Engine's.
type Operator struct {
	e      *Engine
	actor  social.Actor
	guard  Guard
	brands []string // the brands this operator answers (nil = all)
}

// BrandError refuses an action on a conversation of a brand the operator
// does not answer (operators: … brands: in the config).
type BrandError struct {
	Conv    string
	Brand   string
	Actor   social.Actor
	Allowed []string
}

func (e *BrandError) Error() string {
	who := e.Actor.Label()
	if who == "" {
		who = "this operator"
	}
	return fmt.Sprintf("conversation %s is %s's, and %s answers only %s (brands: of the operator in the config)",
		e.Conv, e.Brand, who, strings.Join(e.Allowed, ", "))
}

// WithBrands returns a copy of the handle limited to these brands (none:
// every brand). Its replies and changes to other brands' conversations are
// refused with *BrandError.
func (o *Operator) WithBrands(brands []string) *Operator {
	c := *o
	c.brands = slices.Clone(brands)
	return &c
}

// Brands are the brands the handle may act on (nil = all).
func (o *Operator) Brands() []string { return slices.Clone(o.brands) }

// Allows reports whether the operator answers brand. The queue, search and
// bulk selection of the operator's TUI keep to it; the engine enforces it.
func (o *Operator) Allows(brand string) bool {
	if len(o.brands) == 0 {
		return true
	}
	for _, b := range o.brands {
		if strings.EqualFold(b, brand) {
			return true
		}
	}
	return false
}

// mayChange refuses a conversation of a brand the operator does not answer.
func (o *Operator) mayChange(ctx context.Context, convID string) error {
	if len(o.brands) == 0 {
		return nil
	}
	c, err := o.e.st.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	return o.mayAnswer(convID, c.Brand)
}

// mayAnswer refuses brand, named conv in the error, if the operator does
// not answer it.
func (o *Operator) mayAnswer(conv, brand string) error {
	if !o.Allows(brand) {
		return &BrandError{Conv: conv, Brand: brand, Actor: o.actor, Allowed: o.Brands()}
	}
	return nil
}

// mayChangeEntry refuses an outbox entry of such a conversation.
func (o *Operator) mayChangeEntry(ctx context.Context, seq uint64) error {
	if len(o.brands) == 0 {
		return nil
	}
	ent, err := o.e.st.OutboxEntry(ctx, seq)
	if err != nil {
		return err
	}
	if id, _, ok := store.ParseStatusRef(ent.Reply.ConvID); ok {
		// a status post's copy: the brand of the status post
		st, err := store.Status(ctx, o.e.st, id)
		if err != nil {
			return err
		}
		return o.mayAnswer("(status "+id+")", st.Brand)
	}
	return o.mayChange(ctx, ent.Reply.ConvID)
}

// asConv runs change if the operator may change conversation id.
func asConv(ctx context.Context, o *Operator, id string, change func() (social.Conversation, error)) (social.Conversation, error) {
	if err := o.mayChange(ctx, id); err != nil {
		return social.Conversation{}, err
	}
	return change()
}

// asEntry runs change if the operator may change outbox entry seq.
func asEntry(ctx context.Context, o *Operator, seq uint64, change func() (store.OutboxEntry, error)) (store.OutboxEntry, error) {
	if err := o.mayChangeEntry(ctx, seq); err != nil {
		return store.OutboxEntry{}, err
	}
	return change()
}

// As returns a handle for an operator. A zero actor is the engine's solo
// agent.
func (e *Engine) As(a social.Actor) *Operator { return &Operator{e: e, actor: e.actor(a)} }

// WithGuard returns a copy of the handle whose replies go through g.
func (o *Operator) WithGuard(g Guard) *Operator {
	c := *o
	c.guard = g
	return &c
}

// Actor is who this handle acts as.
func (o *Operator) Actor() social.Actor { return o.actor }

// Engine is the engine behind the handle (reads, subscriptions).
func (o *Operator) Engine() *Engine { return o.e }

func (e *Engine) actor(a social.Actor) social.Actor {
	if a.IsZero() {
		return e.o.Agent
	}
	return a
}

// Reply queues a reply as this operator. When another operator holds the
// conversation's claim it is refused with *ClaimedError unless opts.Force;
// a forced reply records "claimed-over" (naming the holder) in the trail.
// Otherwise the operator takes the claim for the time of the call and it
// ends once the reply is queued.
func (o *Operator) Reply(ctx context.Context, convID, text string, opts ReplyOptions) (store.OutboxEntry, error) {
	if err := o.mayChange(ctx, convID); err != nil {
		return store.OutboxEntry{}, err
	}
	opts.By = o.actor
	var over social.Actor // the holder a confirmed reply overrides
	if o.guard != nil {
		holder, ok := o.guard.Acquire(ctx, convID, o.actor)
		if !ok {
			if !opts.Force {
				return store.OutboxEntry{}, &ClaimedError{Conv: convID, Holder: holder}
			}
			over = holder
		}
	}
	ent, err := o.e.Reply(ctx, convID, text, opts)
	if err != nil {
		return ent, err
	}
	ctx = context.WithoutCancel(ctx) // queued: the trail follows it
	if o.guard != nil {
		o.guard.Replied(ctx, convID, o.actor)
	}
	if !over.IsZero() {
		if _, err := o.e.change(ctx, convID, o.actor, "", func(c *social.Conversation) error {
			c.Record(social.Activity{At: o.e.now(), By: o.actor, Action: social.ActClaimedOver, Note: over.Label()})
			return nil
		}); err != nil {
			return ent, fmt.Errorf("recording the reply over %s's claim: %w", over.Label(), err)
		}
	}
	return ent, nil
}

// Resolve closes a conversation as this operator.
func (o *Operator) Resolve(ctx context.Context, id string) (social.Conversation, error) {
	return asConv(ctx, o, id, func() (social.Conversation, error) { return o.e.resolve(ctx, id, o.actor) })
}

// SetState moves a conversation to open, pending or new as this operator.
func (o *Operator) SetState(ctx context.Context, id string, s social.State) (social.Conversation, error) {
	return asConv(ctx, o, id, func() (social.Conversation, error) { return o.e.setState(ctx, id, s, o.actor) })
}

// Snooze hides a conversation until a time, as this operator.
func (o *Operator) Snooze(ctx context.Context, id string, until time.Time, note string) (social.Conversation, error) {
	return asConv(ctx, o, id, func() (social.Conversation, error) { return o.e.snooze(ctx, id, until, note, o.actor) })
}

// SkipFollowUp declines the public follow-up, as this operator.
func (o *Operator) SkipFollowUp(ctx context.Context, id string) (social.Conversation, error) {
	return asConv(ctx, o, id, func() (social.Conversation, error) { return o.e.skipFollowUp(ctx, id, o.actor) })
}

// SetVIP flags or unflags the conversation's contact as VIP (all their
// conversations follow), as this operator.
func (o *Operator) SetVIP(ctx context.Context, id string, vip bool) error {
	if err := o.mayChange(ctx, id); err != nil {
		return err
	}
	return o.e.editContact(ctx, id, o.actor, func(ct *store.Contact) { ct.VIP = vip })
}

// EditContact changes the contact of a conversation (notes, tags, VIP),
// as this operator: the conversation's trail records who changed what.
func (o *Operator) EditContact(ctx context.Context, convID string, fn func(*store.Contact)) error {
	if err := o.mayChange(ctx, convID); err != nil {
		return err
	}
	return o.e.editContact(ctx, convID, o.actor, fn)
}

// Retry puts a failed outbox entry back in the queue, as this operator.
func (o *Operator) Retry(ctx context.Context, seq uint64, text string) (store.OutboxEntry, error) {
	return asEntry(ctx, o, seq, func() (store.OutboxEntry, error) { return o.e.retry(ctx, seq, text, o.actor) })
}

// Discard gives up on a failed or queued reply, as this operator.
func (o *Operator) Discard(ctx context.Context, seq uint64) (store.OutboxEntry, error) {
	return asEntry(ctx, o, seq, func() (store.OutboxEntry, error) { return o.e.discard(ctx, seq, o.actor) })
}
