package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

// DefaultMaxBody bounds JSON responses (4 MiB).
const DefaultMaxBody = 4 << 20

// DefaultTimeout bounds one request.
const DefaultTimeout = 20 * time.Second

// UserAgent is sent with every request.
const UserAgent = "hark/0.1 (+https://github.com/hark-tui/hark)"

// ErrTooLarge is returned (wrapped in a transient *social.Error) when a body
// exceeds the limit.
var ErrTooLarge = errors.New("response body too large")

// Client is an HTTP client for one account.
type Client struct {
	HTTP    *http.Client // nil: a client with DefaultTimeout
	MaxBody int64        // 0: DefaultMaxBody
}

// Response is a fully read, bounded HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// NewClient returns a client with the given timeout (0 = DefaultTimeout).
func NewClient(timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{HTTP: &http.Client{Timeout: timeout}}
}

// Do sends req with ctx and reads at most MaxBody bytes of the answer.
// Transport failures, timeouts and oversized bodies come back as transient
// *social.Error values; HTTP statuses are left to the caller (see Classify).
func (c *Client) Do(ctx context.Context, req *http.Request) (*Response, error) {
	hc := http.DefaultClient
	max := int64(DefaultMaxBody)
	if c != nil {
		if c.HTTP != nil {
			hc = c.HTTP
		}
		if c.MaxBody > 0 {
			max = c.MaxBody
		}
	}
	if hc == http.DefaultClient {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	req = req.WithContext(ctx)
	if !idempotent(req.Method) {
		noReplay(req)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", UserAgent)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transportError(req, hc.Timeout, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, &social.Error{Kind: social.Transient, Status: resp.StatusCode, Msg: "reading response", Err: err}
	}
	if int64(len(body)) > max {
		return nil, &social.Error{Kind: social.Transient, Status: resp.StatusCode,
			Msg: fmt.Sprintf("response over %d bytes", max), Err: ErrTooLarge}
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// idempotent reports whether a method may be repeated without changing
// anything on the server (RFC 9110 §9.2.2's safe methods; PUT and DELETE
// are idempotent by the RFC, but a network's DELETE of a post that is gone
// answers differently the second time, so hark treats them as sends).
func idempotent(method string) bool {
	switch method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// noReplay makes sure net/http sends req at most once. The Transport
// silently re-sends a request on a fresh connection when a reused
// keep-alive connection breaks before the answer — for any method, if the
// request carries an Idempotency-Key or X-Idempotency-Key header and its
// body can be rewound (GetBody, which http.NewRequest sets for in-memory
// bodies), or has none. GoToSocial ignores Idempotency-Key, so such a
// replay is a second public reply the engine never hears of. Without
// GetBody and with a non-nil body the request is not replayable (and
// http.Client does not follow a 307/308 with it either): the failure comes
// back to the engine, which asks the network (Confirm) before any resend.
func noReplay(req *http.Request) {
	req.GetBody = nil
	if req.Body == nil || req.Body == http.NoBody {
		req.Body = io.NopCloser(bytes.NewReader(nil))
		req.ContentLength = 0
	}
}

// cause is a short, operator-readable reason that still unwraps to the
// error net/http returned (errors.Is on context.DeadlineExceeded,
// syscall.ECONNREFUSED… keeps working).
type cause struct {
	msg string
	err error
}

func (c *cause) Error() string { return c.msg }
func (c *cause) Unwrap() error { return c.err }

// transportError says in one line what went wrong on the way to the
// server — "cannot connect to host:port: connection refused", "no answer
// within 20s" — instead of net/http's nested "Post \"url\": dial tcp …"
// (which also repeats the URL, whose query may carry a token).
func transportError(req *http.Request, timeout time.Duration, err error) error {
	host := ""
	if req.URL != nil {
		host = req.URL.Host
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redactURL(req) // queries may carry tokens
	}
	e := &social.Error{Kind: social.Transient, Msg: req.Method + " " + redactURL(req), Err: err}
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.Canceled):
		e.Msg, e.Err = "request to "+host, &cause{"canceled", err}
	case errors.Is(err, context.DeadlineExceeded) || (ue != nil && ue.Timeout()):
		msg := "no answer in time"
		if timeout > 0 {
			msg = "no answer within " + timeout.String()
		}
		e.Msg, e.Err = "request to "+host, &cause{msg, err}
	case errors.As(err, &dns):
		e.Msg, e.Err = "cannot resolve "+dns.Name, &cause{dnsReason(dns), err}
	case errors.As(err, &op) && op.Op == "dial":
		e.Msg, e.Err = "cannot connect to "+host, &cause{reason(op.Err), err}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		e.Msg, e.Err = "request to "+host, &cause{"the connection was closed before the answer", err}
	}
	return e
}

// reason is a dial error without its "connect: " wrapping.
func reason(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	return err.Error()
}

func dnsReason(e *net.DNSError) string {
	if e.IsNotFound {
		return "no such host"
	}
	return e.Err
}

func redactURL(req *http.Request) string {
	if req.URL == nil {
		return ""
	}
	u := *req.URL
	u.RawQuery = ""
	u.User = nil
	return u.String()
}

// IsJSON reports whether the response says it is JSON, or looks like it.
func (r *Response) IsJSON() bool {
	ct := r.Header.Get("Content-Type")
	if strings.Contains(ct, "json") {
		return true
	}
	b := bytes.TrimSpace(r.Body)
	return ct == "" && len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// Classify turns a non-2xx response into a typed error. msg is the server's
// message as the adapter extracted it (may be empty); until is the rate-limit
// reset the adapter parsed from its network's headers (zero if none).
// Retry-After is honoured here for every network. It returns nil for 2xx.
func Classify(r *Response, msg string, until time.Time, now time.Time) error {
	if r.OK() {
		return nil
	}
	msg = shorten(msg)
	if msg == "" {
		msg = http.StatusText(r.Status)
	}
	e := &social.Error{Status: r.Status, Msg: msg}
	switch {
	case r.Status == http.StatusTooManyRequests:
		e.Kind = social.RateLimited
		if ra, ok := RetryAfter(r.Header, now); ok {
			e.Until = ra
		} else {
			e.Until = until
		}
	case r.Status == http.StatusUnauthorized:
		e.Kind = social.Auth
	case r.Status == http.StatusRequestTimeout || r.Status >= 500:
		e.Kind = social.Transient
	default:
		e.Kind = social.Permanent
	}
	return e
}

// RetryAfter parses a Retry-After header (seconds or HTTP date).
func RetryAfter(h http.Header, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return now.Add(time.Duration(n) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// UnixReset parses a reset header given in Unix seconds (Bluesky, X).
func UnixReset(v string) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// Rate reads a limit/remaining/reset trio with the given header names;
// parseReset turns the reset value into a time.
func Rate(h http.Header, limit, remaining, reset string, parseReset func(string) (time.Time, bool)) (social.RateStatus, bool) {
	l, err1 := strconv.Atoi(strings.TrimSpace(h.Get(limit)))
	r, err2 := strconv.Atoi(strings.TrimSpace(h.Get(remaining)))
	if err1 != nil || err2 != nil {
		return social.RateStatus{}, false
	}
	rs := social.RateStatus{Limit: l, Remaining: r, Known: true}
	if t, ok := parseReset(h.Get(reset)); ok {
		rs.Reset = t
	}
	return rs, true
}

// shorten keeps server messages to one short line.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 200
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut-- // never split a character
		}
		s = s[:cut] + "…"
	}
	return s
}
