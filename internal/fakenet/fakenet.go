package fakenet

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed testdata
var fixtures embed.FS

// Fixture returns the embedded fixture file name, e.g.
// "mastodon/status_create.json". It panics when the file is missing: the
// names are fixed at build time.
func Fixture(name string) []byte {
	b, err := fixtures.ReadFile(path.Join("testdata", name))
	if err != nil {
		panic(fmt.Sprintf("fakenet: fixture %s: %v", name, err))
	}
	return b
}

// Fixtures returns the names of the embedded fixture files matching a
// path.Match pattern, e.g. "mastodon/*.json" (sorted; Fixture reads them).
func Fixtures(pattern string) []string {
	names, err := fs.Glob(fixtures, path.Join("testdata", pattern))
	if err != nil {
		panic(fmt.Sprintf("fakenet: fixtures %s: %v", pattern, err))
	}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, "testdata/")
	}
	return names
}

// SeedFixtures adds every fixture the patterns match (as Fixtures) to a
// fuzz test's seed corpus.
func SeedFixtures(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		for _, name := range Fixtures(p) {
			f.Add(Fixture(name))
		}
	}
}

// Net names a fake network.
type Net string

// The fake networks.
const (
	NetMastodon Net = "mastodon"
	NetBluesky  Net = "bluesky"
	NetX        Net = "x"
	NetRSS      Net = "rss"
)

// Request is one HTTP request a fake received, and the status it answered.
type Request struct {
	Net    Net
	Host   string // "entryway" or "pds" for Bluesky; "" for the others
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	Form   url.Values // the decoded body of an application/x-www-form-urlencoded request
	Status int        // the status the fake answered (0 if the handler never wrote one)
}

// JSON decodes the request body into v.
func (r Request) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("fakenet: %s %s body: %w", r.Method, r.Path, err)
	}
	return nil
}

// Options tune New.
type Options struct {
	// Log, if set, gets one line per request: network, method, path, status.
	Log io.Writer
	// Now is the fakes' clock (created_at of new posts, rate-limit
	// resets); nil means time.Now.
	Now func() time.Time
}

// Nets is a running set of fakes, one per network.
type Nets struct {
	Mastodon *MastodonServer
	Bluesky  *BlueskyServer
	X        *XServer
	RSS      *RSSServer

	opt Options

	mu         sync.Mutex
	reqs       []Request
	violations []string
}

// New starts every fake. Close stops them.
func New(o Options) *Nets {
	if o.Now == nil {
		o.Now = time.Now
	}
	n := &Nets{opt: o}
	n.Mastodon = newMastodon(n)
	n.Bluesky = newBluesky(n)
	n.X = newX(n)
	n.RSS = newRSS(n)
	return n
}

// Start starts every fake for a test: they are closed when the test ends,
// and the test fails if a client broke a protocol rule a real server would
// have refused (see Violations).
func Start(t testing.TB) *Nets {
	t.Helper()
	n := New(Options{})
	t.Cleanup(func() {
		n.Close()
		for _, v := range n.Violations() {
			t.Errorf("fakenet: protocol violation: %s", v)
		}
	})
	return n
}

// Close stops every server.
func (n *Nets) Close() {
	n.Mastodon.srv.Close()
	n.Bluesky.entry.srv.Close()
	n.Bluesky.pds.srv.Close()
	n.X.srv.Close()
	n.RSS.srv.Close()
}

// Requests returns the requests one network received, oldest first ("" =
// every network).
func (n *Nets) Requests(net Net) []Request {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []Request
	for _, r := range n.reqs {
		if net == "" || r.Net == net {
			out = append(out, r)
		}
	}
	return out
}

// Violations lists the requests a real server would have refused for
// breaking its protocol (not for bad credentials, which are a normal
// answer): a missing content type, a forbidden parameter, a malformed
// record. Each fake still answers them the way the real server does.
func (n *Nets) Violations() []string {
	return copyOf(&n.mu, &n.violations)
}

func (n *Nets) violate(net Net, format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.violations = append(n.violations, string(net)+": "+fmt.Sprintf(format, args...))
}

func (n *Nets) now() time.Time { return n.opt.Now() }

// record appends a request and returns its index.
func (n *Nets) record(r Request) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reqs = append(n.reqs, r)
	return len(n.reqs) - 1
}

func (n *Nets) answered(i, status int) {
	n.mu.Lock()
	r := n.reqs[i]
	n.reqs[i].Status = status
	n.mu.Unlock()
	if n.opt.Log != nil {
		host := ""
		if r.Host != "" {
			host = "/" + r.Host
		}
		fmt.Fprintf(n.opt.Log, "fakenet %s%s: %s %s → %d\n", r.Net, host, r.Method, r.URL(), status)
	}
}

// URL is the request's path and query.
func (r Request) URL() string {
	if len(r.Query) == 0 {
		return r.Path
	}
	return r.Path + "?" + r.Query.Encode()
}

// base is the plumbing every fake shares: the loopback server, request
// recording and an optional interceptor.
type base struct {
	nets *Nets
	net  Net
	host string
	srv  *httptest.Server

	mu        sync.Mutex
	intercept func(next http.Handler) http.Handler
	served    int // requests answered, for the rate-limit headers
}

func (b *base) start(nets *Nets, net Net, host string, h http.Handler) {
	b.nets, b.net, b.host = nets, net, host
	b.srv = httptest.NewServer(b.wrap(h))
}

// Intercept puts mw in front of the fake's own handler (nil removes it).
// A crash-safety test can use it to let a request through and then drop
// the answer, or to fail a request before the fake sees it; the request
// is recorded either way.
func (b *base) Intercept(mw func(next http.Handler) http.Handler) {
	setLocked(&b.mu, &b.intercept, mw)
}

// Requests returns the requests this fake received, oldest first.
func (b *base) Requests() []Request {
	var out []Request
	for _, r := range b.nets.Requests(b.net) {
		if r.Host == b.host {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the requests with this method and path.
func (b *base) Find(method, p string) []Request { return find(b.Requests(), method, p) }

// find keeps the requests with this method and path.
func find(reqs []Request, method, p string) []Request {
	var out []Request
	for _, r := range reqs {
		if r.Method == method && r.Path == p {
			out = append(out, r)
		}
	}
	return out
}

func (b *base) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.served++
	return b.served
}

func (b *base) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := Request{Net: b.net, Host: b.host, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
			Header: r.Header.Clone(), Body: body}
		if isForm(r) {
			rec.Form, _ = url.ParseQuery(string(body))
		}
		i := b.nets.record(rec)
		sw := &statusWriter{ResponseWriter: w}
		b.mu.Lock()
		mw := b.intercept
		b.mu.Unlock()
		var next http.Handler = h
		if mw != nil {
			next = mw(h)
		}
		next.ServeHTTP(sw, r)
		b.nets.answered(i, sw.status)
	})
}

func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

func isJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Hijack).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshal encodes v; the fakes only marshal maps and slices of JSON
// values, which cannot fail.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("fakenet: marshal: %v", err))
	}
	return b
}

// object decodes a JSON object fixture into a map.
func object(b []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("fakenet: fixture is not a JSON object: %v", err))
	}
	return m
}

// clone deep-copies a JSON value.
func clone(v any) any {
	var out any
	if err := json.Unmarshal(marshal(v), &out); err != nil {
		panic(err)
	}
	return out
}

// str reads a string member of a JSON object ("" if absent or not a string).
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// IDLess orders the fixtures' ids (decimal snowflakes, sequence numbers,
// TIDs): shorter is older, equal lengths compare lexically. The fakes may
// know their ids' shape; hark must not (tests of the fakes may).
func IDLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// locked reads *p under mu.
func locked[T any](mu *sync.Mutex, p *T) T {
	mu.Lock()
	defer mu.Unlock()
	return *p
}

// setLocked writes v to *p under mu.
func setLocked[T any](mu *sync.Mutex, p *T, v T) {
	mu.Lock()
	defer mu.Unlock()
	*p = v
}

// tracker counts the requests a crash fake is handling and notes when the
// last one ended, so a test can wait out a killed client's requests.
type tracker struct {
	tmu      sync.Mutex
	inflight int
	lastDone time.Time
}

func (t *tracker) begin() {
	t.tmu.Lock()
	defer t.tmu.Unlock()
	t.inflight++
}

func (t *tracker) end() {
	t.tmu.Lock()
	defer t.tmu.Unlock()
	t.inflight--
	t.lastDone = time.Now()
}

// QuietFor reports whether no request is being handled and none ended in
// the last d (QuietFor(0): none is being handled; a killed client's
// requests finish quickly, as every wait in the handlers ends with the
// request's context).
func (t *tracker) QuietFor(d time.Duration) bool {
	t.tmu.Lock()
	defer t.tmu.Unlock()
	return t.inflight == 0 && time.Since(t.lastDone) >= d
}

// copyOf returns a copy of *list, read under mu.
func copyOf[T any](mu *sync.Mutex, list *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	return append([]T(nil), *list...)
}

// mapOf returns f of every element of *list (oldest index first), read
// under mu.
func mapOf[T, U any](mu *sync.Mutex, list *[]T, f func(T) U) []U {
	mu.Lock()
	defer mu.Unlock()
	return mapped(*list, f)
}

// mapped returns f of every element of list, in order (nil for none).
func mapped[T, U any](list []T, f func(T) U) []U {
	var out []U
	for _, v := range list {
		out = append(out, f(v))
	}
	return out
}

// withhold sets *withheld to n, clamped to 0..len(*list), under mu.
func withhold[T any](mu *sync.Mutex, withheld *int, list *[]T, n int) {
	mu.Lock()
	defer mu.Unlock()
	*withheld = min(max(n, 0), len(*list))
}

func trimBearer(h string) (string, bool) {
	return strings.CutPrefix(h, "Bearer ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// decimal reads a fixture's decimal id; the fixtures are fixed at build
// time, so anything else is a bug.
func decimal(id string) uint64 {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("fakenet: fixture id %q: %v", id, err))
	}
	return n
}

// atoi reads a decimal number; anything else is 0.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// mustBody returns the (already buffered) request body.
func mustBody(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// tid makes an AT Protocol timestamp identifier (13 base32-sortable
// characters: 53 bits of microseconds, 10 bits of clock id).
func tid(t time.Time, clock int64) string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(t.UnixMicro())<<10 | uint64(clock)&0x3ff
	out := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out)
}
