package bluesky

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/hark-tui/hark/social"
)

// polled returns the posts of a first poll, by author DID.
func polled(t *testing.T, c *Client) map[string]social.Post {
	t.Helper()
	b, err := c.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]social.Post{}
	for _, p := range b.Posts {
		out[p.Author.ID] = p
	}
	return out
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

func TestPublicReplyBody(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	maria := polled(t, c)[mariaDID]
	r := social.Reply{
		ID:        "out-1",
		Key:       "3n2v5rwwfec27",
		Network:   social.Bluesky,
		Account:   "acme",
		To:        maria,
		Text:      "@maria-lopez.bsky.social ¡Lo sentimos mucho, María! Te enviamos hoy un molinillo nuevo sin coste. ^JL",
		CreatedAt: time.Date(2026, 11, 22, 8, 5, 12, 733e6, time.UTC),
	}
	sent, err := c.Send(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	want := social.Sent{
		RemoteID: "at://" + brandDID + "/app.bsky.feed.post/3n2v5rwwfec27",
		URL:      "https://bsky.app/profile/" + brandHandle + "/post/3n2v5rwwfec27",
	}
	if sent != want {
		t.Fatalf("sent = %+v", sent)
	}
	cr := f.Calls("com.atproto.repo.createRecord")
	if len(cr) != 1 || cr[0].Method != http.MethodPost || cr[0].Host != "pds" {
		t.Fatalf("createRecord calls = %d", len(cr))
	}
	if got, want := decodeJSON(t, cr[0].Body), decodeJSON(t, fixture(t, "createRecord_request.json")); !reflect.DeepEqual(got, want) {
		t.Fatalf("createRecord body:\n got %s\nwant %s", cr[0].Body, fixture(t, "createRecord_request.json"))
	}
	if cr[0].Header.Get("Content-Type") != "application/json" || cr[0].Header.Get("Authorization") == "" {
		t.Fatalf("headers = %v", cr[0].Header)
	}
	rh := f.Calls("com.atproto.identity.resolveHandle")
	if len(rh) != 1 || rh[0].Query.Get("handle") != "maria-lopez.bsky.social" {
		t.Fatalf("resolveHandle calls = %v", rh)
	}
}

func TestReplyToAReplyUsesThreadRoot(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	kasia := polled(t, c)[kasiaDID]
	_, err := c.Send(context.Background(), social.Reply{Key: "3n2v5rwwfec2a", To: kasia, Text: "Przepraszamy!",
		CreatedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Record struct {
			Langs     []string
			CreatedAt string
			Facets    []any
			Reply     replyRefs
		}
	}
	json.Unmarshal(f.Calls("com.atproto.repo.createRecord")[0].Body, &body)
	want := replyRefs{
		Root:   strongRef{"at://" + brandDID + "/app.bsky.feed.post/3n2qxf3ohm22b", "bafyreid4mxkzoqnh7x7aut2cqpsryfihihb7ajnuaezp5ojdximclz6skq"},
		Parent: strongRef{kasia.RemoteID, "bafyreiy6slqfdq7zll52bst54tmjp57kg5idrba6odpwihmnb4nxqf6rvq"},
	}
	if body.Record.Reply != want {
		t.Fatalf("reply = %+v", body.Record.Reply)
	}
	if !reflect.DeepEqual(body.Record.Langs, []string{"pl"}) || body.Record.CreatedAt != "2026-11-22T08:10:00.000Z" || body.Record.Facets != nil {
		t.Fatalf("record = %+v", body.Record)
	}
}

func TestReplyLooksUpMissingCIDs(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	to := social.Post{RemoteID: kasiaPost.RemoteID, ThreadRoot: "at://" + brandDID + "/app.bsky.feed.post/3n2qxf3ohm22b"}
	if _, err := c.Send(context.Background(), social.Reply{Key: "3n2v5rwwfec2b", To: to, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	th := f.Calls("app.bsky.feed.getPostThread")
	if len(th) != 1 || th[0].Query.Get("depth") != "0" || th[0].Query.Get("parentHeight") != "0" || th[0].Query.Get("uri") != to.RemoteID {
		t.Fatalf("lookup = %v", th)
	}
	var body struct{ Record struct{ Reply replyRefs } }
	json.Unmarshal(f.Calls("com.atproto.repo.createRecord")[0].Body, &body)
	if body.Record.Reply.Parent.CID != "bafyreiy6slqfdq7zll52bst54tmjp57kg5idrba6odpwihmnb4nxqf6rvq" ||
		body.Record.Reply.Root.CID != "bafyreid4mxkzoqnh7x7aut2cqpsryfihihb7ajnuaezp5ojdximclz6skq" {
		t.Fatalf("refs = %+v", body.Record.Reply)
	}
}

func TestSendRejectsBadInput(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	tests := []struct {
		name string
		r    social.Reply
		msg  string
	}{
		{"no key", social.Reply{To: kasiaPost, Text: "x"}, "record key"},
		{"key not a TID", social.Reply{Key: "out-1", To: kasiaPost, Text: "x"}, "record key"},
		{"not a post", social.Reply{Key: "3n2v5rwwfec27", To: social.Post{RemoteID: "https://example.com/1", Meta: map[string]string{"cid": "x"}}, Text: "x"}, "not a Bluesky post"},
		{"bad cid", social.Reply{Key: "3n2v5rwwfec27", To: social.Post{RemoteID: kasiaPost.RemoteID, Meta: map[string]string{"cid": "nope"}}, Text: "x"}, "invalid CID"},
	}
	for _, tt := range tests {
		_, err := c.Send(context.Background(), tt.r)
		if social.KindOf(err) != social.Permanent {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		assertErr(t, err, social.Permanent, 0, time.Time{}, tt.msg)
	}
	wantCalls(t, f, "com.atproto.repo.createRecord", 0)
}

func TestDuplicateRkeySendConfirms(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	kasia := polled(t, c)[kasiaDID]
	r := social.Reply{Key: NewRecordKey(testNow), To: kasia, Text: "Paczka wyjdzie jutro.", CreatedAt: testNow}
	first, err := c.Send(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	// A crash after the PDS stored it: the engine sends again, same key.
	again, err := c.Send(context.Background(), r)
	if err != nil {
		t.Fatalf("resend: %v", err)
	}
	if again != first {
		t.Fatalf("resend = %+v, first = %+v", again, first)
	}
	wantCalls(t, f, "com.atproto.repo.createRecord", 2)
	gr := f.BrandReads()
	if len(gr) != 1 {
		t.Fatalf("getRecord calls = %d", len(gr))
	}
	q := gr[0].Query
	if q.Get("repo") != brandDID || q.Get("collection") != postCollection || q.Get("rkey") != r.Key {
		t.Fatalf("getRecord query = %v", q)
	}
	n := f.Records()
	if n != 1 {
		t.Fatalf("records stored = %d", n)
	}
}

func TestServerErrorWithoutRecordStaysTransient(t *testing.T) {
	sendCreateRecordError(t, 500, "error_500_duplicate_rkey.json", social.Transient, "InternalServerError", 1)
}

func TestInvalidRecordIsPermanent(t *testing.T) {
	sendCreateRecordError(t, 400, "error_400_invalid_record.json", social.Permanent, "must not be longer than 300 graphemes", 0)
}

// sendCreateRecordError sends a reply that createRecord refuses with the
// fixture name and status; the error must be of kind and carry msg, and
// Send must look for the record (getRecord) reads times.
func sendCreateRecordError(t *testing.T, status int, name string, kind social.ErrorKind, msg string, reads int) {
	t.Helper()
	f := newFake(t)
	f.Route("com.atproto.repo.createRecord", func(w http.ResponseWriter, r *http.Request) {
		f.ServeFixture(w, status, name)
	})
	c := newClient(f)
	kasia := polled(t, c)[kasiaDID]
	_, err := c.Send(context.Background(), social.Reply{Key: "3n2v5rwwfec27", To: kasia, Text: "x"})
	assertErr(t, err, kind, status, time.Time{}, msg)
	if n := len(f.BrandReads()); n != reads {
		t.Fatalf("getRecord calls after a %d = %d, want %d", status, n, reads)
	}
}

func TestSendRefreshesExpiredToken(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	kasia := polled(t, c)[kasiaDID]
	f.Expire()
	if _, err := c.Send(context.Background(), social.Reply{Key: "3n2v5rwwfec27", To: kasia, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	// The first call with the expired token is the parent check now.
	wantCalls(t, f, "com.atproto.repo.getRecord", 2) // expired + retried
	wantCalls(t, f, "com.atproto.server.refreshSession", 1)
	wantCalls(t, f, "com.atproto.repo.createRecord", 1) // with the refreshed token
}

func TestConfirm(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	kasia := polled(t, c)[kasiaDID]
	ctx := context.Background()
	r := social.Reply{Key: "3n2v5rwwfec27", To: kasia, Text: "x"}

	if _, found, err := c.Confirm(ctx, r); err != nil || found {
		t.Fatalf("before send: found=%v err=%v", found, err)
	}
	sent, err := c.Send(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := c.Confirm(ctx, r)
	if err != nil || !found || got != sent {
		t.Fatalf("after send: %+v found=%v err=%v", got, found, err)
	}
	// A record written by an earlier process, in the PDS's exact shape.
	f.Route("com.atproto.repo.getRecord", func(w http.ResponseWriter, r *http.Request) {
		f.ServeFixture(w, 200, "getRecord.json")
	})
	got, found, err = c.Confirm(ctx, social.Reply{Key: "3n2v5rwwfec27", To: kasia})
	if err != nil || !found || got.RemoteID != "at://"+brandDID+"/app.bsky.feed.post/3n2v5rwwfec27" ||
		got.URL != "https://bsky.app/profile/"+brandHandle+"/post/3n2v5rwwfec27" {
		t.Fatalf("fixture record: %+v found=%v err=%v", got, found, err)
	}
	// Chat has no idempotency key: Confirm reads the conversation's recent
	// messages for ours with the same text (apis.md §3.6).
	tomas := tomasPost(t, c)
	sentText := "Thanks Tomás, we found the duplicate charge and refunded it; you will see it in 3–5 days. ^JL"
	written := time.Date(2026, 11, 22, 8, 7, 0, 0, time.UTC) // 40 s before the fixture's sentAt
	messages := `{"messages":[]}`
	f.Route("chat.bsky.convo.getMessages", func(w http.ResponseWriter, r *http.Request) {
		if !f.CheckProxy(w, r) {
			return
		}
		if r.URL.Query().Get("convoId") != "3m4xk2qz7ur2c" { // the fixture convo
			writeJSON(w, 400, `{"error":"InvalidConvo","message":"Convo not found"}`)
			return
		}
		writeJSON(w, 200, messages)
	})
	dm := social.Reply{Direct: true, To: tomas, Text: sentText, CreatedAt: written}
	if _, found, err := c.Confirm(ctx, dm); found || err != nil {
		t.Fatalf("chat, no messages: found=%v err=%v", found, err)
	}
	messages = `{"messages":[` + string(fixture(t, "chat_sendMessage.json")) + `]}`
	got, found, err = c.Confirm(ctx, dm)
	if err != nil || !found || got.RemoteID != "3m4xlpq2vwk2a" {
		t.Fatalf("chat, our message there: %+v found=%v err=%v", got, found, err)
	}
	other := dm
	other.Text = "a different message"
	if _, found, err := c.Confirm(ctx, other); found || err != nil {
		t.Fatalf("chat, other text: found=%v err=%v", found, err)
	}
	later := dm
	later.CreatedAt = written.Add(time.Hour) // the message predates this reply
	if _, found, err := c.Confirm(ctx, later); found || err != nil {
		t.Fatalf("chat, older message: found=%v err=%v", found, err)
	}
	f.Route("chat.bsky.convo.getMessages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 502, `{"error":"UpstreamFailure","message":"Upstream Failure"}`)
	})
	if _, found, err := c.Confirm(ctx, dm); found || social.KindOf(err) != social.Transient {
		t.Fatalf("chat, 502: found=%v err=%v", found, err)
	}
	// Other failures are errors, not "not found".
	f.Route("com.atproto.repo.getRecord", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 502, `{"error":"UpstreamFailure","message":"Upstream Failure"}`)
	})
	if _, found, err := c.Confirm(ctx, r); found || social.KindOf(err) != social.Transient {
		t.Fatalf("502: found=%v err=%v", found, err)
	}
}

// tomasPost is the quote notification's post: the DM tests answer it.
func tomasPost(t *testing.T, c *Client) social.Post {
	return polled(t, c)[tomasDID]
}

func TestDirectMessageViaChat(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	to := tomasPost(t, c)
	text := "Thanks Tomás, we found the duplicate charge and refunded it; you will see it in 3–5 days. ^JL"
	sent, err := c.Send(context.Background(), social.Reply{Direct: true, To: to, Text: text, Key: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if sent != (social.Sent{RemoteID: "3m4xlpq2vwk2a", URL: "https://bsky.app/messages/3m4xk2qz7ur2c"}) {
		t.Fatalf("sent = %+v", sent)
	}
	access := jsonField(t, "createSession.json", "accessJwt")
	for _, nsid := range []string{"chat.bsky.convo.getConvoForMembers", "chat.bsky.convo.sendMessage"} {
		calls := f.Calls(nsid)
		if len(calls) != 1 {
			t.Fatalf("%s calls = %d", nsid, len(calls))
		}
		h := calls[0].Header
		if calls[0].Host != "pds" || h.Get("atproto-proxy") != "did:web:api.bsky.chat#bsky_chat" || h.Get("Authorization") != "Bearer "+access {
			t.Fatalf("%s: server %s headers %v", nsid, calls[0].Host, h)
		}
	}
	gc := f.Calls("chat.bsky.convo.getConvoForMembers")[0]
	if gc.Method != http.MethodGet || !reflect.DeepEqual(gc.Query["members"], []string{tomasDID}) {
		t.Fatalf("getConvoForMembers %s %v", gc.Method, gc.Query)
	}
	sm := f.Calls("chat.bsky.convo.sendMessage")[0]
	if got, want := decodeJSON(t, sm.Body), decodeJSON(t, fixture(t, "chat_sendMessage_request.json")); !reflect.DeepEqual(got, want) {
		t.Fatalf("sendMessage body:\n got %s\nwant %s", sm.Body, fixture(t, "chat_sendMessage_request.json"))
	}
	if n := len(f.Calls("com.atproto.repo.createRecord")); n != 0 {
		t.Fatal("a DM created a public post")
	}
}

func TestDirectMessageRefusals(t *testing.T) {
	tests := []struct {
		name, file string
		status     int
		kind       social.ErrorKind
		msg        string
	}{
		{"messages disabled", "error_400_chat_messages_disabled.json", 400, social.Permanent, "the recipient does not accept direct messages"},
		{"not followed", "error_400_chat_not_followed_by_sender.json", 400, social.Permanent, "only accepts direct messages from accounts they follow"},
		{"app password without DMs", "error_400_chat_bad_token_method.json", 400, social.Auth, "Allow access to your direct messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.Route("chat.bsky.convo.getConvoForMembers", func(w http.ResponseWriter, r *http.Request) {
				f.ServeFixture(w, tt.status, tt.file)
			})
			c := newClient(f)
			_, err := c.Send(context.Background(), social.Reply{Direct: true, To: tomasPost(t, c), Text: "hi"})
			assertErr(t, err, tt.kind, tt.status, time.Time{}, tt.msg)
			if n := len(f.Calls("chat.bsky.convo.sendMessage")); n != 0 {
				t.Fatal("sent after a refusal")
			}
		})
	}
}

func TestDirectMessageResolvesHandleWithoutDID(t *testing.T) {
	f := newFake(t)
	f.Route("chat.bsky.convo.getConvoForMembers", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("members"); got != mariaDID {
			t.Errorf("members = %q", got)
		}
		f.ServeFixture(w, 400, "error_400_chat_messages_disabled.json")
	})
	c := newClient(f)
	to := social.Post{RemoteID: "at://" + mariaDID + "/app.bsky.feed.post/3n2sr64uza225", Author: social.Author{Handle: "maria-lopez.bsky.social"}}
	_, err := c.Send(context.Background(), social.Reply{Direct: true, To: to, Text: "hola"})
	assertErr(t, err, social.Permanent, 400, time.Time{}, "does not accept direct messages")
	_, err = c.Send(context.Background(), social.Reply{Direct: true, To: social.Post{}, Text: "hola"})
	if social.KindOf(err) != social.Permanent {
		t.Fatalf("no recipient: %v", err)
	}
}

func TestNewRecordKey(t *testing.T) {
	at := time.Date(2026, 11, 22, 8, 5, 12, 733456789, time.UTC)
	keys := map[string]bool{}
	for range 20 {
		k := NewRecordKey(at)
		tid, err := syntax.ParseTID(k)
		if err != nil {
			t.Fatalf("%q: %v", k, err)
		}
		if !tid.Time().Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("time = %v", tid.Time())
		}
		if _, err := syntax.ParseRecordKey(k); err != nil {
			t.Fatal(err)
		}
		keys[k] = true
	}
	if len(keys) < 2 {
		t.Fatal("20 keys for one instant are all equal: clock id is not random")
	}
	if _, err := syntax.ParseTID(NewRecordKey(time.Time{})); err != nil {
		t.Fatal(err)
	}
}

// A reply to a post its author deleted is refused before anything is
// created: the PDS would publish it with a parent nobody sees.
func TestReplyToDeletedPostIsPermanent(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	kasia := polled(t, c)[kasiaDID]
	f.DeletePost(kasia.RemoteID)
	_, err := c.Send(context.Background(), social.Reply{Key: NewRecordKey(testNow), To: kasia, Text: "Paczka wyjdzie jutro."})
	assertErr(t, err, social.Permanent, 404, time.Time{}, "deleted by its author")
	wantCalls(t, f, "com.atproto.repo.createRecord", 0)
	reads := f.Calls("com.atproto.repo.getRecord")
	if len(reads) != 1 || "at://"+reads[0].Query.Get("repo")+"/"+reads[0].Query.Get("collection")+"/"+reads[0].Query.Get("rkey") != kasia.RemoteID {
		t.Fatalf("getRecord calls %+v, want one for the parent %s", reads, kasia.RemoteID)
	}
}
