// Package engine owns hark's background work and every change of business
// state: it polls the feeds on their intervals with per-feed backoff, writes
// each batch with its cursor, delivers the outbox exactly once per reply,
// wakes snoozed conversations, refreshes the threads of the conversations
// that wait (answers given outside hark, follow-ups without the @mention,
// edits, deletions), backfills what a first poll skipped, applies the
// operator's actions (reply, resolve, snooze, reopen, contact edits), takes
// them back (Restore, and Unsend of a reply held in the outbox: undo.go)
// and fans events out to every subscribed TUI. It also releases scheduled
// messages when due, or cancels them when the conversation moved on
// (schedule.go), posts a brand's status posts and their follow-ups
// (status.go), and uploads the images of a reply once each before it is
// posted (media.go).
//
// On a store shared by several processes (a store.Coordinator: PostgreSQL)
// it cooperates with the others (coord.go): it registers and heartbeats,
// polls a feed only under its lease and writes each batch behind a fence,
// keeps the clock only under the clock lease, claims outbox entries (FOR
// UPDATE SKIP LOCKED, a lease, results fenced by the claim), and turns the
// changes other processes commit into events (EvResync after its listening
// connection comes back; EvTeam carries the team's changes, its own
// included, to package team; EvListening says the listener is connected,
// first or again). On bbolt it is the only process, as before. In one
// process one Deliver runs at a time (the loop's, and a command's that a
// running hark answers for another: hark reply).
//
// Every call into an adapter (a poll, a send and its check, a thread
// fetch, an upload, a backfill page) is guarded: a panic there, on data
// the adapter did not expect, is that call's transient error, logged with
// its stack, and the process (an operator's TUI, a team's server) goes on.
//
// It depends on social, store and fanout (its event fan-out); it must not
// import tui, and it knows no network: adapters come in as social.Source /
// social.Sender values.
package engine
