package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/textsafe"
	"github.com/hark-tui/hark/triage"
)

// geometry of the three panes (outer sizes, borders included)
func (m *Model) queueWidth() int {
	w := m.w * 42 / 100
	return max(30, min(w, 60))
}

func (m *Model) composerHeight() int {
	if m.focus == fPicker {
		return max(8, min(14, m.h/2))
	}
	if m.focus == fComposer {
		return max(6, min(10, m.h/3))
	}
	return 4
}

func (m *Model) bodyHeight() int { return m.h - 2 } // header + status line

// queueRows is how many conversations fit (two lines each).
func (m *Model) queueRows() int { return max(1, (m.bodyHeight()-2)/2) }

func (m *Model) layout() {
	rw := m.w - m.queueWidth()
	m.ta.SetWidth(max(rw-4, 10))
	m.ta.SetHeight(max(m.composerHeight()-4, 1))
	m.pick.SetWidth(max(rw-14, 10))
	m.input.SetWidth(max(min(m.w-20, 60), 10))
	m.clampOffset()
}

// View renders the whole screen. It does no I/O and no work proportional
// to the number of conversations.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "hark" + m.titleSuffix()
	v.SetContent(m.render())
	return v
}

func (m *Model) titleSuffix() string {
	if m.counts[0] > 0 {
		return fmt.Sprintf(" (%d)", m.counts[0])
	}
	return ""
}

func (m *Model) render() string {
	qw := m.queueWidth()
	bh := m.bodyHeight()
	rw := m.w - qw
	ch := m.composerHeight()
	convH := bh - ch
	left := m.box(m.renderQueue(qw-2, bh-2), qw, bh, fQueue)
	right := m.box(m.renderConv(rw-2, convH-2), rw, convH, fConv)
	if m.focus == fPicker {
		right = append(right, m.box(m.renderPicker(rw-2, ch-2), rw, ch, fPicker)...)
	} else {
		right = append(right, m.box(m.renderComposer(rw-2, ch-2), rw, ch, fComposer)...)
	}
	// Every pane line has its exact width already, so the frame is plain
	// concatenation: no re-measuring of the whole screen per frame.
	var b strings.Builder
	b.Grow(m.w * m.h * 2)
	b.WriteString(m.renderHeader())
	for i := 0; i < bh; i++ {
		b.WriteByte('\n')
		b.WriteString(left[i])
		b.WriteString(right[i])
	}
	b.WriteByte('\n')
	b.WriteString(m.renderStatus())
	screen := b.String()
	if m.overlay != ovNone {
		screen = m.renderOverlay(screen)
	}
	return screen
}

type borderSet struct{ tl, t, tr, side, bl, bot, br string }

var (
	roundBorder = borderSet{"╭", "─", "╮", "│", "╰", "─", "╯"}
	thickBorder = borderSet{"┏", "━", "┓", "┃", "┗", "━", "┛"}
)

// box draws content in a w×h bordered pane and returns its h lines, each
// exactly w cells wide.
func (m *Model) box(content string, w, h int, f focus) []string {
	focused := m.focus == f && m.overlay == ovNone
	bs, st := roundBorder, m.sty.Border
	if focused {
		bs, st = thickBorder, m.sty.BorderFocused
	}
	inner := max(w-2, 0)
	edge := func(kind byte, l, mid, r string) string {
		k := frameKey{kind, focused, inner}
		if e, ok := m.frameCache[k]; ok {
			return e
		}
		e := st.Render(l + strings.Repeat(mid, inner) + r)
		m.frameCache[k] = e
		return e
	}
	side := edge('s', "", "", bs.side)
	out := make([]string, 0, h)
	out = append(out, edge('t', bs.tl, bs.t, bs.tr))
	lines := strings.Split(content, "\n")
	for i := 0; i < h-2; i++ {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		out = append(out, side+m.pad(l, inner)+side)
	}
	out = append(out, edge('b', bs.bl, bs.bot, bs.br))
	return out
}

// frameKey names a styled border piece (top, bottom, side) of a width.
type frameKey struct {
	kind    byte
	focused bool
	inner   int
}

type padKey struct {
	s string
	w int
}

// pad is fitPad memoized: most pane lines are the same from one frame to
// the next, and measuring them is the frame's main cost.
func (m *Model) pad(s string, w int) string {
	k := padKey{s, w}
	if p, ok := m.padCache[k]; ok {
		return p
	}
	p := fitPad(s, w)
	if len(m.padCache) > 8192 {
		clear(m.padCache)
	}
	m.padCache[k] = p
	return p
}

// fitPad makes an already sanitized (possibly styled) line exactly w cells.
func fitPad(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

func (m *Model) renderHeader() string {
	brand := "all brands"
	if m.brandFilter != "" {
		brand = m.brandFilter
	}
	left := fmt.Sprintf("hark · %s · %s", m.view, textsafe.Line(brand))
	if m.search != nil {
		left += " · /" + textsafe.Line(m.search.Raw)
	}
	if n := len(m.marked); n > 0 {
		left += fmt.Sprintf(" · %d selected", n)
	}
	right := fmt.Sprintf("inbox %d  pending %d  snoozed %d  resolved %d", m.counts[0], m.counts[1], m.counts[2], m.counts[3])
	gap := m.w - lipgloss.Width(left) - lipgloss.Width(right) - 2
	if gap < 1 {
		right = fmt.Sprintf("%d/%d/%d/%d", m.counts[0], m.counts[1], m.counts[2], m.counts[3])
		gap = max(m.w-lipgloss.Width(left)-lipgloss.Width(right)-2, 1)
	}
	line := left + strings.Repeat(" ", gap) + right
	return m.sty.Header.Render(" " + fitPad(line, m.w-2) + " ")
}

func (m *Model) renderStatus() string {
	var parts []string
	if m.flash != "" && m.now().Before(m.flashUntil) {
		st := m.sty.Flash
		if m.flashErr {
			st = m.sty.StatusErr
		}
		return st.Render(fitPad(textsafe.Line(m.flash), m.w-2))
	}
	ok, bad := 0, []string{}
	for _, f := range m.feeds {
		if f.LastError == "" {
			ok++
			continue
		}
		bad = append(bad, feedProblem(f, m.now()))
	}
	parts = append(parts, fmt.Sprintf("feeds %d ok", ok))
	parts = append(parts, bad...)
	out := fmt.Sprintf("outbox %d queued", m.outQueued+m.outSending)
	if m.outFailed > 0 {
		out += fmt.Sprintf(", %d FAILED", m.outFailed)
	}
	parts = append(parts, out)
	parts = append(parts, "? help")
	line := strings.Join(parts, " · ")
	st := m.sty.Status
	if len(bad) > 0 || m.outFailed > 0 {
		st = m.sty.StatusErr
	}
	return st.Render(fitPad(textsafe.Line(line), m.w))
}

func feedProblem(f store.FeedStatus, now time.Time) string {
	name := f.Feed
	switch f.ErrorKind {
	case "rate-limited":
		return fmt.Sprintf("%s rate-limited until %s", name, f.Until.Local().Format("15:04"))
	case "auth":
		return name + " auth failed: check token"
	}
	if !f.Until.IsZero() && f.Until.After(now) {
		return fmt.Sprintf("%s failing, retry %s", name, f.Until.Local().Format("15:04:05"))
	}
	return name + " failing"
}

// ---- queue ----

type rowKey struct {
	id       string
	version  uint64
	width    int
	selected bool
	marked   bool
	minute   int64
}

func (m *Model) renderQueue(w, h int) string {
	if !m.loaded {
		return m.sty.Dim.Render("loading…")
	}
	if len(m.refs) == 0 {
		msg := fmt.Sprintf("No %s conversations. (w: next view)", m.view)
		switch {
		case m.search != nil:
			msg = fmt.Sprintf("Nothing in %s matches /%s (w: next view, / to change)", m.view, textsafe.Line(m.search.Raw))
		case m.view == store.ViewActionable:
			msg = "Inbox zero. New mentions appear here as they arrive."
		}
		return m.sty.Dim.Render(lipgloss.Wrap(msg, w, " "))
	}
	rows := m.queueRows()
	var b strings.Builder
	minute := m.now().Unix() / 60
	for i := m.offset; i < min(m.offset+rows, len(m.refs)); i++ {
		ref := m.refs[i]
		c, ok := m.convs[ref.ID]
		if !ok {
			b.WriteString(m.sty.Dim.Render("…") + "\n\n")
			continue
		}
		k := rowKey{ref.ID, c.Version, w, i == m.cursor, m.marked[ref.ID], minute}
		row, ok := m.rowCache[k]
		if !ok {
			row = m.renderRow(c, w, i == m.cursor, m.marked[ref.ID])
			if len(m.rowCache) > 2048 {
				m.rowCache = map[rowKey]string{}
			}
			m.rowCache[k] = row
		}
		b.WriteString(row)
		b.WriteByte('\n')
	}
	out := strings.TrimRight(b.String(), "\n")
	// a position hint when the list is longer than the pane
	if len(m.refs) > rows {
		lines := strings.Split(out, "\n")
		for len(lines) < h-1 {
			lines = append(lines, "")
		}
		lines = append(lines[:h-1], m.sty.Dim.Render(fmt.Sprintf("%d/%d", m.cursor+1, len(m.refs))))
		out = strings.Join(lines, "\n")
	}
	return out
}

// priorityMark is a short marker by score.
func (m *Model) priorityMark(c social.Conversation) string {
	switch {
	case c.Priority >= UrgentScore:
		return m.sty.Urgent.Render("!!")
	case c.Priority >= FlagScore:
		return m.sty.High.Render("! ")
	case c.Sentiment > 0:
		return m.sty.Positive.Render("♥ ")
	}
	return "  "
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

func (m *Model) slaTag(c social.Conversation) (string, lipgloss.Style) {
	if c.DueAt.IsZero() || c.WaitingSince.IsZero() || !c.State.Actionable() {
		return "", m.sty.Dim
	}
	state, left := triage.SLA(c.WaitingSince, c.DueAt, m.now())
	s := "⏱" + triage.Countdown(left)
	switch state {
	case triage.Breached:
		return s, m.sty.Breached
	case triage.AtRisk:
		return s, m.sty.AtRisk
	}
	return s, m.sty.Dim
}

func (m *Model) renderRow(c social.Conversation, w int, selected, marked bool) string {
	mark := " "
	if marked {
		mark = m.sty.Marked.Render("●")
	}
	flags := ""
	if c.VIP {
		flags += "★"
	}
	if c.Direct {
		flags += "✉"
	}
	sla, slaSt := m.slaTag(c)
	right := age(m.now().Sub(c.LastCustomerAt))
	if sla != "" {
		right = sla
	}
	handle := textsafe.Handle(displayHandle(c.Contact.Handle))
	head := fmt.Sprintf("%s%s %s %-2s ", mark, m.priorityMark(c), brandTag(c.Brand), c.Network.Short())
	if flags != "" {
		head += flags + " "
	}
	room := w - lipgloss.Width(head) - lipgloss.Width(right) - 1
	handle = textsafe.Truncate(handle, max(room, 1))
	pad := max(w-lipgloss.Width(head)-lipgloss.Width(handle)-lipgloss.Width(right), 1)
	line1 := head + m.sty.Author.Render(handle) + strings.Repeat(" ", pad) + slaSt.Render(right)
	prev := textsafe.Line(c.Preview)
	line2 := "    " + textsafe.Truncate(prev, w-4)
	if selected {
		st := m.sty.Selected
		// the reversed row is drawn plain, so nested colour resets cannot
		// break the highlight
		plainLine := plain(head) + handle + strings.Repeat(" ", pad) + right
		return st.Width(w).Render(plainLine) + "\n" + st.Width(w).Render(padTo(line2, w))
	}
	return line1 + "\n" + m.sty.Dim.Render(line2)
}

// plain drops our own styling from an already sanitized string.
func plain(s string) string { return stripANSI(s) }

// fit truncates an already sanitized (possibly styled) string to w cells.
func fit(s string, w int) string { return ansi.Truncate(s, max(w, 0), "…") }

func padTo(s string, w int) string {
	if d := w - lipgloss.Width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// ---- conversation ----

func (m *Model) renderConv(w, h int) string {
	c, ok := m.current()
	if !ok {
		return m.sty.Dim.Render("Select a conversation (j/k, enter).")
	}
	var lines []string
	name := textsafe.Handle(c.Contact.Name())
	handle := textsafe.Handle(displayHandle(c.Contact.Handle))
	title := m.sty.Title.Render(textsafe.Truncate(name, w/2))
	if name != handle {
		title += " " + m.sty.Dim.Render(textsafe.Truncate(handle, w/2))
	}
	lines = append(lines, title)
	meta := fmt.Sprintf("#%s · %s · %s · %s", c.ID, textsafe.Line(c.Brand), c.Network, c.State)
	if c.Direct {
		meta += " · DM"
	}
	if c.State == social.StateSnoozed {
		meta += " until " + c.SnoozedUntil.Local().Format("Mon 15:04")
	}
	if c.Contact.Followers > 0 {
		meta += fmt.Sprintf(" · %s followers", compact(c.Contact.Followers))
	}
	lines = append(lines, m.sty.Dim.Render(textsafe.Truncate(meta, w)))
	// why it is where it is
	var why []string
	if sla, _ := m.slaTag(c); sla != "" {
		state, left := triage.SLA(c.WaitingSince, c.DueAt, m.now())
		switch state {
		case triage.Breached:
			why = append(why, "SLA breached "+triage.Countdown(-left)+" ago")
		default:
			why = append(why, "SLA due in "+triage.Countdown(left))
		}
	}
	why = append(why, c.Reasons...)
	if len(why) > 0 {
		line := fmt.Sprintf("priority %d: %s", c.Priority, strings.Join(why, " · "))
		lines = append(lines, m.sty.Reason.Render(textsafe.Truncate(textsafe.Line(line), w)))
	}
	if c.ReadOnly != "" {
		lines = append(lines, m.sty.AtRisk.Render(textsafe.Truncate("read-only: "+textsafe.Line(c.ReadOnly), w)))
	}
	if c.FollowUp == social.FollowUpOffered {
		lines = append(lines, m.sty.Flash.Render(textsafe.Truncate("Resolved DM: press f to post a public follow-up, or F to skip", w)))
	}
	if ct := m.contact; ct.Handle != "" {
		var info []string
		if ct.VIP {
			info = append(info, "★ VIP")
		}
		if n := len(ct.ConvIDs); n > 1 {
			var past []string
			for i := n - 1; i >= 0 && len(past) < 5; i-- {
				if ct.ConvIDs[i] != c.ID {
					past = append(past, "#"+ct.ConvIDs[i])
				}
			}
			info = append(info, fmt.Sprintf("%d conversations (%s)", n, strings.Join(past, " ")))
		}
		if len(ct.Brands) > 1 {
			info = append(info, "wrote to "+strings.Join(ct.Brands, ", "))
		}
		if len(ct.Tags) > 0 {
			info = append(info, "tags: "+strings.Join(ct.Tags, ", "))
		}
		if ct.Notes != "" {
			info = append(info, "note: "+firstLineOf(ct.Notes))
		}
		if len(info) > 0 {
			lines = append(lines, m.sty.Dim.Render(textsafe.Truncate(textsafe.Line(strings.Join(info, " · ")), w)))
		}
	}
	lines = append(lines, m.sty.Dim.Render(strings.Repeat("─", w)))
	head := len(lines)
	var body []string
	for _, p := range m.posts {
		body = append(body, m.renderPost(p, w)...)
		body = append(body, "")
	}
	if len(m.posts) == 0 {
		body = append(body, m.sty.Dim.Render("loading…"))
	}
	// scroll: show the newest posts by default (bottom), convScroll lines up
	room := h - head
	if room < 1 {
		return strings.Join(lines[:min(len(lines), h)], "\n")
	}
	end := len(body)
	for end > 0 && body[end-1] == "" {
		end--
	}
	start := max(0, end-room-m.convScroll)
	m.convScroll = min(m.convScroll, max(end-room, 0))
	stop := min(end, start+room)
	lines = append(lines, body[start:stop]...)
	return strings.Join(lines, "\n")
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}

func compact(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	}
	return fmt.Sprint(n)
}

func (m *Model) renderPost(p store.StoredPost, w int) []string {
	who := textsafe.Handle(p.Author.Name())
	st := m.sty.Author
	if p.Kind == social.KindOwn {
		st = m.sty.Own
		who = "↳ " + who
	}
	when := p.CreatedAt.Local().Format("Jan 2 15:04")
	tag := ""
	if p.Direct {
		tag = " · DM"
	}
	head := st.Render(textsafe.Truncate(who, w/2)) + m.sty.Dim.Render(" · "+when+tag)
	out := []string{head}
	text := textsafe.Block(p.Text)
	for _, l := range strings.Split(text, "\n") {
		wrapped := lipgloss.Wrap(l, max(w-2, 10), " ")
		for _, wl := range strings.Split(wrapped, "\n") {
			out = append(out, "  "+wl)
		}
	}
	if p.URL != "" {
		out = append(out, m.sty.Dim.Render("  "+textsafe.Truncate(textsafe.Line(p.URL), w-2)))
	}
	return out
}

// ---- composer & picker ----

func (m *Model) renderComposer(w, h int) string {
	c, ok := m.current()
	if m.focus != fComposer {
		hint := fmt.Sprintf("%s reply · %s DM · %s canned · %s resolve · %s snooze", m.km.Keys(ActReply), m.km.Keys(ActDM), m.km.Keys(ActCanned), m.km.Keys(ActResolve), m.km.Keys(ActSnooze))
		if ok && c.ReadOnly != "" {
			hint = "read-only · o open link · y copy link · e mark done"
		}
		if ok && m.ta.Value() != "" {
			return m.sty.Dim.Render(textsafe.Truncate("draft: "+textsafe.Line(m.ta.Value()), w)) + "\n" + m.sty.Dim.Render(textsafe.Truncate(hint, w))
		}
		return m.sty.Dim.Render(textsafe.Truncate(hint, w))
	}
	mode := "public reply"
	if m.direct || (ok && c.Direct) {
		mode = "DM"
	}
	if m.followUp {
		mode = "public follow-up"
	}
	if len(m.bulkIDs) > 0 {
		mode = fmt.Sprintf("bulk: %d conversations", len(m.bulkIDs))
	}
	counter := m.counter(c)
	top := m.sty.Bold.Render(mode) + m.sty.Dim.Render(" · ctrl+s send · ctrl+t public/DM · esc close")
	return fit(top, w) + "\n" + m.ta.View() + "\n" + counter
}

// counter shows the length as the network counts it, with the signature.
func (m *Model) counter(c social.Conversation) string {
	sig, err := m.signature(c)
	if err != nil {
		return m.sty.StatusErr.Render("signature: " + err.Error())
	}
	text := Signed(m.ta.Value(), sig)
	acct, ok := m.eng.Account(c.Network, c.Account)
	if !ok || acct.Limit == nil {
		return m.sty.Dim.Render(fmt.Sprintf("%d chars", len([]rune(text))))
	}
	n, limit := acct.Limit.Count(text, m.sendsDirect(c))
	s := fmt.Sprintf("%d/%d", n, limit)
	if sig != "" {
		s += " incl. signature " + textsafe.Line(sig)
	}
	if limit > 0 && n > limit {
		return m.sty.Breached.Render(s + " — too long")
	}
	return m.sty.Dim.Render(s)
}

func (m *Model) renderPicker(w, h int) string {
	lines := []string{m.pick.View()}
	if m.pickErr != "" {
		lines = append(lines, m.sty.StatusErr.Render(textsafe.Truncate(m.pickErr, w)))
	}
	listH := max(h-1-len(lines)-3, 1)
	start := max(0, m.pickIdx-listH+1)
	for i := start; i < min(len(m.matches), start+listH); i++ {
		r := m.matches[i]
		label := textsafe.Line(r.Title)
		extra := []string{}
		if r.Brand != "" {
			extra = append(extra, brandTag(r.Brand))
		}
		if r.Lang != "" {
			extra = append(extra, r.Lang)
		}
		if r.Shortcut != "" {
			extra = append(extra, ";"+r.Shortcut)
		}
		if len(extra) > 0 {
			label += "  " + m.sty.Dim.Render(strings.Join(extra, " "))
		}
		label = textsafe.Truncate(label, w-2)
		if i == m.pickIdx {
			lines = append(lines, m.sty.Selected.Render("› "+padTo(plain(label), w-2)))
		} else {
			lines = append(lines, "  "+label)
		}
	}
	if len(m.matches) == 0 {
		lines = append(lines, m.sty.Dim.Render("  no canned response matches"))
	}
	// preview of the rendered answer
	if prev, err := m.pickPreview(); err != nil {
		lines = append(lines, m.sty.StatusErr.Render(textsafe.Truncate("⚠ "+err.Error(), w)))
	} else if prev != "" {
		lines = append(lines, m.sty.Dim.Render(strings.Repeat("─", w)))
		lines = append(lines, strings.Split(lipgloss.Wrap(textsafe.Block(prev), w, " "), "\n")...)
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

// ---- overlays ----

func (m *Model) renderOverlay(under string) string {
	var title string
	var body []string
	switch m.overlay {
	case ovHelp:
		title = "Keys"
		body = m.km.HelpLines()
		room := max(m.h-5, 3)
		if cols := m.w - 8; cols >= 100 && len(body) > room {
			body = twoColumns(body, cols)
		}
		if len(body) > room {
			// scrollable: every binding stays reachable at 80×24
			m.helpOff = max(0, min(m.helpOff, len(body)-room+1))
			end := min(len(body), m.helpOff+room-1)
			more := fmt.Sprintf("— %d–%d of %d · j/k scroll · esc close —", m.helpOff+1, end, len(body))
			body = append(body[m.helpOff:end:end], m.sty.Dim.Render(more))
		}
	case ovSnooze:
		title = "Snooze until"
		body = []string{
			"1  in 1 hour", "2  tomorrow 09:00 (business day)", "3  next week (Monday 09:00)",
			"or type: 3h · 45m · 15:30 · 2026-12-01 09:00   (then a note after ';')", "", m.input.View(),
		}
	case ovSearch:
		title = "Search"
		body = []string{
			"free text · brand:NAME · net:mastodon · from:@handle · is:open|pending|snoozed|resolved|breached|vip|dm",
			"lang:es · sentiment:neg|pos · before:2026-11-20 · after:2026-11-01", "", m.input.View(),
		}
	case ovNote:
		title = "Note on contact"
		body = []string{m.input.View()}
	case ovTags:
		title = "Tags on contact (comma-separated)"
		body = []string{m.input.View()}
	case ovConfirm:
		title = m.confirm.title
		body = append(append([]string{}, m.confirm.body...), "", "y / enter: go · n / esc: cancel")
	case ovStats:
		title = "Stats"
		body = strings.Split(m.stats, "\n")
	case ovOutbox:
		title = "Outbox"
		body = m.renderOutboxLines()
	}
	maxW := max(m.w-4, 20)
	for i, l := range body {
		body[i] = fit(l, maxW-4)
	}
	if len(body) > m.h-4 {
		body = body[:m.h-4]
	}
	box := m.sty.Overlay.MaxWidth(maxW).Render(m.sty.Title.Render(title) + "\n" + strings.Join(body, "\n"))
	// draw the box over the screen, which stays visible around it
	bw, bh := lipgloss.Size(box)
	x, y := max((m.w-bw)/2, 0), max((m.h-bh)/2, 0)
	return lipgloss.NewCompositor(lipgloss.NewLayer(under), lipgloss.NewLayer(box).X(x).Y(y).Z(1)).Render()
}

func twoColumns(lines []string, width int) []string {
	half := (len(lines) + 1) / 2
	colW := width / 2
	var out []string
	for i := 0; i < half; i++ {
		l := padTo(fit(lines[i], colW-1), colW)
		if i+half < len(lines) {
			l += lines[i+half]
		}
		out = append(out, l)
	}
	return out
}

func (m *Model) renderOutboxLines() []string {
	if len(m.outbox) == 0 {
		return []string{"Nothing waiting: every reply was delivered."}
	}
	out := []string{"enter: retry (edit in composer with E) · d: discard · esc: close", ""}
	for i, e := range m.outbox {
		line := fmt.Sprintf("%-8s #%s → %s: %s", e.State, e.Reply.ConvID, textsafe.Handle(displayHandle(e.Reply.To.Author.Handle)), textsafe.Line(e.Reply.Text))
		if e.LastError != "" {
			line += "  [" + textsafe.Line(e.LastError) + "]"
		}
		if i == m.outboxIdx {
			line = m.sty.Selected.Render(plain(line))
		}
		out = append(out, line)
	}
	return out
}
