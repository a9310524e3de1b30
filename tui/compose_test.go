package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/store"
)

// ctrl+o in the composer: a file (checked), then its alt text (required);
// the reply is queued with the image.
func TestAttachImageInComposer(t *testing.T) {
	a, _ := demoApp(t)
	file := testkit.PNG(t, "claim-form.png", 8, 6)
	notImage := testkit.WriteFile(t, t.TempDir(), "notes.txt", "plain text")

	tm := runModel(t, a, 120, 40, "priority")
	ctrlO := tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl}
	tm.Send(key("enter"))
	tm.Send(key("r"))
	tm.Type("Here is the claim form.")
	// not an image: refused, nothing attached
	tm.Send(ctrlO)
	waitScreen(t, tm, "Attach an image")
	tm.Type(notImage)
	tm.Send(key("enter"))
	waitScreen(t, tm, "not an image")
	// the image: its alt text is asked for next
	pickImage := func() {
		tm.Send(ctrlO)
		tm.Type(file)
		tm.Send(key("enter"))
		waitScreen(t, tm, "Alt text for claim-form.png")
	}
	// an image without alt text: refused
	pickImage()
	tm.Send(key("enter"))
	waitScreen(t, tm, "is required (ctrl+o")
	// an image with alt text
	pickImage()
	tm.Type("The claim form, filled in")
	tm.Send(key("enter"))
	waitScreen(t, tm, "📷 claim-form.png")
	tm.Send(key("ctrl+s"))
	ob := waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool { return len(ob) == 1 })
	atts := ob[0].Reply.Attachments
	if len(atts) != 1 || atts[0].Alt != "The claim form, filled in" || atts[0].MIME != "image/png" || atts[0].Width != 8 {
		t.Fatalf("attachments %+v", atts)
	}
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, finalWait)
}

// P writes a status post for the brand in view (signed), S lists it with
// its link once sent, e resolves it with a follow-up threaded under it.
func TestStatusPostFromTheTUI(t *testing.T) {
	a, _ := demoApp(t)
	tm := runModel(t, a, 120, 40, "priority")
	tm.Send(key("3")) // Northwind
	tm.Send(key("P"))
	waitScreen(t, tm, "Status post · Northwind Energy", "[x] demo/northwind")
	tm.Type("We know about the outage in Millbrook; ")
	tm.Send(tea.PasteMsg{Content: "crews are on it."}) // pasted text lands in the status post
	tm.Send(key("ctrl+s"))
	waitScreen(t, tm, "queued on 1 account")
	sts, err := store.Statuses(context.Background(), a.Store, "Northwind Energy", 0)
	if err != nil || len(sts) != 1 || !strings.HasPrefix(sts[0].Text, "We know about the outage in Millbrook; crews are on it.") || !strings.HasSuffix(sts[0].Text, "^DO") || sts[0].Items[0].State != store.OutQueued {
		t.Fatalf("statuses %+v %v", sts, err)
	}
	tm.Send(key("S"))
	waitScreen(t, tm, "Status posts · Northwind Energy", "queued")
	a.Engine.Deliver(context.Background()) // the open list follows the delivery
	waitScreen(t, tm, "demo-status-1")
	tm.Send(key("e"))
	waitScreen(t, tm, "Resolve status "+sts[0].ID)
	tm.Type("Power is back in Millbrook.")
	tm.Send(key("ctrl+s"))
	waitScreen(t, tm, "resolved: follow-up queued")
	sts, _ = store.Statuses(context.Background(), a.Store, "Northwind Energy", 0)
	if !sts[0].Resolved || sts[0].Items[0].Follow == 0 {
		t.Fatalf("not resolved: %+v", sts[0])
	}
	e, _ := a.Store.OutboxEntry(context.Background(), sts[0].Items[0].Follow)
	if e.Reply.To.RemoteID != sts[0].Items[0].RemoteID {
		t.Fatalf("follow-up answers %q, want the status %q", e.Reply.To.RemoteID, sts[0].Items[0].RemoteID)
	}
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, finalWait)
}

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
	want := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // apptest.Start is Monday 09:30
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
	// the list's row with the new text (the header and the status line
	// show it too: m must wait for the list, or it goes to the queue)
	m.waitFor(t, "the list's row with the edited text", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "→ #") && strings.Contains(l, "Let us know!") {
				return true
			}
		}
		return false
	})
	tm.Send(key("m"))
	tm.Type("3d !")
	tm.Send(key("enter"))
	waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool {
		return ob[0].SendAt.Equal(apptest.Start.AddDate(0, 0, 3)) && ob[0].SendAnyway
	})
	m.waitText(t, "[anyway]")
	tm.Send(key("d"))
	waitOutbox(t, a.Store, func(ob []store.OutboxEntry) bool { return ob[0].State == store.OutDropped })
	m.waitText(t, "Nothing scheduled")
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, finalWait)
}
