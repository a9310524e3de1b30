package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

func TestSessionResolvesPDSFromDIDDoc(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	a, err := c.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != brandDID || a.Handle != brandHandle || a.URL != "https://bsky.app/profile/"+brandHandle {
		t.Fatalf("identity = %+v", a)
	}
	reqs := f.Requests()
	if len(reqs) < 2 {
		t.Fatalf("requests = %d", len(reqs))
	}
	login := reqs[0]
	if login.Host != "entry" || login.NSID() != "com.atproto.server.createSession" || login.Method != http.MethodPost {
		t.Fatalf("first request = %s %s on %s", login.Method, login.NSID(), login.Host)
	}
	var body map[string]string
	if err := json.Unmarshal(login.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["identifier"] != brandHandle || body["password"] != appPassword || len(body) != 2 {
		t.Fatalf("createSession body = %v", body)
	}
	if login.Header.Get("Authorization") != "" {
		t.Fatal("createSession sent an Authorization header")
	}
	access := jsonField(t, "createSession.json", "accessJwt")
	for _, r := range reqs[1:] {
		if r.Host != "pds" {
			t.Errorf("%s went to the %s, want the PDS from the DID document", r.NSID(), r.Host)
		}
		if r.Header.Get("Authorization") != "Bearer "+access {
			t.Errorf("%s: Authorization = %q", r.NSID(), r.Header.Get("Authorization"))
		}
	}
	if got := f.Calls("com.atproto.server.getSession"); len(got) != 1 {
		t.Fatalf("getSession calls = %d", len(got))
	}
}

func TestPDSEndpoint(t *testing.T) {
	doc := func(id, ep string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"id": id, "service": []any{
			map[string]any{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": ep},
		}})
		return b
	}
	tests := []struct {
		name string
		doc  json.RawMessage
		want string
		ok   bool
	}{
		{"fixture", json.RawMessage(fixtureDIDDoc(t)), fixturePDS, true},
		{"trailing slash", doc(brandDID, "https://pds.example/"), "https://pds.example", true},
		{"other did", doc("did:plc:someoneelse", "https://pds.example"), "", false},
		{"not http", doc(brandDID, "javascript:alert(1)"), "", false},
		{"userinfo", doc(brandDID, "https://u:p@pds.example"), "", false},
		{"no host", doc(brandDID, "https://"), "", false},
		{"endpoint object", json.RawMessage(`{"id":"` + brandDID + `","service":[{"id":"#atproto_pds","serviceEndpoint":{"x":1}}]}`), "", false},
		{"garbage", json.RawMessage(`[1,2`), "", false},
		{"empty", nil, "", false},
	}
	for _, tt := range tests {
		got, ok := pdsEndpoint(tt.doc, brandDID)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %q %v, want %q %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func fixtureDIDDoc(t *testing.T) []byte {
	return fixture(t, "did_document.json")
}

func TestExpiredTokenRefreshesAndRetries(t *testing.T) {
	f, c := expiredSession(t)
	ctx := context.Background()
	if _, err := c.Verify(ctx); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	gs := f.Calls("com.atproto.server.getSession")
	if len(gs) != 3 {
		t.Fatalf("getSession calls = %d, want 3 (ok, expired, retried)", len(gs))
	}
	old := jsonField(t, "createSession.json", "accessJwt")
	fresh := jsonField(t, "refreshSession.json", "accessJwt")
	if gs[1].Header.Get("Authorization") != "Bearer "+old || gs[2].Header.Get("Authorization") != "Bearer "+fresh {
		t.Fatalf("retry did not use the refreshed token")
	}
	rs := f.Calls("com.atproto.server.refreshSession")
	if len(rs) != 1 {
		t.Fatalf("refreshSession calls = %d", len(rs))
	}
	if rs[0].Host != "pds" || rs[0].Method != http.MethodPost || len(rs[0].Body) != 0 ||
		rs[0].Header.Get("Authorization") != "Bearer "+jsonField(t, "createSession.json", "refreshJwt") {
		t.Fatalf("refresh request: %s %s body=%q auth=%q", rs[0].Host, rs[0].Method, rs[0].Body, rs[0].Header.Get("Authorization"))
	}
	wantCalls(t, f, "com.atproto.server.createSession", 1)
}

func TestRevokedRefreshLogsInAgain(t *testing.T) {
	f, c := expiredSession(t)
	ctx := context.Background()
	f.SetTokens("", "revoked")
	if _, err := c.Verify(ctx); err != nil {
		t.Fatalf("after revoked refresh: %v", err)
	}
	wantCalls(t, f, "com.atproto.server.createSession", 2)
}

func TestConcurrentFirstCallsLogInOnce(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Verify(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	wantCalls(t, f, "com.atproto.server.createSession", 1)
}

func TestConcurrentExpiryRefreshesOnce(t *testing.T) {
	f, c := expiredSession(t)
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Verify(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	wantCalls(t, f, "com.atproto.server.refreshSession", 1)
}

// errorCase is one error answer and the typed error it must become.
type errorCase struct {
	name   string
	status int
	header http.Header
	body   string
	kind   social.ErrorKind
	until  time.Time
	msg    string // substring of the error text
}

func TestErrorMapping(t *testing.T) {
	reset := time.Unix(1795336500, 0)
	cases := []errorCase{
		{"401 auth missing", 401, nil, string(fixture(t, "error_401_auth_missing.json")), social.Auth, time.Time{}, "AuthMissing"},
		{"400 invalid token", 400, nil, `{"error":"InvalidToken","message":"Token could not be verified"}`, social.Auth, time.Time{}, "Token could not be verified"},
		{"401 authentication required", 401, nil, string(fixture(t, "error_401_bad_password.json")), social.Auth, time.Time{}, "Invalid identifier or password"},
		{"429 with reset", 429, http.Header{"Ratelimit-Limit": {"3000"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"1795336500"}, "Ratelimit-Policy": {"3000;w=300"}},
			string(fixture(t, "error_429_rate_limit.json")), social.RateLimited, reset, "RateLimitExceeded"},
		{"429 retry-after wins", 429, http.Header{"Retry-After": {"120"}, "Ratelimit-Reset": {"1795336500"}},
			string(fixture(t, "error_429_rate_limit.json")), social.RateLimited, testNow.Add(2 * time.Minute), "Rate Limit"},
		{"500", 500, nil, string(fixture(t, "error_500_duplicate_rkey.json")), social.Transient, time.Time{}, "InternalServerError"},
		{"502 html", 502, http.Header{"Content-Type": {"text/html"}}, "<html><body>502 Bad Gateway</body></html>", social.Transient, time.Time{}, "Bad Gateway"},
		{"503 upstream", 503, nil, `{"error":"UpstreamFailure","message":"Upstream Failure"}`, social.Transient, time.Time{}, "UpstreamFailure"},
		{"400 invalid request", 400, nil, string(fixture(t, "error_400_seenat_unsupported.json")), social.Permanent, time.Time{}, "The seenAt parameter is unsupported"},
		{"400 not json", 400, http.Header{"Content-Type": {"text/plain"}}, "nope", social.Permanent, time.Time{}, "Bad Request"},
		{"403", 403, nil, `{"error":"Forbidden","message":"nope"}`, social.Permanent, time.Time{}, "Forbidden: nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.Route("com.atproto.server.getSession", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header()[k] = v
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			_, err := newClient(f).Verify(context.Background())
			assertErr(t, err, tc.kind, tc.status, tc.until, tc.msg)
		})
	}
}

func assertErr(t *testing.T, err error, kind social.ErrorKind, status int, until time.Time, msg string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	var se *social.Error
	if !errors.As(err, &se) {
		t.Fatalf("not a *social.Error: %T %v", err, err)
	}
	if se.Kind != kind {
		t.Fatalf("kind = %v, want %v (%v)", se.Kind, kind, err)
	}
	if status != 0 && se.Status != status {
		t.Fatalf("status = %d, want %d", se.Status, status)
	}
	if !se.Until.Equal(until) {
		t.Fatalf("until = %v, want %v", se.Until, until)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q does not mention %q", err, msg)
	}
	for _, secret := range []string{appPassword, "eyJ0eXAi"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
}

func TestBadPasswordIsAuth(t *testing.T) {
	f := newFake(t)
	c := newClient(f, func(o *Options) { o.Password = "wrong-pass-word-here" })
	_, err := c.Poll(context.Background(), "")
	assertErr(t, err, social.Auth, 401, time.Time{}, "Invalid identifier or password")
	if strings.Contains(err.Error(), "wrong-pass") {
		t.Fatal("error leaks the password")
	}
	if len(f.Calls("app.bsky.notification.listNotifications")) != 0 {
		t.Fatal("polled without a session")
	}
}

func TestMissingCredentialsIsAuth(t *testing.T) {
	c := New(Options{Service: "http://127.0.0.1:1", Account: "acme"})
	_, err := c.Verify(context.Background())
	assertErr(t, err, social.Auth, 0, time.Time{}, "app password")
}

func TestMalformedJSONIsTransient(t *testing.T) {
	for _, body := range []string{`{"notifications":[{"uri":`, `{"notifications":"oops"}`, `[]`} {
		f := newFake(t)
		f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, body)
		})
		_, err := newClient(f).Poll(context.Background(), "")
		assertErr(t, err, social.Transient, 200, time.Time{}, "malformed JSON")
	}
}

func TestHTMLOn200IsTransient(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>captive portal</html>"))
	})
	_, err := newClient(f).Poll(context.Background(), "")
	assertErr(t, err, social.Transient, 200, time.Time{}, `expected JSON, got "text/html"`)
}

func TestOversizedBodyIsTransient(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.notification.listNotifications", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"notifications":[],"pad":"`+strings.Repeat("x", 64<<10)+`"}`)
	})
	c := newClient(f, func(o *Options) {
		o.Client = &web.Client{HTTP: &http.Client{Timeout: 5 * time.Second}, MaxBody: 32 << 10}
	})
	_, err := c.Poll(context.Background(), "")
	if !errors.Is(err, web.ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
	assertErr(t, err, social.Transient, 200, time.Time{}, "bytes")
}

func TestRateReporter(t *testing.T) {
	f := newFake(t)
	f.Route("com.atproto.server.getSession", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ratelimit-limit", "3000")
		w.Header().Set("ratelimit-remaining", "2987")
		w.Header().Set("ratelimit-reset", "1795336500")
		w.Header().Set("ratelimit-policy", "3000;w=300")
		f.ServeFixture(w, 200, "getSession.json")
	})
	c := newClient(f)
	if c.Rate().Known {
		t.Fatal("rate known before any call")
	}
	if _, err := c.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := c.Rate()
	want := social.RateStatus{Limit: 3000, Remaining: 2987, Reset: time.Unix(1795336500, 0), Known: true}
	if got != want {
		t.Fatalf("rate = %+v, want %+v", got, want)
	}
}

func TestVerifyFillsProfile(t *testing.T) {
	f := newFake(t)
	f.Route("app.bsky.actor.getProfiles", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query()["actors"]; len(got) != 1 || got[0] != brandDID {
			t.Errorf("actors = %v", got)
		}
		writeJSON(w, 200, `{"profiles":[{"did":"`+brandDID+`","handle":"`+brandHandle+`","displayName":"Acme Coffee ☕","followersCount":18234}]}`)
	})
	a, err := newClient(f).Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.DisplayName != "Acme Coffee ☕" || a.Followers != 18234 {
		t.Fatalf("author = %+v", a)
	}
}

func TestAppViewServesPublicReadsUnauthenticated(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	var seen []string // path and Authorization of each AppView request
	av := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		switch r.URL.Path {
		case "/xrpc/app.bsky.feed.getPostThread":
			writeJSON(w, 200, string(fixture(t, "getPostThread.json")))
		case "/xrpc/app.bsky.actor.getProfiles":
			writeJSON(w, 200, string(fixture(t, "getProfiles.json")))
		default:
			writeJSON(w, 404, `{"error":"NotFound"}`)
		}
	}))
	defer av.Close()
	c := newClient(f, func(o *Options) { o.AppView = av.URL + "/" })
	posts, err := c.Thread(context.Background(), social.Post{RemoteID: "at://" + kasiaDID + "/app.bsky.feed.post/3n2sxakbq622g"})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 3 {
		t.Fatalf("posts = %d", len(posts))
	}
	if _, err := c.Poll(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Calls("app.bsky.feed.getPostThread")) + len(f.Calls("app.bsky.actor.getProfiles")); n != 0 {
		t.Fatalf("public reads went to the PDS %d times", n)
	}
	wantCalls(t, f, "app.bsky.notification.listNotifications", 3)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/xrpc/app.bsky.feed.getPostThread auth=", "/xrpc/app.bsky.actor.getProfiles auth="}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("AppView requests = %q, want %q", seen, want)
	}
}

func TestInvalidTokenDropsSession(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	ctx := context.Background()
	if _, err := c.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	// The PDS forgets every session (e.g. its JWT secret was rotated).
	f.SetTokens("something-else", "")
	_, err := c.Verify(ctx)
	assertErr(t, err, social.Auth, 400, time.Time{}, "Token could not be verified")
	// The next call logs in again instead of failing forever.
	if _, err := c.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, f, "com.atproto.server.createSession", 2)
}

func TestChatTokenMethodKeepsSession(t *testing.T) {
	f := newFake(t)
	f.Route("chat.bsky.convo.getConvoForMembers", func(w http.ResponseWriter, r *http.Request) {
		f.ServeFixture(w, 400, "error_400_chat_bad_token_method.json")
	})
	c := newClient(f)
	for range 2 {
		_, err := c.Send(context.Background(), social.Reply{Direct: true, To: social.Post{Author: social.Author{ID: tomasDID}}, Text: "hi"})
		assertErr(t, err, social.Auth, 400, time.Time{}, "direct messages")
	}
	wantCalls(t, f, "com.atproto.server.createSession", 1)
}

func TestNoDowngradeToPlainHTTPPDS(t *testing.T) {
	c := New(Options{Service: "https://bsky.social"})
	doc, _ := json.Marshal(map[string]any{"id": brandDID, "service": []any{
		map[string]any{"id": "#atproto_pds", "serviceEndpoint": "http://pds.example"}}})
	s, err := c.store(sessionResp{DID: brandDID, AccessJwt: "a", RefreshJwt: "r", DIDDoc: doc}, c.service)
	if err != nil {
		t.Fatal(err)
	}
	if s.pds != "https://bsky.social" {
		t.Fatalf("pds = %q", s.pds)
	}
}

func TestID(t *testing.T) {
	if got := New(Options{Account: "acme"}).ID(); got != "bluesky:acme" {
		t.Fatalf("ID = %q", got)
	}
}

func TestRefreshOutageIsTransient(t *testing.T) {
	f, c := expiredSession(t)
	f.Route("com.atproto.server.refreshSession", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 502, `{"error":"UpstreamFailure","message":"Upstream Failure"}`)
	})
	_, err := c.Verify(context.Background())
	assertErr(t, err, social.Transient, 502, time.Time{}, "refreshing session")
	wantCalls(t, f, "com.atproto.server.createSession", 1)
}

// expiredSession is a client on the fake with a session it has verified,
// whose access token the fake has then expired.
func expiredSession(t *testing.T) (*fakenet.BlueskyScript, *Client) {
	t.Helper()
	f := newFake(t)
	c := newClient(f)
	if _, err := c.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.Expire()
	return f, c
}
