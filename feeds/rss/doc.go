// Package rss listens to RSS 2.0, Atom and JSON Feed URLs (Google Alerts,
// Reddit search, Mastodon tag feeds, blog comment feeds) and maps their
// entries to read-only social.Post values. It owns the conditional GET
// (ETag / Last-Modified) and entry de-duplication across polls (kept in
// the cursor); gofeed only parses, htmltext turns entry bodies into text.
//
// It imports social, htmltext, langtag and feeds/web; it must not import
// config, store, engine or tui.
package rss
