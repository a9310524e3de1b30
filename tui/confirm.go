package tui

import tea "charm.land/bubbletea/v2"

// confirm asks before something that cannot be taken back (a bulk reply):
// y or enter runs yes, n or esc runs no.
type confirm struct {
	host    host
	title   string
	body    []string
	yes, no func() tea.Cmd
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
	}
	return nil
}

func (o *confirm) View(w, h int) (string, []string) {
	return o.title, append(append([]string{}, o.body...), "", "y / enter: go · n / esc: cancel")
}
