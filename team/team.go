package team

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/fanout"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// DefaultIdle is how long a claim lasts without activity (Touch).
const DefaultIdle = 5 * time.Minute

// ClaimedError is the engine's refusal of a reply on a conversation
// another operator holds.
type ClaimedError = engine.ClaimedError

// Options configure a Registry.
type Options struct {
	Idle time.Duration    // claim idle timeout (default DefaultIdle)
	Now  func() time.Time // clock (tests); default time.Now
	Log  *slog.Logger
	// Sweep is how often Run expires idle claims (default 1 s, at most
	// Idle/2).
	Sweep time.Duration

	// Shared across processes (the engine's store is a store.TeamBoard:
	// PostgreSQL): Beat is how often the process heartbeats its sessions
	// and sweeps the dead (default 2 s), TTL how long a session lives
	// without a heartbeat (default 10 s, at least 3 Beats): a process
	// killed with -9 loses its sessions and claims for everyone within
	// TTL plus one Beat. OpTimeout bounds each database call (default 5 s).
	Beat, TTL, OpTimeout time.Duration
	// Local keeps the team in this process even on a shared store.
	Local bool
}

// Claim says an operator is working on a conversation (composer, picker or
// bulk selection open).
type Claim struct {
	Conv    string       `json:"conv"`
	Holder  social.Actor `json:"holder"`
	Session int          `json:"session"` // the holder's session
	Since   time.Time    `json:"since"`
	Last    time.Time    `json:"last"` // last activity; the claim expires Idle after it
}

// Presence is one online session.
type Presence struct {
	Session int          `json:"session"`
	Actor   social.Actor `json:"actor"`
	Brand   string       `json:"brand,omitempty"`   // "" = all brands
	Viewing string       `json:"viewing,omitempty"` // the conversation open on their screen
	Since   time.Time    `json:"since"`
}

// EventKind says what changed.
type EventKind int

// Event kinds.
const (
	EvClaimed  EventKind = iota // a conversation was claimed (Claim, and Prev when taken over)
	EvReleased                  // a claim ended (Claim, Reason)
	EvPresence                  // a session joined, left or changed brand (Presence, Reason)
	EvResync                    // the subscriber missed events: read Online and Claims again
)

func (k EventKind) String() string {
	switch k {
	case EvClaimed:
		return "claimed"
	case EvReleased:
		return "released"
	case EvPresence:
		return "presence"
	case EvResync:
		return "resync"
	}
	return "event?"
}

// Reason says why a claim ended or presence changed.
type Reason string

// Reasons.
const (
	ReasonSent       Reason = "sent"       // the holder's reply was queued
	ReasonReleased   Reason = "released"   // the holder let go (esc)
	ReasonIdle       Reason = "idle"       // no activity for the idle time
	ReasonDisconnect Reason = "disconnect" // the holder's session ended
	ReasonTaken      Reason = "taken"      // another operator took it over (confirmed)
	ReasonJoined     Reason = "joined"
	ReasonLeft       Reason = "left"
	ReasonBrand      Reason = "brand"
	ReasonViewing    Reason = "viewing" // the session opened another conversation
)

// Event is sent to every subscriber.
type Event struct {
	Kind     EventKind
	Claim    Claim
	Prev     *Claim // EvClaimed by ReasonTaken: the claim taken over
	Presence Presence
	Reason   Reason
	At       time.Time
}

// Registry is shared by every session of one process.
type Registry struct {
	eng   *engine.Engine
	idle  time.Duration
	sweep time.Duration
	now   func() time.Time
	log   *slog.Logger

	mu       sync.Mutex
	sessions map[int]*Session // this process's
	claims   map[string]*Claim
	nextSess int
	events   *fanout.Hub[Event]

	db *shared // nil: the team lives in this process (db.go)
}

// New makes a registry for the sessions on one engine.
func New(eng *engine.Engine, o Options) *Registry {
	if o.Idle <= 0 {
		o.Idle = DefaultIdle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Sweep <= 0 {
		o.Sweep = min(time.Second, o.Idle/2)
	}
	r := &Registry{eng: eng, idle: o.Idle, sweep: o.Sweep, now: o.Now, log: o.Log,
		sessions: map[int]*Session{}, claims: map[string]*Claim{},
		events: fanout.New(64, func(ev Event) Event { return Event{Kind: EvResync, At: ev.At} })}
	if b, ok := eng.Store().(store.TeamBoard); ok && !o.Local {
		r.db = newShared(r, b, o)
	}
	return r
}

// Shared reports whether the team is kept in the database, shared with
// every hark process on it (false: in this process only).
func (r *Registry) Shared() bool { return r.db != nil }

// Idle is the claim idle timeout.
func (r *Registry) Idle() time.Duration { return r.idle }

// Run expires idle claims until ctx ends; on a shared store it also
// heartbeats this process's sessions, sweeps the dead ones and keeps the
// registry's copy of the team current from the database's notices.
func (r *Registry) Run(ctx context.Context) {
	if r.db != nil {
		r.db.run(ctx)
		return
	}
	engine.Every(ctx, r.sweep, func() { r.Sweep() })
}

// Sweep ends every claim idle for longer than the idle time and returns
// them.
func (r *Registry) Sweep() []Claim {
	if r.db != nil {
		return r.db.sweep()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	var out []Claim
	for _, id := range slices.Sorted(maps.Keys(r.claims)) {
		if c := r.claims[id]; r.expiredLocked(c, now) {
			out = append(out, r.releaseLocked(id, ReasonIdle, now))
		}
	}
	return out
}

func (r *Registry) expiredLocked(c *Claim, now time.Time) bool {
	// shared: the database's clock decides (the sweep ends them)
	return r.db == nil && now.Sub(c.Last) > r.idle
}

// Join registers a session of an operator (brands: the brands they
// answer, "" = all) and announces it.
func (r *Registry) Join(ctx context.Context, a social.Actor, brands []string) *Session {
	if r.db != nil {
		return r.db.join(ctx, a, brands)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextSess++
	now := r.now()
	s := &Session{r: r, id: r.nextSess, actor: a, brands: slices.Clone(brands), since: now}
	s.op = r.eng.As(a).WithGuard(guard{s}).WithBrands(brands) // brands: enforced by the engine
	r.sessions[s.id] = s
	r.log.Info("team: joined", "session", s.id, "operator", a.Label())
	r.publishLocked(Event{Kind: EvPresence, Presence: s.presenceLocked(), Reason: ReasonJoined, At: now})
	return s
}

// Sessions lists the sessions online, oldest first.
func (r *Registry) Sessions() []*Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Session, 0, len(r.sessions))
	for _, id := range slices.Sorted(maps.Keys(r.sessions)) {
		out = append(out, r.sessions[id])
	}
	return out
}

// Online lists who is online, oldest session first.
func (r *Registry) Online() []Presence {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.db != nil {
		return r.db.onlineLocked()
	}
	out := make([]Presence, 0, len(r.sessions))
	for _, id := range slices.Sorted(maps.Keys(r.sessions)) {
		out = append(out, r.sessions[id].presenceLocked())
	}
	return out
}

// Claims returns the live claims by conversation id.
func (r *Registry) Claims() map[string]Claim {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	out := make(map[string]Claim, len(r.claims))
	for id, c := range r.claims {
		if !r.expiredLocked(c, now) {
			out[id] = *c
		}
	}
	return out
}

// ClaimOf returns the live claim on a conversation.
func (r *Registry) ClaimOf(conv string) (Claim, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.claims[conv]
	if !ok || r.expiredLocked(c, r.now()) {
		return Claim{}, false
	}
	return *c, true
}

// Subscribe returns a channel of events and a function to stop. A slow
// subscriber never blocks the others (nor the session that made the
// change): when its buffer is full events are dropped and the next one it
// gets is EvResync.
func (r *Registry) Subscribe() (<-chan Event, func()) { return r.events.Subscribe() }

// publishLocked is called with r.mu held, so that subscribers learn of the
// changes in the order they were made.
func (r *Registry) publishLocked(ev Event) { r.events.Publish(ev) }

// claimLocked claims conv for s. An expired claim is released first; a
// live claim of another operator is returned with false unless take. A
// claim of the same operator (another of their sessions) moves to s.
func (r *Registry) claimLocked(s *Session, conv string, take bool) (Claim, bool) {
	now := r.now()
	c, held := r.claims[conv]
	if held && r.expiredLocked(c, now) {
		r.releaseLocked(conv, ReasonIdle, now)
		held = false
	}
	switch {
	case held && c.Session == s.id:
		c.Last = now
		return *c, true
	case held && !c.Holder.Same(s.actor) && !take:
		return *c, false
	}
	var prev *Claim
	if held {
		p := *c
		prev = &p
		delete(r.claims, conv)
	}
	nc := &Claim{Conv: conv, Holder: s.actor, Session: s.id, Since: now, Last: now}
	r.claims[conv] = nc
	reason := Reason("")
	if prev != nil && !prev.Holder.Same(s.actor) {
		reason = ReasonTaken
		r.log.Info("team: claim taken over", "conv", conv, "by", s.actor.Label(), "from", prev.Holder.Label())
	}
	r.publishLocked(Event{Kind: EvClaimed, Claim: *nc, Prev: prev, Reason: reason, At: now})
	return *nc, true
}

func (r *Registry) releaseLocked(conv string, why Reason, now time.Time) Claim {
	c := r.claims[conv]
	delete(r.claims, conv)
	r.publishLocked(Event{Kind: EvReleased, Claim: *c, Reason: why, At: now})
	return *c
}

// Session is one operator's connection: what the TUI uses for its
// identity, claims and presence. Its methods are safe for concurrent use.
type Session struct {
	r      *Registry
	id     int
	actor  social.Actor
	brands []string
	since  time.Time
	op     *engine.Operator

	// guarded by r.mu
	brand   string
	viewing string
	closed  bool
}

// ID is the session's number in its registry.
func (s *Session) ID() int { return s.id }

// Actor is the operator of this session.
func (s *Session) Actor() social.Actor { return s.actor }

// Brands are the brands the operator answers (nil = all).
func (s *Session) Brands() []string { return slices.Clone(s.brands) }

// Registry is the registry the session belongs to.
func (s *Session) Registry() *Registry { return s.r }

// Operator is the engine as this operator: every action records them,
// and a reply on a conversation another operator holds is refused with
// *ClaimedError unless ReplyOptions.Force; a reply ends this session's
// claim once queued.
func (s *Session) Operator() *engine.Operator { return s.op }

func (s *Session) presenceLocked() Presence {
	return Presence{Session: s.id, Actor: s.actor, Brand: s.brand, Viewing: s.viewing, Since: s.since}
}

// Claim claims conv for this operator (composer, picker or bulk selection
// opened). When another operator holds it, it returns their claim and
// false: warn, and on confirmation call Take.
func (s *Session) Claim(ctx context.Context, conv string) (Claim, bool) {
	if s.r.db != nil {
		return s.r.db.claim(ctx, s, conv, false)
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.closed {
		return Claim{}, false
	}
	return s.r.claimLocked(s, conv, false)
}

// Take claims conv even from another operator (who is told: EvClaimed
// with ReasonTaken and Prev). Call it only after the operator confirmed.
func (s *Session) Take(ctx context.Context, conv string) Claim {
	if s.r.db != nil {
		c, _ := s.r.db.claim(ctx, s, conv, true)
		return c
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.closed {
		return Claim{}
	}
	c, _ := s.r.claimLocked(s, conv, true)
	return c
}

// Touch records activity on this session's claim (typing), so it does
// not expire; it reports whether the session still holds it.
func (s *Session) Touch(ctx context.Context, conv string) bool {
	if s.r.db != nil {
		return s.r.db.touch(ctx, s, conv)
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	c, ok := s.r.claims[conv]
	now := s.r.now()
	if !ok || c.Session != s.id {
		return false
	}
	if s.r.expiredLocked(c, now) {
		s.r.releaseLocked(conv, ReasonIdle, now)
		return false
	}
	c.Last = now
	return true
}

// Release ends this session's claim on conv (esc); another's is untouched.
func (s *Session) Release(ctx context.Context, conv string) { s.release(ctx, conv, ReasonReleased) }

func (s *Session) release(ctx context.Context, conv string, why Reason) {
	if s.r.db != nil {
		s.r.db.release(ctx, s, []string{conv}, why)
		return
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if c, ok := s.r.claims[conv]; ok && c.Session == s.id {
		s.r.releaseLocked(conv, why, s.r.now())
	}
}

// ReleaseAll ends every claim of this session (a bulk selection cleared).
func (s *Session) ReleaseAll(ctx context.Context) {
	if s.r.db != nil {
		s.r.db.release(ctx, s, nil, ReasonReleased)
		return
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.releaseAllLocked(ReasonReleased)
}

func (s *Session) releaseAllLocked(why Reason) {
	now := s.r.now()
	for _, id := range slices.Sorted(maps.Keys(s.r.claims)) {
		if s.r.claims[id].Session == s.id {
			s.r.releaseLocked(id, why, now)
		}
	}
}

// Held lists the conversations this session holds.
func (s *Session) Held() []string {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	var out []string
	for id, c := range s.r.claims {
		if c.Session == s.id {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// SetBrand says which brand the session is looking at ("" = all).
func (s *Session) SetBrand(ctx context.Context, brand string) {
	s.setPresence(ctx, func() bool { old := s.brand; s.brand = brand; return old != brand }, ReasonBrand)
}

// SetViewing says which conversation the session has open ("" = none),
// so the others see who is looking at it.
func (s *Session) SetViewing(ctx context.Context, conv string) {
	s.setPresence(ctx, func() bool { old := s.viewing; s.viewing = conv; return old != conv }, ReasonViewing)
}

// setPresence applies set under the registry's lock and, when it changed
// something, tells the others: through the database on a shared team,
// else as an event of this registry.
func (s *Session) setPresence(ctx context.Context, set func() (changed bool), why Reason) {
	s.r.mu.Lock()
	if s.closed || !set() {
		s.r.mu.Unlock()
		return
	}
	if s.r.db != nil {
		s.r.mu.Unlock()
		s.r.db.presence(ctx, s)
		return
	}
	defer s.r.mu.Unlock()
	s.r.publishLocked(Event{Kind: EvPresence, Presence: s.presenceLocked(), Reason: why, At: s.r.now()})
}

// Online lists who is online (this session included).
func (s *Session) Online() []Presence { return s.r.Online() }

// Claims returns every live claim by conversation id.
func (s *Session) Claims() map[string]Claim { return s.r.Claims() }

// ClaimOf returns the live claim on conv, whoever holds it.
func (s *Session) ClaimOf(conv string) (Claim, bool) { return s.r.ClaimOf(conv) }

// Other returns the claim on conv when another operator holds it (the
// "JD is replying" of a queue row or a conversation).
func (s *Session) Other(conv string) (Claim, bool) {
	c, ok := s.r.ClaimOf(conv)
	if !ok || c.Session == s.id || c.Holder.Same(s.actor) {
		return Claim{}, false
	}
	return c, true
}

// Subscribe returns the registry's events (claims, releases, presence)
// and a function to stop.
func (s *Session) Subscribe() (<-chan Event, func()) { return s.r.Subscribe() }

// Close leaves the registry: every claim of the session ends
// (ReasonDisconnect) and the others see it go. Idempotent.
func (s *Session) Close() {
	if s.r.db != nil {
		s.r.db.leave(s)
		return
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.releaseAllLocked(ReasonDisconnect)
	delete(s.r.sessions, s.id)
	s.r.log.Info("team: left", "session", s.id, "operator", s.actor.Label())
	s.r.publishLocked(Event{Kind: EvPresence, Presence: s.presenceLocked(), Reason: ReasonLeft, At: s.r.now()})
}

// guard gives the session's operator handle the claims check.
type guard struct{ s *Session }

func (g guard) Acquire(ctx context.Context, conv string, _ social.Actor) (social.Actor, bool) {
	s := g.s
	if s.r.db != nil {
		return s.r.db.acquire(ctx, s, conv)
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.closed { // a session that left claims nothing, but still respects others' claims
		if c, ok := s.r.claims[conv]; ok && !s.r.expiredLocked(c, s.r.now()) && !c.Holder.Same(s.actor) {
			return c.Holder, false
		}
		return s.actor, true
	}
	c, ok := s.r.claimLocked(s, conv, false)
	return c.Holder, ok
}

func (g guard) Replied(ctx context.Context, conv string, _ social.Actor) {
	g.s.release(ctx, conv, ReasonSent)
}
