package engine

import (
	"context"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

func (e *Engine) clockLoop(ctx context.Context) {
	t := time.NewTicker(e.o.Tick)
	defer t.Stop()
	for {
		// with several processes on one store, only the one holding the
		// clock lease wakes and rescores
		if e.coord == nil || e.coord.clockLease(ctx) {
			e.Wake()
			e.Rescore()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// threadLoop refreshes the waiting conversations' threads every
// ThreadEvery, the first time one interval after start (the polls go first).
func (e *Engine) threadLoop(ctx context.Context) {
	if e.o.ThreadEvery < 0 {
		return
	}
	Every(ctx, e.o.ThreadEvery, func() {
		// with several processes on one store, the clock's holder refreshes
		// (one round of thread reads per interval, not one per process)
		if e.coord != nil && !e.coord.clockLease(ctx) {
			return
		}
		r := e.RefreshThreads(ctx, e.o.ThreadBudget)
		for _, err := range r.Errors {
			e.log.Warn("refreshing a thread", "err", err)
		}
	})
}

// Every calls fn every d, the first time one interval from now, until ctx
// ends (the engine's and the team's periodic work).
func Every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// Wake reopens every snoozed conversation whose time has come. It runs at
// start (so a snooze that fell due while hark was closed wakes at once) and
// on every clock tick. It returns the ids woken.
func (e *Engine) Wake() []string {
	now := e.now()
	// the index key holds the wake time: only due conversations are read
	// (a wake time at or before now: before the next nanosecond)
	ids, err := e.st.UpdateDue(context.Background(), store.ViewSnoozed, now.Add(time.Nanosecond), store.Wake(now))
	if err != nil {
		e.log.Error("waking snoozed conversations", "err", err)
		return nil
	}
	if len(ids) > 0 {
		e.log.Info("woke snoozed conversations", "n", len(ids))
		e.publish(Event{Kind: EvConvChanged, ConvIDs: ids})
	}
	return ids
}

// Rescore lets the triage rules move conversations as their SLA deadline
// nears or passes.
func (e *Engine) Rescore() []string {
	if e.o.Rescore == nil {
		return nil
	}
	now := e.now()
	// Only conversations with a deadline inside the horizon (or past) can
	// change SLA state soon; the index key carries the due time, so the rest
	// are never decoded. The horizon is a week: a 24-hour SLA counted in
	// business hours turns "at risk" days before its deadline.
	horizon := now.Add(e.o.RescoreHorizon)
	ids, err := e.st.UpdateDue(context.Background(), store.ViewActionable, horizon, func(c *social.Conversation) bool {
		return e.o.Rescore(c, now)
	})
	if err != nil {
		e.log.Error("rescoring", "err", err)
		return nil
	}
	if len(ids) > 0 {
		e.publish(Event{Kind: EvConvChanged, ConvIDs: ids})
	}
	return ids
}
