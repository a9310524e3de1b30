package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Undo: an operator's last change of a conversation's state (resolve,
// pending, reopen, snooze) can be taken back with Restore, and a reply
// held in the outbox (ReplyOptions.Hold) can be pulled back with Unsend
// before it is sent.

// ErrChanged refuses an undo of a conversation that changed since (the
// customer wrote, or someone else moved it).
var ErrChanged = errors.New("changed since: not undone")

// hold delays a queued entry's first attempt until t.
func (e *Engine) hold(ctx context.Context, ent store.OutboxEntry, t time.Time) (store.OutboxEntry, error) {
	held, err := e.st.UpdateOutbox(ctx, ent.Seq, func(x *store.OutboxEntry) error {
		if x.State == store.OutQueued && x.Attempts == 0 {
			x.NextAttempt = t
		}
		return nil
	})
	if err != nil {
		return ent, fmt.Errorf("holding reply %d: %w", ent.Seq, err)
	}
	return held, nil
}

// Unsend takes back a reply that is still waiting in the outbox (its hold
// not over, no attempt made): it is discarded and returned, so its text
// can go back into the composer. A reply already on its way is refused.
func (e *Engine) Unsend(ctx context.Context, seq uint64) (store.OutboxEntry, error) {
	return e.unsend(ctx, seq, e.o.Agent)
}

func (e *Engine) unsend(ctx context.Context, seq uint64, by social.Actor) (store.OutboxEntry, error) {
	ent, err := e.st.UpdateOutbox(ctx, seq, func(x *store.OutboxEntry) error {
		if x.State != store.OutQueued || x.Attempts > 0 {
			return fmt.Errorf("the reply to %s is already %s: it cannot be taken back", x.Reply.To.Author.Handle, sendingWord(x.State))
		}
		x.State = store.OutDropped
		x.ChangedBy = by
		return nil
	})
	if err != nil {
		return ent, err
	}
	e.log.Info("reply taken back", "outbox", seq, "by", by.Label())
	e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{ent.Reply.ConvID}})
	return ent, nil
}

func sendingWord(s store.OutboxState) string {
	if s == store.OutQueued {
		return "being sent"
	}
	return string(s)
}

// Restore takes a conversation's state back to prev (read before the
// change), if it is still as after (read after it): the same state, the
// same snooze, no customer post since. Otherwise it fails with ErrChanged
// and changes nothing.
func (e *Engine) Restore(ctx context.Context, id string, prev, after social.Conversation) (social.Conversation, error) {
	return e.restore(ctx, id, prev, after, e.o.Agent)
}

func (e *Engine) restore(ctx context.Context, id string, prev, after social.Conversation, by social.Actor) (social.Conversation, error) {
	restart := false
	c, err := e.change(ctx, id, by, "", func(c *social.Conversation) error {
		if c.State != after.State || !c.SnoozedUntil.Equal(after.SnoozedUntil) || !c.LastCustomerAt.Equal(after.LastCustomerAt) || c.FollowUp != after.FollowUp {
			return fmt.Errorf("#%s %w", id, ErrChanged)
		}
		what := string(after.State)
		c.State = prev.State
		c.SnoozedUntil, c.SnoozeNote = prev.SnoozedUntil, prev.SnoozeNote
		c.ResolvedAt, c.ResolvedBy = prev.ResolvedAt, prev.ResolvedBy
		c.WaitingSince, c.DueAt = prev.WaitingSince, prev.DueAt
		c.FollowUp = prev.FollowUp
		c.UpdatedAt = e.now()
		c.Record(social.Activity{At: e.now(), By: by, Action: social.ActUndone, Note: what})
		restart = c.State.Actionable() && !c.DueAt.IsZero()
		return nil
	})
	if err == nil && restart {
		// the SLA pressure part of the priority follows the restored clock
		ctx := context.WithoutCancel(ctx)
		ct, _ := e.st.Contact(ctx, c.Network, c.Contact.Handle)
		e.retriage(ctx, []string{id}, ct)
		c, err = e.st.Conversation(ctx, id)
	}
	return c, err
}

// Restore takes a conversation back to prev, as this operator (see
// Engine.Restore).
func (o *Operator) Restore(ctx context.Context, id string, prev, after social.Conversation) (social.Conversation, error) {
	return asConv(ctx, o, id, func() (social.Conversation, error) { return o.e.restore(ctx, id, prev, after, o.actor) })
}

// Unsend takes back a held reply, as this operator (see Engine.Unsend).
func (o *Operator) Unsend(ctx context.Context, seq uint64) (store.OutboxEntry, error) {
	return asEntry(ctx, o, seq, func() (store.OutboxEntry, error) { return o.e.unsend(ctx, seq, o.actor) })
}
