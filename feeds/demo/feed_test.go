package demo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
)

func TestPollAtStart(t *testing.T) {
	f, _ := newTestFeed(t)
	b, err := f.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) < 18 || len(b.Posts) > 22 || b.More {
		t.Fatalf("first poll: %d posts, More %v; want about 20 and no more", len(b.Posts), b.More)
	}
	for i, p := range b.Posts {
		if p.CreatedAt.After(testStart) {
			t.Errorf("post %s created %v, after start", p.RemoteID, p.CreatedAt)
		}
		if i > 0 && p.CreatedAt.Before(b.Posts[i-1].CreatedAt) {
			t.Errorf("post %s is out of order", p.RemoteID)
		}
	}
	again, err := f.Poll(context.Background(), b.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Posts) != 0 || again.More || again.Cursor != b.Cursor {
		t.Errorf("second poll at the same instant: %v, More %v, cursor %q -> %q", ids(again.Posts), again.More, b.Cursor, again.Cursor)
	}
}

// replay polls once a second from start until the script has run out and
// returns the ids in the order delivered and every cursor handed out.
func replay(t *testing.T) (got, cursors []string) {
	t.Helper()
	f, c := newTestFeed(t)
	cur := ""
	for c.Now().Before(f.LastArrival().Add(2 * time.Second)) {
		b, err := f.Poll(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		if b.More {
			t.Fatalf("More at %v with %d posts: the batch is not capped here", c.Now(), len(b.Posts))
		}
		for _, p := range b.Posts {
			if p.CreatedAt.After(c.Now()) {
				t.Errorf("post %s delivered at %v before it arrives at %v", p.RemoteID, c.Now(), p.CreatedAt)
			}
			if p.CreatedAt.After(testStart) && c.Now().Sub(p.CreatedAt) >= time.Second {
				t.Errorf("post %s delivered %v late", p.RemoteID, c.Now().Sub(p.CreatedAt))
			}
		}
		got = append(got, ids(b.Posts)...)
		cursors = append(cursors, b.Cursor)
		cur = b.Cursor
		c.Advance(time.Second)
	}
	return got, cursors
}

func TestPollReplayDeterministic(t *testing.T) {
	f, _ := newTestFeed(t)
	var want []string
	for _, e := range f.script {
		want = append(want, e.post.RemoteID)
	}
	got, cursors := replay(t)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered\n%v\nwant (once each, in arrival order)\n%v", got, want)
	}
	got2, cursors2 := replay(t)
	if !slices.Equal(got2, got) || !slices.Equal(cursors2, cursors) {
		t.Error("two runs with the same clock differ")
	}
}

func TestPollCapsBatches(t *testing.T) {
	f, c := newTestFeed(t)
	c.Set(f.LastArrival())
	total := len(f.script)
	if total <= MaxBatch {
		t.Fatalf("script of %d posts cannot exercise the cap", total)
	}
	b1, err := f.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b1.Posts) != MaxBatch || !b1.More {
		t.Fatalf("first batch: %d posts, More %v; want %d and More", len(b1.Posts), b1.More, MaxBatch)
	}
	b2, err := f.Poll(context.Background(), b1.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Posts) != total-MaxBatch || b2.More {
		t.Fatalf("second batch: %d posts, More %v; want %d and no more", len(b2.Posts), b2.More, total-MaxBatch)
	}
	b3, err := f.Poll(context.Background(), b2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b3.Posts) != 0 || b3.More || b3.Cursor != b2.Cursor {
		t.Fatalf("third batch: %v More %v cursor %q", ids(b3.Posts), b3.More, b3.Cursor)
	}
	all := append(ids(b1.Posts), ids(b2.Posts)...)
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Errorf("post %s delivered twice", id)
		}
		seen[id] = true
	}
	if len(seen) != total {
		t.Errorf("delivered %d distinct posts, want %d", len(seen), total)
	}
}

func TestPollCursors(t *testing.T) {
	f, c := newTestFeed(t)
	c.Set(f.LastArrival())
	total := len(f.script)
	tests := []struct {
		cursor     string
		wantFirst  string // first post delivered ("" = none)
		wantN      int
		wantCursor string
	}{
		{"", f.script[0].post.RemoteID, MaxBatch, "50"},
		{"0", f.script[0].post.RemoteID, MaxBatch, "50"},
		{"60", f.script[60].post.RemoteID, total - 60, "69"},
		{"69", "", 0, "69"},
		{"9999", "", 0, "69"},
		{"60;nonsense,sky-999-fu", f.script[60].post.RemoteID, total - 60, "69"},
		{"60;sky-001-fu", f.script[60].post.RemoteID, total - 60, "69;sky-001-fu"},
		{"-4", f.script[0].post.RemoteID, MaxBatch, "50"},
		{"garbage", f.script[0].post.RemoteID, MaxBatch, "50"},
		{"mastodon:113", f.script[0].post.RemoteID, MaxBatch, "50"},
	}
	if total != 69 {
		t.Fatalf("table written for 69 scripted posts, have %d", total)
	}
	for _, tt := range tests {
		t.Run(tt.cursor, func(t *testing.T) {
			b, err := f.Poll(context.Background(), tt.cursor)
			if err != nil {
				t.Fatal(err)
			}
			first := ""
			if len(b.Posts) > 0 {
				first = b.Posts[0].RemoteID
			}
			if first != tt.wantFirst || len(b.Posts) != tt.wantN || b.Cursor != tt.wantCursor {
				t.Errorf("Poll(%q) = first %q, %d posts, cursor %q; want %q, %d, %q",
					tt.cursor, first, len(b.Posts), b.Cursor, tt.wantFirst, tt.wantN, tt.wantCursor)
			}
		})
	}
}

func TestPollBeforeStart(t *testing.T) {
	f, c := newTestFeed(t)
	c.Set(testStart.Add(-2 * time.Hour))
	b, err := f.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || b.More || b.Cursor != "0" {
		t.Errorf("poll before anything arrived: %v More %v cursor %q", ids(b.Posts), b.More, b.Cursor)
	}
}

func TestCanceledContext(t *testing.T) {
	f, _ := newTestFeed(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := scripted(t, f, "sky-001")
	if _, err := f.Poll(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Poll: %v", err)
	}
	if _, err := f.Thread(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("Thread: %v", err)
	}
	if _, err := f.Send(ctx, social.Reply{To: p, Text: "hi"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send: %v", err)
	}
	if _, _, err := f.Confirm(ctx, social.Reply{Key: "k"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Confirm: %v", err)
	}
	if _, err := f.Verify(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify: %v", err)
	}
}

// TestThreadIntegrity checks every delivered post against the posts
// delivered before it and against Thread.
func TestThreadIntegrity(t *testing.T) {
	f, c := newTestFeed(t)
	c.Set(f.LastArrival())
	posts, _ := drain(t, f, "")
	seen := map[string]social.Post{}
	for _, p := range posts {
		for _, ref := range []string{p.ReplyTo, p.ThreadRoot} {
			if ref == "" {
				continue
			}
			q, ok := seen[ref]
			if !ok || q.Account != p.Account || q.Network != p.Network {
				t.Errorf("%s refers to %q, not an earlier post of account %q", p.RemoteID, ref, p.Account)
			}
		}
		seen[p.RemoteID] = p

		th, err := f.Thread(context.Background(), p)
		if err != nil {
			t.Fatalf("Thread(%s): %v", p.RemoteID, err)
		}
		if !slices.Contains(ids(th), p.RemoteID) {
			t.Errorf("Thread(%s) = %v lacks the post", p.RemoteID, ids(th))
		}
		for i, q := range th {
			if q.Account != p.Account || q.Direct != p.Direct {
				t.Errorf("Thread(%s) holds %s of account %q (direct %v)", p.RemoteID, q.RemoteID, q.Account, q.Direct)
			}
			if !p.Direct && rootOf(q) != rootOf(p) {
				t.Errorf("Thread(%s) holds %s of thread %q", p.RemoteID, q.RemoteID, rootOf(q))
			}
			if i > 0 && q.CreatedAt.Before(th[i-1].CreatedAt) {
				t.Errorf("Thread(%s) is out of order at %s", p.RemoteID, q.RemoteID)
			}
		}
	}

	th, err := f.Thread(context.Background(), scripted(t, f, "sky-001"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sky-001", "sky-003", "sky-017"}; !slices.Equal(ids(th), want) {
		t.Errorf("Thread(sky-001) = %v, want %v", ids(th), want)
	}
	th, err = f.Thread(context.Background(), scripted(t, f, "nw-016"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"nw-002", "nw-008", "nw-016"}; !slices.Equal(ids(th), want) {
		t.Errorf("Thread(nw-016) = %v, want %v", ids(th), want)
	}
}

func TestThreadUnknownPost(t *testing.T) {
	f, _ := newTestFeed(t)
	for _, id := range []string{"nope", "sky-026" /* not arrived yet */, "sky-001-fu" /* not scheduled */, ""} {
		_, err := f.Thread(context.Background(), social.Post{Network: social.Demo, Account: AccountSkylark, RemoteID: id})
		wantPermanent(t, err)
	}
}

func TestVerify(t *testing.T) {
	f, _ := newTestFeed(t)
	a, err := f.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := BrandAuthor(AccountSkylark)
	if a != want || a.Name() != "Skylark Air" {
		t.Errorf("Verify = %+v, want %+v", a, want)
	}
	if f.ID() != "demo" {
		t.Errorf("ID = %q", f.ID())
	}
}

func TestCount(t *testing.T) {
	f, _ := newTestFeed(t)
	tests := []struct {
		text     string
		direct   bool
		n, limit int
	}{
		{"", false, 0, 500},
		{"hello", false, 5, 500},
		{"hello", true, 5, 1000},
		{"Dziękuję", false, 8, 500},
		{"👨‍👩‍👧 ok", false, 4, 500}, // one family emoji, a space, two letters
		{"e\u0301", false, 1, 500},  // e + combining acute
		{"🇪🇪🇭🇺", true, 2, 1000},     // two flags
		{strings.Repeat("ő", 501), false, 501, 500},
	}
	for _, tt := range tests {
		n, limit := f.Count(tt.text, tt.direct)
		if n != tt.n || limit != tt.limit {
			t.Errorf("Count(%q, %v) = %d, %d; want %d, %d", tt.text, tt.direct, n, limit, tt.n, tt.limit)
		}
	}
}

func FuzzPollCursor(f *testing.F) {
	for _, s := range []string{"", "0", "20", "69", "60;sky-001-fu", "5;a,b,,", "-1", "x;y"} {
		f.Add(s, int64(90))
	}
	f.Fuzz(func(t *testing.T, cur string, secs int64) {
		c := testkit.NewClock(testStart.Add(time.Duration(secs%400) * time.Second))
		feed := New(testStart, c.Now)
		b, err := feed.Poll(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Posts) > MaxBatch {
			t.Fatalf("%d posts in one batch", len(b.Posts))
		}
		for _, p := range b.Posts {
			if p.CreatedAt.After(c.Now()) {
				t.Fatalf("post %s from the future", p.RemoteID)
			}
		}
		// The cursor handed out is understood as itself.
		again, err := feed.Poll(context.Background(), b.Cursor)
		if err != nil {
			t.Fatal(err)
		}
		if !b.More && (len(again.Posts) != 0 || again.Cursor != b.Cursor) {
			t.Fatalf("re-poll with %q gave %v, cursor %q", b.Cursor, ids(again.Posts), again.Cursor)
		}
	})
}
