// Package mastodon is hark's adapter for Mastodon and compatible servers
// (GoToSocial, Pleroma/Akkoma): a small typed client over net/http (through
// feeds/web) that polls mentions and private mentions, listens to a hashtag
// or a full-text search, fetches threads, sends public and direct replies
// with an Idempotency-Key, confirms uncertain sends, verifies credentials,
// reports rate-limit headers and counts text the way Mastodon does.
// Status HTML becomes the plain text kept in social.Post through htmltext.
//
// It may import social, attach, htmltext and feeds/web only; it must not
// import store, engine, tui or any other hark package.
package mastodon
