package team

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// shared keeps the team in the database (a store.TeamBoard), so every
// hark process on it sees the same sessions and claims. Writes go to the
// database (a claim is one transaction, atomic across processes) and are
// applied here at once from their result; every process also applies them
// from the change notices (engine.EvTeam, its own included), in commit
// order, checking each change's revision so the two paths never apply one
// twice nor an old one over a newer. Reads (Claims, Online, Other …) are
// served from that copy and never wait for the database. Liveness is on
// the database's clock: the process heartbeats its sessions every Beat,
// and any process sweeps the sessions not heartbeated within TTL (and
// their claims) and the claims idle longer than Idle.
type shared struct {
	r    *Registry
	b    store.TeamBoard
	proc string
	beat time.Duration
	ttl  time.Duration
	opTO time.Duration

	// beatMu: a heartbeat and a leave never cross, so a session that left
	// is not registered again by a heartbeat that read it before
	beatMu sync.Mutex

	// guarded by r.mu
	pres     map[int]Presence // every live session, of every process
	claimRev map[string]int64 // the newest change applied, per conversation
	sessRev  map[int]int64    // the newest change applied, per session
	fallback int              // ids of sessions the database could not register (negative)
}

func newShared(r *Registry, b store.TeamBoard, o Options) *shared {
	if o.Beat <= 0 {
		o.Beat = 2 * time.Second
	}
	if o.TTL <= 0 {
		o.TTL = 10 * time.Second
	}
	o.TTL = max(o.TTL, 3*o.Beat)
	if o.OpTimeout <= 0 {
		o.OpTimeout = 5 * time.Second
	}
	proc := r.eng.ProcessID()
	if proc == "" {
		host, _ := os.Hostname()
		proc = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	return &shared{r: r, b: b, proc: proc, beat: o.Beat, ttl: o.TTL, opTO: o.OpTimeout,
		pres: map[int]Presence{}, claimRev: map[string]int64{}, sessRev: map[int]int64{}}
}

// ctx bounds one database call of the team by OpTimeout.
func (d *shared) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, d.opTO)
}

// apply takes committed changes into the copy and tells the subscribers.
func (d *shared) apply(chs []store.TeamChange) {
	if len(chs) == 0 {
		return
	}
	d.r.mu.Lock()
	defer d.r.mu.Unlock()
	for _, ch := range chs {
		d.applyLocked(ch)
	}
}

func claimOf(c store.TeamClaim) Claim {
	return Claim{Conv: c.Conv, Holder: c.Holder, Session: int(c.Session), Since: c.Since, Last: c.Last}
}

func presenceOf(x store.TeamSession) Presence {
	return Presence{Session: int(x.ID), Actor: x.Actor, Brand: x.Brand, Viewing: x.Viewing, Since: x.Since}
}

func (d *shared) applyLocked(ch store.TeamChange) {
	r := d.r
	switch ch.Kind {
	case store.TeamClaimed, store.TeamReleased:
		if ch.Claim == nil || ch.Rev <= d.claimRev[ch.Claim.Conv] {
			return
		}
		d.claimRev[ch.Claim.Conv] = ch.Rev
		c := claimOf(*ch.Claim)
		ev := Event{Kind: EvReleased, Claim: c, Reason: Reason(ch.Reason), At: ch.At}
		if ch.Kind == store.TeamClaimed {
			ev.Kind = EvClaimed
			r.claims[c.Conv] = &c
			if ch.Prev != nil {
				p := claimOf(*ch.Prev)
				ev.Prev = &p
			}
		} else if cur, ok := r.claims[c.Conv]; ok && cur.Session == c.Session {
			delete(r.claims, c.Conv)
		}
		r.publishLocked(ev)
	case store.TeamPresence:
		if ch.Session == nil {
			return
		}
		id := int(ch.Session.ID)
		if ch.Rev <= d.sessRev[id] {
			return
		}
		d.sessRev[id] = ch.Rev
		p := presenceOf(*ch.Session)
		if ch.Reason == string(ReasonLeft) {
			delete(d.pres, id)
		} else {
			d.pres[id] = p
		}
		r.publishLocked(Event{Kind: EvPresence, Presence: p, Reason: Reason(ch.Reason), At: ch.At})
	}
}

// reload reads the whole team again (at start, and after the notices were
// interrupted) and tells the subscribers to read it again (EvResync).
// What this process applied since the snapshot (a revision above the
// snapshot's newest) is kept.
func (d *shared) reload() error {
	ctx, cancel := d.ctx(context.Background())
	defer cancel()
	sessions, claims, top, err := d.b.TeamState(ctx, d.ttl, d.r.idle)
	if err != nil {
		return err
	}
	r := d.r
	r.mu.Lock()
	defer r.mu.Unlock()
	nc := map[string]*Claim{}
	for _, c := range claims {
		if d.claimRev[c.Conv] > top {
			continue // newer here
		}
		cl := claimOf(c)
		nc[c.Conv] = &cl
		d.claimRev[c.Conv] = max(d.claimRev[c.Conv], c.Rev)
	}
	for conv, c := range r.claims {
		if _, ok := nc[conv]; !ok && d.claimRev[conv] > top {
			nc[conv] = c
		}
	}
	np := map[int]Presence{}
	for _, x := range sessions {
		id := int(x.ID)
		if d.sessRev[id] > top {
			continue
		}
		np[id] = presenceOf(x)
		d.sessRev[id] = max(d.sessRev[id], x.Rev)
	}
	for id, p := range d.pres {
		if _, ok := np[id]; !ok && d.sessRev[id] > top {
			np[id] = p
		}
	}
	r.claims, d.pres = nc, np
	r.publishLocked(Event{Kind: EvResync, At: r.now()})
	return nil
}

func (d *shared) onlineLocked() []Presence {
	out := make([]Presence, 0, len(d.pres))
	for _, id := range slices.Sorted(maps.Keys(d.pres)) {
		out = append(out, d.pres[id])
	}
	return out
}

// run keeps the copy current (the engine's EvTeam and EvResync) and, on
// its own goroutine, heartbeats and sweeps every Beat.
func (d *shared) run(ctx context.Context) {
	evs, stop := d.r.eng.Subscribe()
	defer stop()
	if err := d.reload(); err != nil {
		d.r.log.Warn("team: reading the team", "err", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		engine.Every(ctx, d.beat, func() {
			d.heartbeat()
			d.sweep()
		})
	}()
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-evs:
			if !ok {
				return
			}
			switch ev.Kind {
			case engine.EvTeam:
				d.apply(ev.Team)
			case engine.EvResync, engine.EvListening:
				if err := d.reload(); err != nil {
					d.r.log.Warn("team: reading the team again", "err", err)
				}
			}
		}
	}
}

// heartbeat keeps this process's sessions alive (and registers again
// those swept while it was cut off).
func (d *shared) heartbeat() {
	d.beatMu.Lock()
	defer d.beatMu.Unlock()
	d.r.mu.Lock()
	var mine []store.TeamSession
	for _, id := range slices.Sorted(maps.Keys(d.r.sessions)) {
		s := d.r.sessions[id]
		if s.closed {
			continue
		}
		mine = append(mine, store.TeamSession{ID: int64(s.id), Process: d.proc, Actor: s.actor,
			Brand: s.brand, Viewing: s.viewing, Since: s.since})
	}
	d.r.mu.Unlock()
	ctx, cancel := d.ctx(context.Background())
	defer cancel()
	ch, err := d.b.TeamBeat(ctx, mine)
	if err != nil {
		d.r.log.Warn("team: heartbeat", "err", err)
		return
	}
	for _, c := range ch {
		d.r.log.Info("team: session registered again (it had expired: this process was cut off)", "session", c.Session.ID)
	}
	d.apply(ch)
}

func (d *shared) sweep() []Claim {
	ctx, cancel := d.ctx(context.Background())
	defer cancel()
	ch, err := d.b.TeamSweep(ctx, d.ttl, d.r.idle)
	if err != nil {
		d.r.log.Warn("team: sweeping", "err", err)
		return nil
	}
	d.apply(ch)
	var out []Claim
	for _, c := range ch {
		if c.Kind == store.TeamReleased && c.Claim != nil {
			out = append(out, claimOf(*c.Claim))
		}
	}
	return out
}

func (d *shared) join(ctx context.Context, a social.Actor, brands []string) *Session {
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	x, ch, err := d.b.TeamJoin(ctx, store.TeamSession{Process: d.proc, Actor: a})
	r := d.r
	if err != nil {
		// the heartbeat registers it once the database answers
		r.log.Warn("team: joining", "operator", a.Label(), "err", err)
		r.mu.Lock()
		d.fallback--
		x = store.TeamSession{ID: int64(d.fallback), Actor: a, Since: r.now()}
		r.mu.Unlock()
	}
	s := &Session{r: r, id: int(x.ID), actor: a, brands: slices.Clone(brands), since: x.Since}
	s.op = r.eng.As(a).WithGuard(guard{s}).WithBrands(brands)
	r.mu.Lock()
	r.sessions[s.id] = s
	r.mu.Unlock()
	d.apply(ch)
	r.log.Info("team: joined", "session", s.id, "operator", a.Label(), "process", d.proc)
	return s
}

func (d *shared) leave(s *Session) {
	d.beatMu.Lock()
	defer d.beatMu.Unlock()
	r := d.r
	r.mu.Lock()
	if s.closed {
		r.mu.Unlock()
		return
	}
	s.closed = true
	delete(r.sessions, s.id)
	r.mu.Unlock()
	ctx, cancel := d.ctx(context.Background())
	defer cancel()
	ch, err := d.b.TeamLeave(ctx, int64(s.id))
	if err != nil {
		r.log.Warn("team: leaving (the others see it when the session expires)", "session", s.id, "err", err)
		return
	}
	d.apply(ch)
	r.log.Info("team: left", "session", s.id, "operator", s.actor.Label())
}

// claim is Session.Claim and Take. When the database cannot be asked the
// claim is let through (logged): the reply's own check asks again.
func (d *shared) claim(ctx context.Context, s *Session, conv string, take bool) (Claim, bool) {
	d.r.mu.Lock()
	closed := s.closed
	d.r.mu.Unlock()
	if closed {
		return Claim{}, false
	}
	for try := 0; ; try++ {
		tctx, cancel := d.ctx(ctx)
		c, ok, ch, err := d.b.TeamClaim(tctx, int64(s.id), conv, take, d.ttl, d.r.idle)
		cancel()
		if errors.Is(err, store.ErrTeamGone) && try == 0 {
			d.heartbeat() // swept while this process was cut off: register again
			continue
		}
		if err != nil {
			d.r.log.Warn("team: claiming", "conv", conv, "err", err)
			return Claim{Conv: conv, Holder: s.actor, Session: s.id}, true
		}
		d.apply(ch)
		return claimOf(c), ok
	}
}

func (d *shared) touch(ctx context.Context, s *Session, conv string) bool {
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	ok, err := d.b.TeamTouch(ctx, int64(s.id), conv, d.r.idle)
	if err != nil {
		d.r.log.Warn("team: touching a claim", "conv", conv, "err", err)
		return false // not known to be held: the caller claims again
	}
	return ok
}

// release ends the session's claims on convs (all when nil) that the copy
// says it holds: moving through the queue releases nothing it did not
// claim, without a write.
func (d *shared) release(ctx context.Context, s *Session, convs []string, why Reason) {
	d.r.mu.Lock()
	var held []string
	for conv, c := range d.r.claims {
		if c.Session == s.id && (convs == nil || slices.Contains(convs, conv)) {
			held = append(held, conv)
		}
	}
	d.r.mu.Unlock()
	if len(held) == 0 {
		return
	}
	slices.Sort(held)
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	ch, err := d.b.TeamRelease(ctx, int64(s.id), held, string(why))
	if err != nil {
		d.r.log.Warn("team: releasing", "convs", held, "err", err)
		return
	}
	d.apply(ch)
}

func (d *shared) presence(ctx context.Context, s *Session) {
	d.r.mu.Lock()
	brand, viewing := s.brand, s.viewing
	d.r.mu.Unlock()
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	ch, err := d.b.TeamPresence(ctx, int64(s.id), brand, viewing)
	if err != nil {
		d.r.log.Warn("team: presence", "err", err)
		return
	}
	d.apply(ch)
}

// acquire is the reply's check (engine.Guard).
func (d *shared) acquire(ctx context.Context, s *Session, conv string) (social.Actor, bool) {
	d.r.mu.Lock()
	closed := s.closed
	c, held := d.r.claims[conv]
	d.r.mu.Unlock()
	if closed {
		if held && !c.Holder.Same(s.actor) {
			return c.Holder, false
		}
		return s.actor, true
	}
	got, ok := d.claim(ctx, s, conv, false)
	return got.Holder, ok
}
