package e2e

import (
	"context"
	"slices"
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

// Opening a conversation whose post the customer deleted: the thread
// fetch meets the 404, and the status line says so whole, before any
// network detail (it used to cut "…permanent (HTTP" off before the 404);
// the post is marked deleted (issue 17, item 3).
func TestTUIOpeningADeletedPost(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := w.openApp(t, ctx, app.Options{})
	defer a.Close()
	pollAll(t, ctx, a)
	w.nets.Mastodon.DeleteStatus(kasiaMention)
	p, tm := startTUI(t, a)
	openRow(t, p, tm, "MA", "@kasia@social.example")
	s := p.waitFor(t, "the deletion said in the status line", func(s string) bool {
		return strings.Contains(s, ": the customer deleted this post; nothing else waits: resolved")
	})
	var c social.Conversation
	a.Store.ForEachConv(context.Background(), func(x social.Conversation) bool {
		if slices.ContainsFunc(x.PostKeys, func(k string) bool { return strings.HasSuffix(k, "/"+kasiaMention) }) {
			c = x
		}
		return c.ID == ""
	})
	if sp, err := a.Store.Post(context.Background(), c.PostKeys[0]); err != nil || sp.DeletedAt.IsZero() || c.State.Actionable() {
		t.Errorf("after opening it: post deleted at %v (err %v), conversation %s; want marked deleted, out of the inbox", sp.DeletedAt, err, c.State)
	}
	if strings.Contains(s, "HTTP") {
		t.Errorf("the status line shows the network detail instead of the reason:\n%s", s)
	}
	tm.Send(key('q'))
}
