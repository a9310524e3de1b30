package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

// Typing into the snooze prompt: the presets take effect on enter only, so
// times and notes can be typed, and no key of them reaches the queue (the
// issue: "3h; check generator status" snoozed until Monday, selected a row
// and opened the picker).
func TestSnoozeTyping(t *testing.T) {
	monday := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in    string
		until time.Time
		note  string
	}{
		{"3h", apptest.Start.Add(3 * time.Hour), ""},
		{"3h; check generator status", apptest.Start.Add(3 * time.Hour), "check generator status"},
		{"15:30", time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC), ""},
		{"2026-12-01 09:00", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), ""},
		{"1", apptest.Start.Add(time.Hour), ""},
		{"2", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), ""},
		{"3", monday, ""},
		{"2; call after the board meeting", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), "call after the board meeting"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			a, m, top := promptModel(t)
			before := convStates(t, a.Store)
			ui := m.UIState()
			m.Press(key("z"))
			m.Press(typed(tt.in)...)
			m.Press(key("enter"))
			c := storedConv(t, a, top.ID)
			if c.State != social.StateSnoozed || !c.SnoozedUntil.Equal(tt.until) || c.SnoozeNote != tt.note {
				t.Fatalf("%q: %s until %s note %q; want snoozed until %s note %q", tt.in, c.State, c.SnoozedUntil, c.SnoozeNote, tt.until, tt.note)
			}
			after := convStates(t, a.Store)
			delete(before, top.ID)
			delete(after, top.ID)
			for id, s := range before {
				if after[id] != s {
					t.Errorf("#%s changed: %s -> %s", id, s, after[id])
				}
			}
			if got := m.UIState(); got != ui {
				t.Errorf("the queue took keys: %s, was %s", got, ui)
			}
		})
	}
}

// No key typed into a prompt (snooze, search, note, tags), the canned
// picker or the composer reaches the queue: the text is full of queue
// keys (e resolve, z snooze, space select, V all, s stats, c canned, j/k,
// digits for brands, w view), and esc leaves everything as it was.
func TestPromptsKeepTheirKeys(t *testing.T) {
	const text = "3h e z V s c j k w 2 b * p u v n t / ? O B"
	for _, tt := range []struct {
		name string
		open []tea.KeyPressMsg
		ui   string // the state after esc, when not the first one
	}{
		{name: "snooze", open: []tea.KeyPressMsg{key("z")}},
		{name: "search", open: []tea.KeyPressMsg{key("/")}},
		{name: "note", open: []tea.KeyPressMsg{key("n")}},
		{name: "tags", open: []tea.KeyPressMsg{key("t")}},
		{name: "picker", open: []tea.KeyPressMsg{key("c")}, ui: "focus=1"},
		{name: "composer", open: []tea.KeyPressMsg{key("r")}, ui: "focus=0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, m, top := promptModel(t)
			before := convStates(t, a.Store)
			ct, _ := a.Store.Contact(context.Background(), top.Network, top.Contact.Handle)
			ui := m.UIState()
			m.Press(tt.open...)
			m.Press(typed(text)...)
			if !strings.Contains(m.Screen(), "3h e z V") {
				t.Errorf("the text is not in the %s:\n%s", tt.name, m.Screen())
			}
			m.Press(escKey)
			if tt.name == "composer" { // esc closes the composer, esc again goes to the queue
				m.Press(escKey)
			}
			after := convStates(t, a.Store)
			for id, s := range before {
				if after[id] != s {
					t.Errorf("#%s changed: %s -> %s", id, s, after[id])
				}
			}
			ct2, _ := a.Store.Contact(context.Background(), top.Network, top.Contact.Handle)
			if ct2.Notes != ct.Notes || strings.Join(ct2.Tags, ",") != strings.Join(ct.Tags, ",") || ct2.VIP != ct.VIP {
				t.Errorf("contact changed: %+v -> %+v", ct, ct2)
			}
			want := ui
			if tt.ui != "" {
				want = strings.Replace(ui, "focus=0", tt.ui, 1)
			}
			if got := m.UIState(); got != want {
				t.Errorf("after esc: %s, want %s", got, want)
			}
		})
	}
}

// The snooze note shows in the snoozed view's row, and in the
// conversation once it wakes (the issue: stored but never shown).
func TestSnoozeNoteShown(t *testing.T) {
	a, m, top, clk := clockModel(t)
	m.Press(key("z"))
	m.Press(typed("3h; check generator status")...)
	m.Press(key("enter"))
	m.PumpEvents()
	m.Press(key("w"), key("w")) // inbox → pending → snoozed
	s := m.Screen()
	if !strings.Contains(s, "hark · snoozed") || !strings.Contains(s, "⏾ Mon 12:30 · check generator status") {
		t.Fatalf("the snoozed view does not show the note:\n%s", s)
	}
	clk.Advance(3*time.Hour + time.Minute) // wake it three hours later
	if ids := a.Engine.Wake(); len(ids) != 1 || ids[0] != top.ID {
		t.Fatalf("woke %v", ids)
	}
	m.Press(key("w"), key("w"), key("w")) // resolved → all → inbox
	m.PumpEvents()
	m.Press(key("g"))
	s = m.Screen()
	if !strings.Contains(s, "back from snooze (Mon 09:30): check generator status") {
		t.Fatalf("the woken conversation does not show the note:\n%s", s)
	}
}

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
	if len(ob) != 1 || ob[0].State != store.OutQueued || !ob[0].NextAttempt.Equal(apptest.Start.Add(5*time.Second)) {
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
	// sent again as a DM, the status line says it is one
	m.Press(tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl}, tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	if s := m.Screen(); !strings.Contains(s, "DM to @") || !strings.Contains(s, "sends in 5s") {
		t.Fatalf("the DM is not called one:\n%s", s)
	}
}

// Undoing a resolve brings the cursor back to the conversation, open: the
// operator goes on where they were, not on the one the resolve moved to.
func TestUndoReturnsToTheConversation(t *testing.T) {
	_, m, top := promptModel(t)
	if m.SelectedID() != top.ID {
		t.Fatalf("the top is not selected: #%s", m.SelectedID())
	}
	m.Press(key("e"))
	m.PumpEvents()
	next := m.SelectedID()
	if next == top.ID || next == "" {
		t.Fatalf("the resolve did not move on: #%s", next)
	}
	m.Press(key("U"))
	m.PumpEvents()
	if got := m.SelectedID(); got != top.ID {
		t.Fatalf("after the undo the cursor is on #%s, want #%s", got, top.ID)
	}
	if s := m.Screen(); !strings.Contains(s, "#"+top.ID+" · ") {
		t.Fatalf("#%s is not open:\n%s", top.ID, s)
	}
}

// Keys typed while the list is re-read for another brand wait for it and
// act on the new list: j after 1 (brand 1) moves to brand 1's second
// conversation, not the old list's.
func TestKeysTypedWhileTheListLoads(t *testing.T) {
	a, m, _ := promptModel(t)
	_, load := m.Update(key("1"))
	if _, cmd := m.Update(key("j")); cmd != nil {
		t.Fatal("j typed while the list loads did something at once")
	}
	m.Drive(load)
	brand := a.Cfg.Brands[0].Name
	refs, err := a.Store.QueueRefs(context.Background(), store.ViewActionable, func(r store.Ref) bool { return r.Brand == brand })
	if err != nil || len(refs) < 2 {
		t.Fatalf("%s: %d refs, %v", brand, len(refs), err)
	}
	if got := m.SelectedID(); got != refs[1].ID {
		t.Fatalf("after 1 j the cursor is on #%s, want #%s (%s's second)", got, refs[1].ID, brand)
	}
}
