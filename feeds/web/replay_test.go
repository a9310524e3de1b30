package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// dropServer answers every request but one kind: a request to /send with
// the method drop is read, counted and answered by closing the connection.
// Sent after a warm-up request on the same keep-alive connection, that is
// a reused connection breaking under a request — the case in which
// net/http's Transport replays a request it believes idempotent.
type dropServer struct {
	*httptest.Server
	mu       sync.Mutex
	arrivals map[string]int // method+path -> requests received
	bodies   []int64        // body sizes of the dropped requests
}

func newDropServer(t *testing.T, drop string) *dropServer {
	d := &dropServer{arrivals: map[string]int{}}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		d.mu.Lock()
		d.arrivals[r.Method+" "+r.URL.Path]++
		d.mu.Unlock()
		if r.Method != drop || r.URL.Path != "/send" {
			w.Write([]byte(`{}`))
			return
		}
		d.mu.Lock()
		d.bodies = append(d.bodies, n)
		d.mu.Unlock()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *dropServer) count(method string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.arrivals[method+" /send"]
}

// TestNoTransportReplay: a request that may change something on the
// server reaches it at most once per Do, whatever headers it carries,
// even when the keep-alive connection it went out on breaks before the
// answer. The control row (GET) shows the set-up does provoke net/http's
// replay: a GET is sent again by the Transport itself.
func TestNoTransportReplay(t *testing.T) {
	cases := []struct {
		name    string
		method  string
		header  string // "" or a header name set to "k1"
		body    string
		nilBody bool
		want    int // requests the server receives
	}{
		{name: "GET is replayed (control)", method: http.MethodGet, nilBody: true, want: 2},
		{name: "POST with Idempotency-Key", method: http.MethodPost, header: "Idempotency-Key", body: `status=hi`, want: 1},
		{name: "POST with X-Idempotency-Key", method: http.MethodPost, header: "X-Idempotency-Key", body: `{"text":"hi"}`, want: 1},
		{name: "POST with Idempotency-Key, no body", method: http.MethodPost, header: "Idempotency-Key", nilBody: true, want: 1},
		{name: "POST, JSON body", method: http.MethodPost, body: `{"text":"hi"}`, want: 1},
		{name: "DELETE with Idempotency-Key", method: http.MethodDelete, header: "Idempotency-Key", nilBody: true, want: 1},
		{name: "PUT with Idempotency-Key", method: http.MethodPut, header: "Idempotency-Key", body: `{}`, want: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDropServer(t, c.method)
			// One Transport of our own so the connection of the warm-up
			// request is the one the send reuses.
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			cl := &Client{HTTP: &http.Client{Transport: tr, Timeout: DefaultTimeout}}
			ctx := context.Background()

			warm, _ := http.NewRequest(http.MethodGet, d.URL+"/warm", nil)
			if _, err := cl.Do(ctx, warm); err != nil {
				t.Fatalf("warm-up: %v", err)
			}
			var body io.Reader
			if !c.nilBody {
				body = bytes.NewBufferString(c.body)
			}
			req, _ := http.NewRequest(c.method, d.URL+"/send", body)
			if c.header != "" {
				req.Header.Set(c.header, "k1")
			}
			_, err := cl.Do(ctx, req)
			if got := d.count(c.method); got != c.want {
				t.Errorf("%s reached the server %d times, want %d", c.method, got, c.want)
			}
			if c.want == 1 {
				// the failure comes back to the caller, typed transient
				// (the engine then confirms before any resend)
				if err == nil || social.KindOf(err) != social.Transient {
					t.Errorf("want a transient error, got %v", err)
				}
				if req.GetBody == nil && !c.nilBody {
					t.Errorf("the caller's request lost its GetBody (Do must work on a copy)")
				}
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			for _, n := range d.bodies {
				if want := int64(len(c.body)); n != want {
					t.Errorf("the server read a body of %d bytes, want %d", n, want)
				}
			}
		})
	}
}

// TestTransportErrorsAreOneLine: what the operator reads when the server
// is not there, too slow, or cuts the connection — one clear line, the
// kind transient, no URL query, and the cause still reachable with
// errors.Is.
func TestTransportErrorsAreOneLine(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	stop := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer slow.Close()
	defer close(stop)
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
	}))
	defer cut.Close()
	cases := []struct {
		name, url string
		want      string
		is        error
	}{
		{"server down", closedURL, "transient: cannot connect to " + strings.TrimPrefix(closedURL, "http://") + ": connection refused", syscall.ECONNREFUSED},
		{"too slow", slow.URL, "transient: request to " + strings.TrimPrefix(slow.URL, "http://") + ": no answer within 200ms", nil},
		{"cut", cut.URL, "transient: request to " + strings.TrimPrefix(cut.URL, "http://") + ": the connection was closed before the answer", io.EOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := NewClient(200 * time.Millisecond)
			req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/statuses?access_token=secret", strings.NewReader("status=x"))
			_, err := cl.Do(context.Background(), req)
			if err == nil || err.Error() != c.want {
				t.Errorf("got  %v\nwant %s", err, c.want)
			}
			if social.KindOf(err) != social.Transient {
				t.Errorf("kind %v", social.KindOf(err))
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("errors.Is(%v) false", c.is)
			}
			if strings.Contains(fmt.Sprint(err), "secret") {
				t.Errorf("leaks the query: %v", err)
			}
		})
	}
}
