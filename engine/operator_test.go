package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// heldBy is a Guard where one operator holds every conversation.
type heldBy struct {
	holder   social.Actor
	replied  []string
	acquired int
}

func (g *heldBy) Acquire(_ context.Context, conv string, by social.Actor) (social.Actor, bool) {
	g.acquired++
	if g.holder.IsZero() || g.holder.Same(by) {
		return by, true
	}
	return g.holder, false
}

func (g *heldBy) Replied(_ context.Context, conv string, by social.Actor) {
	g.replied = append(g.replied, conv)
}

// jd and ak are the operators of the tests.
var (
	jd = social.Actor{Name: "Jane Doe", Initials: "JD"}
	ak = social.Actor{Name: "Ade Kim", Initials: "AK"}
)

func TestOperatorRecordsWhoDidWhat(t *testing.T) {
	e, _, _, top := polledDemo(t, 3)
	e.o.Agent = social.Actor{Name: "Solo Agent", Initials: "SA"}
	ctx := context.Background()
	a, b, c := top[0].ID, top[1].ID, top[2].ID

	// JD answers a and resolves with it; AK snoozes b; the solo methods act as the agent on c.
	ent, err := e.As(jd).Reply(t.Context(), a, "on it", ReplyOptions{Resolve: true})
	if err != nil {
		t.Fatal(err)
	}
	if ent.Reply.By != jd {
		t.Fatalf("outbox entry by %+v", ent.Reply.By)
	}
	if _, err := e.As(ak).Snooze(t.Context(), b, start.Add(time.Hour), "later"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetState(t.Context(), c, social.StatePending); err != nil {
		t.Fatal(err)
	}
	if _, err := e.As(ak).SetState(t.Context(), c, social.StateOpen); err != nil {
		t.Fatal(err)
	}
	if _, err := e.As(ak).Resolve(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	e.Deliver(ctx)

	for _, tc := range []struct {
		id         string
		trail      []social.Action
		by         []string
		first, res string
	}{
		{a, []social.Action{social.ActReplied, social.ActResolved}, []string{"JD", "JD"}, "JD", "JD"},
		{b, []social.Action{social.ActSnoozed}, []string{"AK"}, "", ""},
		{c, []social.Action{social.ActPending, social.ActReopened, social.ActResolved}, []string{"SA", "AK", "AK"}, "", "AK"},
	} {
		conv, err := e.st.Conversation(context.Background(), tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if len(conv.Activity) != len(tc.trail) {
			t.Fatalf("conv %s trail %+v, want %v", tc.id, conv.Activity, tc.trail)
		}
		for i, act := range conv.Activity {
			if act.Action != tc.trail[i] || act.By.Initials != tc.by[i] || act.At.IsZero() {
				t.Errorf("conv %s trail[%d] = %+v, want %s by %s", tc.id, i, act, tc.trail[i], tc.by[i])
			}
		}
		if conv.FirstReplyBy.Initials != tc.first || conv.ResolvedBy.Initials != tc.res {
			t.Errorf("conv %s first reply by %+v, resolved by %+v; want %q %q", tc.id, conv.FirstReplyBy, conv.ResolvedBy, tc.first, tc.res)
		}
	}
	// The entry keeps its writer once sent.
	sent, err := e.st.OutboxEntry(context.Background(), ent.Seq)
	if err != nil || sent.State != store.OutSent || sent.Reply.By != jd {
		t.Fatalf("sent entry %+v, %v", sent, err)
	}
}

func TestOperatorReplyRespectsClaims(t *testing.T) {
	e, _, _, top := polledDemo(t, 1)
	id := top[0].ID
	g := &heldBy{holder: jd}

	_, err := e.As(ak).WithGuard(g).Reply(t.Context(), id, "me too", ReplyOptions{})
	var ce *ClaimedError
	if !errors.As(err, &ce) || ce.Holder != jd || ce.Conv != id {
		t.Fatalf("reply on JD's claim: %v, want *ClaimedError naming JD", err)
	}
	if n, _ := e.st.Outbox(context.Background(), nil); len(n) != 0 {
		t.Fatalf("a refused reply was queued: %+v", n)
	}
	ent, err := e.As(ak).WithGuard(g).Reply(t.Context(), id, "me too", ReplyOptions{Force: true})
	if err != nil || ent.Reply.By != ak {
		t.Fatalf("forced reply: %+v, %v", ent, err)
	}
	conv, _ := e.st.Conversation(context.Background(), id)
	last, ok := conv.Last(social.ActClaimedOver)
	if !ok || last.By != ak || last.Note != "JD" {
		t.Fatalf("trail %+v: want claimed-over by AK naming JD", conv.Activity)
	}
	// The holder replies normally; the guard hears of every queued reply.
	if _, err := e.As(jd).WithGuard(g).Reply(t.Context(), id, "sorted", ReplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(g.replied) != 2 {
		t.Fatalf("guard told of %d replies, want 2", len(g.replied))
	}
	// An empty reply is refused before anything is recorded.
	if _, err := e.As(ak).WithGuard(g).Reply(t.Context(), id, "  ", ReplyOptions{Force: true}); err == nil {
		t.Fatal("empty reply queued")
	}
	conv, _ = e.st.Conversation(context.Background(), id)
	n := 0
	for _, a := range conv.Activity {
		if a.Action == social.ActClaimedOver {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d claimed-over entries, want 1: %+v", n, conv.Activity)
	}
}

func TestActivityTrailIsBounded(t *testing.T) {
	var c social.Conversation
	for i := 0; i < social.MaxActivity+25; i++ {
		c.Record(social.Activity{Action: social.ActReopened, Note: string(rune('a' + i%26))})
	}
	if len(c.Activity) != social.MaxActivity || c.Activity[0].Note != string(rune('a'+25%26)) {
		t.Fatalf("trail of %d, first %+v", len(c.Activity), c.Activity[0])
	}
}

// An operator limited to some brands is refused every change to another
// brand's conversation, with the reason, and nothing changes; their own
// brand's work as before.
func TestOperatorBrandsRefuseOtherBrands(t *testing.T) {
	e, _, _ := demoEngine(t)
	ctx := context.Background()
	e.PollOnce(ctx)
	var mine, other social.Conversation
	e.st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		switch {
		case c.Brand == "Petal & Stem" && mine.ID == "":
			mine = c
		case c.Brand == "Skylark Air" && other.ID == "":
			other = c
		}
		return true
	})
	// a failed reply of the other brand, queued by the solo agent
	ent, err := e.Reply(t.Context(), other.ID, "queued before", ReplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jd := e.As(social.Actor{Name: "Jane Doe", Initials: "JD"}).WithBrands([]string{"petal & stem"})
	if !jd.Allows("Petal & Stem") || jd.Allows("Skylark Air") || !e.As(social.Actor{}).Allows("Skylark Air") {
		t.Fatal("Allows")
	}
	for name, act := range map[string]func(id string) error{
		"reply":     func(id string) error { _, err := jd.Reply(t.Context(), id, "hi", ReplyOptions{}); return err },
		"resolve":   func(id string) error { _, err := jd.Resolve(t.Context(), id); return err },
		"pending":   func(id string) error { _, err := jd.SetState(t.Context(), id, social.StatePending); return err },
		"snooze":    func(id string) error { _, err := jd.Snooze(t.Context(), id, start.Add(time.Hour), ""); return err },
		"follow-up": func(id string) error { _, err := jd.SkipFollowUp(t.Context(), id); return err },
		"vip":       func(id string) error { return jd.SetVIP(t.Context(), id, true) },
		"note": func(id string) error {
			return jd.EditContact(t.Context(), id, func(c *store.Contact) { c.Notes = "x" })
		},
	} {
		err := act(other.ID)
		var be *BrandError
		if !errors.As(err, &be) || be.Brand != "Skylark Air" || !strings.Contains(err.Error(), "JD answers only petal & stem") {
			t.Errorf("%s on another brand: %v, want a BrandError", name, err)
		}
	}
	if _, err := jd.Discard(t.Context(), ent.Seq); err == nil {
		t.Error("discard of another brand's reply was allowed")
	}
	if _, err := jd.Retry(t.Context(), ent.Seq, "x"); err == nil {
		t.Error("retry of another brand's reply was allowed")
	}
	if after, _ := e.st.Conversation(context.Background(), other.ID); after.State != other.State || !after.SnoozedUntil.IsZero() {
		t.Errorf("the refused changes changed it: %s", after.State)
	}
	if ct, _ := e.st.Contact(context.Background(), other.Network, other.Contact.Handle); ct.VIP && !other.VIP || ct.Notes == "x" {
		t.Errorf("the refused contact edits happened: %+v", ct)
	}
	if all, _ := e.st.Outbox(context.Background(), nil); len(all) != 1 {
		t.Errorf("%d outbox entries, want only the one queued before", len(all))
	}
	// their own brand: as before
	if _, err := jd.Reply(t.Context(), mine.ID, "hello", ReplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := jd.Resolve(t.Context(), mine.ID); err != nil {
		t.Fatal(err)
	}
}

// VIP, notes and tags go through the operator too: the conversation the
// edit was made from records who set VIP, edited the note or the tags
// (solo: the config's agent); an edit that changes nothing records nothing.
func TestOperatorContactEditsAreAttributed(t *testing.T) {
	e, _, _, top := polledDemo(t, 2)
	e.o.Agent = social.Actor{Name: "Solo Agent", Initials: "SA"}
	ctx := context.Background()
	id := top[1].ID
	before, err := e.st.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	vip := !before.VIP
	vipWord := map[bool]string{true: "VIP set", false: "VIP cleared"}
	events, unsub := e.Subscribe()
	defer unsub()
	steps := []struct {
		who  social.Actor
		edit func(o *Operator) error
		want string // the trail's note ("": nothing recorded)
	}{
		{jd, func(o *Operator) error { return o.SetVIP(t.Context(), id, vip) }, vipWord[vip]},
		{ak, func(o *Operator) error {
			return o.EditContact(t.Context(), id, func(c *store.Contact) { c.Notes = "prefers DMs" })
		}, "note edited"},
		{jd, func(o *Operator) error {
			return o.EditContact(t.Context(), id, func(c *store.Contact) { c.Tags = []string{"refund"}; c.VIP = !vip })
		}, vipWord[!vip] + ", tags edited"},
		{ak, func(o *Operator) error {
			return o.EditContact(t.Context(), id, func(c *store.Contact) { c.Notes = "prefers DMs" }) // the same note
		}, ""},
		{social.Actor{}, func(o *Operator) error { // solo: the config's agent
			return o.EditContact(t.Context(), id, func(c *store.Contact) { c.Notes = "" })
		}, "note edited"},
	}
	n := len(before.Activity)
	for i, s := range steps {
		if err := s.edit(e.As(s.who)); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		after, err := e.st.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.want == "" {
			if len(after.Activity) != n {
				t.Fatalf("step %d changed nothing, but the trail grew: %+v", i, after.Activity[n:])
			}
			continue
		}
		if len(after.Activity) != n+1 {
			t.Fatalf("step %d: trail %+v, want one entry more", i, after.Activity)
		}
		n++
		got := after.Activity[n-1]
		who := s.who
		if who.IsZero() {
			who = e.o.Agent
		}
		if got.Action != social.ActContactEdited || got.Note != s.want || got.By != who || !got.At.Equal(start) {
			t.Errorf("step %d: trail entry %+v, want %s by %s", i, got, s.want, who.Label())
		}
		// the TUI hears of it (the trail changed)
		select {
		case ev := <-events:
			if ev.Kind != EvConvChanged || !slices.Contains(ev.ConvIDs, id) {
				t.Errorf("step %d: event %+v", i, ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("step %d: no event", i)
		}
	}
	ct, err := e.st.Contact(ctx, before.Network, before.Contact.Handle)
	if err != nil || ct.VIP != !vip || ct.Notes != "" || !slices.Equal(ct.Tags, []string{"refund"}) {
		t.Fatalf("contact %+v %v", ct, err)
	}
}

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
