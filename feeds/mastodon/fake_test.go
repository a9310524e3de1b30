package mastodon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
)

const testToken = "tok-s3cret-value"

// fixed clock for every test.
var testNow = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// fixture reads one of the shared Mastodon fixtures (internal/fakenet's
// testdata/mastodon).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fakenet.Fixture("mastodon/" + name)
}

// request is what the fake saw.
type request struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Form         url.Values
}

// reply is a canned answer.
type reply struct {
	status int
	ctype  string
	header map[string]string
	body   []byte
}

// fakeServer speaks the Mastodon client API from the fixtures: it checks the
// bearer token (401 otherwise), serves notifications and tag timelines with
// the real min_id/max_id/since_id/limit semantics, sends the rate-limit
// trio on every answer, Link headers on non-empty pages only, replays
// Idempotency-Key like Mastodon, and answers anything else from routes.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	notifs   []json.RawMessage // newest first
	tag      []json.RawMessage // newest first
	routes   map[string]reply  // "METHOD /path" → answer
	fail     map[string]reply  // "METHOD /path" → answer for the next request only
	failNth  map[string]int    // fail on the nth request (1-based) to that key
	hits     map[string]int
	reqs     []request
	posted   map[string][]byte // Idempotency-Key → status JSON
	onPost   func(form url.Values, hdr http.Header) reply
	creates  int
	noRateHd bool
}

func newFake(t *testing.T) *fakeServer {
	f := &fakeServer{t: t, routes: map[string]reply{}, fail: map[string]reply{}, failNth: map[string]int{},
		hits: map[string]int{}, posted: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.routes["GET /api/v2/instance"] = jsonReply(200, fixture(t, "instance_v2.json"))
	f.routes["GET /api/v1/accounts/verify_credentials"] = jsonReply(200, fixture(t, "verify_credentials.json"))
	return f
}

func jsonReply(status int, body []byte) reply {
	return reply{status: status, ctype: "application/json; charset=utf-8", body: body}
}

func (f *fakeServer) options() Options {
	return Options{Server: f.srv.URL, Token: testToken, Account: "acme", Brand: "Acme Coffee",
		Client: web.NewClient(5 * time.Second), Now: func() time.Time { return testNow }}
}

func (f *fakeServer) loadNotifications(name string) {
	f.t.Helper()
	var ns []json.RawMessage
	if err := json.Unmarshal(fixture(f.t, name), &ns); err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.notifs = append(f.notifs, ns...)
	f.mu.Unlock()
}

// addMentions puts n new mention notifications on top (newer than all
// others), cloned from the first fixture mention with fresh ids.
func (f *fakeServer) addMentions(n int, firstID int) {
	f.t.Helper()
	var ns []map[string]any
	if err := json.Unmarshal(fixture(f.t, "notifications_mentions.json"), &ns); err != nil {
		f.t.Fatal(err)
	}
	var added []json.RawMessage
	for i := 0; i < n; i++ {
		c := cloneMap(ns[i%len(ns)])
		c["id"] = strconv.Itoa(firstID + i)
		st := c["status"].(map[string]any)
		st["id"] = strconv.Itoa(117660000000000000 + i)
		b, _ := json.Marshal(c)
		added = append(added, b)
	}
	for i, j := 0, len(added)-1; i < j; i, j = i+1, j-1 {
		added[i], added[j] = added[j], added[i]
	}
	f.mu.Lock()
	f.notifs = append(added, f.notifs...)
	f.mu.Unlock()
}

func cloneMap(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

// set installs a canned answer for "METHOD /path".
func (f *fakeServer) set(key string, rp reply) {
	f.mu.Lock()
	f.routes[key] = rp
	f.mu.Unlock()
}

// failOnce makes the nth request (1-based; 0 = the next one) to key fail with rp.
func (f *fakeServer) failOnce(key string, nth int, rp reply) {
	f.mu.Lock()
	f.fail[key] = rp
	f.failNth[key] = nth
	f.mu.Unlock()
}

func (f *fakeServer) created() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates
}

func (f *fakeServer) requests(method, path string) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.reqs {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", 400)
		return
	}
	rec := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	if r.Method == http.MethodPost {
		rec.Form = r.PostForm
	}
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	f.hits[key]++
	failNow, failing := f.fail[key]
	if failing && (f.failNth[key] == 0 || f.failNth[key] == f.hits[key]) {
		delete(f.fail, key)
	} else {
		failing = false
	}
	f.mu.Unlock()

	if !f.noRateHd {
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "297")
		w.Header().Set("X-RateLimit-Reset", "2026-11-22T08:10:00.000000Z")
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		f.write(w, jsonReply(401, fixture(f.t, "error_401.json")))
		return
	}
	if failing {
		f.write(w, failNow)
		return
	}
	switch {
	case key == "GET /api/v1/notifications":
		if got := r.URL.Query()["types[]"]; !slices.Equal(got, []string{"mention", "update"}) {
			f.t.Errorf("notifications: types[] = %v, want [mention update]", got)
		}
		f.mu.Lock()
		all := f.notifs
		rt, ok := f.routes[key]
		f.mu.Unlock()
		if ok {
			f.write(w, rt)
			return
		}
		f.page(w, r, all, 40, 80)
		return
	case strings.HasPrefix(key, "GET /api/v1/timelines/tag/"):
		f.mu.Lock()
		all := f.tag
		rt, ok := f.routes[key]
		f.mu.Unlock()
		if ok {
			f.write(w, rt)
			return
		}
		f.page(w, r, all, 20, 40)
		return
	case key == "POST /api/v1/statuses":
		f.postStatus(w, r)
		return
	}
	f.mu.Lock()
	rt, ok := f.routes[key]
	f.mu.Unlock()
	if !ok {
		f.write(w, jsonReply(404, fixture(f.t, "error_404.json")))
		return
	}
	f.write(w, rt)
}

func (f *fakeServer) write(w http.ResponseWriter, rp reply) {
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	if rp.ctype != "" {
		w.Header().Set("Content-Type", rp.ctype)
	}
	w.WriteHeader(rp.status)
	w.Write(rp.body)
}

// page implements Mastodon's pagination over items (newest first), as
// internal/fakenet's Mastodon does.
func (f *fakeServer) page(w http.ResponseWriter, r *http.Request, items []json.RawMessage, def, max int) {
	body, link := fakenet.MastodonPage(r, items, def, max)
	if link != "" {
		w.Header().Set("Link", link)
	}
	f.write(w, jsonReply(200, body))
}

// postStatus answers POST /api/v1/statuses like Mastodon: a repeat of an
// Idempotency-Key returns the status already created.
func (f *fakeServer) postStatus(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		f.t.Errorf("POST /api/v1/statuses: Content-Type %q", ct)
	}
	key := r.Header.Get("Idempotency-Key")
	f.mu.Lock()
	if b, ok := f.posted[key]; ok && key != "" {
		f.mu.Unlock()
		f.write(w, jsonReply(200, b))
		return
	}
	on := f.onPost
	f.mu.Unlock()
	if on == nil {
		f.t.Errorf("unexpected POST /api/v1/statuses")
		f.write(w, jsonReply(500, []byte(`{"error":"unexpected"}`)))
		return
	}
	rp := on(r.PostForm, r.Header)
	f.mu.Lock()
	if rp.status == 200 {
		f.creates++
		if key != "" {
			f.posted[key] = rp.body
		}
	}
	f.mu.Unlock()
	f.write(w, rp)
}
