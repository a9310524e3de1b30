package tui_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hark-tui/hark/social"
)

// The palette's help column starts in one place on every line, however
// long an action's keys ("ctrl+d pgdown").
func TestPaletteColumnsLineUp(t *testing.T) {
	_, m, _ := promptModel(t)
	m.Press(key(":"))
	s := m.Screen()
	col := func(text string) int {
		for _, l := range strings.Split(s, "\n") {
			if i := strings.Index(l, text); i >= 0 {
				return ansi.StringWidth(l[:i])
			}
		}
		t.Fatalf("no %q on the screen:\n%s", text, s)
		return 0
	}
	short, long := col("next conversation / scroll down"), col("page down")
	if short != long {
		t.Fatalf("the help of down starts at column %d, of page_down at %d:\n%s", short, long, s)
	}
}

// : runs an action by name with completion; # jumps to a conversation in
// another view.
func TestPaletteAndJump(t *testing.T) {
	a, m, top := promptModel(t)
	m.Press(key(":"))
	m.Press(typed("reso")...)
	if s := m.Screen(); !strings.Contains(s, "resolve") || !strings.Contains(s, "Run an action") {
		t.Fatalf("no completion:\n%s", s)
	}
	m.Press(tea.KeyPressMsg{Code: tea.KeyTab})
	m.Press(key("enter"))
	if c := storedConv(t, a, top.ID); c.State != social.StateResolved {
		t.Fatalf(":resolve left it %s", c.State)
	}
	m.PumpEvents()
	// an unknown name says so and keeps the palette open
	m.Press(key(":"))
	m.Press(typed("fly")...)
	m.Press(key("enter"))
	if s := m.Screen(); !strings.Contains(s, `No action "fly"`) || !strings.Contains(s, "Run an action") {
		t.Fatalf("unknown action:\n%s", s)
	}
	m.Press(escKey)
	// #id: the resolved one, from the inbox
	m.Press(key("#"))
	m.Press(typed(top.ID)...)
	m.Press(key("enter"))
	s := m.Screen()
	if h := header(s); !strings.Contains(h, "hark · resolved") {
		t.Fatalf("jump did not switch view: %s", h)
	}
	if !strings.Contains(s, "#"+top.ID+" · ") {
		t.Fatalf("jump did not open #%s:\n%s", top.ID, s)
	}
	m.Press(key("#"))
	m.Press(typed("99999")...)
	m.Press(key("enter"))
	if s := m.Screen(); !strings.Contains(s, "#99999: no such conversation") {
		t.Fatalf("a bad id:\n%s", s)
	}
}
