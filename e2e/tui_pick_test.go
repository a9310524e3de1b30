package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/tui"
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
	d := a.TUIDeps("e2e", nil)
	d.Mono, d.Bell = true, false
	m, err := tui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); a.Engine.Run(ctx) }() // the delivery worker
	defer func() { cancel(); <-done }()
	p := &probe{m: m}
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(120, 40))
	rows := queueRows(p.waitFor(t, "the queue", func(s string) bool { return len(queueRows(s)) > 5 }))
	i := slices.IndexFunc(rows, func(r row) bool { return r.shows("MA", "@kasia@social.example") })
	if i < 0 {
		t.Fatalf("kasia's conversation is not in the queue:\n%s", p.screen())
	}
	tm.Send(key('g'))
	for range i {
		tm.Send(key('j'))
	}
	tm.Send(enter) // opens it, the keys go to the conversation pane
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
