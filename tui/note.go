package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// The note overlay: a free-text note on the contact, shown in the
// conversation header of every conversation with them.

// contactSavedMsg reloads the open conversation's contact after an edit.
type contactSavedMsg struct {
	id    string
	flash string // "" = "Contact saved"
	undo  *undo
}

func openNote(c *Common, h host, cv social.Conversation, notes string) tea.Cmd {
	return newPrompt(c, h, "Note on contact", "note › ", notes, nil, func(val string) tea.Cmd {
		return editContact(c, cv, "note", func(ct *store.Contact) { ct.Notes = val })
	}).open()
}

// editContact changes the conversation's contact in a Cmd; what names the
// change for the flash and the undo ("note", "tags", "VIP flag").
func editContact(c *Common, cv social.Conversation, what string, edit func(*store.Contact)) tea.Cmd {
	op, st, id := c.op, c.st, cv.ID
	return func() tea.Msg {
		before, _ := st.Contact(c.ctx, cv.Network, cv.Contact.Handle)
		if err := op.EditContact(c.ctx, id, edit); err != nil {
			return doneMsg{err: err}
		}
		after, err := st.Contact(c.ctx, cv.Network, cv.Contact.Handle)
		msg := contactSavedMsg{id: id, flash: "Contact " + what + " saved"}
		if err == nil {
			msg.undo = contactUndo(c.ctx, op, what+" of "+cv.Network.At(cv.Contact.Handle), cv, before, after)
		}
		return msg
	}
}
