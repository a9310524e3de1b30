package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// A status post whose answer is lost after the server made it (the
// connection dropped) is confirmed, not posted again, on each network —
// on Mastodon as GoToSocial, which ignores Idempotency-Key, so the
// account's own statuses are read to find it.
func TestStatusPostAnswerLost(t *testing.T) {
	post := func(path string) func(*http.Request) bool {
		return func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == path }
	}
	for _, c := range []struct {
		name      string
		net       social.Network
		account   string
		intercept func(n *fakenet.Nets, mw func(http.Handler) http.Handler)
		isCreate  func(*http.Request) bool
		made      func(n *fakenet.Nets, text string) int
	}{
		{"mastodon", social.Mastodon, fakenet.MastodonAccount,
			func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Mastodon.Intercept(mw) },
			post("/api/v1/statuses"), mastodonMade},
		{"bluesky", social.Bluesky, fakenet.BlueskyAccount,
			func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.Bluesky.Intercept(mw) },
			post("/xrpc/com.atproto.repo.createRecord"),
			func(n *fakenet.Nets, text string) int {
				return count(n.Bluesky.Records(), func(r fakenet.Record) bool { return strings.Contains(string(r.Record), text) })
			}},
		{"x", social.X, fakenet.XAccount,
			func(n *fakenet.Nets, mw func(http.Handler) http.Handler) { n.X.Intercept(mw) },
			post("/2/tweets"),
			func(n *fakenet.Nets, text string) int {
				return count(n.X.Created(), func(tw fakenet.Tweet) bool { return strings.Contains(tw.Text, text) })
			}},
	} {
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
