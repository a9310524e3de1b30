package hours

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Span is an opening range in minutes after local midnight, End ≤ 24:00.
type Span struct{ Start, End int }

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// Problem says what is wrong with one day's business hours.
type Problem int

// Kinds of business-hours problems.
const (
	BadDay    Problem = iota // not a day name or range of days
	BadRange                 // not HH:MM-HH:MM
	Backwards                // ends before it starts (crosses midnight)
	Overlap                  // two ranges of one day overlap
)

// Error is a business-hours problem with the text at fault (a day key
// or one range), so callers such as config validation can phrase it for
// their own users.
type Error struct {
	Problem Problem
	Text    string // the day key or the range at fault
	Msg     string
}

func (e *Error) Error() string { return e.Msg }

// Check validates one entry of a business-hours days map ("mon-fri":
// "09:00-17:00") with the rules triage's calendar applies.
func Check(day, hours string) error {
	if _, err := ParseDay(day); err != nil {
		return err
	}
	_, err := ParseSpans(hours)
	return err
}

// ParseDay reads "mon", "monday" or a range "mon-fri" (wrapping allowed:
// "fri-mon").
func ParseDay(key string) ([]time.Weekday, error) {
	k := strings.ToLower(strings.TrimSpace(key))
	from, to, isRange := strings.Cut(k, "-")
	badDay := &Error{Problem: BadDay, Text: key,
		Msg: fmt.Sprintf("triage: business hours: unknown day %q (want mon, tue, wed, thu, fri, sat, sun or a range like mon-fri)", key)}
	a, ok := dayNames[strings.TrimSpace(from)]
	if !ok {
		return nil, badDay
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, ok := dayNames[strings.TrimSpace(to)]
	if !ok {
		return nil, badDay
	}
	var out []time.Weekday
	for wd := a; ; wd = (wd + 1) % 7 {
		out = append(out, wd)
		if wd == b {
			return out, nil
		}
	}
}

// ParseSpans reads a day's opening ranges, "09:00-12:00, 13:00-17:00",
// sorted, with touching ranges merged; "closed" (or "") is none and "24h"
// the whole day.
func ParseSpans(v string) ([]Span, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "", "closed", "-", "off":
		return nil, nil
	case "24h", "24/7", "all day", "open":
		return []Span{{0, 24 * 60}}, nil
	}
	var spans []Span
	for _, r := range strings.Split(v, ",") {
		r = strings.TrimSpace(r)
		from, to, ok := strings.Cut(r, "-")
		if !ok {
			return nil, &Error{Problem: BadRange, Text: r, Msg: fmt.Sprintf("range %q: want HH:MM-HH:MM", r)}
		}
		s, err := parseClock(from, false)
		if err != nil {
			return nil, &Error{Problem: BadRange, Text: r, Msg: fmt.Sprintf("range %q: %v", r, err)}
		}
		e, err := parseClock(to, true)
		if err != nil {
			return nil, &Error{Problem: BadRange, Text: r, Msg: fmt.Sprintf("range %q: %v", r, err)}
		}
		if e <= s {
			return nil, &Error{Problem: Backwards, Text: r,
				Msg: fmt.Sprintf("range %q ends before it starts; split a range past midnight across two days (22:00-24:00 and 00:00-02:00)", r)}
		}
		spans = append(spans, Span{s, e})
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.Start < last.End {
			return nil, &Error{Problem: Overlap, Text: fmtSpan(s),
				Msg: fmt.Sprintf("ranges %s and %s overlap", fmtSpan(*last), fmtSpan(s))}
		}
		if s.Start == last.End {
			last.End = s.End
			continue
		}
		merged = append(merged, s)
	}
	return merged, nil
}

func fmtSpan(s Span) string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

// parseClock reads "9:00" or "09:00" into minutes; 24:00 only as an end.
func parseClock(s string, end bool) (int, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || len(hh) == 0 || len(hh) > 2 ||
		h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && (m != 0 || !end)) {
		return 0, fmt.Errorf("bad time %q (want HH:MM, 00:00 to 24:00)", s)
	}
	return h*60 + m, nil
}
