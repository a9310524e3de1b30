package fakenet

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"
)

// Fault names one way a server misbehaves on the endpoint a client polls.
type Fault int

// The faults a FaultServer injects.
const (
	FaultNone          Fault = iota
	Fault429RetryAfter       // 429 with Retry-After (and the network's reset header saying later)
	Fault429Reset            // 429 with only the network's own reset header
	Fault401                 // the network's 401 body
	Fault403                 // the network's 403 body
	Fault404                 // the network's 404 body
	Fault500                 // the network's 500 body
	Fault502HTML             // a proxy's HTML page
	FaultResetHeaders        // connection closed in the middle of the headers
	FaultResetBody           // connection closed after half the body
	FaultSlow                // no answer until the client gives up
	FaultMalformed           // 200 with a truncated JSON/XML body
	FaultHuge                // 200 with a 50 MiB body, streamed
	FaultBadUTF8             // 200, valid JSON/XML with invalid UTF-8 inside the text
	FaultEmpty               // 200, a valid page without posts
)

// AllFaults lists every fault, in report order.
var AllFaults = []Fault{Fault429RetryAfter, Fault429Reset, Fault401, Fault403, Fault404, Fault500, Fault502HTML,
	FaultResetHeaders, FaultResetBody, FaultSlow, FaultMalformed, FaultHuge, FaultBadUTF8, FaultEmpty}

func (f Fault) String() string {
	return [...]string{"none", "429-retry-after", "429-reset-header", "401", "403", "404", "500", "502-html",
		"reset-in-headers", "reset-mid-body", "slow-past-timeout", "malformed-200", "50MiB-body",
		"invalid-utf8", "empty-page"}[f]
}

// Fault parameters.
const (
	// FaultRetryAfterSecs is the Retry-After of Fault429RetryAfter.
	FaultRetryAfterSecs = 90
	// FaultHugeTotal is the size of FaultHuge's body.
	FaultHugeTotal = 50 << 20
	hugeChunk      = 1 << 20
)

// FaultResetAt is the rate-limit reset Fault429Reset announces in the
// network's header.
func FaultResetAt(now time.Time) time.Time { return now.Add(5 * time.Minute) }

// FaultWire is how one network looks on the wire: its healthy answers and
// the shape its faults take.
type FaultWire struct {
	Name string
	// Handle answers any request the way the healthy network does.
	Handle http.HandlerFunc
	// IsPoll says whether r goes to the endpoint a poll reads posts from
	// (the one the faults hit).
	IsPoll func(r *http.Request) bool
	// Common sets the headers every answer carries (rate-limit budget).
	Common func(h http.Header, now time.Time)
	// Reset sets the network's own rate-limit reset header to at; with
	// exhausted it also says no requests remain.
	Reset func(h http.Header, at, now time.Time, exhausted bool)
	// ErrBody is the network's error body for status.
	ErrBody func(status int) (ctype string, body []byte)
	// Empty is a valid page with no posts.
	Empty func() (ctype string, body []byte)
	// HugeCT and HugePrefix start the 50 MiB body (the rest is filler).
	HugeCT, HugePrefix string
	// Corrupt puts invalid UTF-8 into the text of a healthy body.
	Corrupt func(body []byte) []byte
}

// HugeResult is what the 50 MiB handler managed to write.
type HugeResult struct {
	Done    chan struct{} // closed when the handler returns
	Written int64
	Err     error
}

// FaultServer is one loopback server for one network with a switchable
// fault on its polled endpoint, and a stage the healthy handler reads (1:
// the older posts only; 2: newer posts arrived).
type FaultServer struct {
	URL string

	t    testing.TB
	w    FaultWire
	now  func() time.Time
	stop chan struct{} // closed at cleanup: frees a handler a client never hung up on

	mu        sync.Mutex
	stage     int
	fault     Fault
	faultHits int
	corrupted int // answers the invalid-UTF-8 fault actually spoiled
	huge      *HugeResult
}

// NewFaultServer starts a fault server for a test (at stage 1, no fault)
// with the clock now; it is closed when the test ends.
func NewFaultServer(t testing.TB, w FaultWire, now func() time.Time) *FaultServer {
	t.Helper()
	f := &FaultServer{t: t, w: w, now: now, stage: 1, stop: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = srv.URL
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.stop) }) // runs first
	return f
}

// Set switches the stage and the fault.
func (f *FaultServer) Set(stage int, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stage, f.fault = stage, fault
	if fault == FaultHuge {
		f.huge = &HugeResult{Done: make(chan struct{})}
	}
}

// Stage is the current stage.
func (f *FaultServer) Stage() int {
	return locked(&f.mu, &f.stage)
}

// Hits is the number of polls the fault hit.
func (f *FaultServer) Hits() int {
	return locked(&f.mu, &f.faultHits)
}

// Corrupted is the number of answers FaultBadUTF8 actually spoiled (pages
// without posts have no text to spoil).
func (f *FaultServer) Corrupted() int {
	return locked(&f.mu, &f.corrupted)
}

// Huge is the result of the last FaultHuge set.
func (f *FaultServer) Huge() *HugeResult {
	return locked(&f.mu, &f.huge)
}

func (f *FaultServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault := f.fault
	poll := fault != FaultNone && f.w.IsPoll(r)
	if poll {
		f.faultHits++
	}
	huge := f.huge
	f.mu.Unlock()
	if !poll {
		f.w.Handle(w, r)
		return
	}
	now := f.now()
	h := w.Header()
	switch fault {
	case Fault429RetryAfter:
		f.w.Common(h, now)
		f.w.Reset(h, now.Add(15*time.Minute), now, false) // Retry-After must win
		h.Set("Retry-After", fmt.Sprint(FaultRetryAfterSecs))
		f.writeErr(w, http.StatusTooManyRequests)
	case Fault429Reset:
		f.w.Common(h, now)
		f.w.Reset(h, FaultResetAt(now), now, true)
		f.writeErr(w, http.StatusTooManyRequests)
	case Fault401, Fault403, Fault404, Fault500:
		f.w.Common(h, now)
		f.writeErr(w, map[Fault]int{Fault401: 401, Fault403: 403, Fault404: 404, Fault500: 500}[fault])
	case Fault502HTML:
		Reply{Status: http.StatusBadGateway, Type: "text/html", Body: Fixture("mastodon/error_502_proxy.html")}.ServeHTTP(w, r)
	case FaultResetHeaders:
		f.cut(w, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nX-RateLimit-Li"))
	case FaultResetBody:
		rec := f.healthy(r)
		body := rec.Body.Bytes()
		var raw bytes.Buffer
		fmt.Fprintf(&raw, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", rec.Header().Get("Content-Type"), len(body))
		raw.Write(body[:len(body)/2])
		f.cut(w, raw.Bytes())
	case FaultSlow:
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
	case FaultMalformed:
		rec := f.healthy(r)
		body := rec.Body.Bytes()
		if len(body) < 40 {
			f.t.Errorf("fake %s: healthy body too short to truncate: %q", f.w.Name, body)
		}
		copyHeader(h, rec.Header())
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
	case FaultHuge:
		f.streamHuge(w, huge)
	case FaultBadUTF8:
		rec := f.healthy(r)
		body := f.w.Corrupt(rec.Body.Bytes())
		if !bytes.Equal(body, rec.Body.Bytes()) {
			f.mu.Lock()
			f.corrupted++
			f.mu.Unlock()
		}
		copyHeader(h, rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	case FaultEmpty:
		f.w.Common(h, now)
		ct, body := f.w.Empty()
		Reply{Status: http.StatusOK, Type: ct, Body: body}.ServeHTTP(w, r)
	default:
		f.t.Errorf("fake: unknown fault %v", fault)
	}
}

// healthy renders the answer the network would give without the fault.
func (f *FaultServer) healthy(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.w.Handle(rec, r)
	if rec.Code != http.StatusOK {
		f.t.Errorf("fake %s: healthy answer to %s is %d: %s", f.w.Name, r.URL, rec.Code, rec.Body.Bytes())
	}
	return rec
}

func (f *FaultServer) writeErr(w http.ResponseWriter, status int) {
	ct, body := f.w.ErrBody(status)
	Reply{Status: status, Type: ct, Body: body}.ServeHTTP(w, nil)
}

// cut writes raw bytes on the bare connection and closes it.
func (f *FaultServer) cut(w http.ResponseWriter, raw []byte) {
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
	_, _ = conn.Write(raw)
	_ = conn.Close()
}

// streamHuge writes 1 MiB chunks until 50 MiB are out or the client hangs up.
func (f *FaultServer) streamHuge(w http.ResponseWriter, res *HugeResult) {
	defer close(res.Done)
	w.Header().Set("Content-Type", f.w.HugeCT)
	w.WriteHeader(http.StatusOK)
	chunk := bytes.Repeat([]byte("a"), hugeChunk)
	n, err := w.Write([]byte(f.w.HugePrefix))
	res.Written += int64(n)
	fl, _ := w.(http.Flusher)
	for err == nil && res.Written < FaultHugeTotal {
		select {
		case <-f.stop:
			res.Err = fmt.Errorf("stopped")
			return
		default:
		}
		n, err = w.Write(chunk)
		res.Written += int64(n)
		if err == nil && fl != nil {
			fl.Flush()
		}
	}
	res.Err = err
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		if k == "Content-Length" {
			continue
		}
		dst[k] = append([]string(nil), vs...)
	}
}

// BadUTF8 is what the corrupting fault puts into text: a lone
// continuation byte, an invalid start byte, and a truncated three-byte
// sequence.
const BadUTF8 = "\x80\xff\xe2\x82"

// InsertAfter inserts ins after every match of re.
func InsertAfter(re *regexp.Regexp, body []byte, ins string) []byte {
	return re.ReplaceAllFunc(body, func(m []byte) []byte {
		return append(append([]byte(nil), m...), ins...)
	})
}

// jsonTextRE finds the start of the string values that carry post text.
var jsonTextRE = regexp.MustCompile(`"(text|content)"\s*:\s*"`)

// CorruptJSON puts BadUTF8 at the start of every "text" and "content"
// string of a JSON body.
func CorruptJSON(body []byte) []byte { return InsertAfter(jsonTextRE, body, BadUTF8) }
