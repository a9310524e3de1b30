// Package query parses hark's search syntax and matches conversations:
//
//	words  "a phrase"  brand:NAME  net:mastodon  from:handle-or-name-part
//	tag:NAME  lang:es  is:new|open|pending|snoozed|resolved|breached|vip|dm|draft
//	sentiment:neg|pos|neutral  before:2026-11-20  after:2026-11-01
//
// Values with spaces are quoted: brand:"Petal & Stem". A term can be
// negated with a leading '-'. Search answers a query from the store's
// full-text index (store.Searcher: words folded by package fold, a word
// matching the words it starts, dates whole local days, both included),
// in queue order; Scan is the same search by reading every conversation
// (a store without an index, or one being rebuilt). It depends on social,
// store and fold only.
//
// It must not import engine, tui or any feed.
package query
