package mastodon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// DefaultInterval is the poll interval to use per feed: every incremental
// poll counts against Mastodon's paging bucket (300 requests / 15 min per
// user), so stay at 30 s or more (apis.md §2.7).
const DefaultInterval = 60 * time.Second

// Default text limits, used until /api/v2/instance has answered.
const (
	DefaultMaxCharacters = 500
	DefaultURLLength     = 23
)

// Page sizes and the catch-up bound of one Poll.
const (
	notificationsLimit = 40
	timelineLimit      = 20
	searchLimit        = 20
	// maxPages is the pages one Poll reads before returning with
	// Batch.More: one, so the engine stores (and commits the cursor of)
	// every page as it comes — a process killed during a long catch-up
	// keeps what it read (issue 16: ten pages, 400 posts, a commit).
	maxPages = 1
)

// Options configures a Client or a Search.
type Options struct {
	Server  string           // base URL, e.g. https://social.example
	Token   string           // user access token (secret: never logged)
	Account string           // hark account name, used in Post.Account and ID()
	Brand   string           // brand the account belongs to, copied to Post.Brand
	Client  *web.Client      // nil: web.NewClient(0)
	Now     func() time.Time // nil: time.Now
}

// Client talks to one Mastodon-compatible account. It implements
// social.Source (mentions and private mentions), social.ThreadFetcher,
// social.Sender, social.Confirmer, social.Verifier, social.RateReporter and
// social.Limiter. It is safe for concurrent use.
type Client struct {
	api *api
}

// New returns a client for o.
func New(o Options) *Client { return &Client{api: newAPI(o)} }

var (
	_ social.Account      = (*Client)(nil)
	_ social.RateReporter = (*Client)(nil)
)

// ID names the mentions feed: "mastodon:<account>".
func (c *Client) ID() string { return "mastodon:" + c.api.opt.Account }

// Rate returns the rate-limit budget the server last reported.
func (c *Client) Rate() social.RateStatus { return c.api.rate() }

// api is the HTTP plumbing and the cached server facts shared by Client and
// Search.
type api struct {
	opt    Options
	base   string // scheme://host[/prefix], no trailing slash
	domain string // host of base, without port: the domain of local accounts
	http   *web.Client

	mu       sync.Mutex
	rs       social.RateStatus
	self     *account // verify_credentials, cached
	limits   Limits
	limitsOK bool
	tried    bool // Poll has tried to load the limits
}

func newAPI(o Options) *api {
	base := strings.TrimRight(strings.TrimSpace(o.Server), "/")
	if base != "" && !strings.Contains(base, "://") {
		base = "https://" + base
	}
	a := &api{opt: o, base: base, http: o.Client,
		limits: Limits{MaxCharacters: DefaultMaxCharacters, URLLength: DefaultURLLength}}
	if u, err := url.Parse(base); err == nil {
		a.domain = strings.ToLower(u.Hostname())
	}
	if a.http == nil {
		a.http = web.NewClient(0)
	}
	return a
}

func (a *api) now() time.Time {
	if a.opt.Now != nil {
		return a.opt.Now()
	}
	return time.Now()
}

func (a *api) rate() social.RateStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rs
}

// parseISOReset reads X-RateLimit-Reset, an ISO 8601 timestamp.
func parseISOReset(v string) (time.Time, bool) {
	t := parseTime(strings.TrimSpace(v))
	return t, !t.IsZero()
}

// call sends one request and decodes a 2xx JSON answer into out (if not
// nil). form, if not nil, is sent as application/x-www-form-urlencoded.
// Every failure is a *social.Error wrapped with the method and path (never
// the query, never the token).
// The access token is redacted from any error: a server may echo the token
// it refused.
func (a *api) call(ctx context.Context, method, path string, query, form url.Values, hdr http.Header, out any) error {
	return social.Redact(a.callRaw(ctx, method, path, query, form, hdr, out), a.opt.Token)
}

// get is a GET of path with query, decoded into out.
func (a *api) get(ctx context.Context, path string, query url.Values, out any) error {
	return a.call(ctx, http.MethodGet, path, query, nil, nil, out)
}

func (a *api) callRaw(ctx context.Context, method, path string, query, form url.Values, hdr http.Header, out any) error {
	var body io.Reader
	ctype := ""
	if form != nil {
		body = strings.NewReader(form.Encode())
		ctype = "application/x-www-form-urlencoded"
	}
	return a.callBody(ctx, method, path, query, body, ctype, hdr, out)
}

// callBody is callRaw with any body (a multipart upload) of content type
// ctype.
func (a *api) callBody(ctx context.Context, method, path string, query url.Values, body io.Reader, ctype string, hdr http.Header, out any) error {
	where := method + " " + path
	if a.base == "" {
		return fmt.Errorf("mastodon: %s: %w", where, &social.Error{Kind: social.Permanent, Msg: "no server URL configured"})
	}
	u := a.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	h := hdr.Clone()
	if a.opt.Token != "" {
		if h == nil {
			h = http.Header{}
		}
		h.Set("Authorization", "Bearer "+a.opt.Token)
	}
	resp, err := a.http.Send(ctx, web.Call{Method: method, URL: u, Body: body, Type: ctype, Header: h})
	if err != nil {
		return fmt.Errorf("mastodon: %s: %w", where, err)
	}
	if rs, ok := web.Rate(resp.Header, "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", parseISOReset); ok {
		a.mu.Lock()
		a.rs = rs
		a.mu.Unlock()
	}
	if !resp.OK() {
		return fmt.Errorf("mastodon: %s: %w", where, a.classify(resp))
	}
	if out == nil {
		return nil
	}
	if err := resp.Decode(out); err != nil {
		return fmt.Errorf("mastodon: %s: %w", where, err)
	}
	return nil
}

// classify maps a non-2xx response to a typed error with the server's
// {"error": …} message. Bodies that are not JSON (a proxy's HTML page) are
// transient unless the status says auth or rate limit.
func (a *api) classify(resp *web.Response) error {
	var msg string
	var e apiError
	if resp.Decode(&e) == nil {
		msg = string(e.Error)
		if d := string(e.ErrorDescription); d != "" && d != msg {
			if msg != "" {
				msg += ": "
			}
			msg += d
		}
	}
	var until time.Time
	if t, ok := parseISOReset(resp.Header.Get("X-RateLimit-Reset")); ok {
		until = t
	}
	err := web.Classify(resp, msg, until, a.now())
	var se *social.Error
	if errors.As(err, &se) && se.Kind == social.Permanent && !resp.IsJSON() {
		se.Kind = social.Transient
		se.Msg += fmt.Sprintf(" (non-JSON %q body)", resp.ContentType())
	}
	return err
}

// verify fetches the token's own account and caches it.
func (a *api) verify(ctx context.Context) (account, error) {
	var acc account
	if err := a.get(ctx, "/api/v1/accounts/verify_credentials", nil, &acc); err != nil {
		return account{}, err
	}
	if acc.ID == "" {
		return account{}, fmt.Errorf("mastodon: verify_credentials: %w",
			&social.Error{Kind: social.Transient, Msg: "response has no account id"})
	}
	a.mu.Lock()
	a.self = &acc
	a.mu.Unlock()
	return acc, nil
}

// me returns the cached own account, fetching it once.
func (a *api) me(ctx context.Context) (account, error) {
	a.mu.Lock()
	s := a.self
	a.mu.Unlock()
	if s != nil {
		return *s, nil
	}
	return a.verify(ctx)
}

// Verify checks the token with /api/v1/accounts/verify_credentials and
// returns the account it belongs to. It also loads the instance's text
// limits if they are not cached yet (a failure there is not an error).
func (c *Client) Verify(ctx context.Context) (social.Author, error) {
	acc, err := c.api.verify(ctx)
	if err != nil {
		return social.Author{}, err
	}
	_, _ = c.api.loadLimits(ctx)
	return c.api.author(acc), nil
}

// Limits are an instance's text limits.
type Limits struct {
	MaxCharacters int // configuration.statuses.max_characters
	URLLength     int // configuration.statuses.characters_reserved_per_url
	// CodePoints: the server counts code points of the whole text, URLs
	// and mentions in full (GoToSocial, whatever characters_reserved_per_url
	// says), not Mastodon's graphemes with URLs at URLLength.
	CodePoints bool
}

// isGoToSocial tells a GoToSocial instance from its /api/v2/instance
// answer: its source_url names the project (Mastodon's names
// mastodon/mastodon), and its version carries "git-" builds' suffixes.
func isGoToSocial(inst instance) bool {
	return strings.Contains(strings.ToLower(string(inst.SourceURL)), "gotosocial")
}

// Limits returns the instance's text limits, read from /api/v2/instance on
// the first successful call and cached; until then (and on error) it
// returns the defaults 500/23 along with the error.
func (c *Client) Limits(ctx context.Context) (Limits, error) { return c.api.loadLimits(ctx) }

func (a *api) loadLimits(ctx context.Context) (Limits, error) {
	a.mu.Lock()
	l, ok := a.limits, a.limitsOK
	a.mu.Unlock()
	if ok {
		return l, nil
	}
	var inst instance
	if err := a.get(ctx, "/api/v2/instance", nil, &inst); err != nil {
		return l, err
	}
	l = Limits{MaxCharacters: DefaultMaxCharacters, URLLength: DefaultURLLength, CodePoints: isGoToSocial(inst)}
	if st := inst.Configuration.V.Statuses.V; inst.Configuration.OK && inst.Configuration.V.Statuses.OK {
		if st.MaxCharacters > 0 {
			l.MaxCharacters = int(st.MaxCharacters)
		}
		if st.CharactersReservedPerURL > 0 {
			l.URLLength = int(st.CharactersReservedPerURL)
		}
	}
	a.mu.Lock()
	a.limits, a.limitsOK = l, true
	a.mu.Unlock()
	return l, nil
}

func (a *api) cachedLimits() Limits {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.limits
}

// loadLimitsOnce is Poll's lazy load: one attempt per client, so a server
// without /api/v2/instance does not cost a request on every poll (Verify and
// Limits still retry). A failure is not Poll's problem: Count keeps the
// defaults.
func (a *api) loadLimitsOnce(ctx context.Context) {
	a.mu.Lock()
	skip := a.limitsOK || a.tried
	a.tried = true
	a.mu.Unlock()
	if !skip {
		_, _ = a.loadLimits(ctx)
	}
}
