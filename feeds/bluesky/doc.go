// Package bluesky is hark's Bluesky (AT Protocol) adapter: a small typed
// XRPC client over feeds/web that logs in with an app password, polls
// mentions, replies and quotes (listNotifications), listens to keyword
// searches (searchPosts), fetches threads (getPostThread), and sends public
// replies (createRecord with a caller-chosen TID rkey, confirmed with
// getRecord) and direct messages (chat.bsky.convo via the PDS proxy).
//
// It owns the Bluesky wire format, session handling (JWTs in memory only)
// and the mapping to social types. It may import social, attach (the
// images of a reply), feeds/web and indigo's atproto/syntax (stdlib-only) — no other indigo package, and never
// store, engine or tui.
package bluesky
