package triage

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo
)

func mustCal(t *testing.T, tz string, days map[string]string, holidays []string, always bool) *Calendar {
	t.Helper()
	c, err := NewCalendar(tz, days, holidays, always)
	if err != nil {
		t.Fatalf("NewCalendar: %v", err)
	}
	return c
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNewCalendarErrors(t *testing.T) {
	tests := []struct {
		name     string
		tz       string
		days     map[string]string
		holidays []string
		want     string
	}{
		{"bad zone", "Mars/Olympus", nil, nil, `time zone "Mars/Olympus"`},
		{"bad day", "", map[string]string{"funday": "09:00-17:00"}, nil, `unknown day "funday"`},
		{"bad range day", "", map[string]string{"mon-xyz": "09:00-17:00"}, nil, `unknown day "mon-xyz"`},
		{"hour 25", "", map[string]string{"mon": "09:00-25:00"}, nil, `mon "09:00-25:00": range "09:00-25:00": bad time "25:00"`},
		{"am/pm", "", map[string]string{"tue": "9am-5pm"}, nil, `bad time "9am"`},
		{"one minute digit", "", map[string]string{"tue": "9:0-17:00"}, nil, `bad time "9:0"`},
		{"24:00 start", "", map[string]string{"tue": "24:00-24:00"}, nil, `bad time "24:00"`},
		{"no dash", "", map[string]string{"wed": "09:00"}, nil, `range "09:00": want HH:MM-HH:MM`},
		{"backwards", "", map[string]string{"thu": "22:00-02:00"}, nil, "ends before it starts"},
		{"overlap", "", map[string]string{"fri": "09:00-12:00, 11:00-13:00"}, nil, "ranges 09:00-12:00 and 11:00-13:00 overlap"},
		{"twice", "", map[string]string{"mon-fri": "09:00-17:00", "wed": "10:00-12:00"}, nil, "wed is given twice"},
		{"bad holiday", "", nil, []string{"2026-12-25", "25.12.2026"}, `holiday "25.12.2026": want YYYY-MM-DD`},
		{"never open", "", map[string]string{"sat": "closed", "sun": ""}, nil, "no day has opening hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCalendar(tt.tz, tt.days, tt.holidays, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCalendarAdd(t *testing.T) {
	utc := time.UTC
	chicago := mustLoc(t, "America/Chicago")
	tallinn := mustLoc(t, "Europe/Tallinn")
	budapest := mustLoc(t, "Europe/Budapest")

	def := mustCal(t, "", nil, nil, false) // mon–fri 09:00–17:00 UTC
	lunch := mustCal(t, "UTC", map[string]string{"Mon-Fri": "08:00-12:00, 13:00-17:00"}, nil, false)
	chi := mustCal(t, "America/Chicago", map[string]string{"monday": "09:00-17:00", "tue-fri": "09:00-17:00"}, []string{"2026-01-19"}, false)
	tll := mustCal(t, "Europe/Tallinn", map[string]string{"mon-fri": "09:00-17:00", "sat": "10:00-14:00"},
		[]string{"2026-12-24", "2026-12-25", "2026-12-26"}, false)
	bud := mustCal(t, "Europe/Budapest", nil, nil, false)
	budSun := mustCal(t, "Europe/Budapest", map[string]string{"sun": "24h"}, nil, false)
	always := mustCal(t, "Europe/Budapest", nil, nil, true)
	alwaysHol := mustCal(t, "Europe/Budapest", nil, []string{"2026-03-28"}, true)

	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within the day", def, time.Date(2026, 3, 2, 10, 0, 0, 0, utc), time.Hour, time.Date(2026, 3, 2, 11, 0, 0, 0, utc)},
		{"ends at closing", def, time.Date(2026, 3, 2, 16, 0, 0, 0, utc), time.Hour, time.Date(2026, 3, 2, 17, 0, 0, 0, utc)},
		{"before opening", def, time.Date(2026, 3, 2, 6, 30, 0, 0, utc), 30 * time.Minute, time.Date(2026, 3, 2, 9, 30, 0, 0, utc)},
		{"overnight", def, time.Date(2026, 3, 2, 16, 30, 0, 0, utc), time.Hour, time.Date(2026, 3, 3, 9, 30, 0, 0, utc)},
		{"across a weekend", def, time.Date(2026, 3, 6, 16, 30, 0, 0, utc), time.Hour, time.Date(2026, 3, 9, 9, 30, 0, 0, utc)},
		{"from saturday", def, time.Date(2026, 3, 7, 12, 0, 0, 0, utc), 15 * time.Minute, time.Date(2026, 3, 9, 9, 15, 0, 0, utc)},
		{"several days", def, time.Date(2026, 3, 2, 9, 0, 0, 0, utc), 20 * time.Hour, time.Date(2026, 3, 4, 13, 0, 0, 0, utc)},
		{"two weeks", def, time.Date(2026, 3, 2, 9, 0, 0, 0, utc), 80 * time.Hour, time.Date(2026, 3, 13, 17, 0, 0, 0, utc)},
		{"skips lunch", lunch, time.Date(2026, 3, 2, 11, 30, 0, 0, utc), time.Hour, time.Date(2026, 3, 2, 13, 30, 0, 0, utc)},
		{"zero", def, time.Date(2026, 3, 7, 12, 0, 0, 0, utc), 0, time.Date(2026, 3, 7, 12, 0, 0, 0, utc)},
		// Chicago: Friday 16:30 CST + 1h → Monday 09:30 CST (15:30 UTC).
		{"chicago weekend", chi, time.Date(2026, 1, 9, 22, 30, 0, 0, utc), time.Hour, time.Date(2026, 1, 12, 15, 30, 0, 0, utc)},
		// Chicago: Friday 16:30 + 1h across a weekend and a Monday holiday (MLK day).
		{"chicago holiday", chi, time.Date(2026, 1, 16, 16, 30, 0, 0, chicago), time.Hour, time.Date(2026, 1, 20, 9, 30, 0, 0, chicago)},
		// Chicago across the US spring change (8 Mar 2026): Friday 16:00 CST + 2h = Monday 10:00 CDT (15:00 UTC, not 16:00).
		{"chicago DST", chi, time.Date(2026, 3, 6, 16, 0, 0, 0, chicago), 2 * time.Hour, time.Date(2026, 3, 9, 15, 0, 0, 0, utc)},
		// Tallinn: Wednesday 16:45 EET + 1h; 24–26 Dec are holidays, Sunday closed → Monday 28 Dec 09:45 EET.
		{"tallinn christmas", tll, time.Date(2026, 12, 23, 16, 45, 0, 0, tallinn), time.Hour, time.Date(2026, 12, 28, 9, 45, 0, 0, tallinn)},
		// Tallinn Saturday hours count.
		{"tallinn saturday", tll, time.Date(2026, 3, 6, 16, 30, 0, 0, tallinn), 2 * time.Hour, time.Date(2026, 3, 7, 11, 30, 0, 0, tallinn)},
		// Budapest, last Sunday of March 2026 (29th): Friday 16:00 CET + 2h = Monday 10:00 CEST = 08:00 UTC.
		{"budapest spring", bud, time.Date(2026, 3, 27, 15, 0, 0, 0, utc), 2 * time.Hour, time.Date(2026, 3, 30, 8, 0, 0, 0, utc)},
		// …and the last Sunday of October (25th): Friday 16:00 CEST + 2h = Monday 10:00 CET = 09:00 UTC.
		{"budapest autumn", bud, time.Date(2026, 10, 23, 14, 0, 0, 0, utc), 2 * time.Hour, time.Date(2026, 10, 26, 9, 0, 0, 0, utc)},
		// Sunday 29 March 2026 has 23 hours: 24h of business time ends at 01:00 the next Sunday.
		{"budapest short sunday", budSun, time.Date(2026, 3, 29, 0, 0, 0, 0, budapest), 24 * time.Hour, time.Date(2026, 4, 5, 1, 0, 0, 0, budapest)},
		// Sunday 25 October 2026 has 25 hours: 24h ends before midnight.
		{"budapest long sunday", budSun, time.Date(2026, 10, 25, 0, 0, 0, 0, budapest), 24 * time.Hour, time.Date(2026, 10, 25, 23, 0, 0, 0, budapest)},
		// 24/7 is wall-clock time, also across DST.
		{"always open", always, time.Date(2026, 3, 28, 23, 0, 0, 0, budapest), 5 * time.Hour, time.Date(2026, 3, 29, 5, 0, 0, 0, budapest)},
		{"always open with a holiday", alwaysHol, time.Date(2026, 3, 27, 23, 0, 0, 0, budapest), 2 * time.Hour, time.Date(2026, 3, 29, 1, 0, 0, 0, budapest)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.start, tt.d)
			if !got.Equal(tt.want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", tt.start, tt.d, got, tt.want)
			}
			if got.Location() != tt.start.Location() {
				t.Errorf("result in %v, want the start's location %v", got.Location(), tt.start.Location())
			}
			// Elapsed inverts Add when the start is in business hours.
			if tt.cal.Open(tt.start) && tt.d > 0 {
				if e := tt.cal.Elapsed(tt.start, got); e != tt.d {
					t.Errorf("Elapsed(start, Add(start, d)) = %v, want %v", e, tt.d)
				}
			}
		})
	}
}

func TestCalendarElapsed(t *testing.T) {
	utc := time.UTC
	budapest := mustLoc(t, "Europe/Budapest")
	def := mustCal(t, "", nil, nil, false)
	budSun := mustCal(t, "Europe/Budapest", map[string]string{"sun": "00:00-24:00"}, nil, false)
	hol := mustCal(t, "UTC", nil, []string{"2026-03-09"}, false)
	always := mustCal(t, "Europe/Budapest", nil, nil, true)
	alwaysHol := mustCal(t, "Europe/Budapest", nil, []string{"2026-03-28"}, true)
	tests := []struct {
		name     string
		cal      *Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"same day", def, time.Date(2026, 3, 2, 10, 0, 0, 0, utc), time.Date(2026, 3, 2, 12, 30, 0, 0, utc), 150 * time.Minute},
		{"weekend", def, time.Date(2026, 3, 6, 16, 0, 0, 0, utc), time.Date(2026, 3, 9, 10, 0, 0, 0, utc), 2 * time.Hour},
		{"closed all along", def, time.Date(2026, 3, 6, 18, 0, 0, 0, utc), time.Date(2026, 3, 9, 8, 0, 0, 0, utc), 0},
		{"full week", def, time.Date(2026, 3, 2, 0, 0, 0, 0, utc), time.Date(2026, 3, 9, 0, 0, 0, 0, utc), 40 * time.Hour},
		{"holiday monday", hol, time.Date(2026, 3, 6, 16, 0, 0, 0, utc), time.Date(2026, 3, 10, 10, 0, 0, 0, utc), 2 * time.Hour},
		{"backwards", def, time.Date(2026, 3, 9, 10, 0, 0, 0, utc), time.Date(2026, 3, 6, 16, 0, 0, 0, utc), -2 * time.Hour},
		{"spring sunday", budSun, time.Date(2026, 3, 28, 12, 0, 0, 0, budapest), time.Date(2026, 3, 30, 12, 0, 0, 0, budapest), 23 * time.Hour},
		{"autumn sunday", budSun, time.Date(2026, 10, 24, 12, 0, 0, 0, budapest), time.Date(2026, 10, 26, 12, 0, 0, 0, budapest), 25 * time.Hour},
		{"always open", always, time.Date(2026, 3, 28, 0, 0, 0, 0, budapest), time.Date(2026, 3, 30, 0, 0, 0, 0, budapest), 47 * time.Hour},
		{"always open but a holiday", alwaysHol, time.Date(2026, 3, 28, 0, 0, 0, 0, budapest), time.Date(2026, 3, 30, 0, 0, 0, 0, budapest), 23 * time.Hour},
	}
	for _, tt := range tests {
		if got := tt.cal.Elapsed(tt.from, tt.to); got != tt.want {
			t.Errorf("%s: Elapsed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCalendarOpen(t *testing.T) {
	chicago := mustLoc(t, "America/Chicago")
	chi := mustCal(t, "America/Chicago", nil, []string{"2026-07-03"}, false)
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 3, 2, 8, 59, 0, 0, chicago), false},
		{time.Date(2026, 3, 2, 9, 0, 0, 0, chicago), true},
		{time.Date(2026, 3, 2, 16, 59, 59, 0, chicago), true},
		{time.Date(2026, 3, 2, 17, 0, 0, 0, chicago), false},
		{time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), true},   // 09:00 CST
		{time.Date(2026, 3, 2, 14, 59, 0, 0, time.UTC), false}, // 08:59 CST
		{time.Date(2026, 3, 7, 12, 0, 0, 0, chicago), false},   // Saturday
		{time.Date(2026, 7, 3, 12, 0, 0, 0, chicago), false},   // holiday
		{time.Date(2026, 7, 2, 12, 0, 0, 0, chicago), true},
	}
	for _, tt := range tests {
		if got := chi.Open(tt.at); got != tt.want {
			t.Errorf("Open(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	if !mustCal(t, "", nil, nil, true).Open(time.Date(2026, 3, 7, 3, 0, 0, 0, time.UTC)) {
		t.Error("24/7 calendar closed on a Saturday night")
	}
}

func TestCalendarNext(t *testing.T) {
	budapest := mustLoc(t, "Europe/Budapest")
	tallinn := mustLoc(t, "Europe/Tallinn")
	bud := mustCal(t, "Europe/Budapest", nil, []string{"2026-04-06"}, false)
	tll := mustCal(t, "Europe/Tallinn", map[string]string{"mon-sat": "10:00-18:00"}, nil, false)
	always := mustCal(t, "UTC", nil, nil, true)
	tests := []struct {
		name      string
		cal       *Calendar
		at        time.Time
		hour, min int
		want      time.Time
	}{
		{"tomorrow", bud, time.Date(2026, 3, 3, 15, 0, 0, 0, budapest), 9, 0, time.Date(2026, 3, 4, 9, 0, 0, 0, budapest)},
		{"late night", bud, time.Date(2026, 3, 3, 23, 30, 0, 0, budapest), 9, 0, time.Date(2026, 3, 4, 9, 0, 0, 0, budapest)},
		{"friday to monday", bud, time.Date(2026, 3, 6, 15, 0, 0, 0, budapest), 9, 0, time.Date(2026, 3, 9, 9, 0, 0, 0, budapest)},
		{"over the DST weekend", bud, time.Date(2026, 3, 27, 18, 0, 0, 0, budapest), 9, 30, time.Date(2026, 3, 30, 9, 30, 0, 0, budapest)},
		{"easter monday holiday", bud, time.Date(2026, 4, 3, 12, 0, 0, 0, budapest), 9, 0, time.Date(2026, 4, 7, 9, 0, 0, 0, budapest)},
		// 23:30 UTC on Friday is already Saturday in Budapest.
		{"date in the calendar's zone", bud, time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), 9, 0, time.Date(2026, 3, 9, 9, 0, 0, 0, budapest)},
		{"saturday opens", tll, time.Date(2026, 3, 6, 12, 0, 0, 0, tallinn), 10, 0, time.Date(2026, 3, 7, 10, 0, 0, 0, tallinn)},
		{"always open", always, time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC), 8, 15, time.Date(2026, 3, 7, 8, 15, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := tt.cal.Next(tt.at, tt.hour, tt.min); !got.Equal(tt.want) {
			t.Errorf("%s: Next = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := bud.Next(time.Date(2026, 3, 3, 15, 0, 0, 0, budapest), 9, 0).Location(); got != bud.Location() {
		t.Errorf("Next in %v, want the calendar's zone", got)
	}
}
