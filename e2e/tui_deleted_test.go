package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/tui"
)

// Opening a conversation whose post the customer deleted: the thread
// fetch meets the 404, and the status line says so whole, before any
// network detail (it used to cut "…permanent (HTTP" off before the 404);
// the post is marked deleted (issue 17, item 3).
func TestTUIOpeningADeletedPost(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a, err := app.Open(ctx, w.loadConfig(t), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, r := range a.Engine.PollOnce(ctx) {
		if r.Err != nil {
			t.Fatalf("poll %s: %v", r.Feed, r.Err)
		}
	}
	w.nets.Mastodon.DeleteStatus(kasiaMention)
	d := a.TUIDeps("e2e", nil)
	d.Mono, d.Bell = true, false
	m, err := tui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{m: m}
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(120, 40))
	rows := queueRows(p.waitFor(t, "the queue", func(s string) bool { return len(queueRows(s)) > 5 }))
	i := slices.IndexFunc(rows, func(r row) bool { return r.shows("MA", "@kasia@social.example") })
	if i < 0 {
		t.Fatalf("kasia's Mastodon conversation is not in the queue:\n%s", p.screen())
	}
	tm.Send(key('g'))
	for range i {
		tm.Send(key('j'))
	}
	tm.Send(enter)
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
