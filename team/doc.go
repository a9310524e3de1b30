// Package team is the team layer of hark: who is online (sessions, the
// brand each is on, the conversation each has open), who is working on
// which conversation (claims, so two operators never answer one customer
// at once), and an event fan-out so every session learns of a change at
// once.
//
// On bbolt (one process) everything here is in memory and dies with the
// process: a restart starts with no claims. On a store shared by several
// processes (a store.TeamBoard: PostgreSQL) sessions and claims live in the
// database (db.go): writes go there (a claim is atomic across processes),
// liveness is a heartbeat on the database's clock, and each registry keeps
// a copy of the whole team, current from the change notices the engine's
// listener turns into engine.EvTeam, which its reads are served from. What
// operators did is persisted by the engine (the outbox and each
// conversation's activity trail), not here.
//
// It may import social, store (its interfaces and types), engine and fanout
// (the event fan-out it shares with the engine); it must not import serve,
// tui, app or store internals (store/pg …).
package team
