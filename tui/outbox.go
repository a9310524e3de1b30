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
	// outScheduled counts the scheduled messages (schedule.go)
	outScheduled int
}

// outboxMsg is the outbox's undelivered entries, read in a Cmd.
type outboxMsg struct {
	queued, sending, failed, scheduled int
	entries                            []store.OutboxEntry
}

func loadOutbox(ctx context.Context, st store.Reader) tea.Cmd {
	return func() tea.Msg {
		var o outboxMsg
		// the open entries (not sent, not discarded): a cancelled scheduled
		// message stays until sent anyway or discarded
		entries, _ := store.OpenOutbox(ctx, st, nil)
		for _, e := range entries {
			switch e.State {
			case store.OutQueued:
				o.queued++
			case store.OutSending:
				o.sending++
			case store.OutFailed:
				o.failed++
			case store.OutScheduled:
				o.scheduled++
			}
		}
		o.entries = entries
		return o
	}
}

func (l *outboxList) set(msg outboxMsg) {
	l.outQueued, l.outSending, l.outFailed, l.outScheduled = msg.queued, msg.sending, msg.failed, msg.scheduled
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
	log  sentLog
}

// sentLog is the overlay's paged log of delivered replies, newest first,
// read a page at a time from the outbox's history (never all of it).
type sentLog struct {
	on      bool
	entries []store.OutboxEntry
	idx     int
	before  []uint64 // the page cursors: before[len-1] is this page's
	loading bool
	end     bool // no older page
}

// sentPageMsg is a page of the sent log, read in a Cmd.
type sentPageMsg struct {
	before  uint64
	entries []store.OutboxEntry
	err     error
}

const sentPage = 20

func loadSentPage(ctx context.Context, st store.Reader, before uint64) tea.Cmd {
	return func() tea.Msg {
		es, err := store.SentLog(ctx, st, before, sentPage+1)
		return sentPageMsg{before: before, entries: es, err: err}
	}
}

// setPage takes a page of the log (the newest request only).
func (o *outboxView) setPage(msg sentPageMsg) {
	l := &o.log
	if !l.on || len(l.before) == 0 || l.before[len(l.before)-1] != msg.before {
		return
	}
	l.loading = false
	if msg.err != nil {
		o.host.flash("sent log: "+msg.err.Error(), true)
		return
	}
	l.end = len(msg.entries) <= sentPage
	l.entries = msg.entries[:min(len(msg.entries), sentPage)]
	l.idx = 0
}

func (o *outboxView) SetWidth(int) {}

func (o *outboxView) Key(k tea.KeyPressMsg) tea.Cmd {
	l := o.list
	act := o.km.Local(outboxKeys, k.String())
	if o.log.on {
		return o.logKey(act)
	}
	switch act {
	case ActSentLog:
		o.log = sentLog{on: true, before: []uint64{0}, loading: true}
		return loadSentPage(o.ctx, o.st, 0)
	case ActClose:
		o.host.pop()
	case ActScrollDown, ActScrollUp:
		l.outboxIdx = stepped(l.outboxIdx, len(l.outbox), act)
	case ActRetry, ActDiscard, ActEdit:
		if l.outboxIdx >= len(l.outbox) {
			return nil
		}
		return o.act(act, l.outbox[l.outboxIdx]) // the entry on screen, by its Seq
	}
	return nil
}

// logKey moves in the sent log: entries, pages, back to the outbox.
func (o *outboxView) logKey(act Action) tea.Cmd {
	l := &o.log
	switch act {
	case ActClose:
		o.host.pop()
	case ActSentLog:
		o.log = sentLog{}
	case ActScrollDown, ActScrollUp:
		l.idx = stepped(l.idx, len(l.entries), act)
	case ActOlder:
		if l.loading || l.end || len(l.entries) == 0 {
			return nil
		}
		l.before = append(l.before, l.entries[len(l.entries)-1].Seq)
		l.loading = true
		return loadSentPage(o.ctx, o.st, l.before[len(l.before)-1])
	case ActNewer:
		if l.loading || len(l.before) < 2 {
			return nil
		}
		l.before = l.before[:len(l.before)-1]
		l.loading = true
		return loadSentPage(o.ctx, o.st, l.before[len(l.before)-1])
	}
	return nil
}

func (o *outboxView) act(act Action, e store.OutboxEntry) tea.Cmd {
	ctx, op := o.ctx, o.op
	switch act {
	case ActEdit:
		if e.State == store.OutScheduled {
			o.host.flash("A scheduled message is edited in the scheduled list (L)", true)
			return nil
		}
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
			if _, err := op.Discard(ctx, e.Seq); err != nil {
				return doneMsg{err: err}
			}
			return editMsg{conv: e.Reply.ConvID, text: e.Reply.Text, direct: e.Reply.Direct}
		}
	case ActDiscard:
		return func() tea.Msg {
			_, err := op.Discard(ctx, e.Seq)
			return doneMsg{flash: "Reply discarded", err: err}
		}
	}
	return func() tea.Msg {
		_, err := op.Retry(ctx, e.Seq, "")
		return doneMsg{flash: "Retrying", err: err}
	}
}

func (o *outboxView) View(w, h int) (string, []string) {
	if o.log.on {
		return o.logView()
	}
	l := o.list
	if len(l.outbox) == 0 {
		return "Outbox", []string{"Nothing waiting: every reply was delivered.", "", "s: the sent log"}
	}
	out := []string{"enter: retry (edit in composer with E) · d: discard · s: sent log · esc: close", ""}
	for i, e := range l.outbox {
		state := string(e.State)
		if e.State == store.OutScheduled {
			state = "for " + laterLabel(e.SendAt)
		}
		line := fmt.Sprintf("%-8s %s: %s", state, entryTarget(e), textsafe.Line(e.Reply.Text))
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

// entryTarget says where an outbox entry goes: "#12 → @ann" for a reply;
// for a copy of a status post (no conversation, no customer), "status
// outage on mastodon/acme", and "status outage follow-up on …" for its
// follow-up.
func entryTarget(e store.OutboxEntry) string {
	if id, follow, ok := store.ParseStatusRef(e.Reply.ConvID); ok {
		what := "status " + textsafe.Line(id)
		if follow {
			what += " follow-up"
		}
		return what + " on " + textsafe.Line(string(e.Reply.Network)+"/"+e.Reply.Account)
	}
	return "#" + textsafe.Line(e.Reply.ConvID) + " → " + textsafe.Handle(e.Reply.Network.At(e.Reply.To.Author.Handle))
}

func (o *outboxView) logView() (string, []string) {
	l := &o.log
	title := fmt.Sprintf("Outbox · sent, page %d", len(l.before))
	out := []string{"j/k: move · ] older page · [ newer page · s: back to the outbox · esc: close", ""}
	if l.loading && len(l.entries) == 0 {
		return title, append(out, "reading…")
	}
	if len(l.entries) == 0 {
		return title, append(out, "Nothing sent yet.")
	}
	for i, e := range l.entries {
		line := fmt.Sprintf("%s %s: %s", e.SentAt.Local().Format("Jan 02 15:04"), entryTarget(e), textsafe.Line(e.Reply.Text))
		if by := e.Reply.By.Label(); by != "" {
			line += "  (" + textsafe.Line(by) + ")"
		}
		if i == l.idx {
			line = o.sty.Selected.Render(plain(line))
		}
		out = append(out, line)
	}
	if l.end {
		out = append(out, "", "(the oldest)")
	}
	return title, out
}

// Update handles the outbox's message: the entries, re-read.
func (l *outboxList) Update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(outboxMsg); ok {
		l.set(msg)
		return nil, true
	}
	return nil, false
}

// Update handles the overlay's message: a page of the sent log.
func (o *outboxView) Update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(sentPageMsg); ok {
		o.setPage(msg)
		return nil, true
	}
	return nil, false
}
