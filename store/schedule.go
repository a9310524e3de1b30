package store

import (
	"time"

	"github.com/hark-tui/hark/social"
)

// Scheduled outbox states: a message written now to go out later waits in
// OutScheduled until its SendAt, then becomes OutQueued (and goes the way
// of every reply) or OutCancelled (the conversation moved on meanwhile).
// EnqueueScheduled writes one; ReleaseScheduled decides its fate, in one
// transaction, so that only one process releases it.
const (
	OutScheduled OutboxState = "scheduled"
	OutCancelled OutboxState = "cancelled"
)

// Scheduled says whether the entry waits for its time.
func (e OutboxEntry) Scheduled() bool { return e.State == OutScheduled }

// Decide is the rule a due scheduled entry meets: it gets the entry and its
// conversation (ok false: none) and returns "" to let it go or the reason
// to cancel it. It must not block and must not do I/O.
type Decide func(e OutboxEntry, c social.Conversation, ok bool) string

// scheduledEntry is a new scheduled entry.
func scheduledEntry(seq uint64, r social.Reply, resolve bool, at time.Time, anyway bool, now time.Time) OutboxEntry {
	return OutboxEntry{Seq: seq, Reply: r, State: OutScheduled, NextAttempt: at, QueuedAt: now, Resolve: resolve,
		SendAt: at, SendAnyway: anyway}
}

// NewScheduledEntry is scheduledEntry for other backends.
func NewScheduledEntry(seq uint64, r social.Reply, resolve bool, at time.Time, anyway bool, now time.Time) OutboxEntry {
	return scheduledEntry(seq, r, resolve, at, anyway, now)
}

// Release applies decide to a due scheduled entry: released (queued, due
// now), or cancelled with decide's reason. changed is false when the entry
// is not a due scheduled one (cancelled, sent or moved meanwhile).
func Release(e *OutboxEntry, c social.Conversation, ok bool, now time.Time, decide Decide) (released, changed bool) {
	if e.State != OutScheduled || e.SendAt.After(now) {
		return false, false
	}
	if reason := decide(*e, c, ok); reason != "" {
		e.State = OutCancelled
		e.LastError = reason
		return false, true
	}
	e.State = OutQueued
	e.NextAttempt = now
	return true, true
}
