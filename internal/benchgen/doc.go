// Package benchgen builds the realistic store every benchmark shares: a
// year of multi-post conversations in seven languages (en, es, fr, pl, hu,
// et, de) over three brands and three networks, repeat customers with
// accented names, contact notes and tags, and an outbox history of sent
// replies. The store is built through the same path a poll uses
// (engine.PollOnce → Store.Ingest, with triage scoring) and the outbox
// through Enqueue and MarkSent, like the delivery worker.
//
// A built store is cached between runs under $TMPDIR/hark-benchgen, keyed
// by the generator's Version and the size; each benchmark works on its own
// copy. Bump Version whenever the generated content changes.
//
// It imports engine, store, social and triage; nothing but tests and
// benchmarks import it.
package benchgen
