package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/textsafe"
)

// teamState is what the session knows of the team under hark serve: the
// claims other operators hold (the "JD is replying" of a queue row and a
// conversation) and who is online. It is kept from the registry's events,
// so drawing a row never takes the registry's lock. Solo (no serve), sess
// is nil and every method is a no-op.
//
// When the team is shared through the database (team.Registry.Shared),
// every write to it (claim, take, touch, release, brand, conversation on
// screen) runs on a worker of its own, in the order the operator acted,
// never on the UI loop; what the screen must act on (a claim held by
// someone else, a claim lost while typing) comes back as a teamMsg. In
// memory (one process) the registry answers at once and is called
// directly, as before.
type teamState struct {
	ctx    context.Context // the session's: every write to the team runs under it
	sess   *team.Session
	others map[string]team.Claim // by conversation: claims of other operators
	online []team.Presence
	events <-chan team.Event
	unsub  func()
	brand  string // the brand last told to the registry

	w        *teamWorker // shared team only
	touched  map[string]time.Time
	viewWant atomic.Pointer[string]
}

// teamMsg is an event of the registry (a claim, a release, presence), or
// the result of a write done off the UI loop (then).
type teamMsg struct {
	ev   team.Event
	then func(m *Model) tea.Cmd
}

func newTeamState(ctx context.Context, s *team.Session) *teamState {
	t := &teamState{ctx: ctx, sess: s, others: map[string]team.Claim{}, touched: map[string]time.Time{}}
	if s != nil {
		t.events, t.unsub = s.Subscribe()
		t.resync()
		if s.Registry().Shared() {
			t.w = newTeamWorker()
		}
	}
	return t
}

func (t *teamState) close() {
	if t.unsub != nil {
		t.unsub()
		t.unsub = nil
	}
	if t.w != nil {
		t.w.stop()
	}
}

// wait is a Cmd that returns the next event or write result (nil when
// solo).
func (t *teamState) wait() tea.Cmd {
	ch := t.events
	if ch == nil {
		return nil
	}
	var results <-chan teamMsg
	if t.w != nil {
		results = t.w.results
	}
	return func() tea.Msg {
		select {
		case ev, ok := <-ch:
			if !ok {
				return nil
			}
			return teamMsg{ev: ev}
		case r := <-results:
			return r
		}
	}
}

// teamWorker runs the writes to a shared team one after another, off the
// UI loop; a job's result (if any) is sent to results.
type teamWorker struct {
	mu      sync.Mutex
	queue   []func() *teamMsg
	wake    chan struct{}
	done    chan struct{}
	results chan teamMsg
	once    sync.Once
}

func newTeamWorker() *teamWorker {
	w := &teamWorker{wake: make(chan struct{}, 1), done: make(chan struct{}), results: make(chan teamMsg, 16)}
	go w.run()
	return w
}

// do queues a job; it never blocks.
func (w *teamWorker) do(job func() *teamMsg) {
	w.mu.Lock()
	w.queue = append(w.queue, job)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *teamWorker) run() {
	for {
		w.mu.Lock()
		q := w.queue
		w.queue = nil
		w.mu.Unlock()
		for _, job := range q {
			if r := job(); r != nil {
				select {
				case w.results <- *r:
				case <-w.done:
					return
				}
			}
		}
		select {
		case <-w.wake:
		case <-w.done:
			return
		}
	}
}

func (w *teamWorker) stop() { w.once.Do(func() { close(w.done) }) }

// touchEvery: a shared claim is kept alive at most this often while the
// operator types (one write, not one per key).
const touchEvery = time.Second

// resync reads every claim and who is online again.
func (t *teamState) resync() {
	clear(t.others)
	for id, c := range t.sess.Claims() {
		if _, ok := t.sess.Other(id); ok {
			t.others[id] = c
		}
	}
	t.online = t.sess.Online()
}

// apply takes an event; it returns the conversations whose claim changed.
func (t *teamState) apply(ev team.Event) []string {
	switch ev.Kind {
	case team.EvClaimed:
		id := ev.Claim.Conv
		if _, ok := t.sess.Other(id); ok {
			t.others[id] = ev.Claim
		} else {
			delete(t.others, id) // mine now (or taken from another by me)
		}
		return []string{id}
	case team.EvReleased:
		if c, ok := t.others[ev.Claim.Conv]; ok && c.Session == ev.Claim.Session {
			delete(t.others, ev.Claim.Conv)
		}
		return []string{ev.Claim.Conv}
	case team.EvPresence:
		t.online = t.sess.Online()
	case team.EvResync:
		t.resync()
	}
	return nil
}

// other is another operator's live claim on a conversation.
func (t *teamState) other(id string) (team.Claim, bool) {
	c, ok := t.others[id]
	return c, ok
}

// claim takes the conversations for this operator; it returns the claims
// other operators hold on some of them (those are not taken).
func (t *teamState) claim(ids []string) []team.Claim {
	if t.sess == nil {
		return nil
	}
	var held []team.Claim
	for _, id := range ids {
		if c, ok := t.sess.Claim(t.ctx, id); !ok {
			held = append(held, c)
		}
	}
	return held
}

// take claims the conversations even from others (the operator confirmed).
func (t *teamState) take(ids []string) {
	if t.sess == nil {
		return
	}
	for _, id := range ids {
		t.sess.Take(t.ctx, id)
	}
}

// release lets go of this session's claims on the conversations.
func (t *teamState) release(ids ...string) {
	if t.sess == nil {
		return
	}
	var rel []string
	for _, id := range ids {
		if id != "" {
			rel = append(rel, id)
			delete(t.touched, id) // a new claim is kept alive from its first key
		}
	}
	if t.w != nil {
		ctx, s := t.ctx, t.sess
		t.w.do(func() *teamMsg {
			for _, id := range rel {
				s.Release(ctx, id)
			}
			return nil
		})
		return
	}
	for _, id := range rel {
		t.sess.Release(t.ctx, id)
	}
}

// touch keeps this session's claim alive while the operator types; false:
// the claim was lost (idle, or taken over) and is not free to take back.
// Shared, it answers true at once and the loss comes back as a teamMsg.
func (t *teamState) touch(id string) (lost team.Claim, ok bool) {
	if t.sess == nil || id == "" {
		return team.Claim{}, true
	}
	if t.w != nil {
		if time.Since(t.touched[id]) < touchEvery {
			return team.Claim{}, true
		}
		t.touched[id] = time.Now()
		ctx, s := t.ctx, t.sess
		t.w.do(func() *teamMsg {
			if s.Touch(ctx, id) {
				return nil
			}
			c, free := s.Claim(ctx, id)
			if free {
				return nil
			}
			return &teamMsg{then: func(m *Model) tea.Cmd {
				if m.composer.composeFor == id {
					m.flash(claimLine(c)+" — ctrl+s will ask before sending", true)
				}
				return nil
			}}
		})
		return team.Claim{}, true
	}
	if t.sess.Touch(t.ctx, id) {
		return team.Claim{}, true
	}
	if c, free := t.sess.Claim(t.ctx, id); !free {
		return c, false
	}
	return team.Claim{}, true
}

// setBrand tells the others which brand this session looks at.
func (t *teamState) setBrand(b string) {
	if t.sess == nil || b == t.brand {
		return
	}
	t.brand = b
	if t.w != nil {
		ctx, s := t.ctx, t.sess
		t.w.do(func() *teamMsg { s.SetBrand(ctx, b); return nil })
		return
	}
	t.sess.SetBrand(t.ctx, b)
}

// setViewing tells the others which conversation this session has open.
func (t *teamState) setViewing(id string) {
	if t.sess == nil {
		return
	}
	if t.w != nil {
		// moving down the queue queues many: each writes the newest
		ctx, s, v := t.ctx, t.sess, &t.viewWant
		v.Store(&id)
		t.w.do(func() *teamMsg { s.SetViewing(ctx, *v.Load()); return nil })
		return
	}
	t.sess.SetViewing(t.ctx, id)
}

// presence is the status line's "who is online" ("" when solo).
func (t *teamState) presence() string {
	if t.sess == nil {
		return ""
	}
	var who []string
	for _, p := range t.online {
		b := "all"
		if p.Brand != "" {
			b = brandTag(p.Brand)
		}
		who = append(who, textsafe.Line(p.Actor.Label())+"·"+b)
	}
	return fmt.Sprintf("%d online: %s", len(t.online), strings.Join(who, " "))
}

// claimLine is the conversation view's "JD is replying (since 10:42)".
func claimLine(c team.Claim) string {
	return fmt.Sprintf("✎ %s is replying (since %s)", textsafe.Line(c.Holder.Label()), c.Since.Local().Format("15:04"))
}

// trailLine is who did what on a conversation, newest last: "replied by
// AK 10:40 · resolved by JD 10:42" (team mode only: solo, it is always
// the one operator).
func trailLine(c social.Conversation, n int) string {
	var parts []string
	for i := max(len(c.Activity)-n, 0); i < len(c.Activity); i++ {
		a := c.Activity[i]
		what := string(a.Action)
		switch {
		case a.Action == social.ActClaimedOver && a.Note != "":
			what = "replied over " + a.Note + "'s claim,"
		case a.Action == social.ActContactEdited && a.Note != "":
			what = a.Note // "VIP set", "note edited"
		}
		if a.Action == social.ActSentOverNews && a.Note != "" {
			what = "sent over news (" + a.Note + ")"
		}
		parts = append(parts, fmt.Sprintf("%s by %s %s", what, a.By.Label(), a.At.Local().Format("15:04")))
	}
	return textsafe.Line(strings.Join(parts, " · "))
}

// heldBy says who holds the claims, for the warning.
func heldBy(cs []team.Claim) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s on #%s since %s", textsafe.Line(c.Holder.Label()), c.Conv, c.Since.Local().Format("15:04")))
	}
	return strings.Join(parts, "; ")
}

// ---- the root's part: claims before a reply starts, and on send ----

// withClaim claims the conversations before the composer, the picker or a
// bulk reply opens on them; when another operator holds one, the operator
// is warned and must confirm (y takes it over).
func (m *Model) withClaim(ids []string, then func() tea.Cmd) tea.Cmd {
	if t := m.team; t.w != nil {
		// shared: the claim is a database write; the composer opens when
		// it is answered
		t.w.do(func() *teamMsg {
			held := t.claim(ids)
			return &teamMsg{then: func(m *Model) tea.Cmd { return m.claimed(ids, held, then) }}
		})
		return nil
	}
	return m.claimed(ids, m.team.claim(ids), then)
}

// claimed goes on once the claims are answered: then, or the warning.
func (m *Model) claimed(ids []string, held []team.Claim, then func() tea.Cmd) tea.Cmd {
	if len(held) == 0 {
		return then()
	}
	return m.push(&confirm{
		host:  m,
		title: "Someone is already replying",
		body: []string{
			heldBy(held),
			"",
			"Reply anyway? Yes takes the conversation over; they are told at once.",
		},
		yes: func() tea.Cmd {
			var over []string
			for _, c := range held {
				over = append(over, c.Conv)
			}
			if t := m.team; t.w != nil {
				t.w.do(func() *teamMsg {
					t.take(over)
					return &teamMsg{then: func(*Model) tea.Cmd { return then() }}
				})
				return nil
			}
			m.team.take(over)
			return then()
		},
		no: func() tea.Cmd {
			m.team.release(ids...) // the ones that were free
			return nil
		},
	})
}
