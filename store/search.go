package store

import (
	"context"
	"errors"
	"time"

	"github.com/hark-tui/hark/stats"
)

// ClauseKind is what a search clause looks up in the index.
type ClauseKind int

// Clause kinds. Words are folded (package fold) by the caller.
const (
	// ClauseWord: a word starting with Words[0] in a post of the
	// conversation (its text, its author's name or handle) or in the
	// customer's contact notes or tags.
	ClauseWord ClauseKind = iota
	// ClausePhrase: Words, in this order and next to each other, in one
	// post (or in the notes).
	ClausePhrase
	// ClauseFrom: the customer's handle contains Value (folded, no @), or
	// a word of their name starts with it.
	ClauseFrom
	// ClauseTag: the customer's contact has the tag Value (folded).
	ClauseTag
	// ClauseLang: the conversation's language is Value.
	ClauseLang
	// ClauseSentiment: Value is "neg", "pos" or "neutral".
	ClauseSentiment
	// ClauseState: the conversation's state is Value (new, open, pending,
	// snoozed, resolved).
	ClauseState
	// ClauseAfter / ClauseBefore: the latest customer post is at or after
	// / before Time.
	ClauseAfter
	ClauseBefore
)

// SearchClause is one condition of a search; Not negates it.
type SearchClause struct {
	Kind  ClauseKind
	Words []string
	Value string
	Time  time.Time
	Not   bool
}

// IndexStatus says whether the full-text index is complete.
type IndexStatus struct {
	Complete bool
	Done     int // conversations indexed by the rebuild in progress
	Total    int
}

// Searcher is a store with a full-text index (both backends implement
// it). The index is derived data, written in the same transaction as the
// records it indexes.
type Searcher interface {
	// Search returns the refs of view v, in queue order, that pass keep
	// and every clause (keep as QueueRefs's: it may be called from
	// several goroutines at once). It fails with ErrIndexBehind while the index is
	// being rebuilt (the caller scans instead).
	Search(ctx context.Context, v View, clauses []SearchClause, keep func(Ref) bool) ([]Ref, error)
	// IndexStatus reports whether the index is complete.
	IndexStatus(ctx context.Context) (IndexStatus, error)
	// Reindex rebuilds the index from the records, in batches of
	// transactions (the store stays usable); progress is told how far it
	// got. A rebuild that stops half-way resumes from there.
	Reindex(ctx context.Context, fresh bool, progress func(done, total int)) error
}

// ErrIndexBehind is returned by Search while the index is incomplete.
var ErrIndexBehind = errIndexBehind{}

type errIndexBehind struct{}

func (errIndexBehind) Error() string {
	return "the search index is being built (hark store reindex): searching without it"
}

// StatsReader is a store that keeps the stats report's running totals
// (package stats) in the transactions that change conversations.
type StatsReader interface {
	// StatTotals calls cell (and op, if not nil) for the cells of the
	// hours from to to, inclusive (Unix hours, stats.HourOf); a cell is
	// valid during the call only (it is reused).
	StatTotals(ctx context.Context, from, to int64, cell func(*stats.Cell), op func(*stats.OpCell)) error
}

// ErrNoTotals: the store keeps no running totals (the caller recounts).
var ErrNoTotals = errors.New("no running totals")

// OutboxIndexer is a store whose outbox is indexed by state.
type OutboxIndexer interface {
	// OutboxOpen lists the entries not sent or discarded (queued,
	// sending, failed), oldest first, that pass keep: what is pending.
	OutboxOpen(ctx context.Context, keep func(OutboxEntry) bool) ([]OutboxEntry, error)
	// OutboxLog lists up to n entries older than before (0: from the
	// newest), newest first, that pass keep: the history, a page at a time.
	OutboxLog(ctx context.Context, before uint64, n int, keep func(OutboxEntry) bool) ([]OutboxEntry, error)
}

// ErrNoOutboxLog: the store keeps no indexed outbox history to page.
var ErrNoOutboxLog = errors.New("this store keeps no outbox log")

// SentLog lists up to n sent entries older than before (0: from the
// newest), newest first: the delivered replies and posts, a page at a
// time (the TUI's sent log, hark outbox --sent).
func SentLog(ctx context.Context, s Reader, before uint64, n int) ([]OutboxEntry, error) {
	x, ok := s.(OutboxIndexer)
	if !ok {
		return nil, ErrNoOutboxLog
	}
	return x.OutboxLog(ctx, before, n, func(e OutboxEntry) bool { return e.State == OutSent })
}

// OpenOutbox lists the open entries that pass keep: from the store's
// index when it has one, else by reading the whole outbox.
func OpenOutbox(ctx context.Context, s Reader, keep func(OutboxEntry) bool) ([]OutboxEntry, error) {
	if x, ok := s.(OutboxIndexer); ok {
		return x.OutboxOpen(ctx, keep)
	}
	return s.Outbox(ctx, func(e OutboxEntry) bool { return e.Open() && (keep == nil || keep(e)) })
}
