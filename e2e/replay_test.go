package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// dropOnce is fakenet middleware: the first request that isCreate matches
// is handed to the fake (the post or message is made), then the
// connection it came on is closed before any answer — a keep-alive
// connection that breaks after the server acted. Every other request goes
// through. It also notes whether that request came on a connection the
// client had used before, the case in which net/http replays requests it
// believes idempotent.
type dropOnce struct {
	isCreate func(*http.Request) bool

	mu      sync.Mutex
	seen    map[string]bool // remote addresses (client connections) seen
	dropped bool
	reused  bool // the dropped request came on a reused connection
	creates int  // create requests that reached the fake
}

func (d *dropOnce) mw(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		reused := d.seen[r.RemoteAddr]
		d.seen[r.RemoteAddr] = true
		create := d.isCreate(r)
		if create {
			d.creates++
		}
		drop := create && !d.dropped
		if drop {
			d.dropped, d.reused = true, reused
		}
		d.mu.Unlock()
		if !drop {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(httptest.NewRecorder(), r) // the fake acts…
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // …and the answer is lost with the connection
		}
	})
}

// TestSendNotReplayedByTransport, per adapter and kind of send: the fake
// makes the post, then the reused keep-alive connection breaks before the
// answer. Exactly one create request arrives (net/http must not re-send
// it by itself: the Mastodon fake ignores Idempotency-Key as GoToSocial
// does, so a replay would be a second public reply), the attempt comes
// back uncertain, and the engine's next attempt asks the network
// (Confirm), finds the post and marks the reply sent without posting
// again.
func TestSendNotReplayedByTransport(t *testing.T) {
	post := func(path string) func(*http.Request) bool {
		return func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == path }
	}
	cases := []struct {
		name      string
		net       social.Network
		account   string
		dm        bool
		intercept func(n *fakenet.Nets, mw func(http.Handler) http.Handler)
		isCreate  func(*http.Request) bool
		made      func(n *fakenet.Nets, text string) int // posts/messages the fake holds with this text
	}{
		{name: "mastodon", net: social.Mastodon, account: fakenet.MastodonAccount,
			intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Mastodon.Intercept(mw) },
			isCreate:  post("/api/v1/statuses"), made: mastodonMade},
		{name: "mastodon-dm", net: social.Mastodon, account: fakenet.MastodonAccount, dm: true,
			intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Mastodon.Intercept(mw) },
			isCreate:  post("/api/v1/statuses"), made: mastodonMade},
		{name: "bluesky", net: social.Bluesky, account: fakenet.BlueskyAccount,
			intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Bluesky.Intercept(mw) },
			isCreate:  post("/xrpc/com.atproto.repo.createRecord"),
			made: func(n *fakenet.Nets, text string) int {
				return count(n.Bluesky.Records(), func(r fakenet.Record) bool { return strings.Contains(string(r.Record), text) })
			}},
		{name: "bluesky-dm", net: social.Bluesky, account: fakenet.BlueskyAccount, dm: true,
			intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Bluesky.Intercept(mw) },
			isCreate:  post("/xrpc/chat.bsky.convo.sendMessage"),
			made: func(n *fakenet.Nets, text string) int {
				return count(n.Bluesky.Messages(), func(m fakenet.ChatMessage) bool { return m.Text == text })
			}},
		{name: "x", net: social.X, account: fakenet.XAccount,
			intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.X.Intercept(mw) },
			isCreate:  post("/2/tweets"),
			made: func(n *fakenet.Nets, text string) int {
				return count(n.X.Created(), func(tw fakenet.Tweet) bool { return strings.Contains(tw.Text, text) })
			}},
		{name: "x-dm", net: social.X, account: fakenet.XAccount, dm: true,
			intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.X.Intercept(mw) },
			isCreate: func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/2/dm_conversations/with/") && strings.HasSuffix(r.URL.Path, "/messages")
			},
			made: func(n *fakenet.Nets, text string) int {
				return count(n.X.DMs(), func(m fakenet.DM) bool { return m.Text == text })
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.nets.Mastodon.IgnoreIdempotencyKey(true) // as GoToSocial
			clk := testkit.NewClock(time.Now())
			d := &dropOnce{isCreate: c.isCreate, seen: map[string]bool{}}
			c.intercept(w.nets, d.mw) // from the first request: it tracks connections
			ctx := context.Background()
			a := w.openApp(t, ctx, app.Options{Now: clk.Now})
			defer a.Close()
			for _, r := range a.Engine.PollOnce(ctx) { // warm connections
				if r.Err != nil {
					t.Fatalf("poll %s: %v", r.Feed, r.Err)
				}
			}
			target := publicConv(t, a, c.net, c.account)

			text := "Sorted, thanks for your patience — " + c.name
			ent, err := a.Engine.Reply(t.Context(), target.ID, text, engine.ReplyOptions{Direct: c.dm})
			if err != nil {
				t.Fatal(err)
			}
			a.Engine.Deliver(ctx)
			d.mu.Lock()
			creates, dropped, reused := d.creates, d.dropped, d.reused
			d.mu.Unlock()
			if !dropped {
				t.Fatal("the send never reached the fake")
			}
			if !reused {
				t.Error("the send went out on a fresh connection: net/http only replays on a reused one, so this run proves nothing")
			}
			if creates != 1 {
				t.Errorf("%d create requests reached the server after one attempt, want exactly 1", creates)
			}
			got, err := a.Store.OutboxEntry(context.Background(), ent.Seq)
			if err != nil {
				t.Fatal(err)
			}
			// Either the adapter looked at once (Bluesky asks getRecord
			// when createRecord fails transiently) or the entry waits,
			// uncertain, for the engine to confirm before any resend.
			if got.State != store.OutSent && (got.State != store.OutQueued || !got.Uncertain) {
				t.Fatalf("after the lost answer: state %s uncertain %v, want sent (confirmed) or queued and uncertain (%s)", got.State, got.Uncertain, got.LastError)
			}

			clk.Advance(time.Hour) // past the backoff
			a.Engine.Deliver(ctx)
			got, err = a.Store.OutboxEntry(context.Background(), ent.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != store.OutSent {
				t.Errorf("after the confirm: state %s (%s), want sent", got.State, got.LastError)
			}
			d.mu.Lock()
			creates = d.creates
			d.mu.Unlock()
			if creates != 1 {
				t.Errorf("%d create requests in all, want 1 (the confirm must find the first)", creates)
			}
			if n := c.made(w.nets, text); n != 1 {
				t.Errorf("the server holds %d copies of the reply, want 1", n)
			}
			t.Logf("%s: 1 create request, dropped on a reused connection, confirmed: %s", c.name, got.Sent.RemoteID)
		})
	}
}

func mastodonMade(n *fakenet.Nets, text string) int {
	return count(n.Mastodon.Created(), func(s fakenet.Status) bool { return strings.Contains(s.Text, text) })
}

// count is how many of xs f holds for.
func count[T any](xs []T, f func(T) bool) int {
	n := 0
	for _, x := range xs {
		if f(x) {
			n++
		}
	}
	return n
}
