package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/config"
)

func TestKeymapOverrides(t *testing.T) {
	km, err := NewKeymap(map[string]string{"reply": "a, ctrl+r", "refresh": "F5"})
	if err != nil {
		t.Fatal(err)
	}
	if km.Action("a") != ActReply || km.Action("ctrl+r") != ActReply || km.Action("r") != "" {
		t.Fatal("override not applied")
	}
	help := strings.Join(km.HelpLines(), "\n")
	if !strings.Contains(help, "a ctrl+r") || !strings.Contains(help, "reply publicly") {
		t.Fatalf("help is not generated from the table:\n%s", help)
	}
	for _, tt := range []struct {
		keys map[string]string
		want string
	}{
		{map[string]string{"fly": "x"}, `unknown action fly`},
		{map[string]string{"reply": "j"}, `"j" is bound to both`},
	} {
		if _, err := NewKeymap(tt.keys); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.keys, err, tt.want)
		}
	}
}

func TestThemeColors(t *testing.T) {
	th := darkTheme()
	if err := th.apply(map[string]string{"accent": "#112233", "URGENT": "196"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]string{{"glow": "#fff"}, {"accent": "reddish"}, {"dim": "256"}} {
		if err := th.apply(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestParseSnooze(t *testing.T) {
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
	}
	for _, tt := range tests {
		got, err := ParseSnooze(tt.in, now, next)
		if (err != nil) != tt.err || !tt.err && !got.Equal(tt.want) {
			t.Errorf("%q: %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSnoozeWeekdays(t *testing.T) {
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
		got, err := ParseSnooze(tc.in, now, nil)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"tu", "tux 10:00", "tue 25:00", "tue 10:00 x"} {
		if _, err := ParseSnooze(bad, now, nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A time that cannot be taken says which way: not a time (with what to
// try), or one in the past (which is a time: no example), whichever
// prompt or flag asked.
func TestTimeErrors(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in, snooze, later string
	}{
		{"banana", `snooze: "banana" is not a time (try 1, 2, 3, 3h, 3d, tue 10:00, 15:30 or 2026-12-01 09:00)`,
			`send later: "banana" is not a time (try ` + laterHint + `)`},
		{"2020-01-01 10:00", "snooze: 2020-01-01 10:00 is in the past", "send later: 2020-01-01 10:00 is in the past"},
	} {
		_, err := ParseSnooze(tc.in, now, nil)
		var te *TimeError
		if !errors.As(err, &te) {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := "snooze: " + TimeProblem(err, snoozeTry); got != tc.snooze {
			t.Errorf("snooze %q: %s", tc.in, got)
		}
		if _, _, err := parseLater(tc.in, now, nil); err == nil || err.Error() != tc.later {
			t.Errorf("send later %q: %v", tc.in, err)
		}
	}
}

// The example config lists every action name a user can rebind.
func TestExampleConfigListsEveryAction(t *testing.T) {
	ex := string(config.Example())
	i := strings.Index(ex, "# Action names")
	if i < 0 {
		t.Fatal("config example lost its list of action names")
	}
	lines := strings.Split(ex[i:], "\n")
	_, first, _ := strings.Cut(lines[0], "):")
	listed := strings.Fields(first)
	for _, line := range lines[1:] {
		if !strings.HasPrefix(line, "# ") {
			break
		}
		listed = append(listed, strings.Fields(strings.TrimPrefix(line, "# "))...)
	}
	var names []string
	for _, b := range defaultBindings {
		names = append(names, string(b.act))
	}
	slices.Sort(listed)
	slices.Sort(names)
	if !slices.Equal(listed, names) {
		t.Fatalf("example lists %v\nkeymap has   %v", listed, names)
	}
}

// The palette runs an action as its key: every key of every table must
// come back as itself.
func TestKeyOfRoundTrip(t *testing.T) {
	var tables [][]binding
	tables = append(tables, defaultBindings, rootKeys, composerKeys, pickerKeys, promptKeys, scrollKeys)
	for _, tb := range tables {
		for _, b := range tb {
			for _, k := range b.keys {
				if got := keyOf(k).String(); got != k {
					t.Errorf("%s: keyOf(%q) is %q", b.act, k, got)
				}
			}
		}
	}
}
