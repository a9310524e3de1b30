package engine

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/hark-tui/hark/store"
)

// Several processes on one store (PostgreSQL): each feed is polled by the
// process holding its lease, the clock runs in the process holding the
// clock lease, and every batch is written behind a fence (the lease and
// the cursor's version, checked in the batch's transaction), so a process
// that was stalled or cut off commits nothing. Leases expire on the
// database clock. Feeds are spread: the live processes (the registry,
// heartbeated) are sorted, and feed i of the sorted feed list prefers
// process i mod n; a process that is not a feed's preferred owner takes
// its lease only once it has been free for half an interval, and hands it
// back after its poll while the preferred owner is alive. On bbolt
// (no store.Coordinator) none of this runs: the process is always its own
// leader, as before.

// ErrPolledElsewhere: another process holds the feed's lease.
var ErrPolledElsewhere = errors.New("polled by another hark process (it holds the feed's lease)")

type coordState struct {
	e    *Engine
	c    store.Coordinator
	self store.Process
	ttl  time.Duration
	rank map[string]int // feed id → index in the sorted feed list

	// crash: the process dies without leaving (tests of kill -9)
	crash bool

	mu    sync.Mutex
	procs []string // live process ids, sorted
	clock *store.Lease
}

func newCoordState(e *Engine) *coordState {
	c, ok := e.st.(store.Coordinator)
	if !ok {
		return nil
	}
	o := &e.o
	if o.ProcessID == "" {
		o.ProcessID = newID()
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.Heartbeat <= 0 {
		// a dead process leaves the registry (and its feeds go to their
		// next preferred process) well within a lease
		o.Heartbeat = min(5*time.Second, o.LeaseTTL/4)
	}
	if o.ProcessTTL <= 0 {
		o.ProcessTTL = 3 * o.Heartbeat
	}
	host, _ := os.Hostname()
	cs := &coordState{e: e, c: c, ttl: o.LeaseTTL, rank: map[string]int{},
		self: store.Process{ID: o.ProcessID, Host: host, PID: os.Getpid(), Kind: o.ProcessKind}}
	var ids []string
	for _, f := range o.Feeds {
		ids = append(ids, f.Source.ID())
	}
	slices.Sort(ids)
	for i, id := range ids {
		cs.rank[id] = i
	}
	c.SetOrigin(o.ProcessID)
	return cs
}

// listen turns the changes other processes commit into this process's
// events, so every screen here shows them: conversations re-read, the
// outbox reloaded and the senders woken at once by a new entry. When the
// listening connection comes back after a drop (a database restart, a
// network fault), every subscriber gets EvResync and reloads everything:
// notices sent meanwhile are lost.
func (cs *coordState) listen(ctx context.Context) {
	e := cs.e
	first := true
	err := cs.c.Listen(ctx, func(ch store.Change) {
		if len(ch.Team) > 0 {
			// every process's, its own too: package team applies them in
			// commit order
			e.publish(Event{Kind: EvTeam, Team: ch.Team})
		}
		if ch.Origin == cs.self.ID {
			return // published here already
		}
		switch {
		case ch.Resync:
			e.publish(Event{Kind: EvResync})
			e.Kick()
			return
		case len(ch.Outbox) > 0:
			e.Kick()
			e.publish(Event{Kind: EvDelivery, ConvIDs: ch.Convs})
		case len(ch.Convs) > 0:
			e.publish(Event{Kind: EvConvChanged, ConvIDs: ch.Convs})
		}
	}, func(up bool) {
		if !up {
			e.log.Warn("lost the database's change notices; reconnecting")
			return
		}
		e.publish(Event{Kind: EvListening})
		if first {
			first = false
			return
		}
		e.log.Info("change notices back: every screen reloads")
		e.publish(Event{Kind: EvResync})
		e.Kick()
	})
	if err != nil {
		e.log.Error("listening for changes", "err", err)
	}
}

// ProcessID is this process's id in the registry ("" on bbolt).
func (e *Engine) ProcessID() string {
	if e.coord == nil {
		return ""
	}
	return e.coord.self.ID
}

// join registers this process (its first beat, finished even if ctx ends
// meanwhile, like every beat: see heartbeatLoop).
func (cs *coordState) join(ctx context.Context) {
	bctx, cancel := leaseCtx(ctx)
	defer cancel()
	cs.beat(bctx)
}

func (cs *coordState) beat(ctx context.Context) {
	ps, err := cs.c.Heartbeat(ctx, cs.self, cs.e.o.ProcessTTL)
	if err != nil {
		cs.e.log.Warn("heartbeat failed", "err", err)
		return
	}
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	cs.mu.Lock()
	cs.procs = ids
	cs.mu.Unlock()
}

// heartbeatLoop beats until ctx ends. A beat under way when it ends
// finishes first (leaseCtx): cancelled mid-statement, its upsert could
// still commit on the server after leave deleted the registration, and
// a stopped process would stay registered until the others swept it.
func (cs *coordState) heartbeatLoop(ctx context.Context) {
	Every(ctx, cs.e.o.Heartbeat, func() {
		bctx, cancel := leaseCtx(ctx)
		cs.beat(bctx)
		cancel()
		cs.refreshStatuses(ctx)
	})
}

// refreshStatuses takes the status of the feeds other processes poll
// from the store, so this process's screens show them.
func (cs *coordState) refreshStatuses(ctx context.Context) {
	sts, err := cs.e.st.FeedStatuses(ctx)
	if err != nil {
		return
	}
	e := cs.e
	e.mu.Lock()
	var changed []store.FeedStatus
	for _, s := range sts {
		if old, ok := e.status[s.Feed]; ok && old.LastPoll.Equal(s.LastPoll) && old.LastError == s.LastError {
			continue
		}
		if _, ours := cs.rank[s.Feed]; !ours {
			continue
		}
		e.status[s.Feed] = s
		changed = append(changed, s)
	}
	e.mu.Unlock()
	for i := range changed {
		e.publish(Event{Kind: EvFeedStatus, Feed: &changed[i]})
	}
}

// leave gives up this process's leases at once (a clean stop), so the
// others take its feeds without waiting for the expiry.
func (cs *coordState) leave() {
	if cs.crash {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cs.c.Leave(ctx, cs.self.ID); err != nil {
		cs.e.log.Warn("leaving the process registry", "err", err)
	}
}

// preferred reports whether this process is the feed's preferred poller,
// and whether the preferred one is another live process.
func (cs *coordState) preferred(feed string) (me bool, other bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.procs) == 0 {
		return true, false
	}
	p := cs.procs[cs.rank[feed]%len(cs.procs)]
	return p == cs.self.ID, p != cs.self.ID
}

// leaseCtx is the context of a lease write: it is not cut short when the
// engine stops, so the write has ended (committed or not) before Run's
// leave gives every lease up. A write cancelled mid-flight could commit on
// the server after leave and hold the lease until it expires.
func leaseCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

func (cs *coordState) take(ctx context.Context, f Feed, grace time.Duration) (*store.Lease, bool, error) {
	ctx, cancel := leaseCtx(ctx)
	defer cancel()
	l, ok, err := cs.c.Lease(ctx, store.LeaseFeed(f.Source.ID()), cs.self.ID, cs.ttl, grace)
	if err != nil || !ok {
		return nil, false, err
	}
	return &l, true, nil
}

// onceLease is the lease for `hark poll --once`: taken at once if free.
func (cs *coordState) onceLease(ctx context.Context, f Feed) (*store.Lease, bool, error) {
	if cs == nil || f.Broken != nil {
		return nil, true, nil
	}
	return cs.take(ctx, f, 0)
}

func (cs *coordState) release(f Feed, l *store.Lease) {
	if cs == nil || l == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cs.c.ReleaseLease(ctx, l.Name, cs.self.ID); err != nil {
		cs.e.log.Warn("releasing a feed lease", "feed", f.Source.ID(), "err", err)
	}
}

// pollLoop polls a feed while this process holds its lease. It renews
// the lease every third of its time while it waits between polls, and
// tries to take it every half interval (at most every third of the lease
// time) while another process holds it; so after a kill -9 of the poller
// the feed is polled again within the lease time plus one interval.
func (cs *coordState) pollLoop(ctx context.Context, f Feed, interval time.Duration) {
	e := cs.e
	id := f.Source.ID()
	retry := min(interval/2, cs.ttl/3)
	renew := cs.ttl / 3
	for ctx.Err() == nil {
		me, other := cs.preferred(id)
		grace := time.Duration(0)
		if !me {
			grace = interval / 2
		}
		lease, ok, err := cs.take(ctx, f, grace)
		if err != nil {
			e.log.Warn("taking a feed lease", "feed", id, "err", err)
		}
		if !ok {
			if !sleep(ctx, retry, e.pollNow[id]) {
				return
			}
			continue
		}
		r := e.pollFeed(ctx, f, lease)
		if errors.Is(r.Err, store.ErrFenced) {
			continue // lost it: try again (another process has it)
		}
		if !me && other && !r.More {
			// hand the feed to its preferred process
			cs.release(f, lease)
			if !sleep(ctx, retry, e.pollNow[id]) {
				return
			}
			continue
		}
		wait := e.nextPoll(r, interval)
		// wait, renewing the lease so nobody else polls meanwhile
		deadline := time.Now().Add(max(wait, 0))
		for {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			poked := false
			if !sleepOr(ctx, min(left, renew), e.pollNow[id], &poked) {
				return
			}
			if poked || time.Until(deadline) <= 0 {
				break // poll now (the loop's top renews the lease)
			}
			if _, ok, err := cs.take(ctx, f, 0); err != nil || !ok {
				break // lost (or unreachable): start over
			}
		}
	}
}

// sleep waits d, or until ctx ends (false) or poke fires.
func sleep(ctx context.Context, d time.Duration, poke <-chan struct{}) bool {
	var poked bool
	return sleepOr(ctx, d, poke, &poked)
}

func sleepOr(ctx context.Context, d time.Duration, poke <-chan struct{}, poked *bool) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-poke:
		*poked = true
	}
	return true
}

// clockLease takes or renews the clock lease; only its holder wakes
// snoozed conversations and rescores.
func (cs *coordState) clockLease(ctx context.Context) bool {
	ttl := max(cs.ttl, 2*cs.e.o.Tick)
	lctx, cancel := leaseCtx(ctx)
	defer cancel()
	l, ok, err := cs.c.Lease(lctx, store.LeaseClock, cs.self.ID, ttl, 0)
	if err != nil {
		cs.e.log.Warn("taking the clock lease", "err", err)
		return false
	}
	cs.mu.Lock()
	if ok {
		cs.clock = &l
	} else {
		cs.clock = nil
	}
	cs.mu.Unlock()
	return ok
}

// outboxLease is how long a claimed entry is this process's: a confirm
// and a send, each bounded by SendTimeout, and a margin.
func (cs *coordState) outboxLease() time.Duration {
	if cs.e.o.OutboxLease > 0 {
		return cs.e.o.OutboxLease
	}
	return 2*cs.e.o.SendTimeout + 15*time.Second
}

// deliver claims due entries one at a time (FOR UPDATE SKIP LOCKED: other
// processes take the others) and delivers each under its claim; it
// returns when the next queued entry is due. An entry taken over from a
// sender that died is uncertain and is confirmed with the network before
// any resend (deliverOne). The send is cut off ten seconds (at most a
// quarter of the claim) before the
// claim expires, by this process's monotonic clock counted from before
// the claim, so another process can take it over only after this one has
// given up, whatever the clocks' skew.
func (cs *coordState) deliver(ctx context.Context) time.Time {
	e := cs.e
	lease := cs.outboxLease()
	// scheduled messages that fell due become queued (one transaction
	// each, idempotent: whichever process gets there first releases it)
	var nextScheduled time.Time
	if sched, err := store.OpenOutbox(ctx, e.st, func(x store.OutboxEntry) bool { return x.State == store.OutScheduled }); err != nil {
		e.log.Error("reading scheduled messages", "err", err)
	} else {
		for _, ent := range sched {
			if ent.SendAt.After(e.now()) {
				if nextScheduled.IsZero() || ent.SendAt.Before(nextScheduled) {
					nextScheduled = ent.SendAt
				}
				continue
			}
			e.releaseDue(ent)
		}
	}
	for ctx.Err() == nil {
		started := time.Now()
		ent, ok, err := cs.c.ClaimOutbox(ctx, cs.self.ID, lease, e.now())
		if err != nil {
			e.log.Error("claiming an outbox entry", "err", err)
			return e.now().Add(5 * time.Second)
		}
		if !ok {
			break
		}
		if ent.Uncertain {
			e.log.Info("outbox entry taken over as uncertain: confirming first", "outbox", ent.Seq)
		}
		sctx, cancel := context.WithDeadline(ctx, started.Add(lease-min(10*time.Second, lease/4)))
		e.deliverOne(sctx, ent, cs.self.ID)
		cancel()
	}
	next, err := cs.c.NextOutboxDue(ctx)
	if err != nil {
		e.log.Error("reading the outbox", "err", err)
		return e.now().Add(5 * time.Second)
	}
	// entries other processes hold come back when their claims expire:
	// look again at least every quarter claim
	if !nextScheduled.IsZero() && (next.IsZero() || nextScheduled.Before(next)) {
		next = nextScheduled
	}
	if fallback := e.now().Add(lease / 4); next.IsZero() || next.After(fallback) {
		next = fallback
	}
	return next
}
