package x

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

const (
	mariaReply = "¡Lo sentimos mucho, María! Te enviamos hoy un molinillo nuevo sin coste. ^JL"
	tomasDM    = "Thanks Tomás, we found the duplicate charge and refunded it; you will see it in 3–5 days. ^JL"
)

func sameJSON(t *testing.T, got []byte, fixtureName string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(readFixture(fixtureName), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body %s\nwant %s", got, readFixture(fixtureName))
	}
}

func mariaPost() social.Post { return wantMentions()[0] }

func TestSendReply(t *testing.T) {
	c, req := sendOne(t, social.Reply{ID: "o1", To: mariaPost(), Text: mariaReply, CreatedAt: t0},
		social.Sent{RemoteID: "2124413874339487751", URL: "https://x.com/i/web/status/2124413874339487751"},
		"/2/tweets", "tweets_create_request.json")
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if d := c.DailyRate(); d != (social.RateStatus{Limit: 100, Remaining: 99, Reset: time.Unix(1795400000, 0), Known: true}) {
		t.Errorf("DailyRate %+v", d)
	}
}

func TestSendDM(t *testing.T) {
	to := wantMentions()[2] // Tomás
	sendOne(t, social.Reply{ID: "o2", To: to, Text: tomasDM, Direct: true, CreatedAt: t0},
		social.Sent{RemoteID: "2124414495096479751", URL: "https://x.com/messages/1288112233445566778-1623456789012345344"},
		"/2/dm_conversations/with/1288112233445566778/messages", "dm_create_request.json")
}

// sendOne sends r through a client on a fresh fake: Send must answer want
// after exactly one POST to path, whose JSON body is the fixture body. It
// returns the client and that request.
func sendOne(t *testing.T, r social.Reply, want social.Sent, path, body string) (*Client, fakenet.Request) {
	t.Helper()
	f := newFake(t)
	c, _ := newClient(t, f, nil)
	sent, err := c.Send(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if sent != want {
		t.Errorf("sent %+v, want %+v", sent, want)
	}
	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != path {
		t.Fatalf("requests %+v", reqs)
	}
	sameJSON(t, reqs[0].Body, body)
	return c, reqs[0]
}

func TestSendRefusedLocally(t *testing.T) {
	readOnly := mariaPost()
	readOnly.ReadOnly = ReadOnlyNotSummoned
	noAuthor := mariaPost()
	noAuthor.Author.ID = ""
	tests := []struct {
		name string
		r    social.Reply
		msg  string
	}{
		{"read-only post", social.Reply{To: readOnly, Text: "hi"}, ReadOnlyNotSummoned},
		{"empty", social.Reply{To: mariaPost(), Text: "  "}, "empty reply"},
		{"too long", social.Reply{To: mariaPost(), Text: strings.Repeat("日", 141)}, "282 characters"},
		{"DM without author id", social.Reply{To: noAuthor, Text: "hi", Direct: true}, "no author id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c, _ := newClient(t, f, nil)
			_, err := c.Send(ctx, tt.r)
			if social.KindOf(err) != social.Permanent || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("want permanent %q, got %v", tt.msg, err)
			}
			if n := len(f.Requests()); n != 0 {
				t.Errorf("%d requests; a refused reply must not reach X", n)
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	kasia := wantMentions()[1]
	tomas := wantMentions()[2]
	tests := []struct {
		name  string
		r     social.Reply
		found social.Sent
		ok    bool
		path  string
	}{
		{"reply found despite prepended @mention",
			social.Reply{To: mariaPost(), Text: mariaReply, CreatedAt: mustTime("2026-11-22T08:05:10Z")},
			social.Sent{RemoteID: "2124413874339487751", URL: "https://x.com/i/web/status/2124413874339487751"}, true,
			"/2/users/" + brandID + "/tweets"},
		{"reply found despite &amp; and t.co",
			social.Reply{To: kasia, Text: "Sorry for the wait & thanks for your patience!  Tracking: https://shop.acme.example/track/4822 ^JL",
				CreatedAt: mustTime("2026-11-22T08:09:00Z")},
			social.Sent{RemoteID: "2124414913562173447", URL: "https://x.com/i/web/status/2124414913562173447"}, true,
			"/2/users/" + brandID + "/tweets"},
		{"same text to another post is not ours",
			social.Reply{To: tomas, Text: mariaReply, CreatedAt: mustTime("2026-11-22T08:05:10Z")}, social.Sent{}, false,
			"/2/users/" + brandID + "/tweets"},
		{"other text not found",
			social.Reply{To: mariaPost(), Text: "Something else. ^JL", CreatedAt: mustTime("2026-11-22T08:05:10Z")}, social.Sent{}, false,
			"/2/users/" + brandID + "/tweets"},
		{"DM found",
			social.Reply{To: tomas, Direct: true, Text: tomasDM, CreatedAt: mustTime("2026-11-22T08:07:30Z")},
			social.Sent{RemoteID: "2124414495096479751", URL: "https://x.com/messages/1288112233445566778-1623456789012345344"}, true,
			"/2/dm_conversations/with/1288112233445566778/dm_events"},
		{"DM other text not found",
			social.Reply{To: tomas, Direct: true, Text: "Refund sent. ^JL", CreatedAt: mustTime("2026-11-22T08:07:30Z")}, social.Sent{}, false,
			"/2/dm_conversations/with/1288112233445566778/dm_events"},
		{"DM from the customer is not ours",
			social.Reply{To: tomas, Direct: true, Text: "Hi! I was charged twice for order 4823, card ends 0417.", CreatedAt: mustTime("2026-11-22T07:30:00Z")},
			social.Sent{}, false, "/2/dm_conversations/with/1288112233445566778/dm_events"},
		{"DM older than the reply is not this one",
			social.Reply{To: tomas, Direct: true, Text: tomasDM, CreatedAt: mustTime("2026-11-22T08:30:00Z")}, social.Sent{}, false,
			"/2/dm_conversations/with/1288112233445566778/dm_events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c, _ := newClient(t, f, nil)
			sent, ok, err := c.Confirm(ctx, tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok || sent != tt.found {
				t.Errorf("got %+v %v, want %+v %v", sent, ok, tt.found, tt.ok)
			}
			reqs := f.Requests()
			if len(reqs) != 1 || reqs[0].Path != tt.path {
				t.Fatalf("requests %+v", reqs)
			}
			q := reqs[0].Query
			if tt.r.Direct {
				if q.Get("event_types") != "MessageCreate" || !strings.Contains(q.Get("dm_event.fields"), "sender_id") {
					t.Errorf("query %v", q)
				}
				return
			}
			if !strings.Contains(q.Get("tweet.fields"), "referenced_tweets") {
				t.Errorf("tweet.fields %q", q.Get("tweet.fields"))
			}
			st, err := time.Parse(time.RFC3339, q.Get("start_time"))
			if err != nil || st.After(tt.r.CreatedAt) || tt.r.CreatedAt.Sub(st) > 10*time.Minute {
				t.Errorf("start_time %q not just before %v", q.Get("start_time"), tt.r.CreatedAt)
			}
		})
	}
}

func TestSendDuplicate(t *testing.T) {
	dup := func(w http.ResponseWriter, r *http.Request) {
		fakenet.XWriteFixture(w, 403, "error_403_duplicate.json", nil)
	}
	t.Run("already posted: confirmed", func(t *testing.T) {
		f := newFake(t)
		f.HandleFunc("POST /2/tweets", dup)
		c, _ := newClient(t, f, nil)
		sent, err := c.Send(ctx, social.Reply{To: mariaPost(), Text: mariaReply, CreatedAt: mustTime("2026-11-22T08:05:10Z")})
		if err != nil {
			t.Fatal(err)
		}
		if sent.RemoteID != "2124413874339487751" {
			t.Errorf("sent %+v", sent)
		}
		if f.Count("GET /2/users/"+brandID+"/tweets") != 1 {
			t.Error("duplicate content must be checked against the own timeline")
		}
	})
	t.Run("duplicate of something else: permanent", func(t *testing.T) {
		f := newFake(t)
		f.HandleFunc("POST /2/tweets", dup)
		c, _ := newClient(t, f, nil)
		_, err := c.Send(ctx, social.Reply{To: mariaPost(), Text: "Thanks!", CreatedAt: t0})
		var e *social.Error
		if !errors.As(err, &e) || e.Kind != social.Permanent || e.Status != 403 ||
			e.Msg != "You are not allowed to create a Tweet with duplicate content." {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("check fails: not final", func(t *testing.T) {
		f := newFake(t)
		f.HandleFunc("POST /2/tweets", dup)
		f.HandleFunc("GET /2/users/"+brandID+"/tweets", func(w http.ResponseWriter, r *http.Request) {
			fakenet.XWriteProblem(w, 503, "Service Unavailable", "over capacity")
		})
		c, _ := newClient(t, f, nil)
		_, err := c.Send(ctx, social.Reply{To: mariaPost(), Text: mariaReply, CreatedAt: t0})
		if social.KindOf(err) != social.Transient {
			t.Fatalf("want transient (unknown outcome), got %v", err)
		}
	})
}

func TestErrors(t *testing.T) {
	mentions := "GET /2/users/" + brandID + "/mentions"
	file := func(status int, name string, hdr map[string]string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { fakenet.XWriteFixture(w, status, name, hdr) }
	}
	body := func(status int, ct, b string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			fakenet.XWrite(w, status, []byte(b), map[string]string{"Content-Type": ct})
		}
	}
	tests := []struct {
		name   string
		route  string
		h      http.HandlerFunc
		send   bool // exercise Send instead of Poll
		kind   social.ErrorKind
		status int
		until  time.Time
		msg    string
		big    bool // bound bodies to 1 KiB
	}{
		{name: "401", route: mentions, h: file(401, "error_401.json", nil), kind: social.Auth, status: 401, msg: "Unauthorized"},
		{name: "429 window", route: mentions, h: file(429, "error_429.json", map[string]string{"x-rate-limit-remaining": "0"}),
			kind: social.RateLimited, status: 429, until: resetAt, msg: "Too Many Requests"},
		{name: "429 retry-after", route: mentions, h: file(429, "error_429.json", map[string]string{"Retry-After": "30"}),
			kind: social.RateLimited, status: 429, until: t0.Add(30 * time.Second)},
		{name: "429 daily user limit", route: "POST /2/tweets", send: true, h: file(429, "error_429.json", map[string]string{
			"x-user-limit-24hour-limit": "100", "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "1795400000"}),
			kind: social.RateLimited, status: 429, until: time.Unix(1795400000, 0)},
		{name: "429 usage capped", route: mentions, h: file(429, "error_429_usage_capped.json", nil),
			kind: social.RateLimited, status: 429, until: resetAt, msg: "X USAGE CAP REACHED (Monthly)"},
		{name: "429 usage capped without headers", route: mentions, h: file(429, "error_429_usage_capped.json", map[string]string{"x-rate-limit-reset": ""}),
			kind: social.RateLimited, status: 429, until: mustTime("2026-12-01T00:00:00Z"), msg: "Usage cap exceeded: Monthly product cap"},
		{name: "403 not allowed to reply", route: "POST /2/tweets", send: true, h: file(403, "error_403_reply_not_allowed.json", nil),
			kind: social.Permanent, status: 403, msg: "Reply to this conversation is not allowed"},
		{name: "403 client not enrolled", route: mentions, h: file(403, "error_403_client_forbidden.json", nil),
			kind: social.Permanent, status: 403, msg: "client-not-enrolled: When authenticating"},
		{name: "400 invalid request", route: mentions, h: file(400, "error_400_invalid_request.json", nil),
			kind: social.Permanent, status: 400, msg: "One or more parameters to your request was invalid."},
		{name: "500", route: mentions, h: body(500, "application/json", `{"title":"Internal Server Error","status":500}`),
			kind: social.Transient, status: 500, msg: "Internal Server Error"},
		{name: "502 HTML", route: mentions, h: body(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
			kind: social.Transient, status: 502},
		{name: "503 DM", route: "POST /2/dm_conversations/with/1288112233445566778/messages", send: true,
			h: body(503, "application/json", `{"title":"Service Unavailable","detail":"over capacity"}`), kind: social.Transient, status: 503},
		{name: "malformed JSON", route: mentions, h: body(200, "application/json", `{"data":[{"id":"1","text":"trunc`),
			kind: social.Transient, status: 200},
		{name: "HTML on 200", route: mentions, h: body(200, "text/html", "<html>maintenance</html>"), kind: social.Transient, status: 200},
		{name: "malformed create", route: "POST /2/tweets", send: true, h: body(201, "application/json", `{"data":`),
			kind: social.Transient, status: 201},
		{name: "oversized body", route: mentions, h: file(200, "users_mentions.json", nil), kind: social.Transient, status: 200, big: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.HandleFunc(tt.route, tt.h)
			c, _ := newClient(t, f, func(o *Options) {
				if tt.big {
					o.Client.MaxBody = 1024
				}
			})
			var err error
			if tt.send {
				r := social.Reply{To: mariaPost(), Text: "Hola", CreatedAt: t0, Direct: strings.Contains(tt.route, "dm_")}
				r.To.Author.ID = "1288112233445566778"
				_, err = c.Send(ctx, r)
			} else {
				_, err = c.Poll(ctx, newestMention)
			}
			var e *social.Error
			if !errors.As(err, &e) {
				t.Fatalf("want *social.Error, got %v", err)
			}
			if e.Kind != tt.kind || e.Status != tt.status {
				t.Errorf("kind %v status %d, want %v %d (%v)", e.Kind, e.Status, tt.kind, tt.status, err)
			}
			if !tt.until.IsZero() && !e.Until.Equal(tt.until) {
				t.Errorf("until %v, want %v", e.Until, tt.until)
			}
			if tt.msg != "" && !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message %q lacks %q", e.Msg, tt.msg)
			}
			if tt.big && !errors.Is(err, web.ErrTooLarge) {
				t.Errorf("want ErrTooLarge, got %v", err)
			}
			for _, secret := range []string{testConsumerSecret, testAccessSecret, testAccessToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a credential: %v", err)
				}
			}
			if tt.kind == social.RateLimited {
				// Until the reset, the same call must not reach X again.
				before := len(f.Requests())
				if tt.send {
					_, err = c.Send(ctx, social.Reply{To: mariaPost(), Text: "Hola again", CreatedAt: t0})
				} else {
					_, err = pollAgain(c)
				}
				if at, ok := social.RetryAt(err); !ok || !at.Equal(e.Until) {
					t.Errorf("second call: %v, want rate-limited until %v", err, e.Until)
				}
				if len(f.Requests()) != before {
					t.Errorf("second call reached the server")
				}
			}
		})
	}
}

// pollAgain polls c again ignoring the minimum interval.
func pollAgain(c *Client) (social.Batch, error) {
	c.mu.Lock()
	c.lastPoll = time.Time{}
	c.mu.Unlock()
	return c.Poll(ctx, newestMention)
}

func TestUsageCapBlocksEveryEndpoint(t *testing.T) {
	f := newFake(t)
	f.HandleFunc("GET /2/users/"+brandID+"/mentions", func(w http.ResponseWriter, r *http.Request) {
		fakenet.XWriteFixture(w, 429, "error_429_usage_capped.json", nil)
	})
	c, _ := newClient(t, f, nil)
	if _, err := c.Poll(ctx, ""); social.KindOf(err) != social.RateLimited {
		t.Fatalf("poll: %v", err)
	}
	_, err := c.Send(ctx, social.Reply{To: mariaPost(), Text: mariaReply, CreatedAt: t0})
	if social.KindOf(err) != social.RateLimited || !strings.Contains(err.Error(), "USAGE CAP") {
		t.Fatalf("send under a usage cap: %v", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestVerify(t *testing.T) {
	f := newFake(t)
	c, _ := newClient(t, f, func(o *Options) { o.UserID = "" })
	a, err := c.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := social.Author{ID: brandID, Handle: "@AcmeCoffee", DisplayName: "Acme Coffee", Followers: 48210, URL: "https://x.com/AcmeCoffee"}
	if a != want {
		t.Errorf("got %+v, want %+v", a, want)
	}
	// Once the username is known, permalinks use it.
	sent, err := c.Send(ctx, social.Reply{To: mariaPost(), Text: mariaReply, CreatedAt: t0})
	if err != nil || sent.URL != "https://x.com/AcmeCoffee/status/2124413874339487751" {
		t.Errorf("sent %+v, %v", sent, err)
	}

	other, _ := newClient(t, f, func(o *Options) { o.UserID = "42" })
	if _, err := other.Verify(ctx); social.KindOf(err) != social.Permanent || !strings.Contains(err.Error(), "not the configured user id 42") {
		t.Errorf("mismatched user id: %v", err)
	}

	f401 := newFake(t)
	f401.HandleFunc("GET /2/users/me", func(w http.ResponseWriter, r *http.Request) { fakenet.XWriteFixture(w, 401, "error_401.json", nil) })
	bad, _ := newClient(t, f401, nil)
	if _, err := bad.Verify(ctx); social.KindOf(err) != social.Auth {
		t.Errorf("401: %v", err)
	}
}

func TestSignatureIsChecked(t *testing.T) {
	tests := []struct {
		name string
		mut  func(*Options)
	}{
		{"wrong consumer secret", func(o *Options) { o.ConsumerSecret = "wrong" }},
		{"wrong access secret", func(o *Options) { o.AccessSecret = "wrong" }},
		{"wrong consumer key", func(o *Options) { o.ConsumerKey = "other-app" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.ExpectBadAuth()
			c, _ := newClient(t, f, tt.mut)
			if _, err := c.Poll(ctx, ""); social.KindOf(err) != social.Auth {
				t.Fatalf("want auth error, got %v", err)
			}
			if n := f.AuthFailures(); n != 1 {
				t.Errorf("fake saw %d bad signatures, want 1", n)
			}
		})
	}
}

func TestSignedClientKeepsBounds(t *testing.T) {
	base := &web.Client{HTTP: &http.Client{Timeout: 3 * time.Second}, MaxBody: 12345}
	c := New(Options{Client: base, ConsumerKey: "k", Account: "a"})
	if c.web.HTTP == nil || c.web.HTTP.Timeout != 3*time.Second || c.web.MaxBody != 12345 {
		t.Fatalf("signed client lost the bounds: %+v", c.web)
	}
	if c.web.HTTP.Transport == nil {
		t.Fatal("no signing transport")
	}
	if d := New(Options{}); d.web.HTTP.Timeout != web.DefaultTimeout || d.api != DefaultAPI {
		t.Errorf("defaults: timeout %v api %q", d.web.HTTP.Timeout, d.api)
	}
}
