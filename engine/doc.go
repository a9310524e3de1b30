// Package engine owns hark's background work and every change of business
// state: it polls the feeds on their intervals with per-feed backoff, writes
// each batch with its cursor, delivers the outbox exactly once per reply,
// wakes snoozed conversations, applies the operator's actions (reply,
// resolve, snooze, reopen, contact edits), takes them back (Restore, and
// Unsend of a reply held in the outbox: undo.go) and fans events out to
// every subscribed TUI. It also releases scheduled messages when due, or
// cancels them when the conversation moved on (schedule.go), posts a
// brand's status posts and their follow-ups (status.go), and uploads the
// images of a reply once each before it is posted (media.go).
//
// It depends on social and store; it must not import tui, and it knows no
// network: adapters come in as social.Source / social.Sender values.
package engine
