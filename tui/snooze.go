package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
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
		until, err := ParseSnooze(val, c.now(), c.d.Calendar(brand))
		if err != nil {
			h.flash("snooze: "+TimeProblem(err, snoozeTry), true)
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

// ParseSnooze reads a snooze preset or time. next(t, h, m) gives the next
// business day at h:m (nil: the next calendar day).
func ParseSnooze(val string, now time.Time, next func(time.Time, int, int) time.Time) (time.Time, error) {
	if next == nil {
		next = func(t time.Time, h, mi int) time.Time {
			d := t.AddDate(0, 0, 1)
			return time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, t.Location())
		}
	}
	switch val {
	case "1", "1h":
		return now.Add(time.Hour), nil
	case "2", "tomorrow":
		return next(now, 9, 0), nil
	case "3", "next week":
		d := now
		for {
			d = next(d, 9, 0)
			if d.Weekday() == time.Monday || d.Sub(now) > 8*24*time.Hour {
				return d, nil
			}
		}
	}
	if d, err := time.ParseDuration(val); err == nil && d > 0 {
		return now.Add(d), nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(val, "d")); err == nil && strings.HasSuffix(val, "d") && n > 0 {
		return now.AddDate(0, 0, n), nil
	}
	if at, ok := parseWeekday(val, now); ok {
		return at, nil
	}
	loc := now.Location()
	if t, err := time.ParseInLocation("15:04", val, loc); err == nil {
		at := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, val, loc); err == nil {
			if layout == "2006-01-02" {
				t = t.Add(9 * time.Hour)
			}
			if !t.After(now) {
				return t, &TimeError{Val: val, Past: true}
			}
			return t, nil
		}
	}
	return time.Time{}, &TimeError{Val: val}
}

// TimeError is a time ParseSnooze cannot take: not a time, or one past.
type TimeError struct {
	Val  string
	Past bool
}

func (e *TimeError) Error() string {
	if e.Past {
		return e.Val + " is in the past"
	}
	return fmt.Sprintf("%q is not a time", e.Val)
}

// TimeProblem is err's text with what to try instead when err says that
// a value is not a time (a time past needs no example).
func TimeProblem(err error, try string) string {
	var te *TimeError
	if errors.As(err, &te) && !te.Past {
		return err.Error() + " (try " + try + ")"
	}
	return err.Error()
}

// snoozeTry is what the snooze prompt's error suggests.
const snoozeTry = "1, 2, 3, 3h, 3d, tue 10:00, 15:30 or 2026-12-01 09:00"
