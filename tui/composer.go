package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/canned"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// composer is the bottom right pane: the reply being written (public, DM
// or public follow-up, or one template for a bulk selection), its length
// as the network counts it, and its draft, saved a second after the last
// keystroke.
type composer struct {
	*Common
	host host

	ta         textarea.Model
	composeFor string           // the conversation the text is for
	replyTo    store.StoredPost // the post picked in the conversation pane ([ ]), if any
	direct     bool
	followUp   bool
	draftDirty bool
	draftGen   int
	sending    bool // a reply from the composer is being queued
	bulkIDs    []string
	bulkResp   canned.Response
	bulkAsked  map[string]string // the operator's values of the answer's ask: fields
	bulkSeen   map[string]store.Seen
	focused    bool // set by the root as the keys move
	// at, anyway: the time the next send is for (zero: now) and whether
	// it goes even if the conversation moves on (schedule.go)
	at     time.Time
	anyway bool
	// atts are images for the next send (attach.go)
	atts []social.Attachment
	// editSeq is the scheduled message being edited (0: none)
	editSeq uint64
	// seen is what the screen showed of conversation seenFor when the
	// text was started, the last check of its send (seen.go); seenOf
	// reads it from the root
	seen    *store.Seen
	seenFor string
	seenOf  func(id string) (store.Seen, bool)
}

func newComposer(c *Common, h host) *composer {
	ta := textarea.New()
	steadyArea(&ta)
	ta.ShowLineNumbers = false
	ta.CharLimit = 10000
	ta.Placeholder = "Write a reply…"
	ta.Prompt = ""
	return &composer{Common: c, host: h, ta: ta}
}

// draftSaveMsg saves the draft if no key was typed since gen.
type draftSaveMsg struct{ gen int }

// sentMsg is the engine's answer to a reply from the composer of conv.
type sentMsg struct {
	conv string
	err  error
	// what was queued: the outbox entry, and the operator's text (without
	// the signature) to give back if it is taken back
	seq    uint64
	body   string
	direct bool
	to     string
	// a scheduled reply: its time (zero: now) and "send anyway"
	at     time.Time
	anyway bool
	// force: sent over another operator's claim (confirmed)
	force bool
}

// editMsg puts a failed reply's text back in the composer of its
// conversation, public or DM as it was.
type editMsg struct {
	conv, text string
	direct     bool
	// sched: a scheduled message whose text is edited (ctrl+s saves it
	// back, its time unchanged: schedule.go)
	sched uint64
}

func (p *composer) setSize(w, h int) {
	p.ta.SetWidth(max(w-4, 10))
	p.ta.SetHeight(max(h-4, 1))
}

// clear forgets the text of the previous conversation (saved as its draft
// by then).
func (p *composer) clear() {
	if p.ta.Value() != "" { // Reset allocates a fresh buffer: skip it when empty
		p.ta.Reset()
	}
	p.composeFor = ""
	p.direct = false
	p.followUp = false
	p.atts = nil
	p.editSeq = 0
	p.seen = nil
}

// restoreDraft shows a stored draft of an open conversation.
func (p *composer) restoreDraft(id, draft string) {
	if p.composeFor != id && draft != "" && !p.focused {
		p.ta.SetValue(draft)
		p.composeFor = id
	}
}

// start opens the composer on a conversation.
func (p *composer) start(c social.Conversation, direct, followUp bool) tea.Cmd {
	if !followUp && readOnly(p.host, c) {
		return nil
	}
	p.bulkIDs = nil
	p.direct = direct
	p.followUp = followUp
	p.replyTo, _ = p.host.pickedPost()
	if p.composeFor != c.ID {
		p.ta.Reset()
		p.composeFor = c.ID
	}
	p.noteSeen(c.ID, true)
	if followUp && p.ta.Value() == "" {
		// the customer's name cleaned as a canned answer's is
		if text, err := canned.Render("Glad we could sort this out, {{.Name}}! Thanks for your patience.", p.vars(c)); err == nil {
			p.ta.SetValue(text)
		}
	}
	p.host.focusOn(fComposer)
	return p.ta.Focus()
}

// insert puts a rendered canned answer in (replace: instead of the text).
func (p *composer) insert(id, text string, replace bool) tea.Cmd {
	if p.composeFor != id || replace {
		p.ta.Reset()
	}
	p.composeFor = id
	p.noteSeen(id, false)
	// added at the end of the text, a space or a blank line apart
	p.ta.MoveToEnd()
	if cur := p.ta.Value(); strings.TrimSpace(cur) != "" {
		sep := " "
		switch {
		case strings.HasSuffix(cur, "\n\n"):
			sep = ""
		case strings.HasSuffix(cur, "\n"), strings.Contains(text, "\n"):
			sep = "\n"
			if !strings.HasSuffix(cur, "\n") {
				sep = "\n\n"
			}
		case strings.HasSuffix(cur, " "):
			sep = ""
		}
		p.ta.InsertString(sep)
	}
	p.ta.InsertString(text)
	p.draftDirty = true
	p.host.focusOn(fComposer)
	return p.ta.Focus()
}

// edit reopens a failed reply's text (public or DM as it was).
func (p *composer) edit(msg editMsg) tea.Cmd {
	p.composeFor = msg.conv
	p.noteSeen(msg.conv, true)
	p.ta.SetValue(msg.text)
	p.direct = msg.direct
	p.editSeq = msg.sched
	p.host.focusOn(fComposer)
	if msg.sched != 0 {
		return p.ta.Focus() // not a draft: the scheduled message's text
	}
	return tea.Batch(p.ta.Focus(), p.draftChanged())
}

// Help: the composer sends, switches public/DM and closes.
func (p *composer) Help() []Action { return []Action{ActSend, ActToggleDM, ActClose} }

// Key edits the text; ctrl+s sends, ctrl+t switches public/DM, esc closes
// (the draft is kept).
func (p *composer) Key(k tea.KeyPressMsg) (tea.Cmd, bool) {
	switch p.km.Local(composerKeys, k.String()) {
	case ActClose:
		p.ta.Blur()
		p.host.focusOn(fConv)
		p.team.release(p.composeFor)
		if p.editSeq != 0 { // the scheduled message stays as it was
			p.editSeq = 0
			p.ta.Reset()
			return nil, true
		}
		if len(p.bulkIDs) > 0 {
			p.team.release(p.bulkIDs...)
			p.bulkIDs = nil
			p.ta.Reset()
			return nil, true
		}
		return p.saveDraft(), true
	case ActSend:
		if p.sending {
			return nil, true // one reply at a time
		}
		return p.send(false), true
	case ActToggleDM:
		p.direct = !p.direct
		return nil, true
	case ActSendLater:
		if p.sending {
			return nil, true
		}
		return p.sendLater(), true
	case ActAttach:
		return openAttach(p.Common, p.host, false, len(p.atts), func() { p.atts = nil }), true
	}
	var cmd tea.Cmd
	before := p.ta.Value()
	p.ta, cmd = p.ta.Update(k)
	if p.ta.Value() != before {
		p.touch()
		return tea.Batch(cmd, p.draftChanged()), true
	}
	return cmd, true
}

// paste inserts pasted text.
func (p *composer) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	p.ta, cmd = p.ta.Update(msg)
	p.draftDirty = true
	return cmd
}

// draftDelay is how long after the last keystroke a draft is saved.
var draftDelay = time.Second

// draftChanged marks the draft dirty and saves it a second after the last
// keystroke, so a crash loses at most a second of typing.
func (p *composer) draftChanged() tea.Cmd {
	p.draftDirty = true
	p.draftGen++
	gen := p.draftGen
	return after(p.ctx, draftDelay, func(time.Time) tea.Msg { return draftSaveMsg{gen} })
}

// dirty says whether a draft is waiting to be saved.
func (p *composer) dirty() bool { return p.draftDirty && p.composeFor != "" }

func (p *composer) saveDraft() tea.Cmd {
	ctx, id, text, eng := p.ctx, p.composeFor, p.ta.Value(), p.eng
	if p.sending {
		return nil // the text is on its way out, not a draft
	}
	p.draftDirty = false
	if id == "" || len(p.bulkIDs) > 0 || p.editSeq != 0 {
		return nil
	}
	return func() tea.Msg {
		if err := eng.SaveDraft(ctx, id, text); err != nil {
			return doneMsg{err: fmt.Errorf("saving draft: %w", err)}
		}
		return draftSavedMsg{id: id, has: text != ""}
	}
}

// close saves a draft not yet saved, synchronously (the session ends).
func (p *composer) close() {
	if p.draftDirty && !p.sending && p.composeFor != "" && len(p.bulkIDs) == 0 {
		_ = p.eng.SaveDraft(p.ctx, p.composeFor, p.ta.Value())
		p.draftDirty = false
	}
}

// touch keeps the claim alive while the operator types, and says so when
// it was lost to another operator.
func (p *composer) touch() {
	if len(p.bulkIDs) > 0 {
		return
	}
	if c, ok := p.team.touch(p.composeFor); !ok {
		p.host.flash(claimLine(c)+" — ctrl+s will ask before sending", true)
	}
}

// send queues the reply (or the bulk replies) through the engine; force
// sends although another operator holds the conversation (confirmed).
func (p *composer) send(force bool) tea.Cmd { return p.sendWith(force, false) }

// sendWith is send; anyway sends over news the operator was shown (seen.go).
func (p *composer) sendWith(force, anyway bool) tea.Cmd {
	body := strings.TrimSpace(p.ta.Value())
	if body == "" {
		p.host.flash("Nothing to send", true)
		return nil
	}
	if len(p.bulkIDs) > 0 {
		return p.confirmBulk(body)
	}
	if p.editSeq != 0 {
		return p.saveScheduled(body) // schedule.go
	}
	c, text, ok := p.signed(body)
	if !ok {
		return nil
	}
	if acct, ok := p.eng.Account(c.Network, c.Account); ok && acct.Limit != nil {
		if n, limit := countReply(acct.Limit, c, text, p.sendsDirect(c)); limit > 0 && n > limit {
			p.host.flash(fmt.Sprintf("Too long: %d of %d characters on %s — shorten it first", n, limit, c.Network), true)
			return nil
		}
	}
	opts := engine.ReplyOptions{Direct: p.direct, FollowUp: p.followUp, Force: force, Hold: p.d.UndoSend,
		At: p.at, SendAnyway: p.anyway, Attachments: p.atts, Seen: p.seenForSend(c.ID, anyway)}
	p.at, p.anyway = time.Time{}, false
	direct, to := p.direct, c.Network.At(c.Contact.Handle)
	if p.replyTo.RemoteID != "" && p.replyTo.ConvID == c.ID && !p.followUp {
		opts.To = p.replyTo.Key() // the post picked with [ and ]
		to = p.replyTo.Network.At(p.replyTo.Author.Handle)
	}
	ctx, id, eng, op, draftConv := p.ctx, c.ID, p.eng, p.op, p.composeFor
	// The composer keeps the text until the engine has queued it: a refused
	// reply (too long, read-only, …) is not lost. Meanwhile no draft save
	// may run (it would bring the sent text back): the pending timer is
	// dropped and the dirty mark cleared, restored if the reply is refused.
	p.draftGen++
	p.draftDirty = false
	p.sending = true
	return func() tea.Msg {
		ent, err := op.Reply(ctx, id, text, opts)
		if err != nil {
			return sentMsg{conv: draftConv, err: fmt.Errorf("reply not queued: %w", err), at: opts.At, anyway: opts.SendAnyway, force: force}
		}
		_ = eng.SaveDraft(ctx, draftConv, "") // the follow-up's draft lives on the DM
		if !opts.At.IsZero() {
			// a scheduled reply is changed or cancelled in L, not taken back with U
			return sentMsg{conv: draftConv, at: opts.At}
		}
		return sentMsg{conv: draftConv, seq: ent.Seq, body: body, direct: direct, to: to}
	}
}

// sent takes the engine's answer: queued when the reply was queued and
// the composer emptied; reload when the outbox changed.
func (p *composer) sent(msg sentMsg) (queued, reload bool) {
	p.sending = false
	if msg.conv != p.composeFor {
		// the operator moved on meanwhile: leave the new composer alone
		if msg.err != nil {
			p.host.flash(msg.err.Error(), true)
		}
		return false, true
	}
	if msg.err != nil {
		p.draftDirty = true // the text is still to be kept
		p.host.flash(msg.err.Error()+" — the text is still in the composer", true)
		return false, false
	}
	p.ta.Reset()
	p.ta.Blur()
	p.followUp = false
	p.draftDirty = false
	p.atts = nil
	p.editSeq = 0
	p.seen = nil
	return true, true
}

// signed is body with the signature of the conversation on screen, and
// that conversation; false when none is open or its signature fails
// (flashed).
func (p *composer) signed(body string) (social.Conversation, string, bool) {
	c, ok := p.host.current()
	if !ok {
		return c, "", false
	}
	text, err := p.sign(c, body)
	if err != nil {
		p.host.flash(err.Error(), true)
		return c, "", false
	}
	return c, text, true
}

// refusal is the engine's refusal of type E of this composer's reply
// (false: msg is no such refusal); the text stays, to be sent again or
// kept as a draft.
func refusal[E error](p *composer, msg sentMsg) (E, bool) {
	var e E
	if msg.conv != p.composeFor || !errors.As(msg.err, &e) {
		return e, false
	}
	p.sending = false
	p.draftDirty = true // the text is still to be kept
	return e, true
}

// claimed asks to send anyway a reply refused because another operator
// holds the conversation (false: not such a refusal).
func (p *composer) claimed(msg sentMsg) (tea.Cmd, bool) {
	ce, ok := refusal[*engine.ClaimedError](p, msg)
	if !ok {
		return nil, false
	}
	return p.askAnyway(msg, &confirm{
		title: "Someone is replying to this conversation",
		body: []string{
			fmt.Sprintf("%s holds #%s.", textsafe.Line(ce.Holder.Label()), ce.Conv),
			"",
			"Send your reply anyway? n keeps it in the composer.",
		},
	}, true, false, nil), true
}

// askAnyway asks with o (its title and body) whether to send a refused
// reply anyway: y sends it again as it was (a scheduled reply stays
// scheduled) over the claim (force) or the news (seen); n runs back, if
// any, and returns to the text.
func (p *composer) askAnyway(msg sentMsg, o *confirm, force, seen bool, back func()) tea.Cmd {
	o.host = p.host
	o.yes = func() tea.Cmd {
		p.at, p.anyway = msg.at, msg.anyway
		return p.sendWith(force, seen)
	}
	o.no = func() tea.Cmd {
		if back != nil {
			back()
		}
		p.host.focusOn(fComposer)
		return p.ta.Focus()
	}
	return p.host.push(o)
}

// sendsDirect says whether the composed reply goes out as a DM: a
// follow-up is public even when written from a DM conversation.
func (p *composer) sendsDirect(c social.Conversation) bool {
	if p.followUp {
		return false
	}
	return p.direct || c.Direct
}

// View renders the composer; unfocused, the keys that open it (and the
// draft's first line).
func (p *composer) View(w, h int) string {
	c, ok := p.host.current()
	if !p.focused {
		hint := fmt.Sprintf("%s reply · %s DM · %s canned · %s resolve · %s snooze", p.km.Keys(ActReply), p.km.Keys(ActDM), p.km.Keys(ActCanned), p.km.Keys(ActResolve), p.km.Keys(ActSnooze))
		if ok && c.ReadOnly != "" {
			hint = "read-only · o open link · y copy link · e mark done"
		}
		if p.narrow() { // the queue is not on screen: say the way back
			hint += fmt.Sprintf(" · %s queue", p.km.Keys(ActCancel))
		}
		if ok && p.ta.Value() != "" {
			return p.sty.Dim.Render(textsafe.Truncate("draft: "+textsafe.Line(p.ta.Value()), w)) + "\n" + p.sty.Dim.Render(hintLines(hint, w, h-1))
		}
		return p.sty.Dim.Render(hintLines(hint, w, h))
	}
	mode := "public reply"
	if p.direct || (ok && c.Direct) {
		mode = "DM"
	}
	if p.followUp {
		mode = "public follow-up"
	}
	if p.editSeq != 0 {
		mode = "scheduled message (ctrl+s saves it, esc leaves it as it was)"
	}
	counter := p.counter(c)
	keys := " · ctrl+s send · ctrl+l later · ctrl+o image · ctrl+t public/DM · esc close"
	if len(p.bulkIDs) > 0 {
		mode = fmt.Sprintf("bulk: %d conversations (a template: ctrl+s shows each customer's text first)", len(p.bulkIDs))
		keys = " · ctrl+s send · ctrl+t public/DM · esc close"
		// the open conversation's customer's text, as it will go out
		if ok {
			if text, err := canned.Render(p.ta.Value(), canned.WithAsked(p.vars(c), p.bulkAsked)); err != nil {
				counter = p.sty.StatusErr.Render(textsafe.Truncate("⚠ "+err.Error(), w))
			} else {
				counter = p.sty.Dim.Render(textsafe.Truncate("for "+c.Network.At(c.Contact.Handle)+": "+textsafe.Line(text), w))
			}
		}
	}
	top := p.sty.Bold.Render(mode) + p.sty.Dim.Render(keys)
	return fit(top, w) + "\n" + p.ta.View() + "\n" + counter
}

// counter shows the length as the network counts it, with the signature.
func (p *composer) counter(c social.Conversation) string {
	sig, err := p.signature(c)
	if err != nil {
		return p.sty.StatusErr.Render("signature: " + err.Error())
	}
	text := canned.Signed(p.ta.Value(), sig)
	acct, ok := p.eng.Account(c.Network, c.Account)
	if !ok || acct.Limit == nil {
		return p.sty.Dim.Render(fmt.Sprintf("%d chars", len([]rune(text))))
	}
	n, limit := countReply(acct.Limit, c, text, p.sendsDirect(c))
	s := fmt.Sprintf("%d/%d", n, limit)
	if sig != "" {
		s += " incl. signature " + textsafe.Line(sig)
	}
	if line := attachedLine(p.atts); line != "" {
		s += " · " + line
	}
	if limit > 0 && n > limit {
		return p.sty.Breached.Render(s + " — too long")
	}
	return p.sty.Dim.Render(s)
}

// countReply counts a reply to c's customer as the network will count what
// is sent: with the mention a network puts in front (Mastodon), by the
// instance's rule. It reads nothing from the store (the composer counts on
// every key).
func countReply(lim social.Limiter, c social.Conversation, text string, direct bool) (n, limit int) {
	if rl, ok := lim.(social.ReplyLimiter); ok {
		to := social.Post{Network: c.Network, Account: c.Account, Author: c.Contact}
		return rl.CountReply(social.Reply{Network: c.Network, Account: c.Account, To: to, Text: text, Direct: direct})
	}
	return lim.Count(text, direct)
}

// Update handles the composer's messages: a draft to save, a reply sent
// (or refused over a claim), a bulk reply's plan, a reply back for
// editing, an attachment checked.
func (p *composer) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case draftSaveMsg:
		if msg.gen == p.draftGen && p.dirty() {
			return p.saveDraft(), true
		}
		return nil, true
	case sentMsg:
		return p.onSent(msg), true
	case bulkPlanMsg:
		return p.showBulk(msg), true
	case editMsg:
		load := p.host.open(msg.conv, false) // (nothing to load if already open)
		return tea.Batch(load, p.edit(msg)), true
	case unsentMsg:
		p.host.flash(msg.flash, false)
		load := p.host.open(msg.edit.conv, false)
		return tea.Batch(load, p.edit(msg.edit), p.host.loadOutbox()), true
	case attachFileMsg:
		if msg.status {
			return nil, false // the status post's (statuspost.go)
		}
		if msg.err != nil {
			p.host.flash("Not attached: "+msg.err.Error(), true)
			return nil, true
		}
		return askAlt(p.Common, p.host, msg.att, func(a social.Attachment) { p.atts = append(p.atts, a) }), true
	}
	return nil, false
}

// onSent takes a reply's result: queued (the composer closes, the status
// line says what happens next and how to take it back), or claimed by
// another operator (asked to confirm).
func (p *composer) onSent(msg sentMsg) tea.Cmd {
	if cmd, ok := p.claimed(msg); ok {
		return cmd
	}
	if cmd, ok := p.newer(msg); ok { // seen.go: shown over the refreshed conversation
		return tea.Batch(cmd, p.host.reloadConv(msg.conv), p.host.loadOutbox())
	}
	queued, reload := p.sent(msg)
	if queued {
		if p.focused {
			p.host.focusOn(fConv)
		} else {
			p.host.layout()
		}
		// a reply moves the conversation to pending (waiting on the
		// customer) once it is sent: say so, and how to take it back
		what := "Reply"
		if msg.direct {
			what = "DM"
		}
		flash := what + " queued; once sent, the conversation moves to pending (waiting on the customer)"
		if !msg.at.IsZero() {
			flash = queuedLabel(msg) // scheduled (schedule.go)
		} else if d := p.d.UndoSend; d > 0 {
			p.host.pushUndo(unsendUndo(p.ctx, p.op, "reply to "+msg.to, []uint64{msg.seq}, &editMsg{conv: msg.conv, text: msg.body, direct: msg.direct}))
			flash = fmt.Sprintf("%s to %s sends in %s — %s takes it back; then the conversation moves to pending", what, textsafe.Handle(msg.to), d, p.km.Keys(ActUndo))
		}
		p.host.flash(flash, false)
	}
	var cmds []tea.Cmd
	if queued {
		cmds = append(cmds, p.host.moveOn())
	}
	if reload {
		cmds = append(cmds, p.host.loadOutbox())
	}
	return tea.Batch(cmds...)
}

// hintLines lays a hint's " · "-separated items out on up to n lines of w
// columns, breaking between items (at 80 columns the unfocused composer's
// keys take two lines rather than being cut on one); what does not fit is
// cut with an ellipsis on the last line.
func hintLines(hint string, w, n int) string {
	lines := packItems(hint, w, max(n, 1))
	for i := range lines {
		lines[i] = textsafe.Truncate(lines[i], w)
	}
	return strings.Join(lines, "\n")
}

// packItems lays a hint's " · "-separated items on lines of w columns,
// as many on a line as fit; with n > 0, the nth line takes all the rest.
// A line may still be wider than w: an item wider than w, or the nth.
func packItems(hint string, w, n int) []string {
	var lines []string
	line := ""
	for _, it := range strings.Split(hint, " · ") {
		switch {
		case line == "":
			line = it
		case textsafe.Width(line+" · "+it) <= w || len(lines) == n-1:
			line += " · " + it
		default:
			lines = append(lines, line)
			line = it
		}
	}
	return append(lines, line)
}
