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
	cases := append(answerLostNets(false), answerLostNets(true)...)
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

// answerLostNet is one network a lost-answer test runs on: how a
// middleware is put in front of its fake, which request creates the post
// (with dm: the direct message) and how many copies of a text the fake
// holds.
type answerLostNet struct {
	name      string
	net       social.Network
	account   string
	dm        bool
	intercept func(n *fakenet.Nets, mw func(http.Handler) http.Handler)
	isCreate  func(*http.Request) bool
	made      func(n *fakenet.Nets, text string) int
}

// answerLostNets are Mastodon, Bluesky and X, sending in public or, with
// dm, directly (the cases are named "<network>-dm").
func answerLostNets(dm bool) []answerLostNet {
	suffix := ""
	if dm {
		suffix = "-dm"
	}
	bsky := answerLostNet{name: "bluesky" + suffix, net: social.Bluesky, account: fakenet.BlueskyAccount, dm: dm,
		intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Bluesky.Intercept(mw) },
		isCreate:  fakenet.BlueskyCrashCalls(dm).IsCreate,
		made: func(n *fakenet.Nets, text string) int {
			return count(n.Bluesky.Records(), func(r fakenet.Record) bool { return strings.Contains(string(r.Record), text) })
		}}
	x := answerLostNet{name: "x" + suffix, net: social.X, account: fakenet.XAccount, dm: dm,
		intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.X.Intercept(mw) },
		isCreate:  fakenet.XCrashCalls(dm).IsCreate,
		made: func(n *fakenet.Nets, text string) int {
			return count(n.X.Created(), func(tw fakenet.Tweet) bool { return strings.Contains(tw.Text, text) })
		}}
	if dm {
		bsky.made = func(n *fakenet.Nets, text string) int {
			return count(n.Bluesky.Messages(), func(m fakenet.ChatMessage) bool { return m.Text == text })
		}
		x.made = func(n *fakenet.Nets, text string) int {
			return count(n.X.DMs(), func(m fakenet.DM) bool { return m.Text == text })
		}
	}
	mastodon := answerLostNet{name: "mastodon" + suffix, net: social.Mastodon, account: fakenet.MastodonAccount, dm: dm,
		intercept: func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Mastodon.Intercept(mw) },
		isCreate:  func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses" },
		made:      mastodonMade}
	return []answerLostNet{mastodon, bsky, x}
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

// TestIdenticalRepliesPostedOnceEach: three replies with the same text to
// the same post, on a server that ignores Idempotency-Key (GoToSocial) and
// loses the answer to the first creates (the status is made, hark gets a
// 502). Each reply must end as exactly one public post of its own: the
// confirmation of an uncertain send looks at every matching post and takes
// one no other outbox entry owns, so it neither re-sends what went out nor
// claims another entry's post (issue 16: 3 such replies gave 8 posts).
func TestIdenticalRepliesPostedOnceEach(t *testing.T) {
	for _, lose := range []int{1, 3, 5} {
		t.Run(map[int]string{1: "first answer lost", 3: "three answers lost", 5: "five answers lost"}[lose], func(t *testing.T) {
			w := newWorld(t)
			m := w.nets.Mastodon
			m.IgnoreIdempotencyKey(true)
			var mu sync.Mutex
			lost := 0
			m.Intercept(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
					mu.Lock()
					drop := r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses" && lost < lose
					if drop {
						lost++
					}
					mu.Unlock()
					if drop {
						next.ServeHTTP(lostAnswer{}, r) // the status is created…
						rw.WriteHeader(http.StatusBadGateway)
						return // …and the answer lost
					}
					next.ServeHTTP(rw, r)
				})
			})
			clk := testkit.NewClock(time.Now())
			ctx := context.Background()
			a := w.openApp(t, ctx, app.Options{Now: clk.Now})
			defer a.Close()
			pollAll(t, ctx, a)
			target := publicConv(t, a, social.Mastodon, fakenet.MastodonAccount)
			const text = "Thanks, we have rebooked you on the next flight."
			var seqs []uint64
			for range 3 {
				ent, err := a.Engine.Reply(t.Context(), target.ID, text, engine.ReplyOptions{})
				if err != nil {
					t.Fatal(err)
				}
				seqs = append(seqs, ent.Seq)
			}
			for round := 0; round < 12; round++ {
				a.Engine.Deliver(ctx)
				clk.Advance(time.Hour) // past any backoff
			}
			posts := map[string]bool{}
			for _, st := range m.Created() {
				if st.Visibility == "public" && st.InReplyToID != "" && strings.HasSuffix(st.Text, text) {
					posts[st.ID] = true
				}
			}
			owners := map[string]uint64{}
			for _, seq := range seqs {
				e, err := a.Store.OutboxEntry(context.Background(), seq)
				if err != nil {
					t.Fatal(err)
				}
				if e.State != store.OutSent {
					t.Errorf("reply %d: %s (%s), want sent", seq, e.State, e.LastError)
					continue
				}
				if other, dup := owners[e.Sent.RemoteID]; dup {
					t.Errorf("replies %d and %d both claim post %s", other, seq, e.Sent.RemoteID)
				}
				owners[e.Sent.RemoteID] = seq
				if !posts[e.Sent.RemoteID] {
					t.Errorf("reply %d is recorded as post %s, which the server does not have", seq, e.Sent.RemoteID)
				}
			}
			t.Logf("%d answers lost: 3 replies, %d public posts (one per reply: %v)", lost, len(posts), len(posts) == 3)
			if len(posts) != 3 {
				t.Errorf("the server holds %d posts with the text, want 3 (one per reply)", len(posts))
			}
		})
	}
}

// lostAnswer is a ResponseWriter that throws the answer away.
type lostAnswer struct{}

func (lostAnswer) Header() http.Header         { return http.Header{} }
func (lostAnswer) Write(b []byte) (int, error) { return len(b), nil }
func (lostAnswer) WriteHeader(int)             {}

// A status post whose answer is lost after the server made it (the
// connection dropped) is confirmed, not posted again, on each network —
// on Mastodon as GoToSocial, which ignores Idempotency-Key, so the
// account's own statuses are read to find it.
func TestStatusPostAnswerLost(t *testing.T) {
	for _, c := range answerLostNets(false) {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.nets.Mastodon.IgnoreIdempotencyKey(true) // as GoToSocial
			clk := testkit.NewClock(time.Now())
			d := &dropOnce{isCreate: c.isCreate, seen: map[string]bool{}}
			c.intercept(w.nets, d.mw)
			ctx := context.Background()
			a := w.openApp(t, ctx, app.Options{Now: clk.Now})
			defer a.Close()
			a.Engine.PollOnce(ctx)
			text := "Our checkout is down; we are on it. Updates here. (" + c.name + ")"
			st, err := a.Engine.PostStatus(t.Context(), fakenet.Brand, text, engine.StatusOptions{
				Targets: []engine.StatusTarget{{Network: c.net, Account: c.account}}})
			if err != nil {
				t.Fatal(err)
			}
			a.Engine.Deliver(ctx)
			clk.Advance(time.Hour) // past the backoff
			a.Engine.Deliver(ctx)
			st, _ = store.Status(context.Background(), a.Store, st.ID)
			if it := st.Items[0]; it.State != store.OutSent || it.RemoteID == "" {
				t.Fatalf("status copy %+v", it)
			}
			if !d.dropped {
				t.Fatal("the create never reached the fake")
			}
			if n := c.made(w.nets, text); n != 1 {
				t.Errorf("the server holds %d copies of the status post, want 1", n)
			}
			if c.net == social.Mastodon {
				if ms := w.nets.Mastodon.Created(); ms[len(ms)-1].InReplyToID != "" {
					t.Error("the status post went out as a reply")
				}
			}
		})
	}
}

// hark post, hark statuses and hark post --resolve from the command line.
func TestPostCommand(t *testing.T) {
	w := newWorld(t)
	if _, _, err := w.hark(t, "poll", "--once"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"post", "no brand"}, "--brand is required"},
		{[]string{"post", "--brand", fakenet.Brand, "--account", "nope", "x"}, "not an account of"},
		{[]string{"post", "--brand", fakenet.Brand, "--image", "/nonexistent.png", "x"}, "every image needs its alt text"},
		{[]string{"post", "--brand", fakenet.Brand}, "usage: hark post"},
	} {
		if _, _, err := w.hark(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("hark %v: %v, want %q", tc.args, err, tc.want)
		}
	}
	out, _, err := w.hark(t, "post", "--brand", fakenet.Brand, "--account", fakenet.MastodonAccount, "Checkout is down; we are on it.")
	if err != nil || !strings.Contains(out, "sent on mastodon/"+fakenet.MastodonAccount+": http") || !strings.Contains(out, " of Acme Coffee") {
		t.Fatalf("hark post: %v\n%s", err, out)
	}
	id := strings.Fields(out[strings.Index(out, "status "):])[1] // "status ID of Acme Coffee"
	ms := w.nets.Mastodon.Created()
	status := ms[len(ms)-1]
	if status.InReplyToID != "" || !strings.HasPrefix(status.Text, "Checkout is down; we are on it.") || !strings.HasSuffix(status.Text, "^JD") {
		t.Fatalf("the status: %+v", status)
	}
	out, _, err = w.hark(t, "statuses")
	if err != nil || !strings.Contains(out, "Checkout is down") || !strings.Contains(out, "mastodon/"+fakenet.MastodonAccount+"\tsent\thttp") {
		t.Fatalf("hark statuses: %v\n%s", err, out)
	}
	out, _, err = w.hark(t, "post", "--resolve", id, "--no-signature", "Checkout works again. Thanks for your patience!")
	if err != nil || !strings.Contains(out, "sent on mastodon/") {
		t.Fatalf("hark post --resolve: %v\n%s", err, out)
	}
	ms = w.nets.Mastodon.Created()
	if fu := ms[len(ms)-1]; fu.InReplyToID != status.ID || fu.Text != "Checkout works again. Thanks for your patience!" {
		t.Fatalf("the follow-up: %+v (status %s)", fu, status.ID)
	}
	if _, _, err := w.hark(t, "post", "--resolve", id, "again"); err == nil || !strings.Contains(err.Error(), "already resolved") {
		t.Errorf("resolved twice: %v", err)
	}
}
