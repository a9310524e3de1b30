package rss

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"github.com/hark-tui/hark/htmltext"
	"github.com/hark-tui/hark/langtag"
	"github.com/hark-tui/hark/social"
)

// parse turns a 200 body into a feed.
//
// Failure kinds, chosen so the engine neither gives up on a flaky feed nor
// hammers a wrong URL:
//   - empty body, an HTML page (bot check, login wall, maintenance page) or a
//     feed that breaks off part-way (truncated, malformed XML): Transient;
//     these are what a working feed URL sends on a bad day.
//   - a well-formed body that is no feed at all (JSON that is not JSON Feed,
//     plain text): Permanent; the URL is wrong and retrying won't fix it.
func parse(body []byte, contentType string) (feed *gofeed.Feed, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &social.Error{Kind: social.Transient, Status: 200, Msg: "empty response instead of a feed"}
	}
	body = fixUTF8(body)
	defer func() {
		// gofeed is third-party code fed untrusted bytes: a panic in it must
		// not take the engine down.
		if r := recover(); r != nil {
			feed, err = nil, &social.Error{Kind: social.Transient, Status: 200, Msg: fmt.Sprintf("feed parser failed: %v", r)}
		}
	}()
	feed, err = gofeed.NewParser().Parse(bytes.NewReader(body))
	switch {
	case err == nil:
		return feed, nil
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected) && looksLikeHTML(contentType, body):
		return nil, &social.Error{Kind: social.Transient, Status: 200,
			Msg: "got an HTML page instead of a feed (a bot check, login wall or error page)", Err: err}
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		return nil, &social.Error{Kind: social.Permanent, Status: 200,
			Msg: "the URL does not serve RSS, Atom or JSON Feed", Err: err}
	}
	return nil, &social.Error{Kind: social.Transient, Status: 200, Msg: "malformed feed", Err: err}
}

var xmlEncodingRE = regexp.MustCompile(`^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']`)

// fixUTF8 replaces invalid UTF-8 sequences with U+FFFD in a body that is
// (or claims to be) UTF-8, so one bad byte does not make the XML decoder
// reject the whole feed. Bodies declaring another encoding are left to
// gofeed's charset conversion.
func fixUTF8(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	head := body
	if len(head) > 200 {
		head = head[:200]
	}
	if m := xmlEncodingRE.FindSubmatch(head); m != nil {
		enc := strings.ToLower(string(m[1]))
		if enc != "utf-8" && enc != "utf8" {
			return body
		}
	}
	return bytes.ToValidUTF8(body, []byte("\uFFFD"))
}

// mapFeed maps every entry of feed to a post (Account and Brand left for
// the caller), oldest first. feedURL resolves relative links and names the
// source when an entry has no author.
func mapFeed(feed *gofeed.Feed, feedURL string, now time.Time) []social.Post {
	base := feedURL
	if l := strings.TrimSpace(feed.Link); l != "" {
		base = resolveLink(l, feedURL)
	}
	lang := langtag.Base(feed.Language)
	feedTitle := strings.TrimSpace(htmltext.Text(feed.Title, htmltext.Feed))
	out := make([]social.Post, 0, len(feed.Items))
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		out = append(out, mapItem(it, feedTitle, feedURL, base, lang, now))
	}
	slices.SortStableFunc(out, func(a, b social.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

func mapItem(it *gofeed.Item, feedTitle, feedURL, base, lang string, now time.Time) social.Post {
	link := it.Link
	if strings.TrimSpace(link) == "" {
		for _, l := range it.Links {
			if strings.TrimSpace(l) != "" {
				link = l
				break
			}
		}
	}
	link = unwrapRedirect(resolveLink(link, base))

	title := strings.TrimSpace(htmltext.Text(it.Title, htmltext.Feed))
	body := it.Content
	if strings.TrimSpace(body) == "" {
		body = it.Description
	}
	text := strings.TrimSpace(htmltext.Text(body, htmltext.Feed))
	switch {
	case title == "" || title == text:
	case text == "":
		text = title
	default:
		text = title + "\n" + text
	}

	created := now
	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		created = *it.PublishedParsed
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		created = *it.UpdatedParsed
	}

	return social.Post{
		Network:   social.RSS,
		RemoteID:  entryKey(it, link),
		URL:       link,
		Author:    author(it, link, feedTitle, feedURL),
		Text:      text,
		Lang:      lang,
		CreatedAt: created.UTC(),
		Kind:      social.KindSearch,
		ReadOnly:  ReadOnly,
		Media:     enclosures(it),
	}
}

// entryKey is the dedupe key: GUID (RSS guid, Atom id), else the link,
// else a hash of title and publication date.
func entryKey(it *gofeed.Item, link string) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		return g
	}
	if link != "" {
		return link
	}
	h := sha256.Sum256([]byte(it.Title + "\x00" + it.Published + "\x00" + it.Updated))
	return "sha256:" + hex.EncodeToString(h[:16])
}

// mastodonPath matches a Mastodon status permalink: /@user/<id>.
var mastodonPath = regexp.MustCompile(`^/@([A-Za-z0-9_.-]+)/[0-9A-Za-z]+/?$`)

func author(it *gofeed.Item, link, feedTitle, feedURL string) social.Author {
	for _, p := range it.Authors {
		if p == nil {
			continue
		}
		name, email := strings.TrimSpace(p.Name), strings.TrimSpace(p.Email)
		switch {
		case name != "":
			a := social.Author{ID: name, Handle: name, DisplayName: name}
			if u, ok := strings.CutPrefix(name, "/u/"); ok && strings.HasSuffix(hostOf(link), "reddit.com") {
				a.URL = "https://www.reddit.com/user/" + url.PathEscape(u)
			}
			return a
		case email != "":
			return social.Author{ID: email, Handle: email}
		}
	}
	if u, err := url.Parse(link); err == nil && u.Host != "" {
		// Mastodon tag and profile feeds have no author: the link says who.
		if m := mastodonPath.FindStringSubmatch(u.Path); m != nil {
			h := "@" + m[1] + "@" + u.Hostname()
			return social.Author{ID: h, Handle: h, URL: u.Scheme + "://" + u.Host + "/@" + m[1]}
		}
	}
	host := hostOf(link)
	if host == "" {
		host = hostOf(feedURL)
	}
	a := social.Author{ID: host, Handle: host, DisplayName: feedTitle}
	if a.Handle == "" {
		a.Handle, a.ID = feedTitle, feedTitle
	}
	return a
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// unwrapRedirect turns a Google redirect link (Google Alerts:
// https://www.google.com/url?…&url=<real>&…) into the real URL.
func unwrapRedirect(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Path != "/url" {
		return link
	}
	host := strings.TrimPrefix(u.Hostname(), "www.")
	if host != "google.com" && !strings.HasPrefix(host, "google.") {
		return link
	}
	q := u.Query()
	for _, k := range []string{"url", "q"} {
		if v := q.Get(k); v != "" {
			if r, err := url.Parse(v); err == nil && (r.Scheme == "http" || r.Scheme == "https") && r.Host != "" {
				return v
			}
		}
	}
	return link
}
