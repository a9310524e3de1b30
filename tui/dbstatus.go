package tui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/store"
)

// A database that cannot be reached (PostgreSQL down, network lost) never
// hangs the screen: every store call runs in a Cmd with a bound, a failed
// action says so in one line, the status line shows the database is
// unreachable, and a probe on the clock tick notices it is back (the pool
// reconnects by itself) and reloads the queue.

// dbProbeMsg is the result of probing an unreachable database.
type dbProbeMsg struct{ err error }

// dbError notes err: true when it says the database is unreachable.
func (m *Model) dbError(err error) bool {
	if err == nil || !errors.Is(err, store.ErrUnavailable) {
		return false
	}
	m.dbDown = true
	return true
}

// failText is the one line an action's error shows.
func (m *Model) failText(err error) string {
	if m.dbError(err) {
		return "database unreachable: nothing was changed; hark reconnects by itself"
	}
	return err.Error()
}

// probeDB checks the database on the tick: while it is down, and always
// on a database server (so an idle screen learns it went away too; a
// bbolt file in the process cannot).
func (m *Model) probeDB() tea.Cmd {
	if !m.dbDown && m.st.Backend() == "bbolt" {
		return nil
	}
	st := m.st
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(m.ctx, 3*time.Second)
		defer cancel()
		_, err := st.Counts(ctx)
		return dbProbeMsg{err}
	}
}

func (m *Model) onDBProbe(msg dbProbeMsg) tea.Cmd {
	if msg.err != nil {
		m.dbError(msg.err)
		return nil
	}
	if !m.dbDown {
		return nil
	}
	m.dbDown = false
	m.flash("database reachable again", false)
	return tea.Batch(m.loadRefs(), m.loadOutbox())
}

// actErrors is the errors of an action on several conversations, as one
// line, still matching what caused them (errors.Is).
type actErrors struct {
	msg  string
	errs []error
}

func (e actErrors) Error() string   { return e.msg }
func (e actErrors) Unwrap() []error { return e.errs }
