package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
)

// Reader is the store read-only: what a screen or a report may do with
// it. The TUI holds a Reader (engine.Store), never a Store: every change
// of business state goes through the engine.
type Reader interface {
	// Cursor returns a feed's stored cursor ("" if none).
	Cursor(ctx context.Context, feedID string) (string, error)
	Conversation(ctx context.Context, id string) (social.Conversation, error)

	// Conversations reads several conversations (missing ids are skipped).
	Conversations(ctx context.Context, ids []string) ([]social.Conversation, error)
	ConvByRoot(ctx context.Context, root string) (social.Conversation, error)

	// Posts returns a conversation's posts, oldest first.
	Posts(ctx context.Context, convID string) ([]StoredPost, error)
	Post(ctx context.Context, key string) (StoredPost, error)

	// Queue calls fn for each entry of the view in order until it returns
	// false; fn must not block.
	Queue(ctx context.Context, v View, fn func(Ref) bool) error

	// QueueRefs returns the refs of a view that pass keep (nil = all).
	// keep is a predicate on the ref alone: a backend may call it from
	// several goroutines at once (PostgreSQL decodes a large result in
	// parts).
	QueueRefs(ctx context.Context, v View, keep func(Ref) bool) ([]Ref, error)

	// Top returns up to n conversations from the top of a view (none for
	// n <= 0).
	Top(ctx context.Context, v View, n int, keep func(Ref) bool) ([]social.Conversation, error)

	// Counts returns the number of conversations per state rank
	// (inbox, pending, snoozed, resolved), without counting rows.
	Counts(ctx context.Context) ([4]int, error)

	// ForEachConv calls fn for every conversation in id order until it
	// returns false.
	ForEachConv(ctx context.Context, fn func(social.Conversation) bool) error

	// ForEachConvSkipping is ForEachConv that goes on past a conversation
	// it cannot decode: it calls bad (if not nil) with the conversation's
	// id and the error, and the scan continues. With bad nil the first
	// such conversation ends the scan with its error (ForEachConv).
	ForEachConvSkipping(ctx context.Context, fn func(social.Conversation) bool, bad func(id string, err error)) error

	// ForEachPost calls fn for every stored post in key order until it
	// returns false (copy, checks).
	ForEachPost(ctx context.Context, fn func(StoredPost) bool) error

	// Outbox lists entries, oldest first, that pass keep (nil = all).
	Outbox(ctx context.Context, keep func(OutboxEntry) bool) ([]OutboxEntry, error)
	OutboxEntry(ctx context.Context, seq uint64) (OutboxEntry, error)

	// SentAs reports whether an entry other than seq was sent as remoteID.
	SentAs(ctx context.Context, remoteID string, seq uint64) (bool, error)
	Contact(ctx context.Context, n social.Network, handle string) (Contact, error)

	// ForEachContact calls fn for every contact until it returns false.
	ForEachContact(ctx context.Context, fn func(Contact) bool) error
	Draft(ctx context.Context, convID string) (string, error)

	// Drafts lists the conversations that have a saved draft, in id
	// order (the queue marks them).
	Drafts(ctx context.Context) ([]string, error)

	// CannedChoices returns every answer's choices by id.
	CannedChoices(ctx context.Context) (map[string]CannedChoice, error)
	FeedStatuses(ctx context.Context) ([]FeedStatus, error)

	// Backend names the backend ("bbolt" or "postgres").
	Backend() string

	// Path is where the store lives: a file, or a URL without password.
	Path() string
}

// Store is hark's database: bbolt (Open, the default, one process owns the
// file) or PostgreSQL (store/pg, many processes on one database). Both keep
// the same semantics, proved by one contract suite (store/storetest). Every
// method takes a context: on PostgreSQL it bounds the round trips; bbolt
// checks it before it starts.
//
// Callbacks (Triage, the fn of UpdateConv, UpdateDue, Rescore,
// UpdateOutbox, UpdateContact) run inside the write transaction: they must
// not block and must not do I/O. PostgreSQL may run them more than once
// (a transaction retried after a serialization failure), so they must only
// change what they are given.
type Store interface {
	Reader

	// Ingest stores a poll batch and the feed's next cursor in one
	// transaction: either both are written or neither is. Posts already
	// stored are skipped, so re-polling is a no-op. now stamps the posts.
	Ingest(ctx context.Context, feedID, cursor string, posts []social.Post, tri Triage, now time.Time) (IngestResult, error)

	// AttachThread stores thread context into a conversation without
	// touching its workflow state.
	AttachThread(ctx context.Context, convID string, posts []social.Post, now time.Time) (int, error)

	// RefreshThread stores a conversation's thread as fetched again:
	// new posts, edits, answers the brand gave outside hark, follow-ups
	// without the @mention (RefreshThreadTx). busy: a reply of this
	// conversation may be on its way (its brand post is not an outside
	// answer).
	RefreshThread(ctx context.Context, convID string, posts []social.Post, busy bool, tri Triage, now time.Time) (ThreadResult, error)

	// MarkDeleted records that a post's author deleted it; with nothing
	// else waiting its conversation leaves the inbox (out).
	MarkDeleted(ctx context.Context, key string, now time.Time) (conv social.Conversation, out bool, err error)

	// UpdateConv applies fn to a conversation and re-indexes it, in one
	// transaction; a VIP change is copied onto the contact.
	UpdateConv(ctx context.Context, id string, fn func(c *social.Conversation) error) (social.Conversation, error)

	// Rescore is UpdateConv for scoring: it never copies VIP back.
	Rescore(ctx context.Context, id string, fn func(c *social.Conversation)) (social.Conversation, error)

	// UpdateDue applies fn, in one transaction, to the conversations of a
	// view whose due time (inbox: SLA due; snoozed: wake time) is set and
	// before the given time: a range on the sort key, not a scan. It
	// returns the ids fn changed (fn returns false to leave one alone).
	UpdateDue(ctx context.Context, v View, before time.Time, fn func(c *social.Conversation) bool) ([]string, error)

	// Enqueue writes a reply to the outbox and clears the draft, in one
	// transaction. The same reply ID enqueued twice is stored once.
	Enqueue(ctx context.Context, r social.Reply, resolve bool, now time.Time) (OutboxEntry, error)
	// EnqueueSeen is Enqueue with the last check (seen.go) inside its
	// transaction: a reply whose screen had not seen a newer customer post
	// or another operator's reply is refused with *NewerError unless
	// seen.Anyway, which records it in the conversation's trail.
	EnqueueSeen(ctx context.Context, r social.Reply, resolve bool, seen Seen, now time.Time) (OutboxEntry, error)

	// UpdateOutbox changes an entry in its own committed transaction.
	UpdateOutbox(ctx context.Context, seq uint64, fn func(*OutboxEntry) error) (OutboxEntry, error)

	// MarkSent records a delivered reply, its post and the conversation's
	// new state, in one transaction.
	MarkSent(ctx context.Context, seq uint64, sent social.Sent, own social.Post, tri Triage, now time.Time) (OutboxEntry, social.Conversation, error)

	// EnqueueScheduled writes a reply that goes out at `at` (state
	// scheduled), like Enqueue; ReleaseScheduled decides, in one
	// transaction, whether a due one goes (queued) or is cancelled
	// (schedule.go).
	EnqueueScheduled(ctx context.Context, r social.Reply, resolve bool, at time.Time, anyway bool, now time.Time) (OutboxEntry, error)
	ReleaseScheduled(ctx context.Context, seq uint64, now time.Time, decide Decide) (OutboxEntry, bool, error)

	// UpdateContact edits a contact; a VIP change is copied onto its
	// conversations in the same transaction (their ids are returned).
	UpdateContact(ctx context.Context, n social.Network, handle string, fn func(*Contact)) (Contact, []string, error)

	// SaveDraft keeps the composer's text ("" deletes it).
	SaveDraft(ctx context.Context, convID, text string) error

	// RecordCannedChoice counts a choice of the canned answer id for a
	// post with these (already normalised) words.
	RecordCannedChoice(ctx context.Context, id string, words []string, now time.Time) error
	PutFeedStatus(ctx context.Context, st FeedStatus) error

	// Doctor checks the store and describes it, as a list of findings
	// (bbolt: page check, schema, counts recount; PostgreSQL: server,
	// schema, counts recount, session settings).
	Doctor(ctx context.Context) ([]Finding, error)
	Close() error
}

// Finding is one line of Doctor: a check that passed or failed, or a fact.
type Finding struct {
	Name   string // "pages", "schema", "counts", "server", …
	OK     bool
	Detail string
}

// ErrLocked is returned when another process holds the store.
var ErrLocked = errors.New("store is in use by another hark process")

// ErrNotFound is returned for unknown ids.
var ErrNotFound = errors.New("not found")

// ErrNewerSchema is returned when the store was written by a newer hark.
var ErrNewerSchema = errors.New("store was written by a newer hark")

// ErrUnavailable wraps errors of a database that cannot be reached (lost
// connection, timeout): the TUI says "database unreachable" and retries.
var ErrUnavailable = errors.New("database unreachable")

// NewerSchemaError is the wording both backends use for a store written by
// a newer hark.
// fix names the way out ("use --db for another store").
func NewerSchemaError(have, want int, fix string) error {
	return fmt.Errorf("schema %d, this hark reads up to %d: %w; upgrade hark, or %s", have, want, ErrNewerSchema, fix)
}

// Options tune Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for another process's lock (default 1.5 s).
	Timeout time.Duration
	// NoSync skips fsync (tests and benchmarks only: unsafe on crash).
	NoSync bool
	// Warn, if set, is told — before anything is written — when a store
	// opened for writing fails the page check (its b-tree walked from the
	// file, like bbolt's Check but without its panics): hark still
	// opens it (the operator's data is there), but the operator should
	// back it up first. Without Warn the check is skipped (bbolt only).
	Warn func(msg string)
}
