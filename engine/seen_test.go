package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// TestReplyOverNewsAsksFirst: a reply written on a screen that had not
// seen the customer's newer post, or another operator's reply, is refused
// with the news and nothing is queued, even when forced over a claim; sent
// anyway it is queued and the trail names who sent over what. Without
// Seen (a follow-up, a scheduled reply, a caller with no screen state)
// nothing is checked.
func TestReplyOverNewsAsksFirst(t *testing.T) {
	e, _, clk, top := polledDemo(t, 1)
	ctx := context.Background()
	c := top[0]
	seen := store.SeenOf(c, nil) // JD's screen

	// the customer writes again while JD types
	posts, err := e.st.Posts(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	root := posts[0]
	clk.Advance(time.Minute)
	more := social.Post{Network: root.Network, Account: root.Account, Brand: root.Brand, RemoteID: "late-1",
		Author: c.Contact, Text: "still nothing??", CreatedAt: clk.Now(), Kind: social.KindMention,
		ThreadRoot: root.RemoteID, ReplyTo: root.RemoteID}
	if _, err := e.st.Ingest(ctx, "late", "1", []social.Post{more}, nil, clk.Now()); err != nil {
		t.Fatal(err)
	}
	g := &heldBy{holder: ak} // and AK holds the claim

	for _, force := range []bool{false, true} {
		op := e.As(jd)
		if force { // confirmed over AK's claim: still asked about the post
			op = op.WithGuard(g)
		}
		_, err := op.Reply(t.Context(), c.ID, "on it", ReplyOptions{Seen: &seen, Force: force})
		var ne *store.NewerError
		if !errors.As(err, &ne) || len(ne.News.Posts) != 1 || ne.News.Posts[0].RemoteID != "late-1" {
			t.Fatalf("force=%v: %v, want *store.NewerError with the late post", force, err)
		}
	}
	if all, _ := e.st.Outbox(ctx, nil); len(all) != 0 {
		t.Fatalf("a refused reply was queued: %+v", all)
	}
	anyway := seen
	anyway.Anyway = true
	ent, err := e.As(jd).WithGuard(g).Reply(t.Context(), c.ID, "on it", ReplyOptions{Seen: &anyway, Force: true})
	if err != nil || ent.State != store.OutQueued {
		t.Fatalf("sent anyway: %+v %v", ent, err)
	}
	got, _ := e.st.Conversation(ctx, c.ID)
	over, ok := got.Last(social.ActSentOverNews)
	if !ok || over.By != jd || over.Note != "1 new post" {
		t.Fatalf("trail %+v: want sent-over-news by JD", got.Activity)
	}

	// AK, whose screen saw the late post but not JD's reply
	akSeen := store.SeenOf(got, nil)
	_, err = e.As(ak).Reply(t.Context(), c.ID, "me too", ReplyOptions{Seen: &akSeen})
	var ne *store.NewerError
	if !errors.As(err, &ne) || len(ne.News.Replies) != 1 || ne.News.Replies[0].Seq != ent.Seq {
		t.Fatalf("AK over JD's queued reply: %v", err)
	}
	// no Seen: no check (as before this check existed)
	if _, err := e.As(ak).Reply(t.Context(), c.ID, "me too", ReplyOptions{}); err != nil {
		t.Fatalf("unchecked reply: %v", err)
	}
}
