package tui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// Undo (U): the operator's last resolve, snooze, state change, tag, note,
// VIP flag or bulk action is taken back, and so is a reply still waiting
// out its undo-send window in the outbox (its text goes back into the
// composer). Each action run in a Cmd returns, with its result, how to
// take it back; the root keeps the last few, newest on top.

// undo is one action that can be taken back.
type undo struct {
	label string         // what it did ("Resolved: 3 conversations")
	run   func() tea.Msg // takes it back (in a Cmd)
}

const maxUndo = 20

// pushUndo remembers an action that can be taken back.
func (m *Model) pushUndo(u *undo) {
	if u == nil {
		return
	}
	if len(m.undos) >= maxUndo {
		m.undos = append(m.undos[:0:0], m.undos[1:]...)
	}
	m.undos = append(m.undos, *u)
}

// undoLast takes the last action back.
func (m *Model) undoLast() tea.Cmd {
	n := len(m.undos)
	if n == 0 {
		m.flash("Nothing to undo", true)
		return nil
	}
	u := m.undos[n-1]
	m.undos = m.undos[:n-1]
	m.flash("Undoing: "+u.label, false)
	return u.run
}

// restorePair is a conversation before and after an action.
type restorePair struct{ prev, after social.Conversation }

// restoreUndo takes conversations back to their state before an action.
func restoreUndo(ctx context.Context, op *engine.Operator, label string, pairs []restorePair) *undo {
	if len(pairs) == 0 {
		return nil
	}
	return &undo{label: label, run: func() tea.Msg {
		var errs []string
		for _, p := range pairs {
			if _, err := op.Restore(ctx, p.prev.ID, p.prev, p.after); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) > 0 {
			return doneMsg{err: fmt.Errorf("undo %s: %d of %d not undone: %s", label, len(errs), len(pairs), strings.Join(errs, "; "))}
		}
		return doneMsg{flash: "Undone: " + label, sel: pairs[0].prev.ID}
	}}
}

// contactUndo puts back the fields of a contact an edit changed.
func contactUndo(ctx context.Context, op *engine.Operator, label string, c social.Conversation, before, after store.Contact) *undo {
	return &undo{label: label, run: func() tea.Msg {
		err := op.EditContact(ctx, c.ID, func(ct *store.Contact) {
			if ct.Notes == after.Notes {
				ct.Notes = before.Notes
			}
			if strings.Join(ct.Tags, "\x00") == strings.Join(after.Tags, "\x00") {
				ct.Tags = before.Tags
			}
			if ct.VIP == after.VIP {
				ct.VIP = before.VIP
			}
		})
		if err != nil {
			return doneMsg{err: fmt.Errorf("undo %s: %w", label, err)}
		}
		return contactSavedMsg{id: c.ID, flash: "Undone: " + label}
	}}
}

// unsentMsg is a reply taken back from the outbox: its text goes back
// into the composer.
type unsentMsg struct {
	edit  editMsg
	flash string
}

// unsendUndo takes back held replies; one alone goes back into the
// composer (text is what the operator wrote, without the signature).
func unsendUndo(ctx context.Context, op *engine.Operator, label string, seqs []uint64, edit *editMsg) *undo {
	return &undo{label: label, run: func() tea.Msg {
		var errs []string
		n := 0
		for _, seq := range seqs {
			if _, err := op.Unsend(ctx, seq); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			n++
		}
		if len(errs) > 0 {
			return doneMsg{err: fmt.Errorf("%d of %d replies taken back; %s", n, len(seqs), strings.Join(errs, "; "))}
		}
		if edit != nil {
			return unsentMsg{edit: *edit, flash: "Reply taken back: it is in the composer again (not sent)"}
		}
		return doneMsg{flash: fmt.Sprintf("%d replies taken back (not sent)", n)}
	}}
}
