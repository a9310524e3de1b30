package fakenet

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Mastodon fixture facts (testdata/mastodon, README of the shared fixtures).
const (
	// MastodonToken is the access token the fake accepts.
	MastodonToken = "fakenet-mastodon-token-8d1f"
	// MastodonMaxCharacters is the instance's status limit (instance_v2.json).
	MastodonMaxCharacters = 500
)

// Status is a status the Mastodon fake created for POST /api/v1/statuses.
type Status struct {
	ID             string
	InReplyToID    string
	Visibility     string
	Language       string
	Text           string // the status text as posted
	IdempotencyKey string
	MediaIDs       []string        // media_ids[]
	JSON           json.RawMessage // the entity the fake answered with
}

// Media is an upload the Mastodon fake took on POST /api/v2/media.
type Media struct {
	ID, Filename, MIME, Description string
	Size                            int
}

// mstatus is what the fake knows of a status.
type mstatus struct {
	id, parent, account, created string
	raw                          json.RawMessage
}

// MastodonServer fakes a Mastodon instance (4.x client API): bearer-token
// auth, notifications with Mastodon's min_id/since_id/max_id paging and
// Link headers, thread contexts built from the statuses it knows, status
// creation with Idempotency-Key replay, verify_credentials,
// /api/v2/instance, a hashtag timeline and /api/v2/search.
type MastodonServer struct {
	base
	URL   string // base URL of the instance
	Token string // the access token it accepts (MastodonToken)

	sm         sync.Mutex
	notifs     []json.RawMessage // newest first
	notifIDs   []string
	withheld   int
	statuses   map[string]*mstatus
	tag        []json.RawMessage // newest first
	self       map[string]any    // verify_credentials
	created    []Status
	byKey      map[string]int // Idempotency-Key → index in created
	ignoreKeys bool
	nextID     uint64
	media      []Media
	mediaByID  map[string]int
	processing int // status creates with media refused as "still processing"
}

func newMastodon(n *Nets) *MastodonServer {
	s := &MastodonServer{Token: MastodonToken, statuses: map[string]*mstatus{}, byKey: map[string]int{}, mediaByID: map[string]int{}}
	s.self = object(Fixture("mastodon/verify_credentials.json"))
	var notifs []map[string]any
	mustUnmarshal(Fixture("mastodon/notifications_mentions.json"), &notifs)
	for _, nt := range notifs {
		s.notifs = append(s.notifs, marshal(nt))
		s.notifIDs = append(s.notifIDs, str(nt, "id"))
		if st, ok := nt["status"].(map[string]any); ok {
			s.learn(st)
		}
	}
	var ctx struct{ Ancestors, Descendants []map[string]any }
	mustUnmarshal(Fixture("mastodon/status_context.json"), &ctx)
	for _, st := range append(ctx.Ancestors, ctx.Descendants...) {
		s.learn(st)
	}
	var tag []map[string]any
	mustUnmarshal(Fixture("mastodon/timeline_tag.json"), &tag)
	for _, st := range tag {
		s.tag = append(s.tag, marshal(st))
		s.learn(st)
	}
	s.nextID = decimal(str(object(Fixture("mastodon/status_create.json")), "id"))

	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/accounts/verify_credentials", JSONReply(200, Fixture("mastodon/verify_credentials.json")))
	mux.Handle("GET /api/v2/instance", JSONReply(200, Fixture("mastodon/instance_v2.json")))
	mux.HandleFunc("GET /api/v1/notifications", s.notifications)
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.status)
	mux.HandleFunc("GET /api/v1/statuses/{id}/context", s.context)
	mux.HandleFunc("POST /api/v1/statuses", s.post)
	mux.HandleFunc("GET /api/v1/accounts/{id}/statuses", s.accountStatuses)
	mux.HandleFunc("POST /api/v2/media", s.uploadMedia)
	mux.HandleFunc("GET /api/v1/timelines/tag/{tag}", func(w http.ResponseWriter, r *http.Request) {
		s.sm.Lock()
		tag := s.tag
		s.sm.Unlock()
		mastodonPage(w, r, tag, 20, 40)
	})
	mux.HandleFunc("GET /api/v2/search", func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimSpace(r.URL.Query().Get("q")) == "" {
			writeJSON(w, 400, []byte(`{"error":"Search query is empty"}`))
			return
		}
		writeJSON(w, 200, Fixture("mastodon/search_v2_statuses.json"))
	})
	mux.Handle("/", JSONReply(404, Fixture("mastodon/error_404.json")))
	s.start(n, NetMastodon, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.rateHeaders(w)
		if r.URL.Path != "/api/v2/instance" {
			if tok, _ := trimBearer(r.Header.Get("Authorization")); tok != s.Token {
				writeJSON(w, 401, Fixture("mastodon/error_401.json"))
				return
			}
		}
		mux.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	return s
}

// learn remembers a status entity.
func (s *MastodonServer) learn(st map[string]any) {
	id := str(st, "id")
	if id == "" {
		return
	}
	acc, _ := st["account"].(map[string]any)
	s.statuses[id] = &mstatus{id: id, parent: str(st, "in_reply_to_id"), account: str(acc, "id"),
		created: str(st, "created_at"), raw: marshal(st)}
}

// IgnoreIdempotencyKey makes the fake behave like GoToSocial, which
// ignores the Idempotency-Key header: a resend creates a second status.
func (s *MastodonServer) IgnoreIdempotencyKey(ignore bool) {
	setLocked(&s.sm, &s.ignoreKeys, ignore)
}

// Withhold hides the n newest mention notifications until Release, so a
// first poll sees the older ones and a later poll catches up.
func (s *MastodonServer) Withhold(n int) {
	withhold(&s.sm, &s.withheld, &s.notifs, n)
}

// Release shows every notification.
func (s *MastodonServer) Release() { s.Withhold(0) }

// MentionIDs returns the status ids of the mentions the fake serves
// (withheld ones included), newest first.
func (s *MastodonServer) MentionIDs() []string {
	return mapOf(&s.sm, &s.notifs, func(raw json.RawMessage) string {
		var n struct {
			Status struct{ ID string } `json:"status"`
		}
		mustUnmarshal(raw, &n)
		return n.Status.ID
	})
}

// Created returns the statuses created so far (a replay of an
// Idempotency-Key creates none), oldest first.
func (s *MastodonServer) Created() []Status {
	return copyOf(&s.sm, &s.created)
}

func (s *MastodonServer) rateHeaders(w http.ResponseWriter) {
	n := s.count()
	reset := s.nets.now().UTC().Truncate(5 * time.Minute).Add(5 * time.Minute)
	h := w.Header()
	h.Set("X-RateLimit-Limit", "300")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(300-n, 0)))
	h.Set("X-RateLimit-Reset", reset.Format("2006-01-02T15:04:05.000000Z"))
}

func (s *MastodonServer) notifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	types := q["types[]"]
	if len(types) == 0 {
		types = q["types"]
	}
	if q.Has("types") {
		s.nets.violate(NetMastodon, "GET /api/v1/notifications: array parameter sent as types=, Mastodon reads types[]=")
	}
	s.sm.Lock()
	var items []json.RawMessage
	for _, raw := range s.notifs[s.withheld:] {
		var n struct{ Type string }
		mustUnmarshal(raw, &n)
		if len(types) == 0 || contains(types, n.Type) {
			items = append(items, raw)
		}
	}
	s.sm.Unlock()
	mastodonPage(w, r, items, 40, 80)
}

// mastodonPage answers one page of items (newest first) with Mastodon's
// semantics: max_id and since_id bound the newest page, min_id returns the
// page immediately after it (still newest first), limit is clamped, and a
// non-empty page carries Link next/prev headers (an empty one none).
func mastodonPage(w http.ResponseWriter, r *http.Request, items []json.RawMessage, def, most int) {
	body, link := MastodonPage(r, items, def, most)
	if link != "" {
		w.Header().Set("Link", link)
	}
	writeJSON(w, 200, body)
}

// MastodonPage selects the page of items (newest first) a request asks
// for, the way Mastodon pages: limit (default def, at most most), min_id
// (the items right after it, still newest first), since_id and max_id. It
// returns the page as a JSON array and the Link header (next, prev) a
// non-empty page carries ("" for an empty one). The adapter tests' own
// Mastodon fake pages with it too.
func MastodonPage(r *http.Request, items []json.RawMessage, def, most int) (body []byte, link string) {
	q := r.URL.Query()
	limit := def
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, most)
	}
	ids := make([]string, len(items))
	for i, it := range items {
		var v struct{ ID string }
		mustUnmarshal(it, &v)
		ids[i] = v.ID
	}
	minID, sinceID, maxID := q.Get("min_id"), q.Get("since_id"), q.Get("max_id")
	in := func(id string) bool {
		return (maxID == "" || IDLess(id, maxID)) && (minID == "" || IDLess(minID, id)) &&
			(sinceID == "" || IDLess(sinceID, id))
	}
	sel := []json.RawMessage{}
	var selIDs []string
	if minID != "" {
		for i := len(items) - 1; i >= 0 && len(sel) < limit; i-- {
			if in(ids[i]) {
				sel = append([]json.RawMessage{items[i]}, sel...)
				selIDs = append([]string{ids[i]}, selIDs...)
			}
		}
	} else {
		for i := 0; i < len(items) && len(sel) < limit; i++ {
			if in(ids[i]) {
				sel = append(sel, items[i])
				selIDs = append(selIDs, ids[i])
			}
		}
	}
	if len(sel) > 0 {
		base := "http://" + r.Host + r.URL.Path + "?limit=" + strconv.Itoa(limit)
		if r.URL.Path == "/api/v1/notifications" {
			base += "&types%5B%5D=mention"
		}
		link = fmt.Sprintf(`<%s&max_id=%s>; rel="next", <%s&min_id=%s>; rel="prev"`,
			base, selIDs[len(selIDs)-1], base, selIDs[0])
	}
	return marshal(sel), link
}

func (s *MastodonServer) status(w http.ResponseWriter, r *http.Request) {
	s.sm.Lock()
	st, ok := s.statuses[r.PathValue("id")]
	s.sm.Unlock()
	if !ok {
		writeJSON(w, 404, Fixture("mastodon/error_404.json"))
		return
	}
	writeJSON(w, 200, st.raw)
}

// context builds /api/v1/statuses/:id/context from the statuses the fake
// knows: the ancestors from the top down, the descendants depth first in
// time order. For the fixture's status this is exactly status_context.json.
func (s *MastodonServer) context(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.sm.Lock()
	defer s.sm.Unlock()
	st, ok := s.statuses[id]
	if !ok {
		writeJSON(w, 404, Fixture("mastodon/error_404.json"))
		return
	}
	ancestors := []json.RawMessage{}
	seen := map[string]bool{id: true}
	for p := st.parent; p != "" && !seen[p]; {
		seen[p] = true
		ps, ok := s.statuses[p]
		if !ok {
			break // not visible to us: the chain stops here, as on a real server
		}
		ancestors = append([]json.RawMessage{ps.raw}, ancestors...)
		p = ps.parent
	}
	children := map[string][]*mstatus{}
	for _, c := range s.statuses {
		if c.parent != "" {
			children[c.parent] = append(children[c.parent], c)
		}
	}
	descendants := []json.RawMessage{}
	var walk func(string)
	walk = func(pid string) {
		kids := children[pid]
		sort.Slice(kids, func(i, j int) bool { return IDLess(kids[i].id, kids[j].id) })
		for _, k := range kids {
			if seen[k.id] {
				continue
			}
			seen[k.id] = true
			descendants = append(descendants, k.raw)
			walk(k.id)
		}
	}
	walk(id)
	writeJSON(w, 200, marshal(map[string]any{"ancestors": ancestors, "descendants": descendants}))
}

// post creates a status like Mastodon: form or JSON parameters, text
// required and at most MastodonMaxCharacters, an in_reply_to_id the server
// knows, and a replay of an Idempotency-Key answering the status it
// already created (unless IgnoreIdempotencyKey).
func (s *MastodonServer) post(w http.ResponseWriter, r *http.Request) {
	params := map[string]string{}
	var mediaIDs []string
	switch {
	case isForm(r):
		if err := r.ParseForm(); err != nil {
			writeJSON(w, 400, []byte(`{"error":"malformed form"}`))
			return
		}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		mediaIDs = r.PostForm["media_ids[]"]
	case isJSON(r):
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			writeJSON(w, 400, []byte(`{"error":"malformed JSON"}`))
			return
		}
		for k, v := range m {
			if sv, ok := v.(string); ok {
				params[k] = sv
			}
		}
	default:
		s.nets.violate(NetMastodon, "POST /api/v1/statuses with Content-Type %q", r.Header.Get("Content-Type"))
		writeJSON(w, 422, []byte(`{"error":"Validation failed: Text can't be blank"}`))
		return
	}
	text := params["status"]
	if strings.TrimSpace(text) == "" {
		writeJSON(w, 422, []byte(`{"error":"Validation failed: Text can't be blank"}`))
		return
	}
	if utf8.RuneCountInString(text) > MastodonMaxCharacters {
		writeJSON(w, 422, Fixture("mastodon/error_422_too_long.json"))
		return
	}
	vis := params["visibility"]
	switch vis {
	case "":
		vis = "public"
	case "public", "unlisted", "private", "direct":
	default:
		writeJSON(w, 422, []byte(`{"error":"Validation failed: Visibility is not included in the list"}`))
		return
	}
	key := r.Header.Get("Idempotency-Key")

	s.sm.Lock()
	defer s.sm.Unlock()
	if i, ok := s.byKey[key]; ok && key != "" && !s.ignoreKeys {
		writeJSON(w, 200, s.created[i].JSON)
		return
	}
	if len(mediaIDs) > 0 && s.processing > 0 {
		s.processing--
		writeJSON(w, 422, []byte(`{"error":"Cannot attach files that have not finished processing. Try again in a moment!"}`))
		return
	}
	var attachments []any
	for _, id := range mediaIDs {
		i, ok := s.mediaByID[id]
		if !ok {
			writeJSON(w, 422, []byte(`{"error":"Validation failed: Media attachments are invalid"}`))
			return
		}
		attachments = append(attachments, s.mediaJSON(s.media[i]))
	}
	if len(mediaIDs) > 4 {
		writeJSON(w, 422, []byte(`{"error":"Validation failed: Media attachments are too many"}`))
		return
	}
	parent := params["in_reply_to_id"]
	var target *mstatus
	if parent != "" {
		t, ok := s.statuses[parent]
		if !ok {
			writeJSON(w, 404, Fixture("mastodon/error_404.json"))
			return
		}
		target = t
	}
	fixture := "mastodon/status_create.json"
	if vis == "direct" {
		fixture = "mastodon/status_create_direct.json"
	}
	st := object(Fixture(fixture))
	id := strconv.FormatUint(s.nextID, 10)
	s.nextID++
	oldID := str(st, "id")
	st["id"] = id
	st["uri"] = strings.Replace(str(st, "uri"), oldID, id, 1)
	st["url"] = strings.Replace(str(st, "url"), oldID, id, 1)
	st["created_at"] = s.nets.now().UTC().Format("2006-01-02T15:04:05.000Z")
	st["visibility"] = vis
	st["content"] = "<p>" + strings.ReplaceAll(html.EscapeString(text), "\n", "<br>") + "</p>"
	st["mentions"] = []any{}
	st["media_attachments"] = []any{}
	if len(attachments) > 0 {
		st["media_attachments"] = attachments
	}
	st["in_reply_to_id"], st["in_reply_to_account_id"] = nil, nil
	if target != nil {
		st["in_reply_to_id"], st["in_reply_to_account_id"] = target.id, target.account
	}
	st["language"] = nil
	if l := params["language"]; l != "" {
		st["language"] = l
	}
	raw := marshal(st)
	s.learn(st)
	s.created = append(s.created, Status{ID: id, InReplyToID: parent, Visibility: vis, Language: params["language"],
		Text: text, IdempotencyKey: key, MediaIDs: mediaIDs, JSON: raw})
	if key != "" {
		s.byKey[key] = len(s.created) - 1
	}
	writeJSON(w, 200, raw)
}

// AddStatus publishes a status by the author of the status authorOf (or
// by the brand, authorOf ""), replying to parent (or a new thread, ""),
// created now. With notify, the brand gets a mention notification for it
// (the status @mentions the brand); without, nothing tells the brand (a
// follow-up in the thread without the @mention, or the brand's own answer
// from another app). It returns the new status id.
func (s *MastodonServer) AddStatus(authorOf, parent, text string, notify bool) string {
	s.sm.Lock()
	defer s.sm.Unlock()
	var st map[string]any
	if authorOf == "" {
		st = object(Fixture("mastodon/status_create.json"))
	} else {
		tmpl, ok := s.statuses[authorOf]
		if !ok {
			panic("fakenet: AddStatus: unknown status " + authorOf)
		}
		st = object(tmpl.raw)
	}
	id := strconv.FormatUint(s.nextID, 10)
	s.nextID++
	oldID := str(st, "id")
	now := s.nets.now().UTC().Format("2006-01-02T15:04:05.000Z")
	st["id"] = id
	st["uri"] = strings.Replace(str(st, "uri"), oldID, id, 1)
	st["url"] = strings.Replace(str(st, "url"), oldID, id, 1)
	st["created_at"] = now
	st["edited_at"] = nil
	st["visibility"] = "public"
	st["content"] = "<p>" + html.EscapeString(text) + "</p>"
	st["in_reply_to_id"], st["in_reply_to_account_id"] = nil, nil
	if p, ok := s.statuses[parent]; ok {
		st["in_reply_to_id"], st["in_reply_to_account_id"] = p.id, p.account
	}
	s.learn(st)
	if notify {
		s.notifyLocked("mention", st)
	}
	return id
}

// EditStatus edits a status as its author would: new text and edited_at
// now. Like GoToSocial 0.19 (recorded), it sends the accounts the status
// mentions no "update" notification: the status itself shows the edit.
func (s *MastodonServer) EditStatus(id, text string) {
	s.sm.Lock()
	defer s.sm.Unlock()
	ms, ok := s.statuses[id]
	if !ok {
		panic("fakenet: EditStatus: unknown status " + id)
	}
	st := object(ms.raw)
	st["content"] = "<p>" + html.EscapeString(text) + "</p>"
	st["edited_at"] = s.nets.now().UTC().Format("2006-01-02T15:04:05.000Z")
	s.learn(st)
}

// DeleteStatus deletes a status as its author would: the status, its
// context and the notifications about it answer 404 / disappear.
func (s *MastodonServer) DeleteStatus(id string) {
	s.sm.Lock()
	defer s.sm.Unlock()
	delete(s.statuses, id)
	for i := len(s.notifs) - 1; i >= 0; i-- {
		var n struct {
			Status struct{ ID string } `json:"status"`
		}
		mustUnmarshal(s.notifs[i], &n)
		if n.Status.ID == id {
			s.notifs = append(s.notifs[:i], s.notifs[i+1:]...)
			s.notifIDs = append(s.notifIDs[:i], s.notifIDs[i+1:]...)
		}
	}
}

// notifyLocked puts a notification of typ about st on top.
func (s *MastodonServer) notifyLocked(typ string, st map[string]any) {
	nid := "0"
	if len(s.notifIDs) > 0 {
		nid = s.notifIDs[0]
	}
	n, _ := strconv.ParseUint(nid, 10, 64)
	id := strconv.FormatUint(n+1, 10)
	nt := map[string]any{"id": id, "type": typ, "created_at": s.nets.now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"group_key": "ungrouped-" + id, "account": st["account"], "status": st}
	s.notifs = append([]json.RawMessage{marshal(nt)}, s.notifs...)
	s.notifIDs = append([]string{id}, s.notifIDs...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func mustUnmarshal(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Sprintf("fakenet: fixture: %v", err))
	}
}

// accountStatuses answers GET /api/v1/accounts/:id/statuses for the
// brand's own account: the statuses the fake created, newest first (at
// most limit, default 20).
func (s *MastodonServer) accountStatuses(w http.ResponseWriter, r *http.Request) {
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 || limit > 40 {
		limit = 20
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	out := []json.RawMessage{}
	if r.PathValue("id") == str(s.self, "id") {
		for i := len(s.created) - 1; i >= 0 && len(out) < limit; i-- {
			out = append(out, s.created[i].JSON)
		}
	}
	writeJSON(w, 200, marshal(out))
}

// uploadMedia takes POST /api/v2/media like Mastodon: multipart with a
// file (an image: its bytes say so) and an optional description, at most
// 16 MB; it answers the attachment (200: processed at once).
func (s *MastodonServer) uploadMedia(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 17<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		writeJSON(w, 422, []byte(`{"error":"Validation failed: File can't be blank"}`))
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		writeJSON(w, 422, []byte(`{"error":"Validation failed: File can't be blank"}`))
		return
	}
	defer f.Close()
	data := make([]byte, fh.Size)
	if _, err := io.ReadFull(f, data); err != nil {
		writeJSON(w, 422, []byte(`{"error":"Validation failed: File could not be read"}`))
		return
	}
	mime := http.DetectContentType(data)
	if !strings.HasPrefix(mime, "image/") {
		writeJSON(w, 422, []byte(`{"error":"Validation failed: File content type is invalid"}`))
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	id := strconv.FormatUint(s.nextID, 10)
	s.nextID++
	m := Media{ID: id, Filename: fh.Filename, MIME: mime, Description: r.FormValue("description"), Size: len(data)}
	s.media = append(s.media, m)
	s.mediaByID[id] = len(s.media) - 1
	writeJSON(w, 200, marshal(s.mediaJSON(m)))
}

func (s *MastodonServer) mediaJSON(m Media) map[string]any {
	var desc any
	if m.Description != "" {
		desc = m.Description
	}
	return map[string]any{"id": m.ID, "type": "image", "url": s.URL + "/system/media/" + m.ID + "/original",
		"preview_url": s.URL + "/system/media/" + m.ID + "/small", "remote_url": nil, "description": desc,
		"meta": map[string]any{"original": map[string]any{"width": 1, "height": 1}}}
}

// Uploads lists the media the fake took, oldest first.
func (s *MastodonServer) Uploads() []Media {
	return copyOf(&s.sm, &s.media)
}

// AddPhotoMention adds a new mention (the newest notification) from the
// fixture's first mention's author, with text and one image attachment
// with alt text (empty: none) of w×h pixels; it returns the status id.
func (s *MastodonServer) AddPhotoMention(text, alt string, w, h int) string {
	s.sm.Lock()
	defer s.sm.Unlock()
	var n map[string]any
	mustUnmarshal(s.notifs[len(s.notifs)-1], &n)
	st, _ := n["status"].(map[string]any)
	maxID := ""
	for _, id := range s.notifIDs {
		if maxID == "" || IDLess(maxID, id) {
			maxID = id
		}
	}
	nid, _ := strconv.ParseUint(maxID, 10, 64)
	sid := strconv.FormatUint(s.nextID, 10)
	s.nextID++
	now := s.nets.now().UTC().Format("2006-01-02T15:04:05.000Z")
	n["id"] = strconv.FormatUint(nid+1, 10)
	n["created_at"] = now
	st["id"] = sid
	st["created_at"] = now
	st["url"] = s.URL + "/@customer/" + sid
	st["uri"] = s.URL + "/users/customer/statuses/" + sid
	st["content"] = "<p>" + html.EscapeString(text) + "</p>"
	st["in_reply_to_id"], st["in_reply_to_account_id"] = nil, nil
	var desc any
	if alt != "" {
		desc = alt
	}
	st["media_attachments"] = []any{map[string]any{"id": sid + "0", "type": "image",
		"url": s.URL + "/system/media_attachments/" + sid + "/original.jpg", "preview_url": s.URL + "/system/media_attachments/" + sid + "/small.jpg",
		"remote_url": nil, "description": desc, "meta": map[string]any{"original": map[string]any{"width": w, "height": h}}}}
	n["status"] = st
	s.notifs = append([]json.RawMessage{marshal(n)}, s.notifs...)
	s.notifIDs = append([]string{str(n, "id")}, s.notifIDs...)
	s.learn(st)
	return sid
}

// StillProcessing makes the next n status creates that attach media fail
// as Mastodon does while it processes an upload (422).
func (s *MastodonServer) StillProcessing(n int) {
	setLocked(&s.sm, &s.processing, n)
}
