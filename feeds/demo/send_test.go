package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

func TestSendShowsInThread(t *testing.T) {
	f, c := newTestFeed(t)
	c.Set(testStart.Add(10 * time.Second))
	to := scripted(t, f, "sky-003")
	sent, err := f.Send(context.Background(), social.Reply{
		ID: "out-1", Network: social.Demo, Account: AccountSkylark, To: to,
		Text: "So sorry, Jonas. Please head to desk 4 in T1: they have hotel vouchers and car seats. ^KM",
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.RemoteID != "demo-reply-1" || sent.URL != "https://demo.hark.invalid/@skylarkair/demo-reply-1" {
		t.Errorf("Sent = %+v", sent)
	}
	th, err := f.Thread(context.Background(), scripted(t, f, "sky-001"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sky-001", "sky-003", "demo-reply-1"}; !slices.Equal(ids(th), want) {
		t.Fatalf("thread = %v, want %v", ids(th), want)
	}
	own := th[2]
	brand, _ := BrandAuthor(AccountSkylark)
	if own.Kind != social.KindOwn || own.Author != brand || own.ReplyTo != "sky-003" || own.ThreadRoot != "sky-001" ||
		own.Direct || !own.CreatedAt.Equal(c.Now()) || own.Account != AccountSkylark || own.Brand != "Skylark Air" ||
		own.URL != sent.URL || own.Network != social.Demo || !strings.HasPrefix(own.Text, "So sorry") {
		t.Errorf("own reply = %+v", own)
	}
	// The reply is itself a post of the thread.
	th2, err := f.Thread(context.Background(), own)
	if err != nil || !slices.Equal(ids(th2), ids(th)) {
		t.Errorf("Thread(own reply) = %v, %v", ids(th2), err)
	}
	// Later customer posts of the thread sort after the reply.
	c.Set(f.LastArrival())
	th, err = f.Thread(context.Background(), to)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sky-001", "sky-003", "demo-reply-1", "sky-001-fu", "sky-017"}; !slices.Equal(ids(th), want) {
		t.Errorf("thread later = %v, want %v", ids(th), want)
	}
	// The brand's replies are not polled back as customer posts.
	posts, _ := drain(t, f, "")
	if slices.Contains(ids(posts), "demo-reply-1") {
		t.Error("Poll delivered the brand's own reply")
	}
}

func TestCustomerAnswersBack(t *testing.T) {
	tests := []struct {
		name     string
		at       time.Duration // when the operator answers
		to       string
		direct   bool
		wantID   string
		wantBy   string // handle
		wantLang string
		wantText string
	}{
		{"own thread", 10 * time.Second, "sky-003", false, "sky-001-fu", "jonas.bsky.social", "en", "hotel voucher"},
		{"root author answers a reply to a neighbour", 70 * time.Second, "nw-016", false, "nw-002-fu", "@gosia.lewandowska", "pl", "Nadal nie ma prądu…"},
		{"estonian", 0, "nw-004", false, "nw-004-fu", "@peeter.saar@mastodon.social", "et", "Aitäh"},
		{"hungarian", 30 * time.Second, "sky-013", false, "sky-013-fu", "@kovacs.bence", "hu", "Köszönöm"},
		{"no language tag", 111 * time.Second, "pet-011", false, "pet-011-fu", "@nagy.peti", "", "csere"},
		{"moved to DM by the brand", 10 * time.Second, "sky-002", true, "sky-002-fu", "@maria.k@mastodon.social", "es", "¡Gracias!"},
		{"VIP", 5 * time.Second, "pet-005", false, "pet-005-fu", "@chez.amelie@piaille.fr", "fr", "merci"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newTestFeed(t)
			ctx := context.Background()
			c.Set(testStart.Add(tt.at))
			_, cur := drain(t, f, "")
			to := scripted(t, f, tt.to)
			sendAt := c.Now()
			sent, err := f.Send(ctx, social.Reply{To: to, Text: "We're on it.", Direct: tt.direct})
			if err != nil {
				t.Fatal(err)
			}

			c.Set(sendAt.Add(FollowUpDelay - time.Millisecond))
			early, cur := drain(t, f, cur)
			for _, p := range early {
				if strings.HasSuffix(p.RemoteID, "-fu") {
					t.Fatalf("answer %s arrived before %v", p.RemoteID, FollowUpDelay)
				}
			}
			c.Set(sendAt.Add(FollowUpDelay))
			got, cur := drain(t, f, cur)
			var fu []social.Post
			for _, p := range got {
				if strings.HasSuffix(p.RemoteID, "-fu") {
					fu = append(fu, p)
				}
			}
			if len(fu) != 1 {
				t.Fatalf("answers delivered: %v, want one", ids(fu))
			}
			a := fu[0]
			if a.RemoteID != tt.wantID || a.Author.Handle != tt.wantBy || a.Lang != tt.wantLang || !strings.Contains(a.Text, tt.wantText) {
				t.Errorf("answer = %s by %s lang %q %q; want %s by %s lang %q containing %q",
					a.RemoteID, a.Author.Handle, a.Lang, a.Text, tt.wantID, tt.wantBy, tt.wantLang, tt.wantText)
			}
			if !a.CreatedAt.Equal(sendAt.Add(FollowUpDelay)) || a.ReplyTo != sent.RemoteID || a.Account != to.Account ||
				a.Network != social.Demo || a.Brand != to.Brand || !strings.HasPrefix(a.URL, "https://demo.hark.invalid/@") {
				t.Errorf("answer = %+v", a)
			}
			if tt.direct {
				if a.Kind != social.KindDM || !a.Direct || a.DMKey == "" || a.ThreadRoot != "" {
					t.Errorf("answer to a direct reply = %+v", a)
				}
			} else if a.Kind != social.KindReply || a.Direct || a.ThreadRoot != rootOf(to) {
				t.Errorf("answer to a public reply = %+v", a)
			}
			th, err := f.Thread(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(th); n < 2 || th[n-1].RemoteID != a.RemoteID || !slices.Contains(ids(th), sent.RemoteID) {
				t.Errorf("Thread(answer) = %v", ids(th))
			}
			again, _ := drain(t, f, cur)
			if len(again) != 0 {
				t.Errorf("posts delivered again: %v", ids(again))
			}
		})
	}
}

func TestAnswerComesOncePerThread(t *testing.T) {
	f, c := newTestFeed(t)
	ctx := context.Background()
	c.Set(testStart)
	for _, id := range []string{"sky-001", "sky-003", "sky-010" /* a compliment: no answer */} {
		if _, err := f.Send(ctx, social.Reply{To: scripted(t, f, id), Text: "Thank you!"}); err != nil {
			t.Fatal(err)
		}
		c.Advance(2 * time.Second)
	}
	c.Set(testStart.Add(time.Minute))
	posts, _ := drain(t, f, "")
	var fu []string
	for _, p := range posts {
		if strings.HasSuffix(p.RemoteID, "-fu") {
			fu = append(fu, p.RemoteID)
			if p.ReplyTo != "demo-reply-1" {
				t.Errorf("answer replies to %q, want the first reply", p.ReplyTo)
			}
		}
	}
	if !slices.Equal(fu, []string{"sky-001-fu"}) {
		t.Errorf("answers = %v, want only sky-001-fu", fu)
	}
	// The operator can answer the answer; nothing more is scheduled.
	if _, err := f.Send(ctx, social.Reply{To: social.Post{RemoteID: "sky-001-fu"}, Text: "Safe travels!"}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	th, err := f.Thread(ctx, scripted(t, f, "sky-001"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sky-001", "sky-003", "demo-reply-1", "demo-reply-2", "sky-001-fu", "sky-017", "demo-reply-4"}; !slices.Equal(ids(th), want) {
		t.Errorf("thread = %v, want %v", ids(th), want)
	}
}

func TestDMMove(t *testing.T) {
	f, c := newTestFeed(t)
	ctx := context.Background()
	c.Set(testStart.Add(10 * time.Second))
	_, cur := drain(t, f, "")
	public := scripted(t, f, "pet-001")

	// The brand invites the customer to DMs before she writes there.
	invite, err := f.Send(ctx, social.Reply{To: public, Direct: true, Text: "So sorry, Olivia! Could you DM us your order number?"})
	if err != nil {
		t.Fatal(err)
	}
	c.Set(testStart.Add(40 * time.Second))
	posts, cur := drain(t, f, cur)
	var dm social.Post
	for _, p := range posts {
		if strings.HasSuffix(p.RemoteID, "-fu") {
			t.Errorf("answer %s before the customer wrote her DM", p.RemoteID)
		}
		if p.Kind == social.KindDM {
			dm = p
		}
	}
	if dm.RemoteID != "pet-007" || !dm.Direct || dm.DMKey != "dm-petal-olivia" || dm.Author != public.Author ||
		!dm.CreatedAt.After(public.CreatedAt) || dm.ThreadRoot != "" || dm.ReplyTo != "" {
		t.Fatalf("DM = %+v", dm)
	}
	th, err := f.Thread(ctx, dm)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{invite.RemoteID, "pet-007"}; !slices.Equal(ids(th), want) {
		t.Errorf("DM thread = %v, want %v", ids(th), want)
	}
	if !th[0].Direct || th[0].DMKey != dm.DMKey || th[0].Kind != social.KindOwn {
		t.Errorf("invite = %+v", th[0])
	}
	pub, err := f.Thread(ctx, public)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(pub), []string{"pet-001"}) {
		t.Errorf("public thread = %v, want only the public post", ids(pub))
	}

	_, err = f.Send(ctx, social.Reply{To: dm, Text: "Replacement on its way."})
	wantPermanent(t, err)
	sent, err := f.Send(ctx, social.Reply{To: dm, Direct: true, Text: "Thanks Olivia — a fresh bouquet goes out tomorrow 9am, and we've refunded the €65."})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(FollowUpDelay)
	posts, _ = drain(t, f, cur)
	if len(posts) == 0 || posts[len(posts)-1].RemoteID != "pet-007-fu" {
		t.Fatalf("after the DM reply: %v", ids(posts))
	}
	a := posts[len(posts)-1]
	if a.Kind != social.KindDM || !a.Direct || a.DMKey != dm.DMKey || a.ReplyTo != sent.RemoteID || a.Author != dm.Author || a.Lang != "en" {
		t.Errorf("DM answer = %+v", a)
	}
	th, err = f.Thread(ctx, dm)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{invite.RemoteID, "pet-007", sent.RemoteID, "pet-007-fu"}; !slices.Equal(ids(th), want) {
		t.Errorf("DM thread = %v, want %v", ids(th), want)
	}
}

func TestSendErrors(t *testing.T) {
	f, c := newTestFeed(t)
	c.Set(testStart.Add(40 * time.Second))
	ctx := context.Background()
	if _, err := f.Send(ctx, social.Reply{To: scripted(t, f, "sky-002"), Text: "Sorted!"}); err != nil {
		t.Fatal(err)
	}
	sky := scripted(t, f, "sky-001")
	tests := []struct {
		name string
		r    social.Reply
	}{
		{"empty text", social.Reply{To: sky}},
		{"blank text", social.Reply{To: sky, Text: " \n\t "}},
		{"unknown post", social.Reply{To: social.Post{RemoteID: "sky-404"}, Text: "hi"}},
		{"no post", social.Reply{Text: "hi"}},
		{"post not arrived yet", social.Reply{To: scripted(t, f, "sky-026"), Text: "hi"}},
		{"answer not arrived yet", social.Reply{To: social.Post{RemoteID: "sky-002-fu"}, Text: "hi"}},
		{"other account", social.Reply{Account: AccountPetal, To: sky, Text: "hi"}},
		{"other network", social.Reply{Network: social.Mastodon, To: sky, Text: "hi"}},
		{"too long", social.Reply{To: sky, Text: strings.Repeat("ą", TextLimit+1)}},
		{"too long for a DM", social.Reply{To: sky, Direct: true, Text: strings.Repeat("ą", DMLimit+1)}},
		{"public answer to a DM", social.Reply{To: scripted(t, f, "pet-007"), Text: "hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Send(ctx, tt.r)
			wantPermanent(t, err)
		})
	}
	f.mu.Lock()
	n := len(f.replies)
	f.mu.Unlock()
	if n != 1 {
		t.Errorf("%d replies recorded, want only the good one", n)
	}
	// At the limit is fine, and a DM may be longer than a public reply.
	for _, r := range []social.Reply{
		{To: sky, Text: strings.Repeat("ą", TextLimit)},
		{To: sky, Direct: true, Text: strings.Repeat("ą", TextLimit+1)},
	} {
		if _, err := f.Send(ctx, r); err != nil {
			t.Errorf("Send of %d characters (direct %v): %v", len([]rune(r.Text)), r.Direct, err)
		}
	}
}

func TestSendIdempotent(t *testing.T) {
	f, _ := newTestFeed(t)
	ctx := context.Background()
	to := scripted(t, f, "nw-003")
	r := social.Reply{ID: "o1", Key: "k1", To: to, Text: "A crew is on its way to Birch Close."}

	if s, ok, err := f.Confirm(ctx, r); err != nil || ok || s != (social.Sent{}) {
		t.Fatalf("Confirm before Send = %+v, %v, %v", s, ok, err)
	}
	s1, err := f.Send(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := f.Send(ctx, r)
	if err != nil || s2 != s1 {
		t.Fatalf("resend = %+v, %v; want %+v", s2, err, s1)
	}
	if s, ok, err := f.Confirm(ctx, r); err != nil || !ok || s != s1 {
		t.Errorf("Confirm after Send = %+v, %v, %v", s, ok, err)
	}
	// Without a Key the ID is the idempotency key.
	byID := social.Reply{ID: "o2", To: to, Text: "Update: 10 minutes away."}
	s3, err := f.Send(ctx, byID)
	if err != nil {
		t.Fatal(err)
	}
	if s4, err := f.Send(ctx, byID); err != nil || s4 != s3 || s3 == s1 {
		t.Errorf("resend by ID = %+v, %v; first %+v", s4, err, s3)
	}
	// Without either, every send is new, and Confirm cannot know.
	anon := social.Reply{To: to, Text: "Crew arrived."}
	a1, _ := f.Send(ctx, anon)
	a2, _ := f.Send(ctx, anon)
	if a1 == a2 {
		t.Error("two sends without a key were merged")
	}
	if _, ok, err := f.Confirm(ctx, anon); ok || err != nil {
		t.Errorf("Confirm without a key = %v, %v", ok, err)
	}
	th, err := f.Thread(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	own := 0
	for _, p := range th {
		if p.Kind == social.KindOwn {
			own++
		}
	}
	if own != 4 {
		t.Errorf("%d own replies in the thread, want 4", own)
	}
}

// TestConcurrent runs pollers, senders and thread readers against a clock
// that moves on; run it with -race.
func TestConcurrent(t *testing.T) {
	f, c := newTestFeed(t)
	ctx := context.Background()
	const pollers, senders = 3, 2
	got := make([][]social.Post, pollers)
	cursors := make([]string, pollers)
	var wg sync.WaitGroup
	done := make(chan struct{})
	steps := make([]chan chan struct{}, senders)

	// The clock moves a second at a time; each step waits until every
	// sender has polled, read threads and replied once, while the pollers
	// run freely.
	for i := range senders {
		steps[i] = make(chan chan struct{})
	}
	wg.Go(func() {
		defer close(done)
		for range 200 {
			c.Advance(time.Second)
			acks := make([]chan struct{}, senders)
			for i := range senders {
				acks[i] = make(chan struct{})
				steps[i] <- acks[i]
			}
			for _, a := range acks {
				<-a
			}
		}
		for i := range senders {
			close(steps[i])
		}
	})
	for i := range pollers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				b, err := f.Poll(ctx, cursors[i])
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = append(got[i], b.Posts...)
				cursors[i] = b.Cursor
			}
		})
	}
	for s := range senders {
		wg.Go(func() {
			cur, n := "", 0
			for ack := range steps[s] {
				b, err := f.Poll(ctx, cur)
				if err != nil {
					t.Error(err)
				}
				cur = b.Cursor
				for _, p := range b.Posts {
					n++
					if _, err := f.Thread(ctx, p); err != nil {
						t.Errorf("Thread(%s): %v", p.RemoteID, err)
					}
					if n%3 != s {
						continue
					}
					r := social.Reply{Key: fmt.Sprintf("s%d-%d", s, n), To: p, Direct: p.Direct, Text: "On it!"}
					if _, err := f.Send(ctx, r); err != nil {
						t.Errorf("Send to %s: %v", p.RemoteID, err)
					}
				}
				close(ack)
			}
		})
	}
	wg.Wait()

	c.Set(f.LastArrival().Add(time.Hour))
	f.mu.Lock()
	want := map[string]bool{}
	for _, e := range f.script {
		want[e.post.RemoteID] = true
	}
	for _, fu := range f.follows {
		want[fu.post.RemoteID] = true
	}
	sentN, answers := len(f.replies), len(f.follows)
	f.mu.Unlock()
	if sentN < 20 || answers < 5 {
		t.Fatalf("%d replies sent and %d answers scheduled, want a busy run", sentN, answers)
	}
	for i := range pollers {
		rest, _ := drain(t, f, cursors[i])
		all := append(got[i], rest...)
		seen := map[string]bool{}
		for _, p := range all {
			if seen[p.RemoteID] {
				t.Errorf("poller %d got %s twice", i, p.RemoteID)
			}
			seen[p.RemoteID] = true
		}
		if len(seen) != len(want) {
			t.Errorf("poller %d got %d posts, want %d", i, len(seen), len(want))
		}
		for id := range want {
			if !seen[id] {
				t.Errorf("poller %d missed %s", i, id)
			}
		}
	}
}
