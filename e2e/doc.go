// Package e2e holds hark's end-to-end tests: the real command tree, app
// wiring, engine, store, TUI and network adapters against the loopback
// fakes of internal/fakenet (one account on each network). It has no code
// of its own besides the tests, and nothing may import it.
package e2e
