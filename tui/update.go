package tui

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/textsafe"
)

// Update routes a message: each is offered to the handlers in turn
// (handlers), and the first whose message it is handles it. The root
// keeps what is the screen's as a whole (size, theme, the clock, the
// engine's and the team's events, the reloaded list, an action's result)
// and the input (keys, mouse, paste: onKey routes them along the focus);
// every component handles the results of its own Cmds.
func (m *Model) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if c := m.previewAfter(msg); c != nil {
			cmd = tea.Batch(cmd, c) // preview.go
		}
		if c := m.replayHeld(); c != nil {
			cmd = tea.Batch(cmd, c)
		}
	}()
	if cmd, ok := m.updateRoot(msg); ok { // input, the clock: no allocation
		return m, cmd
	}
	for _, h := range m.handlers() {
		if cmd, ok := h.Update(msg); ok {
			return m, cmd
		}
	}
	return m, nil
}

// follow puts the cursor on conversation id, brought back by an undo: now
// if the list holds it, else when the engine's change reaches the list
// (applyConvs), unless a key is pressed first. The conversation opens
// unless a reply or a prompt is in progress.
func (m *Model) follow(id string) tea.Cmd {
	q := m.queue
	q.follow = id
	i, ok := q.followIn()
	if !ok || i == q.cursor {
		return nil
	}
	q.cursor = i
	q.clampOffset()
	q.ensureVisible()
	if m.focus == fComposer || m.focus == fPicker || len(m.stack) > 0 {
		return nil
	}
	return m.open(id, false)
}

// holding says whether a key typed now waits (held) rather than acts:
// while the queue is re-read for another view, brand or search, so fast
// typing acts on the list the operator asked for, not the old one; and
// while the composer's reply is being queued, where the key belongs
// depends on the engine's answer (never into the text being sent).
func (m *Model) holding() bool {
	if len(m.stack) > 0 {
		return false
	}
	if m.focus == fComposer || m.focus == fPicker {
		return m.focus == fComposer && m.composer.sending
	}
	return m.queue.refsLoading
}

// replayHeld replays the held keys once nothing holds them (Update runs
// it after every message): on the new list, or after the reply's answer —
// on the screen as it is then, or into the text of a refused reply. When
// a question came up meanwhile (another operator holds the conversation,
// it moved on) they are dropped: a key typed before it never answers it.
func (m *Model) replayHeld() tea.Cmd {
	if len(m.held) == 0 || m.holding() {
		return nil
	}
	keys := m.held
	m.held = nil
	if len(m.stack) > 0 {
		return nil
	}
	var cmds []tea.Cmd
	for i, k := range keys {
		cmds = append(cmds, m.onKey(k))
		if m.holding() { // a replayed key started another load or send: the rest waits for it
			m.held = append(m.held, keys[i+1:]...)
			break
		}
	}
	return tea.Batch(cmds...)
}

// handler is a component that takes the messages addressed to it: the
// results of its own Cmds. The root offers each message to its handlers
// in turn (Model.handlers); ok says the message was the handler's, and
// nobody after it sees it.
type handler interface {
	Update(msg tea.Msg) (cmd tea.Cmd, ok bool)
}

// handlerFunc makes a function a handler (the preview, the root's part).
type handlerFunc func(msg tea.Msg) (tea.Cmd, bool)

func (f handlerFunc) Update(msg tea.Msg) (tea.Cmd, bool) { return f(msg) }

// handlers are who is offered a message after the root (updateRoot), in
// order: the image preview, the overlays (the top first), the panes, the
// outbox.
func (m *Model) handlers() []handler {
	hs := make([]handler, 0, 5+len(m.stack))
	hs = append(hs, handlerFunc(m.updatePreview))
	for i := len(m.stack) - 1; i >= 0; i-- {
		if h, ok := m.stack[i].(handler); ok {
			hs = append(hs, h)
		}
	}
	return append(hs, m.queue, m.composer, m.picker, m.conv, &m.outboxList)
}

// updateRoot handles the root's own messages.
func (m *Model) updateRoot(msg tea.Msg) (tea.Cmd, bool) {
	q, p := m.queue, m.composer
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.termW, m.termH = msg.Width, msg.Height
		m.w, m.h = max(msg.Width, minWidth), max(msg.Height, minHeight)
		q.rowCache = map[rowKey]string{}
		m.layout()
		q.ensureVisible()
		return nil, true
	case tea.BackgroundColorMsg:
		// no theme chosen: follow the terminal (asked of the terminal
		// itself, so it is right over SSH too)
		if m.d.Theme == "" && !m.sty.mono && !msg.IsDark() {
			t := lightTheme()
			_ = t.apply(m.d.Colors) // validated in New
			m.sty = NewStyles(t, false)
			clear(q.rowCache)
			clear(m.padCache)
			clear(m.frameCache)
		}
		return nil, true
	case dbProbeMsg:
		return m.onDBProbe(msg), true
	case jumpMsg:
		return m.onJump(msg), true
	case slaMsg:
		return m.onSLA(msg), true
	case tickMsg:
		cmds := []tea.Cmd{m.tick(), m.probeDB()}
		if now := m.now(); now.Sub(m.lastSLAScan) >= slaScanEvery {
			m.lastSLAScan = now
			cmds = append(cmds, m.scanSLA())
		}
		if p.dirty() {
			cmds = append(cmds, p.saveDraft())
		}
		return tea.Batch(cmds...), true
	case eventMsg:
		return tea.Batch(m.onEvent(msg.ev), m.waitEvent()), true
	case eventsClosedMsg:
		return nil, true
	case refsMsg:
		return m.onRefs(msg), true
	case convsMsg:
		return m.onConvs(msg), true
	case doneMsg:
		m.pushUndo(msg.undo)
		if msg.err != nil {
			m.flash(m.failText(msg.err), true)
		} else if msg.flash != "" {
			if msg.undo != nil {
				msg.flash += " — " + m.km.Keys(ActUndo) + " undoes"
			}
			m.flash(msg.flash, false)
		}
		cmd := m.loadOutbox()
		if msg.err == nil && msg.sel != "" {
			cmd = tea.Batch(cmd, m.follow(msg.sel))
		}
		return cmd, true
	case teamMsg:
		if msg.then != nil { // a write to the shared team was answered
			return tea.Batch(msg.then(m), m.team.wait()), true
		}
		return tea.Batch(m.onTeam(msg.ev), m.team.wait()), true
	case tea.PasteMsg:
		if s, ok := m.top().(*statusCompose); ok {
			return s.paste(msg), true // statuspost.go
		}
		if m.focus == fComposer {
			return p.paste(msg), true
		}
		return nil, true
	case tea.MouseWheelMsg:
		return m.onWheel(msg), true
	case tea.MouseClickMsg:
		return m.onClick(msg), true
	case tea.KeyPressMsg:
		return m.onKey(msg), true
	}
	return nil, false
}

// onRefs takes a reloaded list: the open conversation follows the cursor
// unless a reply or a prompt is in progress, and the keys typed meanwhile
// are replayed on the new list.
func (m *Model) onRefs(msg refsMsg) tea.Cmd {
	q := m.queue
	sel := q.selectedID()
	if !q.setRefs(msg) {
		return nil // stale
	}
	var cmds []tea.Cmd
	// a reply or a prompt (note, tags, snooze) in progress keeps its
	// conversation: it must land where the operator started it
	composing := m.focus == fComposer || m.focus == fPicker || len(m.stack) > 0
	if len(q.refs) == 0 && m.conv.openID != "" && !composing {
		// nothing in view (an empty search result): the pane shows no
		// conversation rather than one that does not match
		cmds = append(cmds, m.closeConv())
	}
	if len(q.refs) > 0 && (m.conv.openID == "" || sel != q.refs[q.cursor].ID && !composing) {
		// the view changed under the open conversation: follow the
		// cursor — but never pull the conversation out from under a
		// reply being written
		cmds = append(cmds, m.open(q.refs[q.cursor].ID, false))
	}
	return tea.Batch(cmds...)
}

// onConvs applies conversations the engine changed to the list and the
// open conversation.
func (m *Model) onConvs(msg convsMsg) tea.Cmd {
	q, openID := m.queue, m.conv.openID
	if msg.brand == q.brandFilter {
		q.counts = msg.counts
	}
	wasSelected := openID != "" && q.selectedID() == openID
	q.applyConvs(msg.convs)
	var cmds []tea.Cmd
	// a reply queued (by anyone) took its conversation's draft with it:
	// read them again only then, not on every change the engine announces
	if slices.ContainsFunc(msg.convs, func(c social.Conversation) bool { return q.drafts[c.ID] }) {
		cmds = append(cmds, q.loadDrafts())
	}
	var on tea.Cmd
	if wasSelected {
		on = m.moveOn()
	}
	if on != nil {
		cmds = append(cmds, on)
	} else if slices.ContainsFunc(msg.convs, func(c social.Conversation) bool { return c.ID == openID }) {
		cmds = append(cmds, m.conv.loadPosts(openID))
	}
	if len(msg.urgent) > 0 {
		m.flashAmbient("New urgent post in the queue")
		cmds = append(cmds, m.notify("hark: urgent post", urgentNotice(msg.urgent)))
	}
	if m.conv.openID == "" && len(q.refs) > 0 {
		cmds = append(cmds, m.open(q.refs[q.cursor].ID, false))
	}
	return tea.Batch(cmds...)
}

// moveOn goes on with the conversation under the cursor, the queue
// focused so j/k move on, when the open one has left the view (resolved,
// snoozed, answered) — unless a reply, the picker or a prompt is in
// progress: those keep their conversation. onConvs asks when the engine's
// news lands; the composer asks again when a send's answer lands, since
// the news of that very reply may have come first (the composer had the
// keys then).
func (m *Model) moveOn() tea.Cmd {
	q, id := m.queue, m.conv.openID
	if id == "" || len(q.refs) == 0 || q.selectedID() == id || m.focus == fComposer || m.focus == fPicker || len(m.stack) > 0 {
		return nil
	}
	m.focusOn(fQueue)
	return m.open(q.refs[q.cursor].ID, false)
}

// onTeam applies a claim, a release or a presence change of another
// session; an operator whose claim was taken over is told.
func (m *Model) onTeam(ev team.Event) tea.Cmd {
	m.team.apply(ev)
	me := m.team.sess.ID()
	switch {
	case ev.Kind == team.EvClaimed && ev.Prev != nil && ev.Prev.Session == me:
		m.flash(fmt.Sprintf("%s took over #%s — your text stays in the composer", textsafe.Line(ev.Claim.Holder.Label()), ev.Claim.Conv), true)
	case ev.Kind == team.EvPresence && ev.Presence.Session != me && (ev.Reason == team.ReasonJoined || ev.Reason == team.ReasonLeft):
		m.flash(fmt.Sprintf("%s %s", textsafe.Line(ev.Presence.Actor.Label()), ev.Reason), false)
	}
	return nil
}

func (m *Model) onEvent(ev engine.Event) tea.Cmd {
	switch ev.Kind {
	case engine.EvResync:
		return tea.Batch(m.loadRefs(), m.loadOutbox())
	case engine.EvFeedStatus:
		m.feeds = m.eng.FeedStatuses()
		return nil
	case engine.EvDelivery:
		var cmds []tea.Cmd
		cmds = append(cmds, m.loadOutbox())
		if l, ok := m.top().(*statusList); ok {
			cmds = append(cmds, l.load()) // a copy's link arrives (statuspost.go)
		}
		// a delivery of another operator's reply is theirs to hear of
		// (their row moves and the trail shows it here)
		if ev.Outbox != nil && (m.team.sess == nil || ev.Outbox.Reply.By.Same(m.op.Actor())) {
			switch ev.Outbox.State {
			case store.OutSent:
				m.flash(deliveredLabel(*ev.Outbox), false)
			case store.OutFailed:
				m.flash("Reply failed: "+ev.Outbox.LastError+" (O: outbox to edit/retry)", true)
			case store.OutCancelled:
				m.flash(fmt.Sprintf("Scheduled message to %s %s (O: enter sends it anyway, d discards it)", textsafe.Handle(ev.Outbox.Reply.Network.At(ev.Outbox.Reply.To.Author.Handle)), textsafe.Line(ev.Outbox.LastError)), true)
			}
		}
		if len(ev.ConvIDs) > 0 {
			cmds = append(cmds, m.loadConvs(ev.ConvIDs, nil))
		}
		return tea.Batch(cmds...)
	case engine.EvNewPosts, engine.EvConvChanged:
		if len(ev.ConvIDs) == 0 {
			return nil
		}
		return m.loadConvs(ev.ConvIDs, ev.Posts)
	}
	return nil
}
