package triage

import (
	"fmt"
	"time"
)

// SLAState says how a conversation stands against its response deadline.
type SLAState int

// SLA states.
const (
	OK       SLAState = iota // no deadline, or plenty of time left
	AtRisk                   // under 25 % of the window left
	Breached                 // the deadline has passed
)

func (s SLAState) String() string {
	switch s {
	case OK:
		return "ok"
	case AtRisk:
		return "at-risk"
	case Breached:
		return "breached"
	}
	return fmt.Sprintf("sla(%d)", int(s))
}

// atRiskShare: a conversation is at risk with less than 1/atRiskShare of
// its SLA window left.
const atRiskShare = 4

// SLA returns the state of a deadline in wall-clock time and the time left
// (negative once breached). The window runs from waitingSince to due; when
// waitingSince is zero or not before due, the last 15 minutes are at risk.
// A zero due is OK with nothing left.
func SLA(waitingSince, due, now time.Time) (state SLAState, left time.Duration) {
	if due.IsZero() {
		return OK, 0
	}
	left = due.Sub(now)
	var window time.Duration
	if !waitingSince.IsZero() {
		window = due.Sub(waitingSince)
	}
	return slaState(left, window), left
}

// SLA is like the function SLA, but measures the time left and the window
// in business time: a deadline due at 09:05 on Monday is at risk at 16:55 on
// Friday, with 10 minutes left. Once breached, left is the wall-clock time
// since the deadline, negative.
func (c *Calendar) SLA(waitingSince, due, now time.Time) (state SLAState, left time.Duration) {
	if due.IsZero() {
		return OK, 0
	}
	if now.After(due) {
		return Breached, due.Sub(now)
	}
	left = c.Elapsed(now, due)
	var window time.Duration
	if !waitingSince.IsZero() {
		window = c.Elapsed(waitingSince, due)
	}
	return slaState(left, window), left
}

func slaState(left, window time.Duration) SLAState {
	switch {
	case left < 0:
		return Breached
	case window <= 0:
		if left < unknownWindowMin {
			return AtRisk
		}
		return OK
	case left*atRiskShare < window:
		return AtRisk
	}
	return OK
}

// Countdown formats a duration for the queue, rounded to the minute:
// "42m", "1h05m", "2d03h", "-12m" when overdue.
func Countdown(left time.Duration) string {
	neg := left < 0
	if neg {
		left = -left
	}
	m := int((left + 30*time.Second) / time.Minute)
	var s string
	switch {
	case m < 60:
		s = fmt.Sprintf("%dm", m)
	case m < 24*60:
		s = fmt.Sprintf("%dh%02dm", m/60, m%60)
	default:
		s = fmt.Sprintf("%dd%02dh", m/(24*60), m%(24*60)/60)
	}
	if neg && m > 0 {
		s = "-" + s
	}
	return s
}
