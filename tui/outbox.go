package tui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
)

// outboxList is what is waiting in the outbox: the status line counts it,
// the outbox overlay lists it. The selection follows its entry, not its
// row: entries come and go as they are delivered.
type outboxList struct {
	outbox     []store.OutboxEntry
	outboxIdx  int
	outQueued  int
	outSending int
	outFailed  int
}

// outboxMsg is the outbox's undelivered entries, read in a Cmd.
type outboxMsg struct {
	queued, sending, failed int
	entries                 []store.OutboxEntry
}

func loadOutbox(st store.Store) tea.Cmd {
	return func() tea.Msg {
		var o outboxMsg
		entries, _ := store.OpenOutbox(context.Background(), st, nil)
		for _, e := range entries {
			switch e.State {
			case store.OutQueued:
				o.queued++
			case store.OutSending:
				o.sending++
			case store.OutFailed:
				o.failed++
			}
		}
		o.entries = entries
		return o
	}
}

func (l *outboxList) set(msg outboxMsg) {
	l.outQueued, l.outSending, l.outFailed = msg.queued, msg.sending, msg.failed
	var selSeq uint64
	if l.outboxIdx < len(l.outbox) {
		selSeq = l.outbox[l.outboxIdx].Seq
	}
	l.outbox = msg.entries
	l.outboxIdx = min(l.outboxIdx, max(len(l.outbox)-1, 0))
	for i, e := range l.outbox {
		if e.Seq == selSeq {
			l.outboxIdx = i
			break
		}
	}
}

// outboxView is the outbox overlay: retry (checked first when the reply
// may have reached the network), discard, or edit a failed reply.
type outboxView struct {
	*Common
	host host
	list *outboxList
}

func (o *outboxView) SetWidth(int) {}

func (o *outboxView) Key(k tea.KeyPressMsg) tea.Cmd {
	l := o.list
	act := o.km.Local(outboxKeys, k.String())
	switch act {
	case ActClose:
		o.host.pop()
	case ActScrollDown:
		l.outboxIdx = min(l.outboxIdx+1, max(len(l.outbox)-1, 0))
	case ActScrollUp:
		l.outboxIdx = max(l.outboxIdx-1, 0)
	case ActRetry, ActDiscard, ActEdit:
		if l.outboxIdx >= len(l.outbox) {
			return nil
		}
		return o.act(act, l.outbox[l.outboxIdx]) // the entry on screen, by its Seq
	}
	return nil
}

func (o *outboxView) act(act Action, e store.OutboxEntry) tea.Cmd {
	op := o.op
	switch act {
	case ActEdit:
		if e.State != store.OutFailed {
			o.host.flash("Only a failed reply can be edited (this one is "+string(e.State)+")", true)
			return nil
		}
		if e.Uncertain {
			o.host.flash("This reply may already have reached the network: enter retries it (checked first), d discards it", true)
			return nil
		}
		// edit: discard the failed entry, then reopen its text in the
		// composer (public or DM as it was) — only once the discard
		// succeeded; until then nothing on screen changes
		o.host.pop()
		return func() tea.Msg {
			if _, err := op.Discard(e.Seq); err != nil {
				return doneMsg{err: err}
			}
			return editMsg{conv: e.Reply.ConvID, text: e.Reply.Text, direct: e.Reply.Direct}
		}
	case ActDiscard:
		return func() tea.Msg {
			_, err := op.Discard(e.Seq)
			return doneMsg{flash: "Reply discarded", err: err}
		}
	}
	return func() tea.Msg {
		_, err := op.Retry(e.Seq, "")
		return doneMsg{flash: "Retrying", err: err}
	}
}

func (o *outboxView) View(w, h int) (string, []string) {
	l := o.list
	if len(l.outbox) == 0 {
		return "Outbox", []string{"Nothing waiting: every reply was delivered."}
	}
	out := []string{"enter: retry (edit in composer with E) · d: discard · esc: close", ""}
	for i, e := range l.outbox {
		line := fmt.Sprintf("%-8s #%s → %s: %s", e.State, e.Reply.ConvID, textsafe.Handle(displayHandle(e.Reply.To.Author.Handle)), textsafe.Line(e.Reply.Text))
		if e.LastError != "" {
			line += "  [" + textsafe.Line(e.LastError) + "]"
		}
		if i == l.outboxIdx {
			line = o.sty.Selected.Render(plain(line))
		}
		out = append(out, line)
	}
	return "Outbox", out
}
