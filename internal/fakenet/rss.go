package fakenet

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// rssLastModified is the Last-Modified every feed is served with.
const rssLastModified = "Sun, 22 Nov 2026 07:58:31 GMT"

// rssFeed is one feed file and where it is served.
type rssFeed struct {
	path, file, ctype string
}

// The feeds, at the paths their generators use.
var rssFeeds = []rssFeed{
	{"/tags/AcmeCoffee.rss", "rss/mastodon_tag.rss", "application/rss+xml; charset=utf-8"},
	{"/search.rss", "rss/reddit_search.atom", "application/atom+xml; charset=UTF-8"},
	{"/alerts/feeds/00000000000000000000/00000000000000000000", "rss/google_alerts.atom", "text/xml; charset=utf-8"},
	{"/comments/feed/", "rss/blog_comments.rss", "application/rss+xml; charset=UTF-8"},
}

// RSSServer serves four real-world feed shapes (a Mastodon tag's RSS, a
// Reddit search's Atom, Google Alerts' Atom, WordPress comments' RSS) with
// ETag and Last-Modified, answering a matching conditional GET with 304.
type RSSServer struct {
	base
	URL string
	// Full URLs of the feeds.
	MastodonTag, Reddit, GoogleAlerts, BlogComments string
}

func newRSS(n *Nets) *RSSServer {
	s := &RSSServer{}
	mux := http.NewServeMux()
	for _, f := range rssFeeds {
		body := Fixture(f.file)
		sum := sha256.Sum256(body)
		etag := `W/"` + hex.EncodeToString(sum[:6]) + `"`
		mux.HandleFunc("GET "+f.path, func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("ETag", etag)
			h.Set("Last-Modified", rssLastModified)
			if inm := r.Header.Get("If-None-Match"); inm != "" {
				if inm == etag {
					w.WriteHeader(http.StatusNotModified)
					return
				}
			} else if r.Header.Get("If-Modified-Since") == rssLastModified {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			h.Set("Content-Type", f.ctype)
			_, _ = w.Write(body)
		})
	}
	s.start(n, NetRSS, "", mux)
	s.URL = s.srv.URL
	s.MastodonTag = s.URL + rssFeeds[0].path
	s.Reddit = s.URL + rssFeeds[1].path
	s.GoogleAlerts = s.URL + rssFeeds[2].path
	s.BlogComments = s.URL + rssFeeds[3].path
	return s
}
