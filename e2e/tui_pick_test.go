package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/internal/testkit"
)

// Two customers in kasia's thread: in the conversation pane `[` picks
// maria's post (▶), and `r` answers that post, mentioning maria, where the
// default would have answered kasia (issue 17, item 6).
func TestTUIPicksThePostToAnswer(t *testing.T) {
	w := newWorld(t)
	const maria = "117653664138002437"
	second := w.nets.Mastodon.AddStatus(maria, kasiaMention, "@acmecoffee same here, order A777 never came", true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := w.openApp(t, ctx, app.Options{})
	defer a.Close()
	pollAll(t, ctx, a)
	p, tm := startTUI(t, a)
	done := make(chan struct{})
	go func() { defer close(done); a.Engine.Run(ctx) }() // the delivery worker
	defer func() { cancel(); <-done }()
	openRow(t, p, tm, "MA", "@kasia@social.example") // the keys go to the conversation pane
	p.waitFor(t, "both customers' posts in the conversation pane", func(s string) bool {
		return strings.Contains(s, "Kasia Nowak · ") && strings.Contains(s, "María López · ")
	})
	tm.Send(key('['))
	p.waitFor(t, "maria's post picked", func(s string) bool {
		return strings.Contains(s, "▶ ") && strings.Contains(s, "r answers this post")
	})
	tm.Send(key('r'))
	tm.Type("A777 is on its way")
	tm.Send(ctrlS)
	c := w.nets.Mastodon
	testkit.Eventually(t, 10*time.Second, "a status created", func() bool { return len(c.Created()) > 0 })
	created := c.Created()
	if len(created) != 1 {
		t.Fatalf("%d statuses created, want 1:\n%s", len(created), p.screen())
	}
	if r := created[0]; r.InReplyToID != second || !strings.HasPrefix(r.Text, "@maria@tooters.example A777") {
		t.Errorf("the reply went to %s as %q, want maria's post %s, @maria@tooters.example", r.InReplyToID, r.Text, second)
	}
	tm.Send(key('q'))
}
