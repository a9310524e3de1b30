package demo

import (
	"context"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
)

// testStart is a fixed morning; every test derives its times from it.
var testStart = time.Date(2026, time.January, 14, 8, 30, 0, 0, time.UTC)

func newTestFeed(t *testing.T) (*Feed, *testkit.Clock) {
	t.Helper()
	c := testkit.NewClock(testStart)
	return New(testStart, c.Now), c
}

// scripted returns the script's post with this remote id.
func scripted(t *testing.T, f *Feed, id string) social.Post {
	t.Helper()
	i, ok := f.byID[id]
	if !ok {
		t.Fatalf("no scripted post %q", id)
	}
	return f.script[i].post
}

// drain polls until the feed has nothing more right now.
func drain(t *testing.T, f *Feed, cur string) ([]social.Post, string) {
	t.Helper()
	var all []social.Post
	for range 100 {
		b, err := f.Poll(context.Background(), cur)
		if err != nil {
			t.Fatalf("Poll(%q): %v", cur, err)
		}
		all = append(all, b.Posts...)
		cur = b.Cursor
		if !b.More {
			return all, cur
		}
	}
	t.Fatal("Poll never stopped saying More")
	return nil, ""
}

func ids(posts []social.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.RemoteID
	}
	return out
}

func wantPermanent(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	if k := social.KindOf(err); k != social.Permanent {
		t.Fatalf("error %q is %v, want permanent", err, k)
	}
}
