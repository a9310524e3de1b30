package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
)

// t0 is every test's clock start.
var t0 = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// fixture reads one of the shared fixtures (internal/fakenet's testdata),
// named by network: "mastodon/error_401.json".
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fakenet.Fixture(name)
}

// faultID names one way a server misbehaves on the polled endpoint.
type faultID int

const (
	none           faultID = iota
	f429RetryAfter         // 429 with Retry-After (and the network's reset header saying later)
	f429Reset              // 429 with only the network's own reset header
	f401                   // the network's 401 body
	f403                   // the network's 403 body
	f404                   // the network's 404 body
	f500                   // the network's 500 body
	f502HTML               // a proxy's HTML page
	fResetHeaders          // connection closed in the middle of the headers
	fResetBody             // connection closed after half the body
	fSlow                  // no answer until the client gives up
	fMalformed             // 200 with a truncated JSON/XML body
	fHuge                  // 200 with a 50 MiB body, streamed
	fBadUTF8               // 200, valid JSON/XML with invalid UTF-8 inside the text
	fEmpty                 // 200, a valid page without posts
)

var allFaults = []faultID{f429RetryAfter, f429Reset, f401, f403, f404, f500, f502HTML,
	fResetHeaders, fResetBody, fSlow, fMalformed, fHuge, fBadUTF8, fEmpty}

func (f faultID) String() string {
	return [...]string{"none", "429-retry-after", "429-reset-header", "401", "403", "404", "500", "502-html",
		"reset-in-headers", "reset-mid-body", "slow-past-timeout", "malformed-200", "50MiB-body",
		"invalid-utf8", "empty-page"}[f]
}

// Fault parameters.
const (
	retryAfterSecs = 90
	hugeTotal      = 50 << 20
	hugeChunk      = 1 << 20
	slowTimeout    = 200 * time.Millisecond
	normalTimeout  = 5 * time.Second
)

// resetAt is the rate-limit reset a 429 announces in its network's header.
func resetAt(now time.Time) time.Time { return now.Add(5 * time.Minute) }

// network describes one adapter's fake: how it answers when healthy and
// how the faults look in its wire format.
type network struct {
	name    string
	kind403 social.ErrorKind // the kind a 403 must map to
	// handle answers any request the way the healthy network does.
	handle func(f *fake, w http.ResponseWriter, r *http.Request)
	// isPoll says whether r goes to the endpoint Poll reads posts from.
	isPoll func(r *http.Request) bool
	// common sets the headers every answer carries (rate-limit budget).
	common func(h http.Header, now time.Time)
	// reset sets the network's own rate-limit reset header to at; with
	// exhausted it also says no requests remain.
	reset func(h http.Header, at, now time.Time, exhausted bool)
	// errBody is the network's error body for status.
	errBody func(t testing.TB, status int) (ctype string, body []byte)
	// empty is a valid page with no posts.
	empty func(t testing.TB) (ctype string, body []byte)
	// hugeCT and hugePrefix start the 50 MiB body (the rest is filler).
	hugeCT, hugePrefix string
	// corrupt puts invalid UTF-8 into the text of a healthy body.
	corrupt func(body []byte) []byte
	// source builds the adapter against the fake with client c.
	source func(f *fake, c *web.Client) social.Source
	// secrets are the credentials the adapter is given (or is handed by
	// the network): none may appear in an error message.
	secrets func(t testing.TB) []string
	network social.Network
}

// fake is one loopback server for one network with a switchable fault.
type fake struct {
	t    *testing.T
	net  *network
	srv  *httptest.Server
	clk  *testkit.Clock
	stop chan struct{} // closed at cleanup: frees a handler an adapter never hung up on

	mu        sync.Mutex
	stage     int // 1: the older posts only; 2: newer posts arrived
	fault     faultID
	faultHits int
	corrupted int // answers the invalid-UTF-8 fault actually spoiled
	huge      *hugeResult
}

// hugeResult is what the 50 MiB handler managed to write.
type hugeResult struct {
	done    chan struct{}
	written int64
	err     error
}

func newFake(t *testing.T, n *network) *fake {
	t.Helper()
	f := &fake{t: t, net: n, clk: testkit.NewClock(t0), stage: 1, stop: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.stop) }) // runs first
	return f
}

// set switches the stage and the fault.
func (f *fake) set(stage int, fault faultID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stage, f.fault = stage, fault
	if fault == fHuge {
		f.huge = &hugeResult{done: make(chan struct{})}
	}
}

func (f *fake) currentStage() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stage
}

func (f *fake) hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faultHits
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault := f.fault
	poll := fault != none && f.net.isPoll(r)
	if poll {
		f.faultHits++
	}
	huge := f.huge
	f.mu.Unlock()
	if !poll {
		f.net.handle(f, w, r)
		return
	}
	now := f.clk.Now()
	h := w.Header()
	switch fault {
	case f429RetryAfter:
		f.net.common(h, now)
		f.net.reset(h, now.Add(15*time.Minute), now, false) // Retry-After must win
		h.Set("Retry-After", fmt.Sprint(retryAfterSecs))
		f.writeErr(w, http.StatusTooManyRequests)
	case f429Reset:
		f.net.common(h, now)
		f.net.reset(h, resetAt(now), now, true)
		f.writeErr(w, http.StatusTooManyRequests)
	case f401:
		f.net.common(h, now)
		f.writeErr(w, http.StatusUnauthorized)
	case f403:
		f.net.common(h, now)
		f.writeErr(w, http.StatusForbidden)
	case f404:
		f.net.common(h, now)
		f.writeErr(w, http.StatusNotFound)
	case f500:
		f.net.common(h, now)
		f.writeErr(w, http.StatusInternalServerError)
	case f502HTML:
		h.Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write(fixture(f.t, "mastodon/error_502_proxy.html"))
	case fResetHeaders:
		f.cut(w, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nX-RateLimit-Li"))
	case fResetBody:
		rec := f.healthy(r)
		body := rec.Body.Bytes()
		var raw bytes.Buffer
		fmt.Fprintf(&raw, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", rec.Header().Get("Content-Type"), len(body))
		raw.Write(body[:len(body)/2])
		f.cut(w, raw.Bytes())
	case fSlow:
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
	case fMalformed:
		rec := f.healthy(r)
		body := rec.Body.Bytes()
		if len(body) < 40 {
			f.t.Errorf("fake %s: healthy body too short to truncate: %q", f.net.name, body)
		}
		copyHeader(h, rec.Header())
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)/2])
	case fHuge:
		f.streamHuge(w, huge)
	case fBadUTF8:
		rec := f.healthy(r)
		body := f.net.corrupt(rec.Body.Bytes())
		if !bytes.Equal(body, rec.Body.Bytes()) {
			f.mu.Lock()
			f.corrupted++ // pages without posts have no text to spoil
			f.mu.Unlock()
		}
		copyHeader(h, rec.Header())
		w.WriteHeader(rec.Code)
		w.Write(body)
	case fEmpty:
		f.net.common(h, now)
		ct, body := f.net.empty(f.t)
		h.Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	default:
		f.t.Errorf("fake: unknown fault %v", fault)
	}
}

// healthy renders the answer the network would give without the fault.
func (f *fake) healthy(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.net.handle(f, rec, r)
	if rec.Code != http.StatusOK {
		f.t.Errorf("fake %s: healthy answer to %s is %d: %s", f.net.name, r.URL, rec.Code, rec.Body.Bytes())
	}
	return rec
}

func (f *fake) writeErr(w http.ResponseWriter, status int) {
	ct, body := f.net.errBody(f.t, status)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	w.Write(body)
}

// cut writes raw bytes on the bare connection and closes it.
func (f *fake) cut(w http.ResponseWriter, raw []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		f.t.Errorf("fake: cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		f.t.Errorf("fake: hijack: %v", err)
		return
	}
	conn.Write(raw)
	conn.Close()
}

// streamHuge writes 1 MiB chunks until 50 MiB are out or the client hangs up.
func (f *fake) streamHuge(w http.ResponseWriter, res *hugeResult) {
	defer close(res.done)
	w.Header().Set("Content-Type", f.net.hugeCT)
	w.WriteHeader(http.StatusOK)
	chunk := bytes.Repeat([]byte("a"), hugeChunk)
	n, err := w.Write([]byte(f.net.hugePrefix))
	res.written += int64(n)
	fl, _ := w.(http.Flusher)
	for err == nil && res.written < hugeTotal {
		select {
		case <-f.stop:
			res.err = fmt.Errorf("stopped")
			return
		default:
		}
		n, err = w.Write(chunk)
		res.written += int64(n)
		if err == nil && fl != nil {
			fl.Flush()
		}
	}
	res.err = err
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		if k == "Content-Length" {
			continue
		}
		dst[k] = append([]string(nil), vs...)
	}
}

func writeBody(w http.ResponseWriter, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	w.Write(body)
}

const jsonCT = "application/json; charset=utf-8"

// idLess orders snowflake ids (length, then lexically), as the fakes may.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// insertAfter inserts ins after every match of re.
func insertAfter(re *regexp.Regexp, body []byte, ins string) []byte {
	return re.ReplaceAllFunc(body, func(m []byte) []byte {
		return append(append([]byte(nil), m...), ins...)
	})
}

// badUTF8 is what the corrupting fault puts into text: a lone continuation
// byte, an invalid start byte, and a truncated three-byte sequence.
const badUTF8 = "\x80\xff\xe2\x82"

// jsonTextRE finds the start of the string values that carry post text.
var jsonTextRE = regexp.MustCompile(`"(text|content)"\s*:\s*"`)

func corruptJSON(body []byte) []byte { return insertAfter(jsonTextRE, body, badUTF8) }

// ids reads the "id" of each element of a JSON array of objects.
func ids(t testing.TB, items []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(items))
	for i, it := range items {
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(it, &v); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		out[i] = v.ID
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// networks lists the adapters under test, in report order.
func networks() []*network { return []*network{mastodonNet(), blueskyNet(), xNet(), rssNet()} }

func (f *fake) corruptedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.corrupted
}
