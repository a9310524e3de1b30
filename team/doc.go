// Package team is the team layer of one `hark serve` process: who is
// online (sessions, the brand each is on), who is working on which
// conversation (claims, so two operators never answer one customer at
// once), and an event fan-out so every session learns of a change at once.
//
// Everything here is in memory and dies with the process: a restart starts
// with no claims. What operators did is persisted by the engine (the
// outbox and each conversation's activity trail), not here.
//
// It may import social and engine; it must not import serve, tui, app or
// store internals.
package team
