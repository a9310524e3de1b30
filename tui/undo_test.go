package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

// U takes back the last action: a bulk resolve, a snooze, a pending, a
// note, tags and the VIP flag, each exactly as it was, newest first.
func TestUndo(t *testing.T) {
	a, m, top := promptModel(t)
	before := convStates(t, a.Store)
	ct0, _ := a.Store.Contact(context.Background(), top.Network, top.Contact.Handle)

	// bulk resolve of three
	m.Press(key(" "), key(" "), key(" "), key("e"))
	m.PumpEvents()
	resolved := 0
	for id, s := range convStates(t, a.Store) {
		if s != before[id] {
			resolved++
		}
	}
	if resolved != 3 || !strings.Contains(m.Screen(), "Resolved: 3 conversations — U undoes") {
		t.Fatalf("%d resolved:\n%s", resolved, m.Screen())
	}
	m.Press(key("U"))
	m.PumpEvents()
	if got := convStates(t, a.Store); !equalStates(got, before) {
		t.Fatalf("bulk resolve not undone:\n%v\n%v", got, before)
	}
	if !strings.Contains(m.Screen(), "Undone: Resolved: 3 conversations") {
		t.Fatalf("no word of the undo:\n%s", m.Screen())
	}

	// contact edits, then a snooze, undone newest first
	m.Press(key("g"))
	m.Press(key("n"))
	m.Press(typed("prefers DMs")...)
	m.Press(key("enter"))
	m.Press(key("t"))
	m.Press(typed("press, vip-list")...)
	m.Press(key("enter"))
	m.Press(key("v"))
	m.Press(key("z"))
	m.Press(typed("3h")...)
	m.Press(key("enter"))
	m.PumpEvents()
	if c := storedConv(t, a, top.ID); c.State != social.StateSnoozed {
		t.Fatalf("not snoozed: %s", c.State)
	}
	m.Press(key("U"))
	if c := storedConv(t, a, top.ID); c.State != top.State || !c.SnoozedUntil.IsZero() {
		t.Fatalf("snooze not undone: %s until %s", c.State, c.SnoozedUntil)
	}
	ct, _ := a.Store.Contact(context.Background(), top.Network, top.Contact.Handle)
	if ct.VIP != !top.VIP || ct.Notes != "prefers DMs" || strings.Join(ct.Tags, ",") != "press,vip-list" {
		t.Fatalf("an undo went too far: %+v", ct)
	}
	m.Press(key("U")) // VIP
	m.Press(key("U")) // tags
	ct, _ = a.Store.Contact(context.Background(), top.Network, top.Contact.Handle)
	if ct.VIP != ct0.VIP || ct.Notes != "prefers DMs" || len(ct.Tags) != len(ct0.Tags) {
		t.Fatalf("after two more undos: %+v", ct)
	}
	m.Press(key("U")) // note
	ct, _ = a.Store.Contact(context.Background(), top.Network, top.Contact.Handle)
	if ct.Notes != ct0.Notes {
		t.Fatalf("note not undone: %+v", ct)
	}
	m.Press(key("U"))
	if !strings.Contains(m.Screen(), "Nothing to undo") {
		t.Fatalf("an empty undo says nothing:\n%s", m.Screen())
	}
}

func equalStates(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A sent reply waits its undo-send window in the outbox; U takes it back
// into the composer, unsent.
func TestUndoSend(t *testing.T) {
	tui.Instant(t)
	a, _ := demoApp(t)
	d := a.TUIDeps("test", nil)
	d.Mono, d.UndoSend = true, 5*time.Second
	m, err := tui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	m.Start(120, 40)
	m.Press(key("r"))
	m.Press(typed("We are on it")...)
	m.Press(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	ob, _ := a.Store.Outbox(context.Background(), nil)
	if len(ob) != 1 || ob[0].State != store.OutQueued || !ob[0].NextAttempt.Equal(start.Add(5*time.Second)) {
		t.Fatalf("outbox %+v", ob)
	}
	if s := m.Screen(); !strings.Contains(s, "sends in 5s — U takes it back; then the conversation moves to pending") {
		t.Fatalf("no word of the window:\n%s", s)
	}
	m.Press(key("U"))
	ob, _ = a.Store.Outbox(context.Background(), nil)
	if ob[0].State != store.OutDropped {
		t.Fatalf("not taken back: %+v", ob[0])
	}
	s := m.Screen()
	if !strings.Contains(s, "We are on it") || !strings.Contains(s, "Reply taken back") {
		t.Fatalf("the text is not back in the composer:\n%s", s)
	}
	if got := m.UIState(); !strings.HasPrefix(got, "focus=2") {
		t.Fatalf("the composer is not focused: %s", got)
	}
}
