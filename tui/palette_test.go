package tui_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
)

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
