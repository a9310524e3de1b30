package when

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC) // a Friday
	next := func(t time.Time, h, m int) time.Time {       // business days only
		d := t.AddDate(0, 0, 1)
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = d.AddDate(0, 0, 1)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, t.Location())
	}
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"1", now.Add(time.Hour), false},
		{"2", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), false}, // Monday, the next business day
		{"3", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), false}, // next week's Monday
		{"3h", now.Add(3 * time.Hour), false},
		{"15:30", time.Date(2026, 11, 21, 15, 30, 0, 0, time.UTC), false}, // passed today: tomorrow
		{"2026-12-01 09:00", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), false},
		{"2026-11-01", time.Time{}, true},
		{"soon", time.Time{}, true},
		{"  Tomorrow ", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), false}, // typed words: case and spaces do not matter
		{"next week", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), false},
		{" 2d", time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC), false},
		{"-3h", time.Time{}, true},
		{"0d", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, now, next)
		if (err != nil) != tt.err || !tt.err && !got.Equal(tt.want) {
			t.Errorf("%q: %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseWeekdays(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) // Monday
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"tue 10:00", time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)},
		{"Tuesday", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
		{"mon 09:00", time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}, // today's 09:00 is past
		{"mon 17:00", time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)},
		{"3d", time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)},
		{"2026-12-24 09:00", time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC)},
	} {
		got, err := Parse(tc.in, now, nil)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"tu", "tux 10:00", "tue 25:00", "tue 10:00 x"} {
		if _, err := Parse(bad, now, nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// An *Error says whether the value is not a time or one past; Problem
// adds what to try only to the first.
func TestProblem(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ in, want string }{
		{"banana", `"banana" is not a time (try 3h or tue 10:00)`},
		{"2020-01-01 10:00", "2020-01-01 10:00 is in the past"},
		{"2026-11-23", "2026-11-23 is in the past"}, // 09:00 today has passed
	} {
		_, err := Parse(tc.in, now, nil)
		var te *Error
		if !errors.As(err, &te) {
			t.Fatalf("%q: %v is not an *Error", tc.in, err)
		}
		if got := Problem(err, "3h or tue 10:00"); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := Problem(errors.New("store closed"), "3h"); got != "store closed" {
		t.Errorf("another error: %s", got)
	}
}
