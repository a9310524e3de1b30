package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/social"
)

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
