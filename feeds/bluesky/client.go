package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// DefaultInterval is the suggested time between two polls of one feed.
const DefaultInterval = 30 * time.Second

// DefaultService is the Bluesky entryway used when Options.Service is empty.
const DefaultService = "https://bsky.social"

// chatProxy is the atproto-proxy header value for Bluesky's chat service.
const chatProxy = "did:web:api.bsky.chat#bsky_chat"

// postCollection is the NSID of Bluesky posts.
const postCollection = "app.bsky.feed.post"

// defaultMaxPages bounds one walk through paged results.
const defaultMaxPages = 10

// Options configures a Client. Handle and Password are the account's
// identifier and app password; they are kept in memory and never logged.
type Options struct {
	// Service is the entryway or PDS base URL used for createSession,
	// e.g. https://bsky.social. Later calls go to the PDS named in the
	// session's DID document.
	Service string
	// AppView, when set, is a base URL (e.g. https://public.api.bsky.app)
	// that serves the public, viewer-independent reads (getPostThread,
	// getProfiles, searchPosts) without authentication. Empty: every call
	// goes to the PDS, which proxies app.bsky.* to its AppView.
	AppView  string
	Handle   string // handle, email or DID used to log in
	Password string // app password (xxxx-xxxx-xxxx-xxxx)
	Account  string // hark's account name (feed ID, post keys)
	Brand    string // brand the account belongs to
	Client   *web.Client
	Now      func() time.Time
}

// Client is a Bluesky XRPC client for one account. It is safe for
// concurrent use.
type Client struct {
	opts     Options
	http     *web.Client
	service  string
	appView  string
	maxPages int

	authMu sync.Mutex // serializes createSession and refreshSession

	mu   sync.Mutex // guards sess and rate
	sess *session
	rate social.RateStatus
}

type session struct {
	did     string
	handle  string
	access  string
	refresh string
	pds     string // base URL of the account's PDS
}

// New returns a client for the account in o. No network call happens until
// the first request.
func New(o Options) *Client {
	hc := o.Client
	if hc == nil {
		hc = web.NewClient(0)
	}
	svc := strings.TrimRight(strings.TrimSpace(o.Service), "/")
	if svc == "" {
		svc = DefaultService
	}
	return &Client{
		opts:     o,
		http:     hc,
		service:  svc,
		appView:  strings.TrimRight(strings.TrimSpace(o.AppView), "/"),
		maxPages: defaultMaxPages,
	}
}

func (c *Client) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// host says where a request goes.
type host int

const (
	hostPDS     host = iota // the session's PDS, authenticated
	hostEntry               // Options.Service, unauthenticated (createSession)
	hostAppView             // Options.AppView if set (unauthenticated), else the PDS
)

// xreq is one XRPC call.
type xreq struct {
	post  bool
	nsid  string
	query url.Values
	body  any    // JSON body for POST (nil: no body)
	raw   []byte // a raw body instead (uploadBlob), of content type ctype
	ctype string
	host  host   // where it goes
	proxy string // atproto-proxy header
}

// callError carries the XRPC error name next to the typed error.
type callError struct {
	name string // XRPC error name, "" if the body had none
	msg  string // the server's message, as sent
	err  *social.Error
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// errName returns the XRPC error name ("RecordNotFound") in err, if any.
func errName(err error) string {
	var ce *callError
	if errors.As(err, &ce) {
		return ce.name
	}
	return ""
}

// xrpcError is the body of every XRPC error.
type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// call performs r with the current session, refreshing it once on
// ExpiredToken, and decodes a 2xx JSON answer into out (if not nil).
func (c *Client) call(ctx context.Context, r xreq, out any) error {
	if r.host == hostAppView && c.appView != "" {
		return c.wrap(r.nsid, c.send(ctx, r, c.appView, "", out))
	}
	sess, err := c.session(ctx)
	if err != nil {
		return fmt.Errorf("bluesky: %s: %w", r.nsid, err)
	}
	err = c.send(ctx, r, sess.pds, sess.access, out)
	switch errName(err) {
	case "ExpiredToken":
		// refresh below
	case "InvalidToken", "AuthMissing", "AuthenticationRequired":
		if !isChatTokenMethod(err) {
			// The PDS no longer knows this session (revoked, secret
			// rotated): the next call logs in afresh.
			c.forget(sess.access)
		}
		return c.wrap(r.nsid, err)
	default:
		return c.wrap(r.nsid, err)
	}
	if err := c.refresh(ctx, sess.access); err != nil {
		return fmt.Errorf("bluesky: %s: %w", r.nsid, err)
	}
	sess, err = c.session(ctx)
	if err != nil {
		return fmt.Errorf("bluesky: %s: %w", r.nsid, err)
	}
	err = c.send(ctx, r, sess.pds, sess.access, out)
	if errName(err) == "ExpiredToken" {
		// Still expired after a fresh token: the operator has to look.
		err = &callError{name: "ExpiredToken", err: &social.Error{Kind: social.Auth, Status: http.StatusBadRequest,
			Msg: "access token expired again right after refreshing"}}
	}
	return c.wrap(r.nsid, err)
}

func (c *Client) wrap(nsid string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("bluesky: %s: %w", nsid, err)
}

// send performs one HTTP exchange. token may be empty (no Authorization).
// The account's secrets (app password, session tokens) are redacted from
// any error: a server may echo what it refused.
func (c *Client) send(ctx context.Context, r xreq, base, token string, out any) error {
	err := c.sendRaw(ctx, r, base, token, out)
	if err == nil {
		return nil
	}
	secrets := []string{c.opts.Password, token}
	c.mu.Lock()
	if c.sess != nil {
		secrets = append(secrets, c.sess.access, c.sess.refresh)
	}
	c.mu.Unlock()
	return social.Redact(err, secrets...)
}

func (c *Client) sendRaw(ctx context.Context, r xreq, base, token string, out any) error {
	u := base + "/xrpc/" + r.nsid
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	method := http.MethodGet
	if r.post {
		method = http.MethodPost
	}
	call := web.Call{Method: method, URL: u, Header: http.Header{}}
	if r.body != nil {
		var err error
		if call.Body, call.Type, err = web.JSONBody(r.body); err != nil {
			return err
		}
	}
	if r.raw != nil {
		call.Body, call.Type = bytes.NewReader(r.raw), r.ctype
	}
	if token != "" {
		call.Header.Set("Authorization", "Bearer "+token)
	}
	if r.proxy != "" {
		call.Header.Set("atproto-proxy", r.proxy)
	}
	resp, err := c.http.Send(ctx, call)
	if err != nil {
		return err
	}
	c.noteRate(resp.Header)
	if !resp.OK() {
		return c.classify(resp)
	}
	if out == nil {
		return nil
	}
	return resp.Decode(out)
}

// authNames are XRPC errors that need the operator (or a new session).
var authNames = map[string]bool{
	"InvalidToken":            true,
	"AuthMissing":             true,
	"AuthenticationRequired":  true,
	"AuthFactorTokenRequired": true,
	"AccountTakedown":         true,
	"AccountDeactivated":      true,
	"ExpiredToken":            true, // only reaches the caller when refreshing is impossible
}

// chatMessages turns chat refusals into sentences an operator can act on.
var chatMessages = map[string]string{
	"MessagesDisabled":    "the recipient does not accept direct messages",
	"NotFollowedBySender": "the recipient only accepts direct messages from accounts they follow",
	"BlockedActor":        "the recipient has blocked this account",
	"BlockedSubject":      "this account has blocked the recipient",
	"RecipientNotFound":   "the recipient's account was not found",
	"AccountSuspended":    "this account is suspended from chat",
	"ConvoLocked":         "the conversation is locked",
	"InvalidConvo":        "the conversation no longer exists",
}

// badTokenMethod is the PDS's answer to a chat call made with an app
// password that has no access to direct messages.
const badTokenMethod = "Bad token method"

func isChatTokenMethod(err error) bool {
	var ce *callError
	return errors.As(err, &ce) && ce.name == "InvalidToken" && ce.msg == badTokenMethod
}

// classify maps a non-2xx XRPC answer onto a typed error.
func (c *Client) classify(resp *web.Response) error {
	var xe xrpcError
	_ = resp.Decode(&xe) // best effort; an odd body keeps the status text
	msg := strings.TrimSpace(xe.Message)
	if human, ok := chatMessages[xe.Error]; ok {
		msg = human
		if xe.Message != "" {
			msg += " (" + xe.Error + ": " + xe.Message + ")"
		}
	} else if xe.Error == "InvalidToken" && xe.Message == badTokenMethod {
		msg = "the app password has no access to direct messages; create one with \"Allow access to your direct messages\""
	} else if xe.Error != "" {
		if msg == "" {
			msg = xe.Error
		} else {
			msg = xe.Error + ": " + msg
		}
	}
	var until time.Time
	if t, ok := web.UnixReset(resp.Header.Get("ratelimit-reset")); ok {
		until = t
	}
	err := web.Classify(resp, msg, until, c.now())
	var se *social.Error
	if !errors.As(err, &se) {
		se = &social.Error{Kind: social.Transient, Status: resp.Status, Msg: msg}
	}
	if authNames[xe.Error] && resp.Status < 500 && resp.Status != http.StatusTooManyRequests {
		se.Kind = social.Auth
	}
	return &callError{name: xe.Error, msg: xe.Message, err: se}
}

// noteRate records the rate-limit headers of any answer that carries them.
func (c *Client) noteRate(h http.Header) {
	rs, ok := web.Rate(h, "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", web.UnixReset)
	if !ok {
		return
	}
	c.mu.Lock()
	c.rate = rs
	c.mu.Unlock()
}

// Rate implements social.RateReporter: the budget the last answer reported
// (Known is false until a server sends ratelimit-* headers; the reference
// stack never does).
func (c *Client) Rate() social.RateStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate
}

// session returns the current session, logging in if there is none.
func (c *Client) session(ctx context.Context) (session, error) {
	c.mu.Lock()
	if c.sess != nil {
		s := *c.sess
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()

	c.authMu.Lock()
	defer c.authMu.Unlock()
	c.mu.Lock()
	if c.sess != nil { // another caller logged in meanwhile
		s := *c.sess
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	return c.login(ctx)
}

// forget drops the session if it still uses access.
func (c *Client) forget(access string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil && c.sess.access == access {
		c.sess = nil
	}
}

// sessionResp is createSession's and refreshSession's answer.
type sessionResp struct {
	DID        string          `json:"did"`
	Handle     string          `json:"handle"`
	AccessJwt  string          `json:"accessJwt"`
	RefreshJwt string          `json:"refreshJwt"`
	DIDDoc     json.RawMessage `json:"didDoc"`
}

// login runs createSession against the service. authMu must be held.
func (c *Client) login(ctx context.Context) (session, error) {
	if strings.TrimSpace(c.opts.Handle) == "" || c.opts.Password == "" {
		return session{}, &social.Error{Kind: social.Auth, Msg: "handle and app password are required"}
	}
	body := map[string]string{"identifier": c.opts.Handle, "password": c.opts.Password}
	var sr sessionResp
	err := c.send(ctx, xreq{post: true, nsid: "com.atproto.server.createSession", body: body}, c.service, "", &sr)
	if err != nil {
		return session{}, fmt.Errorf("logging in: %w", err)
	}
	return c.store(sr, c.service)
}

// store validates a session answer and makes it current. authMu must be held.
func (c *Client) store(sr sessionResp, fallbackPDS string) (session, error) {
	if sr.AccessJwt == "" || sr.RefreshJwt == "" || !strings.HasPrefix(sr.DID, "did:") {
		return session{}, &social.Error{Kind: social.Transient, Msg: "session answer lacks tokens or DID"}
	}
	s := session{did: sr.DID, handle: sr.Handle, access: sr.AccessJwt, refresh: sr.RefreshJwt, pds: fallbackPDS}
	if pds, ok := pdsEndpoint(sr.DIDDoc, sr.DID); ok && (strings.HasPrefix(pds, "https://") || strings.HasPrefix(c.service, "http://")) {
		// (an https service never hands the tokens on to a plain-http PDS)
		s.pds = pds
	}
	c.mu.Lock()
	c.sess = &s
	c.mu.Unlock()
	return s, nil
}

// refresh replaces the session's tokens after failed (the access token that
// was refused) expired. If another caller already refreshed, it does
// nothing. If the refresh token is refused too, it logs in again.
func (c *Client) refresh(ctx context.Context, failed string) error {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	c.mu.Lock()
	cur := c.sess
	c.mu.Unlock()
	if cur == nil {
		_, err := c.login(ctx)
		return err
	}
	if cur.access != failed {
		return nil
	}
	var sr sessionResp
	err := c.send(ctx, xreq{post: true, nsid: "com.atproto.server.refreshSession"}, cur.pds, cur.refresh, &sr)
	if err == nil {
		if sr.DID == "" {
			sr.DID = cur.did
		}
		if sr.Handle == "" {
			sr.Handle = cur.handle
		}
		_, err = c.store(sr, cur.pds)
		return err
	}
	if social.KindOf(err) != social.Auth {
		return fmt.Errorf("refreshing session: %w", err)
	}
	// Refresh token revoked or expired: start over with the app password.
	c.mu.Lock()
	c.sess = nil
	c.mu.Unlock()
	if _, lerr := c.login(ctx); lerr != nil {
		return lerr
	}
	return nil
}

// pdsEndpoint reads service #atproto_pds from a DID document.
func pdsEndpoint(raw json.RawMessage, did string) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	var doc struct {
		ID      string `json:"id"`
		Service []struct {
			ID       string          `json:"id"`
			Type     string          `json:"type"`
			Endpoint json.RawMessage `json:"serviceEndpoint"`
		} `json:"service"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return "", false
	}
	if doc.ID != "" && doc.ID != did {
		return "", false
	}
	for _, s := range doc.Service {
		if s.ID != "#atproto_pds" && s.ID != did+"#atproto_pds" {
			continue
		}
		var ep string
		if json.Unmarshal(s.Endpoint, &ep) != nil {
			return "", false
		}
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return "", false
		}
		return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), true
	}
	return "", false
}

// Verify implements social.Verifier: it checks the session with getSession
// and returns the account's identity (with display name and followers when
// the profile can be read).
func (c *Client) Verify(ctx context.Context) (social.Author, error) {
	var gs struct {
		DID    string `json:"did"`
		Handle string `json:"handle"`
	}
	if err := c.call(ctx, xreq{nsid: "com.atproto.server.getSession"}, &gs); err != nil {
		return social.Author{}, err
	}
	if gs.DID == "" {
		return social.Author{}, &social.Error{Kind: social.Transient, Msg: "getSession answer has no DID"}
	}
	a := social.Author{ID: gs.DID, Handle: gs.Handle, URL: profileURL(gs.Handle, gs.DID)}
	if profs, err := c.profiles(ctx, []string{gs.DID}); err == nil {
		if p, ok := profs[gs.DID]; ok {
			a.DisplayName = p.DisplayName
			a.Followers = p.Followers
		}
	}
	return a, nil
}

// ID implements social.Source.
func (c *Client) ID() string { return "bluesky:" + c.opts.Account }

// The interfaces the engine looks for.
var (
	_ social.Account       = (*Client)(nil)
	_ social.RateReporter  = (*Client)(nil)
	_ social.Limiter       = Limits{}
	_ social.Source        = (*Search)(nil)
	_ social.ThreadFetcher = (*Search)(nil)
	_ social.RateReporter  = (*Search)(nil)
)
