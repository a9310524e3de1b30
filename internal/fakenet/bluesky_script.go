package fakenet

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// Bluesky fixture facts the scripted Bluesky pages and answers by.
const (
	// BlueskyCursorPage2 and BlueskyCursorPageEnd are the cursors of the
	// second and last listNotifications fixture pages.
	BlueskyCursorPage2   = "2026-11-21T11:02:47.702Z"
	BlueskyCursorPageEnd = "2026-11-21T09:14:04.001Z"
	// blueskyTomasDID is the one member the fixtures' chat accepts.
	blueskyTomasDID = "did:plc:m3hzkrmbi2dxxqxu7dnceyz5"
)

// BlueskyScript is the scripted XRPC service for the Bluesky adapter's
// unit tests: an entryway that only logs in and the PDS named in the
// session's DID document, answering with the fixtures the way the
// reference PDS (and the AppView and chat service behind it) do. It
// checks the bearer token (an expired one answers ExpiredToken), keeps
// the records created, and takes a test's answer for any NSID (Route).
type BlueskyScript struct {
	*Script
	EntryURL, PDSURL string
	Handle, Password string

	t        testing.TB
	sm       sync.Mutex
	access   string          // the access token the PDS accepts
	refresh  string          // the refresh token the PDS accepts
	stale    map[string]bool // access tokens that answer ExpiredToken
	records  map[string][]byte
	deleted  map[string]bool // URIs of customers' posts their authors deleted
	sessions int             // createSession calls that succeeded
}

// NewBlueskyScript starts the scripted Bluesky for a test, for the
// account BlueskyHandle with this app password.
func NewBlueskyScript(t testing.TB, password string) *BlueskyScript {
	t.Helper()
	s := &BlueskyScript{Handle: BlueskyHandle, Password: password, t: t,
		stale: map[string]bool{}, records: map[string][]byte{}, deleted: map[string]bool{},
		access: fixtureField("createSession.json", "accessJwt"), refresh: fixtureField("createSession.json", "refreshJwt")}
	s.Script = NewScript(t, ScriptOptions{Net: NetBluesky, Gate: s.gate, Hosts: []string{"entry", "pds"},
		Key: func(r *http.Request) string { return strings.TrimPrefix(r.URL.Path, "/xrpc/") }})
	s.EntryURL, s.PDSURL = s.URLs["entry"], s.URLs["pds"]
	s.defaults()
	return s
}

// NSID is the XRPC method a Bluesky request called.
func (r Request) NSID() string { return strings.TrimPrefix(r.Path, "/xrpc/") }

// Route replaces the handler of one NSID.
func (s *BlueskyScript) Route(nsid string, h http.HandlerFunc) { s.HandleFunc(nsid, h) }

// Calls returns the recorded requests for nsid.
func (s *BlueskyScript) Calls(nsid string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.NSID() == nsid {
			out = append(out, r)
		}
	}
	return out
}

// BrandReads are the getRecord calls for the brand's own repository (the
// confirmations of sent replies; parent checks read the customer's).
func (s *BlueskyScript) BrandReads() []Request {
	var out []Request
	for _, r := range s.Calls("com.atproto.repo.getRecord") {
		if r.Query.Get("repo") == BlueskyDID {
			out = append(out, r)
		}
	}
	return out
}

// Expire makes the current access token answer ExpiredToken from now on.
func (s *BlueskyScript) Expire() {
	s.sm.Lock()
	defer s.sm.Unlock()
	s.stale[s.access] = true
	s.access = "" // only a refresh brings a valid one back
}

// SetTokens replaces the access token the PDS accepts and the refresh
// token it takes ("" keeps one).
func (s *BlueskyScript) SetTokens(access, refresh string) {
	s.sm.Lock()
	defer s.sm.Unlock()
	if access != "" {
		s.access = access
	}
	if refresh != "" {
		s.refresh = refresh
	}
}

// Records is the number of records created.
func (s *BlueskyScript) Records() int {
	s.sm.Lock()
	defer s.sm.Unlock()
	return len(s.records)
}

// DeletePost makes a customer's post (its at:// URI) gone, as when its
// author deleted it.
func (s *BlueskyScript) DeletePost(uri string) {
	s.sm.Lock()
	defer s.sm.Unlock()
	s.deleted[uri] = true
}

// gate answers what the real services refuse before any method runs.
func (s *BlueskyScript) gate(host string, w http.ResponseWriter, r *http.Request) bool {
	nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	if _, ok := s.Handler(nsid); !strings.HasPrefix(r.URL.Path, "/xrpc/") || !ok {
		writeXRPC(w, 501, `{"error":"MethodNotImplemented","message":"Method Not Implemented"}`)
		return false
	}
	if host == "entry" && nsid != "com.atproto.server.createSession" {
		writeXRPC(w, 400, `{"error":"InvalidRequest","message":"the entryway only logs in here"}`)
		return false
	}
	if nsid != "com.atproto.server.createSession" && nsid != "com.atproto.server.refreshSession" {
		return s.authorized(w, r)
	}
	return true
}

// authorized checks the bearer token the way the reference PDS does.
func (s *BlueskyScript) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		writeXRPC(w, 401, string(Fixture("bluesky/error_401_auth_missing.json")))
		return false
	}
	tok := strings.TrimPrefix(auth, "Bearer ")
	s.sm.Lock()
	defer s.sm.Unlock()
	switch {
	case s.access != "" && tok == s.access:
		return true
	case s.stale[tok]:
		writeXRPC(w, 400, string(Fixture("bluesky/error_400_expired_token.json")))
	default:
		writeXRPC(w, 400, `{"error":"InvalidToken","message":"Token could not be verified"}`)
	}
	return false
}

func writeXRPC(w http.ResponseWriter, status int, body string) {
	writeJSON(w, status, []byte(body))
}

// ServeFixture answers with the fixture bluesky/name, its DID document
// pointed at the script's PDS.
func (s *BlueskyScript) ServeFixture(w http.ResponseWriter, status int, name string) {
	writeJSON(w, status, pdsFixture(name, s.PDSURL))
}

// fixtureField reads one string member of a Bluesky fixture.
func fixtureField(name, field string) string {
	return str(object(Fixture("bluesky/"+name)), field)
}

func (s *BlueskyScript) defaults() {
	s.Route("com.atproto.server.createSession", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Identifier, Password string }
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
			writeXRPC(w, 400, `{"error":"InvalidRequest","message":"Input must be JSON"}`)
			return
		}
		if in.Identifier != s.Handle || in.Password != s.Password {
			s.ServeFixture(w, 401, "error_401_bad_password.json")
			return
		}
		s.sm.Lock()
		s.sessions++
		s.access = fixtureField("createSession.json", "accessJwt")
		s.refresh = fixtureField("createSession.json", "refreshJwt")
		delete(s.stale, s.access)
		s.sm.Unlock()
		s.ServeFixture(w, 200, "createSession.json")
	})
	s.Route("com.atproto.server.refreshSession", func(w http.ResponseWriter, r *http.Request) {
		s.sm.Lock()
		ok := r.Method == http.MethodPost && r.Header.Get("Authorization") == "Bearer "+s.refresh
		if ok {
			if s.access != "" {
				s.stale[s.access] = true
			}
			s.access = fixtureField("refreshSession.json", "accessJwt")
		}
		s.sm.Unlock()
		if len(mustBody(r)) != 0 {
			s.t.Errorf("fake: refreshSession sent a body")
		}
		if !ok {
			s.ServeFixture(w, 400, "error_400_invalid_token_refresh.json")
			return
		}
		s.ServeFixture(w, 200, "refreshSession.json")
	})
	s.Route("com.atproto.server.getSession", func(w http.ResponseWriter, r *http.Request) {
		s.ServeFixture(w, 200, "getSession.json")
	})
	s.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		if !s.CheckNotificationQuery(w, r) {
			return
		}
		if !s.ServeNotificationPage(w, r.URL.Query().Get("cursor"), "") {
			writeXRPC(w, 400, `{"error":"InvalidRequest","message":"bad cursor"}`)
		}
	})
	s.Route("app.bsky.actor.getProfiles", func(w http.ResponseWriter, r *http.Request) {
		if n := len(r.URL.Query()["actors"]); n == 0 || n > 25 {
			writeXRPC(w, 400, `{"error":"InvalidRequest","message":"actors must have 1..25 entries"}`)
			return
		}
		s.ServeFixture(w, 200, "getProfiles.json")
	})
	s.Route("app.bsky.feed.getPostThread", func(w http.ResponseWriter, r *http.Request) {
		s.ServeFixture(w, 200, "getPostThread.json")
	})
	s.Route("app.bsky.feed.searchPosts", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			s.ServeFixture(w, 200, "searchPosts.json")
			return
		}
		s.ServeFixture(w, 200, "searchPosts_last.json")
	})
	s.Route("com.atproto.identity.resolveHandle", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("handle") {
		case "maria-lopez.bsky.social":
			s.ServeFixture(w, 200, "resolveHandle.json")
		case "atproto.com":
			writeXRPC(w, 200, `{"did":"did:plc:ewvi7nxzyoun6zhxrhs64oiz"}`)
		default:
			writeXRPC(w, 400, `{"error":"InvalidRequest","message":"Unable to resolve handle"}`)
		}
	})
	s.Route("com.atproto.repo.createRecord", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Repo, Collection, Rkey string
			Record                 json.RawMessage
		}
		if err := json.Unmarshal(mustBody(r), &in); err != nil || in.Repo != BlueskyDID || in.Collection != postCollection {
			s.ServeFixture(w, 400, "error_400_invalid_record.json")
			return
		}
		s.sm.Lock()
		_, dup := s.records[in.Rkey]
		if !dup {
			s.records[in.Rkey] = in.Record
		}
		s.sm.Unlock()
		if dup {
			s.ServeFixture(w, 500, "error_500_duplicate_rkey.json")
			return
		}
		uri := "at://" + BlueskyDID + "/" + postCollection + "/" + in.Rkey
		writeXRPC(w, 200, strings.Replace(string(Fixture("bluesky/createRecord.json")),
			"at://"+BlueskyDID+"/app.bsky.feed.post/3n2v5rwwfec27", uri, 1))
	})
	s.Route("com.atproto.repo.getRecord", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if repo := q.Get("repo"); repo != BlueskyDID {
			// a customer's post: there unless its author deleted it
			// (live_getRecord-customer.json and
			// live_error_400_getRecord-deleted.json, from the reference PDS)
			uri := "at://" + repo + "/" + q.Get("collection") + "/" + q.Get("rkey")
			s.sm.Lock()
			gone := s.deleted[uri]
			s.sm.Unlock()
			if gone || q.Get("collection") != postCollection {
				s.ServeFixture(w, 400, "live_error_400_getRecord-deleted.json")
				return
			}
			var rec map[string]any
			if err := json.Unmarshal(Fixture("bluesky/live_getRecord-customer.json"), &rec); err != nil {
				s.t.Errorf("live_getRecord-customer.json: %v", err)
			}
			rec["uri"] = uri
			b, _ := json.Marshal(rec)
			writeXRPC(w, 200, string(b))
			return
		}
		s.sm.Lock()
		rec, ok := s.records[q.Get("rkey")]
		s.sm.Unlock()
		if q.Get("repo") != BlueskyDID || q.Get("collection") != postCollection || !ok {
			s.ServeFixture(w, 400, "error_400_record_not_found.json")
			return
		}
		uri := "at://" + BlueskyDID + "/" + postCollection + "/" + q.Get("rkey")
		writeXRPC(w, 200, fmt.Sprintf(`{"uri":%q,"cid":"bafyreis2ne2nw4547riljm4cpm3mexhfp2urcnkibi4cfl4okbckcdwe7q","value":%s}`, uri, rec))
	})
	s.Route("chat.bsky.convo.getConvoForMembers", func(w http.ResponseWriter, r *http.Request) {
		if !s.CheckProxy(w, r) {
			return
		}
		if m := r.URL.Query()["members"]; !reflect.DeepEqual(m, []string{blueskyTomasDID}) {
			s.ServeFixture(w, 400, "error_400_chat_messages_disabled.json")
			return
		}
		s.ServeFixture(w, 200, "chat_getConvoForMembers.json")
	})
	s.Route("chat.bsky.convo.sendMessage", func(w http.ResponseWriter, r *http.Request) {
		if !s.CheckProxy(w, r) {
			return
		}
		s.ServeFixture(w, 200, "chat_sendMessage.json")
	})
}

// CheckProxy refuses a chat call without the chat service proxy header.
func (s *BlueskyScript) CheckProxy(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("atproto-proxy") != "did:web:api.bsky.chat#bsky_chat" {
		writeXRPC(w, 400, `{"error":"InvalidRequest","message":"No service configured for chat.bsky"}`)
		return false
	}
	return true
}

// CheckNotificationQuery enforces what the AppView accepts and what the
// adapter must always send.
func (s *BlueskyScript) CheckNotificationQuery(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if q.Has("seenAt") {
		s.ServeFixture(w, 400, "error_400_seenat_unsupported.json")
		return false
	}
	if !reflect.DeepEqual(q["reasons"], []string{"mention", "reply", "quote"}) || q.Get("priority") != "false" || q.Get("limit") != "50" {
		s.t.Errorf("fake: listNotifications query %v", q)
	}
	return true
}

// ServeNotificationPage serves the fixture page of listNotifications that
// cursor names, the first page being named first ("" for the default
// route), and reports whether cursor named one.
func (s *BlueskyScript) ServeNotificationPage(w http.ResponseWriter, cursor, first string) bool {
	name, ok := map[string]string{
		first:                "listNotifications.json",
		BlueskyCursorPage2:   "listNotifications_page2.json",
		BlueskyCursorPageEnd: "listNotifications_last.json",
	}[cursor]
	if ok {
		s.ServeFixture(w, 200, name)
	}
	return ok
}
