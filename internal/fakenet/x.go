package fakenet

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// X fixture facts (testdata/x, README of the shared fixtures) and the
// OAuth 1.0a credentials the fake accepts.
const (
	XUserID         = "1623456789012345344"
	XUsername       = "AcmeCoffee"
	XConsumerKey    = "fakenet-ck-acme"
	XConsumerSecret = "fakenet-cs-2b7e"
	XAccessToken    = "1623456789012345344-fakenet-at"
	XAccessSecret   = "fakenet-as-91c4"

	xFirstNextToken = "7140dibdnow9c7btw4e0yk0ga1x1h4fxwj6s9l7v0mci8"
)

// Tweet is a post the X fake created with POST /2/tweets.
type Tweet struct {
	ID        string
	Text      string
	InReplyTo string   // reply.in_reply_to_tweet_id
	MediaIDs  []string // media.media_ids
	Body      json.RawMessage
}

// XMedia is an image the X fake took on POST /2/media/upload, with the
// alt text POST /2/media/metadata set.
type XMedia struct {
	ID, MIME, Alt string
	Size          int
}

// DM is a direct message the X fake accepted.
type DM struct {
	EventID       string
	ParticipantID string
	Text          string
	Body          json.RawMessage
}

// XServer fakes the X API v2 for one user-context account: every request
// must carry a valid OAuth 1.0a HMAC-SHA1 signature (recomputed from the
// request, nonces never reused), mentions are paged with since_id and
// next_token like the fixtures, the conversation search and tweet lookup
// serve threads, and POST /2/tweets and DMs are accepted (a repeat of the
// same text is X's 403 duplicate).
type XServer struct {
	base
	URL                                                    string
	UserID                                                 string
	ConsumerKey, ConsumerSecret, AccessToken, AccessSecret string

	sm        sync.Mutex
	nonces    map[string]bool
	mentions  []map[string]any // newest first
	withheld  int
	tweets    map[string]map[string]any // every post the fake knows, by id
	users     map[string]map[string]any
	created   []Tweet
	dms       []DM
	nextID    uint64
	authFail  int
	media     []XMedia
	mediaByID map[string]int
	mediaInfo map[string]map[string]any // media_key → media object (includes.media)
}

func newX(n *Nets) *XServer {
	s := &XServer{UserID: XUserID, ConsumerKey: XConsumerKey, ConsumerSecret: XConsumerSecret,
		AccessToken: XAccessToken, AccessSecret: XAccessSecret,
		nonces: map[string]bool{}, tweets: map[string]map[string]any{}, users: map[string]map[string]any{},
		mediaByID: map[string]int{}, mediaInfo: map[string]map[string]any{}}
	for _, name := range []string{"users_mentions.json", "search_recent_conversation.json", "tweets_lookup.json", "search_recent.json"} {
		var p struct {
			Data     []map[string]any
			Includes struct{ Users, Tweets []map[string]any }
		}
		mustUnmarshal(Fixture("x/"+name), &p)
		for _, t := range append(p.Data, p.Includes.Tweets...) {
			s.tweets[str(t, "id")] = t
		}
		for _, u := range p.Includes.Users {
			s.users[str(u, "id")] = u
		}
		if name == "users_mentions.json" {
			s.mentions = p.Data
		}
	}
	me := object(Fixture("x/users_me.json"))["data"].(map[string]any)
	s.users[XUserID] = me
	s.nextID = decimal(str(object(Fixture("x/tweets_create.json"))["data"].(map[string]any), "id"))

	mux := http.NewServeMux()
	mux.Handle("GET /2/users/me", JSONReply(200, Fixture("x/users_me.json")))
	mux.HandleFunc("GET /2/users/{id}/mentions", s.listMentions)
	mux.HandleFunc("GET /2/users/{id}/tweets", s.userTweets)
	mux.HandleFunc("GET /2/tweets/search/recent", s.search)
	mux.HandleFunc("GET /2/tweets", s.lookup)
	mux.HandleFunc("POST /2/tweets", s.createTweet)
	mux.HandleFunc("POST /2/media/upload", s.uploadMedia)
	mux.HandleFunc("POST /2/media/metadata", s.mediaMetadata)
	mux.HandleFunc("POST /2/dm_conversations/with/{id}/messages", s.createDM)
	mux.HandleFunc("GET /2/dm_conversations/with/{id}/dm_events", s.dmEvents)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		xProblem(w, 404, "Not Found Error", "no route "+r.Method+" "+r.URL.Path)
	})
	s.start(n, NetX, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.rateHeaders(w)
		if err := s.checkOAuth(r); err != nil {
			s.sm.Lock()
			s.authFail++
			s.sm.Unlock()
			writeJSON(w, 401, Fixture("x/error_401.json"))
			return
		}
		mux.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	return s
}

func xProblem(w http.ResponseWriter, status int, title, detail string) {
	writeJSON(w, status, marshal(map[string]any{"title": title, "detail": detail, "type": "about:blank", "status": status}))
}

func (s *XServer) rateHeaders(w http.ResponseWriter) {
	n := s.count()
	h := w.Header()
	h.Set("x-rate-limit-limit", "300")
	h.Set("x-rate-limit-remaining", strconv.Itoa(max(300-n, 0)))
	h.Set("x-rate-limit-reset", strconv.FormatInt(s.nets.now().Truncate(15*time.Minute).Add(15*time.Minute).Unix(), 10))
}

// AuthFailures counts the requests refused for a bad OAuth signature.
func (s *XServer) AuthFailures() int {
	return locked(&s.sm, &s.authFail)
}

// Withhold hides the n newest mentions until Release.
func (s *XServer) Withhold(n int) {
	withhold(&s.sm, &s.withheld, &s.mentions, n)
}

// Release shows every mention.
func (s *XServer) Release() { s.Withhold(0) }

// MentionIDs returns the ids of the mentions the fake serves (withheld
// ones included), newest first.
func (s *XServer) MentionIDs() []string {
	return mapOf(&s.sm, &s.mentions, func(t map[string]any) string { return str(t, "id") })
}

// Created returns the posts created so far, oldest first.
func (s *XServer) Created() []Tweet {
	return copyOf(&s.sm, &s.created)
}

// DMs returns the direct messages sent so far, oldest first.
func (s *XServer) DMs() []DM {
	return copyOf(&s.sm, &s.dms)
}

// checkOAuth verifies the Authorization header the way X does (see
// VerifyOAuth) and refuses a nonce used before.
func (s *XServer) checkOAuth(r *http.Request) error {
	params, err := VerifyOAuth(r, XCredentials{s.ConsumerKey, s.ConsumerSecret, s.AccessToken, s.AccessSecret})
	if err != nil {
		return err
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	if s.nonces[params["oauth_nonce"]] {
		return fmt.Errorf("nonce reused")
	}
	s.nonces[params["oauth_nonce"]] = true
	return nil
}

// page writes a timeline page in the fixtures' shape: data newest first,
// every known user and referenced post under includes, and meta with the
// ids (X's empty answer has no data key at all).
func (s *XServer) page(w http.ResponseWriter, list []map[string]any, next string, withMedia bool) {
	if len(list) == 0 {
		writeJSON(w, 200, Fixture("x/users_mentions_empty.json"))
		return
	}
	users := map[string]bool{}
	refs := map[string]bool{}
	for _, t := range list {
		users[str(t, "author_id")] = true
		if rs, ok := t["referenced_tweets"].([]any); ok {
			for _, r := range rs {
				if rm, ok := r.(map[string]any); ok {
					refs[str(rm, "id")] = true
				}
			}
		}
	}
	inc := map[string]any{}
	var us, ts []any
	for _, id := range slices.Sorted(maps.Keys(users)) {
		if u, ok := s.users[id]; ok {
			us = append(us, u)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(refs)) {
		if t, ok := s.tweets[id]; ok {
			ts = append(ts, t)
			if u, ok := s.users[str(t, "author_id")]; ok && !users[str(t, "author_id")] {
				users[str(t, "author_id")] = true
				us = append(us, u)
			}
		}
	}
	if us != nil {
		inc["users"] = us
	}
	if ts != nil {
		inc["tweets"] = ts
	}
	if withMedia { // expansions=attachments.media_keys
		var ms []any
		for _, t := range list {
			att, _ := t["attachments"].(map[string]any)
			keys, _ := att["media_keys"].([]string)
			for _, k := range keys {
				if m, ok := s.mediaInfo[k]; ok {
					ms = append(ms, m)
				}
			}
		}
		if ms != nil {
			inc["media"] = ms
		}
	}
	meta := map[string]any{"result_count": len(list), "newest_id": str(list[0], "id"), "oldest_id": str(list[len(list)-1], "id")}
	if next != "" {
		meta["next_token"] = next
	}
	out := map[string]any{"data": list, "meta": meta}
	if len(inc) > 0 {
		out["includes"] = inc
	}
	writeJSON(w, 200, marshal(out))
}

func (s *XServer) checkMaxResults(w http.ResponseWriter, q url.Values) bool {
	if v := q.Get("max_results"); v != "" {
		if n := atoi(v); n < 5 || n > 100 {
			writeJSON(w, 400, Fixture("x/error_400_invalid_request.json"))
			return false
		}
	}
	return true
}

// listMentions serves the brand's mentions: newest first, since_id
// excluding older ones, a next_token on every non-empty page (as in the
// fixture) leading to the empty users_mentions_page2.json.
func (s *XServer) listMentions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.checkMaxResults(w, q) {
		return
	}
	switch tok := q.Get("pagination_token"); {
	case tok == xFirstNextToken:
		writeJSON(w, 200, Fixture("x/users_mentions_page2.json"))
		return
	case tok != "":
		xProblem(w, 400, "Invalid Request", "The `pagination_token` query parameter value is invalid")
		return
	}
	if r.PathValue("id") != s.UserID {
		xProblem(w, 403, "Forbidden", "You are not permitted to read this user's mentions")
		return
	}
	since := q.Get("since_id")
	s.sm.Lock()
	defer s.sm.Unlock()
	var list []map[string]any
	for _, t := range s.mentions[s.withheld:] {
		if since == "" || IDLess(since, str(t, "id")) {
			list = append(list, t)
		}
	}
	if n := atoi(q.Get("max_results")); n > 0 && len(list) > n {
		list = list[:n]
	}
	s.page(w, list, xFirstNextToken, strings.Contains(q.Get("expansions"), "attachments.media_keys"))
}

// search serves conversation_id: queries from the posts the fake knows (the
// fixture's conversation is search_recent_conversation.json) and any other
// query with search_recent.json, then nothing.
func (s *XServer) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.checkMaxResults(w, q) {
		return
	}
	query := strings.TrimSpace(q.Get("query"))
	if query == "" {
		writeJSON(w, 400, Fixture("x/error_400_invalid_request.json"))
		return
	}
	if conv, ok := strings.CutPrefix(query, "conversation_id:"); ok {
		conv, _, _ = strings.Cut(conv, " ")
		s.sm.Lock()
		defer s.sm.Unlock()
		var list []map[string]any
		for _, t := range s.tweets {
			if str(t, "conversation_id") == conv && str(t, "id") != conv {
				list = append(list, t)
			}
		}
		sort.Slice(list, func(i, j int) bool { return IDLess(str(list[j], "id"), str(list[i], "id")) })
		s.page(w, list, "", strings.Contains(q.Get("expansions"), "attachments.media_keys"))
		return
	}
	if q.Get("pagination_token") != "" || q.Get("since_id") != "" {
		writeJSON(w, 200, Fixture("x/users_mentions_empty.json"))
		return
	}
	writeJSON(w, 200, Fixture("x/search_recent.json"))
}

// lookup answers GET /2/tweets?ids=: the posts it knows under data, the
// others as X's partial errors.
func (s *XServer) lookup(w http.ResponseWriter, r *http.Request) {
	ids := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(ids) == 0 || len(ids) > 100 || ids[0] == "" {
		writeJSON(w, 400, Fixture("x/error_400_invalid_request.json"))
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	var data, errs []any
	users := map[string]bool{}
	for _, id := range ids {
		if t, ok := s.tweets[id]; ok {
			data = append(data, t)
			users[str(t, "author_id")] = true
			continue
		}
		errs = append(errs, map[string]any{"value": id, "detail": "Could not find tweet with ids: [" + id + "].",
			"title": "Not Found Error", "resource_type": "tweet", "parameter": "ids", "resource_id": id,
			"type": "https://api.twitter.com/2/problems/resource-not-found"})
	}
	out := map[string]any{}
	if data != nil {
		out["data"] = data
		var us []any
		for _, id := range slices.Sorted(maps.Keys(users)) {
			if u, ok := s.users[id]; ok {
				us = append(us, u)
			}
		}
		if us != nil {
			out["includes"] = map[string]any{"users": us}
		}
	}
	if errs != nil {
		out["errors"] = errs
	}
	writeJSON(w, 200, marshal(out))
}

func (s *XServer) newID() string {
	id := strconv.FormatUint(s.nextID, 10)
	s.nextID++
	return id
}

// createTweet accepts POST /2/tweets with a JSON body like X: text
// required, a reply target it knows, and the same text twice refused as
// duplicate content.
func (s *XServer) createTweet(w http.ResponseWriter, r *http.Request) {
	body := mustBody(r)
	var in struct {
		Text  string `json:"text"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
		Media *struct {
			MediaIDs []string `json:"media_ids"`
		} `json:"media"`
	}
	if !isJSON(r) || json.Unmarshal(body, &in) != nil {
		s.nets.violate(NetX, "POST /2/tweets without a JSON body")
		writeJSON(w, 400, Fixture("x/error_400_invalid_request.json"))
		return
	}
	if strings.TrimSpace(in.Text) == "" {
		xProblem(w, 400, "Invalid Request", "One or more parameters to your request was invalid.")
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	for _, t := range s.created {
		if t.Text == in.Text {
			writeJSON(w, 403, Fixture("x/error_403_duplicate.json"))
			return
		}
	}
	now := s.nets.now().UTC().Format("2006-01-02T15:04:05.000Z")
	id := s.newID()
	tw := map[string]any{"id": id, "text": in.Text, "author_id": s.UserID, "created_at": now,
		"conversation_id": id, "edit_history_tweet_ids": []string{id}}
	parent := ""
	if in.Reply != nil {
		parent = in.Reply.InReplyToTweetID
		target, ok := s.tweets[parent]
		if !ok {
			xProblem(w, 400, "Invalid Request", "The post you are replying to has been deleted or is not visible to you.")
			return
		}
		tw["conversation_id"] = str(target, "conversation_id")
		tw["in_reply_to_user_id"] = str(target, "author_id")
		tw["referenced_tweets"] = []any{map[string]any{"type": "replied_to", "id": parent}}
	}
	var mediaIDs []string
	if in.Media != nil {
		if len(in.Media.MediaIDs) > 4 {
			xProblem(w, 400, "Invalid Request", "Your media IDs are invalid.")
			return
		}
		var keys []string
		for _, m := range in.Media.MediaIDs {
			if _, ok := s.mediaByID[m]; !ok {
				xProblem(w, 400, "Invalid Request", "Your media IDs are invalid.")
				return
			}
			keys = append(keys, "3_"+m)
		}
		mediaIDs = in.Media.MediaIDs
		tw["attachments"] = map[string]any{"media_keys": keys}
	}
	s.tweets[id] = tw
	s.created = append(s.created, Tweet{ID: id, Text: in.Text, InReplyTo: parent, MediaIDs: mediaIDs, Body: body})
	out := object(Fixture("x/tweets_create.json"))
	out["data"] = map[string]any{"id": id, "edit_history_tweet_ids": []string{id}, "text": in.Text}
	h := w.Header()
	h.Set("x-user-limit-24hour-limit", "100")
	h.Set("x-user-limit-24hour-remaining", strconv.Itoa(max(100-len(s.created), 0)))
	h.Set("x-user-limit-24hour-reset", strconv.FormatInt(s.nets.now().Add(24*time.Hour).Unix(), 10))
	writeJSON(w, 201, marshal(out))
}

func (s *XServer) createDM(w http.ResponseWriter, r *http.Request) {
	body := mustBody(r)
	pid := r.PathValue("id")
	var in struct {
		Text string `json:"text"`
	}
	if !isJSON(r) || json.Unmarshal(body, &in) != nil {
		s.nets.violate(NetX, "POST DM without a JSON body")
		writeJSON(w, 400, Fixture("x/error_400_invalid_request.json"))
		return
	}
	if _, err := strconv.ParseUint(pid, 10, 64); err != nil || strings.TrimSpace(in.Text) == "" {
		writeJSON(w, 400, Fixture("x/error_400_invalid_request.json"))
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	id := s.newID()
	s.dms = append(s.dms, DM{EventID: id, ParticipantID: pid, Text: in.Text, Body: body})
	lo, hi := pid, s.UserID
	if IDLess(hi, lo) {
		lo, hi = hi, lo
	}
	out := object(Fixture("x/dm_create.json"))
	out["data"] = map[string]any{"dm_conversation_id": lo + "-" + hi, "dm_event_id": id}
	writeJSON(w, 201, marshal(out))
}

// dmEvents lists a conversation's messages: the fixture's, for its
// participant, and the ones sent through the fake, newest first.
func (s *XServer) dmEvents(w http.ResponseWriter, r *http.Request) {
	pid := r.PathValue("id")
	fix := object(Fixture("x/dm_events.json"))
	var events []any
	s.sm.Lock()
	for i := len(s.dms) - 1; i >= 0; i-- {
		d := s.dms[i]
		if d.ParticipantID != pid {
			continue
		}
		lo, hi := pid, s.UserID
		if IDLess(hi, lo) {
			lo, hi = hi, lo
		}
		events = append(events, map[string]any{"id": d.EventID, "event_type": "MessageCreate", "text": d.Text,
			"sender_id": s.UserID, "dm_conversation_id": lo + "-" + hi, "created_at": s.nets.now().UTC().Format(time.RFC3339)})
	}
	s.sm.Unlock()
	for _, e := range fix["data"].([]any) {
		if strings.HasPrefix(str(e.(map[string]any), "dm_conversation_id"), pid+"-") ||
			strings.HasSuffix(str(e.(map[string]any), "dm_conversation_id"), "-"+pid) {
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		writeJSON(w, 200, Fixture("x/users_mentions_empty.json"))
		return
	}
	fix["data"] = events
	fix["meta"] = map[string]any{"result_count": len(events)}
	writeJSON(w, 200, marshal(fix))
}

// userTweets lists the account's own posts created through the fake, newest first.
func (s *XServer) userTweets(w http.ResponseWriter, r *http.Request) {
	if !s.checkMaxResults(w, r.URL.Query()) {
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	var list []map[string]any
	if r.PathValue("id") == s.UserID {
		for i := len(s.created) - 1; i >= 0; i-- {
			list = append(list, s.tweets[s.created[i].ID])
		}
	}
	s.page(w, list, "", false)
}

// uploadMedia takes POST /2/media/upload: multipart with the image as
// media (its bytes say it is one), media_category tweet_image, at most
// 5 MB; it answers {data:{id, media_key, size}}.
func (s *XServer) uploadMedia(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 6<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		xProblem(w, 400, "Invalid Request", "One or more parameters to your request was invalid.")
		return
	}
	f, _, err := r.FormFile("media")
	if err != nil {
		xProblem(w, 400, "Invalid Request", "The media parameter is missing.")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 5<<20+1))
	if err != nil || len(data) > 5<<20 {
		xProblem(w, 400, "Invalid Request", "File size exceeds 5 MB.")
		return
	}
	mime := http.DetectContentType(data)
	if !strings.HasPrefix(mime, "image/") || r.FormValue("media_category") != "tweet_image" {
		xProblem(w, 400, "Invalid Request", "media type unrecognized or media_category is not tweet_image")
		return
	}
	s.sm.Lock()
	id := s.newID()
	s.media = append(s.media, XMedia{ID: id, MIME: mime, Size: len(data)})
	s.mediaByID[id] = len(s.media) - 1
	s.sm.Unlock()
	writeJSON(w, 200, marshal(map[string]any{"data": map[string]any{"id": id, "media_key": "3_" + id, "size": len(data),
		"expires_after_secs": 86400, "image": map[string]any{"image_type": mime}}}))
}

// mediaMetadata takes POST /2/media/metadata {id, metadata:{alt_text:{text}}}
// (alt text at most 1000 characters).
func (s *XServer) mediaMetadata(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	if !isJSON(r) || json.NewDecoder(r.Body).Decode(&in) != nil {
		s.nets.violate(NetX, "POST /2/media/metadata without a JSON body")
		xProblem(w, 400, "Invalid Request", "One or more parameters to your request was invalid.")
		return
	}
	s.sm.Lock()
	defer s.sm.Unlock()
	i, ok := s.mediaByID[in.ID]
	if !ok || utf8.RuneCountInString(in.Metadata.AltText.Text) > 1000 {
		xProblem(w, 400, "Invalid Request", "Unknown media id or alt text too long.")
		return
	}
	s.media[i].Alt = in.Metadata.AltText.Text
	writeJSON(w, 200, marshal(map[string]any{"data": map[string]any{"id": in.ID, "associated_metadata": true}}))
}

// Media lists the images uploaded, oldest first.
func (s *XServer) Media() []XMedia {
	return copyOf(&s.sm, &s.media)
}

// AddPhotoMention adds a new mention (the newest) by the fixture's first
// mention's author with one photo (attachments.media_keys, and the media
// object served in includes.media when the request asks for the
// expansion); it returns the post's id.
func (s *XServer) AddPhotoMention(text, alt string, w, h int) string {
	s.sm.Lock()
	defer s.sm.Unlock()
	t := clone(s.mentions[len(s.mentions)-1]).(map[string]any)
	id := s.newID()
	key := "3_" + id
	t["id"], t["text"], t["conversation_id"] = id, text, id
	t["created_at"] = s.nets.now().UTC().Format("2006-01-02T15:04:05.000Z")
	t["edit_history_tweet_ids"] = []string{id}
	delete(t, "referenced_tweets")
	delete(t, "in_reply_to_user_id")
	t["attachments"] = map[string]any{"media_keys": []string{key}}
	s.mediaInfo[key] = map[string]any{"media_key": key, "type": "photo", "url": "https://pbs.twimg.com/media/" + id + ".jpg",
		"width": w, "height": h, "alt_text": alt}
	s.mentions = append([]map[string]any{t}, s.mentions...)
	s.tweets[id] = t
	return id
}
