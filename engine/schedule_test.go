package engine

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// countingNet records every send (by text) and dedupes by key as the
// networks do.
type countingNet struct {
	mu    sync.Mutex
	sends []social.Reply
}

func (n *countingNet) Send(_ context.Context, r social.Reply) (social.Sent, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sends = append(n.sends, r)
	return social.Sent{RemoteID: "out-" + r.Key}, nil
}

func (n *countingNet) count() int { n.mu.Lock(); defer n.mu.Unlock(); return len(n.sends) }

// schedEngine opens an engine on path with one customer conversation "1".
func schedEngine(t *testing.T, path string, clk *testkit.Clock, net *countingNet, src *staticSource) (*Engine, store.Store) {
	t.Helper()
	st, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{Store: st, Now: clk.Now, Feeds: []Feed{{Source: src, Network: "t", Account: "a"}},
		Accounts: []Account{{Network: "t", Name: "a", Brand: "Acme", Sender: net}}})
	return e, st
}

// sched is an engine on a fresh store (at path) with one customer
// conversation "1" (post p1, at start), polled once.
type sched struct {
	clk  *testkit.Clock
	net  *countingNet
	src  *staticSource
	e    *Engine
	st   store.Store
	path string
}

func newSched(t *testing.T) *sched {
	t.Helper()
	s := &sched{clk: testkit.NewClock(start), net: &countingNet{}, path: filepath.Join(t.TempDir(), "e.db")}
	first := customer("p1", start)
	first.ThreadRoot, first.ReplyTo = "", ""
	s.src = &staticSource{posts: []social.Post{first}}
	s.e, s.st = schedEngine(t, s.path, s.clk, s.net, s.src)
	s.e.PollOnce(context.Background())
	return s
}

func customer(id string, at time.Time) social.Post {
	return social.Post{Network: "t", Account: "a", RemoteID: id, Author: social.Author{Handle: "@olivia"}, Text: "hello " + id,
		CreatedAt: at, Kind: social.KindMention, ThreadRoot: "p1", ReplyTo: "p1"}
}

// A scheduled reply stays in the outbox until its time, survives a
// restart in between, and goes out once when due.
func TestScheduledReplyGoesOutOnceAfterRestart(t *testing.T) {
	s := newSched(t)
	clk, net, src, e, st, path := s.clk, s.net, s.src, s.e, s.st, s.path
	at := start.Add(5 * 24 * time.Hour)
	ent, err := e.Reply(t.Context(), "1", "Did the replacement arrive?", ReplyOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	if ent.State != store.OutScheduled || !ent.SendAt.Equal(at) {
		t.Fatalf("entry %+v", ent)
	}
	if next := e.Deliver(context.Background()); !next.Equal(at) || net.count() != 0 {
		t.Fatalf("before its time: next %v, %d sends", next, net.count())
	}
	st.Close() // hark quits

	clk.Advance(6 * 24 * time.Hour)
	e, st = schedEngine(t, path, clk, net, src)
	defer st.Close()
	e.Deliver(context.Background())
	e.Deliver(context.Background())
	if net.count() != 1 || net.sends[0].Text != "Did the replacement arrive?" || net.sends[0].To.RemoteID != "p1" {
		t.Fatalf("sends %+v", net.sends)
	}
	got, _ := st.OutboxEntry(context.Background(), ent.Seq)
	if got.State != store.OutSent {
		t.Fatalf("after its time: %+v", got)
	}
}

// A due scheduled message is cancelled when the conversation moved on,
// unless the operator said send anyway.
func TestScheduledCancelledWhenConversationMovedOn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		meanwhil func(e *Engine, src *staticSource)
		anyway   bool
		sent     bool
		reason   string
	}{
		{"nothing happened", func(*Engine, *staticSource) {}, false, true, ""},
		{"customer wrote again", func(e *Engine, src *staticSource) {
			src.posts = []social.Post{customer("p2", start.Add(time.Hour))}
			e.PollOnce(context.Background())
		}, false, false, "wrote again"},
		{"customer wrote again, send anyway", func(e *Engine, src *staticSource) {
			src.posts = []social.Post{customer("p2", start.Add(time.Hour))}
			e.PollOnce(context.Background())
		}, true, true, ""},
		{"answered", func(e *Engine, _ *staticSource) {
			if _, err := e.Reply(t.Context(), "1", "a quick answer now", ReplyOptions{}); err != nil {
				panic(err)
			}
			e.Deliver(context.Background())
		}, false, false, "was answered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSched(t)
			clk, net, src, e, st := s.clk, s.net, s.src, s.e, s.st
			defer st.Close()
			clk.Advance(time.Minute)
			ent, err := e.Reply(t.Context(), "1", "Happy birthday!", ReplyOptions{At: start.Add(48 * time.Hour), SendAnyway: tc.anyway})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(2 * time.Hour)
			tc.meanwhil(e, src)
			events, stop := e.Subscribe()
			defer stop()
			clk.Advance(48 * time.Hour)
			e.Deliver(context.Background())
			got, _ := st.OutboxEntry(context.Background(), ent.Seq)
			sentBirthday := false
			for _, r := range net.sends {
				sentBirthday = sentBirthday || r.Text == "Happy birthday!"
			}
			if sentBirthday != tc.sent {
				t.Fatalf("sent %v, want %v (%+v)", sentBirthday, tc.sent, got)
			}
			if tc.sent {
				if got.State != store.OutSent {
					t.Fatalf("state %s", got.State)
				}
				return
			}
			if got.State != store.OutCancelled || !strings.Contains(got.LastError, tc.reason) {
				t.Fatalf("want cancelled (%s): %+v", tc.reason, got)
			}
			// the operator is told
			select {
			case ev := <-events:
				if ev.Kind != EvDelivery || ev.Outbox == nil || ev.Outbox.State != store.OutCancelled {
					t.Fatalf("event %+v", ev)
				}
			default:
				t.Fatal("no event for the cancellation")
			}
			// and it never goes out later
			clk.Advance(24 * time.Hour)
			e.Deliver(context.Background())
			for _, r := range net.sends {
				if r.Text == "Happy birthday!" {
					t.Fatal("a cancelled message went out")
				}
			}
		})
	}
}

// Until it goes, a scheduled message can be edited, moved and cancelled;
// a time in the past is refused; a sent one cannot be changed.
func TestScheduledEditMoveCancel(t *testing.T) {
	s := newSched(t)
	clk, net, e, st := s.clk, s.net, s.e, s.st
	defer st.Close()
	if _, err := e.Reply(t.Context(), "1", "too late", ReplyOptions{At: start.Add(-time.Minute)}); err == nil {
		t.Fatal("a time in the past was accepted")
	}
	a, err := e.Reply(t.Context(), "1", "first text", ReplyOptions{At: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.Reply(t.Context(), "1", "to cancel", ReplyOptions{At: start.Add(time.Hour)})
	key := a.Reply.Key
	if a, err = e.EditScheduled(t.Context(), a.Seq, "second text"); err != nil || a.Reply.Text != "second text" || a.Reply.Key == key {
		t.Fatalf("edit: %+v %v", a, err)
	}
	if _, err := e.EditScheduled(t.Context(), a.Seq, "  "); err == nil {
		t.Fatal("an empty text was accepted")
	}
	if a, err = e.Reschedule(t.Context(), a.Seq, start.Add(3*time.Hour)); err != nil || !a.SendAt.Equal(start.Add(3*time.Hour)) {
		t.Fatalf("move: %+v %v", a, err)
	}
	if _, err := e.Reschedule(t.Context(), a.Seq, start.Add(-time.Hour)); err == nil {
		t.Fatal("moved into the past")
	}
	if a, err = e.SetSendAnyway(t.Context(), a.Seq, true); err != nil || !a.SendAnyway {
		t.Fatalf("anyway: %+v %v", a, err)
	}
	if _, err := e.Discard(t.Context(), b.Seq); err != nil {
		t.Fatal(err)
	}
	list, _ := e.Scheduled(t.Context())
	if len(list) != 1 || list[0].Seq != a.Seq {
		t.Fatalf("scheduled list %+v", list)
	}
	clk.Advance(2 * time.Hour) // b's old time: nothing goes
	e.Deliver(context.Background())
	if net.count() != 0 {
		t.Fatalf("sent %+v", net.sends)
	}
	clk.Advance(2 * time.Hour)
	e.Deliver(context.Background())
	if net.count() != 1 || net.sends[0].Text != "second text" {
		t.Fatalf("sent %+v", net.sends)
	}
	if _, err := e.EditScheduled(t.Context(), a.Seq, "third"); err == nil {
		t.Fatal("a sent message was edited")
	}
	// "send now": a move to zero
	c, _ := e.Reply(t.Context(), "1", "later", ReplyOptions{At: clk.Now().Add(time.Hour)})
	if _, err := e.Reschedule(t.Context(), c.Seq, time.Time{}); err != nil {
		t.Fatal(err)
	}
	e.Deliver(context.Background())
	if net.count() != 2 {
		t.Fatalf("send now: %d sends", net.count())
	}
}

// A cancelled scheduled message can be sent all the same (Retry) or
// discarded.
func TestCancelledScheduledCanBeSentAnyway(t *testing.T) {
	s := newSched(t)
	clk, net, src, e, st := s.clk, s.net, s.src, s.e, s.st
	defer st.Close()
	clk.Advance(time.Minute)
	ent, _ := e.Reply(t.Context(), "1", "Happy birthday!", ReplyOptions{At: start.Add(24 * time.Hour)})
	clk.Advance(time.Hour)
	src.posts = []social.Post{customer("p2", clk.Now())}
	e.PollOnce(context.Background())
	clk.Advance(24 * time.Hour)
	e.Deliver(context.Background())
	if got, _ := st.OutboxEntry(context.Background(), ent.Seq); got.State != store.OutCancelled {
		t.Fatalf("not cancelled: %+v", got)
	}
	if _, err := e.Retry(t.Context(), ent.Seq, ""); err != nil {
		t.Fatal(err)
	}
	e.Deliver(context.Background())
	if got, _ := st.OutboxEntry(context.Background(), ent.Seq); got.State != store.OutSent || net.count() != 1 {
		t.Fatalf("sent anyway: %+v, %d sends", got, net.count())
	}
}

// A reply written before the scheduled message but sent after it (held in
// its undo window) is not an answer "since": the scheduled one still goes.
func TestScheduledNotCancelledByAReplyQueuedBefore(t *testing.T) {
	s := newSched(t)
	clk, net, e, st := s.clk, s.net, s.e, s.st
	defer st.Close()
	clk.Advance(time.Minute)
	if _, err := e.Reply(t.Context(), "1", "We're on it.", ReplyOptions{Hold: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	sched, err := e.Reply(t.Context(), "1", "Did the replacement arrive?", ReplyOptions{At: clk.Now().Add(5 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Second)
	e.Deliver(context.Background()) // the held reply goes now
	clk.Advance(6 * 24 * time.Hour)
	e.Deliver(context.Background())
	got, _ := st.OutboxEntry(context.Background(), sched.Seq)
	if got.State != store.OutSent || net.count() != 2 {
		t.Fatalf("scheduled: %+v (%d sends)", got, net.count())
	}
}
