package tui

import (
	"context"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
)

// LoadNow reads the list as Init would, synchronously (tests).
func (m *Model) LoadNow() { m.Update(m.loadRefs()()) }

// TeamEvent applies the next event of the team registry, waiting at most
// d; false if none came.
func (m *Model) TeamEvent(d time.Duration) bool {
	select {
	case ev, ok := <-m.team.events:
		if ok {
			m.Update(teamMsg{ev})
		}
		return ok
	case <-time.After(d):
		return false
	}
}

// Screen is the current frame without styling.
func (m *Model) Screen() string { return ansi.Strip(m.render()) }

// RunOn is Run with the program's output going to out (tests).
func RunOn(ctx context.Context, m *Model, out io.Writer, opts ...tea.ProgramOption) error {
	return run(ctx, m, out, opts...)
}
