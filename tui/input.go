package tui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

func stripANSI(s string) string { return ansi.Strip(s) }

func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	if ks == "ctrl+c" {
		return m.quit()
	}
	if m.refsLoading && m.overlay == ovNone && m.focus != fComposer && m.focus != fPicker {
		// the queue is being re-read (view, brand or search change): keep
		// the keys and replay them on the new list, so fast typing acts on
		// what the operator asked for, not on the old list
		m.typeahead = append(m.typeahead, k)
		return nil
	}
	if m.overlay != ovNone {
		return m.onOverlayKey(k)
	}
	switch m.focus {
	case fComposer:
		return m.onComposerKey(k)
	case fPicker:
		return m.onPickerKey(k)
	}
	act := m.km.Action(ks)
	switch act {
	case ActQuit:
		return m.quit()
	case ActHelp:
		m.overlay = ovHelp
	case ActDown:
		if m.focus == fConv {
			m.convScroll = max(m.convScroll-1, 0)
			return nil
		}
		return m.moveCursor(1)
	case ActUp:
		if m.focus == fConv {
			m.convScroll++
			return nil
		}
		return m.moveCursor(-1)
	case ActPageDown:
		return m.moveCursor(m.queueRows())
	case ActPageUp:
		return m.moveCursor(-m.queueRows())
	case ActTop:
		return m.moveCursor(-len(m.refs))
	case ActBottom:
		return m.moveCursor(len(m.refs))
	case ActOpen:
		if id := m.selectedID(); id != "" {
			m.focus = fConv
			return m.open(id, true)
		}
	case ActSwitchPane:
		if m.focus == fQueue {
			m.focus = fConv
		} else {
			m.focus = fQueue
		}
	case ActCancel:
		m.focus = fQueue
		if len(m.marked) > 0 {
			m.marked = map[string]bool{}
		}
	case ActReply, ActDM:
		return m.startCompose(act == ActDM, false)
	case ActCanned:
		return m.startPicker()
	case ActFollowUp:
		c, ok := m.current()
		if !ok || c.FollowUp != social.FollowUpOffered {
			m.setFlash("No public follow-up to offer here (it is offered when a DM that started in public is resolved)", true)
			return nil
		}
		return m.startCompose(false, true)
	case ActResolve:
		return m.act("Resolved", func(id string) error {
			c, err := m.eng.Resolve(id)
			if err == nil && c.FollowUp == social.FollowUpOffered {
				return errFollowUp
			}
			return err
		})
	case ActPending:
		return m.act("Marked pending", func(id string) error { _, err := m.eng.SetState(id, social.StatePending); return err })
	case ActReopen:
		return m.act("Reopened", func(id string) error { _, err := m.eng.SetState(id, social.StateOpen); return err })
	case ActVIP:
		c, ok := m.current()
		if !ok {
			return nil
		}
		vip := !c.VIP
		return m.act(map[bool]string{true: "Contact marked VIP", false: "VIP flag removed"}[vip], func(id string) error { return m.eng.SetVIP(id, vip) })
	case ActSnooze:
		if m.openID == "" && len(m.marked) == 0 {
			return nil
		}
		return m.startInput(ovSnooze, "until › ", "")
	case ActNote:
		if m.openID == "" {
			return nil
		}
		return m.startInput(ovNote, "note › ", m.contact.Notes)
	case ActTags:
		if m.openID == "" {
			return nil
		}
		return m.startInput(ovTags, "tags › ", strings.Join(m.contact.Tags, ", "))
	case ActSearch:
		raw := ""
		if m.search != nil {
			raw = m.search.Raw
		}
		return m.startInput(ovSearch, "/ ", raw)
	case ActNextView:
		m.view = (m.view + 1) % 5
		m.cursor, m.offset = 0, 0
		return m.loadRefs()
	case ActBrand:
		m.brandFilter = nextBrand(m.brands, m.brandFilter)
		m.cursor, m.offset = 0, 0
		m.marked = map[string]bool{}
		return m.loadRefs()
	case ActSelect:
		if id := m.selectedID(); id != "" {
			if m.marked[id] {
				delete(m.marked, id)
			} else {
				m.marked[id] = true
			}
			return m.moveCursor(1)
		}
	case ActBrandN:
		n := int(ks[0] - '0')
		want := ""
		if n > 0 && n <= len(m.brands) {
			want = m.brands[n-1]
		} else if n > len(m.brands) {
			m.setFlash(fmt.Sprintf("There is no brand %d (%d configured)", n, len(m.brands)), true)
			return nil
		}
		m.brandFilter = want
		m.cursor, m.offset = 0, 0
		m.marked = map[string]bool{}
		return m.loadRefs()
	case ActSelectHot:
		n := 0
		for _, r := range m.refs {
			if c, ok := m.convs[r.ID]; ok && c.Priority >= FlagScore || !ok && flaggedSort(r) {
				m.marked[r.ID] = true
				n++
			}
		}
		m.setFlash(fmt.Sprintf("%d flagged conversations selected — B to answer them all", n), false)
	case ActSelectAll:
		if len(m.marked) == len(m.refs) {
			m.marked = map[string]bool{}
		} else {
			for _, r := range m.refs {
				m.marked[r.ID] = true
			}
		}
	case ActBulk:
		if len(m.marked) == 0 {
			m.setFlash("Select conversations first (space, or V for all in this view)", true)
			return nil
		}
		return m.startPicker()
	case ActOpenLink:
		return m.openLink()
	case ActCopyLink:
		if u := m.link(); u != "" {
			m.setFlash("Link copied: "+u, false)
			return tea.SetClipboard(u)
		}
	case ActStats:
		m.overlay = ovStats
		m.stats = "computing…"
		return m.loadStats()
	case ActOutbox:
		m.overlay = ovOutbox
		return m.loadOutbox()
	case ActRefresh:
		m.eng.PollNow()
		m.setFlash("Polling every feed now", false)
	default:
		if ks == "F" {
			return m.act("Public follow-up skipped", func(id string) error { _, err := m.eng.SkipFollowUp(id); return err })
		}
	}
	return nil
}

var errFollowUp = fmt.Errorf("follow-up")

func nextBrand(brands []string, cur string) string {
	if cur == "" {
		if len(brands) > 0 {
			return brands[0]
		}
		return ""
	}
	for i, b := range brands {
		if b == cur {
			if i+1 < len(brands) {
				return brands[i+1]
			}
			return ""
		}
	}
	return ""
}

// quit ends the program; Close (run after it) saves an unsaved draft.
func (m *Model) quit() tea.Cmd { return tea.Quit }

// targets are the marked conversations, or the open one.
func (m *Model) targets() []string {
	if len(m.marked) > 0 {
		var ids []string
		for _, r := range m.refs {
			if m.marked[r.ID] {
				ids = append(ids, r.ID)
			}
		}
		return ids
	}
	if m.openID != "" {
		return []string{m.openID}
	}
	return nil
}

// act runs an engine action on the targets in a Cmd.
func (m *Model) act(done string, fn func(id string) error) tea.Cmd {
	ids := m.targets()
	if len(ids) == 0 {
		return nil
	}
	bulk := len(ids) > 1
	if bulk {
		m.marked = map[string]bool{}
	}
	return func() tea.Msg {
		var errs []string
		follow := false
		for _, id := range ids {
			if err := fn(id); err == errFollowUp {
				follow = true
			} else if err != nil {
				errs = append(errs, fmt.Sprintf("#%s: %v", id, err))
			}
		}
		if len(errs) > 0 {
			return doneMsg{err: fmt.Errorf("%s", strings.Join(errs, "; "))}
		}
		msg := done
		if bulk {
			msg = fmt.Sprintf("%s: %d conversations", done, len(ids))
		}
		if follow {
			msg += " — it started in public: press f for a public follow-up, F to skip"
		}
		return doneMsg{flash: msg}
	}
}

func (m *Model) startCompose(direct, followUp bool) tea.Cmd {
	c, ok := m.current()
	if !ok {
		return nil
	}
	if c.ReadOnly != "" && !followUp {
		m.setFlash("Read-only: "+textsafe.Line(c.ReadOnly), true)
		return nil
	}
	m.bulkIDs = nil
	m.focus = fComposer
	m.direct = direct
	m.followUp = followUp
	if m.composeFor != c.ID {
		m.ta.Reset()
		m.composeFor = c.ID
	}
	if followUp && m.ta.Value() == "" {
		m.ta.SetValue(fmt.Sprintf("Glad we could sort this out, %s! Thanks for your patience.", c.Contact.Name()))
	}
	m.layout()
	return m.ta.Focus()
}

func (m *Model) onComposerKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		m.focus = fConv
		m.ta.Blur()
		m.layout()
		if len(m.bulkIDs) > 0 {
			m.bulkIDs = nil
			m.ta.Reset()
			return nil
		}
		return m.saveDraft()
	case "ctrl+s":
		if m.sending {
			return nil // one reply at a time
		}
		return m.send()
	case "ctrl+t":
		m.direct = !m.direct
		return nil
	}
	var cmd tea.Cmd
	before := m.ta.Value()
	m.ta, cmd = m.ta.Update(k)
	if m.ta.Value() != before {
		return tea.Batch(cmd, m.draftChanged())
	}
	return cmd
}

// draftChanged marks the draft dirty and saves it a second after the last
// keystroke, so a crash loses at most a second of typing.
func (m *Model) draftChanged() tea.Cmd {
	m.draftDirty = true
	m.draftGen++
	gen := m.draftGen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return draftSaveMsg{gen} })
}

type draftSaveMsg struct{ gen int }

// send queues the reply (or the bulk replies) through the engine.
func (m *Model) send() tea.Cmd {
	body := strings.TrimSpace(m.ta.Value())
	if body == "" {
		m.setFlash("Nothing to send", true)
		return nil
	}
	if len(m.bulkIDs) > 0 {
		return m.confirmBulk(body)
	}
	c, ok := m.current()
	if !ok {
		return nil
	}
	sig, err := m.signature(c)
	if err != nil {
		m.setFlash("signature: "+err.Error(), true)
		return nil
	}
	text := Signed(body, sig)
	if acct, ok := m.eng.Account(c.Network, c.Account); ok && acct.Limit != nil {
		if n, limit := acct.Limit.Count(text, m.sendsDirect(c)); limit > 0 && n > limit {
			m.setFlash(fmt.Sprintf("Too long: %d of %d characters on %s — shorten it first", n, limit, c.Network), true)
			return nil
		}
	}
	opts := engine.ReplyOptions{Direct: m.direct, FollowUp: m.followUp}
	id, eng, draftConv := c.ID, m.eng, m.composeFor
	// The composer keeps the text until the engine has queued it: a refused
	// reply (too long, read-only, …) is not lost. Meanwhile no draft save
	// may run (it would bring the sent text back): the pending timer is
	// dropped and the dirty mark cleared, restored if the reply is refused.
	m.draftGen++
	m.draftDirty = false
	m.sending = true
	return func() tea.Msg {
		if _, err := eng.Reply(id, text, opts); err != nil {
			return sentMsg{conv: draftConv, err: fmt.Errorf("reply not queued: %w", err)}
		}
		_ = eng.SaveDraft(draftConv, "") // the follow-up's draft lives on the DM
		return sentMsg{conv: draftConv}
	}
}

// sendsDirect says whether the composed reply goes out as a DM: a
// follow-up is public even when written from a DM conversation.
func (m *Model) sendsDirect(c social.Conversation) bool {
	if m.followUp {
		return false
	}
	return m.direct || c.Direct
}

// sentMsg is the engine's answer to a reply from the composer of conv.
type sentMsg struct {
	conv string
	err  error
}

// ---- canned picker ----

func (m *Model) startPicker() tea.Cmd {
	c, ok := m.current()
	if !ok {
		return nil
	}
	if c.ReadOnly != "" && len(m.marked) == 0 {
		m.setFlash("Read-only: "+textsafe.Line(c.ReadOnly), true)
		return nil
	}
	m.focus = fPicker
	m.pick.SetValue("")
	m.pickIdx = 0
	m.rank()
	m.layout()
	return m.pick.Focus()
}

func (m *Model) rank() {
	c, _ := m.current()
	m.matches = canned.Rank(m.d.Canned, m.pick.Value(), c.Brand, c.Lang)
	m.pickIdx = min(m.pickIdx, max(len(m.matches)-1, 0))
}

func (m *Model) pickPreview() (string, error) {
	if m.pickIdx >= len(m.matches) {
		return "", nil
	}
	c, ok := m.current()
	if !ok {
		return "", nil
	}
	return canned.Render(m.matches[m.pickIdx].Body, m.vars(c))
}

func (m *Model) onPickerKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		m.focus = fConv
		m.pick.Blur()
		m.layout()
		return nil
	case "down", "ctrl+n", "ctrl+j":
		m.pickIdx = min(m.pickIdx+1, max(len(m.matches)-1, 0))
		return nil
	case "up", "ctrl+p", "ctrl+k":
		m.pickIdx = max(m.pickIdx-1, 0)
		return nil
	case "enter", "tab":
		if m.pickIdx >= len(m.matches) {
			return nil
		}
		text, err := m.pickPreview()
		if err != nil {
			m.pickErr = err.Error()
			return nil // never insert (or send) a broken template
		}
		m.pickErr = ""
		m.pick.Blur()
		if len(m.marked) > 0 {
			m.bulkIDs = m.targets()
			m.bulkResp = m.matches[m.pickIdx].Response
			m.ta.SetValue(strings.TrimSpace(m.bulkResp.Body)) // rendered per conversation at send
		} else {
			c, _ := m.current()
			if m.composeFor != c.ID || k.String() == "tab" {
				m.ta.Reset()
			}
			m.composeFor = c.ID
			m.ta.InsertString(text)
			m.draftDirty = true
		}
		m.focus = fComposer
		m.layout()
		return m.ta.Focus()
	}
	var cmd tea.Cmd
	before := m.pick.Value()
	m.pick, cmd = m.pick.Update(k)
	if m.pick.Value() != before {
		m.pickIdx = 0
		m.rank()
	}
	return cmd
}

// ---- bulk ----

type bulkJob struct{ id, text string }

// bulkPlanMsg is the rendered bulk reply, ready for confirmation.
type bulkPlanMsg struct {
	jobs     []bulkJob
	problems []string
	langs    map[string]int
	err      error
}

// confirmBulk renders the answer for every selected conversation in a Cmd
// (the selection can be large: never read it in Update), then asks.
func (m *Model) confirmBulk(tmpl string) tea.Cmd {
	ids, st, chosen := m.bulkIDs, m.st, m.bulkResp
	edited := strings.TrimSpace(chosen.Body) != tmpl
	// vars, signature and variant read only Deps, which never change
	vars, signature, all := m.vars, m.signature, m.d.Canned
	return func() tea.Msg {
		convs, err := st.Conversations(ids)
		if err != nil || len(convs) == 0 {
			return bulkPlanMsg{err: fmt.Errorf("bulk: no conversations (%v)", err)}
		}
		plan := bulkPlanMsg{langs: map[string]int{}}
		for _, c := range convs {
			body := tmpl
			if !edited {
				// unedited: each customer gets the answer in their language
				// when a variant with the same shortcut exists
				var l string
				body, l = variant(all, chosen, c.Lang)
				plan.langs[l]++
			}
			text, err := canned.Render(body, vars(c))
			if err == nil {
				var sig string
				sig, err = signature(c)
				text = Signed(text, sig)
			}
			switch {
			case err != nil:
				plan.problems = append(plan.problems, fmt.Sprintf("#%s: %v", c.ID, err))
			case c.ReadOnly != "":
				plan.problems = append(plan.problems, fmt.Sprintf("#%s is read-only", c.ID))
			default:
				plan.jobs = append(plan.jobs, bulkJob{c.ID, text})
			}
		}
		return plan
	}
}

// showBulk asks for confirmation of a rendered bulk reply.
func (m *Model) showBulk(plan bulkPlanMsg) tea.Cmd {
	jobs, problems, langs := plan.jobs, plan.problems, plan.langs
	if plan.err != nil || len(jobs) == 0 {
		msg := "bulk: " + strings.Join(problems, "; ")
		if plan.err != nil {
			msg = plan.err.Error()
		}
		m.setFlash(msg, true)
		return nil
	}
	body := []string{fmt.Sprintf("Send %d individual replies, then resolve them?", len(jobs))}
	if len(langs) > 1 {
		var parts []string
		for _, l := range slices.Sorted(maps.Keys(langs)) {
			parts = append(parts, fmt.Sprintf("%s ×%d", l, langs[l]))
		}
		body = append(body, "Each in the customer's language: "+strings.Join(parts, ", "))
	}
	body = append(body, "", "First reply:")
	wrapW := max(min(m.w-12, 90), 20)
	for _, l := range strings.Split(lipgloss.Wrap(textsafe.Block(jobs[0].text), wrapW, " "), "\n") {
		body = append(body, "  "+l)
	}
	if len(problems) > 0 {
		body = append(body, "", fmt.Sprintf("Skipped %d: %s", len(problems), strings.Join(problems, "; ")))
	}
	m.overlay = ovConfirm
	m.confirm = &confirmation{
		title: "Bulk reply",
		body:  body,
		yes: func(m *Model) tea.Cmd {
			eng := m.eng
			m.bulkIDs = nil
			m.marked = map[string]bool{}
			m.ta.Reset()
			m.ta.Blur()
			m.focus = fQueue
			m.layout()
			return func() tea.Msg {
				n := 0
				var errs []string
				for _, j := range jobs {
					if _, err := eng.Reply(j.id, j.text, engine.ReplyOptions{Resolve: true}); err != nil {
						errs = append(errs, fmt.Sprintf("#%s: %v", j.id, err))
						continue
					}
					n++
				}
				if len(errs) > 0 {
					return doneMsg{err: fmt.Errorf("%d queued, %d failed: %s", n, len(errs), strings.Join(errs, "; "))}
				}
				return doneMsg{flash: fmt.Sprintf("%d replies queued; each conversation resolves when its reply is sent", n)}
			}
		},
	}
	return nil
}

// ---- overlays with input ----

func (m *Model) startInput(ov overlay, prompt, value string) tea.Cmd {
	m.overlay = ov
	m.input.Prompt = prompt
	m.input.SetValue(value)
	m.input.CursorEnd()
	return m.input.Focus()
}

func (m *Model) onOverlayKey(k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	switch m.overlay {
	case ovHelp, ovStats:
		switch ks {
		case "esc", "q", "?", "enter", "s":
			m.overlay = ovNone
			m.helpOff = 0
		case "j", "down":
			m.helpOff++
		case "k", "up":
			m.helpOff = max(m.helpOff-1, 0)
		case "space", "pgdown", "ctrl+d":
			m.helpOff += 10
		case "pgup", "ctrl+u":
			m.helpOff = max(m.helpOff-10, 0)
		}
		return nil
	case ovConfirm:
		switch ks {
		case "y", "enter":
			m.overlay = ovNone
			c := m.confirm
			m.confirm = nil
			return c.yes(m)
		case "n", "esc", "q":
			m.overlay = ovNone
			m.confirm = nil
			m.focus = fComposer
			return m.ta.Focus()
		}
		return nil
	case ovOutbox:
		switch ks {
		case "esc", "q", "O":
			m.overlay = ovNone
		case "j", "down":
			m.outboxIdx = min(m.outboxIdx+1, max(len(m.outbox)-1, 0))
		case "k", "up":
			m.outboxIdx = max(m.outboxIdx-1, 0)
		case "enter", "d", "E":
			if m.outboxIdx >= len(m.outbox) {
				return nil
			}
			e := m.outbox[m.outboxIdx] // the entry on screen, by its Seq below
			eng := m.eng
			if ks == "E" {
				if e.State != store.OutFailed {
					m.setFlash("Only a failed reply can be edited (this one is "+string(e.State)+")", true)
					return nil
				}
				if e.Uncertain {
					m.setFlash("This reply may already have reached the network: enter retries it (checked first), d discards it", true)
					return nil
				}
				// edit: discard the failed entry, then reopen its text in the
				// composer (public or DM as it was) — only once the discard
				// succeeded; until then nothing on screen changes
				m.overlay = ovNone
				return func() tea.Msg {
					if _, err := eng.Discard(e.Seq); err != nil {
						return doneMsg{err: err}
					}
					return editMsg{conv: e.Reply.ConvID, text: e.Reply.Text, direct: e.Reply.Direct}
				}
			}
			return func() tea.Msg {
				var err error
				if ks == "d" {
					_, err = eng.Discard(e.Seq)
					return doneMsg{flash: "Reply discarded", err: err}
				}
				_, err = eng.Retry(e.Seq, "")
				return doneMsg{flash: "Retrying", err: err}
			}
		}
		return nil
	}
	// text input overlays
	switch ks {
	case "esc":
		m.overlay = ovNone
		m.input.Blur()
		return nil
	case "enter":
		val := strings.TrimSpace(m.input.Value())
		ov := m.overlay
		m.overlay = ovNone
		m.input.Blur()
		switch ov {
		case ovSnooze:
			return m.snooze(val)
		case ovNote:
			c, ok := m.current()
			if !ok {
				return nil
			}
			eng, id := m.eng, c.ID
			return func() tea.Msg {
				err := eng.EditContact(c.Network, c.Contact.Handle, func(ct *store.Contact) { ct.Notes = val })
				if err == nil {
					return contactSavedMsg{id: id}
				}
				return doneMsg{err: err}
			}
		case ovTags:
			c, ok := m.current()
			if !ok {
				return nil
			}
			var tags []string
			for _, t := range strings.Split(val, ",") {
				if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
					tags = append(tags, t)
				}
			}
			eng, id := m.eng, c.ID
			return func() tea.Msg {
				err := eng.EditContact(c.Network, c.Contact.Handle, func(ct *store.Contact) { ct.Tags = tags })
				if err == nil {
					return contactSavedMsg{id: id}
				}
				return doneMsg{err: err}
			}
		case ovSearch:
			return m.applySearch(val)
		}
		return nil
	}
	if m.overlay == ovSnooze && m.input.Value() == "" && (ks == "1" || ks == "2" || ks == "3") {
		return m.snooze(ks)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	return cmd
}

// editMsg puts a failed reply's text back in the composer of its
// conversation, public or DM as it was.
type editMsg struct {
	conv, text string
	direct     bool
}

// contactSavedMsg reloads the open conversation's contact after an edit.
type contactSavedMsg struct{ id string }

// snooze parses a preset or a typed time ("3h", "15:30", "2026-12-01 09:00",
// with an optional "; note").
func (m *Model) snooze(val string) tea.Cmd {
	m.overlay = ovNone
	note := ""
	if i := strings.IndexByte(val, ';'); i >= 0 {
		note = strings.TrimSpace(val[i+1:])
		val = strings.TrimSpace(val[:i])
	}
	c, _ := m.current()
	until, err := ParseSnooze(val, m.now(), m.d.Calendar(c.Brand))
	if err != nil {
		m.setFlash(err.Error(), true)
		return nil
	}
	label := "Snoozed until " + until.Local().Format("Mon Jan 2 15:04")
	return m.act(label, func(id string) error { _, err := m.eng.Snooze(id, until, note); return err })
}

// ParseSnooze reads a snooze preset or time. next(t, h, m) gives the next
// business day at h:m (nil: the next calendar day).
func ParseSnooze(val string, now time.Time, next func(time.Time, int, int) time.Time) (time.Time, error) {
	if next == nil {
		next = func(t time.Time, h, mi int) time.Time {
			d := t.AddDate(0, 0, 1)
			return time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, t.Location())
		}
	}
	switch val {
	case "1", "1h":
		return now.Add(time.Hour), nil
	case "2", "tomorrow":
		return next(now, 9, 0), nil
	case "3", "next week":
		d := now
		for {
			d = next(d, 9, 0)
			if d.Weekday() == time.Monday || d.Sub(now) > 8*24*time.Hour {
				return d, nil
			}
		}
	}
	if d, err := time.ParseDuration(val); err == nil && d > 0 {
		return now.Add(d), nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(val, "d")); err == nil && strings.HasSuffix(val, "d") && n > 0 {
		return now.AddDate(0, 0, n), nil
	}
	loc := now.Location()
	if t, err := time.ParseInLocation("15:04", val, loc); err == nil {
		at := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, val, loc); err == nil {
			if layout == "2006-01-02" {
				t = t.Add(9 * time.Hour)
			}
			if !t.After(now) {
				return t, fmt.Errorf("snooze: %s is in the past", val)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("snooze: %q is not a time (try 1, 2, 3, 3h, 15:30 or 2026-12-01 09:00)", val)
}

// ---- links ----

func (m *Model) link() string {
	if len(m.posts) == 0 {
		return ""
	}
	for i := len(m.posts) - 1; i >= 0; i-- {
		if m.posts[i].Kind != social.KindOwn && m.posts[i].URL != "" {
			return textsafe.Line(m.posts[i].URL)
		}
	}
	return textsafe.Line(m.posts[len(m.posts)-1].URL)
}

func (m *Model) openLink() tea.Cmd {
	u := m.link()
	if u == "" {
		return nil
	}
	if m.d.OpenURL == nil {
		m.setFlash("Link: "+u+" (y copies it)", false)
		return nil
	}
	open := m.d.OpenURL
	return func() tea.Msg {
		if err := open(u); err != nil {
			return doneMsg{flash: "Link: " + u + " (no browser here; y copies it)"}
		}
		return doneMsg{flash: "Opened " + u}
	}
}

// ---- mouse ----

func (m *Model) onWheel(msg tea.MouseWheelMsg) tea.Cmd {
	mouse := msg.Mouse()
	if mouse.X >= m.queueWidth() {
		if mouse.Button == tea.MouseWheelUp {
			m.convScroll++
		} else {
			m.convScroll = max(m.convScroll-1, 0)
		}
		return nil
	}
	if mouse.Button == tea.MouseWheelUp {
		return m.moveCursor(-1)
	}
	return m.moveCursor(1)
}

func (m *Model) onClick(msg tea.MouseClickMsg) tea.Cmd {
	mouse := msg.Mouse()
	if m.overlay != ovNone || mouse.X >= m.queueWidth() {
		return nil
	}
	row := (mouse.Y - 2) / 2 // header + border, two lines a row
	if row < 0 || row >= m.queueRows() {
		return nil
	}
	i := m.offset + row
	if i >= len(m.refs) {
		return nil
	}
	m.cursor = i
	m.focus = fQueue
	m.clampOffset()
	m.ensureVisible()
	return m.open(m.refs[i].ID, true)
}

// ---- stats ----

func (m *Model) loadStats() tea.Cmd {
	fn := m.d.Stats
	if fn == nil {
		return func() tea.Msg { return statsMsg{"stats are not available"} }
	}
	w := m.w - 8
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := fn(ctx, w)
		if err != nil {
			return statsMsg{"stats: " + err.Error()}
		}
		return statsMsg{s}
	}
}

// flaggedSort reads the priority band from the index key (priority is
// stored inverted in bytes 1..9) for rows whose conversation is not cached.
func flaggedSort(r store.Ref) bool {
	if len(r.Sort) < 9 || r.Sort[0] != 0 {
		return false
	}
	var inv uint64
	for _, b := range r.Sort[1:9] {
		inv = inv<<8 | uint64(b)
	}
	return ^inv >= FlagScore
}

// variant finds the same answer (same shortcut and brand) in the
// customer's language, else in English, else the chosen one.
func variant(all []canned.Response, chosen canned.Response, lang string) (body, usedLang string) {
	if chosen.Shortcut == "" {
		return chosen.Body, chosen.Lang
	}
	find := func(l string) (canned.Response, bool) {
		for _, r := range all {
			if strings.EqualFold(r.Shortcut, chosen.Shortcut) && strings.EqualFold(r.Brand, chosen.Brand) &&
				(strings.EqualFold(r.Lang, l) || l == "en" && r.Lang == "") {
				return r, true
			}
		}
		return canned.Response{}, false
	}
	if lang != "" {
		if r, ok := find(lang); ok {
			return r.Body, lang
		}
	}
	if r, ok := find("en"); ok {
		return r.Body, "en"
	}
	return chosen.Body, chosen.Lang
}
