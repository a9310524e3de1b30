package x

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
)

// Credentials of the test account; the secrets are distinctive so tests
// can check they never leak into errors.
const (
	testConsumerKey    = "ck-acme-test"
	testConsumerSecret = "cs-SECRET-9f2d"
	testAccessToken    = "1623456789012345344-at-test"
	testAccessSecret   = "as-SECRET-77b1"
	brandID            = "1623456789012345344"
	firstNextToken     = "7140dibdnow9c7btw4e0yk0ga1x1h4fxwj6s9l7v0mci8"
	newestMention      = "2124212497415839751"
)

// resetAt is the x-rate-limit-reset the fixtures' README gives.
var resetAt = time.Unix(1795337400, 0) // 2026-11-22T08:50:00Z

// t0 is the tests' clock start, ten minutes before resetAt.
var t0 = time.Date(2026, 11, 22, 8, 40, 0, 0, time.UTC)

type gotReq struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// fakeX is a loopback X API v2 that answers from the fixtures the way the
// fixtures' README describes, checks every request's OAuth 1.0a signature
// and records the requests.
type fakeX struct {
	t   *testing.T
	srv *httptest.Server

	mu           sync.Mutex
	reqs         []gotReq
	override     map[string]http.HandlerFunc // "METHOD /path" → handler
	badAuthOK    bool                        // a test that expects bad signatures
	authFailures int
}

func newFake(t *testing.T) *fakeX {
	t.Helper()
	f := &fakeX{t: t, override: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// on replaces the answer to "METHOD /path".
func (f *fakeX) on(route string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override[route] = h
}

func (f *fakeX) requests() []gotReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotReq(nil), f.reqs...)
}

// count returns how many requests hit "METHOD /path".
func (f *fakeX) count(route string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Method+" "+r.Path == route {
			n++
		}
	}
	return n
}

func (f *fakeX) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := checkOAuth(r); err != nil {
		f.mu.Lock()
		f.authFailures++
		expected := f.badAuthOK
		f.mu.Unlock()
		if !expected {
			f.t.Errorf("%s %s: %v", r.Method, r.URL.Path, err)
		}
		fixture(w, http.StatusUnauthorized, "error_401.json", nil)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, gotReq{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	h := f.override[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if h != nil {
		h(w, r)
		return
	}
	f.route(w, r)
}

// route answers like X does for the fixtures' requests.
func (f *fakeX) route(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.Method + " " + r.URL.Path {
	case "GET /2/users/me":
		fixture(w, 200, "users_me.json", nil)
	case "GET /2/users/" + brandID + "/mentions":
		switch {
		case q.Get("pagination_token") == firstNextToken:
			fixture(w, 200, "users_mentions_page2.json", nil)
		case q.Get("pagination_token") != "":
			problem(w, 400, "Invalid Request", "bad pagination_token")
		case q.Get("since_id") == newestMention:
			fixture(w, 200, "users_mentions_empty.json", nil)
		default:
			fixture(w, 200, "users_mentions.json", nil)
		}
	case "GET /2/tweets/search/recent":
		switch {
		case strings.HasPrefix(q.Get("query"), "conversation_id:2123808585940639751"):
			fixture(w, 200, "search_recent_conversation.json", nil)
		case strings.HasPrefix(q.Get("query"), "conversation_id:"):
			fixture(w, 200, "users_mentions_empty.json", nil)
		case q.Get("since_id") == "2124397013237407751":
			fixture(w, 200, "users_mentions_empty.json", nil)
		default:
			fixture(w, 200, "search_recent.json", nil)
		}
	case "GET /2/tweets":
		fixture(w, 200, "tweets_lookup.json", nil)
	case "POST /2/tweets":
		fixture(w, 201, "tweets_create.json", map[string]string{
			"x-user-limit-24hour-limit":     "100",
			"x-user-limit-24hour-remaining": "99",
			"x-user-limit-24hour-reset":     "1795400000",
		})
	case "POST /2/dm_conversations/with/1288112233445566778/messages":
		fixture(w, 201, "dm_create.json", nil)
	case "GET /2/dm_conversations/with/1288112233445566778/dm_events":
		fixture(w, 200, "dm_events.json", nil)
	case "GET /2/users/" + brandID + "/tweets":
		fixture(w, 200, "users_tweets.json", nil)
	default:
		problem(w, 404, "Not Found Error", "no route "+r.Method+" "+r.URL.Path)
	}
}

// readFixture reads one of the shared X fixtures (internal/fakenet's
// testdata/x).
func readFixture(name string) []byte { return fakenet.Fixture("x/" + name) }

// fixture writes a fixture file with the README's headers (rate headers
// on every response, JSON content type); hdr adds or overrides headers.
func fixture(w http.ResponseWriter, status int, name string, hdr map[string]string) {
	raw(w, status, readFixture(name), hdr)
}

func raw(w http.ResponseWriter, status int, body []byte, hdr map[string]string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("x-rate-limit-limit", "300")
	h.Set("x-rate-limit-remaining", "299")
	h.Set("x-rate-limit-reset", "1795337400")
	for k, v := range hdr {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	raw(w, status, []byte(fmt.Sprintf(`{"title":%q,"detail":%q,"type":"about:blank","status":%d}`, title, detail, status)), nil)
}

// checkOAuth verifies the OAuth 1.0a Authorization header the way X does:
// it rebuilds the signature base string (RFC 5849 §3.4.1) from the request
// and recomputes the HMAC-SHA1 signature with the library's signer.
func checkOAuth(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "OAuth ") {
		return fmt.Errorf("no OAuth Authorization header (got %q)", h)
	}
	params := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(h, "OAuth "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("bad Authorization part %q", part)
		}
		uv, err := url.PathUnescape(strings.Trim(v, `"`))
		if err != nil {
			return fmt.Errorf("bad Authorization value %q", v)
		}
		params[k] = uv
	}
	for k, want := range map[string]string{
		"oauth_consumer_key":     testConsumerKey,
		"oauth_token":            testAccessToken,
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_version":          "1.0",
	} {
		if params[k] != want {
			return fmt.Errorf("%s = %q, want %q", k, params[k], want)
		}
	}
	for _, k := range []string{"oauth_nonce", "oauth_timestamp", "oauth_signature"} {
		if params[k] == "" {
			return fmt.Errorf("%s missing", k)
		}
	}
	all := map[string]string{}
	for k, v := range r.URL.Query() {
		all[k] = v[0]
	}
	for k, v := range params {
		if k != "oauth_signature" && k != "realm" {
			all[k] = v
		}
	}
	pairs := make([]string, 0, len(all))
	for k, v := range all {
		pairs = append(pairs, oauth1.PercentEncode(k)+"="+oauth1.PercentEncode(v))
	}
	sort.Strings(pairs)
	base := strings.Join([]string{
		r.Method,
		oauth1.PercentEncode("http://" + r.Host + r.URL.EscapedPath()),
		oauth1.PercentEncode(strings.Join(pairs, "&")),
	}, "&")
	want, err := (&oauth1.HMACSigner{ConsumerSecret: testConsumerSecret}).Sign(testAccessSecret, base)
	if err != nil {
		return err
	}
	if params["oauth_signature"] != want {
		return fmt.Errorf("oauth_signature %q does not verify (want %q)", params["oauth_signature"], want)
	}
	return nil
}

// newClient returns a client on the fake, with a clock at t0 and the brand's
// user id configured; mut may change the options.
func newClient(t *testing.T, f *fakeX, mut func(*Options)) (*Client, *testkit.Clock) {
	t.Helper()
	o, clk := testOptions(f)
	if mut != nil {
		mut(&o)
	}
	return New(o), clk
}

func testOptions(f *fakeX) (Options, *testkit.Clock) {
	clk := testkit.NewClock(t0)
	hc := f.srv.Client()
	hc.Timeout = 5 * time.Second
	return Options{
		API:            f.srv.URL,
		ConsumerKey:    testConsumerKey,
		ConsumerSecret: testConsumerSecret,
		AccessToken:    testAccessToken,
		AccessSecret:   testAccessSecret,
		UserID:         brandID,
		Account:        "acme",
		Brand:          "Acme Coffee",
		Client:         &web.Client{HTTP: hc},
		Now:            clk.Now,
	}, clk
}

func (f *fakeX) failures() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authFailures
}
