package engine

import (
	"fmt"
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
	Acquire(convID string, by social.Actor) (holder social.Actor, ok bool)
	// Replied tells the guard that by's reply to convID was queued (a
	// claim ends on send).
	Replied(convID string, by social.Actor)
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
	e     *Engine
	actor social.Actor
	guard Guard
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
func (o *Operator) Reply(convID, text string, opts ReplyOptions) (store.OutboxEntry, error) {
	opts.By = o.actor
	var over social.Actor // the holder a confirmed reply overrides
	if o.guard != nil {
		holder, ok := o.guard.Acquire(convID, o.actor)
		if !ok {
			if !opts.Force {
				return store.OutboxEntry{}, &ClaimedError{Conv: convID, Holder: holder}
			}
			over = holder
		}
	}
	ent, err := o.e.Reply(convID, text, opts)
	if err != nil {
		return ent, err
	}
	if o.guard != nil {
		o.guard.Replied(convID, o.actor)
	}
	if !over.IsZero() {
		if _, err := o.e.change(convID, o.actor, "", func(c *social.Conversation) error {
			c.Record(social.Activity{At: o.e.now(), By: o.actor, Action: social.ActClaimedOver, Note: over.Label()})
			return nil
		}); err != nil {
			return ent, fmt.Errorf("recording the reply over %s's claim: %w", over.Label(), err)
		}
	}
	return ent, nil
}

// Resolve closes a conversation as this operator.
func (o *Operator) Resolve(id string) (social.Conversation, error) { return o.e.resolve(id, o.actor) }

// SetState moves a conversation to open, pending or new as this operator.
func (o *Operator) SetState(id string, s social.State) (social.Conversation, error) {
	return o.e.setState(id, s, o.actor)
}

// Snooze hides a conversation until a time, as this operator.
func (o *Operator) Snooze(id string, until time.Time, note string) (social.Conversation, error) {
	return o.e.snooze(id, until, note, o.actor)
}

// SkipFollowUp declines the public follow-up, as this operator.
func (o *Operator) SkipFollowUp(id string) (social.Conversation, error) {
	return o.e.skipFollowUp(id, o.actor)
}

// Retry puts a failed outbox entry back in the queue, as this operator.
func (o *Operator) Retry(seq uint64, text string) (store.OutboxEntry, error) {
	return o.e.retry(seq, text, o.actor)
}

// Discard gives up on a failed or queued reply, as this operator.
func (o *Operator) Discard(seq uint64) (store.OutboxEntry, error) { return o.e.discard(seq, o.actor) }
