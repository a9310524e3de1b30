package fakenet

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// MastodonScript is the scripted Mastodon client API for the adapter's
// unit tests: it checks the bearer token (401 otherwise), serves the
// notifications and the tag timeline a test loaded with Mastodon's paging
// (MastodonPage), sends the rate-limit trio on every answer, replays an
// Idempotency-Key like Mastodon and leaves what a created status looks
// like to the test (OnPost); any route can be answered by the test
// (Handle, FailNth).
type MastodonScript struct {
	*Script
	Token string

	t       testing.TB
	sm      sync.Mutex
	notifs  []json.RawMessage // newest first
	tag     []json.RawMessage // newest first
	posted  map[string][]byte // Idempotency-Key → status JSON
	onPost  func(form url.Values, hdr http.Header) Reply
	creates int
	noRate  bool
}

// NewMastodonScript starts the scripted Mastodon for a test, accepting
// token. It answers /api/v2/instance and verify_credentials from the
// fixtures and starts without notifications.
func NewMastodonScript(t testing.TB, token string) *MastodonScript {
	t.Helper()
	s := &MastodonScript{Token: token, t: t, posted: map[string][]byte{}}
	s.Script = NewScript(t, ScriptOptions{Net: NetMastodon, Gate: s.gate, Fallback: http.HandlerFunc(s.route)})
	return s
}

// LoadNotifications appends the notifications of the fixture
// mastodon/name (newest first) below those already served.
func (s *MastodonScript) LoadNotifications(name string) {
	var ns []json.RawMessage
	if err := json.Unmarshal(Fixture("mastodon/"+name), &ns); err != nil {
		s.t.Fatal(err)
	}
	s.sm.Lock()
	s.notifs = append(s.notifs, ns...)
	s.sm.Unlock()
}

// PushNotification puts a notification on top (the newest).
func (s *MastodonScript) PushNotification(n json.RawMessage) {
	s.sm.Lock()
	s.notifs = append([]json.RawMessage{n}, s.notifs...)
	s.sm.Unlock()
}

// AddMentions puts n new mention notifications on top (newer than all
// others), cloned from the fixture's mentions with the notification ids
// firstID… and fresh status ids.
func (s *MastodonScript) AddMentions(n int, firstID int) {
	var ns []map[string]any
	if err := json.Unmarshal(Fixture("mastodon/notifications_mentions.json"), &ns); err != nil {
		s.t.Fatal(err)
	}
	added := make([]json.RawMessage, 0, n)
	for i := range n {
		c := clone(ns[i%len(ns)]).(map[string]any)
		c["id"] = strconv.Itoa(firstID + i)
		c["status"].(map[string]any)["id"] = strconv.Itoa(117660000000000000 + i)
		added = append(added, marshal(c))
	}
	slices.Reverse(added)
	s.sm.Lock()
	s.notifs = append(added, s.notifs...)
	s.sm.Unlock()
}

// SetTag sets the hashtag timeline (newest first).
func (s *MastodonScript) SetTag(items []json.RawMessage) {
	setLocked(&s.sm, &s.tag, items)
}

// OnPost decides the answer to a status create (an Idempotency-Key the
// script has seen is replayed without asking); without it a create fails
// the test.
func (s *MastodonScript) OnPost(f func(form url.Values, hdr http.Header) Reply) {
	setLocked(&s.sm, &s.onPost, f)
}

// Creates is the number of statuses created (200 answers to a create
// that was not a replay).
func (s *MastodonScript) Creates() int {
	return locked(&s.sm, &s.creates)
}

// NoRateHeaders stops the rate-limit trio on answers.
func (s *MastodonScript) NoRateHeaders() {
	setLocked(&s.sm, &s.noRate, true)
}

func (s *MastodonScript) gate(_ string, w http.ResponseWriter, r *http.Request) bool {
	s.sm.Lock()
	noRate := s.noRate
	s.sm.Unlock()
	if !noRate {
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "297")
		w.Header().Set("X-RateLimit-Reset", "2026-11-22T08:10:00.000000Z")
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		JSONReply(401, Fixture("mastodon/error_401.json")).ServeHTTP(w, r)
		return false
	}
	if r.Method == http.MethodGet && r.URL.Path == "/api/v1/notifications" {
		if got := r.URL.Query()["types[]"]; !slices.Equal(got, []string{"mention", "update"}) {
			s.t.Errorf("notifications: types[] = %v, want [mention update]", got)
		}
	}
	return true
}

func (s *MastodonScript) route(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	s.sm.Lock()
	notifs, tag := s.notifs, s.tag
	s.sm.Unlock()
	switch {
	case key == "GET /api/v2/instance":
		JSONReply(200, Fixture("mastodon/instance_v2.json")).ServeHTTP(w, r)
	case key == "GET /api/v1/accounts/verify_credentials":
		JSONReply(200, Fixture("mastodon/verify_credentials.json")).ServeHTTP(w, r)
	case key == "GET /api/v1/notifications":
		mastodonPage(w, r, notifs, 40, 80)
	case strings.HasPrefix(key, "GET /api/v1/timelines/tag/"):
		mastodonPage(w, r, tag, 20, 40)
	case key == "POST /api/v1/statuses":
		s.postStatus(w, r)
	default:
		JSONReply(404, Fixture("mastodon/error_404.json")).ServeHTTP(w, r)
	}
}

// postStatus answers POST /api/v1/statuses like Mastodon: a repeat of an
// Idempotency-Key returns the status already created.
func (s *MastodonScript) postStatus(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.t.Errorf("POST /api/v1/statuses: Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", 400)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	s.sm.Lock()
	if b, ok := s.posted[key]; ok && key != "" {
		s.sm.Unlock()
		JSONReply(200, b).ServeHTTP(w, r)
		return
	}
	on := s.onPost
	s.sm.Unlock()
	if on == nil {
		s.t.Errorf("unexpected POST /api/v1/statuses")
		JSONReply(500, []byte(`{"error":"unexpected"}`)).ServeHTTP(w, r)
		return
	}
	rp := on(r.PostForm, r.Header)
	s.sm.Lock()
	if rp.Status == 200 {
		s.creates++
		if key != "" {
			s.posted[key] = rp.Body
		}
	}
	s.sm.Unlock()
	rp.ServeHTTP(w, r)
}
