// Package faults holds no production code: its tests drive every network
// adapter (feeds/mastodon, feeds/bluesky, feeds/x, feeds/rss) against
// loopback fakes that misbehave the way real servers do — rate limits with
// each network's reset headers, auth and permission failures, 5xx and proxy
// HTML pages, connections cut mid-response, responses past the client
// timeout, malformed and oversized bodies, invalid UTF-8 and empty pages —
// and check that every failure comes back as a typed social error without a
// panic or a leaked secret, and that the engine keeps the feed cursor and
// backs off until the fault clears.
//
// Its tests may import any hark package; nothing may import it.
package faults
