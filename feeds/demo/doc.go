// Package demo is hark's embedded demo feed: a scripted morning at a support
// desk for three brands (an airline, a florist and an energy utility), in six
// languages, that arrives over time from a start instant and answers back
// when the operator replies. It is the default source when no configuration
// exists and needs no network.
//
// It owns the script (demo.json) and the brands it is written for, and
// implements social.Source, social.Sender, social.Confirmer,
// social.ThreadFetcher, social.Verifier and social.Limiter. Every time it
// reports is derived from the start instant and the injected clock, so it is
// deterministic under test.
//
// Like every adapter it depends only on social, attach and the standard
// library (plus rivo/uniseg for counting); it must not import store, engine, triage or tui.
package demo
