package pg_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Several harks on one database, each releasing the same due scheduled
// message at once: the row lock lets exactly one release it (the others
// find it queued already), so it is handed to delivery once.
func TestScheduledReleasedOnceAcrossProcesses(t *testing.T) {
	dsn := newDB(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	first := open(t, dsn)
	e, err := first.EnqueueScheduled(ctx, social.Reply{ID: "s1", Text: "did it arrive?"}, false, t0.Add(time.Hour), false, t0)
	if err != nil {
		t.Fatal(err)
	}
	var released, decided atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		s := first
		if i > 0 {
			s = open(t, dsn) // its own pool, as another process
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, rel, err := s.ReleaseScheduled(ctx, e.Seq, t0.Add(2*time.Hour), func(store.OutboxEntry, social.Conversation, bool) string {
				decided.Add(1)
				return ""
			})
			if err != nil {
				t.Error(err)
			}
			if rel {
				released.Add(1)
			}
		}()
	}
	wg.Wait()
	if released.Load() != 1 {
		t.Fatalf("released %d times, want once (decided %d times)", released.Load(), decided.Load())
	}
	got, _ := first.OutboxEntry(ctx, e.Seq)
	if got.State != store.OutQueued {
		t.Fatalf("state %s", got.State)
	}
}
