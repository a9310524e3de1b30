package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

// waitOutbox polls the store until the outbox passes ok.
func waitOutbox(t *testing.T, st store.Store, ok func([]store.OutboxEntry) bool) []store.OutboxEntry {
	t.Helper()
	var ob []store.OutboxEntry
	if !testkit.Poll(10*time.Second, func() bool { ob, _ = st.Outbox(context.Background(), nil); return ok(ob) }) {
		t.Fatalf("outbox never got there: %+v", ob)
	}
	return ob
}

// ctrl+l in the composer schedules the reply (the snooze syntax, with a
// weekday); L lists it; m moves it ("!" = send anyway); d cancels it.
func TestSendLaterAndScheduledList(t *testing.T) {
	a, _ := demoApp(t)
	m := watch(newModel(t, a))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitScreen(t, tm, "priority")
	tm.Send(key("enter"))
	tm.Send(key("r"))
	tm.Type("Did the replacement arrive?")
	tm.Send(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	waitScreen(t, tm, "Send later")
	tm.Type("tue 10:00")
	tm.Send(key("enter"))
	ob := waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool { return len(ob) == 1 })
	want := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // start is Monday 09:30
	if ob[0].State != store.OutScheduled || !ob[0].SendAt.Equal(want) || ob[0].SendAnyway ||
		!strings.HasPrefix(ob[0].Reply.Text, "Did the replacement arrive?") {
		t.Fatalf("scheduled entry %+v", ob[0])
	}
	// the status line says so, and the conversation's header names it (on
	// the model's screen: the renderer rewrites only the cells that changed)
	m.waitText(t, "Scheduled for Tue Nov 24 10:00", "scheduled Tue Nov 24 10:00: Did the replacement")
	// from here on too: the list redraws text the composer drew before,
	// and the bytes of a diff need not hold it in one piece
	tm.Send(key("L"))
	m.waitText(t, "Tue Nov 24 10:00 → #")
	// E: edit the text in the composer (it keeps its time); ctrl+s saves it
	tm.Send(key("E"))
	m.waitText(t, "scheduled message (ctrl+s saves it")
	tm.Send(tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl}) // end of line
	tm.Type(" Let us know!")
	tm.Send(key("ctrl+s"))
	waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool {
		return strings.HasPrefix(ob[0].Reply.Text, "Did the replacement arrive? Let us know!")
	})
	if ob, _ := a.Store.Outbox(context.Background(), nil); len(ob) != 1 || !ob[0].SendAt.Equal(want) || strings.Count(ob[0].Reply.Text, "^DO") != 1 {
		t.Fatalf("after the edit: %+v", ob)
	}
	tm.Send(key("L"))
	m.waitText(t, "Let us know!")
	tm.Send(key("m"))
	tm.Type("3d !")
	tm.Send(key("enter"))
	waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool {
		return ob[0].SendAt.Equal(start.AddDate(0, 0, 3)) && ob[0].SendAnyway
	})
	m.waitText(t, "[anyway]")
	tm.Send(key("d"))
	waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool { return ob[0].State == store.OutDropped })
	m.waitText(t, "Nothing scheduled")
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
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
		got, err := tui.ParseSnooze(tc.in, now, nil)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"tu", "tux 10:00", "tue 25:00", "tue 10:00 x"} {
		if _, err := tui.ParseSnooze(bad, now, nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
