// Package crashtest proves hark's crash-safety promises from the outside
// (issue 6). Its tests build the real hark binary, point it at fake servers
// on loopback — internal/fakenet's CrashMastodon, a GoToSocial-like
// Mastodon (no Idempotency-Key, random latency, answers held back after
// the post exists, new mentions trickling in while hark pages), and
// internal/fakenet's Bluesky and X for public replies and DMs behind its
// CrashLayer, with create calls whose answers are delayed, replaced by a
// 502 or cut after the post exists — and SIGKILL `hark poll` and
// `hark reply` at random points — mid-poll, mid-ingest, and between "the
// server created the reply" and "hark recorded it" — over many rounds. Then
// they check that the bbolt file passes bbolt's consistency check, that
// every mention the server served is stored exactly once, and that every
// reply accepted into the outbox reached the server exactly once.
//
// `make test` runs a bounded number of rounds; `make soak` sets
// HARK_CRASH_ROUNDS=200. HARK_CRASH_SEED fixes the random choices (the
// timing of kills stays real). The tests are skipped with -short.
//
// It also runs the binary on bad input (broken configs, failing token
// commands, corrupted, held and newer stores) and checks the exit status,
// the message and that nothing was changed.
//
// The package holds tests only. It reads hark's store through store.Open
// and must not import engine, app, cli or tui: hark under test is a
// separate process, driven only through its command line.
package crashtest
