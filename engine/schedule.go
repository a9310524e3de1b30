package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Scheduled messages: a reply, DM or public follow-up written now and sent
// at a chosen time (ReplyOptions.At). The entry waits in the outbox as
// "scheduled" (on disk: it survives restarts and crashes); when its time
// comes the delivery worker releases it (it becomes queued and goes out
// once, like any reply) or cancels it, in one transaction, when the
// conversation was answered or the customer wrote again since it was
// written — unless the operator said SendAnyway. Until then it can be
// edited, moved or cancelled (Discard).

// enqueue writes r to the outbox, at once or scheduled.
func (e *Engine) enqueue(ctx context.Context, r social.Reply, o ReplyOptions, now time.Time) (store.OutboxEntry, error) {
	resolve := o.Resolve && !o.FollowUp
	if o.At.IsZero() {
		if o.Seen != nil && !o.FollowUp {
			return e.st.EnqueueSeen(ctx, r, resolve, *o.Seen, now)
		}
		return e.st.Enqueue(ctx, r, resolve, now)
	}
	return e.st.EnqueueScheduled(ctx, r, resolve, o.At, o.SendAnyway, now)
}

// checkAt refuses a scheduled time that is not in the future.
func (e *Engine) checkAt(at time.Time) error {
	if !at.IsZero() && !at.After(e.now()) {
		return fmt.Errorf("send time %s is not in the future", at.Local().Format("2006-01-02 15:04"))
	}
	return nil
}

// scheduleVerdict is the rule a due scheduled entry meets: "" lets it go,
// anything else is why it is cancelled.
func scheduleVerdict(ent store.OutboxEntry, c social.Conversation, ok bool) string {
	if ent.SendAnyway || !ok {
		return ""
	}
	since := ent.QueuedAt
	switch {
	case c.LastCustomerAt.After(since):
		return fmt.Sprintf("cancelled: %s wrote again since it was scheduled (%s)", c.Contact.Handle, c.LastCustomerAt.Local().Format("Jan 2 15:04"))
	case c.LastResponseAt.After(since) && !queuedBefore(c, ent.Seq):
		return fmt.Sprintf("cancelled: conversation %s was answered since it was scheduled (%s)", c.ID, c.LastResponseAt.Local().Format("Jan 2 15:04"))
	}
	return ""
}

// queuedBefore reports whether the conversation's latest response is a
// reply hark queued before outbox entry seq (written before the scheduled
// one, sent after it: a reply held in its undo window, or retried) — not
// an answer given since. The trail records each reply with its outbox
// sequence at the time it was sent (= LastResponseAt).
func queuedBefore(c social.Conversation, seq uint64) bool {
	for i := len(c.Activity) - 1; i >= 0; i-- {
		a := c.Activity[i]
		if a.Action != social.ActReplied || !a.At.Equal(c.LastResponseAt) {
			continue
		}
		n, err := strconv.ParseUint(a.Note, 10, 64)
		return err == nil && n < seq
	}
	return false // answered outside hark, or not recorded
}

// releaseDue lets a due scheduled entry go (it is then queued and returned
// with true) or cancels it, telling every subscriber.
func (e *Engine) releaseDue(ent store.OutboxEntry) (store.OutboxEntry, bool) {
	got, released, err := e.st.ReleaseScheduled(context.Background(), ent.Seq, e.now(), scheduleVerdict)
	if err != nil {
		e.log.Error("releasing a scheduled message", "outbox", ent.Seq, "err", err)
		return ent, false
	}
	if released {
		e.log.Info("scheduled message due", "outbox", ent.Seq, "conv", ent.Reply.ConvID)
		return got, true
	}
	if got.State == store.OutCancelled {
		e.log.Info("scheduled message cancelled", "outbox", ent.Seq, "conv", ent.Reply.ConvID, "reason", got.LastError)
		e.publish(Event{Kind: EvDelivery, Outbox: &got, ConvIDs: convIDs(got.Reply.ConvID)})
	}
	return got, false
}

func convIDs(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

var errNotScheduled = errors.New("only a scheduled message can be changed this way")

// changeScheduled edits a scheduled entry in one transaction.
func (e *Engine) changeScheduled(ctx context.Context, seq uint64, by social.Actor, fn func(x *store.OutboxEntry) error) (store.OutboxEntry, error) {
	ent, err := e.st.UpdateOutbox(ctx, seq, func(x *store.OutboxEntry) error {
		if x.State != store.OutScheduled {
			return fmt.Errorf("outbox %d is %s: %w", seq, x.State, errNotScheduled)
		}
		if err := fn(x); err != nil {
			return err
		}
		x.ChangedBy = by
		return nil
	})
	if err != nil {
		return ent, err
	}
	e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: convIDs(ent.Reply.ConvID)})
	e.Kick() // the worker's next wake-up may have moved
	return ent, nil
}

// Reschedule moves a scheduled message to another time (zero: now).
func (e *Engine) Reschedule(ctx context.Context, seq uint64, at time.Time) (store.OutboxEntry, error) {
	return e.reschedule(ctx, seq, at, e.o.Agent)
}

func (e *Engine) reschedule(ctx context.Context, seq uint64, at time.Time, by social.Actor) (store.OutboxEntry, error) {
	if at.IsZero() {
		at = e.now()
	} else if err := e.checkAt(at); err != nil {
		return store.OutboxEntry{}, err
	}
	return e.changeScheduled(ctx, seq, by, func(x *store.OutboxEntry) error {
		x.SendAt, x.NextAttempt = at, at
		return nil
	})
}

// EditScheduled changes the text of a scheduled message (a new text is a
// new post: it gets a new idempotency key).
func (e *Engine) EditScheduled(ctx context.Context, seq uint64, text string) (store.OutboxEntry, error) {
	return e.editScheduled(ctx, seq, text, e.o.Agent)
}

func (e *Engine) editScheduled(ctx context.Context, seq uint64, text string, by social.Actor) (store.OutboxEntry, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.OutboxEntry{}, errors.New("a scheduled message cannot be empty (cancel it instead)")
	}
	return e.changeScheduled(ctx, seq, by, func(x *store.OutboxEntry) error {
		if a, ok := e.Account(x.Reply.Network, x.Reply.Account); ok && a.Limit != nil {
			if n, max := a.Limit.Count(text, x.Reply.Direct); max > 0 && n > max {
				return fmt.Errorf("message is %d characters, %s allows %d", n, x.Reply.Network, max)
			}
		}
		if text != x.Reply.Text {
			x.Reply.Text = text
			x.Reply.By = by
			x.Reply.Key = newID()
			if a, ok := e.Account(x.Reply.Network, x.Reply.Account); ok && a.NewKey != nil {
				x.Reply.Key = a.NewKey(e.now())
			}
		}
		return nil
	})
}

// SetSendAnyway says whether a scheduled message goes out even if the
// conversation was answered or the customer wrote again meanwhile.
func (e *Engine) SetSendAnyway(ctx context.Context, seq uint64, anyway bool) (store.OutboxEntry, error) {
	return e.setSendAnyway(ctx, seq, anyway, e.o.Agent)
}

func (e *Engine) setSendAnyway(ctx context.Context, seq uint64, anyway bool, by social.Actor) (store.OutboxEntry, error) {
	return e.changeScheduled(ctx, seq, by, func(x *store.OutboxEntry) error {
		x.SendAnyway = anyway
		return nil
	})
}

// Scheduled lists the scheduled messages, soonest first.
func (e *Engine) Scheduled(ctx context.Context) ([]store.OutboxEntry, error) {
	out, err := e.st.Outbox(ctx, func(x store.OutboxEntry) bool { return x.State == store.OutScheduled })
	sortBySendAt(out)
	return out, err
}

func sortBySendAt(es []store.OutboxEntry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].SendAt.Before(es[j-1].SendAt); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// Reschedule moves a scheduled message, as this operator.
func (o *Operator) Reschedule(ctx context.Context, seq uint64, at time.Time) (store.OutboxEntry, error) {
	return asEntry(ctx, o, seq, func() (store.OutboxEntry, error) { return o.e.reschedule(ctx, seq, at, o.actor) })
}

// EditScheduled changes a scheduled message's text, as this operator.
func (o *Operator) EditScheduled(ctx context.Context, seq uint64, text string) (store.OutboxEntry, error) {
	return asEntry(ctx, o, seq, func() (store.OutboxEntry, error) { return o.e.editScheduled(ctx, seq, text, o.actor) })
}

// SetSendAnyway changes a scheduled message's "send anyway", as this
// operator.
func (o *Operator) SetSendAnyway(ctx context.Context, seq uint64, anyway bool) (store.OutboxEntry, error) {
	return asEntry(ctx, o, seq, func() (store.OutboxEntry, error) { return o.e.setSendAnyway(ctx, seq, anyway, o.actor) })
}
