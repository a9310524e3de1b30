// Package pg is hark's PostgreSQL store: the store.Store interface on a
// database many hark processes can share. It keeps bbolt's semantics by
// running the same rules (store.Tx) over a transaction that reads what a
// batch needs in one or two round trips and writes it in one pipelined
// batch; documents are bbolt's JSON bytes in bytea, the queue index is
// bbolt's sort key in bytea. Migrations are embedded plain SQL applied in
// one transaction under an advisory lock (a migration may have a Go
// backfill run in that transaction: backfills in pg.go).
//
// It keeps the stats report's running totals (totals.go: bbolt's keys and
// binary cells in stat_totals, moved in the transactions that change
// conversations, with day and hour sums a report reads: StatSums) and the
// search index (search.go: one narrow conv_search row per conversation
// with one tsvector of its posts' words; a search's or a view's refs come
// back as one row of two values the server folds them into: foldedRefs),
// and implements store.StatsReader and store.Searcher.
//
// It is also the store.Coordinator of processes sharing the database
// (coord.go, notify.go): leases with their expiry on the database clock,
// fenced poll batches (lease and cursor version checked in the batch's
// transaction), the process registry, outbox claims, and a NOTIFY in every
// write's own transaction with one listening connection per process.
//
// It knows pgx, store, social, stats (the running totals' cells) and fold
// (the search index's words); it must not import engine, tui or feeds.
package pg
