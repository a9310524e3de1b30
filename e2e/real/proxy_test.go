//go:build e2ereal

package real

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// holdProxy stands in front of a server (GoToSocial or the PDS) and
// forwards everything. The calls to the watched paths (POSTs: a status
// creation, a media upload) are counted; while a path is held, its call
// goes through — the server acts on it — but the answer is held back
// until the client goes away: the moment to SIGKILL hark.
//
// For Bluesky, the session answers are rewritten so that the DID
// document names this proxy as the PDS (hark talks to the PDS it names).
type holdProxy struct {
	*httptest.Server
	mu    sync.Mutex
	held  map[string]bool
	calls map[string]int
	seen  chan string // the path of each watched call the server answered
}

func newHoldProxy(t *testing.T, target string, watch ...string) *holdProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &holdProxy{held: map[string]bool{}, calls: map[string]int{}, seen: make(chan string, 64)}
	for _, w := range watch {
		p.calls[w] = 0
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	direct := rp.Director
	rp.Director = func(r *http.Request) {
		direct(r)
		r.Host = u.Host                 // GoToSocial serves its own host name
		r.Header.Del("Accept-Encoding") // bodies in clear: the session's DID document is rewritten
	}
	rp.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		switch r.URL.Path {
		case "/xrpc/com.atproto.server.createSession", "/xrpc/com.atproto.server.refreshSession", "/xrpc/com.atproto.server.getSession":
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			for _, pds := range []string{"http://localhost:" + u.Port(), "http://127.0.0.1:" + u.Port()} {
				b = bytes.ReplaceAll(b, []byte(`"`+pds+`"`), []byte(`"`+p.URL+`"`))
			}
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.ContentLength = int64(len(b))
			resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
			return nil
		}
		p.mu.Lock()
		_, watched := p.calls[r.URL.Path]
		hold := p.held[r.URL.Path]
		if watched && r.Method == http.MethodPost {
			p.calls[r.URL.Path]++
		}
		p.mu.Unlock()
		if !watched || r.Method != http.MethodPost {
			return nil
		}
		p.seen <- r.URL.Path
		if hold {
			<-r.Context().Done() // the client (hark) was killed
			return r.Context().Err()
		}
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	p.Server = httptest.NewServer(rp)
	t.Cleanup(p.Close)
	return p
}

func (p *holdProxy) hold(path string, on bool) { p.mu.Lock(); p.held[path] = on; p.mu.Unlock() }

func (p *holdProxy) count(path string) int { p.mu.Lock(); defer p.mu.Unlock(); return p.calls[path] }

// killAt runs hark with args and SIGKILLs it once the server has answered
// a call to path (the answer held back): the server did the work, hark
// never heard of it.
func (p *holdProxy) killAt(t *testing.T, h *harkEnv, path string, args ...string) {
	t.Helper()
	for len(p.seen) > 0 {
		<-p.seen
	}
	p.hold(path, true)
	defer p.hold(path, false)
	proc := h.start(t, args...)
	deadline := time.After(60 * time.Second)
	for {
		select {
		case got := <-p.seen:
			if got != path {
				continue
			}
			proc.cmd.Process.Signal(syscall.SIGKILL)
			<-proc.done
			return
		case err := <-proc.done:
			t.Fatalf("hark %v ended (%v) before calling %s:\n%s", args, err, path, proc.output())
		case <-deadline:
			t.Fatalf("hark %v never called %s:\n%s", args, path, proc.output())
		}
	}
}
