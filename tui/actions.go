package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// onKey routes a key: ctrl+c quits from anywhere; while the list reloads
// the keys wait for it; the top overlay takes every key; the composer and
// the picker take every key (they type); from the conversation pane the
// pane, then the queue, then the root; from the queue, the queue then the
// root.
func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return tea.Quit
	}
	if k.Code == tea.KeyEscape && k.Mod == tea.ModAlt {
		// Two escs in one read (pressed quickly, or bunched by a slow SSH
		// link) decode as alt+esc, which nothing binds: they are two
		// escs, each closing what it would close on its own.
		esc := tea.KeyPressMsg{Code: tea.KeyEscape}
		first := m.onKey(esc)
		return tea.Batch(first, m.onKey(esc))
	}
	m.msgs.keyPressed(m.now())
	m.queue.follow = "" // an undo's conversation not back yet: the operator has moved on
	typing := m.focus == fComposer || m.focus == fPicker
	if len(m.stack) == 0 && !typing && m.queue.abortSearch() {
		// a search was running: this key cancels it and acts on the
		// list as it was (typing never waits for a search)
		m.held = nil
	}
	if m.holding() {
		m.held = append(m.held, k)
		return nil
	}
	if o := m.top(); o != nil {
		return o.Key(k)
	}
	for _, p := range m.keyChain() {
		if cmd, ok := p.Key(k); ok {
			m.team.setBrand(m.queue.brandFilter)
			return cmd
		}
	}
	return m.rootKey(k)
}

// keyChain is who is offered a key, in order, before the root.
func (m *Model) keyChain() []pane {
	switch m.focus {
	case fComposer:
		return []pane{m.composer}
	case fPicker:
		return []pane{m.picker}
	case fConv:
		return []pane{m.conv, m.queue}
	}
	return []pane{m.queue}
}

// helpLines is the `?` overlay's text: every binding, the team's
// notation in team mode, and the legend.
func (m *Model) helpLines() []string {
	lines := m.km.allHelpLines()
	if m.team.sess != nil {
		lines = append(lines, "", "Team",
			"  ✎JD              JD is replying: r, R, c or B asks before you answer too",
			"  (a claim)        yours from r/R/c/B until you send, esc, move on or idle",
			"  N online         who is on hark now, and the brand each is looking at")
	}
	return append(lines, m.legendLines()...)
}

var errFollowUp = errors.New("follow-up")

// rootKey handles what acts on the open or selected conversations, the
// overlays and the program.
func (m *Model) rootKey(k tea.KeyPressMsg) tea.Cmd {
	eng, op := m.eng, m.op
	switch act := m.km.Action(k.String()); act {
	case ActQuit:
		return tea.Quit // Close (run after it) saves an unsaved draft
	case ActHelp:
		return m.push(newHelp(m.Common, m, m.helpLines()))
	case ActMessages:
		m.openMessages()
	case ActJump:
		return m.openJump()
	case ActPalette:
		return m.openPalette()
	case ActUndo:
		return m.undoLast()
	case ActPrevPost, ActNextPost:
		// from the queue as from the conversation pane: the open
		// conversation is the one answered (r works from the queue too)
		if m.conv.openID != "" {
			d := 1
			if act == ActPrevPost {
				d = -1
			}
			m.conv.pickPost(d)
		}
		return nil
	case ActToQueue:
		m.focusOn(fQueue)
	case ActSwitchPane:
		if m.focus == fQueue {
			m.focusOn(fConv)
		} else {
			m.focusOn(fQueue)
		}
	case ActCancel:
		wasQueue := m.focus == fQueue
		m.focusOn(fQueue)
		if len(m.queue.marked) > 0 {
			m.team.release(m.queue.selected()...) // a bulk reply's claims
			m.clearSelection()
		} else if wasQueue {
			// esc in the queue takes an applied search off
			if cmd, ok := m.queue.clearSearch(); ok {
				return cmd
			}
		}
	case ActReply, ActDM:
		return m.compose(act == ActDM, false)
	case ActCanned:
		return m.pick(len(m.queue.marked) > 0)
	case ActBulk:
		if len(m.queue.marked) == 0 {
			m.flash("Select conversations first (space, or V for all in this view)", true)
			return nil
		}
		return m.pick(true)
	case ActFollowUp:
		c, ok := m.current()
		if !ok || c.FollowUp != social.FollowUpOffered {
			m.flash("No public follow-up to offer here (it is offered when a DM that started in public is resolved)", true)
			return nil
		}
		return m.compose(false, true)
	case ActResolve:
		return m.act("Resolved", func(ctx context.Context, id string) error {
			c, err := op.Resolve(ctx, id)
			if err == nil && c.FollowUp == social.FollowUpOffered {
				return errFollowUp
			}
			return err
		})
	case ActPending:
		return m.act("Marked pending", func(ctx context.Context, id string) error {
			_, err := op.SetState(ctx, id, social.StatePending)
			return err
		})
	case ActReopen:
		return m.act("Reopened", func(ctx context.Context, id string) error {
			_, err := op.SetState(ctx, id, social.StateOpen)
			return err
		})
	case ActVIP:
		c, ok := m.current()
		if !ok {
			return nil
		}
		vip := !c.VIP
		return editContact(m.Common, c, "VIP flag", func(ct *store.Contact) { ct.VIP = vip })
	case ActSnooze:
		if m.conv.openID == "" && len(m.queue.marked) == 0 {
			return nil
		}
		c, _ := m.current()
		return openSnooze(m.Common, m, c.Brand, func(until time.Time, note, label string) tea.Cmd {
			return m.act(label, func(ctx context.Context, id string) error { _, err := op.Snooze(ctx, id, until, note); return err })
		})
	case ActNote:
		if c, ok := m.current(); ok {
			return openNote(m.Common, m, c, m.conv.contact.Notes)
		}
	case ActTags:
		if c, ok := m.current(); ok {
			return openTags(m.Common, m, c, m.conv.contact.Tags)
		}
	case ActSearch:
		return m.queue.openSearch()
	case ActOpenLink:
		return m.conv.openLink()
	case ActCopyLink:
		if u := m.conv.link(); u != "" {
			m.flash("Link copied: "+u, false)
			return tea.SetClipboard(u)
		}
	case ActStats:
		s := newStats(m.Common, m)
		m.push(s)
		return s.load()
	case ActOutbox:
		m.push(&outboxView{Common: m.Common, host: m, list: &m.outboxList})
		return m.loadOutbox()
	case ActRefresh:
		eng.PollNow()
		m.flash("Polling every feed now", false)
	default:
		if cmd, ok := m.moreKeys(act); ok {
			return cmd
		}
		if localAction(rootKeys, k.String()) == ActSkipFollow {
			return m.act("Public follow-up skipped", func(ctx context.Context, id string) error { _, err := op.SkipFollowUp(ctx, id); return err })
		}
	}
	return nil
}

// act runs an engine action on the targets in a Cmd; what it changed can
// be taken back (undo).
func (m *Model) act(done string, fn func(ctx context.Context, id string) error) tea.Cmd {
	ids := m.targets()
	if len(ids) == 0 {
		return nil
	}
	bulk := len(ids) > 1
	if bulk {
		m.clearSelection()
	}
	st, op := m.st, m.op
	return func() tea.Msg {
		var errs []string
		var causes []error
		var pairs []restorePair
		follow := false
		for _, id := range ids {
			prev, perr := st.Conversation(m.ctx, id)
			err := fn(m.ctx, id)
			if err == errFollowUp {
				follow = true
			} else if err != nil {
				errs = append(errs, fmt.Sprintf("#%s: %v", id, err))
				causes = append(causes, err)
				continue
			}
			if after, aerr := st.Conversation(m.ctx, id); perr == nil && aerr == nil {
				pairs = append(pairs, restorePair{prev, after})
			}
		}
		msg := done
		if bulk {
			msg = fmt.Sprintf("%s: %d conversations", done, len(ids))
		} else {
			msg += " (#" + ids[0] + ")"
		}
		u := restoreUndo(m.ctx, op, msg, pairs)
		if len(errs) > 0 {
			return doneMsg{err: actErrors{msg: strings.Join(errs, "; "), errs: causes}, undo: u}
		}
		if follow {
			msg += " — it started in public: press f for a public follow-up, F to skip"
		}
		return doneMsg{flash: msg, undo: u}
	}
}

// ---- host: what the components may ask of the root ----

func (m *Model) flash(s string, isErr bool) { m.msgs.add(m.now(), s, isErr) }

// flashAmbient shows background news (see msgLog.addAmbient).
func (m *Model) flashAmbient(s string) { m.msgs.addAmbient(m.now(), s) }

func (m *Model) pickedPost() (store.StoredPost, bool) { return m.conv.pickedPost() }

// answerable is the open conversation if hark can answer it; anyway (a
// follow-up, or a bulk selection, which skips read-only ones when it is
// sent) lets a read-only one through. A refusal says why.
func answerable(h host, anyway bool) (social.Conversation, bool) {
	c, ok := h.current()
	if !ok || !anyway && readOnly(h, c) {
		return c, false
	}
	return c, true
}

// readOnly says whether c takes no reply from hark, and if so, says why.
func readOnly(h host, c social.Conversation) bool {
	if c.ReadOnly == "" {
		return false
	}
	h.flash("Read-only: "+textsafe.Line(c.ReadOnly), true)
	return true
}

func (m *Model) current() (social.Conversation, bool) {
	if m.conv.openID == "" {
		return social.Conversation{}, false
	}
	// cache only: View calls this, and View does no I/O (loadPosts brings
	// the conversation of a row that was not on screen)
	c, ok := m.queue.convs[m.conv.openID]
	return c, ok
}

// open shows a conversation in the right pane (and fetches its thread once
// when asked to, i.e. on enter). The composer's text for the previous one
// is saved as its draft.
func (m *Model) open(id string, fetch bool) tea.Cmd {
	var cmds []tea.Cmd
	if id != m.conv.openID {
		m.team.release(m.conv.openID) // a reply left for later holds no claim
		if m.composer.dirty() {
			cmds = append(cmds, m.composer.saveDraft())
		}
		if m.focus == fComposer || m.focus == fPicker {
			m.focusOn(fQueue)
		}
		m.composer.clear()
		cmds = append(cmds, m.conv.show(id))
		m.team.setViewing(id)
	}
	if fetch {
		cmds = append(cmds, m.conv.fetchThread(id))
	}
	return tea.Batch(cmds...)
}

// closeConv leaves the conversation pane empty (its draft saved).
func (m *Model) closeConv() tea.Cmd {
	var cmd tea.Cmd
	m.team.release(m.conv.openID)
	if m.composer.dirty() {
		cmd = m.composer.saveDraft()
	}
	if m.focus != fQueue {
		m.focusOn(fQueue)
	}
	m.composer.clear()
	m.conv.close()
	m.team.setViewing("")
	return cmd
}

func (m *Model) focusOn(f focus) {
	m.focus = f
	m.composer.focused = f == fComposer
	m.layout()
}

func (m *Model) targets() []string {
	if len(m.queue.marked) > 0 {
		return m.queue.selected()
	}
	if m.conv.openID != "" {
		return []string{m.conv.openID}
	}
	return nil
}

func (m *Model) clearSelection() { m.queue.marked = map[string]bool{} }

// compose opens the composer on the open conversation, once it is claimed.
func (m *Model) compose(direct, followUp bool) tea.Cmd {
	c, ok := answerable(m, followUp)
	if !ok {
		return nil
	}
	return m.withClaim([]string{c.ID}, func() tea.Cmd { return m.composer.start(c, direct, followUp) })
}

// pick opens the canned picker on the targets, once they are claimed.
func (m *Model) pick(bulk bool) tea.Cmd {
	if _, ok := answerable(m, bulk); !ok {
		return nil
	}
	ids := m.targets()
	return m.withClaim(ids, func() tea.Cmd { return m.picker.start(bulk, ids) })
}

func (m *Model) pickCanned(r canned.Response, text string, replace bool, asked map[string]string) tea.Cmd {
	if len(m.queue.marked) > 0 {
		return m.composer.startBulk(m.targets(), r, asked)
	}
	c, _ := m.current()
	return m.composer.insert(c.ID, text, replace)
}

func (m *Model) remember(c social.Conversation) { m.queue.remember(c) }

func (m *Model) restoreDraft(id, draft string) { m.composer.restoreDraft(id, draft) }
