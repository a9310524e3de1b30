// Package cli holds hark's cobra commands. Each is a thin layer over app:
// it loads the config, applies flags, opens what it needs and prints
// sanitized text (untrusted post text never reaches the terminal raw).
// The reading commands (doctor, queue, search, stats, export, statuses,
// outbox) and reply, resolve, reopen, pending, snooze, post, outbox
// retry|discard and poll --once ask a running hark that holds the store
// over its socket first (reads.go, package ipc): the running hark queues
// and delivers what they write.
//
// It may import app, attach, config, engine, ipc, query, serve, social,
// store (and store/stores, to open a store by name for `hark store copy`),
// team (hark on a shared store joins the team), textsafe, tui and when (the
// error of a time --at cannot take); it must not reach into feeds
// directly (app builds them).
package cli
