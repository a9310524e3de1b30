package store

import (
	"context"
	"errors"
	"time"

	"github.com/hark-tui/hark/social"
)

// Coordinator is what a backend shared by several hark processes adds to
// Store: leases whose expiry is kept on the database's clock (never a
// process clock), fenced writes that a process which lost its lease cannot
// commit, and the process registry. The PostgreSQL backend implements it;
// bbolt does not (one process owns the file and is always its own leader),
// so callers check with a type assertion and, without one, behave as a
// single process does.
type Coordinator interface {
	// Lease takes the named lease for owner, or renews it when owner holds
	// it, until ttl from now on the database clock. ok is false while
	// another owner holds an unexpired lease. The epoch grows each time the
	// lease changes hands. Another owner's lease is taken over only once
	// it has been expired for grace (0: at once): a process that is not
	// the preferred owner of a job leaves it to the one that is.
	Lease(ctx context.Context, name, owner string, ttl, grace time.Duration) (l Lease, ok bool, err error)
	// ReleaseLease gives a lease up at once (only if owner holds it).
	ReleaseLease(ctx context.Context, name, owner string) error
	// FeedCursor returns a feed's cursor and its version, the fence a
	// FencedIngest checks.
	FeedCursor(ctx context.Context, feedID string) (cursor string, version int64, err error)
	// FencedIngest is Ingest that commits only if, inside its transaction,
	// the fence's lease is still held by its owner at its epoch and
	// unexpired, and the cursor is still at the version the poller read.
	// Otherwise nothing of the batch is written and the error wraps
	// ErrFenced.
	FencedIngest(ctx context.Context, f Fence, cursor string, posts []social.Post, tri Triage, now time.Time) (IngestResult, error)
	// Heartbeat registers or refreshes the process in the registry and
	// returns the processes alive now (their heartbeats younger than
	// ttl), this one included, in a stable order.
	Heartbeat(ctx context.Context, p Process, ttl time.Duration) ([]Process, error)
	// Leave removes the process from the registry and gives up its leases.
	Leave(ctx context.Context, id string) error
	// Leases lists the unexpired leases whose name starts with prefix.
	Leases(ctx context.Context, prefix string) ([]Lease, error)

	// ClaimOutbox claims one outbox entry for owner, skipping entries
	// other senders hold: a queued entry due at now, or a "sending" entry
	// whose sender's lease expired (on the database clock), which is
	// taken over as uncertain (confirm with the network before any
	// resend). The entry comes back "sending" with the attempt counted,
	// leased to owner for lease: it is committed before any network call.
	// ok is false when nothing is due.
	ClaimOutbox(ctx context.Context, owner string, lease time.Duration, now time.Time) (e OutboxEntry, ok bool, err error)
	// UpdateOutboxOwned is UpdateOutbox fenced by the claim: it changes the
	// entry only while owner holds it ("sending", leased to owner);
	// otherwise nothing is written and the error wraps ErrFenced. An entry
	// leaving "sending" is no longer leased.
	UpdateOutboxOwned(ctx context.Context, seq uint64, owner string, fn func(*OutboxEntry) error) (OutboxEntry, error)
	// MarkSentOwned is MarkSent fenced by the claim (ErrFenced otherwise:
	// a sender that lost its lease records nothing, and the new owner
	// confirms through the network).
	MarkSentOwned(ctx context.Context, seq uint64, owner string, sent social.Sent, own social.Post, tri Triage, now time.Time) (OutboxEntry, social.Conversation, error)
	// NextOutboxDue is the earliest next attempt of a queued entry (zero
	// if none).
	NextOutboxDue(ctx context.Context) (time.Time, error)

	// SetOrigin names this process in the change notices of its writes.
	SetOrigin(id string)
	// Listen announces every change any process commits (a NOTIFY sent in
	// the change's own transaction) until ctx ends. up(false) says the
	// listening connection dropped; up(true), after a reconnect, that
	// notices may have been missed: reload everything.
	Listen(ctx context.Context, fn func(Change), up func(bool)) error
}

// Change is a committed change as another process hears of it.
type Change struct {
	Origin string   // the process that made it
	Convs  []string // conversations changed
	Outbox []int64  // outbox entries changed (queued, claimed, sent …)
	Resync bool     // too big to list (or unreadable): reload everything
	// Team changes (claims, presence: TeamBoard), in commit order. A
	// process also hears its own, so every process applies them in the
	// same order.
	Team []TeamChange
}

// Lease is a named, expiring right to do one job (poll a feed, keep the
// clock), held by one process.
type Lease struct {
	Name  string
	Owner string
	Epoch int64
	// Until is the expiry on the database clock (informational: compare
	// only with the database's own now()).
	Until time.Time
}

// Fence is what a fenced write checks in its own transaction.
type Fence struct {
	Feed          string
	Lease         Lease // name, owner and epoch must still hold, unexpired
	CursorVersion int64 // the version FeedCursor returned
}

// Process is one hark process in the registry.
type Process struct {
	ID   string
	Host string
	PID  int
	Kind string // "tui", "serve", "engine", …
}

// ErrFenced is returned by a fenced write whose lease was lost or whose
// cursor moved: the process is no longer the one allowed to write, and
// nothing was written.
var ErrFenced = errors.New("fenced: lease lost or cursor moved; nothing written")

// LeaseFeed is the lease name of a feed's poller.
func LeaseFeed(feedID string) string { return "feed:" + feedID }

// LeaseClock is the lease name of the snooze and SLA clock.
const LeaseClock = "clock"
