package rss

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// DefaultInterval is how often a feed is polled unless configured.
const DefaultInterval = 5 * time.Minute

// MaxBody bounds a feed response (8 MiB).
const MaxBody = 8 << 20

// SeenLimit is how many entry keys the cursor remembers beyond those the
// feed currently lists.
const SeenLimit = 500

// ReadOnly is the reason every RSS post carries: hark cannot answer it.
const ReadOnly = "RSS entries can't be answered from hark: open the link (o) or copy it (y)"

const accept = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

// Options configure one feed.
type Options struct {
	Name   string      // unique feed name; the Post's Account
	URL    string      // feed URL (credentials in the URL are sent as basic auth)
	Brand  string      // brand the feed listens for
	Client *web.Client // nil: a client with web.DefaultTimeout; MaxBody 0 means MaxBody
	Now    func() time.Time
}

// Feed is one RSS/Atom/JSON Feed source. It holds no mutable state: Poll
// may be called from several goroutines.
type Feed struct {
	name, url, brand string
	client           *web.Client
	now              func() time.Time
	secrets          []string // the URL's password and long query values: redacted from errors
}

var _ social.Source = (*Feed)(nil)

// New returns a feed source.
func New(o Options) *Feed {
	c := web.Client{}
	if o.Client != nil {
		c = *o.Client
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: web.DefaultTimeout}
	}
	if c.MaxBody <= 0 {
		c.MaxBody = MaxBody
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Feed{name: o.Name, url: o.URL, brand: o.Brand, client: &c, now: now, secrets: urlSecrets(o.URL)}
}

// urlSecrets are the parts of a private feed's URL that may be a secret:
// the userinfo's password and every query value of 8 bytes or more (a
// token, a signed key). Redacted from every error, they are never printed,
// logged or stored even when the URL is quoted.
func urlSecrets(raw string) []string {
	var out []string
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
			info := rest[:at]
			if _, pw, ok := strings.Cut(info, ":"); ok && pw != "" {
				out = append(out, pw)
				if u, err := url.PathUnescape(pw); err == nil && u != pw {
					out = append(out, u)
				}
			}
		}
	}
	if _, q, ok := strings.Cut(raw, "?"); ok {
		for _, kv := range strings.Split(q, "&") {
			if _, v, ok := strings.Cut(kv, "="); ok && len(v) >= 8 {
				out = append(out, v)
				if p := strings.TrimFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }); p != v {
					out = append(out, p) // as an error quotes it (%q escapes a control)
				}
				if u, err := url.QueryUnescape(v); err == nil && u != v {
					out = append(out, u)
				}
			}
		}
	}
	return out
}

// ID is "rss:" + the feed name.
func (f *Feed) ID() string { return "rss:" + f.name }

// cursor is what Poll remembers between polls, JSON-encoded.
type cursor struct {
	ETag         string   `json:"etag,omitempty"`
	LastModified string   `json:"last_modified,omitempty"`
	Seen         []string `json:"seen,omitempty"` // hashed entry keys, oldest first
}

func decodeCursor(s string) cursor {
	var c cursor
	if s == "" {
		return c
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		// An unreadable cursor (older format, corruption) only costs
		// re-reading the feed: the store drops posts it already has.
		return cursor{}
	}
	return c
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // strings and a slice of strings cannot fail
	return string(b)
}

// seenKey shortens an entry key to a fixed-size hash for the cursor.
func seenKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:8])
}

// Poll fetches the feed with a conditional GET and returns the entries not
// seen before, oldest first. A 304 returns no posts and the same cursor.
func (f *Feed) Poll(ctx context.Context, cur string) (social.Batch, error) {
	b, err := f.poll(ctx, cur)
	return b, social.Redact(err, f.secrets...)
}

func (f *Feed) poll(ctx context.Context, cur string) (social.Batch, error) {
	c := decodeCursor(cur)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return social.Batch{}, &social.Error{Kind: social.Permanent, Msg: "rss " + f.name + ": invalid feed URL", Err: err}
	}
	req.Header.Set("Accept", accept)
	if c.ETag != "" {
		req.Header.Set("If-None-Match", c.ETag)
	}
	if c.LastModified != "" {
		req.Header.Set("If-Modified-Since", c.LastModified)
	}
	resp, err := f.client.Do(ctx, req)
	if err != nil {
		return social.Batch{}, fmt.Errorf("rss %s: %w", f.name, err)
	}
	switch {
	case resp.Status == http.StatusNotModified || resp.Status == http.StatusNoContent:
		return social.Batch{Cursor: cur}, nil
	case !resp.OK():
		return social.Batch{}, fmt.Errorf("rss %s: %w", f.name, f.classify(resp))
	}

	feed, err := parse(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		return social.Batch{}, fmt.Errorf("rss %s: %w", f.name, err)
	}
	entries := mapFeed(feed, f.url, f.now())

	seen := make(map[string]bool, len(c.Seen))
	for _, k := range c.Seen {
		seen[k] = true
	}
	var posts []social.Post
	current := make([]string, 0, len(entries))
	inFeed := make(map[string]bool, len(entries))
	for _, e := range entries {
		k := seenKey(e.RemoteID)
		if inFeed[k] {
			continue // the feed lists the entry twice
		}
		inFeed[k] = true
		current = append(current, k)
		if seen[k] {
			continue
		}
		p := e
		p.Account = f.name
		p.Brand = f.brand
		posts = append(posts, p)
	}

	next := cursor{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	var old []string
	for _, k := range c.Seen {
		if !inFeed[k] {
			old = append(old, k)
		}
	}
	if keep := SeenLimit - len(current); keep < len(old) {
		old = old[len(old)-max(keep, 0):]
	}
	next.Seen = append(old, current...)
	return social.Batch{Posts: posts, Cursor: next.encode()}, nil
}

// classify maps an HTTP failure to a typed error. 401 and 403 are Auth:
// the feed needs credentials, or the site blocks this client (Reddit
// answers unknown user agents with 403), and either way the operator has to
// act.
func (f *Feed) classify(resp *web.Response) error {
	now := f.now()
	var until time.Time
	// Reddit: x-ratelimit-reset is seconds until the window resets.
	if v := strings.TrimSpace(resp.Header.Get("X-Ratelimit-Reset")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 && secs < 86400 {
			until = now.Add(time.Duration(secs * float64(time.Second)))
		}
	}
	err := web.Classify(resp, "", until, now)
	var e *social.Error
	if errors.As(err, &e) && resp.Status == http.StatusForbidden {
		e.Kind = social.Auth
		e.Msg = "Forbidden: the site refuses this client (private feeds need credentials in the URL; some sites block unknown user agents)"
	}
	return err
}

// resolveLink makes a possibly relative entry link absolute.
func resolveLink(link, base string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	if u.IsAbs() {
		return link
	}
	b, err := url.Parse(base)
	if err != nil || !b.IsAbs() {
		return link
	}
	return b.ResolveReference(u).String()
}

// looksLikeHTML reports whether a body is an HTML page.
func looksLikeHTML(contentType string, body []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "text/html") {
		return true
	}
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	head = bytes.ToLower(bytes.TrimSpace(head))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) ||
		bytes.Contains(head, []byte("<html"))
}
