package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hark-tui/hark/fanout"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Feed is one polled source with the account it belongs to.
type Feed struct {
	Source   social.Source
	Network  social.Network
	Account  string
	Brand    string
	Interval time.Duration
	// Broken is why the feed could not be set up (its account's secret
	// did not resolve). It never polls: its status says why, and the
	// other feeds run. See NotStarted.
	Broken error
}

// ErrorNotStarted is the ErrorKind of a feed that could not be set up.
const ErrorNotStarted = "not-started"

// NotStarted is the feed of an account that could not be set up: it keeps
// the account's place in the status line and in doctor, with the reason.
func NotStarted(id string, n social.Network, account, brand string, err error) Feed {
	return Feed{Source: notStarted{id: id, err: err}, Network: n, Account: account, Brand: brand, Broken: err}
}

type notStarted struct {
	id  string
	err error
}

func (s notStarted) ID() string { return s.id }

func (s notStarted) Poll(context.Context, string) (social.Batch, error) { return social.Batch{}, s.err }

// Account is one brand account that can answer.
type Account struct {
	Network social.Network
	Name    string
	Brand   string
	Self    social.Author // how the brand's own posts are shown
	Sender  social.Sender // nil = read-only
	Thread  social.ThreadFetcher
	Limit   social.Limiter
	// NewKey makes the network idempotency key for a new outbox entry
	// (Bluesky needs a TID record key); nil = the entry id.
	NewKey func(now time.Time) string
	// Broken is why the account could not be set up (no Sender then).
	Broken error
}

// Options configure an engine.
type Options struct {
	Store    store.Store
	Feeds    []Feed
	Accounts []Account
	// Triage scores a conversation after a customer post (priority,
	// reasons, SLA due time). nil = no scoring.
	Triage store.Triage
	// Rescore recomputes the SLA part of a conversation's priority as time
	// passes; it returns false when nothing changed. nil = no rescoring.
	Rescore     func(c *social.Conversation, now time.Time) bool
	Now         func() time.Time
	Log         *slog.Logger
	MaxAttempts int           // transient delivery failures before giving up (default 8)
	SendTimeout time.Duration // per send (default 30 s)
	PollTimeout time.Duration // per poll (default 60 s)
	Tick        time.Duration // snooze / SLA clock (default 15 s)
	// RescoreHorizon: conversations due further out are not rescored yet
	// (default 7 days).
	RescoreHorizon time.Duration
	// ThreadEvery is how often the running engine refreshes the threads of
	// the conversations that wait (RefreshThreads), to notice answers
	// given outside hark, follow-ups without the brand's @mention, edits
	// and deletions (default 5 minutes; negative: never).
	ThreadEvery time.Duration
	// ThreadBudget is how many threads one refresh fetches at most
	// (default 10).
	ThreadBudget int
	// Agent is the solo operator (the config's agent): the methods of
	// Engine record it; an Operator handle (As) records its own.
	Agent social.Actor

	// Several processes on one store (a store.Coordinator, PostgreSQL):
	// see coord.go. On bbolt these are unused.
	ProcessID   string        // this process in the registry (default: random)
	ProcessKind string        // "tui", "serve", "engine" (shown by doctor)
	LeaseTTL    time.Duration // feed and clock leases (default 30 s)
	Heartbeat   time.Duration // registry heartbeat (default 5 s)
	ProcessTTL  time.Duration // a process without a heartbeat this long is gone (default 15 s)
	OutboxLease time.Duration // a claimed outbox entry (default 2·SendTimeout + 15 s)
}

// Engine runs the loop. Create with New, start with Run.
type Engine struct {
	o        Options
	st       store.Store
	now      func() time.Time
	log      *slog.Logger
	accounts map[string]*Account // network/account
	kick     chan struct{}       // wake the delivery worker
	delivery chan struct{}       // held by the one Deliver running (a semaphore of one)
	pollNow  map[string]chan struct{}

	coord  *coordState // nil: the only process (bbolt)
	events *fanout.Hub[Event]

	mu     sync.Mutex
	authOK map[string]bool // accounts that polled fine since start
	status map[string]store.FeedStatus
	sidx   statusIndex            // status posts (status.go), under mu
	saved  map[string]savedStatus // what was last written, and when
}

// New builds an engine.
func New(o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 60 * time.Second
	}
	if o.Tick <= 0 {
		o.Tick = 15 * time.Second
	}
	if o.ThreadEvery == 0 {
		o.ThreadEvery = 5 * time.Minute
	}
	if o.ThreadBudget <= 0 {
		o.ThreadBudget = 10
	}
	if o.RescoreHorizon <= 0 {
		o.RescoreHorizon = 7 * 24 * time.Hour
	}
	e := &Engine{
		o: o, st: o.Store, now: o.Now, log: o.Log,
		accounts: map[string]*Account{},
		kick:     make(chan struct{}, 1),
		delivery: make(chan struct{}, 1),
		pollNow:  map[string]chan struct{}{},
		events:   newEvents(),
		status:   map[string]store.FeedStatus{},
		saved:    map[string]savedStatus{},
	}
	for i := range o.Accounts {
		a := &o.Accounts[i]
		e.accounts[accountKey(a.Network, a.Name)] = a
	}
	for _, f := range o.Feeds {
		e.pollNow[f.Source.ID()] = make(chan struct{}, 1)
	}
	e.coord = newCoordState(e)
	e.loadStatuses()
	if sts, err := o.Store.FeedStatuses(context.Background()); err == nil {
		for _, s := range sts {
			e.status[s.Feed] = s
		}
	}
	return e
}

func accountKey(n social.Network, name string) string { return string(n) + "/" + name }

// firstAuthOK reports whether this is the account's first good poll since
// the engine started (a token fixed by a restart: its failed replies are
// looked at once, not on every poll).
func (e *Engine) firstAuthOK(n social.Network, name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.authOK == nil {
		e.authOK = map[string]bool{}
	}
	k := accountKey(n, name)
	first := !e.authOK[k]
	e.authOK[k] = true
	return first
}

// Store gives read access to the store (writes go through the engine).
func (e *Engine) Store() store.Reader { return e.st }

// Account returns the account a conversation belongs to.
func (e *Engine) Account(n social.Network, name string) (*Account, bool) {
	a, ok := e.accounts[accountKey(n, name)]
	return a, ok
}

// Feeds lists the configured feeds.
func (e *Engine) Feeds() []Feed { return e.o.Feeds }

// Run polls, delivers and keeps the clock until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if e.coord != nil {
		e.coord.join(ctx)
		wg.Add(2)
		go func() { defer wg.Done(); e.coord.heartbeatLoop(ctx) }()
		go func() { defer wg.Done(); e.coord.listen(ctx) }()
		defer e.coord.leave()
	}
	for _, f := range e.o.Feeds {
		wg.Add(1)
		go func(f Feed) {
			defer wg.Done()
			e.pollLoop(ctx, f)
		}(f)
	}
	wg.Add(3)
	go func() { defer wg.Done(); e.deliverLoop(ctx) }()
	go func() { defer wg.Done(); e.clockLoop(ctx) }()
	go func() { defer wg.Done(); e.threadLoop(ctx) }()
	wg.Wait()
	return nil
}

// PollNow asks every feed to poll at once (ignored while one is backing off).
func (e *Engine) PollNow() {
	for _, ch := range e.pollNow {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// guard runs one call into a network's adapter (f sets its results). A
// panic there, on data the adapter did not expect, is that call's error,
// logged with its stack: one feed's hostile post must not end the process,
// which is an operator's TUI or a team's server. The error is transient:
// the call is tried again with backoff, and a send that may have gone out
// is confirmed before it is tried again.
func (e *Engine) guard(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("a network adapter panicked", "in", what, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = &social.Error{Kind: social.Transient, Msg: fmt.Sprintf("internal error in hark's %s (its log has the details): %v", what, r)}
		}
	}()
	return f()
}

// ---- polling ----

// PollResult is what one poll of one feed did.
type PollResult struct {
	Feed   string
	First  bool // the feed's first poll (no cursor yet)
	New    []social.Post
	More   bool
	Err    error
	Status store.FeedStatus
	// Elsewhere: another process holds the feed's lease and polls it (a
	// team's store); Err is ErrPolledElsewhere. No failure of the feed.
	Elsewhere bool
}

// PollOnce polls every feed once (catching up while a feed says it has
// more) and stores what arrived. Used by `hark poll --once` and tests.
func (e *Engine) PollOnce(ctx context.Context) []PollResult {
	var out []PollResult
	for _, f := range e.o.Feeds {
		var total PollResult
		lease, ok, err := e.coord.onceLease(ctx, f)
		if err != nil || !ok {
			total.Feed = f.Source.ID()
			total.Err = err
			if err == nil {
				total.Err = fmt.Errorf("feed %s: %w", f.Source.ID(), ErrPolledElsewhere)
				total.Elsewhere = true
			}
			out = append(out, total)
			continue
		}
		for i := 0; i < 200; i++ { // a page a poll on Mastodon: 200 pages
			r := e.pollFeed(ctx, f, lease)
			if i == 0 {
				total.First = r.First
			}
			total.Feed, total.Err, total.Status, total.More = r.Feed, r.Err, r.Status, r.More
			total.New = append(total.New, r.New...)
			if r.Err != nil || !r.More {
				break
			}
			if catchUpWait(r.Status.Rate, e.now(), f.Interval) > 0 {
				break // the budget is spent: the rest waits for the next poll
			}
		}
		e.coord.release(f, lease)
		out = append(out, total)
	}
	return out
}

// pollFeed polls a feed once and stores the batch. With a lease (several
// processes on one store) the cursor's version is read with the cursor and
// the batch is written behind that fence: a poller that lost its lease or
// was overtaken commits nothing (ErrFenced).
func (e *Engine) pollFeed(ctx context.Context, f Feed, lease *store.Lease) PollResult {
	id := f.Source.ID()
	res := PollResult{Feed: id}
	if f.Broken != nil {
		st := e.feedStatus(id)
		st.LastError = "not started: " + f.Broken.Error()
		st.ErrorKind = ErrorNotStarted
		st.Until = time.Time{}
		res.Err = fmt.Errorf("feed %s: %s", id, st.LastError)
		res.Status = st
		e.setFeedStatus(st)
		return res
	}
	var cur string
	var version int64
	var err error
	if lease != nil {
		cur, version, err = e.coord.c.FeedCursor(ctx, id)
	} else {
		cur, err = e.st.Cursor(ctx, id)
	}
	if err != nil {
		res.Err = fmt.Errorf("feed %s: reading cursor: %w", id, err)
		return res
	}
	res.First = cur == ""
	pctx, cancel := context.WithTimeout(ctx, e.o.PollTimeout)
	var batch social.Batch
	err = e.guard("poll of "+id, func() (err error) { batch, err = f.Source.Poll(pctx, cur); return err })
	cancel()
	now := e.now()
	st := e.feedStatus(id)
	st.LastPoll = now
	if rr, ok := f.Source.(social.RateReporter); ok {
		st.Rate = rr.Rate()
	}
	if err != nil {
		st.Failures++
		st.LastError = err.Error()
		st.ErrorKind = social.KindOf(err).String()
		st.Until = e.backoffUntil(err, st.Failures, f.Interval, now)
		res.Err = fmt.Errorf("feed %s: %w", id, err)
		e.log.Warn("poll failed", "feed", id, "kind", st.ErrorKind, "err", err, "retry_at", st.Until)
	} else {
		prevKind := st.ErrorKind
		for i := range batch.Posts {
			f.stamp(&batch.Posts[i])
		}
		var ir store.IngestResult
		if lease != nil {
			ir, err = e.coord.c.FencedIngest(ctx, store.Fence{Feed: id, Lease: *lease, CursorVersion: version}, batch.Cursor, batch.Posts, e.o.Triage, now)
		} else {
			ir, err = e.st.Ingest(ctx, id, batch.Cursor, batch.Posts, e.o.Triage, now)
		}
		if errors.Is(err, store.ErrFenced) {
			// not the feed's fault: another process polls it now
			e.log.Warn("poll batch fenced: another process took the feed", "feed", id, "err", err)
			res.Err = fmt.Errorf("feed %s: %w", id, err)
			res.Status = e.feedStatus(id)
			return res
		}
		if err != nil {
			st.Failures++
			st.LastError = err.Error()
			st.ErrorKind = "store"
			st.Until = now.Add(backoff(st.Failures, f.Interval))
			res.Err = fmt.Errorf("feed %s: %w", id, err)
			e.log.Error("storing batch failed", "feed", id, "err", err)
		} else {
			st.Failures = 0
			st.LastError, st.ErrorKind = "", ""
			st.LastOK = now
			st.Until = time.Time{}
			st.Stored += len(ir.New)
			res.New, res.More = ir.New, batch.More
			if batch.Older {
				st.Backlog = fmt.Sprintf("the first poll read the newest %d only; older ones were not read (`hark poll --backfill 7d` reads them)", len(batch.Posts))
				e.log.Warn("first poll skipped older posts", "feed", id, "read", len(batch.Posts))
			}
			if prevKind == social.Auth.String() || e.firstAuthOK(f.Network, f.Account) {
				e.requeueAuthFailed(f.Network, f.Account)
			}
			if len(ir.New) > 0 {
				e.log.Info("stored", "feed", id, "new", len(ir.New))
				e.tagStatusReplies(ir.New)
				e.publish(Event{Kind: EvNewPosts, ConvIDs: ir.Changed, Posts: ir.New, Reopened: ir.Reopened})
			}
		}
	}
	res.Status = st
	e.setFeedStatus(st)
	return res
}

// nextPoll is how long a feed waits after a poll: its backoff after a
// failure, the interval after a poll that brought everything; catching up
// (more pages), the next page at once unless the budget the server
// announced is spent.
func (e *Engine) nextPoll(r PollResult, interval time.Duration) time.Duration {
	switch {
	case r.Err != nil && !r.Status.Until.IsZero():
		return r.Status.Until.Sub(e.now())
	case r.More:
		return catchUpWait(r.Status.Rate, e.now(), interval)
	}
	return interval
}

// stamp fills in what an adapter left out of a post of this feed: its
// brand, account and network.
func (f Feed) stamp(p *social.Post) {
	if p.Brand == "" {
		p.Brand = f.Brand
	}
	if p.Account == "" {
		p.Account = f.Account
	}
	if p.Network == "" {
		p.Network = f.Network
	}
}

// catchUpWait is how long the next page of a catch-up waits for the rate
// budget the feed last reported: nothing while more than a reserve is left
// (a twentieth of the limit, at least one request, kept for replies and
// thread fetches), else until the budget resets (or a poll interval when
// the server gave no reset time). Pages wait like any other request: a
// catch-up of thousands of mentions does not run the budget to zero.
func catchUpWait(rs social.RateStatus, now time.Time, interval time.Duration) time.Duration {
	if !rs.Known {
		return 0
	}
	if rs.Remaining > max(1, rs.Limit/20) {
		return 0
	}
	if rs.Reset.After(now) {
		return rs.Reset.Sub(now)
	}
	if interval <= 0 {
		interval = time.Minute
	}
	return interval
}

// backoffUntil says when a failing feed may poll again: the rate-limit
// reset when the network gave one, else exponential backoff with jitter.
func (e *Engine) backoffUntil(err error, failures int, interval time.Duration, now time.Time) time.Time {
	if t, ok := social.RetryAt(err); ok && t.After(now) {
		return t
	}
	d := backoff(failures, interval)
	if social.KindOf(err) == social.Auth {
		d = max(d, 5*time.Minute) // the operator must fix it; don't hammer
	}
	return now.Add(d)
}

// backoff is base·2^(n-1), capped at 30 minutes, with ±20 % jitter.
func backoff(n int, base time.Duration) time.Duration {
	if base <= 0 {
		base = 30 * time.Second
	}
	if base > 5*time.Minute {
		base = 5 * time.Minute
	}
	d := float64(base) * math.Pow(2, float64(max(n-1, 0)))
	d = min(d, float64(30*time.Minute))
	d *= 0.8 + 0.4*mrand.Float64()
	return time.Duration(d)
}

func (e *Engine) feedStatus(id string) store.FeedStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.status[id]
	st.Feed = id
	return st
}

func (e *Engine) setFeedStatus(st store.FeedStatus) {
	e.mu.Lock()
	e.status[st.Feed] = st
	prev, ok := e.saved[st.Feed]
	now := e.now()
	// a poll that changed nothing but the time of the poll (and the rate
	// budget) is not written: an idle hark does not commit every poll; the
	// times are saved at least every statusEvery
	save := !ok || !sameStatus(prev.st, st) || now.Sub(prev.at) >= statusEvery || now.Before(prev.at)
	if save {
		e.saved[st.Feed] = savedStatus{st: st, at: now}
	}
	e.mu.Unlock()
	if save {
		if err := e.st.PutFeedStatus(context.Background(), st); err != nil {
			e.log.Error("saving feed status", "feed", st.Feed, "err", err)
		}
	}
	e.publish(Event{Kind: EvFeedStatus, Feed: &st})
}

// statusEvery is how stale a saved feed status's poll times may get.
const statusEvery = 10 * time.Minute

type savedStatus struct {
	st store.FeedStatus
	at time.Time
}

// sameStatus compares feed statuses but for the poll times and the rate.
func sameStatus(a, b store.FeedStatus) bool {
	a.LastPoll, a.LastOK, a.Rate = b.LastPoll, b.LastOK, b.Rate
	return a == b
}

// FeedStatuses returns the current status of every feed, in feed order.
func (e *Engine) FeedStatuses() []store.FeedStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]store.FeedStatus, 0, len(e.o.Feeds))
	for _, f := range e.o.Feeds {
		st := e.status[f.Source.ID()]
		st.Feed = f.Source.ID()
		out = append(out, st)
	}
	return out
}

func (e *Engine) pollLoop(ctx context.Context, f Feed) {
	id := f.Source.ID()
	interval := f.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	if f.Broken != nil { // nothing to poll: say why, once
		e.pollFeed(ctx, f, nil)
		<-ctx.Done()
		return
	}
	if e.coord != nil {
		e.coord.pollLoop(ctx, f, interval)
		return
	}
	for {
		r := e.pollFeed(ctx, f, nil)
		wait := e.nextPoll(r, interval)
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-e.pollNow[id]:
			t.Stop()
			if r.Err != nil && r.Status.Until.After(e.now()) {
				// still backing off: honour the wait
				select {
				case <-ctx.Done():
					return
				case <-time.After(r.Status.Until.Sub(e.now())):
				}
			}
		}
	}
}

// ---- ids ----

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ErrReadOnly is returned for replies to conversations hark cannot answer.
var ErrReadOnly = errors.New("conversation is read-only")
