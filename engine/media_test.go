package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/attach"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// imageNet uploads (counted) and posts; the first failSends posts fail
// after reaching nobody (a 502).
type imageNet struct {
	mu        sync.Mutex
	uploads   int
	failSends int
	posts     []social.Reply
}

func (n *imageNet) Upload(_ context.Context, r social.Reply, i int) (string, error) {
	if _, err := attach.Read(r.Attachments[i], 1<<20); err != nil {
		return "", err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.uploads++
	return "media-" + string(rune('0'+n.uploads)), nil
}

func (n *imageNet) Send(_ context.Context, r social.Reply) (social.Sent, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failSends > 0 {
		n.failSends--
		return social.Sent{}, &social.Error{Kind: social.RateLimited, Status: 429, Msg: "slow down"}
	}
	n.posts = append(n.posts, r)
	return social.Sent{RemoteID: "p" + r.Key}, nil
}

func (n *imageNet) MediaLimit() (int64, int) { return 1 << 20, 2 }

// An image is uploaded once: a failed send, a restart and a retry reuse
// the upload recorded in the outbox entry.
func TestImageUploadedOnce(t *testing.T) {
	clk := testkit.NewClock(start)
	path := filepath.Join(t.TempDir(), "e.db")
	net := &imageNet{failSends: 1}
	first := customer("p1", start)
	first.ThreadRoot, first.ReplyTo = "", ""
	open := func() (*Engine, store.Store) {
		st, err := store.Open(path, store.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return New(Options{Store: st, Now: clk.Now, Feeds: []Feed{{Source: &staticSource{posts: []social.Post{first}}, Network: "t", Account: "a"}},
			Accounts: []Account{{Network: "t", Name: "a", Brand: "Acme", Sender: net}}}), st
	}
	e, st := open()
	e.PollOnce(context.Background())
	img, err := attach.Check(testkit.PNG(t, "form.png", 4, 3), "The completed claim form", 0)
	if err != nil || img.MIME != "image/png" || img.Width != 4 || img.Height != 3 {
		t.Fatalf("check: %+v %v", img, err)
	}
	ent, err := e.Reply(t.Context(), "1", "Here is the form, filled in.", ReplyOptions{Attachments: []social.Attachment{img}})
	if err != nil {
		t.Fatal(err)
	}
	e.Deliver(context.Background()) // uploads, then the post is refused
	got, _ := st.OutboxEntry(context.Background(), ent.Seq)
	if net.uploads != 1 || len(net.posts) != 0 || got.State != store.OutQueued || got.Reply.Attachments[0].Ref != "media-1" {
		t.Fatalf("after the failed send: %d uploads, %d posts, %+v", net.uploads, len(net.posts), got)
	}
	st.Close() // hark quits
	clk.Advance(time.Hour)
	e, st = open()
	defer st.Close()
	e.Deliver(context.Background())
	if net.uploads != 1 || len(net.posts) != 1 {
		t.Fatalf("after the retry: %d uploads, %d posts", net.uploads, len(net.posts))
	}
	if a := net.posts[0].Attachments; len(a) != 1 || a[0].Ref != "media-1" || a[0].Alt != "The completed claim form" {
		t.Fatalf("posted with %+v", a)
	}
	// the brand's post in the conversation shows the image
	posts, _ := st.Posts(context.Background(), "1")
	last := posts[len(posts)-1]
	if last.Kind != social.KindOwn || len(last.Media) != 1 || last.Media[0].Alt != "The completed claim form" {
		t.Fatalf("own post %+v", last)
	}
}

func TestAttachmentChecks(t *testing.T) {
	clk := testkit.NewClock(start)
	net := &imageNet{}
	e, st := schedEngine(t, filepath.Join(t.TempDir(), "e.db"), clk, &countingNet{}, &staticSource{posts: []social.Post{customer("p1", start)}})
	defer st.Close()
	e.o.Accounts[0].Sender = net
	e.accounts["t/a"].Sender = net
	e.PollOnce(context.Background())
	good := testkit.PNG(t, "form.png", 2, 2)
	text := testkit.WriteFile(t, t.TempDir(), "notes.txt", "hello, not an image")
	for _, tc := range []struct {
		name, path, alt, want string
		limit                 int64
	}{
		{"no alt", good, "  ", "alt text is required", 0},
		{"missing", filepath.Join(t.TempDir(), "nope.png"), "x", "no such file", 0},
		{"a folder", t.TempDir(), "x", "not a regular file", 0},
		{"not an image", text, "x", "not an image", 0},
		{"too big", good, "x", "at most 10", 10},
	} {
		if _, err := attach.Check(tc.path, tc.alt, tc.limit); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	img, _ := attach.Check(good, "a", 0)
	if _, err := e.Reply(t.Context(), "1", "x", ReplyOptions{Attachments: []social.Attachment{img, img, img}}); err == nil || !strings.Contains(err.Error(), "at most 2") {
		t.Errorf("three images on a network that takes two: %v", err)
	}
	if _, err := e.Reply(t.Context(), "1", "x", ReplyOptions{Direct: true, Attachments: []social.Attachment{img}}); err == nil {
		t.Error("an image in a DM was accepted")
	}
	os.Remove(good)
	if _, err := e.Reply(t.Context(), "1", "x", ReplyOptions{Attachments: []social.Attachment{img}}); err == nil {
		t.Error("a removed file was accepted")
	}
}
