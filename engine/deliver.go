package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

func (e *Engine) deliverLoop(ctx context.Context) {
	for {
		next := e.Deliver(ctx)
		wait := time.Minute
		if !next.IsZero() {
			wait = max(next.Sub(e.now()), 50*time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-e.kick:
			t.Stop()
		}
	}
}

// Deliver sends every outbox entry that is due, one at a time, and returns
// when the next pending entry is due (zero if none). One Deliver runs at a
// time in a process (a second waits for the first, or for its ctx): the
// engine's loop and a command it runs for another process (hark reply
// while hark runs) may both call it, and a second pass beside the first
// found its entry "sending" and sent it again.
//
// Exactly-once: an entry is marked "sending" and committed before the
// network call. An entry found in "sending" (hark died mid-send) or marked
// uncertain (a timeout) is first checked with the network's Confirmer, so a
// retry never posts twice; the idempotency key stays the same across tries.
func (e *Engine) Deliver(ctx context.Context) time.Time {
	select {
	case e.delivery <- struct{}{}:
		defer func() { <-e.delivery }()
	case <-ctx.Done():
		return time.Time{}
	}
	if e.coord != nil {
		return e.coord.deliver(ctx)
	}
	var next time.Time
	entries, err := store.OpenOutbox(ctx, e.st, func(x store.OutboxEntry) bool {
		return x.State == store.OutQueued || x.State == store.OutSending || x.State == store.OutScheduled
	})
	if err != nil {
		e.log.Error("reading outbox", "err", err)
		return e.now().Add(time.Minute)
	}
	for _, ent := range entries {
		if ctx.Err() != nil {
			return next
		}
		now := e.now()
		if ent.State == store.OutScheduled {
			if ent.SendAt.After(now) {
				if next.IsZero() || ent.SendAt.Before(next) {
					next = ent.SendAt
				}
				continue
			}
			var ok bool
			if ent, ok = e.releaseDue(ent); !ok {
				continue
			}
		}
		if ent.State == store.OutQueued && ent.NextAttempt.After(now) {
			if next.IsZero() || ent.NextAttempt.Before(next) {
				next = ent.NextAttempt
			}
			continue
		}
		if t := e.deliverOne(ctx, ent, ""); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// deliverOne tries one entry; it returns when to try again (zero = done).
// owner is the process's claim on it (several processes on one store):
// every result is then recorded only while the claim holds.
func (e *Engine) deliverOne(ctx context.Context, ent store.OutboxEntry, owner string) time.Time {
	r := ent.Reply
	acct, ok := e.Account(r.Network, r.Account)
	if !ok || acct.Sender == nil {
		e.fail(ent.Seq, owner, fmt.Sprintf("no account configured to send on %s/%s", r.Network, r.Account))
		return time.Time{}
	}
	// Posts already recorded as other entries' replies are not this one's
	// (the same text sent twice to one post): a Confirmer matching by text
	// passes over them, among every match it finds.
	seq := ent.Seq
	claimed := func(remoteID string) bool {
		taken, err := e.st.SentAs(ctx, remoteID, seq)
		return taken || err != nil
	}
	r.Claimed = claimed
	// A send that may have happened: ask the network first. (A claimed
	// entry is "sending" by the claim itself: only Uncertain counts.)
	if (owner == "" && ent.State == store.OutSending) || ent.Uncertain {
		if cf, ok := acct.Sender.(social.Confirmer); ok {
			cctx, cancel := context.WithTimeout(ctx, e.o.SendTimeout)
			var sent social.Sent
			var found bool
			err := e.guard("check of a send", func() (err error) { sent, found, err = cf.Confirm(cctx, r); return err })
			cancel()
			if err != nil {
				e.log.Warn("confirming an uncertain send failed", "outbox", ent.Seq, "err", err)
				// still unknown whether it went out: stay uncertain,
				// whatever kind of error the check met (a 429 too)
				return e.retryLater(ent, owner, err, true)
			}
			if found {
				if taken, _ := e.st.SentAs(ctx, sent.RemoteID, ent.Seq); taken {
					// that post is another entry's (same text): this one
					// did not go out
					found = false
				}
			}
			if found {
				e.log.Info("uncertain send had reached the network", "outbox", ent.Seq, "remote", sent.RemoteID)
				e.markSent(ent, owner, acct, sent)
				return time.Time{}
			}
		}
	}
	// (a claim read the entry under its lock and counted the attempt)
	if owner == "" {
		// Re-read under the write lock: the operator may have discarded or
		// edited the entry since the list was read.
		var err error
		ent, err = e.st.UpdateOutbox(ctx, ent.Seq, func(x *store.OutboxEntry) error {
			if x.State != store.OutQueued && x.State != store.OutSending {
				return errNotDue
			}
			if x.State == store.OutQueued && x.NextAttempt.After(e.now()) {
				return errNotYet // held (undo-send window) since the list was read
			}
			x.State = store.OutSending
			x.Attempts++
			return nil
		})
		if errors.Is(err, errNotDue) {
			return time.Time{}
		}
		if errors.Is(err, errNotYet) {
			return ent.NextAttempt
		}
		if err != nil {
			e.log.Error("marking outbox entry sending", "outbox", ent.Seq, "err", err)
			return e.now().Add(time.Minute)
		}
	}
	r = ent.Reply // the text as it is now
	if len(ent.Reply.Attachments) > 0 {
		// images first, each upload recorded as it succeeds (media.go)
		var err error
		if ent, err = e.uploadAll(ctx, ent, acct, owner); err != nil {
			if errors.Is(err, store.ErrFenced) {
				// another process took the entry over while this one
				// uploaded: it uploads and sends; nothing is recorded here
				e.log.Warn("lease lost during upload: the new owner sends it", "outbox", ent.Seq, "err", err)
				return time.Time{}
			}
			return e.retryLater(ent, owner, err, false)
		}
		r = ent.Reply
	}
	r.Claimed = claimed
	sctx, cancel := context.WithTimeout(ctx, e.o.SendTimeout)
	var sent social.Sent
	err := e.guard("send", func() (err error) { sent, err = acct.Sender.Send(sctx, r); return err })
	cancel()
	if err != nil {
		next := e.retryLater(ent, owner, err, false)
		if social.Gone(err) && r.To.RemoteID != "" {
			e.postGone(r.To.Key())
		}
		return next
	}
	e.markSent(ent, owner, acct, sent)
	return time.Time{}
}

// updateOutbox is UpdateOutbox, fenced by the claim when owner is set.
func (e *Engine) updateOutbox(ctx context.Context, seq uint64, owner string, fn func(*store.OutboxEntry) error) (store.OutboxEntry, error) {
	if owner == "" {
		return e.st.UpdateOutbox(ctx, seq, fn)
	}
	return e.coord.c.UpdateOutboxOwned(ctx, seq, owner, fn)
}

var (
	errNotDue = errors.New("outbox entry no longer due")
	errNotYet = errors.New("outbox entry not due yet")
)

func (e *Engine) markSent(ent store.OutboxEntry, owner string, acct *Account, sent social.Sent) {
	r := ent.Reply
	now := e.now()
	self := acct.Self
	if self.Handle == "" {
		self = social.Author{Handle: acct.Brand, DisplayName: acct.Brand}
	}
	own := social.Post{
		Network: r.Network, Account: r.Account, Brand: acct.Brand, RemoteID: sent.RemoteID, URL: sent.URL,
		Author: self, Text: r.Text, CreatedAt: now, Kind: social.KindOwn, Direct: r.Direct,
		ReplyTo: r.To.RemoteID, ThreadRoot: r.To.ThreadRoot,
		Meta:  map[string]string{"to_handle": r.To.Author.Handle, "outbox": fmt.Sprint(ent.Seq)},
		Media: attachedMedia(r.Attachments),
	}
	if own.ThreadRoot == "" && !r.Direct {
		own.ThreadRoot = r.To.RemoteID
	}
	if own.RemoteID == "" {
		own.RemoteID = "outbox-" + r.ID
	}
	var conv social.Conversation
	var err error
	var rec store.OutboxEntry
	if owner != "" {
		rec, conv, err = e.coord.c.MarkSentOwned(context.Background(), ent.Seq, owner, sent, own, e.o.Triage, now)
	} else {
		rec, conv, err = e.st.MarkSent(context.Background(), ent.Seq, sent, own, e.o.Triage, now)
	}
	if err == nil {
		ent = rec
	}
	if errors.Is(err, store.ErrFenced) {
		// another process took the entry over: it confirms with the
		// network and finds this post, so nothing is sent twice
		e.log.Warn("lease lost after send: the new owner confirms it", "outbox", ent.Seq, "remote", sent.RemoteID)
		return
	}
	if err != nil {
		// The post is out but not recorded: leave it "sending" so the next
		// round confirms it instead of posting again.
		e.log.Error("recording a sent reply", "outbox", ent.Seq, "err", err)
		return
	}
	e.statusSent(ent, acct, sent)
	e.log.Info("reply sent", "outbox", ent.Seq, "conv", r.ConvID, "remote", sent.RemoteID)
	e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{conv.ID}})
}

// retryLater records a failed attempt and schedules the next one.
// unconfirmed says a previous attempt may have reached the network and the
// check for it failed: the entry must stay uncertain so the next attempt
// (or an operator's Retry) confirms before it sends.
func (e *Engine) retryLater(ent store.OutboxEntry, owner string, err error, unconfirmed bool) time.Time {
	kind := social.KindOf(err)
	now := e.now()
	var next time.Time
	permanent := kind == social.Permanent || kind == social.Auth || ent.Attempts >= e.o.MaxAttempts
	switch {
	case permanent:
	case kind == social.RateLimited:
		next, _ = social.RetryAt(err)
		if !next.After(now) {
			next = now.Add(backoff(ent.Attempts, 10*time.Second))
		}
	default:
		next = now.Add(backoff(ent.Attempts, 10*time.Second))
	}
	msg := err.Error()
	if permanent && kind != social.Permanent && kind != social.Auth {
		msg = fmt.Sprintf("gave up after %d attempts: %s", ent.Attempts, msg)
	}
	ent2, uerr := e.updateOutbox(context.Background(), ent.Seq, owner, func(x *store.OutboxEntry) error {
		x.LastError = msg
		x.FailKind = kind.String()
		x.Uncertain = x.Uncertain || unconfirmed
		if permanent {
			x.State = store.OutFailed
			return nil
		}
		x.State = store.OutQueued
		x.NextAttempt = next
		// A transient failure (timeout, reset, 5xx) may have reached the
		// network; a rate-limit refusal of the send itself did not.
		x.Uncertain = x.Uncertain || kind == social.Transient
		return nil
	})
	if uerr != nil {
		e.log.Error("recording a failed send", "outbox", ent.Seq, "err", uerr)
		return now.Add(time.Minute)
	}
	if permanent {
		e.log.Warn("send failed for good (in the outbox to retry or edit)", "outbox", ent.Seq, "kind", kind.String(), "err", msg)
	} else {
		e.log.Warn("send failed", "outbox", ent.Seq, "kind", kind.String(), "err", err, "next", next)
	}
	e.publish(Event{Kind: EvDelivery, Outbox: &ent2, ConvIDs: []string{ent.Reply.ConvID}})
	return next
}

func (e *Engine) fail(seq uint64, owner, msg string) {
	ent, err := e.updateOutbox(context.Background(), seq, owner, func(x *store.OutboxEntry) error {
		x.State = store.OutFailed
		x.LastError = msg
		return nil
	})
	if err == nil {
		e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{ent.Reply.ConvID}})
	}
}

// requeueAuthFailed queues again the failed replies of an account whose
// last attempt failed on its credentials: the account has just
// authenticated (a poll of one of its feeds succeeded), so the operator
// fixed the token and the replies can go out without a manual retry.
func (e *Engine) requeueAuthFailed(n social.Network, account string) int {
	authKind := social.Auth.String()
	failed, err := e.st.Outbox(context.Background(), func(x store.OutboxEntry) bool {
		return x.State == store.OutFailed && x.FailKind == authKind &&
			x.Reply.Network == n && x.Reply.Account == account
	})
	if err != nil || len(failed) == 0 {
		return 0
	}
	now := e.now()
	requeued := 0
	for _, f := range failed {
		ent, err := e.st.UpdateOutbox(context.Background(), f.Seq, func(x *store.OutboxEntry) error {
			if x.State != store.OutFailed || x.FailKind != authKind {
				return errNotDue
			}
			x.State = store.OutQueued
			x.NextAttempt = now
			x.FailKind = ""
			x.LastError = "the account authenticates again: retrying (" + x.LastError + ")"
			return nil
		})
		if err != nil {
			continue
		}
		requeued++
		e.log.Info("requeued a reply that failed on credentials", "outbox", ent.Seq, "account", account)
		e.publish(Event{Kind: EvDelivery, Outbox: &ent, ConvIDs: []string{ent.Reply.ConvID}})
	}
	if requeued > 0 {
		e.Kick()
	}
	return requeued
}
