package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Differential applies one random sequence of n operations (ingest of new
// threads, replies, DMs and duplicates; state changes; snoozes and
// wake-ups; rescoring; VIP on and off; replies sent) to both stores and
// requires identical results: the same ids and errors from every call,
// byte-identical Ref.Sort sequences per view, equal counts, and equal
// conversation, post and outbox JSON.
func Differential(t *testing.T, a, b store.Store, seed uint64, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := t0
	var posts []social.Post // every post ingested so far
	handles := []string{"@ann", "@bob", "@cid", "@dee", "@eve", "@fox", "@gus"}
	brands := []string{"Acme", "Birch"}
	nextPost := 0
	replies := 0
	tri := func(c *social.Conversation, p social.Post, ct store.Contact) {
		c.Base = len(p.Text) % 50
		c.Priority = c.Base
		if ct.VIP {
			c.Priority += 30
		}
		c.Reasons = []string{"len " + strconv.Itoa(len(p.Text))}
		c.DueAt = c.WaitingSince.Add(time.Duration(1+c.Priority%4) * time.Hour)
	}
	newPost := func() social.Post {
		nextPost++
		p := social.Post{
			Network: social.Demo, Account: "acme", Brand: brands[rng.IntN(len(brands))],
			RemoteID: fmt.Sprintf("%d-%d", seed, nextPost), Author: social.Author{Handle: handles[rng.IntN(len(handles))]},
			Text:      fmt.Sprintf("post %d %s", nextPost, []string{"hello", "urgent help", "thanks!", "\x00odd\xff", "🦊"}[rng.IntN(5)]),
			CreatedAt: now.Add(-time.Duration(rng.IntN(600)) * time.Second), Kind: social.KindMention,
		}
		switch k := rng.IntN(10); {
		case k < 4 && len(posts) > 0: // a reply in a thread
			parent := posts[rng.IntN(len(posts))]
			if !parent.Direct {
				root := parent.ThreadRoot
				if root == "" {
					root = parent.RemoteID
				}
				p.ThreadRoot, p.ReplyTo = root, parent.RemoteID
			}
		case k < 6: // a DM
			p.Direct = true
			p.Kind = social.KindDM
		}
		return p
	}
	var all []string // conversation ids: those already there, then the ingests' results
	known := map[string]bool{}
	if err := a.ForEachConv(ctx, func(c social.Conversation) bool {
		known[c.ID] = true
		all = append(all, c.ID)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	same := func(op string, ra, rb any, ea, eb error) {
		t.Helper()
		if fmt.Sprint(ra) != fmt.Sprint(rb) || (ea == nil) != (eb == nil) {
			t.Fatalf("%s differs:\n bbolt-side %v %v\n other-side %v %v", op, ra, ea, rb, eb)
		}
	}
	for i := range n {
		now = now.Add(time.Duration(1+rng.IntN(300)) * time.Second)
		pick := func() string {
			if len(all) == 0 {
				return "1"
			}
			return all[rng.IntN(len(all))]
		}
		op := rng.IntN(100)
		var name string
		switch {
		case op < 35 || len(all) == 0: // ingest a batch, sometimes with posts seen before
			name = "ingest"
			var batch []social.Post
			for range 1 + rng.IntN(5) {
				if len(posts) > 0 && rng.IntN(6) == 0 {
					batch = append(batch, posts[rng.IntN(len(posts))])
					continue
				}
				p := newPost()
				batch = append(batch, p)
				posts = append(posts, p)
			}
			cur := "c" + strconv.Itoa(i)
			ra, ea := a.Ingest(ctx, "demo", cur, batch, tri, now)
			rb, eb := b.Ingest(ctx, "demo", cur, batch, tri, now)
			same(name, ra, rb, ea, eb)
			for _, id := range ra.Changed {
				if !known[id] {
					known[id] = true
					all = append(all, id)
				}
			}
		case op < 50: // state change
			name = "state"
			id := pick()
			st := []social.State{social.StateOpen, social.StatePending, social.StateResolved, social.StateNew}[rng.IntN(4)]
			fn := func(c *social.Conversation) error {
				c.State = st
				c.UpdatedAt = now
				if st == social.StateResolved {
					c.ResolvedAt = now
				}
				c.SnoozedUntil = time.Time{}
				return nil
			}
			ra, ea := a.UpdateConv(ctx, id, fn)
			rb, eb := b.UpdateConv(ctx, id, fn)
			same(name, ra, rb, ea, eb)
		case op < 62: // snooze
			name = "snooze"
			id := pick()
			until := now.Add(time.Duration(1+rng.IntN(7200)) * time.Second)
			fn := func(c *social.Conversation) error {
				c.State = social.StateSnoozed
				c.SnoozedUntil = until
				c.UpdatedAt = now
				return nil
			}
			ra, ea := a.UpdateConv(ctx, id, fn)
			rb, eb := b.UpdateConv(ctx, id, fn)
			same(name, ra, rb, ea, eb)
		case op < 70: // the clock: wake-ups
			name = "wake"
			fn := store.Wake(now)
			ra, ea := a.UpdateDue(ctx, store.ViewSnoozed, now.Add(time.Nanosecond), fn)
			rb, eb := b.UpdateDue(ctx, store.ViewSnoozed, now.Add(time.Nanosecond), fn)
			same(name, ra, rb, ea, eb)
		case op < 78: // rescoring, by the clock or one at a time
			name = "rescore"
			fn := func(c *social.Conversation) bool {
				if c.DueAt.IsZero() || rng.IntN(2) == 0 {
					return false
				}
				c.Priority = (c.Priority + 7) % 100
				return true
			}
			if rng.IntN(2) == 0 {
				s1 := rng.Uint64()
				f := func(st uint64) func(c *social.Conversation) bool {
					r := rand.New(rand.NewPCG(st, 1))
					return func(c *social.Conversation) bool {
						if c.DueAt.IsZero() || r.IntN(2) == 0 {
							return false
						}
						c.Priority = (c.Priority + 7) % 100
						return true
					}
				}
				ra, ea := a.UpdateDue(ctx, store.ViewActionable, now.Add(2*time.Hour), f(s1))
				rb, eb := b.UpdateDue(ctx, store.ViewActionable, now.Add(2*time.Hour), f(s1))
				same(name, ra, rb, ea, eb)
			} else {
				id := pick()
				p := rng.IntN(100)
				g := func(c *social.Conversation) { c.Priority = p; c.DueAt = now.Add(time.Hour) }
				ra, ea := a.Rescore(ctx, id, g)
				rb, eb := b.Rescore(ctx, id, g)
				same(name, ra, rb, ea, eb)
				_ = fn
			}
		case op < 86: // VIP, on the contact or on a conversation
			name = "vip"
			vip := rng.IntN(2) == 0
			if rng.IntN(2) == 0 {
				h := handles[rng.IntN(len(handles))]
				fn := func(ct *store.Contact) { ct.VIP = vip; ct.Notes = "n" + strconv.Itoa(i) }
				ca, ia, ea := a.UpdateContact(ctx, social.Demo, h, fn)
				cb, ib, eb := b.UpdateContact(ctx, social.Demo, h, fn)
				same(name, fmt.Sprint(ca, ia), fmt.Sprint(cb, ib), ea, eb)
			} else {
				id := pick()
				fn := func(c *social.Conversation) error { c.VIP = vip; return nil }
				ra, ea := a.UpdateConv(ctx, id, fn)
				rb, eb := b.UpdateConv(ctx, id, fn)
				same(name, ra, rb, ea, eb)
			}
		default: // a reply: enqueue, then (mostly) sent
			name = "reply"
			id := pick()
			replies++
			c, _ := a.Conversation(ctx, id)
			r := social.Reply{ID: fmt.Sprintf("r%d-%d", seed, replies), Network: social.Demo, Account: "acme", ConvID: id, Text: "thanks", CreatedAt: now}
			if len(c.PostKeys) > 0 {
				if sp, err := a.Post(ctx, c.PostKeys[len(c.PostKeys)-1]); err == nil {
					r.To = sp.Post
				}
			}
			resolve := rng.IntN(3) == 0
			ea1, erra := a.Enqueue(ctx, r, resolve, now)
			eb1, errb := b.Enqueue(ctx, r, resolve, now)
			same("enqueue", ea1, eb1, erra, errb)
			if rng.IntN(4) != 0 {
				own := social.Post{Network: social.Demo, Account: "acme", RemoteID: fmt.Sprintf("own%d-%d", seed, replies), Kind: social.KindOwn,
					Text: "thanks", CreatedAt: now, ThreadRoot: c.RootKey}
				sa, ca, erra := a.MarkSent(ctx, ea1.Seq, social.Sent{RemoteID: own.RemoteID}, own, tri, now)
				sb, cb, errb := b.MarkSent(ctx, eb1.Seq, social.Sent{RemoteID: own.RemoteID}, own, tri, now)
				same("mark sent", fmt.Sprint(sa, ca), fmt.Sprint(sb, cb), erra, errb)
			}
		}
		if i%50 == 49 || i == n-1 {
			if what, diff, ok := dump(t, a).differ(dump(t, b)); ok {
				t.Fatalf("after op %d (%s): %s differ:\n%s", i, name, what, diff)
			}
			sameSearches(t, a, b, now, fmt.Sprintf("after op %d (%s)", i, name))
		}
	}
	na, _ := a.Counts(ctx)
	t.Logf("%d operations, %d posts, counts %v", n, len(posts), na)
}

// differentialSearches are searches in the words the differential writes:
// words, prefixes, phrases (in a post, not across two), handles, the
// contacts' notes, negations and attributes.
var differentialSearches = []string{
	"hello", "urg", `"urgent help"`, `"help post"`, `"help"`, "odd", "from:ann", "from:e", "-hello",
	"thanks -urgent", "n4", `"post 1"`, "is:open hello", "is:resolved", "-from:bob",
	"is:pending", "is:new", "is:snoozed hello", "-is:resolved", "sentiment:neg", "sentiment:pos -is:new",
}

// sameSearches requires the same results from both stores' indexes (in
// the views all and inbox, in queue order).
func sameSearches(t *testing.T, a, b store.Store, now time.Time, when string) {
	t.Helper()
	ctx := context.Background()
	for _, raw := range differentialSearches {
		q, err := query.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []store.View{store.ViewAll, store.ViewActionable} {
			ra, sa, ea := query.Search(ctx, a, q, v, nil, now, time.UTC)
			rb, sb, eb := query.Search(ctx, b, q, v, nil, now, time.UTC)
			if ea != nil || eb != nil || sa || sb {
				t.Fatalf("%s: search %s: %v %v (scanned %v %v)", when, raw, ea, eb, sa, sb)
			}
			if x, y := fmt.Sprint(store.RefIDs(ra)), fmt.Sprint(store.RefIDs(rb)); x != y {
				t.Fatalf("%s: search %s in view %d: %s, %s", when, raw, v, x, y)
			}
		}
	}
}

func firstDiff(x, y string) string {
	i := 0
	for i < len(x) && i < len(y) && x[i] == y[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("at byte %d:\n  %q\n  %q", i, x[lo:min(len(x), i+200)], y[lo:min(len(y), i+200)])
}
