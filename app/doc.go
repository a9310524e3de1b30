// Package app wires hark together from a config: it opens the store and the
// log (the store through store/stores: a bbolt file or a postgres:// URL),
// resolves secrets, builds each network adapter, the triage rules and
// the engine. main.go's commands are thin layers over it. Run is the one
// place the engine and a UI (hark's TUI, hark serve's SSH server) run
// together: the engine first, stopped after the UI however it ends, before
// the store is closed. Operator is the engine as the config's agent. It
// holds no globals, so tests and several TUIs can each build their own.
//
// It may import canned, config, engine, the network adapters (feeds/…),
// social, stats, store, store/stores, termimg, textsafe, triage and when
// (a send time typed for hark reply --at), and tui only for what the TUI
// is handed (TUIDeps); it must not import cli, serve, team, ipc or the
// test packages.
package app
