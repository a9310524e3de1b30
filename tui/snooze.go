package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/when"
)

// The snooze overlay: a preset (1, 2 or 3, then enter) or a typed time
// ("3h", "15:30", "2026-12-01 09:00"), with an optional "; note". The
// conversation comes back to the inbox when it is due.

// openSnooze asks until when; apply snoozes the targets.
func openSnooze(c *Common, h host, brand string, apply func(until time.Time, note, label string) tea.Cmd) tea.Cmd {
	parse := func(val string) tea.Cmd {
		note := ""
		if i := strings.IndexByte(val, ';'); i >= 0 {
			note = strings.TrimSpace(val[i+1:])
			val = strings.TrimSpace(val[:i])
		}
		until, err := when.Parse(val, c.now(), c.d.Calendar(brand))
		if err != nil {
			h.flash("snooze: "+when.Problem(err, snoozeTry), true)
			return nil
		}
		return apply(until, note, "Snoozed until "+until.Local().Format("Mon Jan 2 15:04"))
	}
	// The presets are typed like any time and take effect on enter: a
	// digit never fires on its own, so "3h" or "15:30" can be typed (and
	// nothing typed here ever reaches the queue).
	o := newPrompt(c, h, "Snooze until", "until › ", "", SnoozeHints, parse)
	return o.open()
}

// SnoozeHints are the snooze prompt's lines (also in `?` and the README).
var SnoozeHints = []string{
	"1 enter  in 1 hour", "2 enter  tomorrow 09:00 (business day)", "3 enter  next week (Monday 09:00)",
	"or type: 3h · 45m · 2d · 15:30 · 2026-12-01 09:00 · tue 10:00   (then a note after ';')", "",
}

// snoozeTry is what the snooze prompt's error suggests.
const snoozeTry = "1, 2, 3, 3h, 3d, tue 10:00, 15:30 or 2026-12-01 09:00"
