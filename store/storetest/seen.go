package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// seenContract: the last check before a reply is queued (store/seen.go).
// A reply whose screen had not seen a newer customer post, or another
// operator's reply queued or sent, is refused with the news and nothing is
// queued; with Anyway it is queued and the trail records who sent over
// what; the operator's own replies and thread context are not news; two
// operators sending at once on the same screen state queue exactly one.
func seenContract(t *testing.T, s store.Store) {
	ctx := context.Background()
	jd := social.Actor{Name: "Jo Doe", Initials: "JD"}
	ak := social.Actor{Name: "Al Kay", Initials: "AK"}
	res, err := s.Ingest(ctx, "f", "c1", []social.Post{post("1", "@ann", "my order is late", 0)}, prio, t0)
	if err != nil {
		t.Fatal(err)
	}
	conv := res.Changed[0]
	read := func() social.Conversation {
		t.Helper()
		c, err := s.Conversation(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	seen := store.SeenOf(read(), nil)
	reply := func(id string, by social.Actor) social.Reply {
		return social.Reply{ID: id, ConvID: conv, Text: "on it " + id, By: by, CreatedAt: t0}
	}
	queued := func() int {
		t.Helper()
		all, err := s.Outbox(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	newer := func(err error) *store.NewerError {
		t.Helper()
		var ne *store.NewerError
		if !errors.As(err, &ne) || !errors.Is(err, store.ErrNewer) {
			t.Fatalf("want a *NewerError, got %v", err)
		}
		return ne
	}

	// nothing new: queued as Enqueue would
	e0, err := s.EnqueueSeen(ctx, reply("r0", jd), false, seen, t0.Add(time.Minute))
	if err != nil || e0.State != store.OutQueued {
		t.Fatalf("a reply over nothing new: %+v %v", e0, err)
	}
	// the same reply again is the same entry, whatever its screen saw
	if again, err := s.EnqueueSeen(ctx, reply("r0", jd), false, store.Seen{}, t0.Add(time.Minute)); err != nil || again.Seq != e0.Seq {
		t.Fatalf("double enqueue: %+v %v", again, err)
	}

	// the customer writes again (and a thread fetch attaches context)
	follow := post("2", "@ann", "hello??", 2*time.Minute)
	follow.ThreadRoot = "1"
	if _, err := s.Ingest(ctx, "f", "c2", []social.Post{follow}, prio, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	ctxPost := post("0", "@bob", "same here", -time.Hour)
	if _, err := s.AttachThread(ctx, conv, []social.Post{ctxPost}, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	seen.Outbox = e0.Seq
	before := queued()
	_, err = s.EnqueueSeen(ctx, reply("r1", jd), false, seen, t0.Add(3*time.Minute))
	ne := newer(err)
	if ne.Conv != conv || len(ne.News.Posts) != 1 || ne.News.Posts[0].RemoteID != "2" || len(ne.News.Replies) != 0 {
		t.Fatalf("news: %+v", ne.News)
	}
	if queued() != before {
		t.Fatal("a refused reply was queued")
	}
	if c := read(); len(c.Activity) != 0 {
		t.Fatalf("a refused reply changed the trail: %+v", c.Activity)
	}
	// confirmed: queued, and the trail says who sent over what
	anyway := seen
	anyway.Anyway = true
	e1, err := s.EnqueueSeen(ctx, reply("r1", jd), false, anyway, t0.Add(3*time.Minute))
	if err != nil || e1.State != store.OutQueued || queued() != before+1 {
		t.Fatalf("sent anyway: %+v %v", e1, err)
	}
	after := read()
	last, ok := after.Last(social.ActSentOverNews)
	if !ok || !last.By.Same(jd) || last.Note != "1 new post" {
		t.Fatalf("trail: %+v %v", last, ok)
	}

	// JD's own replies are not news to JD
	seen = store.SeenOf(read(), []store.OutboxEntry{e0})
	if _, err := s.EnqueueSeen(ctx, reply("r2", jd), false, seen, t0.Add(4*time.Minute)); err != nil {
		t.Fatalf("JD's own replies refused JD's reply: %v", err)
	}
	// but they are to AK, whose screen had not seen them queued …
	_, err = s.EnqueueSeen(ctx, reply("a1", ak), false, seen, t0.Add(4*time.Minute))
	ne = newer(err)
	if len(ne.News.Posts) != 0 || len(ne.News.Replies) != 2 || ne.News.Replies[0].Seq != e1.Seq || !ne.News.Replies[0].Reply.By.Same(jd) {
		t.Fatalf("AK's news: %+v", ne.News)
	}
	if want := fmt.Sprintf("reply #%d by JD (queued), reply #%d by JD (queued)", e1.Seq, e1.Seq+1); ne.News.Summary() != want {
		t.Fatalf("summary %q, want %q", ne.News.Summary(), want)
	}
	// … nor sent: a sent reply is news through the trail
	own := social.Post{Network: social.Demo, Account: "acme", RemoteID: "o1", Kind: social.KindOwn, Text: "on it r1", CreatedAt: t0.Add(5 * time.Minute)}
	if _, _, err := s.MarkSent(ctx, e1.Seq, social.Sent{RemoteID: "o1"}, own, prio, t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, err = s.EnqueueSeen(ctx, reply("a1", ak), false, seen, t0.Add(6*time.Minute))
	if ne = newer(err); len(ne.News.Replies) != 2 || ne.News.Replies[0].State != store.OutSent {
		t.Fatalf("AK's news after the send: %+v", ne.News)
	}
	// a screen that shows the outbox entries knows them
	all, err := s.Outbox(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueSeen(ctx, reply("a1", ak), false, store.SeenOf(read(), all), t0.Add(6*time.Minute)); err != nil {
		t.Fatalf("AK had seen everything: %v", err)
	}

	// two operators on one screen state at once: one is queued, the other
	// is told about it (the check and the insert are one transaction)
	for round := range 5 {
		all, err := s.Outbox(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		base := store.SeenOf(read(), all)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, by := range []social.Actor{jd, ak} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.EnqueueSeen(ctx, reply(fmt.Sprintf("race%d-%s", round, by.Initials), by), false, base, t0.Add(7*time.Minute))
			}()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrNewer):
				refused++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("round %d: %d queued, %d refused (want 1 and 1): %v", round, ok, refused, errs)
		}
	}
}
