// Package x is hark's adapter for X (API v2), signed with OAuth 1.0a user
// context (static consumer key/secret and access token/secret). It owns the
// wire format of the endpoints hark uses — mentions, recent search, post
// lookup, posting replies, direct messages, the user's own timeline and DM
// events for delivery checks — their mapping to social.Post, X's rate-limit
// headers and error bodies, the plan-friendly poll pacing, and twitter-text's
// weighted character count.
//
// It implements social.Source (mentions; Search for keyword listening),
// social.ThreadFetcher, social.Sender, social.Confirmer, social.Verifier,
// social.RateReporter and social.Limiter. It must not import store, engine,
// tui or any hark package other than social, attach and feeds/web.
package x
