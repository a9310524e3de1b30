package tui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// stats is the stats overlay: first-response times, SLA and volumes,
// computed in a Cmd by Deps.Stats for the screen's width.
type stats struct {
	*help // the report, scrolled as the help is (it is longer than 24 lines)
}

// statsMsg is the rendered stats.
type statsMsg struct{ text string }

func newStats(c *Common, h host) *stats {
	return &stats{newScroll(c, h, "Stats", []string{"computing…"})}
}

// load computes the stats in a Cmd.
func (o *stats) load() tea.Cmd {
	fn := o.d.Stats
	if fn == nil {
		return func() tea.Msg { return statsMsg{"stats are not available"} }
	}
	w := o.w - 8
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(o.ctx, 30*time.Second)
		defer cancel()
		s, err := fn(ctx, w)
		if err != nil {
			return statsMsg{"stats: " + err.Error()}
		}
		return statsMsg{s}
	}
}

// Update handles the overlay's message: the stats, rendered.
func (o *stats) Update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(statsMsg); ok {
		o.lines = strings.Split(strings.TrimRight(msg.text, "\n"), "\n")
		return nil, true
	}
	return nil, false
}
