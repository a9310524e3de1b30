package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/social"
)

// convOn polls once and returns an answerable public conversation on net.
func convOn(t *testing.T, w *world, net social.Network) (social.Conversation, social.Post) {
	t.Helper()
	ctx := context.Background()
	a := w.openApp(t, ctx, app.Options{})
	defer a.Close()
	pollAll(t, ctx, a)
	target := publicConv(t, a, net, "")
	p, err := a.Store.Post(context.Background(), target.PostKeys[len(target.PostKeys)-1])
	if err != nil {
		t.Fatal(err)
	}
	return target, p.Post
}

// A Bluesky reply to a post its author deleted fails, clearly and for
// good, and nothing is published: the PDS itself would accept it with a
// parent nobody sees (issue 17, item 1).
func TestBlueskyReplyToDeletedPost(t *testing.T) {
	w := newWorld(t)
	c, p := convOn(t, w, social.Bluesky)
	w.nets.Bluesky.DeletePost(p.RemoteID)
	before := len(w.nets.Bluesky.Records())
	out, stderr, err := w.hark(t, "reply", c.ID, "Your voucher: ACME-TEST-1")
	if err == nil || !strings.Contains(err.Error(), "deleted by its author") {
		t.Fatalf("hark reply to a deleted post: err %v, want a failure saying the post was deleted\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	if strings.Contains(out, "sent: ") {
		t.Errorf("hark reply reported the reply as sent:\n%s", out)
	}
	if n := len(w.nets.Bluesky.Records()) - before; n != 0 {
		t.Errorf("%d records created for a reply to a deleted post, want 0", n)
	}
	reads := w.nets.Bluesky.Find("com.atproto.repo.getRecord")
	if len(reads) == 0 || !strings.Contains(reads[len(reads)-1].URL(), "rkey="+p.RemoteID[strings.LastIndex(p.RemoteID, "/")+1:]) {
		t.Errorf("hark did not read the parent %s before sending", p.RemoteID)
	}
}
