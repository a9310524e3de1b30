package bluesky

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
)

// The fake speaks XRPC the way the reference PDS (and the AppView and chat
// service behind it) do, answering with the shared fixture files (internal/fakenet/testdata/bluesky).
// It runs two loopback servers: the entryway, which only logs in, and the
// PDS named in the session's DID document, which serves everything else.

const (
	fixturePDS    = "https://shiitake.us-east.host.bsky.network"
	brandDID      = "did:plc:4u3kqlsvrwjd5m2bfbm7qexz"
	brandHandle   = "acmecoffee.bsky.social"
	appPassword   = "abcd-efgh-ijkl-mnop"
	mariaDID      = "did:plc:7qgtmhxwqgkz2yvw3c5ebnpz"
	tomasDID      = "did:plc:m3hzkrmbi2dxxqxu7dnceyz5"
	kasiaDID      = "did:plc:x2n6hy5dlo3ekhaz4c7fqjvr"
	cursorPage2   = "2026-11-21T11:02:47.702Z"
	cursorPageEnd = "2026-11-21T09:14:04.001Z"
)

var testNow = time.Date(2026, 11, 22, 8, 10, 0, 0, time.UTC)

type recorded struct {
	server string // "entry" or "pds"
	method string
	nsid   string
	query  url.Values
	header http.Header
	body   []byte
}

type fake struct {
	t     *testing.T
	entry *httptest.Server
	pds   *httptest.Server

	mu       sync.Mutex
	reqs     []recorded
	access   string          // the access token the PDS accepts
	refresh  string          // the refresh token the PDS accepts
	stale    map[string]bool // access tokens that answer ExpiredToken
	records  map[string][]byte
	deleted  map[string]bool // URIs of customers' posts their authors deleted
	routes   map[string]http.HandlerFunc
	sessions int // createSession calls that succeeded
}

// fixture reads one of the shared Bluesky fixtures (internal/fakenet's
// testdata/bluesky).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fakenet.Fixture("bluesky/" + name)
}

// jsonField reads one string member of a fixture.
func jsonField(t testing.TB, name, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, name), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s, _ := m[field].(string)
	return s
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{
		t:       t,
		stale:   map[string]bool{},
		records: map[string][]byte{}, deleted: map[string]bool{},
		routes: map[string]http.HandlerFunc{},
	}
	f.access = jsonField(t, "createSession.json", "accessJwt")
	f.refresh = jsonField(t, "createSession.json", "refreshJwt")
	f.entry = httptest.NewServer(f.handler("entry"))
	f.pds = httptest.NewServer(f.handler("pds"))
	t.Cleanup(f.entry.Close)
	t.Cleanup(f.pds.Close)
	f.defaults()
	return f
}

func (f *fake) client(mod ...func(*Options)) *Client {
	o := Options{
		Service:  f.entry.URL,
		Handle:   brandHandle,
		Password: appPassword,
		Account:  "acme",
		Brand:    "Acme Coffee",
		Client:   web.NewClient(5 * time.Second),
		Now:      func() time.Time { return testNow },
	}
	for _, m := range mod {
		m(&o)
	}
	return New(o)
}

// route replaces the handler of one NSID.
func (f *fake) route(nsid string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[nsid] = h
}

// calls returns the recorded requests for nsid.
func (f *fake) calls(nsid string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.reqs {
		if r.nsid == nsid {
			out = append(out, r)
		}
	}
	return out
}

// brandReads are the getRecord calls for the brand's own repository (the
// confirmations of sent replies; parent checks read the customer's).
func (f *fake) brandReads() []recorded {
	var out []recorded
	for _, r := range f.calls("com.atproto.repo.getRecord") {
		if r.query.Get("repo") == brandDID {
			out = append(out, r)
		}
	}
	return out
}

func (f *fake) all() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// expire makes the current access token answer ExpiredToken from now on.
func (f *fake) expire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stale[f.access] = true
	f.access = "" // only a refresh brings a valid one back
}

func (f *fake) handler(server string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{server, r.Method, nsid, r.URL.Query(), r.Header.Clone(), body})
		h := f.routes[nsid]
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !strings.HasPrefix(r.URL.Path, "/xrpc/") || h == nil {
			writeJSON(w, 501, `{"error":"MethodNotImplemented","message":"Method Not Implemented"}`)
			return
		}
		if server == "entry" && nsid != "com.atproto.server.createSession" {
			writeJSON(w, 400, `{"error":"InvalidRequest","message":"the entryway only logs in here"}`)
			return
		}
		if nsid != "com.atproto.server.createSession" && nsid != "com.atproto.server.refreshSession" && !f.authorized(w, r) {
			return
		}
		h(w, r)
	}
}

// authorized checks the bearer token the way the reference PDS does.
func (f *fake) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		writeJSON(w, 401, string(fixture(f.t, "error_401_auth_missing.json")))
		return false
	}
	tok := strings.TrimPrefix(auth, "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.access != "" && tok == f.access:
		return true
	case f.stale[tok]:
		writeJSON(w, 400, string(fixture(f.t, "error_400_expired_token.json")))
	default:
		writeJSON(w, 400, `{"error":"InvalidToken","message":"Token could not be verified"}`)
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// serve answers with a fixture, pointing its DID document at the fake PDS.
func (f *fake) serve(w http.ResponseWriter, status int, name string) {
	b := bytes.ReplaceAll(fixture(f.t, name), []byte(fixturePDS), []byte(f.pds.URL))
	writeJSON(w, status, string(b))
}

func (f *fake) fail(format string, args ...any) {
	f.t.Helper()
	f.t.Errorf("fake: "+format, args...)
}

func (f *fake) defaults() {
	f.route("com.atproto.server.createSession", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Identifier, Password string }
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
			writeJSON(w, 400, `{"error":"InvalidRequest","message":"Input must be JSON"}`)
			return
		}
		if in.Identifier != brandHandle || in.Password != appPassword {
			f.serve(w, 401, "error_401_bad_password.json")
			return
		}
		f.mu.Lock()
		f.sessions++
		f.access = jsonField(f.t, "createSession.json", "accessJwt")
		f.refresh = jsonField(f.t, "createSession.json", "refreshJwt")
		delete(f.stale, f.access)
		f.mu.Unlock()
		f.serve(w, 200, "createSession.json")
	})
	f.route("com.atproto.server.refreshSession", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ok := r.Method == http.MethodPost && r.Header.Get("Authorization") == "Bearer "+f.refresh
		if ok {
			if f.access != "" {
				f.stale[f.access] = true
			}
			f.access = jsonField(f.t, "refreshSession.json", "accessJwt")
		}
		f.mu.Unlock()
		if len(mustRead(r)) != 0 {
			f.fail("refreshSession sent a body")
		}
		if !ok {
			f.serve(w, 400, "error_400_invalid_token_refresh.json")
			return
		}
		f.serve(w, 200, "refreshSession.json")
	})
	f.route("com.atproto.server.getSession", func(w http.ResponseWriter, r *http.Request) {
		f.serve(w, 200, "getSession.json")
	})
	f.route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		if !f.checkNotificationQuery(w, r) {
			return
		}
		switch r.URL.Query().Get("cursor") {
		case "":
			f.serve(w, 200, "listNotifications.json")
		case cursorPage2:
			f.serve(w, 200, "listNotifications_page2.json")
		case cursorPageEnd:
			f.serve(w, 200, "listNotifications_last.json")
		default:
			writeJSON(w, 400, `{"error":"InvalidRequest","message":"bad cursor"}`)
		}
	})
	f.route("app.bsky.actor.getProfiles", func(w http.ResponseWriter, r *http.Request) {
		if n := len(r.URL.Query()["actors"]); n == 0 || n > 25 {
			writeJSON(w, 400, `{"error":"InvalidRequest","message":"actors must have 1..25 entries"}`)
			return
		}
		f.serve(w, 200, "getProfiles.json")
	})
	f.route("app.bsky.feed.getPostThread", func(w http.ResponseWriter, r *http.Request) {
		f.serve(w, 200, "getPostThread.json")
	})
	f.route("app.bsky.feed.searchPosts", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			f.serve(w, 200, "searchPosts.json")
			return
		}
		f.serve(w, 200, "searchPosts_last.json")
	})
	f.route("com.atproto.identity.resolveHandle", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("handle") {
		case "maria-lopez.bsky.social":
			f.serve(w, 200, "resolveHandle.json")
		case "atproto.com":
			writeJSON(w, 200, `{"did":"did:plc:ewvi7nxzyoun6zhxrhs64oiz"}`)
		default:
			writeJSON(w, 400, `{"error":"InvalidRequest","message":"Unable to resolve handle"}`)
		}
	})
	f.route("com.atproto.repo.createRecord", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Repo, Collection, Rkey string
			Record                 json.RawMessage
		}
		if err := json.Unmarshal(mustRead(r), &in); err != nil || in.Repo != brandDID || in.Collection != postCollection {
			f.serve(w, 400, "error_400_invalid_record.json")
			return
		}
		f.mu.Lock()
		_, dup := f.records[in.Rkey]
		if !dup {
			f.records[in.Rkey] = in.Record
		}
		f.mu.Unlock()
		if dup {
			f.serve(w, 500, "error_500_duplicate_rkey.json")
			return
		}
		uri := "at://" + brandDID + "/" + postCollection + "/" + in.Rkey
		writeJSON(w, 200, strings.Replace(string(fixture(f.t, "createRecord.json")),
			"at://"+brandDID+"/app.bsky.feed.post/3n2v5rwwfec27", uri, 1))
	})
	f.route("com.atproto.repo.getRecord", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if repo := q.Get("repo"); repo != brandDID {
			// a customer's post: there unless its author deleted it
			// (live_getRecord-customer.json and
			// live_error_400_getRecord-deleted.json, from the reference PDS)
			uri := "at://" + repo + "/" + q.Get("collection") + "/" + q.Get("rkey")
			f.mu.Lock()
			gone := f.deleted[uri]
			f.mu.Unlock()
			if gone || q.Get("collection") != postCollection {
				f.serve(w, 400, "live_error_400_getRecord-deleted.json")
				return
			}
			var rec map[string]any
			if err := json.Unmarshal(fixture(f.t, "live_getRecord-customer.json"), &rec); err != nil {
				f.t.Errorf("live_getRecord-customer.json: %v", err)
			}
			rec["uri"] = uri
			b, _ := json.Marshal(rec)
			writeJSON(w, 200, string(b))
			return
		}
		f.mu.Lock()
		rec, ok := f.records[q.Get("rkey")]
		f.mu.Unlock()
		if q.Get("repo") != brandDID || q.Get("collection") != postCollection || !ok {
			f.serve(w, 400, "error_400_record_not_found.json")
			return
		}
		uri := "at://" + brandDID + "/" + postCollection + "/" + q.Get("rkey")
		writeJSON(w, 200, fmt.Sprintf(`{"uri":%q,"cid":"bafyreis2ne2nw4547riljm4cpm3mexhfp2urcnkibi4cfl4okbckcdwe7q","value":%s}`, uri, rec))
	})
	f.route("chat.bsky.convo.getConvoForMembers", func(w http.ResponseWriter, r *http.Request) {
		if !f.checkProxy(w, r) {
			return
		}
		if m := r.URL.Query()["members"]; !reflect.DeepEqual(m, []string{tomasDID}) {
			f.serve(w, 400, "error_400_chat_messages_disabled.json")
			return
		}
		f.serve(w, 200, "chat_getConvoForMembers.json")
	})
	f.route("chat.bsky.convo.sendMessage", func(w http.ResponseWriter, r *http.Request) {
		if !f.checkProxy(w, r) {
			return
		}
		f.serve(w, 200, "chat_sendMessage.json")
	})
}

func mustRead(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

func (f *fake) checkProxy(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("atproto-proxy") != "did:web:api.bsky.chat#bsky_chat" {
		writeJSON(w, 400, `{"error":"InvalidRequest","message":"No service configured for chat.bsky"}`)
		return false
	}
	return true
}

// checkNotificationQuery enforces what the AppView accepts and what the
// adapter must always send.
func (f *fake) checkNotificationQuery(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if q.Has("seenAt") {
		f.serve(w, 400, "error_400_seenat_unsupported.json")
		return false
	}
	if !reflect.DeepEqual(q["reasons"], []string{"mention", "reply", "quote"}) || q.Get("priority") != "false" || q.Get("limit") != "50" {
		f.fail("listNotifications query %v", q)
	}
	return true
}

// mkNotif builds a notification in the wire shape.
func mkNotif(uri, did, handle, reason, text, indexedAt string) map[string]any {
	return map[string]any{
		"uri":    uri,
		"cid":    "bafyreibcgwc34gqebxmtrlg3r5xov3n4xhcfoelx2ruicldutah43cp6uq",
		"author": map[string]any{"did": did, "handle": handle, "labels": []any{}},
		"reason": reason,
		"record": map[string]any{
			"$type": "app.bsky.feed.post", "text": text, "createdAt": indexedAt, "langs": []string{"en"},
		},
		"isRead": false, "indexedAt": indexedAt, "labels": []any{},
	}
}

// pageJSON builds a listNotifications page.
func pageJSON(t testing.TB, cursor string, notifs ...map[string]any) string {
	t.Helper()
	m := map[string]any{"notifications": notifs, "priority": false}
	if notifs == nil {
		m["notifications"] = []any{}
	}
	if cursor != "" {
		m["cursor"] = cursor
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
