// Package canned owns canned responses: plain-text files with a small front
// matter (title, tags, brand, lang, shortcut, and ask: the variables the
// operator must fill in before a send) kept in a folder under git,
// the starter set embedded in hark, the picker's ranking (fuzzy search with
// the post's brand and language first) and template rendering of a response
// body or a brand signature with the customer's and agent's values.
//
// Rendering is strict: an unknown variable is an error naming it, never
// "<no value>", so a broken answer cannot be sent. Templates are limited to
// variables, if/else/with and a few pure functions (no loops, no nested
// templates, no printf).
//
// It depends on the standard library, sahilm/fuzzy, langtag (language
// tags) and textsafe (Outgoing: the customer's name and handle are cleaned
// before they go into a reply) only; it must not import store, engine, tui
// or feeds.
package canned
