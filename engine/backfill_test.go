package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// backfillSource serves pages of posts back in time: a 429 before the second
// page, and a rate budget that runs low before the third.
type backfillSource struct {
	mu        sync.Mutex
	now       func() time.Time
	pages     [][]social.Post
	calls     int
	limited   bool // the 429 was served
	remaining int
}

func (s *backfillSource) ID() string { return "paged" }
func (s *backfillSource) Poll(context.Context, string) (social.Batch, error) {
	return social.Batch{}, nil
}
func (s *backfillSource) Rate() social.RateStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return social.RateStatus{Known: true, Limit: 300, Remaining: s.remaining, Reset: s.now().Add(30 * time.Millisecond)}
}

func (s *backfillSource) BackfillPage(_ context.Context, before string, since time.Time) ([]social.Post, string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	i := 0
	fmt.Sscan(before, &i)
	if i == 1 && !s.limited {
		s.limited = true
		return nil, before, true, &social.Error{Kind: social.RateLimited, Status: 429, Until: s.now().Add(30 * time.Millisecond)}
	}
	s.remaining = 300
	if i == 1 {
		s.remaining = 2 // below the reserve: the next page waits for the reset
	}
	var out []social.Post
	for _, p := range s.pages[i] {
		if !p.CreatedAt.Before(since) {
			out = append(out, p)
		}
	}
	more := i+1 < len(s.pages) && len(out) == len(s.pages[i])
	return out, fmt.Sprint(i + 1), more, nil
}

// The backfill reads page after page into the store, waits out a 429 and
// a budget below its reserve, stops at since, and leaves the feed's
// cursor alone.
func TestBackfillWithinRateLimits(t *testing.T) {
	st := tempStore(t)
	now := time.Now()
	post := func(i int, age time.Duration) social.Post {
		return social.Post{RemoteID: fmt.Sprint(i), Author: social.Author{Handle: fmt.Sprintf("@c%d", i)}, Text: "old mention",
			CreatedAt: now.Add(-age), Kind: social.KindMention}
	}
	src := &backfillSource{now: time.Now, remaining: 300, pages: [][]social.Post{
		{post(1, time.Hour), post(2, 2*time.Hour)},
		{post(3, 24*time.Hour), post(4, 48*time.Hour)},
		{post(5, 72*time.Hour), post(6, 10*24*time.Hour)}, // the last is older than since
	}}
	e := New(Options{Store: st, Feeds: []Feed{{Source: src, Network: social.Demo, Account: "acme", Brand: "Acme"}}})
	var waits int
	res := e.Backfill(context.Background(), now.Add(-7*24*time.Hour), func(p BackfillProgress) {
		if !p.Waiting.IsZero() {
			waits++
		}
	})
	if len(res) != 1 || !res[0].Done || res[0].Err != nil || res[0].Read != 5 || res[0].New != 5 || res[0].Pages != 3 {
		t.Fatalf("backfill: %+v", res)
	}
	if waits != 2 {
		t.Errorf("waited %d times, want 2 (the 429, the budget below the reserve)", waits)
	}
	if src.calls != 4 {
		t.Errorf("%d page requests, want 4 (three pages and the one refused)", src.calls)
	}
	if cur, _ := st.Cursor(context.Background(), "paged"); cur != "" {
		t.Errorf("the feed's cursor moved to %q", cur)
	}
	n := 0
	st.ForEachConv(context.Background(), func(social.Conversation) bool { n++; return true })
	if n != 5 {
		t.Errorf("%d conversations stored, want 5", n)
	}
}

// The thread refresh goes round the waiting conversations: with a budget
// of 2 a round (one for the most recent activity, one round the rest),
// every one is checked within n rounds, whatever its activity.
func TestRefreshThreadsGoesRound(t *testing.T) {
	e, _, clk := demoEngine(t)
	ctx := context.Background()
	e.PollOnce(ctx)
	var ids []string
	for _, v := range []store.View{store.ViewActionable, store.ViewPending} {
		refs, err := e.Store().QueueRefs(context.Background(), v, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range refs {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) < 3 {
		t.Fatalf("the demo gave %d waiting conversations, want at least 3", len(ids))
	}
	rounds := len(ids)
	for range rounds {
		clk.Advance(time.Minute)
		if r := e.RefreshThreads(ctx, 2); r.Checked != 2 && r.Checked != len(ids)%2 {
			t.Fatalf("a round checked %d threads, want the budget of 2: %+v", r.Checked, r)
		}
	}
	convs, err := e.Store().Conversations(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		if c.ThreadCheckedAt.IsZero() && !c.Direct && c.ReadOnly == "" {
			t.Errorf("conversation %s was never checked in %d rounds of 2 over %d", c.ID, rounds, len(ids))
		}
	}
}

func TestCatchUpWait(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		rs   social.RateStatus
		want time.Duration
	}{
		{"budget unknown", social.RateStatus{}, 0},
		{"plenty left", social.RateStatus{Known: true, Limit: 300, Remaining: 200, Reset: now.Add(5 * time.Minute)}, 0},
		{"just above the reserve", social.RateStatus{Known: true, Limit: 300, Remaining: 16, Reset: now.Add(5 * time.Minute)}, 0},
		{"down to the reserve", social.RateStatus{Known: true, Limit: 300, Remaining: 15, Reset: now.Add(5 * time.Minute)}, 5 * time.Minute},
		{"0 of 300 left", social.RateStatus{Known: true, Limit: 300, Remaining: 0, Reset: now.Add(90 * time.Second)}, 90 * time.Second},
		{"small limit, 1 left", social.RateStatus{Known: true, Limit: 10, Remaining: 1, Reset: now.Add(time.Minute)}, time.Minute},
		{"spent, reset passed", social.RateStatus{Known: true, Limit: 300, Remaining: 0, Reset: now.Add(-time.Second)}, 2 * time.Minute},
		{"spent, no reset", social.RateStatus{Known: true, Limit: 300, Remaining: 0}, 2 * time.Minute},
	} {
		if got := catchUpWait(tc.rs, now, 2*time.Minute); got != tc.want {
			t.Errorf("%s: wait %v, want %v", tc.name, got, tc.want)
		}
	}
}

// pagedSource always has more, and reports the budget a server would: one
// request less per page.
type pagedSource struct {
	mu    sync.Mutex
	polls int
	limit int
	reset time.Time
}

func (s *pagedSource) ID() string { return "paged" }
func (s *pagedSource) Poll(ctx context.Context, cur string) (social.Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls++
	p := social.Post{Network: "t", Account: "a", RemoteID: fmt.Sprint(s.polls), Author: social.Author{Handle: "@c"}, Text: "hi", CreatedAt: start}
	return social.Batch{Posts: []social.Post{p}, Cursor: fmt.Sprint(s.polls), More: true}, nil
}
func (s *pagedSource) Rate() social.RateStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return social.RateStatus{Known: true, Limit: s.limit, Remaining: max(s.limit-s.polls, 0), Reset: s.reset}
}

// A catch-up stops paging when the announced budget is down to its
// reserve, instead of running it to zero (issue 16: 322 requests in 15 s
// at "0 of 300 left").
func TestCatchUpWaitsForTheBudget(t *testing.T) {
	clk := testkit.NewClock(start)
	st := tempStore(t)
	src := &pagedSource{limit: 10, reset: start.Add(5 * time.Minute)}
	e := New(Options{Store: st, Now: clk.Now, Feeds: []Feed{{Source: src, Network: "t", Account: "a", Interval: time.Minute}}})
	r := e.PollOnce(context.Background())
	if r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	// limit 10, reserve 1: pages until one request is left
	if src.polls != 9 || !r[0].More {
		t.Fatalf("%d pages polled (more %v), want 9: the catch-up must stop at the reserve", src.polls, r[0].More)
	}
	if len(r[0].New) != 9 {
		t.Fatalf("%d posts stored, want 9", len(r[0].New))
	}
}
