package tui

import tea "charm.land/bubbletea/v2"

// moreKeys handles the root's actions added with scheduled messages,
// status posts and media (kept apart from actions.go's switch).
func (m *Model) moreKeys(act Action) (tea.Cmd, bool) {
	switch act {
	case ActScheduled:
		m.push(&scheduledView{Common: m.Common, host: m, list: &m.outboxList})
		return m.loadOutbox(), true
	}
	return nil, false
}

// moreHelp are the overlays' own key tables `?` lists after the composer's.
var moreHelp = [][]binding{scheduledKeys}
