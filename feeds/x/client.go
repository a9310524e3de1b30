package x

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// DefaultAPI is X's API base URL.
const DefaultAPI = "https://api.x.com"

// DefaultInterval is the minimum time between two polls of one source when
// Options.MinInterval is zero: every post read is billed, and an idle poll
// every five minutes stays far below the 300 requests / 15 min limit.
const DefaultInterval = 5 * time.Minute

// pageSize is max_results for every list request (X allows up to 100).
const pageSize = 100

// maxPages bounds one catch-up: X only serves the 800 newest mentions.
const maxPages = 10

// Endpoint keys: X keeps one rate-limit budget per endpoint.
const (
	keyMe         = "GET /2/users/me"
	keyMentions   = "GET /2/users/:id/mentions"
	keyUserTweets = "GET /2/users/:id/tweets"
	keySearch     = "GET /2/tweets/search/recent"
	keyLookup     = "GET /2/tweets"
	keyPost       = "POST /2/tweets"
	keyDMSend     = "POST /2/dm_conversations/with/:id/messages"
	keyDMEvents   = "GET /2/dm_conversations/with/:id/dm_events"
)

// Field lists sent with every request that returns posts. The "tweet"
// spellings are the ones X documents (apis.md §4.8).
const (
	tweetFields = "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets,entities,lang,public_metrics,note_tweet,attachments"
	expansions  = "author_id,referenced_tweets.id,attachments.media_keys"
	userFields  = "username,name,public_metrics"
	mediaFields = "type,url,preview_image_url,width,height,alt_text"
)

// The interfaces the adapter implements.
var (
	_ social.Account       = (*Client)(nil)
	_ social.RateReporter  = (*Client)(nil)
	_ social.Source        = (*Search)(nil)
	_ social.ThreadFetcher = (*Search)(nil)
	_ social.RateReporter  = (*Search)(nil)
)

// Options configures one X account.
type Options struct {
	API            string // base URL, default https://api.x.com
	ConsumerKey    string // OAuth 1.0a app key
	ConsumerSecret string
	AccessToken    string // OAuth 1.0a user token (the brand account)
	AccessSecret   string
	UserID         string // the account's numeric id; if empty, looked up once with GET /2/users/me
	Account        string // hark's name for the account (feed id, post keys)
	Brand          string
	Client         *web.Client // bounds and timeout; nil: web.NewClient(0)
	Now            func() time.Time
	// MinInterval is the least time between two polls; 0 means
	// DefaultInterval, a negative value disables the check.
	MinInterval time.Duration
}

// Client is an X account: mentions source, thread fetcher, sender and
// delivery checker. It is safe for concurrent use.
type Client struct {
	api         string
	account     string
	brand       string
	web         *web.Client
	now         func() time.Time
	minInterval time.Duration
	pollKey     string // endpoint whose budget Rate reports

	mu          sync.Mutex
	userID      string
	username    string
	lastPoll    time.Time
	rates       map[string]social.RateStatus // x-rate-limit-* by endpoint
	daily       map[string]social.RateStatus // x-user-limit-24hour-* by endpoint
	appDaily    map[string]social.RateStatus // x-app-limit-24hour-* by endpoint
	blocked     map[string]time.Time         // endpoint → 429 until
	last        social.RateStatus
	lastDaily   social.RateStatus
	cappedUntil time.Time
	cappedMsg   string

	secrets []string // the OAuth keys and tokens: redacted from every error
}

// New returns a client for one account. Requests are signed with OAuth 1.0a
// (HMAC-SHA1) by a transport wrapped around o.Client's, so its timeout and
// body bound still apply.
func New(o Options) *Client {
	api := strings.TrimRight(strings.TrimSpace(o.API), "/")
	if api == "" {
		api = DefaultAPI
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	minIv := o.MinInterval
	switch {
	case minIv == 0:
		minIv = DefaultInterval
	case minIv < 0:
		minIv = 0
	}
	return &Client{
		api:         api,
		account:     o.Account,
		brand:       o.Brand,
		web:         signedClient(o),
		now:         now,
		minInterval: minIv,
		pollKey:     keyMentions,
		userID:      strings.TrimSpace(o.UserID),
		rates:       map[string]social.RateStatus{},
		daily:       map[string]social.RateStatus{},
		appDaily:    map[string]social.RateStatus{},
		blocked:     map[string]time.Time{},
		secrets:     []string{o.ConsumerKey, o.ConsumerSecret, o.AccessToken, o.AccessSecret},
	}
}

// signedClient copies o.Client with an http.Client whose transport signs
// every request (OAuth 1.0a user context) before handing it to the
// original transport; timeout, redirect policy and body bound are kept.
func signedClient(o Options) *web.Client {
	base := o.Client
	if base == nil {
		base = web.NewClient(0)
	}
	hc := base.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: web.DefaultTimeout}
	}
	cfg := oauth1.NewConfig(o.ConsumerKey, o.ConsumerSecret)
	// oauth1 takes the base transport from an *http.Client in the context.
	signed := cfg.Client(context.WithValue(context.Background(), oauth1.HTTPClient, hc),
		oauth1.NewToken(o.AccessToken, o.AccessSecret))
	signed.Timeout = hc.Timeout
	signed.CheckRedirect = hc.CheckRedirect
	signed.Jar = hc.Jar
	return &web.Client{HTTP: signed, MaxBody: base.MaxBody}
}

// ID names the mentions feed: "x:<account>".
func (c *Client) ID() string { return "x:" + c.account }

// Rate reports the budget X last announced for the polled endpoint (or for
// the last endpoint called, before the first poll).
func (c *Client) Rate() social.RateStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rs, ok := c.rates[c.pollKey]; ok {
		return rs
	}
	return c.last
}

// DailyRate reports the last x-user-limit-24hour-* budget X sent (on
// POST /2/tweets); Known is false until one was seen.
func (c *Client) DailyRate() social.RateStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastDaily
}

// startPoll enforces the minimum poll interval and the rate-limit gate for
// a poll of endpoint key. skip means "too soon: return an empty batch".
func (c *Client) startPoll(key string) (skip bool, err error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.lastPoll.IsZero() && now.Sub(c.lastPoll) < c.minInterval {
		return true, nil
	}
	if err := c.gateLocked(key, now); err != nil {
		return false, err
	}
	c.lastPoll = now
	return false, nil
}

// gateLocked refuses a call that X would refuse: a usage cap, a 429 not yet
// reset, or a budget at zero. c.mu must be held.
func (c *Client) gateLocked(key string, now time.Time) error {
	if now.Before(c.cappedUntil) {
		return &social.Error{Kind: social.RateLimited, Until: c.cappedUntil, Msg: c.cappedMsg}
	}
	if until := c.blocked[key]; now.Before(until) {
		return &social.Error{Kind: social.RateLimited, Until: until,
			Msg: fmt.Sprintf("%s is rate limited; waiting for the reset", key)}
	}
	for _, b := range []struct {
		rs   social.RateStatus
		name string
	}{{c.rates[key], "15-minute"}, {c.daily[key], "24-hour user"}, {c.appDaily[key], "24-hour app"}} {
		if b.rs.Known && b.rs.Remaining <= 0 && now.Before(b.rs.Reset) {
			return &social.Error{Kind: social.RateLimited, Until: b.rs.Reset,
				Msg: fmt.Sprintf("no requests left in the %s budget of %s", b.name, key)}
		}
	}
	return nil
}

// do sends one signed request and returns the 2xx response; any other
// status comes back as a typed *social.Error.
// The account's keys and tokens are redacted from any error: a server may
// echo what it refused.
func (c *Client) do(ctx context.Context, key, method, path string, q url.Values, body any) (*web.Response, error) {
	resp, err := c.doRaw(ctx, key, method, path, q, body)
	return resp, social.Redact(err, c.secrets...)
}

func (c *Client) doRaw(ctx context.Context, key, method, path string, q url.Values, body any) (*web.Response, error) {
	now := c.now()
	c.mu.Lock()
	err := c.gateLocked(key, now)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	u := c.api + path
	if len(q) > 0 {
		u += "?" + encodeQuery(q)
	}
	call := web.Call{Method: method, URL: u}
	if rb, raw := body.(rawBody); raw {
		call.Body, call.Type = bytes.NewReader(rb.data), rb.ctype
	} else if body != nil {
		if call.Body, call.Type, err = web.JSONBody(body); err != nil {
			return nil, err
		}
	}
	resp, err := c.web.Send(ctx, call)
	if err != nil {
		return nil, err
	}
	c.record(key, resp.Header)
	if !resp.OK() {
		return nil, c.classify(key, resp, now)
	}
	return resp, nil
}

// encodeQuery encodes q with %20 for spaces (X's OAuth 1.0a examples do).
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// record keeps the budgets a response announced.
func (c *Client) record(key string, h http.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rs, ok := web.Rate(h, "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", web.UnixReset); ok {
		c.rates[key] = rs
		c.last = rs
	}
	if rs, ok := web.Rate(h, "x-user-limit-24hour-limit", "x-user-limit-24hour-remaining", "x-user-limit-24hour-reset", web.UnixReset); ok {
		c.daily[key] = rs
		c.lastDaily = rs
	}
	if rs, ok := web.Rate(h, "x-app-limit-24hour-limit", "x-app-limit-24hour-remaining", "x-app-limit-24hour-reset", web.UnixReset); ok {
		c.appDaily[key] = rs
	}
}

// classify turns a non-2xx X response into a typed error, and remembers
// rate limits so the next call does not hit the server before the reset.
func (c *Client) classify(key string, r *web.Response, now time.Time) error {
	var p wireProblem
	_ = decodeJSON(r.Body, &p) // an HTML or empty body leaves p empty
	msg := p.text()
	if p.Reason != "" && !strings.Contains(msg, p.Reason) {
		msg = p.Reason + ": " + msg
	}
	var until time.Time
	capped := false
	if r.Status == http.StatusTooManyRequests {
		until = reset429(r.Header)
		if ra, ok := web.RetryAfter(r.Header, now); ok {
			until = ra
		}
		if strings.HasSuffix(strings.TrimSpace(p.Type), "usage-capped") {
			capped = true
			if until.IsZero() {
				until = nextPeriod(p.Period, now)
			}
			msg = usageCappedMsg(p, until)
		}
	}
	err := web.Classify(r, msg, until, now)
	var e *social.Error
	if errors.As(err, &e) && e.Kind == social.RateLimited && !e.Until.IsZero() {
		c.mu.Lock()
		if capped {
			c.cappedUntil, c.cappedMsg = e.Until, e.Msg
		} else {
			c.blocked[key] = e.Until
		}
		c.mu.Unlock()
	}
	return err
}

// reset429 is when a 429 lifts: the 24-hour reset when that budget is the
// exhausted one, else the 15-minute window's reset.
func reset429(h http.Header) time.Time {
	for _, prefix := range []string{"x-user-limit-24hour-", "x-app-limit-24hour-"} {
		if strings.TrimSpace(h.Get(prefix+"remaining")) == "0" {
			if t, ok := web.UnixReset(h.Get(prefix + "reset")); ok {
				return t
			}
		}
	}
	if t, ok := web.UnixReset(h.Get("x-rate-limit-reset")); ok {
		return t
	}
	return time.Time{}
}

// nextPeriod is the start of the next billing period (UTC) when a usage cap
// comes without any reset header.
func nextPeriod(period string, now time.Time) time.Time {
	now = now.UTC()
	if strings.EqualFold(period, "daily") {
		return time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

func usageCappedMsg(p wireProblem, until time.Time) string {
	period := p.Period
	if period == "" {
		period = "billing period"
	}
	detail := p.text()
	if detail == "" {
		detail = "usage cap exceeded"
	}
	return fmt.Sprintf("X USAGE CAP REACHED (%s): %s. Paused until %s; raise the cap or add credits in the X developer console",
		period, detail, until.UTC().Format(time.RFC3339))
}

// malformed is the error for a 2xx body hark cannot read.
func malformed(what string, r *web.Response, err error) error {
	return &social.Error{Kind: social.Transient, Status: r.Status, Msg: what + ": unreadable response from X", Err: err}
}

// identity returns the account's user id (and username when needName),
// asking GET /2/users/me once when they are not known.
func (c *Client) identity(ctx context.Context, needName bool) (id, username string, err error) {
	c.mu.Lock()
	id, username = c.userID, c.username
	c.mu.Unlock()
	if id != "" && (username != "" || !needName) {
		return id, username, nil
	}
	a, err := c.me(ctx)
	if err != nil {
		return "", "", err
	}
	return a.ID, strings.TrimPrefix(a.Handle, "@"), nil
}

// me calls GET /2/users/me and caches the account's id and username.
func (c *Client) me(ctx context.Context) (social.Author, error) {
	q := url.Values{"user.fields": {"public_metrics"}}
	resp, err := c.do(ctx, keyMe, http.MethodGet, "/2/users/me", q, nil)
	if err != nil {
		return social.Author{}, fmt.Errorf("x: looking up the authenticated user: %w", err)
	}
	var env userEnvelope
	if err := decodeJSON(resp.Body, &env); err != nil {
		return social.Author{}, fmt.Errorf("x: looking up the authenticated user: %w", malformed("users/me", resp, err))
	}
	if env.Data.ID == "" {
		return social.Author{}, fmt.Errorf("x: looking up the authenticated user: %w",
			&social.Error{Kind: social.Transient, Status: resp.Status, Msg: "users/me returned no user id"})
	}
	a := mapAuthor(string(env.Data.ID), &env.Data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.userID != "" && c.userID != a.ID {
		return a, &social.Error{Kind: social.Permanent,
			Msg: fmt.Sprintf("the X access token belongs to user %s (%s), not the configured user id %s", a.ID, a.Handle, c.userID)}
	}
	c.userID = a.ID
	c.username = env.Data.Username
	return a, nil
}

// Verify checks the credentials with GET /2/users/me and returns the
// account they belong to.
func (c *Client) Verify(ctx context.Context) (social.Author, error) {
	return c.me(ctx)
}
