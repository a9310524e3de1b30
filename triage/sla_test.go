package triage

import (
	"testing"
	"time"
)

func TestSLA(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	tests := []struct {
		name       string
		since, due time.Time
		want       SLAState
		left       time.Duration
	}{
		{"plenty left", at(-10 * time.Minute), at(50 * time.Minute), OK, 50 * time.Minute},
		{"exactly 25% left", at(-45 * time.Minute), at(15 * time.Minute), OK, 15 * time.Minute},
		{"under 25% left", at(-51 * time.Minute), at(9 * time.Minute), AtRisk, 9 * time.Minute},
		{"at the deadline", at(-time.Hour), now, AtRisk, 0},
		{"breached", at(-72 * time.Minute), at(-12 * time.Minute), Breached, -12 * time.Minute},
		{"unknown window, 20m left", time.Time{}, at(20 * time.Minute), OK, 20 * time.Minute},
		{"unknown window, 10m left", time.Time{}, at(10 * time.Minute), AtRisk, 10 * time.Minute},
		{"since after due", at(time.Hour), at(10 * time.Minute), AtRisk, 10 * time.Minute},
		{"no deadline", at(-time.Hour), time.Time{}, OK, 0},
	}
	for _, tt := range tests {
		state, left := SLA(tt.since, tt.due, now)
		if state != tt.want || left != tt.left {
			t.Errorf("%s: SLA = %v, %v; want %v, %v", tt.name, state, left, tt.want, tt.left)
		}
	}
}

func TestCalendarSLA(t *testing.T) {
	cal, err := NewCalendar("UTC", nil, nil, false) // mon–fri 09–17
	if err != nil {
		t.Fatal(err)
	}
	fri := func(h, m int) time.Time { return time.Date(2026, 3, 6, h, m, 0, 0, time.UTC) }
	mon := func(h, m int) time.Time { return time.Date(2026, 3, 9, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name            string
		since, due, now time.Time
		want            SLAState
		left            time.Duration
	}{
		{"friday, time left", fri(16, 5), mon(9, 5), fri(16, 20), OK, 45 * time.Minute},
		{"friday, at risk", fri(16, 5), mon(9, 5), fri(16, 55), AtRisk, 10 * time.Minute},
		{"weekend, clock stopped", fri(16, 5), mon(9, 5), time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC), AtRisk, 5 * time.Minute},
		{"monday, breached", fri(16, 5), mon(9, 5), mon(9, 17), Breached, -12 * time.Minute},
		{"no deadline", fri(16, 5), time.Time{}, fri(16, 6), OK, 0},
	}
	for _, tt := range tests {
		state, left := cal.SLA(tt.since, tt.due, tt.now)
		if state != tt.want || left != tt.left {
			t.Errorf("%s: SLA = %v, %v; want %v, %v", tt.name, state, left, tt.want, tt.left)
		}
	}
}

func TestSLAStateString(t *testing.T) {
	for s, want := range map[SLAState]string{OK: "ok", AtRisk: "at-risk", Breached: "breached", 7: "sla(7)"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
}

func TestCountdown(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{42 * time.Minute, "42m"},
		{65 * time.Minute, "1h05m"},
		{-12 * time.Minute, "-12m"},
		{0, "0m"},
		{20 * time.Second, "0m"},
		{-20 * time.Second, "0m"},
		{59 * time.Second, "1m"},
		{59*time.Minute + 40*time.Second, "1h00m"},
		{10*time.Hour + 3*time.Minute, "10h03m"},
		{26 * time.Hour, "1d02h"},
		{-(49*time.Hour + 30*time.Minute), "-2d01h"},
	}
	for _, tt := range tests {
		if got := Countdown(tt.d); got != tt.want {
			t.Errorf("Countdown(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
