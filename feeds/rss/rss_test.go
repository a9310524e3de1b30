package rss

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

var testNow = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// fixture reads one of the shared RSS fixtures (internal/fakenet's
// testdata/rss).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fakenet.Fixture("rss/" + name)
}

// feedServer serves a feed body the way real feed hosts do and records the
// conditional-GET headers it receives.
type feedServer struct {
	mu           sync.Mutex
	body         []byte
	contentType  string
	etag         string // sent, and matched against If-None-Match
	lastModified string // sent, and matched against If-Modified-Since
	requests     []http.Header
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Header.Clone())
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
		if r.Header.Get("If-None-Match") == s.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if s.lastModified != "" {
		w.Header().Set("Last-Modified", s.lastModified)
		if s.etag == "" && r.Header.Get("If-Modified-Since") == s.lastModified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", s.contentType)
	w.Write(s.body)
}

func (s *feedServer) set(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

func (s *feedServer) request(i int) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[i]
}

// serveFeed serves h on loopback for the test and returns a feed reading
// path there.
func serveFeed(t *testing.T, h http.Handler, path string) *Feed {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return newFeed(srv.URL + path)
}

func newFeed(url string) *Feed {
	return New(Options{Name: "alerts", URL: url, Brand: "Acme Coffee", Now: func() time.Time { return testNow }})
}

func TestPollFixtures(t *testing.T) {
	// want is the oldest entry as mapped: remote id, URL, author handle,
	// name and URL, text, and when it was created.
	type want struct {
		remoteID, url, handle, name, authorURL, text string
		created                                      time.Time
	}
	tests := []struct {
		file, contentType string
		first             want // oldest entry
		newestText        string
	}{
		{"mastodon_tag.rss", "application/rss+xml; charset=utf-8", want{
			"https://social.example/@kasia/117654091669176322",
			"https://social.example/@kasia/117654091669176322",
			"@kasia@social.example", "", "https://social.example/@kasia",
			"@acmecoffee Zamówiłam ekspres 3 dni temu i nadal nic. Kiedy wysyłka?\n\n#AcmeCoffee",
			time.Date(2026, 11, 21, 11, 2, 47, 0, time.UTC)},
			"Best flat white in town, honestly. #AcmeCoffee #coffee"},
		{"blog_comments.rss", "application/rss+xml; charset=UTF-8", want{
			"https://blog.acme.example/?p=912#comment-3307",
			"https://blog.acme.example/2026/11/winter-blend/#comment-3307",
			"Mart", "Mart", "",
			"Comment on Winter blend is back by Mart\nVäga hea kohv, aitäh!",
			time.Date(2026, 11, 21, 19, 12, 5, 0, time.UTC)},
			"Comment on Winter blend is back by Zsófia\nSürgős: a csomagom sérülten érkezett, kérem segítsenek!"},
		{"google_alerts.atom", "text/xml; charset=utf-8", want{
			"tag:google.com,2013:googlealerts/feed:9081726354019283746",
			"https://blog.example.org/reviews/acme-winter-blend",
			"blog.example.org", `Google Alert - "acme coffee"`, "",
			"Review: Acme Coffee winter blend (2026)\nChocolatey, a touch of smoke. Acme roasts it darker than last year ...",
			time.Date(2026, 11, 21, 17, 2, 10, 0, time.UTC)},
			"Winter coffee deals: Acme Coffee bundles a grinder, but buyers report cracks\nThe Acme Coffee winter bundle ships a free grinder with 1 kg orders ..."},
		{"reddit_search.atom", "application/atom+xml; charset=UTF-8", want{
			"t3_1p3r2ab",
			"https://www.reddit.com/r/espresso/comments/1p3r2ab/dialed_in_acme_coffee_winter_blend/",
			"/u/espressoinferno", "/u/espressoinferno", "https://www.reddit.com/user/espressoinferno",
			"Dialed in Acme Coffee winter blend\nsubmitted by /u/espressoinferno\n[link] [comments]",
			time.Date(2026, 11, 21, 20, 3, 9, 0, time.UTC)},
			"Acme Coffee \"free grinder\" arrived cracked\nOrdered the Acme Coffee winter blend with the \"free grinder\" promo. " +
				"Grinder arrived with a cracked hopper. Support hasn't answered in 2 days. Anyone else?\n\nsubmitted by /u/bean_counter_42\n[link] [comments]"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := serveFeed(t, &feedServer{body: fixture(t, tt.file), contentType: tt.contentType}, "/feed")
			b, err := f.Poll(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Posts) != 2 || b.More {
				t.Fatalf("got %d posts (more=%v), want 2", len(b.Posts), b.More)
			}
			for _, p := range b.Posts {
				if p.Network != social.RSS || p.Kind != social.KindSearch || p.Account != "alerts" ||
					p.Brand != "Acme Coffee" || p.ReadOnly != ReadOnly || p.Direct {
					t.Errorf("post fields: %+v", p)
				}
			}
			if !b.Posts[0].CreatedAt.Before(b.Posts[1].CreatedAt) {
				t.Errorf("not oldest first: %v then %v", b.Posts[0].CreatedAt, b.Posts[1].CreatedAt)
			}
			p := b.Posts[0]
			got := want{p.RemoteID, p.URL, p.Author.Handle, p.Author.DisplayName, p.Author.URL, p.Text, p.CreatedAt}
			if got != tt.first {
				t.Errorf("oldest post\n got %#v\nwant %#v", got, tt.first)
			}
			if b.Posts[1].Text != tt.newestText {
				t.Errorf("newest text\n got %q\nwant %q", b.Posts[1].Text, tt.newestText)
			}
			if p.Key() != "rss/alerts/"+tt.first.remoteID {
				t.Errorf("key = %q", p.Key())
			}
		})
	}
}

func TestConditionalGETETag(t *testing.T) {
	fs := &feedServer{body: fixture(t, "mastodon_tag.rss"), contentType: "application/rss+xml",
		etag: `W/"abc123"`, lastModified: "Sun, 22 Nov 2026 07:58:31 GMT"}
	f := serveFeed(t, fs, "")
	ctx := context.Background()

	b1, err := f.Poll(ctx, "")
	if err != nil || len(b1.Posts) != 2 {
		t.Fatalf("first poll: %d posts, %v", len(b1.Posts), err)
	}
	if h := fs.request(0); h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Errorf("first poll sent conditional headers: %v", h)
	}
	if a := fs.request(0).Get("Accept"); !strings.Contains(a, "application/rss+xml") || !strings.Contains(a, "application/atom+xml") {
		t.Errorf("Accept = %q", a)
	}
	var c cursor
	if err := json.Unmarshal([]byte(b1.Cursor), &c); err != nil || c.ETag != `W/"abc123"` || c.LastModified != "Sun, 22 Nov 2026 07:58:31 GMT" || len(c.Seen) != 2 {
		t.Fatalf("cursor %s: %+v %v", b1.Cursor, c, err)
	}

	b2, err := f.Poll(ctx, b1.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	h := fs.request(1)
	if h.Get("If-None-Match") != `W/"abc123"` || h.Get("If-Modified-Since") != "Sun, 22 Nov 2026 07:58:31 GMT" {
		t.Errorf("revalidation headers: %v", h)
	}
	if len(b2.Posts) != 0 || b2.Cursor != b1.Cursor {
		t.Errorf("304: %d posts, cursor %q (want unchanged %q)", len(b2.Posts), b2.Cursor, b1.Cursor)
	}
}

func TestConditionalGETLastModified(t *testing.T) {
	fs := &feedServer{body: fixture(t, "blog_comments.rss"), contentType: "application/rss+xml",
		lastModified: "Sun, 22 Nov 2026 07:58:31 GMT"}
	f := serveFeed(t, fs, "")
	b1, err := f.Poll(context.Background(), "")
	if err != nil || len(b1.Posts) != 2 {
		t.Fatalf("first poll: %v", err)
	}
	b2, err := f.Poll(context.Background(), b1.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if h := fs.request(1); h.Get("If-Modified-Since") != "Sun, 22 Nov 2026 07:58:31 GMT" || h.Get("If-None-Match") != "" {
		t.Errorf("headers: %v", h)
	}
	if len(b2.Posts) != 0 || b2.Cursor != b1.Cursor {
		t.Errorf("304: %d posts, cursor changed: %v", len(b2.Posts), b2.Cursor != b1.Cursor)
	}
}

// A feed without validators that keeps listing old entries yields only the
// new ones.
func TestDedupeAcrossPolls(t *testing.T) {
	v1 := fixture(t, "blog_comments.rss")
	newItem := `<item>
		<title>Comment on Winter blend is back by Ines</title>
		<link>https://blog.acme.example/2026/11/winter-blend/#comment-3320</link>
		<dc:creator><![CDATA[Ines]]></dc:creator>
		<pubDate>Sun, 22 Nov 2026 09:15:00 +0000</pubDate>
		<guid isPermaLink="false">https://blog.acme.example/?p=912#comment-3320</guid>
		<description><![CDATA[¿Hacéis envíos a Canarias?]]></description>
	</item>
	<item>`
	v2 := bytes.Replace(v1, []byte("<item>"), []byte(newItem), 1)
	fs := &feedServer{body: v1, contentType: "application/rss+xml"}
	f := serveFeed(t, fs, "")
	ctx := context.Background()

	b1, err := f.Poll(ctx, "")
	if err != nil || len(b1.Posts) != 2 {
		t.Fatalf("poll 1: %d, %v", len(b1.Posts), err)
	}
	b2, err := f.Poll(ctx, b1.Cursor)
	if err != nil || len(b2.Posts) != 0 {
		t.Fatalf("poll 2 (same feed): %d posts, %v", len(b2.Posts), err)
	}
	fs.set(v2)
	b3, err := f.Poll(ctx, b2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b3.Posts) != 1 || b3.Posts[0].RemoteID != "https://blog.acme.example/?p=912#comment-3320" ||
		b3.Posts[0].Text != "Comment on Winter blend is back by Ines\n¿Hacéis envíos a Canarias?" {
		t.Fatalf("poll 3: %+v", b3.Posts)
	}
	b4, err := f.Poll(ctx, b3.Cursor)
	if err != nil || len(b4.Posts) != 0 {
		t.Fatalf("poll 4: %d, %v", len(b4.Posts), err)
	}
	// An unreadable cursor costs a re-read, never an error.
	b5, err := f.Poll(ctx, "{not json")
	if err != nil || len(b5.Posts) != 3 {
		t.Fatalf("bad cursor: %d, %v", len(b5.Posts), err)
	}
}

func TestSeenIsBounded(t *testing.T) {
	srv := httptest.NewServer(&feedServer{body: fixture(t, "reddit_search.atom"), contentType: "application/atom+xml"})
	defer srv.Close()
	old := cursor{}
	for i := range SeenLimit + 100 {
		old.Seen = append(old.Seen, seenKey(strings.Repeat("x", i+1)))
	}
	b, err := newFeed(srv.URL).Poll(context.Background(), old.encode())
	if err != nil || len(b.Posts) != 2 {
		t.Fatalf("%d posts, %v", len(b.Posts), err)
	}
	c := decodeCursor(b.Cursor)
	if len(c.Seen) != SeenLimit {
		t.Fatalf("seen has %d keys, want %d", len(c.Seen), SeenLimit)
	}
	// The feed's current entries are kept (newest), the oldest keys dropped.
	if c.Seen[SeenLimit-1] != seenKey("t3_1p3xk9z") && c.Seen[SeenLimit-2] != seenKey("t3_1p3xk9z") {
		t.Error("current entries not at the end of seen")
	}
	if c.Seen[0] != old.Seen[len(old.Seen)-(SeenLimit-2)] {
		t.Error("did not drop the oldest keys")
	}
}

func TestPollErrors(t *testing.T) {
	mastodon := fixture(t, "mastodon_tag.rss")
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   []byte
		kind   social.ErrorKind
		until  time.Time
		msg    string
	}{
		{"429 Retry-After", 429, map[string]string{"Retry-After": "120"}, nil, social.RateLimited, testNow.Add(120 * time.Second), "HTTP 429"},
		{"429 reddit reset", 429, map[string]string{"X-Ratelimit-Reset": "30", "X-Ratelimit-Remaining": "0.0"}, nil, social.RateLimited, testNow.Add(30 * time.Second), "HTTP 429"},
		{"503", 503, nil, []byte("<html>down</html>"), social.Transient, time.Time{}, "HTTP 503"},
		{"404", 404, nil, nil, social.Permanent, time.Time{}, "Not Found"},
		{"410", 410, nil, nil, social.Permanent, time.Time{}, "Gone"},
		{"401", 401, nil, nil, social.Auth, time.Time{}, "Unauthorized"},
		{"403", 403, nil, nil, social.Auth, time.Time{}, "refuses this client"},
		{"HTML page on 200", 200, map[string]string{"Content-Type": "text/html"},
			[]byte("<!DOCTYPE html><html><body><h1>whoa there, pardner!</h1></body></html>"), social.Transient, time.Time{}, "HTML page instead of a feed"},
		{"truncated feed", 200, map[string]string{"Content-Type": "application/rss+xml"}, mastodon[:len(mastodon)/2], social.Transient, time.Time{}, "malformed feed"},
		{"not a feed", 200, map[string]string{"Content-Type": "text/plain"}, []byte("hello, world"), social.Permanent, time.Time{}, "does not serve RSS, Atom or JSON Feed"},
		{"xml but not a feed", 200, map[string]string{"Content-Type": "application/xml"}, []byte(`<?xml version="1.0"?><opml version="2.0"></opml>`), social.Permanent, time.Time{}, "does not serve"},
		{"empty 200", 200, nil, nil, social.Transient, time.Time{}, "empty response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write(tt.body)
			}))
			defer srv.Close()
			b, err := newFeed(srv.URL).Poll(context.Background(), "")
			if err == nil {
				t.Fatalf("no error; %d posts", len(b.Posts))
			}
			var e *social.Error
			if !errors.As(err, &e) {
				t.Fatalf("not a *social.Error: %v", err)
			}
			if e.Kind != tt.kind {
				t.Errorf("kind = %v, want %v (%v)", e.Kind, tt.kind, err)
			}
			if until, ok := social.RetryAt(err); tt.kind == social.RateLimited && (!ok || !until.Equal(tt.until)) {
				t.Errorf("retry at %v %v, want %v", until, ok, tt.until)
			}
			if !strings.Contains(err.Error(), "rss alerts: ") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q lacks the feed name or %q", err, tt.msg)
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	big := bytes.Repeat([]byte("a"), MaxBody+1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(big)
	}))
	defer srv.Close()
	_, err := newFeed(srv.URL).Poll(context.Background(), "")
	if !errors.Is(err, web.ErrTooLarge) || social.KindOf(err) != social.Transient {
		t.Fatalf("want transient ErrTooLarge, got %v", err)
	}
	// A caller's client keeps its own bound.
	small := New(Options{Name: "s", URL: srv.URL, Client: &web.Client{MaxBody: 1024}})
	if _, err := small.Poll(context.Background(), ""); !errors.Is(err, web.ErrTooLarge) || !strings.Contains(err.Error(), "over 1024 bytes") {
		t.Fatalf("custom bound: %v", err)
	}
}

func TestInvalidUTF8(t *testing.T) {
	body := bytes.ReplaceAll(fixture(t, "blog_comments.rss"), []byte("Väga hea kohv"), []byte("V\xe4ga hea kohv\xff"))
	b, err := serveFeed(t, &feedServer{body: body, contentType: "application/rss+xml"}, "").Poll(context.Background(), "")
	if err != nil || len(b.Posts) != 2 {
		t.Fatalf("%d posts, %v", len(b.Posts), err)
	}
	if want := "V\uFFFDga hea kohv\uFFFD"; !strings.Contains(b.Posts[0].Text, want) {
		t.Errorf("text %q lacks %q", b.Posts[0].Text, want)
	}
	// A declared non-UTF-8 encoding is decoded, not replaced.
	latin := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>t</title>" +
		"<item><guid>g1</guid><title>Caf\xe9</title></item></channel></rss>")
	feed, err := parse(latin, "")
	if err != nil || feed.Items[0].Title != "Café" {
		t.Fatalf("latin-1: %v %+v", err, feed)
	}
}

func TestJSONFeedAndFallbacks(t *testing.T) {
	jf := `{"version":"https://jsonfeed.org/version/1.1","title":"Acme mentions","home_page_url":"https://watch.example/",
	"items":[
	 {"id":"j2","url":"/m/2","content_html":"<p>Second &amp; <b>bold</b></p>","date_published":"2026-11-22T07:00:00Z","authors":[{"name":"Ana"}]},
	 {"id":"j1","url":"https://watch.example/m/1","content_text":"First line\nsecond line","date_published":"2026-11-21T07:00:00Z"}]}`
	b, err := serveFeed(t, &feedServer{body: []byte(jf), contentType: "application/feed+json"}, "/feed.json").Poll(context.Background(), "")
	if err != nil || len(b.Posts) != 2 {
		t.Fatalf("%d posts, %v", len(b.Posts), err)
	}
	first, second := b.Posts[0], b.Posts[1]
	if first.RemoteID != "j1" || first.Text != "First line\nsecond line" || first.Author.Handle != "watch.example" || first.Author.DisplayName != "Acme mentions" {
		t.Errorf("first = %+v", first)
	}
	if second.URL != "https://watch.example/m/2" || second.Text != "Second & bold" || second.Author.Handle != "Ana" {
		t.Errorf("second = %+v", second)
	}

	// No GUID, no link, no date: hash key, "now", the feed names the author.
	rss := []byte(`<rss version="2.0"><channel><title>Bare</title><language>en-US</language><item><title>Only a title</title></item><item><title>Linked</title><link>https://e.example/a</link></item></channel></rss>`)
	feed, err := parse(rss, "")
	if err != nil {
		t.Fatal(err)
	}
	posts := mapFeed(feed, "https://feeds.example/bare.xml", testNow)
	if len(posts) != 2 {
		t.Fatalf("%d posts", len(posts))
	}
	p := posts[0]
	if !strings.HasPrefix(p.RemoteID, "sha256:") || !p.CreatedAt.Equal(testNow) || p.Author.Handle != "feeds.example" || p.Author.DisplayName != "Bare" || p.Text != "Only a title" || p.Lang != "en" {
		t.Errorf("bare = %+v", p)
	}
	if again := mapFeed(feed, "https://feeds.example/bare.xml", testNow.Add(time.Hour)); again[0].RemoteID != p.RemoteID {
		t.Error("hash key is not stable across polls")
	}
	if posts[1].RemoteID != "https://e.example/a" || posts[1].Author.Handle != "e.example" {
		t.Errorf("linked = %+v", posts[1])
	}
}

func TestUnwrapRedirect(t *testing.T) {
	tests := map[string]string{
		"https://www.google.com/url?rct=j&sa=t&url=https://news.example.com/a%3Fb%3Dc&ct=ga": "https://news.example.com/a?b=c",
		"https://www.google.co.uk/url?q=https://x.example/":                                  "https://x.example/",
		"https://www.google.com/url?url=javascript:alert(1)":                                 "https://www.google.com/url?url=javascript:alert(1)",
		"https://evil.example/url?url=https://x.example/":                                    "https://evil.example/url?url=https://x.example/",
		"https://www.google.com/search?q=https://x.example/":                                 "https://www.google.com/search?q=https://x.example/",
	}
	for in, want := range tests {
		if got := unwrapRedirect(in); got != want {
			t.Errorf("unwrap(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContextCancelled(t *testing.T) {
	srv := httptest.NewServer(&feedServer{body: fixture(t, "mastodon_tag.rss")})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newFeed(srv.URL).Poll(ctx, "")
	if !errors.Is(err, context.Canceled) || social.KindOf(err) != social.Transient {
		t.Fatalf("got %v", err)
	}
}

func TestIDAndSource(t *testing.T) {
	var s social.Source = New(Options{Name: "reddit-acme", URL: "https://www.reddit.com/search.rss?q=acme"})
	if s.ID() != "rss:reddit-acme" {
		t.Fatalf("ID = %q", s.ID())
	}
	if DefaultInterval != 5*time.Minute {
		t.Fatal("DefaultInterval")
	}
	_, err := New(Options{Name: "bad", URL: "http://[::1"}).Poll(context.Background(), "")
	if social.KindOf(err) != social.Permanent {
		t.Fatalf("bad URL: %v", err)
	}
}
