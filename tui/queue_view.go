package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/triage"
)

// rowKey names a rendered queue row: a row is drawn again only when its
// conversation, its width, its highlight or the minute changed.
// draftMark starts the preview of a conversation with a saved draft.
const draftMark = "✎ draft"

type rowKey struct {
	id       string
	version  uint64
	width    int
	selected bool
	marked   bool
	minute   int64
	claim    string // initials of another operator replying
	draft    bool   // a saved draft
}

// View renders the rows on screen (two lines each) and, when the list is
// longer than the pane, the position.
func (q *queue) View(w, h int) string {
	if !q.loaded {
		return q.sty.Dim.Render("loading…")
	}
	if len(q.refs) == 0 {
		msg := fmt.Sprintf("No %s conversations. (w: next view)", q.view)
		switch {
		case q.search != nil:
			msg = fmt.Sprintf("Nothing in %s matches /%s (w: next view, / to change)", q.view, textsafe.Line(q.search.Raw))
		case q.view == store.ViewActionable:
			if broken := q.feedProblems(); len(broken) > 0 {
				// not inbox zero: posts may not be arriving at all
				return q.sty.StatusErr.Render(lipgloss.Wrap("Nothing in the inbox, but a feed is failing, so new posts may not arrive:", w, " ")) +
					"\n\n" + lipgloss.Wrap(strings.Join(broken, "\n\n"), w, " ") +
					"\n\n" + q.sty.Dim.Render(lipgloss.Wrap("hark doctor checks the accounts; ctrl+r polls again.", w, " "))
			}
			msg = "Inbox zero. New mentions appear here as they arrive."
		}
		return q.sty.Dim.Render(lipgloss.Wrap(msg, w, " "))
	}
	rows := q.queueRows()
	var b strings.Builder
	minute := q.now().Unix() / 60
	for i := q.offset; i < min(q.offset+rows, len(q.refs)); i++ {
		ref := q.refs[i]
		c, ok := q.convs[ref.ID]
		if !ok {
			b.WriteString(q.sty.Dim.Render("…") + "\n\n")
			continue
		}
		claim := ""
		if cl, ok := q.team.other(ref.ID); ok {
			claim = textsafe.Line(cl.Holder.Label())
		}
		k := rowKey{ref.ID, c.Version, w, i == q.cursor, q.marked[ref.ID], minute, claim, q.drafts[ref.ID]}
		row, ok := q.rowCache[k]
		if !ok {
			row = q.renderRow(c, w, k)
			if len(q.rowCache) > 2048 {
				q.rowCache = map[rowKey]string{}
			}
			q.rowCache[k] = row
		}
		b.WriteString(row)
		b.WriteByte('\n')
	}
	out := strings.TrimRight(b.String(), "\n")
	// a position hint when the list is longer than the pane
	if len(q.refs) > rows {
		lines := strings.Split(out, "\n")
		for len(lines) < h-1 {
			lines = append(lines, "")
		}
		lines = append(lines[:h-1], q.sty.Dim.Render(fmt.Sprintf("%d/%d", q.cursor+1, len(q.refs))))
		out = strings.Join(lines, "\n")
	}
	return out
}

// feedProblems are the failing feeds with their last error, in full.
func (q *queue) feedProblems() []string {
	var out []string
	for _, f := range q.feeds {
		if f.LastError == "" {
			continue
		}
		if f.ErrorKind == "not-started" {
			// its error says "not started: " and why (engine): once, not
			// after feedProblem's "not started: see hark doctor", which
			// is for the one-line status
			out = append(out, f.Feed+" "+textsafe.Line(f.LastError))
			continue
		}
		out = append(out, feedProblem(f, q.now())+": "+textsafe.Line(f.LastError))
	}
	return out
}

func (q *queue) renderRow(c social.Conversation, w int, k rowKey) string {
	selected, marked, claim := k.selected, k.marked, k.claim
	mark := " "
	if marked {
		mark = q.sty.Marked.Render("●")
	}
	flags := ""
	if c.VIP {
		flags += "★"
	}
	if c.Direct {
		flags += "✉"
	}
	if claim != "" { // another operator is replying
		flags += "✎" + claim
	}
	sla, slaSt := q.slaTag(c)
	right := age(q.now().Sub(c.LastCustomerAt))
	if sla != "" {
		right = sla
	}
	handle := textsafe.Handle(c.Network.At(c.Contact.Handle))
	head := fmt.Sprintf("%s%s %s %-2s ", mark, q.priorityMark(c), brandTag(c.Brand), c.Network.Short())
	if flags != "" {
		head += flags + " "
	}
	room := w - lipgloss.Width(head) - lipgloss.Width(right) - 1
	handle = textsafe.Truncate(handle, max(room, 1))
	pad := max(w-lipgloss.Width(head)-lipgloss.Width(handle)-lipgloss.Width(right), 1)
	line1 := head + q.sty.Author.Render(handle) + strings.Repeat(" ", pad) + slaSt.Render(right)
	prev := textsafe.Line(c.Preview)
	if c.State == social.StateSnoozed {
		// the snoozed view: until when, and the operator's note
		prev = "⏾ " + c.SnoozedUntil.Local().Format("Mon 15:04")
		if c.SnoozeNote != "" {
			prev += " · " + textsafe.Line(c.SnoozeNote)
		} else {
			prev += " · " + textsafe.Line(c.Preview)
		}
	}
	if k.draft { // a reply begun and left for later
		prev = draftMark + " · " + prev
	}
	line2 := "    " + textsafe.Truncate(prev, w-4)
	if selected {
		st := q.sty.Selected
		// the reversed row is drawn plain, so nested colour resets cannot
		// break the highlight
		plainLine := plain(head) + handle + strings.Repeat(" ", pad) + right
		return st.Width(w).Render(plainLine) + "\n" + st.Width(w).Render(padTo(line2, w))
	}
	return line1 + "\n" + q.sty.Dim.Render(line2)
}

// priorityMark is a short marker by score.
func (q *queue) priorityMark(c social.Conversation) string {
	switch {
	case c.Priority >= UrgentScore:
		return q.sty.Urgent.Render("!!")
	case c.Priority >= FlagScore:
		return q.sty.High.Render("! ")
	case c.Sentiment > 0:
		return q.sty.Positive.Render("♥ ")
	}
	return "  "
}

// slaTag is the first-response countdown of an actionable conversation
// and its style by urgency.
func (c *Common) slaTag(cv social.Conversation) (string, lipgloss.Style) {
	if cv.DueAt.IsZero() || cv.WaitingSince.IsZero() || !cv.State.Actionable() {
		return "", c.sty.Dim
	}
	state, left := triage.SLA(cv.WaitingSince, cv.DueAt, c.now())
	s := "⏱" + triage.Countdown(left)
	switch state {
	case triage.Breached:
		return s, c.sty.Breached
	case triage.AtRisk:
		return s, c.sty.AtRisk
	}
	return s, c.sty.Dim
}

func brandTag(b string) string {
	b = textsafe.Line(b)
	var out []rune
	for _, w := range strings.Fields(b) {
		for _, r := range w {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
				out = append(out, r)
				break
			}
		}
	}
	if len(out) < 2 {
		rs := []rune(b)
		return strings.ToUpper(string(rs[:min(3, len(rs))]))
	}
	return strings.ToUpper(string(out[:min(3, len(out))]))
}

// age is a compact duration.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
