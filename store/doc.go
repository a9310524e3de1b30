// Package store is hark's storage: the Store interface every other package
// uses, the rules every backend shares (rules.go: which conversation a post
// joins, reopening, response times, contacts, VIP copies, MarkSent) written
// against a small Tx, and the bbolt backend (Open; bolt*.go): posts keyed
// network/account/remoteID (so re-polling changes nothing), conversations
// with their queue index, feed cursors committed in the same transaction as
// their poll batch, the persistent outbox (its open entries indexed by
// state; scheduled entries: schedule.go; a brand's status posts are outbox
// entries too, indexed apart: status.go; the last check before a reply is queued, inside
// the enqueue's transaction: seen.go), contacts, drafts and the schema version, and
// derived data kept in the same transactions: the full-text index
// (bolt_fts.go, search.go: Searcher; a poll's postings wait a few polls,
// listed in its commit and held in memory: bolt_fts_pending.go) and the
// stats report's running totals (bolt_totals.go: StatsReader). A long
// list of refs (a view, a search matching most of the store) is decoded
// into a few shared chunks (refs.go: RefBuf), both backends. A poll
// batch reads and writes each conversation and contact once, a contact
// whose LastSeen alone moved keeps it beside its document, and a batch
// that changes nothing commits nothing (bolt_batch.go); the store gives the
// pages bbolt mapped back to the kernel as they pile up (bolt_mmap.go).
// store/pg is the PostgreSQL backend, store/stores opens either,
// store/storetest holds the contract suite both pass.
//
// Open checks a file against its bbolt header before bbolt maps it (a file
// cut short would crash the process on a page past its end) and, for
// writing, walks the b-tree from the file (header.go, pagecheck.go): a
// damaged store is refused or reported before anything is written.
//
// It knows bbolt, social, fold (the index's words) and stats (the running
// totals' cells), nothing else: it must not import feeds, triage, engine,
// tui or store/pg. Business rules (priority, SLA) come in as
// callbacks. Its documents are written by encoding/json and read back by
// go-json (codec.go: the same values, faster).
package store
