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
	*Common
	host host
	text string
}

// statsMsg is the rendered stats.
type statsMsg struct{ text string }

func newStats(c *Common, h host) *stats { return &stats{Common: c, host: h, text: "computing…"} }

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

func (o *stats) SetWidth(int) {}

func (o *stats) Key(k tea.KeyPressMsg) tea.Cmd {
	if o.km.Local(scrollKeys, k.String()) == ActClose {
		o.host.pop()
	}
	return nil
}

func (o *stats) View(w, h int) (string, []string) { return "Stats", strings.Split(o.text, "\n") }

// Update handles the overlay's message: the stats, rendered.
func (o *stats) Update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(statsMsg); ok {
		o.text = msg.text
		return nil, true
	}
	return nil, false
}
