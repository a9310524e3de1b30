// Package serve is `hark serve`: an SSH server (wish) that gives every
// operator who connects their own TUI on one shared engine and store, so
// two people can answer from one box while one process holds the bbolt
// writer lock.
//
// It owns the SSH side only: listening, the host key, public-key auth
// against an authorized_keys file (re-read on every connection), the
// per-session Bubble Tea program and a clean shutdown. A session that
// panics is logged to hark's log and ended; the others go on. The engine
// runs through app.Run, as under the local TUI. Business state
// changes go through the engine, as in the local TUI.
//
// It may import app, config, social, team and tui (the engine it reaches
// through app and team); nothing in hark may import serve except the cli. It never writes to stdout: connections and
// refusals go to the app's log.
package serve
