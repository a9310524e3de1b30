// Package triage answers the operator's question "what do I answer next, and
// why?". It owns:
//
//   - language detection (DetectLang, Lang) for en, es, fr, de, pl, hu and et,
//     plus script-based guesses for a few non-Latin languages;
//   - lexicon-based sentiment, compliment and urgency detection per language,
//     with negation, intensifiers, emoji and accent-tolerant stem matching;
//     the lexicons are embedded text files under lexicon/, extendable per
//     brand (Rules.Urgent);
//   - the priority score with human-readable reasons (Triager.Score);
//   - business-hours arithmetic and SLA state (Calendar, SLA, Countdown).
//
// It depends only on the standard library, social, hours (the business-hours
// syntax), langtag (language tags) and golang.org/x/text.
// It must not import config, store, engine, feeds or tui: the caller maps its
// configuration onto Rules and NewCalendar. Everything here is pure
// computation on immutable values, safe for concurrent use, and never reads
// the clock: callers pass "now" in.
package triage
