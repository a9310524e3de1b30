package e2e

import (
	"context"
	"net/http"
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
				if st.Visibility == "public" && st.InReplyToID != "" && containsText(st.Text, text) {
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

func containsText(s, text string) bool {
	return len(s) >= len(text) && s[len(s)-len(text):] == text
}

// lostAnswer is a ResponseWriter that throws the answer away.
type lostAnswer struct{}

func (lostAnswer) Header() http.Header         { return http.Header{} }
func (lostAnswer) Write(b []byte) (int, error) { return len(b), nil }
func (lostAnswer) WriteHeader(int)             {}
