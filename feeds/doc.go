// Package feeds groups hark's network adapters. Each subpackage (mastodon,
// bluesky, x, rss, demo) implements social.Source and, where the network
// allows replies, social.Sender. feeds/web holds the HTTP plumbing they share.
//
// Adapters know their network's wire format and nothing else: they must not
// import store, engine or tui.
package feeds
