// Package rss listens to RSS 2.0, Atom and JSON Feed URLs (Google Alerts,
// Reddit search, Mastodon tag feeds, blog comment feeds) and maps their
// entries to read-only social.Post values. It owns the conditional GET
// (ETag / Last-Modified), entry de-duplication across polls (kept in the
// cursor) and the HTML-to-text conversion of entry bodies; gofeed only parses.
//
// It imports social and feeds/web; it must not import config, store,
// engine or tui.
package rss
