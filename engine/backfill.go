package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
)

// BackfillProgress is reported after every page a backfill reads.
type BackfillProgress struct {
	Feed    string
	Pages   int       // pages read so far
	Read    int       // posts read so far
	New     int       // of them, stored for the first time
	Oldest  time.Time // the oldest post read so far
	Since   time.Time // how far back the backfill goes
	Waiting time.Time // non-zero: waiting for the rate limit to reset until then
	Done    bool
	Err     error
}

// rateReserve is how many requests of a network's budget a backfill
// leaves to the polls and sends: below it, it waits for the reset.
const rateReserve = 10

// maxBackfillPages bounds one feed's backfill (40–50 posts a page).
const maxBackfillPages = 500

// Backfill reads every feed that can (social.Backfiller) back to since,
// page by page, storing what it finds (the feeds' cursors are not
// touched: polls go on from where they were). It stays within the rate
// limits: when the budget a network reports runs low, or it answers 429,
// it waits for the reset and goes on. progress is called after every page
// and at each feed's end. It returns the last progress of each feed.
func (e *Engine) Backfill(ctx context.Context, since time.Time, progress func(BackfillProgress)) []BackfillProgress {
	var out []BackfillProgress
	for _, f := range e.o.Feeds {
		bf, ok := f.Source.(social.Backfiller)
		if !ok || f.Broken != nil {
			continue
		}
		out = append(out, e.backfillFeed(ctx, f, bf, since, progress))
	}
	return out
}

func (e *Engine) backfillFeed(ctx context.Context, f Feed, bf social.Backfiller, since time.Time, progress func(BackfillProgress)) BackfillProgress {
	id := f.Source.ID()
	pr := BackfillProgress{Feed: id, Since: since}
	report := func() {
		if progress != nil {
			progress(pr)
		}
	}
	wait := func(until time.Time) bool {
		pr.Waiting = until
		report()
		t := time.NewTimer(max(until.Sub(e.now()), 0))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		pr.Waiting = time.Time{}
		return true
	}
	before := ""
	retries := 0
	for pr.Pages < maxBackfillPages {
		if ctx.Err() != nil {
			pr.Err = ctx.Err()
			break
		}
		if rr, ok := f.Source.(social.RateReporter); ok {
			if r := rr.Rate(); r.Known && r.Remaining < rateReserve && r.Reset.After(e.now()) {
				if !wait(r.Reset) {
					pr.Err = ctx.Err()
					break
				}
			}
		}
		pctx, cancel := context.WithTimeout(ctx, e.o.PollTimeout)
		var posts []social.Post
		var next string
		var more bool
		err := e.guard("backfill of "+id, func() (err error) { posts, next, more, err = bf.BackfillPage(pctx, before, since); return err })
		cancel()
		if err != nil {
			if until, ok := social.RetryAt(err); ok && retries < 5 {
				retries++
				if wait(until) {
					continue
				}
			}
			if social.KindOf(err) == social.Transient && retries < 3 && ctx.Err() == nil {
				retries++
				if wait(e.now().Add(backoff(retries, 5*time.Second))) {
					continue
				}
			}
			pr.Err = fmt.Errorf("backfill of %s: %w", id, err)
			break
		}
		retries = 0
		pr.Pages++
		for i := range posts {
			p := &posts[i]
			f.stamp(p)
			if !p.CreatedAt.IsZero() && (pr.Oldest.IsZero() || p.CreatedAt.Before(pr.Oldest)) {
				pr.Oldest = p.CreatedAt
			}
		}
		// oldest first, as polls deliver: threads join in order
		rev := make([]social.Post, len(posts))
		for i, p := range posts {
			rev[len(posts)-1-i] = p
		}
		ir, err := e.st.Ingest(ctx, "", "", rev, e.o.Triage, e.now())
		if err != nil {
			pr.Err = fmt.Errorf("backfill of %s: %w", id, err)
			break
		}
		pr.Read += len(posts)
		pr.New += len(ir.New)
		if len(ir.New) > 0 {
			e.publish(Event{Kind: EvNewPosts, ConvIDs: ir.Changed, Posts: ir.New, Reopened: ir.Reopened})
		}
		report()
		if !more {
			pr.Done = true
			break
		}
		before = next
	}
	if pr.Done {
		st := e.feedStatus(id)
		st.Backlog = ""
		st.Stored += pr.New
		e.setFeedStatus(st)
	}
	report()
	return pr
}
