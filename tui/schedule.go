package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/when"
)

// Scheduled messages: ctrl+l in the composer asks when (the snooze
// syntax) and queues the reply, DM or follow-up for then; L lists what is
// scheduled, to edit, move, cancel or send now. A due message whose
// conversation was answered or whose customer wrote again is cancelled by
// the engine (the operator is told) unless it was marked "send anyway"
// (a trailing ! at the prompt, or a in the list).

const laterHint = "3d · tue 10:00 · 2026-12-24 09:00 · 15:30 · 2h   (end with ! to send even if they write again)"

// sendLater asks when, then sends the composer's text for that time.
func (p *composer) sendLater() tea.Cmd {
	if strings.TrimSpace(p.ta.Value()) == "" {
		p.host.flash("Nothing to send", true)
		return nil
	}
	if len(p.bulkIDs) > 0 {
		p.host.flash("A bulk reply goes now: schedule replies one conversation at a time", true)
		return nil
	}
	c, ok := p.host.current()
	if !ok {
		return nil
	}
	o := newPrompt(p.Common, p.host, "Send later", "at › ", "", []string{
		"When should it go? " + laterHint,
		"It is cancelled if the conversation is answered or the customer writes again before then.", "",
	}, func(val string) tea.Cmd {
		at, anyway, err := parseLater(val, p.now(), p.d.Calendar(c.Brand))
		if err != nil {
			p.host.flash(err.Error(), true)
			return nil
		}
		p.at, p.anyway = at, anyway
		return p.send(false)
	})
	return o.open()
}

// parseLater reads a send time in the snooze syntax, with an optional
// trailing "!" (send anyway).
func parseLater(val string, now time.Time, next when.Next) (time.Time, bool, error) {
	val = strings.TrimSpace(val)
	anyway := strings.HasSuffix(val, "!")
	val = strings.TrimSpace(strings.TrimSuffix(val, "!"))
	if val == "" {
		return time.Time{}, false, fmt.Errorf("send later: when? (%s)", laterHint)
	}
	at, err := when.Parse(val, now, next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("send later: %s", when.Problem(err, laterHint))
	}
	return at, anyway, nil
}

func laterLabel(at time.Time) string { return at.Local().Format("Mon Jan 2 15:04") }

// scheduledView is the L overlay: the scheduled messages, soonest first.
type scheduledView struct {
	*Common
	host host
	list *outboxList
	idx  int
}

func (o *scheduledView) SetWidth(int) {}

// entries are the scheduled ones of the outbox list, soonest first.
func (o *scheduledView) entries() []store.OutboxEntry {
	var out []store.OutboxEntry
	for _, e := range o.list.outbox {
		if e.State == store.OutScheduled {
			out = append(out, e)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].SendAt.Before(out[j-1].SendAt); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (o *scheduledView) Key(k tea.KeyPressMsg) tea.Cmd {
	es := o.entries()
	act := o.km.Local(scheduledKeys, k.String())
	switch act {
	case ActClose:
		o.host.pop()
		return nil
	case ActScrollDown, ActScrollUp:
		o.idx = stepped(o.idx, len(es), act)
		return nil
	}
	if o.idx >= len(es) || act == "" {
		return nil
	}
	e := es[o.idx]
	ctx, op := o.ctx, o.op
	switch act {
	case ActDiscard:
		return func() tea.Msg {
			_, err := op.Discard(ctx, e.Seq)
			return doneMsg{flash: "Scheduled message cancelled", err: err}
		}
	case ActSendNow:
		return func() tea.Msg {
			_, err := op.Reschedule(ctx, e.Seq, time.Time{})
			return doneMsg{flash: "Sending now", err: err}
		}
	case ActAnyway:
		anyway := !e.SendAnyway
		return func() tea.Msg {
			_, err := op.SetSendAnyway(ctx, e.Seq, anyway)
			return doneMsg{flash: map[bool]string{true: "It goes even if they write again", false: "It is cancelled if they write again or someone answers"}[anyway], err: err}
		}
	case ActMove:
		brand := "" // for the brand's business days (memory: the account's brand)
		if a, ok := o.eng.Account(e.Reply.Network, e.Reply.Account); ok {
			brand = a.Brand
		}
		p := newPrompt(o.Common, o.host, "Move to", "at › ", "", []string{
			"Now: " + laterLabel(e.SendAt), "New time: " + laterHint, "",
		}, func(val string) tea.Cmd {
			at, anyway, err := parseLater(val, o.now(), o.d.Calendar(brand))
			if err != nil {
				o.host.flash(err.Error(), true)
				return nil
			}
			return func() tea.Msg {
				if _, err := op.Reschedule(ctx, e.Seq, at); err != nil {
					return doneMsg{err: err}
				}
				if anyway && !e.SendAnyway {
					if _, err := op.SetSendAnyway(ctx, e.Seq, true); err != nil {
						return doneMsg{err: err}
					}
				}
				return doneMsg{flash: "Moved to " + laterLabel(at)}
			}
		})
		return p.open()
	case ActEdit:
		// in the composer (the text may span lines); ctrl+s saves it back
		o.host.pop()
		st, sign := o.st, o.signature
		return func() tea.Msg {
			text := e.Reply.Text
			// without its signature, which ctrl+s adds again
			if c, err := st.Conversation(o.ctx, e.Reply.ConvID); err == nil {
				if sig, err := sign(c); err == nil && sig != "" {
					text = strings.TrimSuffix(strings.TrimSuffix(text, sig), " ")
					text = strings.TrimSuffix(text, "\n")
				}
			}
			return editMsg{conv: e.Reply.ConvID, text: text, direct: e.Reply.Direct, sched: e.Seq}
		}
	}
	return nil
}

func (o *scheduledView) View(w, h int) (string, []string) {
	es := o.entries()
	if len(es) == 0 {
		return "Scheduled", []string{"Nothing scheduled. In the composer, ctrl+l sends a reply later."}
	}
	o.idx = min(o.idx, len(es)-1)
	out := []string{"E edit · m move · enter send now · a send anyway · d cancel · esc close", ""}
	for i, e := range es {
		to := e.Reply.To.Author.Handle
		if e.Reply.ConvID != "" {
			to = "#" + e.Reply.ConvID + " " + e.Reply.Network.At(to)
		}
		kind := ""
		if e.Reply.Direct {
			kind = " DM"
		}
		flag := ""
		if e.SendAnyway {
			flag = " [anyway]"
		}
		if n := len(e.Reply.Attachments); n > 0 {
			flag += fmt.Sprintf(" [%d image(s)]", n)
		}
		line := fmt.Sprintf("%s%s → %s%s: %s", laterLabel(e.SendAt), kind, textsafe.Line(to), flag, textsafe.Line(e.Reply.Text))
		if i == o.idx {
			line = o.sty.Selected.Render(plain(line))
		}
		out = append(out, line)
	}
	return "Scheduled", out
}

// queuedLabel is what the status line says once the composer's reply is
// in the outbox.
func queuedLabel(msg sentMsg) string {
	if msg.at.IsZero() {
		return "Reply queued"
	}
	return "Scheduled for " + laterLabel(msg.at) + " (L: scheduled messages)"
}

// scheduledFor are the scheduled messages of a conversation, soonest
// first (memory only: the outbox list the root keeps).
func (m *Model) scheduledFor(id string) []store.OutboxEntry {
	var out []store.OutboxEntry
	for _, e := range m.outboxList.outbox {
		if e.State == store.OutScheduled && e.Reply.ConvID == id {
			out = append(out, e)
		}
	}
	return out
}

// scheduledLines name a conversation's scheduled messages in its header.
func (v *conv) scheduledLines(id string, w int) []string {
	if v.scheduled == nil {
		return nil
	}
	var out []string
	for _, e := range v.scheduled(id) {
		line := "scheduled " + laterLabel(e.SendAt) + ": " + textsafe.Line(e.Reply.Text)
		if e.SendAnyway {
			line = "scheduled " + laterLabel(e.SendAt) + " (anyway): " + textsafe.Line(e.Reply.Text)
		}
		out = append(out, v.sty.Flash.Render(textsafe.Truncate(line+" — L to change", w)))
	}
	return out
}

// saveScheduled writes the edited text back to the scheduled message.
func (p *composer) saveScheduled(body string) tea.Cmd {
	_, text, ok := p.signed(body)
	if !ok {
		return nil
	}
	ctx, seq, op, conv := p.ctx, p.editSeq, p.op, p.composeFor
	p.sending = true
	return func() tea.Msg {
		ent, err := op.EditScheduled(ctx, seq, text)
		if err != nil {
			return sentMsg{conv: conv, err: fmt.Errorf("scheduled message not changed: %w", err), at: ent.SendAt}
		}
		return sentMsg{conv: conv, at: ent.SendAt}
	}
}
