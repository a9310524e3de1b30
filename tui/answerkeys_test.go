package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Keys typed while a reply is being queued (ctrl+s, then at once more
// keys: a fast typist, or keys arriving in one SSH packet) are neither
// typed into the text being sent nor lost: once the engine has queued
// the reply they act as if typed after it (here: esc to the queue, j to
// the next conversation); a refused reply gets them in its text.
func TestKeysTypedWhileSending(t *testing.T) {
	a, m, top := promptModel(t)
	m.Press(key("r"))
	m.Press(typed("On it now")...)
	_, send := m.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	for _, k := range []tea.KeyPressMsg{escKey, key("j")} {
		if _, cmd := m.Update(k); cmd != nil {
			t.Fatalf("a key typed while the reply is queued did something at once: %v", k)
		}
	}
	m.Drive(send)
	ob, err := a.Store.Outbox(context.Background(), nil)
	if err != nil || len(ob) != 1 || !strings.HasPrefix(ob[0].Reply.Text, "On it now") || strings.Contains(ob[0].Reply.Text, "j") {
		t.Fatalf("outbox %+v %v", ob, err)
	}
	if got := m.SelectedID(); got == top.ID || got == "" {
		t.Fatalf("j typed during the send did not move the cursor: on #%s", got)
	}
	if s := m.Screen(); strings.Contains(s, "ctrl+s send") {
		t.Fatalf("the composer is still open:\n%s", s)
	}

}

// A key typed while the reply is queued never answers the question the
// answer asks: the conversation moved on, y would send over the news.
func TestKeysTypedWhileSendingNeverAnswer(t *testing.T) {
	a, clk, m, c := writing(t, "Checking now")
	customerWrites(t, a, c, "late-1", "Hello?? My flight leaves in 2 hours", clk.Now().Add(time.Minute))
	_, send := m.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	if _, cmd := m.Update(key("y")); cmd != nil {
		t.Fatal("y typed while the reply is queued did something at once")
	}
	m.Drive(send)
	if scr := m.Screen(); !strings.Contains(scr, "moved on while you wrote") {
		t.Fatalf("no question:\n%s", scr)
	}
	if n := len(repliesTo(t, a, c.ID)); n != 0 {
		t.Fatalf("the y typed ahead answered the question: %d replies queued", n)
	}
	m.Press(key("n"))
	if scr := m.Screen(); !strings.Contains(scr, "Checking now") || strings.Contains(scr, "Checking nowy") {
		t.Fatalf("the text is not back as it was:\n%s", scr)
	}
}

// [ and ] pick the post to answer from the queue too (r answers the open
// conversation from there): they did nothing unless the conversation pane
// had the focus.
func TestPickPostFromTheQueue(t *testing.T) {
	_, m, _ := promptModel(t)
	if ui := m.UIState(); !strings.HasPrefix(ui, "focus=0") {
		t.Fatalf("the queue is not focused: %s", ui)
	}
	m.Press(key("j"))
	m.Press(key("["))
	if s := m.Screen(); !strings.Contains(s, "r answers this post") {
		t.Fatalf("[ in the queue picked no post:\n%s", s)
	}
	m.Press(key("]"))
	if s := m.Screen(); strings.Contains(s, "r answers this post") {
		t.Fatalf("] after the last post kept a pick:\n%s", s)
	}
}
