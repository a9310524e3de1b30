package tui

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/textsafe"
)

// Update handles a message: results of Cmds go to the component they
// belong to, keys to the focus (onKey).
func (m *Model) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if c := m.previewAfter(msg); c != nil {
			cmd = tea.Batch(cmd, c) // preview.go
		}
	}()
	q, p := m.queue, m.composer
	switch msg := msg.(type) {
	case previewMsg:
		return m, m.onPreview(msg)
	case previewDrawMsg:
		return m, m.onPreviewDraw(msg)
	case uv.PrimaryDeviceAttributesEvent:
		m.onDeviceAttributes(msg)
		return m, nil
	case tea.WindowSizeMsg:
		m.w, m.h = max(msg.Width, 40), max(msg.Height, 12)
		q.rowCache = map[rowKey]string{}
		m.layout()
		q.ensureVisible()
		return m, nil
	case draftSaveMsg:
		if msg.gen == p.draftGen && p.dirty() {
			return m, p.saveDraft()
		}
		return m, nil
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
		return m, nil
	case dbProbeMsg:
		return m, m.onDBProbe(msg)
	case jumpMsg:
		return m, m.onJump(msg)
	case slaMsg:
		return m, m.onSLA(msg)
	case tickMsg:
		cmds := []tea.Cmd{tick(), m.probeDB()}
		if now := m.now(); now.Sub(m.lastSLAScan) >= slaScanEvery {
			m.lastSLAScan = now
			cmds = append(cmds, m.scanSLA())
		}
		if p.dirty() {
			cmds = append(cmds, p.saveDraft())
		}
		return m, tea.Batch(cmds...)
	case eventMsg:
		return m, tea.Batch(m.onEvent(msg.ev), m.waitEvent())
	case eventsClosedMsg:
		return m, nil
	case refsMsg:
		return m, m.onRefs(msg)
	case convsMsg:
		return m, m.onConvs(msg)
	case postsMsg:
		if !m.conv.setPosts(msg) {
			return m, nil
		}
		if c := msg.conv; c != nil {
			q.remember(*c)
		}
		if msg.err != nil {
			m.flash(m.failText(msg.err), true)
		}
		p.restoreDraft(msg.id, msg.draft)
		return m, nil
	case threadMsg:
		switch {
		case social.Gone(msg.err):
			// the reason first and whole (it is short): the status line
			// would cut a wrapped network error before its "404"
			m.flash(msg.err.Error(), false)
		case msg.err != nil:
			m.flash("thread: "+msg.err.Error(), true)
		}
		return m, nil
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
		return m, m.loadOutbox()
	case unsentMsg:
		m.flash(msg.flash, false)
		load := m.open(msg.edit.conv, false)
		return m, tea.Batch(load, p.edit(msg.edit), m.loadOutbox())
	case outboxMsg:
		m.outboxList.set(msg)
		return m, nil
	case sentPageMsg:
		for _, o := range m.stack {
			if ov, ok := o.(*outboxView); ok {
				ov.setPage(msg)
			}
		}
		return m, nil
	case teamMsg:
		if msg.then != nil { // a write to the shared team was answered
			return m, tea.Batch(msg.then(m), m.team.wait())
		}
		return m, tea.Batch(m.onTeam(msg.ev), m.team.wait())
	case sentMsg:
		if cmd, ok := p.claimed(msg); ok {
			return m, cmd
		}
		if cmd, ok := p.newer(msg); ok { // seen.go: shown over the refreshed conversation
			if m.conv.openID == msg.conv {
				cmd = tea.Batch(cmd, m.conv.loadPosts(msg.conv))
			}
			return m, tea.Batch(cmd, m.loadOutbox())
		}
		queued, reload := p.sent(msg)
		if queued {
			if m.focus == fComposer {
				m.focusOn(fConv)
			} else {
				m.layout()
			}
			// a reply moves the conversation to pending (waiting on the
			// customer) once it is sent: say so, and how to take it back
			flash := "Reply queued; once sent, the conversation moves to pending (waiting on the customer)"
			if !msg.at.IsZero() {
				flash = queuedLabel(msg) // scheduled (schedule.go)
			} else if d := m.d.UndoSend; d > 0 {
				m.pushUndo(unsendUndo(m.op, "reply to "+msg.to, []uint64{msg.seq}, &editMsg{conv: msg.conv, text: msg.body, direct: msg.direct}))
				flash = fmt.Sprintf("Reply to %s sends in %s — %s takes it back; then the conversation moves to pending", textsafe.Handle(msg.to), d, m.km.Keys(ActUndo))
			}
			m.flash(flash, false)
		}
		if reload {
			return m, m.loadOutbox()
		}
		return m, nil
	case usedMsg:
		m.picker.setUsed(msg.used)
		return m, nil
	case bulkPlanMsg:
		return m, p.showBulk(msg)
	case contactSavedMsg:
		m.pushUndo(msg.undo)
		flash := "Contact saved"
		if msg.flash != "" {
			flash = msg.flash
		}
		if msg.undo != nil {
			flash += " — " + m.km.Keys(ActUndo) + " undoes"
		}
		m.flash(flash, false)
		if msg.id == m.conv.openID {
			return m, m.conv.loadPosts(msg.id)
		}
		return m, nil
	case editMsg:
		load := m.open(msg.conv, false) // (nothing to load if already open)
		return m, tea.Batch(load, p.edit(msg))
	case attachFileMsg:
		return m, m.onAttachFile(msg)
	case statusListMsg:
		if s, ok := m.top().(*statusList); ok {
			s.set(msg)
		}
		return m, nil
	case statsMsg:
		if s, ok := m.top().(*stats); ok {
			s.text = msg.text
		}
		return m, nil
	case tea.PasteMsg:
		if s, ok := m.top().(*statusCompose); ok {
			return m, s.paste(msg) // statuspost.go
		}
		if m.focus == fComposer {
			return m, p.paste(msg)
		}
		return m, nil
	case tea.MouseWheelMsg:
		return m, m.onWheel(msg)
	case tea.MouseClickMsg:
		return m, m.onClick(msg)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	}
	return m, nil
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
	queued := m.typeahead
	m.typeahead = nil
	for i, k := range queued {
		cmds = append(cmds, m.onKey(k))
		if q.refsLoading { // a replayed key started another load
			m.typeahead = append(m.typeahead, queued[i+1:]...)
			break
		}
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
	if wasSelected && len(q.refs) > 0 && q.selectedID() != openID && m.focus != fComposer && m.focus != fPicker && len(m.stack) == 0 {
		// the open conversation left the view (resolved, snoozed,
		// answered): go on with the one now under the cursor, with the
		// queue focused so j/k move on
		m.focusOn(fQueue)
		cmds = append(cmds, m.open(q.refs[q.cursor].ID, false))
	} else if slices.Contains(idsOf(msg.convs), openID) {
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

func idsOf(cs []social.Conversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
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
				m.flash(fmt.Sprintf("Scheduled message to %s %s (O: enter sends it anyway, d discards it)", textsafe.Handle(displayHandle(ev.Outbox.Reply.To.Author.Handle)), textsafe.Line(ev.Outbox.LastError)), true)
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
