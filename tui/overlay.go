package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// The root holds the overlays as a stack: the top one takes every key and
// is drawn over the screen, which stays visible around it. A confirmation
// opened from an overlay goes on top of it and returns to it.

func (m *Model) push(o overlay) tea.Cmd {
	o.SetWidth(m.w)
	m.stack = append(m.stack, o)
	return nil
}

func (m *Model) pop() {
	if n := len(m.stack); n > 0 {
		m.stack[n-1] = nil
		m.stack = m.stack[:n-1]
	}
}

// top is the overlay on top (nil: none).
func (m *Model) top() overlay {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return nil
}

// overlayText is how wide an overlay's lines may be on a w-wide screen:
// its box is at most w-4 (20 at least), its border and padding take 4.
// A line wider is cut with '…'.
func overlayText(w int) int { return max(w-4, 20) - 4 }

// drawOverlay draws the top overlay's box centred over the screen.
func (m *Model) drawOverlay(under string) string {
	title, lines := m.top().View(m.w, m.h)
	maxW := max(m.w-4, 20)
	body := make([]string, 0, len(lines))
	for _, l := range lines {
		body = append(body, fit(l, overlayText(m.w)))
	}
	if len(body) > m.h-4 {
		body = body[:m.h-4]
	}
	box := m.sty.Overlay.MaxWidth(maxW).Render(m.sty.Title.Render(title) + "\n" + strings.Join(body, "\n"))
	bw, bh := lipgloss.Size(box)
	x, y := max((m.w-bw)/2, 0), max((m.h-bh)/2, 0)
	return lipgloss.NewCompositor(lipgloss.NewLayer(under), lipgloss.NewLayer(box).X(x).Y(y).Z(1)).Render()
}

// scrolled is an overlay's scroll offset moved by a scroll action: a line
// (down, up) or ten (the page keys); any other action leaves it.
func scrolled(off int, act Action) int {
	switch act {
	case ActScrollDown:
		return off + 1
	case ActScrollUp:
		return max(off-1, 0)
	case ActPageFwd:
		return off + 10
	case ActPageBack:
		return max(off-10, 0)
	}
	return off
}

// stepped is a cursor in a list of n entries moved one entry by a scroll
// action (down, or up), kept within the list.
func stepped(i, n int, act Action) int {
	if act == ActScrollDown {
		return min(i+1, max(n-1, 0))
	}
	return max(i-1, 0)
}
