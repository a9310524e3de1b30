package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/demo"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// A status post goes out once on the brand's account, is listed with its
// link, a customer's reply under it arrives tagged with it, {{.Status}}'s
// link follows it, and resolving it threads a follow-up under it.
func TestStatusPostRoundTrip(t *testing.T) {
	e, f, clk := demoEngine(t)
	ctx := context.Background()
	e.PollOnce(ctx)
	var brand string
	for _, b := range demo.Brands() {
		if b.Account == demo.AccountNorthwind {
			brand = b.Name
		}
	}
	if _, err := e.PostStatus(t.Context(), brand, "  ", StatusOptions{}); err == nil {
		t.Fatal("an empty status post was accepted")
	}
	if _, err := e.PostStatus(t.Context(), brand, "x", StatusOptions{Targets: []StatusTarget{{Network: social.Demo, Account: demo.AccountSkylark}}}); err == nil {
		t.Fatal("a status on another brand's account was accepted")
	}
	if _, err := e.PostStatus(t.Context(), brand, strings.Repeat("long ", 200), StatusOptions{}); err == nil {
		t.Fatal("a status over the network's limit was accepted")
	}
	st, err := e.PostStatus(t.Context(), brand, "We know about the outage in Millbrook; crews are on it.", StatusOptions{ID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.PostStatus(t.Context(), brand, "We know about the outage in Millbrook; crews are on it.", StatusOptions{ID: "s1"})
	if err != nil || again.ID != st.ID {
		t.Fatalf("a retried call made another status: %+v %v", again, err)
	}
	if len(st.Items) != 1 || st.Items[0].Account != demo.AccountNorthwind || st.Items[0].State != store.OutQueued {
		t.Fatalf("status %+v", st)
	}
	e.Deliver(ctx)
	e.Deliver(ctx)
	list, _ := e.Statuses(t.Context(), brand, 0)
	if len(list) != 1 || list[0].Items[0].State != store.OutSent || list[0].Items[0].URL == "" {
		t.Fatalf("status list %+v", list)
	}
	if n := len(f.Sent()); n != 1 {
		t.Fatalf("the network holds %d posts, want 1", n)
	}
	link := e.StatusLink(brand, social.Demo)
	if link != list[0].Items[0].URL {
		t.Fatalf("status link %q, want %q", link, list[0].Items[0].URL)
	}
	if e.StatusLink("Skylark Air", social.Demo) != "" {
		t.Fatal("another brand has a status link")
	}
	// a customer answers under it
	clk.Advance(demo.FollowUpDelay + time.Second)
	e.PollOnce(ctx)
	var tagged []social.Conversation
	_ = e.Store().ForEachConv(context.Background(), func(c social.Conversation) bool {
		if c.Status == st.ID {
			tagged = append(tagged, c)
		}
		return true
	})
	if len(tagged) != 1 || tagged[0].Brand != brand {
		t.Fatalf("conversations tagged with the status: %+v", tagged)
	}
	// a new engine on the same store knows the link (loaded at start)
	e2 := New(Options{Store: e.st, Now: clk.Now, Accounts: e.o.Accounts})
	if e2.StatusLink(brand, social.Demo) != link {
		t.Fatal("the status link is lost on restart")
	}
	// resolved with a follow-up threaded under it
	res, err := e.ResolveStatus(t.Context(), st.ID, "Power is back in Millbrook. Thank you for your patience.", social.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resolved || res.Items[0].Follow == 0 {
		t.Fatalf("resolved %+v", res)
	}
	if _, err := e.ResolveStatus(t.Context(), st.ID, "again", social.Actor{}); err == nil {
		t.Fatal("resolved twice")
	}
	e.Deliver(ctx)
	fu, _ := e.Store().OutboxEntry(context.Background(), res.Items[0].Follow)
	if fu.State != store.OutSent || fu.Reply.To.RemoteID != list[0].Items[0].RemoteID {
		t.Fatalf("follow-up %+v", fu)
	}
	sent := f.Sent()
	if len(sent) != 2 || sent[1].ReplyTo != list[0].Items[0].RemoteID {
		t.Fatalf("network posts %+v", sent)
	}
}

// Without targets a status goes to every account of the brand that can
// post, each its own outbox entry sent once even when the first try timed
// out after reaching the network.
func TestStatusPostEveryAccountOnce(t *testing.T) {
	clk := testkit.NewClock(start)
	st := tempStore(t)
	fl := &flaky{fails: 1, sent: map[string]social.Sent{}}
	net := &countingNet{}
	e := New(Options{Store: st, Now: clk.Now, Accounts: []Account{
		{Network: "m", Name: "a", Brand: "Acme", Sender: fl},
		{Network: "b", Name: "a2", Brand: "Acme", Sender: net},
		{Network: "b", Name: "other", Brand: "Other", Sender: net},
		{Network: "r", Name: "feed", Brand: "Acme"}, // read-only
	}})
	s, err := e.PostStatus(t.Context(), "Acme", "Site is down; we're on it", StatusOptions{})
	if err != nil || len(s.Items) != 2 {
		t.Fatalf("%+v %v", s, err)
	}
	for range 3 {
		e.Deliver(context.Background())
		clk.Advance(time.Minute)
	}
	if fl.posts != 1 || net.count() != 1 {
		t.Fatalf("posts: flaky %d, other %d", fl.posts, net.count())
	}
	for _, r := range net.sends {
		if r.To.RemoteID != "" {
			t.Fatalf("a status post answered %q", r.To.RemoteID)
		}
	}
	got, _ := e.Statuses(t.Context(), "Acme", 0)
	for _, it := range got[0].Items {
		if it.State != store.OutSent {
			t.Fatalf("item %+v", it)
		}
	}
}

// An operator limited to some brands posts, retries and discards status
// posts of those brands only.
func TestStatusPostOperatorBrands(t *testing.T) {
	clk := testkit.NewClock(start)
	st := tempStore(t)
	e := New(Options{Store: st, Now: clk.Now, Accounts: []Account{
		{Network: "m", Name: "a", Brand: "Acme", Sender: &countingNet{}},
		{Network: "m", Name: "o", Brand: "Other", Sender: &countingNet{}},
	}})
	other, err := e.PostStatus(t.Context(), "Other", "Other's news", StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	op := e.As(social.Actor{Name: "Kim", Initials: "KS"}).WithBrands([]string{"Acme"})
	if _, err := op.PostStatus(t.Context(), "Other", "not mine", StatusOptions{}); err == nil {
		t.Fatal("posted for another brand")
	}
	if _, err := op.Discard(t.Context(), other.Items[0].Seq); err == nil {
		t.Fatal("discarded another brand's status post")
	}
	mine, err := op.PostStatus(t.Context(), "Acme", "Acme's news", StatusOptions{})
	if err != nil || mine.By.Initials != "KS" {
		t.Fatalf("%+v %v", mine, err)
	}
	if _, err := op.Discard(t.Context(), mine.Items[0].Seq); err != nil {
		t.Fatalf("discarding my brand's status post: %v", err)
	}
}
