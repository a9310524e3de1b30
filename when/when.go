package when

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Next gives the next business day after t at h:m, in the brand's time
// zone (triage.Calendar.Next); nil means the next calendar day.
type Next func(t time.Time, h, m int) time.Time

// Parse reads a time an operator typed, relative to now:
//
//   - the presets 1 (in an hour), 2 or "tomorrow" (the next business day
//     at 09:00) and 3 or "next week" (the next business Monday at 09:00);
//   - a duration: 45m, 3h, 1h30m, 2d;
//   - a weekday, "tue" or "tuesday 10:00": the next such day (today if
//     the time is still ahead), at 09:00 unless a time is given;
//   - a time of day, 15:30: today, or tomorrow once it has passed;
//   - a date, 2026-12-01 09:00 (or 2026-12-01T09:00, or 2026-12-01 for
//     09:00 that day), in now's location.
//
// A value it cannot read, or a date already past, is an *Error.
func Parse(val string, now time.Time, next Next) (time.Time, error) {
	val = strings.TrimSpace(val)
	if next == nil {
		next = func(t time.Time, h, mi int) time.Time {
			d := t.AddDate(0, 0, 1)
			return time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, t.Location())
		}
	}
	switch strings.ToLower(val) {
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
	if at, ok := weekday(val, now); ok {
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
				return t, &Error{Val: val, Past: true}
			}
			return t, nil
		}
	}
	return time.Time{}, &Error{Val: val}
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// weekday reads "tue", "tuesday", "tue 10:00": the next such day (today
// if the time is still ahead), at 09:00 unless a time is given.
func weekday(val string, now time.Time) (time.Time, bool) {
	f := strings.Fields(strings.ToLower(val))
	if len(f) == 0 || len(f) > 2 || len(f[0]) < 3 {
		return time.Time{}, false
	}
	wd, ok := weekdays[f[0][:3]]
	if !ok || (len(f[0]) > 3 && !strings.HasPrefix(strings.ToLower(wd.String()), f[0])) {
		return time.Time{}, false
	}
	h, mi := 9, 0
	if len(f) == 2 {
		t, err := time.Parse("15:04", f[1])
		if err != nil {
			return time.Time{}, false
		}
		h, mi = t.Hour(), t.Minute()
	}
	loc := now.Location()
	for d := 0; d <= 7; d++ {
		day := now.AddDate(0, 0, d)
		at := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, loc)
		if day.Weekday() == wd && at.After(now) {
			return at, true
		}
	}
	return time.Time{}, false
}

// Error is a value Parse cannot take: not a time, or a time past.
type Error struct {
	Val  string
	Past bool
}

func (e *Error) Error() string {
	if e.Past {
		return e.Val + " is in the past"
	}
	return fmt.Sprintf("%q is not a time", e.Val)
}

// Problem is err's text with what to try instead when err says that a
// value is not a time (a time past needs no example).
func Problem(err error, try string) string {
	var te *Error
	if errors.As(err, &te) && !te.Past {
		return err.Error() + " (try " + try + ")"
	}
	return err.Error()
}
