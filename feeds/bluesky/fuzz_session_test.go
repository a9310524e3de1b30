package bluesky

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/social"
)

// FuzzSession feeds arbitrary createSession/refreshSession answers and DID
// documents to the code that turns them into a session: it must never
// panic, a session it accepts has both tokens and a DID, and the PDS it
// picks from a DID document is an http(s) URL with a host and no
// credentials — never a plain-http PDS for an https service.
func FuzzSession(f *testing.F) {
	f.Add(fixture(f, "createSession.json"), "did:plc:4u3kqlsvrwjd5m2bfbm7qexz")
	f.Add(fixture(f, "refreshSession.json"), "did:plc:4u3kqlsvrwjd5m2bfbm7qexz")
	f.Add(fixture(f, "did_document.json"), "did:plc:4u3kqlsvrwjd5m2bfbm7qexz")
	f.Add([]byte(`{"did":"did:plc:x","accessJwt":"a","refreshJwt":"r","didDoc":{"id":"did:plc:x","service":[{"id":"#atproto_pds","serviceEndpoint":"http://user:pw@evil.example"}]}}`), "did:plc:x")
	f.Add([]byte(`{"did":"did:plc:x","accessJwt":"a","refreshJwt":"r","didDoc":{"service":[{"id":"did:plc:x#atproto_pds","serviceEndpoint":"http://plain.example/"}]}}`), "did:plc:x")
	f.Add([]byte(`{"didDoc":{"service":[{"id":"#atproto_pds","serviceEndpoint":{"uri":1}}]}}`), "")
	f.Add([]byte(`null`), "did:web:x")
	c := New(Options{Service: "https://bsky.example", Handle: "acme.example", Password: "pw", Account: "acme"})
	f.Fuzz(func(t *testing.T, data []byte, did string) {
		if ep, ok := pdsEndpoint(json.RawMessage(data), did); ok {
			u, err := url.Parse(ep)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
				t.Fatalf("PDS endpoint %q accepted", ep)
			}
		}
		var sr sessionResp
		if json.Unmarshal(data, &sr) != nil {
			return
		}
		s, err := c.store(sr, "https://fallback.example")
		if err != nil {
			return
		}
		if s.access == "" || s.refresh == "" || !strings.HasPrefix(s.did, "did:") {
			t.Fatalf("session %+v accepted", s)
		}
		if s.pds != "https://fallback.example" && !strings.HasPrefix(s.pds, "https://") {
			t.Fatalf("an https service handed the tokens to %q", s.pds)
		}
	})
}

// FuzzChatResponses serves arbitrary chat answers (getConvoForMembers,
// getMessages, sendMessage; a 200 or a 400) to a client sending and
// confirming a direct message over loopback: it must never panic, a
// message it reports sent or found has an id, and a refusal is a typed
// error.
func FuzzChatResponses(f *testing.F) {
	f.Add(fixture(f, "chat_getConvoForMembers.json"), fixture(f, "chat_sendMessage.json"), false)
	f.Add(fixture(f, "chat_getConvoForMembers.json"), []byte(`{"messages":[{"id":"m1","text":"hi","sentAt":"2026-11-22T08:00:00Z","sender":{"did":"did:plc:acme"}}]}`), false)
	f.Add(fixture(f, "chat_getConvoForMembers.json"), fixture(f, "error_400_chat_messages_disabled.json"), true)
	f.Add(fixture(f, "chat_getConvoForMembers.json"), fixture(f, "error_400_chat_not_followed_by_sender.json"), true)
	f.Add([]byte(`{"convo":{"id":""}}`), []byte(`{"cursor":"c","messages":[null,{"sender":5}]}`), false)
	f.Add([]byte(`{"convo":[]}`), []byte(``), true)

	var mu sync.Mutex
	var convo, messages []byte
	var refuse bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cv, msgs, bad := convo, messages, refuse
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch strings.TrimPrefix(r.URL.Path, "/xrpc/") {
		case "com.atproto.server.createSession":
			w.Write([]byte(`{"did":"did:plc:acme","handle":"acme.example","accessJwt":"access","refreshJwt":"refresh"}`))
		case "chat.bsky.convo.getConvoForMembers":
			w.Write(cv)
		case "chat.bsky.convo.getMessages", "chat.bsky.convo.sendMessage":
			if bad {
				w.WriteHeader(http.StatusBadRequest)
			}
			w.Write(msgs)
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"MethodNotImplemented"}`))
		}
	}))
	f.Cleanup(srv.Close)
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	c := New(Options{Service: srv.URL, Handle: "acme.example", Password: "pw", Account: "acme",
		Client: web.NewClient(5 * time.Second), Now: func() time.Time { return now }})
	r := social.Reply{ID: "r1", Network: social.Bluesky, Account: "acme", Direct: true, Text: "hi", CreatedAt: now,
		To: social.Post{Network: social.Bluesky, RemoteID: "at://did:plc:cust/app.bsky.feed.post/3k", Author: social.Author{ID: "did:plc:cust", Handle: "cust.example"}}}
	f.Fuzz(func(t *testing.T, cv, msgs []byte, bad bool) {
		mu.Lock()
		convo, messages, refuse = cv, msgs, bad
		mu.Unlock()
		ctx := context.Background()
		if sent, found, err := c.Confirm(ctx, r); err == nil && found && sent.RemoteID == "" {
			t.Fatal("a message found without an id")
		}
		sent, err := c.Send(ctx, r)
		if err == nil && sent.RemoteID == "" {
			t.Fatal("a message sent without an id")
		}
		if err != nil {
			var se *social.Error
			if !asSocial(err, &se) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
		}
	})
}

func asSocial(err error, se **social.Error) bool {
	for e := err; e != nil; {
		if s, ok := e.(*social.Error); ok {
			*se = s
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}
