package triage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hark-tui/hark/hours"
)

// Calendar is a brand's business hours: when the SLA clock runs. It is
// immutable and safe for concurrent use. All arithmetic happens in the
// calendar's time zone on absolute instants, so days with a DST change are
// an hour shorter or longer as they really are.
type Calendar struct {
	loc      *time.Location
	week     [7][]span // by time.Weekday
	holidays map[civil]bool
	always   bool // open 24/7 with no holidays: wall-clock arithmetic
	weekly   time.Duration
}

// span is an opening range in minutes after local midnight, end ≤ 24:00.
type span = hours.Span

// civil is a calendar date without a time zone.
type civil struct {
	y int
	m time.Month
	d int
}

// civilOf returns t's date in loc.
func civilOf(t time.Time, loc *time.Location) civil {
	y, m, d := t.In(loc).Date()
	return civil{y, m, d}
}

// addDays moves a date by n days (calendar arithmetic, no time zone).
func (c civil) addDays(n int) civil {
	y, m, d := time.Date(c.y, c.m, c.d+n, 12, 0, 0, 0, time.UTC).Date()
	return civil{y, m, d}
}

func (c civil) weekday() time.Weekday {
	return time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC).Weekday()
}

func (c civil) before(o civil) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

// at returns the instant of minute-of-day min on date c in loc; 24:00 is the
// next midnight.
func (c civil) at(min int, loc *time.Location) time.Time {
	return time.Date(c.y, c.m, c.d, min/60, min%60, 0, 0, loc)
}

// NewCalendar builds business hours.
//
//   - tz is an IANA time zone name ("" = UTC).
//   - days maps mon..sun (full names and ranges such as "mon-fri" work too)
//     to opening ranges, "09:00-17:00", several comma-separated
//     ("08:00-12:00, 13:00-17:00"); "closed" or "" closes the day and
//     "24h" opens it all day. A day not listed is closed. When days is
//     empty and the calendar is not always open, it defaults to mon–fri
//     09:00–17:00.
//   - holidays are closed dates, "YYYY-MM-DD", in the calendar's zone.
//   - alwaysOpen makes every day 00:00–24:00 (24/7); holidays still close.
func NewCalendar(tz string, days map[string]string, holidays []string, alwaysOpen bool) (*Calendar, error) {
	c := &Calendar{loc: time.UTC, holidays: map[civil]bool{}}
	if tz = strings.TrimSpace(tz); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("triage: business hours: time zone %q: %w", tz, err)
		}
		c.loc = loc
	}
	for _, h := range holidays {
		d, err := time.Parse("2006-01-02", strings.TrimSpace(h))
		if err != nil {
			return nil, fmt.Errorf("triage: business hours: holiday %q: want YYYY-MM-DD", h)
		}
		c.holidays[civil{d.Year(), d.Month(), d.Day()}] = true
	}
	switch {
	case alwaysOpen:
		for wd := range c.week {
			c.week[wd] = []span{{Start: 0, End: 24 * 60}}
		}
		c.always = len(c.holidays) == 0
	case len(days) == 0:
		for wd := time.Monday; wd <= time.Friday; wd++ {
			c.week[wd] = []span{{Start: 9 * 60, End: 17 * 60}}
		}
	default:
		if err := c.parseDays(days); err != nil {
			return nil, err
		}
	}
	for _, spans := range c.week {
		for _, s := range spans {
			c.weekly += time.Duration(s.End-s.Start) * time.Minute
		}
	}
	if c.weekly == 0 {
		return nil, fmt.Errorf("triage: business hours: no day has opening hours")
	}
	return c, nil
}

// parseDays fills c.week from the days map, in a stable order so errors are
// reproducible.
func (c *Calendar) parseDays(days map[string]string) error {
	keys := make([]string, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var set [7]bool
	for _, key := range keys {
		wds, err := hours.ParseDay(key)
		if err != nil {
			return err
		}
		spans, err := hours.ParseSpans(days[key])
		if err != nil {
			return fmt.Errorf("triage: business hours: %s %q: %w", key, days[key], err)
		}
		for _, wd := range wds {
			if set[wd] {
				return fmt.Errorf("triage: business hours: %s: %s is given twice", key, strings.ToLower(wd.String()[:3]))
			}
			set[wd] = true
			c.week[wd] = spans
		}
	}
	return nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// spansOn returns the opening intervals of date d as instants.
func (c *Calendar) spansOn(d civil, fn func(s, e time.Time) bool) {
	if c.holidays[d] {
		return
	}
	for _, sp := range c.week[d.weekday()] {
		s, e := d.at(sp.Start, c.loc), d.at(sp.End, c.loc)
		if !e.After(s) {
			continue // inside a DST gap
		}
		if !fn(s, e) {
			return
		}
	}
}

// maxDays bounds the day-by-day walks: enough for d of business time plus
// every holiday, with slack for DST days.
func (c *Calendar) maxDays(d time.Duration) int {
	return int(d/c.weekly)*7 + len(c.holidays) + 15
}

// Add returns the instant d of business time after start: the SLA deadline
// of a post that arrived at start. Closed hours, closed days and holidays do
// not count; d ≤ 0 returns start. The result is in start's location.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	if c.always {
		return start.Add(d)
	}
	var out time.Time
	found := false
	day := civilOf(start, c.loc)
	for n := c.maxDays(d); n > 0 && !found; n-- {
		c.spansOn(day, func(s, e time.Time) bool {
			if !e.After(start) {
				return true
			}
			if s.Before(start) {
				s = start
			}
			if avail := e.Sub(s); d > avail {
				d -= avail
				return true
			}
			out, found = s.Add(d), true
			return false
		})
		day = day.addDays(1)
	}
	if !found {
		return start.Add(d) // unreachable: every calendar has open hours
	}
	return out.In(start.Location())
}

// Elapsed returns the business time between from and to (negative when to
// is before from).
func (c *Calendar) Elapsed(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.Elapsed(to, from)
	}
	if c.always {
		return to.Sub(from)
	}
	var total time.Duration
	last := civilOf(to, c.loc)
	for day := civilOf(from, c.loc); !last.before(day); day = day.addDays(1) {
		c.spansOn(day, func(s, e time.Time) bool {
			if s.Before(from) {
				s = from
			}
			if e.After(to) {
				e = to
			}
			if e.After(s) {
				total += e.Sub(s)
			}
			return true
		})
	}
	return total
}

// Open reports whether t falls in business hours.
func (c *Calendar) Open(t time.Time) bool {
	if c.always {
		return true
	}
	open := false
	c.spansOn(civilOf(t, c.loc), func(s, e time.Time) bool {
		open = !t.Before(s) && t.Before(e)
		return !open
	})
	return open
}

// Next returns hour:min local time on the first business day after t's
// local date (a day with opening hours that is not a holiday): "snooze until
// tomorrow 9:00" on a Friday gives Monday 9:00. Out-of-range values
// normalise as in time.Date. The result is in the calendar's time zone.
func (c *Calendar) Next(t time.Time, hour, min int) time.Time {
	day := civilOf(t, c.loc).addDays(1)
	for n := 0; n < 8+len(c.holidays); n++ {
		if !c.holidays[day] && len(c.week[day.weekday()]) > 0 {
			break
		}
		day = day.addDays(1)
	}
	return time.Date(day.y, day.m, day.d, hour, min, 0, 0, c.loc)
}
