package fakenet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"
)

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", a.status, err, a.body)
	}
}

// get GETs u and fails the test unless the answer has status want; a 200
// answer's JSON body is decoded into out (if not nil), and ok says so.
func get(t *testing.T, c *http.Client, u string, hdr map[string]string, want int, out any) (a answer, ok bool) {
	t.Helper()
	a = call(t, c, "GET", u, hdr, "")
	if a.status != want {
		t.Fatalf("status %d, want %d: %s", a.status, want, a.body)
	}
	if a.status != 200 {
		return a, false
	}
	if out != nil {
		a.json(t, out)
	}
	return a, true
}

// call sends one request with a plain client.
func call(t *testing.T, c *http.Client, method, u string, hdr map[string]string, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

func ids(t *testing.T, raw []byte, key string) []string {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, raw)
	}
	var out []string
	for _, m := range list {
		out = append(out, str(m, key))
	}
	return out
}

func TestMastodonAuthAndPaging(t *testing.T) {
	n := Start(t)
	m := n.Mastodon
	auth := map[string]string{"Authorization": "Bearer " + m.Token}
	notif := m.URL + "/api/v1/notifications?types%5B%5D=mention&limit=40"
	fix := func(name string) []string { return ids(t, Fixture("mastodon/"+name), "id") }

	for _, c := range []struct {
		name     string
		url      string
		hdr      map[string]string
		status   int
		ids      []string // notification ids expected, newest first
		link     bool
		contains string
	}{
		{"no token", notif, nil, 401, nil, false, "The access token is invalid"},
		{"wrong token", notif, map[string]string{"Authorization": "Bearer nope"}, 401, nil, false, "invalid"},
		{"instance needs no token", m.URL + "/api/v2/instance", nil, 200, nil, false, `"max_characters": 500`},
		{"first page is the fixture", notif, auth, 200, fix("notifications_mentions.json"), true, ""},
		{"min_id catch-up is the fixture", notif + "&min_id=58213371", auth, 200, fix("notifications_mentions_min_id.json"), true, ""},
		{"empty page after the newest", notif + "&min_id=58213407", auth, 200, []string{}, false, ""},
		{"since_id", notif + "&since_id=58213399", auth, 200, []string{"58213407"}, true, ""},
		{"max_id and limit", m.URL + "/api/v1/notifications?types%5B%5D=mention&max_id=58213407&limit=1", auth, 200, []string{"58213399"}, true, ""},
		{"unknown route", m.URL + "/api/v1/nope", auth, 404, nil, false, "Record not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, _ := get(t, nil, c.url, c.hdr, c.status, nil)
			if c.contains != "" && !strings.Contains(string(a.body), c.contains) {
				t.Errorf("body %s lacks %q", a.body, c.contains)
			}
			if a.header.Get("X-RateLimit-Limit") != "300" || a.header.Get("X-RateLimit-Reset") == "" {
				t.Errorf("rate-limit headers missing: %v", a.header)
			}
			if c.ids != nil {
				if got := ids(t, a.body, "id"); !slices.Equal(got, c.ids) && !(len(got) == 0 && len(c.ids) == 0) {
					t.Errorf("ids %v, want %v", got, c.ids)
				}
			}
			if got := a.header.Get("Link") != ""; got != c.link {
				t.Errorf("Link header present = %v, want %v (%q)", got, c.link, a.header.Get("Link"))
			}
		})
	}

	m.Withhold(2)
	if got := ids(t, call(t, nil, "GET", notif, auth, "").body, "id"); !slices.Equal(got, []string{"58213371"}) {
		t.Errorf("withheld: first page %v, want the oldest only", got)
	}
	m.Release()
	if got := ids(t, call(t, nil, "GET", notif+"&min_id=58213371", auth, "").body, "id"); len(got) != 2 {
		t.Errorf("released: catch-up %v, want 2", got)
	}
	if got := m.Find("GET", "/api/v1/notifications"); len(got) != 9 || got[0].Status != 401 || got[0].Query.Get("limit") != "40" {
		t.Errorf("recorded %d notification requests (first %+v)", len(got), got[0])
	}
}

func TestMastodonContextIsTheFixture(t *testing.T) {
	n := Start(t)
	a := call(t, nil, "GET", n.Mastodon.URL+"/api/v1/statuses/117653664138002437/context",
		map[string]string{"Authorization": "Bearer " + MastodonToken}, "")
	var got, want struct{ Ancestors, Descendants []struct{ ID string } }
	a.json(t, &got)
	mustUnmarshal(Fixture("mastodon/status_context.json"), &want)
	if !slices.Equal(got.Ancestors, want.Ancestors) || !slices.Equal(got.Descendants, want.Descendants) {
		t.Errorf("context %+v, want %+v", got, want)
	}
	if a := call(t, nil, "GET", n.Mastodon.URL+"/api/v1/statuses/1/context",
		map[string]string{"Authorization": "Bearer " + MastodonToken}, ""); a.status != 404 {
		t.Errorf("unknown status: %d", a.status)
	}
}

// kasiaAccount is the account of the Polish mention in notifications_mentions.json.
const kasiaAccount = "112064614367232009"

func TestMastodonPostIdempotency(t *testing.T) {
	for _, c := range []struct {
		name    string
		ignore  bool
		created int
	}{
		{"Mastodon replays the key", false, 1},
		{"GoToSocial ignores the key", true, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := Start(t)
			m := n.Mastodon
			m.IgnoreIdempotencyKey(c.ignore)
			hdr := map[string]string{"Authorization": "Bearer " + MastodonToken, "Idempotency-Key": "k-1",
				"Content-Type": "application/x-www-form-urlencoded"}
			form := url.Values{"status": {"@kasia Sprawdzamy!"}, "in_reply_to_id": {"117654091669176322"},
				"visibility": {"public"}, "language": {"pl"}}.Encode()
			var first, second map[string]any
			a := call(t, nil, "POST", m.URL+"/api/v1/statuses", hdr, form)
			a.json(t, &first)
			b := call(t, nil, "POST", m.URL+"/api/v1/statuses", hdr, form)
			b.json(t, &second)
			if a.status != 200 || b.status != 200 {
				t.Fatalf("statuses %d, %d", a.status, b.status)
			}
			if got := len(m.Created()); got != c.created {
				t.Errorf("created %d statuses, want %d", got, c.created)
			}
			if same := first["id"] == second["id"]; same == c.ignore {
				t.Errorf("ids %v and %v", first["id"], second["id"])
			}
			if first["in_reply_to_id"] != "117654091669176322" || first["in_reply_to_account_id"] != kasiaAccount ||
				first["visibility"] != "public" || first["language"] != "pl" || !strings.Contains(str(first, "content"), "Sprawdzamy!") {
				t.Errorf("created status %v", first)
			}
			st := m.Created()[0]
			if st.InReplyToID != "117654091669176322" || st.Text != "@kasia Sprawdzamy!" || st.IdempotencyKey != "k-1" {
				t.Errorf("recorded %+v", st)
			}
			// the reply is now in the thread, for Confirm
			ctx := call(t, nil, "GET", m.URL+"/api/v1/statuses/117654091669176322/context", hdr, "")
			var tc struct{ Descendants []struct{ ID string } }
			ctx.json(t, &tc)
			if len(tc.Descendants) != c.created || tc.Descendants[0].ID != st.ID {
				t.Errorf("context descendants %+v, want the created statuses", tc.Descendants)
			}
		})
	}
}

func TestMastodonPostRefusals(t *testing.T) {
	n := Start(t)
	hdr := map[string]string{"Authorization": "Bearer " + MastodonToken, "Content-Type": "application/x-www-form-urlencoded"}
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
	}{
		{"empty", url.Values{"status": {" "}}, 422},
		{"too long", url.Values{"status": {strings.Repeat("é", 501)}}, 422},
		{"unknown parent", url.Values{"status": {"hi"}, "in_reply_to_id": {"42"}}, 404},
		{"bad visibility", url.Values{"status": {"hi"}, "visibility": {"secret"}}, 422},
		{"plain post", url.Values{"status": {"hi"}}, 200},
	} {
		if a := call(t, nil, "POST", n.Mastodon.URL+"/api/v1/statuses", hdr, c.form.Encode()); a.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, a.status, c.status, a.body)
		}
	}
	if len(n.Mastodon.Created()) != 1 {
		t.Errorf("created %d", len(n.Mastodon.Created()))
	}
}

// fixtureAs decodes the shared fixture name (as Fixture names it) into a T.
func fixtureAs[T any](name string) T {
	var v T
	mustUnmarshal(Fixture(name), &v)
	return v
}

// notifPage is a page of Bluesky notifications as the fake serves them.
type notifPage struct {
	Notifications []struct{ URI string }
	Cursor        *string
}

func (p notifPage) uris() []string {
	return mapped(p.Notifications, func(n struct{ URI string }) string { return n.URI })
}

func TestBlueskySessionAndPaging(t *testing.T) {
	n := Start(t)
	b := n.Bluesky
	login := func(pw string) answer {
		return call(t, nil, "POST", b.URL+"/xrpc/com.atproto.server.createSession",
			map[string]string{"Content-Type": "application/json"},
			`{"identifier":"`+BlueskyHandle+`","password":"`+pw+`"}`)
	}
	if a := login("wrong"); a.status != 401 || !strings.Contains(string(a.body), "AuthenticationRequired") {
		t.Errorf("bad password: %d %s", a.status, a.body)
	}
	var sess struct {
		DID, AccessJwt string
		DIDDoc         struct {
			Service []struct{ ID, ServiceEndpoint string }
		}
	}
	login(b.Password).json(t, &sess)
	if sess.DID != BlueskyDID || len(sess.DIDDoc.Service) != 1 || sess.DIDDoc.Service[0].ServiceEndpoint != b.PDSURL {
		t.Fatalf("session %+v: the DID document must point at the fake PDS %s", sess, b.PDSURL)
	}
	tok := map[string]string{"Authorization": "Bearer " + sess.AccessJwt}
	list := b.PDSURL + "/xrpc/app.bsky.notification.listNotifications?reasons=mention&reasons=reply&reasons=quote&limit=50&priority=false"
	for _, c := range []struct {
		name, url string
		hdr       map[string]string
		status    int
		uris      []string
		cursor    string
	}{
		{"no token", list, nil, 401, nil, ""},
		{"bad token", list, map[string]string{"Authorization": "Bearer x"}, 400, nil, ""},
		{"entryway does not serve", b.URL + "/xrpc/app.bsky.notification.listNotifications", tok, 400, nil, ""},
		{"page 1 is the fixture", list, tok, 200, fixtureAs[notifPage]("bluesky/listNotifications.json").uris(), "2026-11-21T11:02:47.702Z"},
		{"page 2 is the fixture", list + "&cursor=2026-11-21T11:02:47.702Z", tok, 200, fixtureAs[notifPage]("bluesky/listNotifications_page2.json").uris(), "2026-11-21T09:14:04.001Z"},
		{"last page has no cursor", list + "&cursor=2026-11-21T09:14:04.001Z", tok, 200, nil, ""},
		{"seenAt is refused", list + "&seenAt=2026-11-21T00:00:00Z", tok, 400, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p notifPage
			a, ok := get(t, nil, c.url, c.hdr, c.status, &p)
			if !ok {
				return
			}
			if got := p.uris(); !slices.Equal(got, c.uris) {
				t.Errorf("uris %v, want %v", got, c.uris)
			}
			if (p.Cursor == nil) != (c.cursor == "") || (p.Cursor != nil && *p.Cursor != c.cursor) {
				t.Errorf("cursor %v, want %q", p.Cursor, c.cursor)
			}
			if a.header.Get("ratelimit-limit") != "3000" {
				t.Errorf("no rate-limit headers")
			}
		})
	}
	b.Withhold(1)
	var p struct{ Notifications []struct{ URI string } }
	call(t, nil, "GET", list, tok, "").json(t, &p)
	if len(p.Notifications) != 2 || p.Notifications[0].URI != b.NotificationURIs()[1] {
		t.Errorf("withheld page 1: %+v", p)
	}
}

func TestBlueskyRecordsAndChat(t *testing.T) {
	n := Start(t)
	b := n.Bluesky
	var sess struct{ AccessJwt string }
	call(t, nil, "POST", b.URL+"/xrpc/com.atproto.server.createSession", map[string]string{"Content-Type": "application/json"},
		`{"identifier":"`+BlueskyHandle+`","password":"`+b.Password+`"}`).json(t, &sess)
	hdr := map[string]string{"Authorization": "Bearer " + sess.AccessJwt, "Content-Type": "application/json"}
	req := func(rkey, reply string) string {
		return `{"repo":"` + BlueskyDID + `","collection":"app.bsky.feed.post","rkey":"` + rkey + `","record":{"$type":"app.bsky.feed.post","text":"hi","createdAt":"2026-11-22T08:05:12.733Z"` + reply + `}}`
	}
	refs := `,"reply":{"root":{"uri":"at://x/app.bsky.feed.post/1","cid":"bafy"},"parent":{"uri":"at://x/app.bsky.feed.post/2","cid":"bafy"}}`
	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"reply", req("3n2v5rwwfec27", refs), 200},
		{"same rkey again", req("3n2v5rwwfec27", refs), 500},
		{"bad rkey", req("not-a-tid", refs), 400},
		{"reply without cid", req("3n2v5rwwfec2a", `,"reply":{"root":{"uri":"at://x/app.bsky.feed.post/1"},"parent":{"uri":"at://x/app.bsky.feed.post/2"}}`), 400},
	} {
		a := call(t, nil, "POST", b.PDSURL+"/xrpc/com.atproto.repo.createRecord", hdr, c.body)
		if a.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, a.status, c.status, a.body)
		}
	}
	if recs := b.Records(); len(recs) != 1 || recs[0].URI != "at://"+BlueskyDID+"/app.bsky.feed.post/3n2v5rwwfec27" {
		t.Errorf("records %+v", recs)
	}
	if v := n.Violations(); len(v) != 1 || !strings.Contains(v[0], "strong refs") {
		t.Errorf("violations %v, want the reply without CIDs", v)
	}
	get := b.PDSURL + "/xrpc/com.atproto.repo.getRecord?repo=" + BlueskyDID + "&collection=app.bsky.feed.post&rkey="
	if a := call(t, nil, "GET", get+"3n2v5rwwfec27", hdr, ""); a.status != 200 || !strings.Contains(string(a.body), `"text":"hi"`) {
		t.Errorf("getRecord: %d %s", a.status, a.body)
	}
	if a := call(t, nil, "GET", get+"3n2v5rwwfec29", hdr, ""); a.status != 400 || !strings.Contains(string(a.body), "RecordNotFound") {
		t.Errorf("getRecord missing: %d %s", a.status, a.body)
	}

	convo := b.PDSURL + "/xrpc/chat.bsky.convo.getConvoForMembers?members=did:plc:x2n6hy5dlo3ekhaz4c7fqjvr"
	if a := call(t, nil, "GET", convo, hdr, ""); a.status != 400 {
		t.Errorf("chat without the proxy header: %d", a.status)
	}
	hdr["atproto-proxy"] = BlueskyChatProxy
	var cv struct {
		Convo struct {
			ID      string
			Members []struct{ DID, Handle string }
		}
	}
	call(t, nil, "GET", convo, hdr, "").json(t, &cv)
	if cv.Convo.Members[1].Handle != "kasia.bsky.social" {
		t.Errorf("convo members %+v", cv.Convo.Members)
	}
	a := call(t, nil, "POST", b.PDSURL+"/xrpc/chat.bsky.convo.sendMessage", hdr, `{"convoId":"`+cv.Convo.ID+`","message":{"text":"hello"}}`)
	if a.status != 200 || len(b.Messages()) != 1 || b.Messages()[0].Text != "hello" {
		t.Errorf("sendMessage: %d %s %+v", a.status, a.body, b.Messages())
	}
	n.mu.Lock()
	n.violations = nil // the missing proxy header above was on purpose
	n.mu.Unlock()
}

// xClient signs requests like hark's adapter (dghubble/oauth1).
func xClient(ck, cs, at, as string) *http.Client {
	return oauth1.NewConfig(ck, cs).Client(context.Background(), oauth1.NewToken(at, as))
}

func TestXOAuth(t *testing.T) {
	n := Start(t)
	x := n.X
	me := x.URL + "/2/users/me?user.fields=public_metrics"
	for _, c := range []struct {
		name   string
		client *http.Client
		status int
	}{
		{"unsigned", http.DefaultClient, 401},
		{"wrong consumer secret", xClient(XConsumerKey, "nope", XAccessToken, XAccessSecret), 401},
		{"wrong access secret", xClient(XConsumerKey, XConsumerSecret, XAccessToken, "nope"), 401},
		{"wrong token", xClient(XConsumerKey, XConsumerSecret, "1-nope", XAccessSecret), 401},
		{"signed", xClient(XConsumerKey, XConsumerSecret, XAccessToken, XAccessSecret), 200},
	} {
		if a := call(t, c.client, "GET", me, nil, ""); a.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, a.status, c.status, a.body)
		}
	}
	if x.AuthFailures() != 4 {
		t.Errorf("auth failures %d, want 4", x.AuthFailures())
	}
	// a replayed request (same nonce) is refused
	last := x.Requests()[len(x.Requests())-1]
	a := call(t, nil, "GET", me, map[string]string{"Authorization": last.Header.Get("Authorization")}, "")
	if a.status != 401 {
		t.Errorf("replayed nonce: %d", a.status)
	}
}

// tweetPage is a page of X posts as the fake serves them.
type tweetPage struct {
	Data []struct{ ID string }
	Meta map[string]any
}

func (p tweetPage) ids() []string {
	return mapped(p.Data, func(d struct{ ID string }) string { return d.ID })
}

func TestXMentionsAndPosts(t *testing.T) {
	n := Start(t)
	x := n.X
	c := xClient(XConsumerKey, XConsumerSecret, XAccessToken, XAccessSecret)
	mentions := x.URL + "/2/users/" + XUserID + "/mentions?max_results=100"
	for _, tc := range []struct {
		name, url string
		status    int
		ids       []string
		next      bool
		noData    bool
	}{
		{"first page is the fixture", mentions, 200, fixtureAs[tweetPage]("x/users_mentions.json").ids(), true, false},
		{"next_token leads to the empty page 2", mentions + "&pagination_token=" + xFirstNextToken, 200, nil, false, true},
		{"since the newest: no data key", mentions + "&since_id=2124212497415839751", 200, nil, false, true},
		{"since the oldest", mentions + "&since_id=2124068813143711751", 200, []string{"2124212497415839751", "2124096176783007751"}, true, false},
		{"max_results out of range", x.URL + "/2/users/" + XUserID + "/mentions?max_results=1000", 400, nil, false, false},
		{"conversation is the fixture", x.URL + "/2/tweets/search/recent?query=conversation_id:2123808585940639751", 200,
			fixtureAs[tweetPage]("x/search_recent_conversation.json").ids(), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p tweetPage
			a, ok := get(t, c, tc.url, nil, tc.status, &p)
			if !ok {
				return
			}
			if got := p.ids(); !slices.Equal(got, tc.ids) {
				t.Errorf("ids %v, want %v", got, tc.ids)
			}
			if _, ok := p.Meta["next_token"]; ok != tc.next {
				t.Errorf("next_token present = %v, want %v", ok, tc.next)
			}
			if hasData := bytes.Contains(a.body, []byte(`"data"`)); hasData == tc.noData {
				t.Errorf("data key present = %v: %s", hasData, a.body)
			}
		})
	}

	var lk struct {
		Data   []struct{ ID string }
		Errors []struct{ Value string }
	}
	call(t, c, "GET", x.URL+"/2/tweets?ids=2123808585940639751,1", nil, "").json(t, &lk)
	if len(lk.Data) != 1 || lk.Data[0].ID != "2123808585940639751" || len(lk.Errors) != 1 || lk.Errors[0].Value != "1" {
		t.Errorf("lookup %+v", lk)
	}

	post := func(body string) answer {
		return call(t, c, "POST", x.URL+"/2/tweets", map[string]string{"Content-Type": "application/json"}, body)
	}
	reply := `{"text":"¡Lo sentimos!","reply":{"in_reply_to_tweet_id":"2124068813143711751"}}`
	a := post(reply)
	var created struct{ Data struct{ ID, Text string } }
	a.json(t, &created)
	if a.status != 201 || created.Data.Text != "¡Lo sentimos!" || a.header.Get("x-user-limit-24hour-remaining") != "99" {
		t.Errorf("create: %d %s %v", a.status, a.body, a.header)
	}
	if a := post(reply); a.status != 403 || !strings.Contains(string(a.body), "duplicate content") {
		t.Errorf("duplicate: %d %s", a.status, a.body)
	}
	if a := post(`{"text":"x","reply":{"in_reply_to_tweet_id":"1"}}`); a.status != 400 {
		t.Errorf("reply to an unknown post: %d", a.status)
	}
	if got := x.Created(); len(got) != 1 || got[0].ID != created.Data.ID || got[0].InReplyTo != "2124068813143711751" {
		t.Errorf("created %+v", got)
	}
	// the reply joins the conversation and the account's timeline
	var conv tweetPage
	call(t, c, "GET", x.URL+"/2/tweets/search/recent?query=conversation_id:2123808585940639751", nil, "").json(t, &conv)
	if len(conv.Data) != 2 || conv.Data[0].ID != created.Data.ID {
		t.Errorf("conversation after the reply: %+v", conv.Data)
	}
	var own tweetPage
	call(t, c, "GET", x.URL+"/2/users/"+XUserID+"/tweets?max_results=100", nil, "").json(t, &own)
	if len(own.Data) != 1 || own.Data[0].ID != created.Data.ID {
		t.Errorf("own timeline: %+v", own.Data)
	}

	dm := call(t, c, "POST", x.URL+"/2/dm_conversations/with/1288112233445566778/messages",
		map[string]string{"Content-Type": "application/json"}, `{"text":"Refunded."}`)
	var d struct {
		Data struct{ DMConversationID, DMEventID string }
	}
	dm.json(t, &d)
	if dm.status != 201 || len(x.DMs()) != 1 || x.DMs()[0].Text != "Refunded." {
		t.Errorf("dm: %d %s %+v", dm.status, dm.body, x.DMs())
	}
	var ev struct{ Data []struct{ ID, Text string } }
	call(t, c, "GET", x.URL+"/2/dm_conversations/with/1288112233445566778/dm_events", nil, "").json(t, &ev)
	if len(ev.Data) != 3 || ev.Data[0].Text != "Refunded." {
		t.Errorf("dm events %+v", ev.Data)
	}
}

func TestRSSConditionalGet(t *testing.T) {
	n := Start(t)
	r := n.RSS
	for _, f := range []struct{ url, ctype, marker string }{
		{r.MastodonTag, "application/rss+xml", "<rss"},
		{r.Reddit, "application/atom+xml", "<feed"},
		{r.GoogleAlerts, "text/xml", "<feed"},
		{r.BlogComments, "application/rss+xml", "<rss"},
	} {
		a := call(t, nil, "GET", f.url, nil, "")
		if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), f.ctype) || !strings.Contains(string(a.body), f.marker) {
			t.Errorf("%s: %d %q", f.url, a.status, a.header.Get("Content-Type"))
		}
		etag := a.header.Get("ETag")
		for _, h := range []map[string]string{{"If-None-Match": etag}, {"If-Modified-Since": a.header.Get("Last-Modified")}} {
			if b := call(t, nil, "GET", f.url, h, ""); b.status != 304 || len(b.body) != 0 {
				t.Errorf("%s with %v: %d", f.url, h, b.status)
			}
		}
		if b := call(t, nil, "GET", f.url, map[string]string{"If-None-Match": `W/"other"`}, ""); b.status != 200 {
			t.Errorf("%s with a stale ETag: %d", f.url, b.status)
		}
	}
	if got := len(r.Requests()); got != 16 {
		t.Errorf("recorded %d requests, want 16", got)
	}
}

func TestInterceptAndRecording(t *testing.T) {
	n := Start(t)
	m := n.Mastodon
	hdr := map[string]string{"Authorization": "Bearer " + MastodonToken, "Content-Type": "application/x-www-form-urlencoded",
		"Idempotency-Key": "k"}
	// a lost answer: the status is created, the client gets a 502
	m.Intercept(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(discard{}, r)
			w.WriteHeader(http.StatusBadGateway)
		})
	})
	if a := call(t, nil, "POST", m.URL+"/api/v1/statuses", hdr, "status=hi"); a.status != 502 {
		t.Errorf("intercepted: %d", a.status)
	}
	m.Intercept(nil)
	if a := call(t, nil, "POST", m.URL+"/api/v1/statuses", hdr, "status=hi"); a.status != 200 {
		t.Errorf("resend: %d", a.status)
	}
	if len(m.Created()) != 1 {
		t.Errorf("created %d, want 1 (the resend replays the key)", len(m.Created()))
	}
	reqs := n.Requests(NetMastodon)
	if len(reqs) != 2 || reqs[0].Status != 502 || reqs[1].Status != 200 || reqs[0].Form.Get("status") != "hi" ||
		reqs[0].Header.Get("Idempotency-Key") != "k" {
		t.Errorf("recorded %+v", reqs)
	}
	if len(n.Requests("")) != 2 || len(n.Requests(NetX)) != 0 {
		t.Errorf("requests by network are mixed up")
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func TestConfigNamesEveryFake(t *testing.T) {
	n := New(Options{Now: func() time.Time { return time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC) }})
	defer n.Close()
	cfg := n.Config("/tmp/x")
	for _, want := range []string{n.Mastodon.URL, n.Bluesky.URL, n.X.URL, n.RSS.MastodonTag, "demo: false",
		"env:" + EnvMastodonToken, "env:" + EnvXAccessSecret, `store: "/tmp/x/hark.db"`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	for name, v := range n.Env() {
		if v == "" || strings.Contains(cfg, v) {
			t.Errorf("secret %s is empty or written in the config", name)
		}
	}
}

// What a customer does that the fake plays like GoToSocial (recorded):
// a status in a thread without notifying, an edit without a notification
// (the status shows edited_at), a deletion (404 for the status and its
// context, its notifications gone). (Bluesky's DeletePost is exercised
// by e2e's TestBlueskyReplyToDeletedPost.)
func TestCustomersEditDeleteAndAnswer(t *testing.T) {
	n := Start(t)
	auth := map[string]string{"Authorization": "Bearer " + MastodonToken}
	const kasia = "117654091669176322"
	reply := n.Mastodon.AddStatus("", kasia, "answered from the phone", false)
	var ctx struct {
		Descendants []struct{ ID, InReplyToID string }
	}
	call(t, nil, "GET", n.Mastodon.URL+"/api/v1/statuses/"+kasia+"/context", auth, "").json(t, &ctx)
	if len(ctx.Descendants) != 1 || ctx.Descendants[0].ID != reply {
		t.Errorf("context after AddStatus: %+v", ctx)
	}
	before := call(t, nil, "GET", n.Mastodon.URL+"/api/v1/notifications", auth, "").body
	n.Mastodon.EditStatus(kasia, "order A901")
	var st struct {
		Content  string `json:"content"`
		EditedAt string `json:"edited_at"`
	}
	call(t, nil, "GET", n.Mastodon.URL+"/api/v1/statuses/"+kasia, auth, "").json(t, &st)
	if st.Content != "<p>order A901</p>" || st.EditedAt == "" {
		t.Errorf("edited status: %+v", st)
	}
	if after := call(t, nil, "GET", n.Mastodon.URL+"/api/v1/notifications", auth, "").body; !bytes.Equal(after, before) {
		t.Errorf("an edit notified the brand")
	}
	n.Mastodon.DeleteStatus(kasia)
	for _, p := range []string{"/api/v1/statuses/" + kasia, "/api/v1/statuses/" + kasia + "/context"} {
		if a := call(t, nil, "GET", n.Mastodon.URL+p, auth, ""); a.status != 404 {
			t.Errorf("GET %s after the deletion: %d", p, a.status)
		}
	}
	if slices.Contains(n.Mastodon.MentionIDs(), kasia) {
		t.Errorf("the deleted status's notification is still served")
	}
}
