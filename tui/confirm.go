package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// confirm asks before something that cannot be taken back (a bulk reply):
// y or enter runs yes, n or esc runs no. A long body (scroll: every text
// of a bulk reply) scrolls with j/k, space and pgup/pgdown.
type confirm struct {
	host    host
	title   string
	body    []string
	yes, no func() tea.Cmd
	scroll  bool
	off     int
}

func (o *confirm) SetWidth(int) {}

func (o *confirm) Key(k tea.KeyPressMsg) tea.Cmd {
	switch localAction(confirmKeys, k.String()) {
	case ActYes:
		o.host.pop()
		return o.yes()
	case ActNo:
		o.host.pop()
		if o.no != nil {
			return o.no()
		}
		return nil
	}
	if o.scroll {
		o.off = scrolled(o.off, localAction(scrollKeys, k.String()))
	}
	return nil
}

func (o *confirm) View(w, h int) (string, []string) {
	body := o.body
	foot := "y / enter: go · n / esc: cancel"
	if room := max(h-8, 3); o.scroll && len(body) > room {
		o.off = max(0, min(o.off, len(body)-room))
		end := min(len(body), o.off+room)
		body = body[o.off:end:end]
		foot = fmt.Sprintf("lines %d–%d of %d · j/k space scroll · ", o.off+1, end, len(o.body)) + foot
	}
	return o.title, append(append([]string{}, body...), "", foot)
}
