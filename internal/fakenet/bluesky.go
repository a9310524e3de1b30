package fakenet

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Bluesky fixture facts (testdata/bluesky, README of the shared fixtures).
const (
	// BlueskyHandle and BlueskyDID are the brand account's identity.
	BlueskyHandle = "acmecoffee.bsky.social"
	BlueskyDID    = "did:plc:4u3kqlsvrwjd5m2bfbm7qexz"
	// BlueskyPassword is the app password the fake accepts.
	BlueskyPassword = "fake-netp-assw-0rd1"
	// BlueskyChatProxy is the atproto-proxy header chat calls must carry.
	BlueskyChatProxy = "did:web:api.bsky.chat#bsky_chat"

	fixturePDS       = "https://shiitake.us-east.host.bsky.network"
	blueskyPageSize  = 2 // the fixtures' pages hold two notifications at most
	postCollection   = "app.bsky.feed.post"
	blueskyMaxText   = 300
	blueskyFixtureCI = "bafyreis2ne2nw4547riljm4cpm3mexhfp2urcnkibi4cfl4okbckcdwe7q"
)

var tidRE = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

// Record is a post the Bluesky fake created with com.atproto.repo.createRecord.
type Record struct {
	Rkey   string
	URI    string
	Record json.RawMessage // the record as sent
}

// ChatMessage is a message the Bluesky fake accepted with chat.bsky.convo.sendMessage.
type ChatMessage struct {
	ConvoID string
	ID      string
	Text    string
	SentAt  string
	Body    json.RawMessage // the request body
}

// bnotif is one notification the fake serves.
type bnotif struct {
	uri, at string
	raw     map[string]any
}

// BlueskyServer fakes the Bluesky entryway and the account's PDS (with the
// AppView and chat service behind it) as two loopback servers. The
// entryway only logs in; its createSession answer carries a DID document
// whose #atproto_pds serviceEndpoint is the fake PDS, which serves
// everything else: sessions, notifications paged by indexedAt cursors,
// profiles, threads, handle resolution, createRecord/getRecord and chat.
type BlueskyServer struct {
	URL    string // the entryway (hark's Service / config server)
	PDSURL string // the PDS named in the DID document
	Handle string
	DID    string
	// Password is the app password createSession accepts.
	Password string

	entry, pds base

	sm       sync.Mutex
	access   map[string]bool // access tokens the PDS accepts
	refresh  map[string]bool // refresh tokens refreshSession accepts
	notifs   []bnotif        // newest first
	withheld int
	profiles map[string]map[string]any // DID → profileViewDetailed
	handles  map[string]string         // handle → DID
	posts    map[string]map[string]any // URI → postView
	threads  map[string][]byte         // URI → getPostThread fixture
	records  []Record
	rkeys    map[string]int
	messages []ChatMessage
	seq      int64
	blobs    []Blob
	blobCIDs map[string]int
}

// Blob is an upload the Bluesky fake took with com.atproto.repo.uploadBlob.
type Blob struct {
	CID, MIME string
	Size      int
}

func newBluesky(n *Nets) *BlueskyServer {
	s := &BlueskyServer{Handle: BlueskyHandle, DID: BlueskyDID, Password: BlueskyPassword,
		access: map[string]bool{}, refresh: map[string]bool{}, profiles: map[string]map[string]any{},
		handles: map[string]string{BlueskyHandle: BlueskyDID}, posts: map[string]map[string]any{},
		threads: map[string][]byte{}, rkeys: map[string]int{}, blobCIDs: map[string]int{}}
	cs := object(Fixture("bluesky/createSession.json"))
	s.access[str(cs, "accessJwt")] = true
	s.refresh[str(cs, "refreshJwt")] = true
	for _, page := range []string{"listNotifications.json", "listNotifications_page2.json", "listNotifications_last.json"} {
		var p struct{ Notifications []map[string]any }
		mustUnmarshal(Fixture("bluesky/"+page), &p)
		for _, nt := range p.Notifications {
			s.notifs = append(s.notifs, bnotif{uri: str(nt, "uri"), at: str(nt, "indexedAt"), raw: nt})
			s.learnPost(nt)
		}
	}
	var profs struct{ Profiles []map[string]any }
	mustUnmarshal(Fixture("bluesky/getProfiles.json"), &profs)
	for _, p := range profs.Profiles {
		s.profiles[str(p, "did")] = p
		s.handles[str(p, "handle")] = str(p, "did")
	}
	// The brand's own profile, in the fixtures' shape, for Verify.
	brand := clone(profs.Profiles[0]).(map[string]any)
	for k, v := range map[string]any{"did": BlueskyDID, "handle": BlueskyHandle, "displayName": "Acme Coffee ☕",
		"description": "Fresh beans, fair prices.", "followersCount": 18250, "followsCount": 210, "postsCount": 3120} {
		brand[k] = v
	}
	delete(brand, "avatar")
	delete(brand, "banner")
	s.profiles[BlueskyDID] = brand
	thread := Fixture("bluesky/getPostThread.json")
	var t struct {
		Thread struct {
			Post map[string]any `json:"post"`
		} `json:"thread"`
	}
	mustUnmarshal(thread, &t)
	s.threads[str(t.Thread.Post, "uri")] = thread

	s.entry.start(n, NetBluesky, "entryway", http.HandlerFunc(s.serveEntry))
	s.pds.start(n, NetBluesky, "pds", http.HandlerFunc(s.servePDS))
	s.URL, s.PDSURL = s.entry.srv.URL, s.pds.srv.URL
	return s
}

// learnPost remembers a notification as a post view (for threads).
func (s *BlueskyServer) learnPost(nt map[string]any) {
	view := map[string]any{"uri": nt["uri"], "cid": nt["cid"], "author": nt["author"], "record": nt["record"],
		"indexedAt": nt["indexedAt"], "labels": []any{}, "replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0}
	s.posts[str(nt, "uri")] = view
	if a, ok := nt["author"].(map[string]any); ok {
		s.handles[str(a, "handle")] = str(a, "did")
	}
}

// Requests returns the requests both servers received, oldest first.
func (s *BlueskyServer) Requests() []Request { return s.entry.nets.Requests(NetBluesky) }

// Find returns the requests for one XRPC method (NSID), on either server.
func (s *BlueskyServer) Find(nsid string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == "/xrpc/"+nsid {
			out = append(out, r)
		}
	}
	return out
}

// Intercept puts mw in front of both servers (see base.Intercept).
func (s *BlueskyServer) Intercept(mw func(next http.Handler) http.Handler) {
	s.entry.Intercept(mw)
	s.pds.Intercept(mw)
}

// Withhold hides the n newest notifications until Release.
func (s *BlueskyServer) Withhold(n int) {
	withhold(&s.sm, &s.withheld, &s.notifs, n)
}

// Release shows every notification.
func (s *BlueskyServer) Release() { s.Withhold(0) }

// NotificationURIs returns the URIs of the notifications the fake serves
// (withheld ones included), newest first.
func (s *BlueskyServer) NotificationURIs() []string {
	return mapOf(&s.sm, &s.notifs, func(n bnotif) string { return n.uri })
}

// Notification returns the notification with this URI as served.
func (s *BlueskyServer) Notification(uri string) (map[string]any, bool) {
	s.sm.Lock()
	defer s.sm.Unlock()
	for _, n := range s.notifs {
		if n.uri == uri {
			return clone(n.raw).(map[string]any), true
		}
	}
	return nil, false
}

// Records returns the records created so far, oldest first.
func (s *BlueskyServer) Records() []Record {
	return copyOf(&s.sm, &s.records)
}

// Messages returns the chat messages sent so far, oldest first.
func (s *BlueskyServer) Messages() []ChatMessage {
	return copyOf(&s.sm, &s.messages)
}

func xrpcError(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, marshal(map[string]string{"error": name, "message": msg}))
}

// session answers a fixture with its DID document pointed at the fake PDS.
func (s *BlueskyServer) session(w http.ResponseWriter, name string) {
	writeJSON(w, 200, pdsFixture(name, s.PDSURL))
}

// pdsFixture is the fixture bluesky/name with its DID document pointed at
// the PDS at pds.
func pdsFixture(name, pds string) []byte {
	return bytes.ReplaceAll(Fixture("bluesky/"+name), []byte(fixturePDS), []byte(pds))
}

func (s *BlueskyServer) serveEntry(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/xrpc/com.atproto.server.createSession" {
		xrpcError(w, 400, "InvalidRequest", "this entryway only logs in; use the PDS from the DID document")
		return
	}
	s.createSession(w, r)
}

func (s *BlueskyServer) createSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		xrpcError(w, 405, "InvalidRequest", "method must be POST")
		return
	}
	var in struct{ Identifier, Password string }
	if !isJSON(r) || json.NewDecoder(r.Body).Decode(&in) != nil {
		s.entry.nets.violate(NetBluesky, "createSession without a JSON body")
		xrpcError(w, 400, "InvalidRequest", "Input must be JSON")
		return
	}
	id := strings.TrimPrefix(strings.ToLower(in.Identifier), "@")
	if (id != BlueskyHandle && id != BlueskyDID && id != "support@acme.example") || in.Password != s.Password {
		writeJSON(w, 401, Fixture("bluesky/error_401_bad_password.json"))
		return
	}
	s.session(w, "createSession.json")
}

func (s *BlueskyServer) rateHeaders(w http.ResponseWriter) {
	n := s.pds.count()
	h := w.Header()
	h.Set("ratelimit-limit", "3000")
	h.Set("ratelimit-remaining", itoa(max(3000-n, 0)))
	h.Set("ratelimit-reset", itoa(int(s.pds.nets.now().Truncate(5*time.Minute).Add(5*time.Minute).Unix())))
	h.Set("ratelimit-policy", "3000;w=300")
}

func (s *BlueskyServer) servePDS(w http.ResponseWriter, r *http.Request) {
	nsid, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !ok {
		xrpcError(w, 404, "NotFound", "not an XRPC path")
		return
	}
	s.rateHeaders(w)
	switch nsid {
	case "com.atproto.server.createSession":
		s.createSession(w, r)
		return
	case "com.atproto.server.refreshSession":
		s.refreshSession(w, r)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	post := r.Method == http.MethodPost
	if strings.HasPrefix(nsid, "chat.bsky.") && r.Header.Get("atproto-proxy") != BlueskyChatProxy {
		s.pds.nets.violate(NetBluesky, "%s without atproto-proxy: %s", nsid, BlueskyChatProxy)
		xrpcError(w, 400, "InvalidRequest", "No service configured for chat.bsky")
		return
	}
	switch {
	case !post && nsid == "com.atproto.server.getSession":
		s.session(w, "getSession.json")
	case !post && nsid == "app.bsky.notification.listNotifications":
		s.listNotifications(w, r)
	case !post && nsid == "app.bsky.actor.getProfiles":
		s.getProfiles(w, r)
	case !post && nsid == "app.bsky.feed.getPostThread":
		s.getPostThread(w, r)
	case !post && nsid == "app.bsky.feed.searchPosts":
		if strings.TrimSpace(r.URL.Query().Get("q")) == "" {
			xrpcError(w, 400, "InvalidRequest", `Params must have the property "q"`)
		} else if r.URL.Query().Get("cursor") == "" {
			writeJSON(w, 200, Fixture("bluesky/searchPosts.json"))
		} else {
			writeJSON(w, 200, Fixture("bluesky/searchPosts_last.json"))
		}
	case !post && nsid == "com.atproto.identity.resolveHandle":
		s.sm.Lock()
		did, ok := s.handles[strings.ToLower(r.URL.Query().Get("handle"))]
		s.sm.Unlock()
		if !ok {
			xrpcError(w, 400, "InvalidRequest", "Unable to resolve handle")
			return
		}
		writeJSON(w, 200, marshal(map[string]string{"did": did}))
	case post && nsid == "com.atproto.repo.createRecord":
		s.createRecord(w, r)
	case post && nsid == "com.atproto.repo.uploadBlob":
		s.uploadBlob(w, r)
	case !post && nsid == "com.atproto.repo.getRecord":
		s.getRecord(w, r)
	case !post && nsid == "chat.bsky.convo.getConvoForMembers":
		s.getConvo(w, r)
	case post && nsid == "chat.bsky.convo.sendMessage":
		s.sendMessage(w, r)
	case !post && nsid == "chat.bsky.convo.getMessages":
		s.getMessages(w, r)
	default:
		xrpcError(w, 501, "MethodNotImplemented", "Method Not Implemented")
	}
}

func (s *BlueskyServer) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if h == "" {
		writeJSON(w, 401, Fixture("bluesky/error_401_auth_missing.json"))
		return false
	}
	tok, _ := trimBearer(h)
	s.sm.Lock()
	ok := s.access[tok]
	s.sm.Unlock()
	if !ok {
		xrpcError(w, 400, "InvalidToken", "Token could not be verified")
	}
	return ok
}

func (s *BlueskyServer) refreshSession(w http.ResponseWriter, r *http.Request) {
	tok, _ := trimBearer(r.Header.Get("Authorization"))
	s.sm.Lock()
	ok := r.Method == http.MethodPost && s.refresh[tok]
	if ok {
		rs := object(Fixture("bluesky/refreshSession.json"))
		delete(s.refresh, tok)
		s.access[str(rs, "accessJwt")] = true
		s.refresh[str(rs, "refreshJwt")] = true
	}
	s.sm.Unlock()
	if !ok {
		writeJSON(w, 400, Fixture("bluesky/error_400_invalid_token_refresh.json"))
		return
	}
	s.session(w, "refreshSession.json")
}

// listNotifications pages the visible notifications newest first, at most
// blueskyPageSize a page; the cursor is the indexedAt of a page's last
// item, and only an empty page comes without one. As on the AppView,
// reasons are filtered after paging, so a page may be short.
func (s *BlueskyServer) listNotifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("seenAt") {
		writeJSON(w, 400, Fixture("bluesky/error_400_seenat_unsupported.json"))
		return
	}
	if q.Has("reasons[]") {
		s.pds.nets.violate(NetBluesky, "listNotifications: array parameter sent as reasons[]=, XRPC repeats reasons=")
	}
	size := blueskyPageSize
	if l := atoi(q.Get("limit")); l > 0 && l < size {
		size = l
	}
	cursor := q.Get("cursor")
	s.sm.Lock()
	var page []bnotif
	for _, n := range s.notifs[s.withheld:] {
		if len(page) == size {
			break
		}
		if cursor == "" || n.at < cursor {
			page = append(page, n)
		}
	}
	s.sm.Unlock()
	reasons := q["reasons"]
	out := map[string]any{"notifications": []any{}, "priority": false,
		"seenAt": str(object(Fixture("bluesky/listNotifications.json")), "seenAt")}
	list := []any{}
	for _, n := range page {
		if len(reasons) == 0 || contains(reasons, str(n.raw, "reason")) {
			list = append(list, n.raw)
		}
	}
	out["notifications"] = list
	if len(page) > 0 {
		out["cursor"] = page[len(page)-1].at
	}
	writeJSON(w, 200, marshal(out))
}

func (s *BlueskyServer) getProfiles(w http.ResponseWriter, r *http.Request) {
	actors := r.URL.Query()["actors"]
	if len(actors) == 0 || len(actors) > 25 {
		xrpcError(w, 400, "InvalidRequest", "actors must have 1..25 entries")
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	profs := []any{}
	for _, a := range actors {
		did := a
		if d, ok := s.handles[strings.ToLower(a)]; ok {
			did = d
		}
		if p, ok := s.profiles[did]; ok {
			profs = append(profs, p)
		}
	}
	writeJSON(w, 200, marshal(map[string]any{"profiles": profs}))
}

// getPostThread answers the fixture's thread for its anchor, a thread of
// one post for any other post the fake knows, and NotFound otherwise.
func (s *BlueskyServer) getPostThread(w http.ResponseWriter, r *http.Request) {
	uri := r.URL.Query().Get("uri")
	s.sm.Lock()
	fix, isFix := s.threads[uri]
	view, known := s.posts[uri]
	s.sm.Unlock()
	switch {
	case isFix:
		writeJSON(w, 200, fix)
	case known:
		writeJSON(w, 200, marshal(map[string]any{"thread": map[string]any{
			"$type": "app.bsky.feed.defs#threadViewPost", "post": view, "replies": []any{}}}))
	default:
		nf := object(Fixture("bluesky/error_400_thread_not_found.json"))
		xrpcError(w, 400, str(nf, "error"), "Post not found: "+uri)
	}
}

// createRecord checks a post the way the PDS's lexicon validation does (for
// what hark sends) and stores it under its rkey; a second create with the
// same rkey fails with the reference PDS's 500.
func (s *BlueskyServer) createRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		Rkey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
	}
	if !isJSON(r) || json.NewDecoder(r.Body).Decode(&in) != nil {
		s.pds.nets.violate(NetBluesky, "createRecord without a JSON body")
		xrpcError(w, 400, "InvalidRequest", "Input must be JSON")
		return
	}
	if in.Repo != BlueskyDID && in.Repo != BlueskyHandle {
		xrpcError(w, 400, "InvalidRequest", "Could not find repo: "+in.Repo)
		return
	}
	if in.Collection != postCollection {
		xrpcError(w, 400, "InvalidRequest", "Invalid collection: "+in.Collection)
		return
	}
	if in.Rkey != "" && !tidRE.MatchString(in.Rkey) {
		xrpcError(w, 400, "InvalidRequest", "Invalid rkey: "+in.Rkey)
		return
	}
	if msg := s.checkEmbed(in.Record); msg != "" {
		s.pds.nets.violate(NetBluesky, "createRecord: %s", msg)
		writeJSON(w, 400, marshal(map[string]string{"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: " + msg}))
		return
	}
	if msg := checkPost(in.Record); msg != "" {
		s.pds.nets.violate(NetBluesky, "createRecord: %s", msg)
		writeJSON(w, 400, marshal(map[string]string{"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: " + msg}))
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	rkey := in.Rkey
	if rkey == "" {
		s.seq++
		rkey = tid(s.pds.nets.now(), s.seq)
	}
	if _, dup := s.rkeys[rkey]; dup {
		writeJSON(w, 500, Fixture("bluesky/error_500_duplicate_rkey.json"))
		return
	}
	uri := "at://" + BlueskyDID + "/" + postCollection + "/" + rkey
	s.records = append(s.records, Record{Rkey: rkey, URI: uri, Record: in.Record})
	s.rkeys[rkey] = len(s.records) - 1
	var rec map[string]any
	mustUnmarshal(in.Record, &rec)
	s.posts[uri] = map[string]any{"uri": uri, "cid": blueskyFixtureCI, "author": map[string]any{"did": BlueskyDID, "handle": BlueskyHandle},
		"record": rec, "indexedAt": s.pds.nets.now().UTC().Format("2006-01-02T15:04:05.000Z"), "labels": []any{}}
	out := object(Fixture("bluesky/createRecord.json"))
	out["uri"] = uri
	writeJSON(w, 200, marshal(out))
}

// checkPost validates what hark puts in a post record; "" means valid.
func checkPost(raw json.RawMessage) string {
	var rec struct {
		Type      string `json:"$type"`
		Text      string `json:"text"`
		CreatedAt string `json:"createdAt"`
		Reply     *struct {
			Root, Parent struct{ URI, CID string }
		} `json:"reply"`
		Facets []struct {
			Index struct{ ByteStart, ByteEnd int }
		} `json:"facets"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return "record is not an object"
	}
	switch {
	case rec.Type != postCollection:
		return "record/$type must be " + postCollection
	case utf8.RuneCountInString(rec.Text) > blueskyMaxText*4:
		return "record/text must not be longer than 3000 characters"
	case !validDatetime(rec.CreatedAt):
		return "record/createdAt must be a valid datetime"
	}
	if rec.Reply != nil {
		for _, ref := range []struct{ URI, CID string }{rec.Reply.Root, rec.Reply.Parent} {
			if !strings.HasPrefix(ref.URI, "at://") || ref.CID == "" {
				return "record/reply must have root and parent strong refs (uri and cid)"
			}
		}
	}
	for _, f := range rec.Facets {
		if f.Index.ByteStart < 0 || f.Index.ByteEnd > len(rec.Text) || f.Index.ByteStart >= f.Index.ByteEnd {
			return "record/facets byte range out of the text"
		}
	}
	return ""
}

func validDatetime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// DeletePost deletes a customer's post, as its author would: getRecord
// and getPostThread answer not found from now on.
func (s *BlueskyServer) DeletePost(uri string) {
	s.sm.Lock()
	defer s.sm.Unlock()
	delete(s.posts, uri)
	delete(s.threads, uri)
}

func (s *BlueskyServer) getRecord(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if repo := q.Get("repo"); repo != BlueskyDID && repo != BlueskyHandle {
		// another account's record: the PDS passes the read on to the
		// AppView, which knows the posts the fake has served
		uri := "at://" + repo + "/" + q.Get("collection") + "/" + q.Get("rkey")
		s.sm.Lock()
		view, ok := s.posts[uri]
		s.sm.Unlock()
		if !ok {
			nf := object(Fixture("bluesky/error_400_record_not_found.json"))
			xrpcError(w, 400, str(nf, "error"), "Could not locate record: "+uri)
			return
		}
		writeJSON(w, 200, marshal(map[string]any{"uri": uri, "cid": view["cid"], "value": view["record"]}))
		return
	}
	s.sm.Lock()
	i, ok := s.rkeys[q.Get("rkey")]
	var rec Record
	if ok {
		rec = s.records[i]
	}
	s.sm.Unlock()
	if !ok || (q.Get("repo") != BlueskyDID && q.Get("repo") != BlueskyHandle) || q.Get("collection") != postCollection {
		nf := object(Fixture("bluesky/error_400_record_not_found.json"))
		xrpcError(w, 400, str(nf, "error"), "Could not locate record: at://"+q.Get("repo")+"/"+q.Get("collection")+"/"+q.Get("rkey"))
		return
	}
	writeJSON(w, 200, marshal(map[string]any{"uri": rec.URI, "cid": blueskyFixtureCI, "value": rec.Record}))
}

// getConvo answers the fixture conversation with the requested member in
// place of the fixture's.
func (s *BlueskyServer) getConvo(w http.ResponseWriter, r *http.Request) {
	members := r.URL.Query()["members"]
	if len(members) != 1 || !strings.HasPrefix(members[0], "did:") {
		xrpcError(w, 400, "InvalidRequest", "members must be one DID")
		return
	}
	out := object(Fixture("bluesky/chat_getConvoForMembers.json"))
	convo := out["convo"].(map[string]any)
	list := convo["members"].([]any)
	s.sm.Lock()
	if p, ok := s.profiles[members[0]]; ok {
		list[1] = map[string]any{"did": p["did"], "handle": p["handle"], "displayName": p["displayName"], "labels": []any{}}
	} else if members[0] != str(list[1].(map[string]any), "did") {
		list[1] = map[string]any{"did": members[0], "handle": "handle.invalid", "labels": []any{}}
	}
	s.sm.Unlock()
	writeJSON(w, 200, marshal(out))
}

func (s *BlueskyServer) sendMessage(w http.ResponseWriter, r *http.Request) {
	body := mustBody(r)
	var in struct {
		ConvoID string `json:"convoId"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if !isJSON(r) || json.Unmarshal(body, &in) != nil {
		s.pds.nets.violate(NetBluesky, "sendMessage without a JSON body")
		xrpcError(w, 400, "InvalidRequest", "Input must be JSON")
		return
	}
	convo := object(Fixture("bluesky/chat_getConvoForMembers.json"))["convo"].(map[string]any)
	if in.ConvoID != str(convo, "id") {
		xrpcError(w, 400, "InvalidConvo", "Convo not found")
		return
	}
	if strings.TrimSpace(in.Message.Text) == "" {
		xrpcError(w, 400, "InvalidRequest", "message/text must not be empty")
		return
	}
	s.sm.Lock()
	n := len(s.messages) + 1
	m := ChatMessage{ConvoID: in.ConvoID, ID: tid(s.pds.nets.now(), int64(n)), Text: in.Message.Text,
		SentAt: s.pds.nets.now().UTC().Format("2006-01-02T15:04:05.000Z"), Body: body}
	s.messages = append(s.messages, m)
	s.sm.Unlock()
	out := object(Fixture("bluesky/chat_sendMessage.json"))
	out["id"] = m.ID
	out["text"] = m.Text
	out["sentAt"] = m.SentAt
	out["sender"] = map[string]any{"did": s.DID}
	writeJSON(w, 200, marshal(out))
}

// getMessages answers chat.bsky.convo.getMessages with the messages the
// fake accepted in the conversation, newest first, as messageViews.
func (s *BlueskyServer) getMessages(w http.ResponseWriter, r *http.Request) {
	convo := object(Fixture("bluesky/chat_getConvoForMembers.json"))["convo"].(map[string]any)
	if r.URL.Query().Get("convoId") != str(convo, "id") {
		xrpcError(w, 400, "InvalidConvo", "Convo not found")
		return
	}
	s.sm.Lock()
	var list []any
	for i := len(s.messages) - 1; i >= 0; i-- {
		m := s.messages[i]
		list = append(list, map[string]any{
			"$type": "chat.bsky.convo.defs#messageView", "id": m.ID, "rev": m.ID, "text": m.Text,
			"sender": map[string]any{"did": s.DID}, "sentAt": m.SentAt,
		})
	}
	s.sm.Unlock()
	if list == nil {
		list = []any{}
	}
	writeJSON(w, 200, marshal(map[string]any{"messages": list}))
}

// uploadBlob takes an image like the PDS: the raw bytes with their
// Content-Type, at most 1,000,000 bytes (the AppView's image limit), and
// answers {blob} with a CID of the bytes.
func (s *BlueskyServer) uploadBlob(w http.ResponseWriter, r *http.Request) {
	ctype := r.Header.Get("Content-Type")
	if ctype == "" || strings.HasPrefix(ctype, "application/json") {
		s.pds.nets.violate(NetBluesky, "uploadBlob with Content-Type %q", ctype)
		xrpcError(w, 400, "InvalidRequest", "the blob needs its content type")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1_000_001))
	if err != nil || len(data) == 0 {
		xrpcError(w, 400, "InvalidRequest", "empty blob")
		return
	}
	if len(data) > 1_000_000 {
		xrpcError(w, 400, "BlobTooLarge", "This file is too large. It is 1 MB at most.")
		return
	}
	sum := sha256.Sum256(data)
	cid := "bafkrei" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:52]
	s.sm.Lock()
	if _, ok := s.blobCIDs[cid]; !ok {
		s.blobs = append(s.blobs, Blob{CID: cid, MIME: ctype, Size: len(data)})
		s.blobCIDs[cid] = len(s.blobs) - 1
	}
	s.sm.Unlock()
	writeJSON(w, 200, marshal(map[string]any{"blob": map[string]any{
		"$type": "blob", "ref": map[string]string{"$link": cid}, "mimeType": ctype, "size": len(data)}}))
}

// checkEmbed validates an app.bsky.embed.images embed: at most four
// images, each with alt text (the key, maybe empty) and a blob this PDS
// holds. Other embeds pass.
func (s *BlueskyServer) checkEmbed(raw json.RawMessage) string {
	var rec struct {
		Embed *struct {
			Type   string `json:"$type"`
			Images []struct {
				Alt   *string `json:"alt"`
				Image struct {
					Type string            `json:"$type"`
					Ref  map[string]string `json:"ref"`
				} `json:"image"`
			} `json:"images"`
		} `json:"embed"`
	}
	if json.Unmarshal(raw, &rec) != nil || rec.Embed == nil || rec.Embed.Type != "app.bsky.embed.images" {
		return ""
	}
	if n := len(rec.Embed.Images); n == 0 || n > 4 {
		return "record/embed/images must have 1 to 4 images"
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	for _, im := range rec.Embed.Images {
		if im.Alt == nil {
			return "record/embed/images/alt is required"
		}
		if _, ok := s.blobCIDs[im.Image.Ref["$link"]]; !ok || im.Image.Type != "blob" {
			return "record/embed/images/image must be a blob this repo holds"
		}
	}
	return ""
}

// Blobs lists the blobs uploaded, oldest first.
func (s *BlueskyServer) Blobs() []Blob {
	return copyOf(&s.sm, &s.blobs)
}

// AddPhotoMention adds a new mention (the newest notification) by the
// first fixture mention's author, whose record carries an
// app.bsky.embed.images embed with one image (a blob reference) and its
// alt text; it returns the post's URI.
func (s *BlueskyServer) AddPhotoMention(text, alt string, w, h int) string {
	s.sm.Lock()
	defer s.sm.Unlock()
	var base map[string]any
	for _, n := range s.notifs {
		if str(n.raw, "reason") == "mention" {
			base = clone(n.raw).(map[string]any)
			break
		}
	}
	s.seq++
	now := s.pds.nets.now().UTC()
	at := now.Format("2006-01-02T15:04:05.000Z")
	author, _ := base["author"].(map[string]any)
	uri := "at://" + str(author, "did") + "/" + postCollection + "/" + tid(now, s.seq)
	base["uri"], base["cid"], base["indexedAt"] = uri, blueskyFixtureCI, at
	rec, _ := base["record"].(map[string]any)
	rec = clone(rec).(map[string]any)
	rec["text"], rec["createdAt"] = text, at
	delete(rec, "reply")
	delete(rec, "facets")
	rec["embed"] = map[string]any{"$type": "app.bsky.embed.images", "images": []any{map[string]any{
		"alt": alt, "aspectRatio": map[string]any{"width": w, "height": h},
		"image": map[string]any{"$type": "blob", "ref": map[string]any{"$link": "bafkreiphotophotophotophotophotophotophotophotophoto"},
			"mimeType": "image/jpeg", "size": 123456}}}}
	base["record"] = rec
	s.notifs = append([]bnotif{{uri: uri, at: at, raw: base}}, s.notifs...)
	s.learnPost(base)
	return uri
}
