package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/when"
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
		_, err := when.Parse(tc.in, now, nil)
		var te *when.Error
		if !errors.As(err, &te) {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := "snooze: " + when.Problem(err, snoozeTry); got != tc.snooze {
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
