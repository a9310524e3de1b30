package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/bluesky"
	"github.com/hark-tui/hark/feeds/mastodon"
	"github.com/hark-tui/hark/feeds/rss"
	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/feeds/x"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

// Credentials. Each is distinctive so a leak into an error is found.
const (
	mastoToken = "masto-TOKEN-s3cret-8c1f"

	bskyHandle   = "acmecoffee.bsky.social"
	bskyPassword = "s3cr-etpw-bsky-91aa"
	bskyFixPDS   = "https://shiitake.us-east.host.bsky.network"

	xConsumerKey    = "ck-faults-acme"
	xConsumerSecret = "cs-SECRET-faults-4e0d"
	xAccessToken    = "1623456789012345344-at-faults"
	xAccessSecret   = "as-SECRET-faults-b7a2"
	xBrandID        = "1623456789012345344"

	rssUser = "hark"
	rssPass = "rss-PASS-s3cret-0f9e"
)

// resetHeaders is a FaultWire.Reset for a network that says in its header
// reset when the window reopens (as when writes it) and, once the window
// is used up, zero in its header remaining.
func resetHeaders(remaining, zero, reset string, when func(at, now time.Time) string) func(h http.Header, at, now time.Time, exhausted bool) {
	return func(h http.Header, at, now time.Time, exhausted bool) {
		if exhausted {
			h.Set(remaining, zero)
		}
		h.Set(reset, when(at, now))
	}
}

// unixSeconds writes a reset time as Unix seconds (Bluesky, X).
func unixSeconds(at, _ time.Time) string { return strconv.FormatInt(at.Unix(), 10) }

// ---- Mastodon ----

func mastodonNet() *network {
	return &network{
		name:    "mastodon",
		network: social.Mastodon,
		kind403: social.Permanent,
		handle:  mastodonHandle,
		wire: fakenet.FaultWire{
			IsPoll: func(r *http.Request) bool { return r.URL.Path == "/api/v1/notifications" },
			Common: func(h http.Header, now time.Time) {
				h.Set("X-RateLimit-Limit", "300")
				h.Set("X-RateLimit-Remaining", "297")
				h.Set("X-RateLimit-Reset", now.Add(10*time.Minute).UTC().Format("2006-01-02T15:04:05.000000Z"))
			},
			Reset: resetHeaders("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", func(at, _ time.Time) string {
				return at.UTC().Format("2006-01-02T15:04:05.000000Z")
			}),
			ErrBody: jsonErrors(map[int][]byte{
				401: fakenet.Fixture("mastodon/error_401.json"),
				403: fakenet.Fixture("mastodon/error_403_scope.json"),
				404: fakenet.Fixture("mastodon/error_404.json"),
				429: fakenet.Fixture("mastodon/error_429.json"),
			}, func(int) []byte { return []byte(`{"error":"We're sorry, but something went wrong on our end."}`) }),
			Empty: func() (string, []byte) {
				return jsonCT, fakenet.Fixture("mastodon/notifications_empty.json")
			},
			HugeCT:     jsonCT,
			HugePrefix: `[{"id":"58213500","type":"mention","status":{"id":"117660000000000001","content":"<p>`,
			Corrupt:    fakenet.CorruptJSON,
		},
		source: func(f *fake, c *web.Client) social.Source {
			return mastodon.New(mastodon.Options{Server: f.URL, Token: mastoToken, Account: "acme",
				Brand: "Acme Coffee", Client: c, Now: f.clk.Now})
		},
		secrets: func(testing.TB) []string { return []string{mastoToken} },
	}
}

// mastodonHandle speaks the client API: bearer token, notifications with
// min_id paging (newest first), the instance document.
func mastodonHandle(f *fake, w http.ResponseWriter, r *http.Request) {
	f.net.wire.Common(w.Header(), f.clk.Now())
	if r.Header.Get("Authorization") != "Bearer "+mastoToken {
		writeBody(w, 401, jsonCT, fakenet.Fixture("mastodon/error_401.json"))
		return
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /api/v2/instance":
		writeBody(w, 200, jsonCT, fakenet.Fixture("mastodon/instance_v2.json"))
	case "GET /api/v1/notifications":
		q := r.URL.Query()
		if got := q["types[]"]; len(got) != 2 || got[0] != "mention" || got[1] != "update" {
			f.t.Errorf("mastodon fake: types[] = %v, want [mention update]", got)
		}
		var all []json.RawMessage
		if err := json.Unmarshal(fakenet.Fixture("mastodon/notifications_mentions.json"), &all); err != nil {
			f.t.Fatal(err)
		}
		if f.Stage() == 1 {
			all = all[1:] // the newest has not arrived yet
		}
		minID := q.Get("min_id")
		sel := []json.RawMessage{}
		for i, id := range ids(f.t, all) {
			if minID == "" || fakenet.IDLess(minID, id) {
				sel = append(sel, all[i])
			}
		}
		writeBody(w, 200, jsonCT, mustJSON(f.t, sel))
	default:
		writeBody(w, 404, jsonCT, fakenet.Fixture("mastodon/error_404.json"))
	}
}

// ---- Bluesky ----

func blueskyNet() *network {
	return &network{
		name:    "bluesky",
		network: social.Bluesky,
		kind403: social.Permanent,
		handle:  blueskyHandle,
		wire: fakenet.FaultWire{
			IsPoll: func(r *http.Request) bool {
				return r.URL.Path == "/xrpc/app.bsky.notification.listNotifications"
			},
			Common: func(h http.Header, now time.Time) {
				h.Set("ratelimit-limit", "3000")
				h.Set("ratelimit-remaining", "2987")
				h.Set("ratelimit-reset", strconv.FormatInt(now.Add(5*time.Minute).Unix(), 10))
				h.Set("ratelimit-policy", "3000;w=300")
			},
			Reset: resetHeaders("ratelimit-remaining", "0", "ratelimit-reset", unixSeconds),
			ErrBody: jsonErrors(map[int][]byte{
				401: fakenet.Fixture("bluesky/error_401_auth_missing.json"),
				403: []byte(`{"error":"Forbidden","message":"Forbidden"}`),
				404: []byte(`{"error":"NotFound","message":"Not Found"}`),
				429: fakenet.Fixture("bluesky/error_429_rate_limit.json"),
			}, func(int) []byte { return []byte(`{"error":"InternalServerError","message":"Internal Server Error"}`) }),
			Empty: func() (string, []byte) {
				return jsonCT, fakenet.Fixture("bluesky/listNotifications_last.json")
			},
			HugeCT:     jsonCT,
			HugePrefix: `{"notifications":[{"uri":"at://did:plc:7qgtmhxwqgkz2yvw3c5ebnpz/app.bsky.feed.post/3n2sxakbq622g","reason":"mention","record":{"text":"`,
			Corrupt:    fakenet.CorruptJSON,
		},
		source: func(f *fake, c *web.Client) social.Source {
			return bluesky.New(bluesky.Options{Service: f.URL, Handle: bskyHandle, Password: bskyPassword,
				Account: "acme", Brand: "Acme Coffee", Client: c, Now: f.clk.Now})
		},
		secrets: func(t testing.TB) []string {
			return []string{bskyPassword, jwt(t, "accessJwt"), jwt(t, "refreshJwt")}
		},
	}
}

// jwt reads a token from createSession.json: the network hands them out
// and they are as secret as the password.
func jwt(t testing.TB, field string) string {
	var m map[string]any
	if err := json.Unmarshal(fakenet.Fixture("bluesky/createSession.json"), &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[field].(string)
	if s == "" {
		t.Fatalf("createSession.json: no %s", field)
	}
	return s
}

// blueskyHandle is one server that is both the entryway (createSession) and
// the account's PDS (the session's DID document points back at it).
func blueskyHandle(f *fake, w http.ResponseWriter, r *http.Request) {
	f.net.wire.Common(w.Header(), f.clk.Now())
	nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	serve := func(name string) {
		b := bytes.ReplaceAll(fakenet.Fixture("bluesky/"+name), []byte(bskyFixPDS), []byte(f.URL))
		writeBody(w, 200, jsonCT, b)
	}
	if nsid == "com.atproto.server.createSession" {
		var in struct{ Identifier, Password string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil {
			writeBody(w, 400, jsonCT, []byte(`{"error":"InvalidRequest","message":"Input must be JSON"}`))
			return
		}
		if in.Identifier != bskyHandle || in.Password != bskyPassword {
			writeBody(w, 401, jsonCT, []byte(`{"error":"AuthenticationRequired","message":"Invalid identifier or password"}`))
			return
		}
		serve("createSession.json")
		return
	}
	switch auth := r.Header.Get("Authorization"); {
	case auth == "":
		writeBody(w, 401, jsonCT, fakenet.Fixture("bluesky/error_401_auth_missing.json"))
		return
	case auth != "Bearer "+jwt(f.t, "accessJwt"):
		writeBody(w, 400, jsonCT, []byte(`{"error":"InvalidToken","message":"Token could not be verified"}`))
		return
	}
	switch nsid {
	case "app.bsky.notification.listNotifications":
		cur := r.URL.Query().Get("cursor")
		switch {
		case cur == "" && f.Stage() == 1:
			serve("listNotifications_page2.json") // only the oldest page exists yet
		case cur == "":
			serve("listNotifications.json")
		case cur == "2026-11-21T11:02:47.702Z":
			serve("listNotifications_page2.json")
		case cur == "2026-11-21T09:14:04.001Z":
			serve("listNotifications_last.json")
		default:
			writeBody(w, 400, jsonCT, []byte(`{"error":"InvalidRequest","message":"bad cursor"}`))
		}
	case "app.bsky.actor.getProfiles":
		serve("getProfiles.json")
	default:
		writeBody(w, 501, jsonCT, []byte(`{"error":"MethodNotImplemented","message":"Method Not Implemented"}`))
	}
}

// ---- X ----

func xNet() *network {
	return &network{
		name:    "x",
		network: social.X,
		kind403: social.Permanent,
		handle:  xHandle,
		wire: fakenet.FaultWire{
			IsPoll: func(r *http.Request) bool { return r.URL.Path == "/2/users/"+xBrandID+"/mentions" },
			Common: func(h http.Header, now time.Time) {
				h.Set("x-rate-limit-limit", "300")
				h.Set("x-rate-limit-remaining", "299")
				h.Set("x-rate-limit-reset", strconv.FormatInt(now.Add(15*time.Minute).Unix(), 10))
			},
			Reset: resetHeaders("x-rate-limit-remaining", "0", "x-rate-limit-reset", unixSeconds),
			ErrBody: jsonErrors(map[int][]byte{
				401: fakenet.Fixture("x/error_401.json"),
				403: fakenet.Fixture("x/error_403_client_forbidden.json"),
				429: fakenet.Fixture("x/error_429.json"),
			}, func(status int) []byte {
				title := http.StatusText(status)
				return []byte(fmt.Sprintf(`{"title":%q,"detail":%q,"type":"about:blank","status":%d}`, title, title, status))
			}),
			Empty:      func() (string, []byte) { return jsonCT, fakenet.Fixture("x/users_mentions_empty.json") },
			HugeCT:     jsonCT,
			HugePrefix: `{"data":[{"id":"2124300000000000001","author_id":"987654321","text":"`,
			Corrupt:    fakenet.CorruptJSON,
		},
		source: func(f *fake, c *web.Client) social.Source {
			return x.New(x.Options{API: f.URL, ConsumerKey: xConsumerKey, ConsumerSecret: xConsumerSecret,
				AccessToken: xAccessToken, AccessSecret: xAccessSecret, UserID: xBrandID,
				Account: "acme", Brand: "Acme Coffee", Client: c, Now: f.clk.Now, MinInterval: -1})
		},
		secrets: func(testing.TB) []string {
			return []string{xConsumerSecret, xAccessSecret, xAccessToken}
		},
	}
}

// xHandle answers the mentions timeline with since_id semantics, newest
// first, from users_mentions.json. It checks that requests are OAuth 1.0a
// signed with the configured keys (the x package's own tests verify the
// signature itself).
func xHandle(f *fake, w http.ResponseWriter, r *http.Request) {
	f.net.wire.Common(w.Header(), f.clk.Now())
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "OAuth ") || !strings.Contains(auth, `oauth_consumer_key="`+xConsumerKey+`"`) ||
		!strings.Contains(auth, `oauth_token="`+xAccessToken+`"`) || !strings.Contains(auth, "oauth_signature=") {
		writeBody(w, 401, jsonCT, fakenet.Fixture("x/error_401.json"))
		return
	}
	if r.Method+" "+r.URL.Path != "GET /2/users/"+xBrandID+"/mentions" {
		writeBody(w, 404, jsonCT, []byte(`{"title":"Not Found Error","detail":"no such route","type":"about:blank","status":404}`))
		return
	}
	var page struct {
		Data     []json.RawMessage `json:"data"`
		Includes json.RawMessage   `json:"includes"`
	}
	if err := json.Unmarshal(fakenet.Fixture("x/users_mentions.json"), &page); err != nil {
		f.t.Fatal(err)
	}
	all := page.Data
	if f.Stage() == 1 {
		all = all[1:]
	}
	since := r.URL.Query().Get("since_id")
	var sel []json.RawMessage
	var selIDs []string
	for i, id := range ids(f.t, all) {
		if since == "" || fakenet.IDLess(since, id) {
			sel = append(sel, all[i])
			selIDs = append(selIDs, id)
		}
	}
	if len(sel) == 0 {
		writeBody(w, 200, jsonCT, fakenet.Fixture("x/users_mentions_empty.json"))
		return
	}
	out := map[string]any{
		"data":     sel,
		"includes": page.Includes,
		"meta":     map[string]any{"result_count": len(sel), "newest_id": selIDs[0], "oldest_id": selIDs[len(selIDs)-1]},
	}
	writeBody(w, 200, jsonCT, mustJSON(f.t, out))
}

// ---- RSS (a Reddit search feed) ----

const atomCT = "application/atom+xml; charset=UTF-8"

var (
	xmlTextRE  = regexp.MustCompile(`<(title|content)( [^>]*)?>`)
	firstEntry = regexp.MustCompile(`(?s)<entry>.*?</entry>`)
)

func rssNet() *network {
	return &network{
		name:    "rss",
		network: social.RSS,
		kind403: social.Auth, // rss.Feed.classify: the site refuses this client
		handle:  rssHandle,
		wire: fakenet.FaultWire{
			IsPoll: func(r *http.Request) bool { return r.URL.Path == "/search.rss" },
			Common: func(h http.Header, _ time.Time) {
				h.Set("x-ratelimit-used", "1")
				h.Set("x-ratelimit-remaining", "99.0")
				h.Set("x-ratelimit-reset", "540")
			},
			Reset: resetHeaders("x-ratelimit-remaining", "0.0", "x-ratelimit-reset", func(at, now time.Time) string {
				return strconv.Itoa(int(at.Sub(now) / time.Second))
			}),
			ErrBody: func(status int) (string, []byte) {
				if status == 429 {
					return jsonCT, []byte(`{"message": "Too Many Requests", "error": 429}`)
				}
				return "text/html; charset=utf-8", []byte(fmt.Sprintf("<!doctype html><html><head><title>%d %s</title></head><body><h1>%s</h1></body></html>",
					status, http.StatusText(status), http.StatusText(status)))
			},
			Empty: func() (string, []byte) {
				return atomCT, []byte(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><updated>2026-11-22T07:12:44+00:00</updated><id>/search.rss?q=%22acme+coffee%22&amp;sort=new</id><title>reddit.com: search results - &quot;acme coffee&quot;</title></feed>`)
			},
			HugeCT:     atomCT,
			HugePrefix: `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>t3_huge</id><content type="html">`,
			Corrupt: func(body []byte) []byte {
				return fakenet.InsertAfter(xmlTextRE, body, fakenet.BadUTF8)
			},
		},
		source: func(f *fake, c *web.Client) social.Source {
			u := "http://" + rssUser + ":" + rssPass + "@" + strings.TrimPrefix(f.URL, "http://") +
				"/search.rss?q=%22acme+coffee%22&sort=new"
			return rss.New(rss.Options{Name: "reddit", URL: u, Brand: "Acme Coffee", Client: c, Now: f.clk.Now})
		},
		secrets: func(testing.TB) []string { return []string{rssPass} },
	}
}

// rssHandle serves the Reddit search feed behind basic auth; at stage 1
// the newest entry is not there yet.
func rssHandle(f *fake, w http.ResponseWriter, r *http.Request) {
	f.net.wire.Common(w.Header(), f.clk.Now())
	if u, p, ok := r.BasicAuth(); !ok || u != rssUser || p != rssPass {
		w.Header().Set("WWW-Authenticate", `Basic realm="feeds"`)
		writeBody(w, 401, "text/plain; charset=utf-8", []byte("401 Unauthorized\n"))
		return
	}
	if r.URL.Path != "/search.rss" {
		writeBody(w, 404, "text/plain; charset=utf-8", []byte("404 page not found\n"))
		return
	}
	body := fakenet.Fixture("rss/reddit_search.atom")
	if f.Stage() == 1 {
		loc := firstEntry.FindIndex(body)
		body = append(append([]byte(nil), body[:loc[0]]...), body[loc[1]:]...)
	}
	writeBody(w, 200, atomCT, body)
}
