package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

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
	st, err := store.Open(filepath.Join(t.TempDir(), "e.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
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
