package tui

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/team"
)

// section is the README's text from the line starting with from up to the
// next blank line after it.
func readmeTable(t *testing.T, head string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, head)
	if i < 0 {
		t.Fatalf("README has no table %q", head)
	}
	s = s[i:]
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j]
	}
	return s
}

// `?` lists every binding of every table (F, the picker, the prompts, the
// snooze presets, the composer's editing keys) and the legend; the
// README's key table names every action's keys and its legend every mark
// of `?`'s legend (the issue: `?` missed bindings, nothing explained the
// notation).
func TestHelpReadmeAndLegendAgree(t *testing.T) {
	eng := emptyEngine(t)
	for _, teamMode := range []bool{false, true} {
		d := Deps{Engine: eng, Now: func() time.Time { return time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) }}
		if teamMode {
			reg := team.New(eng, team.Options{})
			s := reg.Join(t.Context(), social.Actor{Name: "Jane Doe", Initials: "JD"}, nil)
			defer s.Close()
			d.Team = s
		}
		m, err := New(d)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		help := strings.Join(m.helpLines(), "\n")
		tables := [][]binding{defaultBindings, rootKeys, composerKeys, editingKeys(), pickerKeys, promptKeys, snoozeKeys(), scrollKeys, outboxKeys, confirmKeys}
		for _, tb := range tables {
			for _, b := range tb {
				if !strings.Contains(help, helpLine(b.keys, b.help)) {
					t.Errorf("? lacks %q", strings.TrimSpace(helpLine(b.keys, b.help)))
				}
			}
		}
		keysTable := readmeTable(t, "| key | action |")
		for _, b := range append(append([]binding(nil), defaultBindings...), rootKeys...) {
			if !strings.Contains(keysTable, "`"+b.keys[0]+"`") {
				t.Errorf("the README's key table lacks %s (`%s`)", b.act, b.keys[0])
			}
		}
		marks := readmeTable(t, "| mark | meaning |")
		for _, e := range m.legend() {
			if !strings.Contains(help, helpLine([]string{e.sym}, e.means)) {
				t.Errorf("? lacks the legend of %q", e.sym)
			}
			if !strings.Contains(marks, "`"+e.sym+"`") {
				t.Errorf("the README's legend lacks `%s` (%s)", e.sym, e.means)
			}
		}
	}
}

// A binding's help starts at one column whatever the width of its keys.
func TestHelpLineColumns(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want []string
	}{
		{[]string{"r"}, []string{"  r                reply"}},
		{[]string{"ctrl+d", "pgdown"}, []string{"  ctrl+d pgdown    reply"}},
		{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, []string{"  1 2 3 4 5 6 7 8 9 0", "                   reply"}},
	} {
		if got := appendHelp(nil, tc.keys, "reply"); !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.keys, got, tc.want)
		}
	}
}
