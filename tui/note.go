package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// The note overlay: a free-text note on the contact, shown in the
// conversation header of every conversation with them.

// contactSavedMsg reloads the open conversation's contact after an edit.
type contactSavedMsg struct{ id string }

func openNote(c *Common, h host, cv social.Conversation, notes string) tea.Cmd {
	return newPrompt(c, h, "Note on contact", "note › ", notes, nil, func(val string) tea.Cmd {
		return editContact(c, cv, func(ct *store.Contact) { ct.Notes = val })
	}).open()
}

// editContact changes the conversation's contact in a Cmd.
func editContact(c *Common, cv social.Conversation, edit func(*store.Contact)) tea.Cmd {
	op, id := c.op, cv.ID
	return func() tea.Msg {
		if err := op.EditContact(id, edit); err != nil {
			return doneMsg{err: err}
		}
		return contactSavedMsg{id: id}
	}
}
