package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// An idle hark writes nothing: polls that bring nothing new, clock ticks
// with nothing to wake or rescore, and delivery rounds with nothing due
// commit no transaction (each commit is two fsyncs). The feed's poll
// times are still saved now and then.
func TestIdleWritesNothing(t *testing.T) {
	clk := testkit.NewClock(start)
	st := tempStore(t)
	p := social.Post{Network: "t", Account: "a", RemoteID: "p1", Author: social.Author{Handle: "@olivia"}, Text: "wilted bouquet!", CreatedAt: start, Kind: social.KindMention}
	src := &staticSource{posts: []social.Post{p}}
	e := New(Options{Store: st, Now: clk.Now, Feeds: []Feed{{Source: src, Network: "t", Account: "a"}},
		Triage:  func(c *social.Conversation, _ social.Post, _ store.Contact) { c.DueAt = c.WaitingSince.Add(time.Hour) },
		Rescore: func(c *social.Conversation, now time.Time) bool { return false }})
	e.PollOnce(context.Background())
	if _, err := e.st.UpdateConv(context.Background(), "1", func(c *social.Conversation) error {
		c.State, c.SnoozedUntil = social.StateSnoozed, start.Add(48*time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	src.posts = nil // from now on every poll is empty
	e.PollOnce(context.Background())
	before := st.Commits()
	for i := 0; i < 20; i++ {
		clk.Advance(15 * time.Second)
		e.PollOnce(context.Background())
		e.Wake()
		e.Rescore()
		e.Deliver(context.Background())
	}
	if n := st.Commits() - before; n != 0 {
		t.Fatalf("an idle engine committed %d transactions in 20 rounds", n)
	}
	// the poll times are saved at least every statusEvery
	clk.Advance(statusEvery)
	e.PollOnce(context.Background())
	if n := st.Commits() - before; n != 1 {
		t.Fatalf("%d commits after %s, want the feed status once", n, statusEvery)
	}
	// and the clock still wakes what is due
	clk.Set(start.Add(49 * time.Hour))
	if ids := e.Wake(); len(ids) != 1 {
		t.Fatalf("woke %v", ids)
	}
}
