package fakenet

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// XScript is the scripted X API v2 for the adapter's unit tests: it
// answers from the fixtures the way their README describes (the same
// answer to the same request, with the README's rate headers), checks
// every request's OAuth 1.0a signature against its credentials, records
// the requests, and takes a test's answers for any route (Handle).
type XScript struct {
	*Script
	Creds  XCredentials
	UserID string

	t            testing.TB
	am           sync.Mutex
	badAuthOK    bool
	authFailures int
}

// NewXScript starts the scripted X API for a test, for the account with
// these credentials (its user id is XUserID).
func NewXScript(t testing.TB, c XCredentials) *XScript {
	t.Helper()
	s := &XScript{Creds: c, UserID: XUserID, t: t}
	s.Script = NewScript(t, ScriptOptions{Net: NetX, Gate: s.gate, Fallback: http.HandlerFunc(s.route)})
	return s
}

// ExpectBadAuth stops the script from failing the test on a request with
// a bad signature (it still answers 401; AuthFailures counts them).
func (s *XScript) ExpectBadAuth() {
	setLocked(&s.am, &s.badAuthOK, true)
}

// AuthFailures counts the requests refused for a bad signature.
func (s *XScript) AuthFailures() int {
	return locked(&s.am, &s.authFailures)
}

func (s *XScript) gate(_ string, w http.ResponseWriter, r *http.Request) bool {
	if _, err := VerifyOAuth(r, s.Creds); err != nil {
		s.am.Lock()
		s.authFailures++
		expected := s.badAuthOK
		s.am.Unlock()
		if !expected {
			s.t.Errorf("%s %s: %v", r.Method, r.URL.Path, err)
		}
		XWriteFixture(w, http.StatusUnauthorized, "error_401.json", nil)
		return false
	}
	return true
}

// route answers like X does for the fixtures' requests.
func (s *XScript) route(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.Method + " " + r.URL.Path {
	case "GET /2/users/me":
		XWriteFixture(w, 200, "users_me.json", nil)
	case "GET /2/users/" + s.UserID + "/mentions":
		switch {
		case q.Get("pagination_token") == xFirstNextToken:
			XWriteFixture(w, 200, "users_mentions_page2.json", nil)
		case q.Get("pagination_token") != "":
			XWriteProblem(w, 400, "Invalid Request", "bad pagination_token")
		case q.Get("since_id") == XNewestMention:
			XWriteFixture(w, 200, "users_mentions_empty.json", nil)
		default:
			XWriteFixture(w, 200, "users_mentions.json", nil)
		}
	case "GET /2/tweets/search/recent":
		switch {
		case strings.HasPrefix(q.Get("query"), "conversation_id:2123808585940639751"):
			XWriteFixture(w, 200, "search_recent_conversation.json", nil)
		case strings.HasPrefix(q.Get("query"), "conversation_id:"):
			XWriteFixture(w, 200, "users_mentions_empty.json", nil)
		case q.Get("since_id") == "2124397013237407751":
			XWriteFixture(w, 200, "users_mentions_empty.json", nil)
		default:
			XWriteFixture(w, 200, "search_recent.json", nil)
		}
	case "GET /2/tweets":
		XWriteFixture(w, 200, "tweets_lookup.json", nil)
	case "POST /2/tweets":
		XWriteFixture(w, 201, "tweets_create.json", map[string]string{
			"x-user-limit-24hour-limit":     "100",
			"x-user-limit-24hour-remaining": "99",
			"x-user-limit-24hour-reset":     "1795400000",
		})
	case "POST /2/dm_conversations/with/1288112233445566778/messages":
		XWriteFixture(w, 201, "dm_create.json", nil)
	case "GET /2/dm_conversations/with/1288112233445566778/dm_events":
		XWriteFixture(w, 200, "dm_events.json", nil)
	case "GET /2/users/" + s.UserID + "/tweets":
		XWriteFixture(w, 200, "users_tweets.json", nil)
	default:
		XWriteProblem(w, 404, "Not Found Error", "no route "+r.Method+" "+r.URL.Path)
	}
}

// XNewestMention is the newest mention in x/users_mentions.json.
const XNewestMention = "2124212497415839751"

// XWriteFixture answers with the X fixture name (x/name) and the README's
// headers (rate headers on every response, JSON content type); hdr adds
// or overrides headers (an empty value removes one).
func XWriteFixture(w http.ResponseWriter, status int, name string, hdr map[string]string) {
	XWrite(w, status, Fixture("x/"+name), hdr)
}

// XWrite answers with body and the README's headers (see XWriteFixture).
func XWrite(w http.ResponseWriter, status int, body []byte, hdr map[string]string) {
	h := w.Header()
	h.Set("x-rate-limit-limit", "300")
	h.Set("x-rate-limit-remaining", "299")
	h.Set("x-rate-limit-reset", "1795337400")
	Reply{Status: status, Type: "application/json; charset=utf-8", Header: hdr, Body: body}.ServeHTTP(w, nil)
}

// XWriteProblem answers with an X API problem (RFC 7807) body.
func XWriteProblem(w http.ResponseWriter, status int, title, detail string) {
	XWrite(w, status, []byte(fmt.Sprintf(`{"title":%q,"detail":%q,"type":"about:blank","status":%d}`, title, detail, status)), nil)
}
