package tui

import (
	"fmt"
	"strings"

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
type teamState struct {
	sess   *team.Session
	others map[string]team.Claim // by conversation: claims of other operators
	online []team.Presence
	events <-chan team.Event
	unsub  func()
	brand  string // the brand last told to the registry
}

// teamMsg is an event of the registry (a claim, a release, presence).
type teamMsg struct{ ev team.Event }

func newTeamState(s *team.Session) *teamState {
	t := &teamState{sess: s, others: map[string]team.Claim{}}
	if s != nil {
		t.events, t.unsub = s.Subscribe()
		t.resync()
	}
	return t
}

func (t *teamState) close() {
	if t.unsub != nil {
		t.unsub()
		t.unsub = nil
	}
}

// wait is a Cmd that returns the next event (nil when solo).
func (t *teamState) wait() tea.Cmd {
	ch := t.events
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return teamMsg{ev}
	}
}

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
		if c, ok := t.sess.Claim(id); !ok {
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
		t.sess.Take(id)
	}
}

// release lets go of this session's claims on the conversations.
func (t *teamState) release(ids ...string) {
	if t.sess == nil {
		return
	}
	for _, id := range ids {
		if id != "" {
			t.sess.Release(id)
		}
	}
}

// touch keeps this session's claim alive while the operator types; false:
// the claim was lost (idle, or taken over) and is not free to take back.
func (t *teamState) touch(id string) (lost team.Claim, ok bool) {
	if t.sess == nil || id == "" || t.sess.Touch(id) {
		return team.Claim{}, true
	}
	if c, free := t.sess.Claim(id); !free {
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
	t.sess.SetBrand(b)
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
	held := m.team.claim(ids)
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
			m.team.take(over)
			return then()
		},
		no: func() tea.Cmd {
			m.team.release(ids...) // the ones that were free
			return nil
		},
	})
}
