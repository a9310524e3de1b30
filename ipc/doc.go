// Package ipc lets hark's reading commands (doctor, queue, search, stats,
// export, statuses, outbox) and its writing ones (reply, post, a state
// change) work while another hark process holds the bbolt store, which
// lets no second process in: the process that holds it (`hark`, `hark
// serve`, `hark poll`) listens on a unix socket and runs the command
// against its open store, and the command streams the answer back.
//
// The socket is 0600 in a folder that is 0700 and owned by the user, under
// hark's state directory, and the server also checks the peer's uid
// (SO_PEERCRED where the system has it): only the same user gets in.
//
// It knows no other hark package: what a request does is the caller's
// Handler. It must not import app, cli, store or tui.
package ipc
