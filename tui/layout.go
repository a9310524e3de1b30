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
)

// composerHeight grows while the composer or the picker has the keys.
func (m *Model) composerHeight() int {
	switch m.focus {
	case fPicker:
		return max(8, min(14, m.h/2))
	case fComposer:
		return max(6, min(10, m.h/3))
	}
	return 4
}

// panes are the outer widths of the queue and of the column beside it
// (the conversation over the composer or the picker). In a narrow
// terminal one of them is the whole width and the other 0: the queue
// while it has the keys, the conversation otherwise.
func (m *Model) panes() (qw, rw int) {
	if !m.narrow() {
		qw = m.queueWidth()
		return qw, m.w - qw
	}
	if m.focus == fQueue {
		return m.w, 0
	}
	return 0, m.w
}

// layout gives the components their sizes.
func (m *Model) layout() {
	rw := m.w // narrow: the composer is shown only without the queue
	if !m.narrow() {
		rw -= m.queueWidth()
	}
	m.composer.setSize(rw, m.composerHeight())
	m.picker.setWidth(rw)
	for _, o := range m.stack {
		o.SetWidth(m.w)
	}
	m.queue.clampOffset()
}

// View renders the whole screen. It does no I/O and no work proportional
// to the number of conversations.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "hark" + m.titleSuffix()
	if m.tooSmall() {
		v.SetContent(m.renderTooSmall())
		return v
	}
	v.SetContent(m.render())
	return v
}

// renderTooSmall fills a terminal too small for the screen with what to
// do about it; the keys still work (ctrl+c quits from anywhere).
func (m *Model) renderTooSmall() string {
	msg := []string{
		"hark needs a bigger terminal",
		fmt.Sprintf("at least %d×%d", minWidth, minHeight),
		fmt.Sprintf("this one is %d×%d", m.termW, m.termH),
		"ctrl+c quits",
	}
	lines := make([]string, m.termH)
	for i := range lines {
		if i < len(msg) {
			lines[i] = m.sty.Dim.Render(fitPad(msg[i], m.termW))
		} else {
			lines[i] = strings.Repeat(" ", m.termW)
		}
	}
	return strings.Join(lines, "\n")
}

func (m *Model) titleSuffix() string {
	if m.queue.counts[0] > 0 {
		return fmt.Sprintf(" (%d)", m.queue.counts[0])
	}
	return ""
}

func (m *Model) render() string {
	qw, rw := m.panes()
	bh := m.bodyHeight()
	ch := m.composerHeight()
	convH := bh - ch
	var left, right []string // each bh lines (nil: the pane is not shown)
	if qw > 0 {
		left = m.box(m.queue.View(qw-2, bh-2), qw, bh, fQueue)
	}
	if rw > 0 {
		right = m.box(m.conv.View(rw-2, convH-2), rw, convH, fConv)
		if m.focus == fPicker {
			right = append(right, m.box(m.picker.View(rw-2, ch-2), rw, ch, fPicker)...)
		} else {
			right = append(right, m.box(m.composer.View(rw-2, ch-2), rw, ch, fComposer)...)
		}
	}
	// Every pane line has its exact width already, so the frame is plain
	// concatenation: no re-measuring of the whole screen per frame.
	var b strings.Builder
	b.Grow(m.w * m.h * 2)
	b.WriteString(m.renderHeader())
	for i := 0; i < bh; i++ {
		b.WriteByte('\n')
		if left != nil {
			b.WriteString(left[i])
		}
		if right != nil {
			b.WriteString(right[i])
		}
	}
	b.WriteByte('\n')
	b.WriteString(m.renderStatus())
	screen := b.String()
	if len(m.stack) > 0 {
		screen = m.drawOverlay(screen)
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
	focused := m.focus == f && len(m.stack) == 0
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

// plain drops our own styling from an already sanitized string.
func plain(s string) string { return ansi.Strip(s) }

// fit truncates an already sanitized (possibly styled) string to w cells.
func fit(s string, w int) string { return ansi.Truncate(s, max(w, 0), "…") }

func padTo(s string, w int) string {
	if d := w - lipgloss.Width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

func (m *Model) renderHeader() string {
	q := m.queue
	brand := "all brands"
	if q.brandFilter != "" {
		brand = q.brandFilter
	}
	left := fmt.Sprintf("hark · %s · %s", q.view, textsafe.Line(brand))
	if q.search != nil {
		left += " · /" + textsafe.Line(q.search.Raw)
	}
	if n := len(q.marked); n > 0 {
		left += fmt.Sprintf(" · %d selected", n)
	}
	c := q.counts
	right := fmt.Sprintf("inbox %d  pending %d  snoozed %d  resolved %d", c[0], c[1], c[2], c[3])
	gap := m.w - lipgloss.Width(left) - lipgloss.Width(right) - 2
	if gap < 2 { // one space would read as part of the search ("/is:vip inbox 19")
		right = fmt.Sprintf("%d/%d/%d/%d", c[0], c[1], c[2], c[3])
		gap = max(m.w-lipgloss.Width(left)-lipgloss.Width(right)-2, 1)
	}
	line := left + strings.Repeat(" ", gap) + right
	return m.sty.Header.Render(" " + fitPad(line, m.w-2) + " ")
}

// feedNetwork is the network a feed id names ("bluesky:acme" → bluesky).
func feedNetwork(id string) social.Network {
	n, _, _ := strings.Cut(id, ":")
	return social.Network(n)
}

func feedProblem(f store.FeedStatus, now time.Time) string {
	name := f.Feed
	switch f.ErrorKind {
	case "rate-limited":
		return fmt.Sprintf("%s rate-limited until %s", name, f.Until.Local().Format("15:04"))
	case "auth":
		return name + " auth failed: " + social.CredentialHint(feedNetwork(name))
	case "not-started": // engine.ErrorNotStarted: its secret did not resolve
		return name + " not started: see hark doctor"
	}
	if !f.Until.IsZero() && f.Until.After(now) {
		return fmt.Sprintf("%s failing, retry %s", name, f.Until.Local().Format("15:04:05"))
	}
	return name + " failing"
}

// ---- mouse ----

func (m *Model) onWheel(msg tea.MouseWheelMsg) tea.Cmd {
	mouse := msg.Mouse()
	up := mouse.Button == tea.MouseWheelUp
	if m.tooSmall() { // nothing on screen to scroll
		return nil
	}
	if qw, _ := m.panes(); mouse.X >= qw {
		if up {
			m.conv.scrollBy(1)
		} else {
			m.conv.scrollBy(-1)
		}
		return nil
	}
	if up {
		return m.queue.moveCursor(-1)
	}
	return m.queue.moveCursor(1)
}

func (m *Model) onClick(msg tea.MouseClickMsg) tea.Cmd {
	mouse := msg.Mouse()
	if qw, _ := m.panes(); len(m.stack) > 0 || m.tooSmall() || mouse.X >= qw {
		return nil
	}
	return m.queue.click(mouse.Y)
}
