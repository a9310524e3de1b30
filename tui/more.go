package tui

import tea "charm.land/bubbletea/v2"

// moreKeys handles the root's actions added with scheduled messages,
// status posts and media (kept apart from actions.go's switch).
func (m *Model) moreKeys(act Action) (tea.Cmd, bool) {
	switch act {
	case ActStatusPost:
		brand := m.statusBrand()
		if brand == "" {
			m.flash("No brand to post for", true)
			return nil, true
		}
		return newStatusCompose(m.Common, m, brand, nil).open(), true
	case ActStatuses:
		return m.openStatusList(), true
	case ActMedia:
		m.conv.nextMedia()
		return m.previewSelected(), true
	case ActScheduled:
		m.push(&scheduledView{Common: m.Common, host: m, list: &m.outboxList})
		return m.loadOutbox(), true
	}
	return nil, false
}

// moreHelp are the scheduled and status overlays' own key tables, which
// `?` lists with the others (legend.go).
var moreHelp = [][]binding{scheduledKeys, statusComposeKeys, statusListKeys}
