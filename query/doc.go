// Package query parses hark's search syntax and matches conversations:
//
//	free text  brand:NAME  net:mastodon  from:handle-or-name-part  lang:es
//	is:new|open|pending|snoozed|resolved|breached|vip|dm
//	sentiment:neg|pos|neutral  before:2026-11-20  after:2026-11-01
//
// Values with spaces are quoted: brand:"Petal & Stem". A term can be
// negated with a leading '-'. It depends on social and store only.
//
// It must not import engine, tui or any feed.
package query
